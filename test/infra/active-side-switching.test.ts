// Client switching through CloudWatch (dns.mode health-check): the ActiveSide alarms, the
// CLOUDWATCH_METRIC health checks following them, the failover records behind those, the
// ACTIVE_SIDE_HEALTH_CHECKS setting of the DNS step and preflight, their permissions, and the
// stack output `kafka-dr status` reads. cdk-nag runs in every synth; cfn-lint reads the templates.
import { activeSideAlarmName } from '#src/alarm-names';
import { loadEstateConfigFile } from '#src/config/load';
import { parseEstateConfig } from '#src/config/parse';
import type { EstateConfig } from '#src/config/schema';
import { ACTIVE_SIDE_HEALTH_CHECKS } from '#src/environment';
import { CLIENT_SWITCH_NAMESPACE, METRICS_NAMESPACE } from '#src/metrics';
import { ControlPlaneOutput } from '#src/stack-outputs';
import { cfnLint } from '../support/cfn-lint';
import { actionsOf, functionOf, joined, statementsOf, synthControlPlane } from '../support/template';

const example = loadEstateConfigFile('config/estate.example.yaml');
const config: EstateConfig = parseEstateConfig({ ...example, dns: { ...example.dns, mode: 'health-check' } }, 'example estate, dns.mode health-check');
const REGION = config.controlPlane.region;

function synth(estate: EstateConfig) {
  const built = synthControlPlane(estate);
  const assembly = built.app.synth();
  const { template } = built;
  const resources = (type: string) => Object.entries(template.findResources(type));
  const env = (handlerDir: string) => functionOf(template, handlerDir)[1].Properties.Environment.Variables;
  /** Every statement of the policies on `handlerDir`'s role, resources as text ({Id.Attr} for a GetAtt). */
  const statements = (handlerDir: string) => {
    const roleId = functionOf(template, handlerDir)[1].Properties.Role['Fn::GetAtt'][0];
    return Object.values(template.findResources('AWS::IAM::Policy'))
      .filter((p) => p.Properties.Roles.some((r: any) => r.Ref === roleId))
      .flatMap(statementsOf)
      .map((s) => ({ ...s, Resource: [s.Resource].flat().map(joined) }));
  };
  const handlerDirs = Object.values(template.findResources('AWS::Lambda::Function')).map((f) => f.Properties.Environment.Variables.POWERTOOLS_SERVICE_NAME.replace(/^kafka-dr-/, '') as string);
  return { ...built, assembly, resources, env, statements, handlerDirs };
}

const s = synth(config);
const alarmOf = (cluster: string) => s.resources('AWS::CloudWatch::Alarm').find(([, a]) => a.Properties.AlarmName === activeSideAlarmName(config.estate, cluster))!;
const healthCheckIdOf = (cluster: string) => s.resources('AWS::Route53::HealthCheck').find(([, h]) => h.Properties.HealthCheckConfig.AlarmIdentifier.Name === activeSideAlarmName(config.estate, cluster))![0];

