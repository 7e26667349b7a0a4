// Watch: the scheduled probes and the production checklist audit of every replication flow,
// the state they keep between runs, the alarms on what they publish and the estate's dashboard.
//
// Interface the probe handlers honour:
//   event  { "flow": "dc1->dc2" }   (flowName of a configured flow; the liveness probe
//          also takes "samples", fewer than a scheduled run's, for an on-demand look)
//   env    PROBE_STATE_TABLE (bandwidth probe): DynamoDB table, partition key "flow" (S)
//   metrics in namespace KafkaDR only (PutMetricData is denied in any other namespace)
import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { estateSecretArns } from '#src/config/estate';
import { PROBE_STATE_TABLE } from '#src/environment';
import type { EstateConfig } from '#src/config/schema';
import { flowsOf, type Flow } from '#src/flow';
import { METRICS_NAMESPACE } from '#src/metrics';
import { LIVENESS_SCHEDULE_SECONDS, livenessRunSeconds } from '#src/probes/liveness-cadence';
import { kafkaDrTable } from './kafka-dr-table';
import { KafkaDrFunction, type EstateNetwork } from './kafka-dr-function';
import { AUDIT_PERIOD_SECONDS, FlowAlarms } from './probe-alarms';
import { ProbeDashboard } from './probe-dashboard';

/** Time the lag probe needs besides waiting for its canary: connect, metadata, offsets, heartbeats, publish. */
const LAG_PROBE_WORK_SECONDS = 45;

export interface ReplicationProbesProps {
  config: EstateConfig;
  network: EstateNetwork;
}

export interface PrimaryDownAlarm {
  alarm: FlowAlarms['primaryDown'];
  /** The deterministic alarm name, `${estate}-kafka-dr-${source}-to-${target}-primary-down`. */
  alarmName: string;
}

export class ReplicationProbes extends Construct {
  /** Samples each flow's reachability and heartbeat several times a minute: what primary-down is fast on. */
  readonly livenessProbe: KafkaDrFunction;
  readonly lagProbe: KafkaDrFunction;
  readonly bandwidthProbe: KafkaDrFunction;
  /** The production checklist audit of each flow: MM2's settings and the topics, judged; nothing changed. */
  readonly audit: KafkaDrFunction;
  /** Writes the checkpoints MM2 does not (groups on replicas of the target's own topics), for flows with a flow back; absent without one. */
  readonly returnCheckpoints?: KafkaDrFunction;
  readonly stateTable: dynamodb.Table;
  /** Each flow's alarms, keyed by flow name ("dc1->dc2"). */
  readonly flowAlarms: Record<string, FlowAlarms>;
  /** Each flow's composite "primary down" alarm, keyed by flow name: what failover starts from. */
  readonly primaryDown: Record<string, PrimaryDownAlarm>;
  readonly dashboard: ProbeDashboard;

