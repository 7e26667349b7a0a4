// Client switching through CloudWatch (dns.mode health-check): per cluster of dns.values an
// alarm on kafka-dr's ActiveSide metric, <estate>-kafka-dr-<cluster>-not-active (OK while the
// cluster is the side clients must use), a CLOUDWATCH_METRIC health check following that alarm,
// and the two failover records (the first cluster PRIMARY, the second SECONDARY) behind those
// health checks. A failover publishes ActiveSide in the control plane's region
// (src/dns/active-side-metric.ts); the alarms follow, the health checks follow the alarms, and
// Route 53 answers with the side whose health check is healthy. No call to Route 53's API
// (its control plane in us-east-1) is needed to switch: cheaper than ARC, slower to take effect.
import { Duration, Stack, Validations } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as route53 from 'aws-cdk-lib/aws-route53';
import { Construct } from 'constructs';
import { activeSideAlarmName } from '#src/alarm-names';
import type { EstateConfig } from '#src/config/schema';
import { ACTIVE_SIDE_HEALTH_CHECKS } from '#src/environment';
import { Metric } from '#src/metrics';
import { failoverRecords } from './failover-records';
import { probeMetric } from './probe-metrics';

/**
 * The alarms' period. Route 53 follows no alarm on a high-resolution metric (Route 53 API
 * reference, AlarmIdentifier), so ActiveSide is standard resolution and the alarm period one
 * minute, its shortest.
 */
export const ACTIVE_SIDE_PERIOD = Duration.minutes(1);

export interface ActiveSideSwitchingProps {
  /** An estate with dns.mode health-check (the schema then gives dns.values exactly two clusters). */
  config: EstateConfig;
}

export class ActiveSideSwitching extends Construct {
  /** The clusters of dns.values, in order: the first's record is PRIMARY, the second's SECONDARY. */
  readonly clusters: string[];
  readonly alarms: Record<string, cloudwatch.Alarm>;
  readonly healthChecks: Record<string, route53.CfnHealthCheck>;
  readonly records: Record<string, route53.CfnRecordSet>;
  /** The ACTIVE_SIDE_HEALTH_CHECKS value: JSON {"<cluster>": "<health check id>"}. */
  readonly lambdaSetting = ACTIVE_SIDE_HEALTH_CHECKS;
  readonly setting: string;

  constructor(scope: Construct, id: string, props: ActiveSideSwitchingProps) {
    super(scope, id);
    const { config } = props;
    const { estate, dns } = config;
    if (dns.mode !== 'health-check') throw new Error(`dns.mode is ${dns.mode}: the ActiveSide alarms and their health checks are for dns.mode health-check`);
    const stack = Stack.of(this);
    this.clusters = Object.keys(dns.values);

    this.alarms = {};
    for (const cluster of this.clusters) {
      this.alarms[cluster] = new cloudwatch.Alarm(this, `NotActive-${cluster}`, {
        alarmName: activeSideAlarmName(estate, cluster),
        alarmDescription:
          `kafka-dr ${estate}: OK while ${cluster} is the side clients must use (${Metric.ActiveSide.namespace} ${Metric.ActiveSide.name} = 1), ALARM while it is not. ` +
          `The health check of ${cluster}'s failover record follows it: it is the clients' switch, not an alert (the passive side's is always in ALARM). ` +
          'A failover publishes the metric; to switch by hand see the failover runbook (e).',
        metric: probeMetric(Metric.ActiveSide, { Estate: estate, Cluster: cluster }, { statistic: 'Maximum', period: ACTIVE_SIDE_PERIOD }),
        threshold: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
        evaluationPeriods: 1,
        datapointsToAlarm: 1,
        // A switch publishes once: the state holds until the next one.
        treatMissingData: cloudwatch.TreatMissingData.IGNORE,
      });
    }

    const { healthChecks, records, healthCheckIds } = failoverRecords(this, config, (cluster) => ({
      id: `HealthCheck-${cluster}`,
      config: {
        type: 'CLOUDWATCH_METRIC',
        // The literal name, not a reference: what Route 53 follows is named, and the lab's
        // stand-ins read it from the template as written.
        alarmIdentifier: { region: config.controlPlane.region, name: activeSideAlarmName(estate, cluster) },
        // Before the first switch (no data yet) the health check is healthy, and clients use the PRIMARY.
        insufficientDataHealthStatus: 'LastKnownStatus',
      },
    }));
    for (const [cluster, alarm] of Object.entries(this.alarms)) healthChecks[cluster]?.addResourceDependency(alarm.node.defaultChild as cloudwatch.CfnAlarm);
    this.healthChecks = healthChecks;
    this.records = records;
    this.setting = stack.toJsonString(healthCheckIds);
  }

  /** Reading where clients are sent: the alarms' states (DescribeAlarms on these two) and the newest ActiveSide datapoints. */
  grantRead(...roles: iam.IRole[]): void {
    for (const role of roles) {
      role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['cloudwatch:DescribeAlarms'], resources: this.alarmArns() }));
    }
    this.grantMetric('ReadActiveSidePolicy', roles, ['cloudwatch:GetMetricData'], {}, 'cloudwatch:GetMetricData supports no resource-level permissions or condition keys; the switch reads the newest ActiveSide datapoints');
  }

  /** Switching: publishing ActiveSide (in its own namespace only), and reading the health checks' status to confirm it. */
  grantSwitch(role: iam.IRole): void {
    const stack = Stack.of(this);
    this.grantMetric(
      'PublishActiveSidePolicy',
      [role],
      ['cloudwatch:PutMetricData'],
      { StringEquals: { 'cloudwatch:namespace': Metric.ActiveSide.namespace } },
      `cloudwatch:PutMetricData supports no resource-level permissions; the cloudwatch:namespace condition limits it to ${Metric.ActiveSide.namespace}`,
    );
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['route53:GetHealthCheckStatus'],
        resources: Object.values(this.healthChecks).map((healthCheck) => `arn:${stack.partition}:route53:::healthcheck/${healthCheck.attrHealthCheckId}`),
      }),
    );
  }

  private grantMetric(id: string, roles: iam.IRole[], actions: string[], conditions: Record<string, unknown>, reason: string): void {
    const policy = new iam.Policy(this, id, { roles, statements: [new iam.PolicyStatement({ actions, resources: ['*'], conditions })] });
    Validations.of(policy).acknowledge({ id: 'AwsSolutions-IAM5[Resource::*]', reason });
  }

  /** In the order of dns.values. */
  private alarmArns(): string[] {
    return Object.values(this.alarms).map((alarm) => alarm.alarmArn);
  }
}