describe('client switching, dns.mode health-check', () => {
  it('creates a not-active alarm per cluster on ActiveSide {Estate, Cluster}: standard resolution (one minute, Route 53 takes no high-resolution alarm), 1 of 1, missing data ignored, no action', () => {
    for (const cluster of ['dc1', 'dc2']) {
      const [, alarm] = alarmOf(cluster);
      expect(alarm.Properties).toEqual({
        AlarmName: `${config.estate}-kafka-dr-${cluster}-not-active`,
        AlarmDescription: expect.stringContaining(`OK while ${cluster} is the side clients must use`),
        Namespace: CLIENT_SWITCH_NAMESPACE,
        MetricName: 'ActiveSide',
        Dimensions: expect.arrayContaining([
          { Name: 'Estate', Value: config.estate },
          { Name: 'Cluster', Value: cluster },
        ]),
        Statistic: 'Maximum',
        Period: 60,
        Threshold: 1,
        ComparisonOperator: 'LessThanThreshold',
        EvaluationPeriods: 1,
        DatapointsToAlarm: 1,
        TreatMissingData: 'ignore',
        // Only datapoints published in this unit count: the switch publishes Count.
        Unit: 'Count',
        Tags: expect.any(Array),
      });
      expect(alarm.Properties.Dimensions).toHaveLength(2);
    }
  });

  it('binds each failover record to a CLOUDWATCH_METRIC health check on its cluster\'s alarm, in the control plane\'s region, healthy until the first switch (LastKnownStatus)', () => {
    const healthChecks = s.resources('AWS::Route53::HealthCheck');
    expect(healthChecks).toHaveLength(2);
    const records = s.resources('AWS::Route53::RecordSet').map(([, r]) => r.Properties).sort((a, b) => a.Failover.localeCompare(b.Failover));
    expect(records.map((r) => [r.Failover, r.SetIdentifier])).toEqual([
      ['PRIMARY', 'dc1'],
      ['SECONDARY', 'dc2'],
    ]);
    for (const record of records) {
      const cluster = record.SetIdentifier as string;
      expect(record).toEqual({
        HostedZoneId: config.dns.hostedZoneId,
        Name: config.dns.recordName,
        Type: config.dns.type,
        TTL: String(config.dns.ttl),
        ResourceRecords: config.dns.values[cluster],
        SetIdentifier: cluster,
        Failover: record.Failover,
        HealthCheckId: { 'Fn::GetAtt': [healthCheckIdOf(cluster), 'HealthCheckId'] },
      });
      const [, healthCheck] = healthChecks.find(([id]) => id === healthCheckIdOf(cluster))!;
      expect(healthCheck.Properties).toEqual({
        HealthCheckConfig: { Type: 'CLOUDWATCH_METRIC', AlarmIdentifier: { Region: REGION, Name: activeSideAlarmName(config.estate, cluster) }, InsufficientDataHealthStatus: 'LastKnownStatus' },
        HealthCheckTags: expect.arrayContaining([{ Key: 'Name', Value: `${config.estate}-kafka-dr-${cluster}` }]),
      });
      // Route 53 names the alarm: it must exist first.
      expect(healthCheck.DependsOn).toEqual([alarmOf(cluster)[0]]);
    }
  });

  it('gives the DNS step and preflight ACTIVE_SIDE_HEALTH_CHECKS, the same value as the ActiveSideHealthChecks output, and no other function', () => {
    const value = s.env('failover-dns')[ACTIVE_SIDE_HEALTH_CHECKS.name];
    expect(JSON.parse(joined(value))).toEqual({ dc1: `{${healthCheckIdOf('dc1')}}`, dc2: `{${healthCheckIdOf('dc2')}}` });
    expect(s.env('failover-preflight')[ACTIVE_SIDE_HEALTH_CHECKS.name]).toEqual(value);
    expect(s.template.toJSON().Outputs[ControlPlaneOutput.ActiveSideHealthChecks].Value).toEqual(value);
    expect(s.handlerDirs.filter((dir) => s.env(dir)[ACTIVE_SIDE_HEALTH_CHECKS.name] !== undefined).sort()).toEqual(['failover-dns', 'failover-preflight']);
  });

  it('lets the DNS step publish in the switch\'s namespace only, read the two alarms and the newest datapoints, and read the two health checks\' status; preflight only reads', () => {
    const grants = (handlerDir: string) =>
      s
        .statements(handlerDir)
        .filter((x) => actionsOf(x).some((a) => /^cloudwatch:|^route53:/.test(a)))
        .map((x) => ({ actions: actionsOf(x).sort(), resources: x.Resource.sort(), ...(x.Condition ? { condition: x.Condition } : {}) }))
        .sort((a, b) => a.actions.join().localeCompare(b.actions.join()));
    const alarms = ['dc1', 'dc2'].map((c) => `{${alarmOf(c)[0]}}`).sort();
    const healthChecks = ['dc1', 'dc2'].map((c) => `arn:{AWS::Partition}:route53:::healthcheck/{${healthCheckIdOf(c)}}`).sort();
    expect(grants('failover-dns')).toEqual([
      { actions: ['cloudwatch:DescribeAlarms'], resources: alarms },
      { actions: ['cloudwatch:GetMetricData'], resources: ['*'] },
      { actions: ['cloudwatch:PutMetricData'], resources: ['*'], condition: { StringEquals: { 'cloudwatch:namespace': CLIENT_SWITCH_NAMESPACE } } },
      { actions: ['route53:GetHealthCheckStatus'], resources: healthChecks },
    ]);
    expect(grants('failover-preflight')).toEqual([
      { actions: ['cloudwatch:DescribeAlarms'], resources: alarms },
      // The probes' last RPO (when the source is gone), and the newest ActiveSide datapoints.
      { actions: ['cloudwatch:GetMetricData'], resources: ['*'] },
      { actions: ['cloudwatch:GetMetricData'], resources: ['*'] },
    ]);
  });

  it('lets no other function publish the switch (the probes publish in their own namespace), and none touch a record set', () => {
    for (const handlerDir of s.handlerDirs) {
      const namespaces = s
        .statements(handlerDir)
        .filter((x) => actionsOf(x).includes('cloudwatch:PutMetricData'))
        .map((x) => x.Condition?.StringEquals?.['cloudwatch:namespace']);
      expect([handlerDir, namespaces]).toEqual([handlerDir, handlerDir === 'failover-dns' ? [CLIENT_SWITCH_NAMESPACE] : namespaces.map(() => METRICS_NAMESPACE)]);
      const recordActions = s.statements(handlerDir).flatMap(actionsOf).filter((a) => ['route53:ChangeResourceRecordSets', 'route53:GetChange', 'route53:ListResourceRecordSets'].includes(a));
      expect([handlerDir, recordActions]).toEqual([handlerDir, []]);
    }
  });

  it('creates no ARC structures, no recovery-control stack and no ARC output', () => {
    expect(s.controlPlane.arcRoutingControl).toBeUndefined();
    expect(s.resources('Custom::AWS')).toEqual([]);
    expect(Object.keys(s.template.toJSON().Outputs)).not.toEqual(expect.arrayContaining([ControlPlaneOutput.ArcRoutingControls]));
  });

  it('synthesizes with no unacknowledged cdk-nag finding, and templates cfn-lint accepts', () => {
    expect(s.assembly.stacks.map((x) => x.stackName).sort()).toEqual(['payments-kafka-dr-backup-vault', 'payments-kafka-dr-control-plane']);
    expect(cfnLint(s.assembly.directory, s.assembly.stacks.map((x) => x.templateFile))).toBe('exit 0');
  });
});