  constructor(scope: Construct, id: string, props: ReplicationProbesProps) {
    super(scope, id);
    const { config, network } = props;
    const { rateMinutes, thresholds, liveness } = config.probes;
    const secretArns = estateSecretArns(config);

    // Working state of the bandwidth probe between runs (previous offsets and sample
    // times, to turn counters into rates). It is derived from the clusters and rebuilt by
    // the next run after a loss, so it is not worth retaining past the stack: DESTROY.
    this.stateTable = kafkaDrTable(this, 'StateTable', 'flow', RemovalPolicy.DESTROY);

    this.livenessProbe = new KafkaDrFunction(this, 'LivenessProbe', {
      handlerDir: 'liveness-probe',
      description: `Samples a MM2 flow every ${liveness.sampleSeconds} s for a minute: source and target reachable, MM2 heartbeat age`,
      config,
      network,
      secretArns,
      timeout: Duration.seconds(livenessRunSeconds(liveness.sampleSeconds)),
      memorySize: 256,
    });
    this.lagProbe = new KafkaDrFunction(this, 'LagProbe', {
      handlerDir: 'lag-probe',
      description: 'Probes a MM2 flow: canary latency, replication lag and RPO, checkpoint freshness',
      config,
      network,
      secretArns,
      timeout: Duration.seconds(Math.ceil(thresholds.canaryTimeoutSeconds) + LAG_PROBE_WORK_SECONDS),
      memorySize: config.probes.lagProbeMemoryMb,
    });
    this.bandwidthProbe = new KafkaDrFunction(this, 'BandwidthProbe', {
      handlerDir: 'bandwidth-probe',
      description: 'Probes a MM2 flow\'s link: demand, replicated rate, timed transfer capacity and RTT, peak demand, headroom, catch-up ETA',
      config,
      network,
      secretArns,
      timeout: Duration.seconds(60),
      memorySize: 256,
      environment: { [PROBE_STATE_TABLE.name]: this.stateTable.tableName },
    });
    this.stateTable.grantReadWriteData(this.bandwidthProbe.function);
    this.audit = new KafkaDrFunction(this, 'Audit', {
      handlerDir: 'audit',
      description: "Audits a MM2 flow against the production checklist: MM2's settings, replicas' partitions and replication factor, topics no flow copies, ACL/quota/config drift, Connect placement",
      config,
      network,
      secretArns,
      timeout: Duration.seconds(60),
      memorySize: 256,
    });

    const hasFlowBack = (flow: Flow) => flowsOf(config).some((f) => f.source === flow.target && f.target === flow.source);
    if (flowsOf(config).some(hasFlowBack)) {
      this.returnCheckpoints = new KafkaDrFunction(this, 'ReturnCheckpoints', {
        handlerDir: 'return-checkpoints',
        description: "Writes the checkpoints MM2 does not: a flow source's groups on replicas of the target's own topics, translated through the flow back, for an unplanned failover",
        config,
        network,
        secretArns,
        timeout: Duration.seconds(60),
        memorySize: 256,
      });
    }

    const publish = new iam.Policy(this, 'PublishMetricsPolicy', {
      roles: [this.livenessProbe.role, this.lagProbe.role, this.bandwidthProbe.role, this.audit.role],
      statements: [
        new iam.PolicyStatement({
          actions: ['cloudwatch:PutMetricData'],
          resources: ['*'],
          conditions: { StringEquals: { 'cloudwatch:namespace': METRICS_NAMESPACE } },
        }),
      ],
    });
    Validations.of(publish).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason: `cloudwatch:PutMetricData supports no resource-level permissions; the cloudwatch:namespace condition limits it to ${METRICS_NAMESPACE}`,
    });
    const readMetrics = new iam.Policy(this, 'ReadMetricsPolicy', {
      roles: [this.bandwidthProbe.role],
      statements: [new iam.PolicyStatement({ actions: ['cloudwatch:GetMetricData'], resources: ['*'] })],
    });
    Validations.of(readMetrics).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason: 'cloudwatch:GetMetricData supports no resource-level permissions or condition keys; the bandwidth probe reads its own peak demand over the trailing window',
    });

    // A probe run that fails or is delivered late is not retried: the next scheduled run
    // measures afresh, and a retried run would publish a second, late sample.
    const period = Duration.minutes(rateMinutes);
    const livenessPeriod = Duration.seconds(LIVENESS_SCHEDULE_SECONDS);
    const auditPeriod = Duration.seconds(AUDIT_PERIOD_SECONDS);
    for (const [probe, every] of [[this.livenessProbe, livenessPeriod], [this.lagProbe, period], [this.bandwidthProbe, period], [this.audit, auditPeriod], [this.returnCheckpoints, period]] as const) {
      probe?.function.configureAsyncInvoke({ retryAttempts: 0, maxEventAge: every });
    }

    this.flowAlarms = {};
    this.primaryDown = {};
    for (const flow of flowsOf(config)) {
      const { name, safeName } = flow;
      const schedules = [
        ['LivenessProbe', this.livenessProbe, livenessPeriod],
        ['LagProbe', this.lagProbe, period],
        ['BandwidthProbe', this.bandwidthProbe, period],
        ['Audit', this.audit, auditPeriod],
        ...(this.returnCheckpoints && hasFlowBack(flow) ? ([['ReturnCheckpoints', this.returnCheckpoints, period]] as const) : []),
      ] as const;
      for (const [probeId, probe, every] of schedules) {
        new events.Rule(this, `${probeId}Schedule-${safeName}`, {
          description: `kafka-dr ${config.estate}: ${probe.node.id} of flow ${name} every ${every.toHumanString()}`,
          schedule: events.Schedule.rate(every),
          targets: [new targets.LambdaFunction(probe.function, { event: events.RuleTargetInput.fromObject({ flow: name }), maxEventAge: every })],
        });
      }
      const alarms = new FlowAlarms(this, `Alarms-${safeName}`, { config, flow });
      this.flowAlarms[name] = alarms;
      this.primaryDown[name] = { alarm: alarms.primaryDown, alarmName: alarms.primaryDownAlarmName };
    }

    this.dashboard = new ProbeDashboard(this, 'Dashboard', { config, alarms: this.flowAlarms });
  }
}