describe('client switching, dns.values in the other order (health-check)', () => {
  const swapped = synth(parseEstateConfig({ ...example, dns: { ...example.dns, mode: 'health-check', values: { dc2: example.dns.values.dc2!, dc1: example.dns.values.dc1! } } }, 'swapped'));

  it('makes dc2 PRIMARY and keeps each alarm and health check bound to its own cluster', () => {
    const records = Object.values(swapped.template.findResources('AWS::Route53::RecordSet')).map((r) => [r.Properties.SetIdentifier, r.Properties.Failover]);
    expect(records.sort()).toEqual([
      ['dc1', 'SECONDARY'],
      ['dc2', 'PRIMARY'],
    ]);
    for (const cluster of ['dc1', 'dc2']) {
      const [id, healthCheck] = swapped.resources('AWS::Route53::HealthCheck').find(([, h]) => h.Properties.HealthCheckConfig.AlarmIdentifier.Name === activeSideAlarmName(config.estate, cluster))!;
      expect([cluster, id]).toEqual([cluster, healthCheckIdOf(cluster)]);
      expect(healthCheck.Properties.HealthCheckTags).toEqual(expect.arrayContaining([{ Key: 'Name', Value: `${config.estate}-kafka-dr-${cluster}` }]));
    }
  });
});
