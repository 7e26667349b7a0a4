// Watch (issue 3): the probes' schedules, state table, permissions, alarms and dashboard,
// synthesized from the annotated example estate and from a modified one.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { App, type Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import { buildApp } from '../../lib/app';
import { loadEstateConfigFile } from '#src/config/load';
import { parseEstateConfig } from '#src/config/parse';
import type { EstateConfig } from '#src/config/schema';
import { flowsOf, type Flow } from '#src/flow';
import { flowAlarmDefinitions } from '../../lib/constructs/probe-alarms';
import { Metric, METRICS_NAMESPACE } from '#src/metrics';
import { actionsOf, functionOf, joined, only, statementsOf, synthControlPlane } from '../support/template';

const config = loadEstateConfigFile('config/estate.example.yaml');

const synth = synthControlPlane;

function withProbes(
  estate: EstateConfig,
  probes: { rateMinutes?: number; liveness?: { sampleSeconds?: number }; thresholds?: Partial<EstateConfig['probes']['thresholds']> },
): EstateConfig {
  return parseEstateConfig(
    {
      ...estate,
      probes: { ...estate.probes, ...probes, liveness: { ...estate.probes.liveness, ...probes.liveness }, thresholds: { ...estate.probes.thresholds, ...probes.thresholds } },
    },
    'modified example',
  );
}


function roleOf(template: Template, handlerDir: string): string {
  return functionOf(template, handlerDir)[1].Properties.Role['Fn::GetAtt'][0];
}

const PROBES = ['liveness-probe', 'lag-probe', 'bandwidth-probe'];

/** The probes' schedules (the backup has one of its own). */
function probeSchedules(template: Template): Record<string, any>[] {
  const probes = new Set(PROBES.map((handlerDir) => functionOf(template, handlerDir)[0]));
  return Object.values(template.findResources('AWS::Events::Rule', { Properties: { ScheduleExpression: Match.anyValue() } })).filter((r) =>
    probes.has(r.Properties.Targets[0].Arn['Fn::GetAtt']?.[0]),
  );
}

function alarm(template: Template, name: string): [string, any] {
  return only(template.findResources('AWS::CloudWatch::Alarm', { Properties: { AlarmName: name } }), `alarm ${name}`);
}

describe('the replication probes (example estate)', () => {
  const { controlPlane, template } = synth(config);
  const t = config.probes.thresholds;

  it('sizes the liveness probe for a minute of samples, the lag probe for its canary wait and the bandwidth probe for one transfer', () => {
    // 13 samples 5 s apart from up to 5 s after the start, the last one's 5 s timeout, 10 s to publish and close.
    expect(functionOf(template, 'liveness-probe')[1].Properties).toMatchObject({ Timeout: 13 * 5 + 5 + 10, MemorySize: 256 });
    expect(functionOf(template, 'lag-probe')[1].Properties).toMatchObject({ Timeout: 10 + 45, MemorySize: 256 });
    expect(functionOf(template, 'bandwidth-probe')[1].Properties).toMatchObject({ Timeout: 60, MemorySize: 256 });
  });

  it("gives the lag probe the memory probes.lagProbeMemoryMb asks for (its run grows with the flow's partitions)", () => {
    const large = synth({ ...config, probes: { ...config.probes, lagProbeMemoryMb: 1024 } }).template;
    expect(functionOf(large, 'lag-probe')[1].Properties.MemorySize).toBe(1024);
    expect(functionOf(large, 'liveness-probe')[1].Properties.MemorySize).toBe(256);
  });

  it('runs each probe for each flow every minute (the configured rate), with the flow as input', () => {
    const rules = probeSchedules(template);
    expect(rules).toHaveLength(PROBES.length * config.flows.length);
    for (const handlerDir of PROBES) {
      const [fnId] = functionOf(template, handlerDir);
      const inputs = rules
        .filter((r) => r.Properties.Targets[0].Arn['Fn::GetAtt'][0] === fnId)
        .map((r) => {
          expect(r.Properties.ScheduleExpression).toBe('rate(1 minute)');
          expect(r.Properties.Targets).toHaveLength(1);
          return JSON.parse(r.Properties.Targets[0].Input);
        });
      expect(inputs).toEqual(expect.arrayContaining([{ flow: 'dc1->dc2' }, { flow: 'dc2->dc1' }]));
      expect(inputs).toHaveLength(2);
    }
  });

  it('runs the production checklist audit for each flow every hour, may publish its findings in KafkaDR, and outputs it for kafka-dr audit', () => {
    const [fnId, fn] = functionOf(template, 'audit');
    expect(fn.Properties).toMatchObject({ Timeout: 60, MemorySize: 256 });
    const rules = Object.values(template.findResources('AWS::Events::Rule', { Properties: { ScheduleExpression: Match.anyValue() } })).filter((r) => r.Properties.Targets[0].Arn['Fn::GetAtt']?.[0] === fnId);
    expect(rules.map((r) => [r.Properties.ScheduleExpression, JSON.parse(r.Properties.Targets[0].Input)])).toEqual([
      ['rate(1 hour)', { flow: 'dc1->dc2' }],
      ['rate(1 hour)', { flow: 'dc2->dc1' }],
    ]);
    template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', { FunctionName: { Ref: fnId }, MaximumRetryAttempts: 0, MaximumEventAgeInSeconds: 3600 });
    const publish = Object.values(template.findResources('AWS::IAM::Policy')).find((p) => JSON.stringify(p.Properties.PolicyDocument).includes('cloudwatch:PutMetricData') && p.Properties.Roles.some((r: { Ref: string }) => r.Ref === roleOf(template, 'audit')));
    expect(publish?.Properties.PolicyDocument.Statement).toEqual([expect.objectContaining({ Action: 'cloudwatch:PutMetricData', Condition: { StringEquals: { 'cloudwatch:namespace': 'KafkaDR' } } })]);
    expect(template.toJSON().Outputs.AuditFunctionName.Value).toEqual({ Ref: fnId });
  });

  it('does not retry a failed or late probe run: the next scheduled run measures afresh', () => {
    for (const handlerDir of PROBES) {
      const [fnId] = functionOf(template, handlerDir);
      template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', { FunctionName: { Ref: fnId }, MaximumRetryAttempts: 0, MaximumEventAgeInSeconds: 60 });
    }
  });

  it('keeps probe state in an encrypted on-demand table with PITR, named to the bandwidth probe only', () => {
    const [tableId, table] = only(template.findResources('AWS::DynamoDB::Table', { Properties: { KeySchema: [{ AttributeName: 'flow', KeyType: 'HASH' }] } }), 'probe state table');
    expect(table.Properties).toMatchObject({
      KeySchema: [{ AttributeName: 'flow', KeyType: 'HASH' }],
      AttributeDefinitions: [{ AttributeName: 'flow', AttributeType: 'S' }],
      BillingMode: 'PAY_PER_REQUEST',
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      SSESpecification: { SSEEnabled: true },
    });
    expect(table.DeletionPolicy).toBe('Delete');
    expect(functionOf(template, 'bandwidth-probe')[1].Properties.Environment.Variables.PROBE_STATE_TABLE).toEqual({ Ref: tableId });
    expect(functionOf(template, 'lag-probe')[1].Properties.Environment.Variables.PROBE_STATE_TABLE).toBeUndefined();

    const tableStatements = (roleId: string) =>
      Object.values(template.findResources('AWS::IAM::Policy'))
        .filter((p) => p.Properties.Roles.some((r: any) => r.Ref === roleId))
        .flatMap(statementsOf)
        .filter((s) => actionsOf(s).some((a) => a.startsWith('dynamodb:')));
    const bandwidth = tableStatements(roleOf(template, 'bandwidth-probe'));
    expect(bandwidth.flatMap(actionsOf)).toEqual(expect.arrayContaining(['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem']));
    for (const s of bandwidth) expect([s.Resource].flat()).toEqual([{ 'Fn::GetAtt': [tableId, 'Arn'] }]);
    expect(tableStatements(roleOf(template, 'lag-probe'))).toEqual([]);
  });

  it('lets the probes and the audit put metrics only in the KafkaDR namespace, and only the bandwidth probe read them', () => {
    const policies = Object.values(template.findResources('AWS::IAM::Policy'));
    const rolesWith = (action: string) =>
      policies
        .filter((p) => statementsOf(p).some((s) => actionsOf(s).includes(action)))
        .flatMap((p) => p.Properties.Roles.map((r: any) => r.Ref))
        .sort();
    const put = policies.flatMap(statementsOf).filter((s) => actionsOf(s).includes('cloudwatch:PutMetricData'));
    // The probes' policy, and failover-finish's for the readiness check (test/infra/failover.test.ts).
    expect(put).toEqual([
      { Action: 'cloudwatch:PutMetricData', Effect: 'Allow', Resource: '*', Condition: { StringEquals: { 'cloudwatch:namespace': METRICS_NAMESPACE } } },
      { Action: 'cloudwatch:PutMetricData', Effect: 'Allow', Resource: '*', Condition: { StringEquals: { 'cloudwatch:namespace': METRICS_NAMESPACE } } },
    ]);
    expect(METRICS_NAMESPACE).toBe('KafkaDR');
    expect(rolesWith('cloudwatch:PutMetricData')).toEqual([...PROBES, 'audit', 'failover-finish'].map((handlerDir) => roleOf(template, handlerDir)).sort());
    // Failover preflight reads the probes' last RPO when the source is gone.
    expect(rolesWith('cloudwatch:GetMetricData')).toEqual([roleOf(template, 'failover-preflight'), roleOf(template, 'bandwidth-probe')].sort());
  });

  it('gives the probes read access to the estate secrets', () => {
    for (const handlerDir of PROBES) {
      const roleId = roleOf(template, handlerDir);
      const resources = Object.values(template.findResources('AWS::IAM::Policy'))
        .filter((p) => p.Properties.Roles.some((r: any) => r.Ref === roleId))
        .flatMap(statementsOf)
        .filter((s) => actionsOf(s).includes('secretsmanager:GetSecretValue'))
        .flatMap((s) => [s.Resource].flat());
      expect(resources).toContain('arn:aws:secretsmanager:eu-central-1:111122223333:secret:kafka-dr/dc1-scram-AbCdEf');
      expect(resources).toContain('arn:aws:secretsmanager:eu-central-1:111122223333:secret:kafka-dr/connect-dc2-AbCdEf');
    }
  });

  describe.each(flowsOf(config).map((f) => [f.name, f] as [string, Flow]))('alarms of flow %s', (name, flow) => {
    const prefix = `payments-kafka-dr-${flow.source}-to-${flow.target}`;
    const onFlow = [{ Name: 'Flow', Value: name }];
    // The alarms feeding primary-down are on the liveness probe's 10 s periods (two samples 5 s apart), the others on the probe rate.
    const cases: [string, Record<string, unknown>][] = [
      ['rpo-high', { Period: 60, MetricName: 'Rpo', Unit: 'Seconds', Statistic: 'Maximum', ComparisonOperator: 'GreaterThanThreshold', Threshold: t.rpoSeconds, EvaluationPeriods: 2, DatapointsToAlarm: 2, Dimensions: onFlow }],
      [
        'heartbeat-stale',
        { Period: 10, MetricName: 'HeartbeatAge', Unit: 'Seconds', Statistic: 'Maximum', ComparisonOperator: 'GreaterThanThreshold', Threshold: 15, EvaluationPeriods: 1, DatapointsToAlarm: 1, Dimensions: onFlow },
      ],
      ['canary-stale', { Period: 60, MetricName: 'CanaryArrived', Unit: 'Count', ComparisonOperator: 'LessThanThreshold', Threshold: 1, Dimensions: onFlow }],
      [
        'source-unreachable',
        {
          Period: 10,
          MetricName: 'ClusterReachable',
          Unit: 'Count',
          Statistic: 'Maximum',
          ComparisonOperator: 'LessThanThreshold',
          Threshold: 1,
          EvaluationPeriods: 2,
          DatapointsToAlarm: 2,
          Dimensions: [{ Name: 'Cluster', Value: flow.source }],
          TreatMissingData: 'breaching',
        },
      ],
      ['headroom-low', { Period: 60, MetricName: 'Headroom', Unit: 'None', Statistic: 'Minimum', ComparisonOperator: 'LessThanThreshold', Threshold: t.minHeadroom, Dimensions: onFlow }],
      ['catch-up-slow', { Period: 60, MetricName: 'CatchUpEta', Unit: 'Seconds', ComparisonOperator: 'GreaterThanThreshold', Threshold: t.catchUpEtaSeconds, Dimensions: onFlow }],
      ['checkpoints-stale', { Period: 60, MetricName: 'StaleCheckpointGroups', Unit: 'Count', ComparisonOperator: 'GreaterThanThreshold', Threshold: 0, Dimensions: onFlow }],
      ['audit-critical', { Period: 3600, MetricName: 'AuditFindings', Unit: 'Count', Statistic: 'Maximum', ComparisonOperator: 'GreaterThanThreshold', Threshold: 0, Dimensions: [...onFlow, { Name: 'Severity', Value: 'critical' }] }],
    ];

    it.each(cases)(`%s alarms on the probe metric with the configured threshold`, (what, expected) => {
      const [, a] = alarm(template, `${prefix}-${what}`);
      expect(a.Properties).toMatchObject({ Namespace: 'KafkaDR', ...expected });
      expect(a.Properties.AlarmDescription.length).toBeGreaterThan(80);
    });

    it('treats missing data as breaching only for source reachability', () => {
      for (const [what] of cases) {
        const [, a] = alarm(template, `${prefix}-${what}`);
        expect([what, a.Properties.TreatMissingData]).toEqual([what, what === 'source-unreachable' ? 'breaching' : 'missing']);
      }
    });

    it('raises primary-down on source unreachable AND (heartbeat stale OR canary stale)', () => {
      const [, composite] = only(
        template.findResources('AWS::CloudWatch::CompositeAlarm', { Properties: { AlarmName: `${prefix}-primary-down` } }),
        'primary-down alarm',
      );
      const [unreachable] = alarm(template, `${prefix}-source-unreachable`);
      const [heartbeat] = alarm(template, `${prefix}-heartbeat-stale`);
      const [canary] = alarm(template, `${prefix}-canary-stale`);
      expect(joined(composite.Properties.AlarmRule)).toBe(`(ALARM("{${unreachable}}") AND (ALARM("{${heartbeat}}") OR ALARM("{${canary}}")))`);
      expect(composite.Properties.AlarmDescription).toContain('notify-only');
    });

    it('exposes the composite alarm and its name for the failover workflow', () => {
      const primaryDown = controlPlane.probes.primaryDown[name];
      expect(primaryDown?.alarmName).toBe(`${prefix}-primary-down`);
      expect((primaryDown?.alarm.node.defaultChild as any).alarmName).toBe(`${prefix}-primary-down`);
    });
  });

  it('draws one dashboard naming each flow, with its metrics and its alarms', () => {
    const [, dashboard] = only(template.findResources('AWS::CloudWatch::Dashboard'), 'dashboard');
    expect(dashboard.Properties.DashboardName).toBe('payments-kafka-dr');
    const body = JSON.parse(joined(dashboard.Properties.DashboardBody));
    const widgets: any[] = body.widgets;
    for (const flow of flowsOf(config)) {
      const { name } = flow;
      expect(widgets.filter((w) => w.type === 'text').map((w) => w.properties.markdown)).toContain(`## Flow ${name} (${flow.source} to ${flow.target})`);
      const graphed = widgets
        .filter((w) => w.type === 'metric')
        .flatMap((w) => w.properties.metrics)
        .filter((m: any[]) => m[0] === 'KafkaDR' && m[2] === 'Flow' && m[3] === name)
        .map((m: any[]) => m[1]);
      expect(new Set(graphed)).toEqual(
        new Set(['Rpo', 'UnreplicatedRecords', 'HeartbeatAge', 'CanaryLatency', 'MaxPartitionLag', 'DemandBytes', 'PeakDemandBytes', 'ReplicatedBytes', 'LinkCapacity', 'Headroom', 'CatchUpEta', 'StaleCheckpointGroups']),
      );
    }
    const reachability = widgets.flatMap((w) => w.properties.metrics ?? []).filter((m: any[]) => m[1] === 'ClusterReachable').map((m: any[]) => m[3]);
    expect(new Set(reachability)).toEqual(new Set(['dc1', 'dc2']));
    const statusWidgets = widgets.filter((w) => w.type === 'alarm');
    expect(statusWidgets).toHaveLength(config.flows.length);
    for (const [i, flow] of config.flows.entries()) {
      const prefix = `payments-kafka-dr-${flow.source}-to-${flow.target}-`;
      const flowAlarms = [
        ...Object.keys(template.findResources('AWS::CloudWatch::CompositeAlarm', { Properties: { AlarmName: `${prefix}primary-down` } })),
        ...Object.entries(template.findResources('AWS::CloudWatch::Alarm')).filter(([, a]) => a.Properties.AlarmName.startsWith(prefix)).map(([id]) => id),
      ];
      expect(flowAlarms).toHaveLength(10);
      expect(new Set(statusWidgets[i].properties.alarms)).toEqual(new Set(flowAlarms.map((id) => `{${id}}`)));
    }
  });

  it('acknowledges wildcard resources per policy, not stack-wide (another one fails synth)', () => {
    const { app, controlPlane: stack } = buildApp(config, new App({ outdir: mkdtempSync(path.join(tmpdir(), 'kafka-dr-probes-')), context: { 'aws:cdk:bundling-stacks': [] } }));
    new iam.Policy(stack as Stack, 'WildcardPolicy', {
      roles: [stack.probes.lagProbe.role],
      statements: [new iam.PolicyStatement({ actions: ['cloudwatch:GetMetricData'], resources: ['*'] })],
    });
    expect(() => app.synth()).toThrow(/AwsSolutions-IAM5\[Resource::\*\]/);
  });
});

describe('the replication probes (modified estate)', () => {
  const modified = withProbes(config, { rateMinutes: 2, liveness: { sampleSeconds: 15 }, thresholds: { rpoSeconds: 15, unreachablePeriods: 5, canaryTimeoutSeconds: 20, minHeadroom: 2 } });
  const { template } = synth(modified);

  it('schedules the lag and bandwidth probes at the new rate, the liveness probe every minute', () => {
    const expressions = probeSchedules(template).map((r) => r.Properties.ScheduleExpression);
    expect(expressions.sort()).toEqual([...Array(2).fill('rate(1 minute)'), ...Array(4).fill('rate(2 minutes)')]);
  });

  it('sizes the liveness probe for a minute of samples at the new interval', () => {
    expect(functionOf(template, 'liveness-probe')[1].Properties.Timeout).toBe(5 * 15 + 5 + 10);
  });

  it('alarms on the new thresholds over the new period', () => {
    expect(alarm(template, 'payments-kafka-dr-dc1-to-dc2-rpo-high')[1].Properties).toMatchObject({ Threshold: 15, Period: 120, EvaluationPeriods: 2 });
    expect(alarm(template, 'payments-kafka-dr-dc2-to-dc1-rpo-high')[1].Properties).toMatchObject({ Threshold: 15, Period: 120 });
    // Two samples 15 s apart fit a 30 s period.
    expect(alarm(template, 'payments-kafka-dr-dc1-to-dc2-heartbeat-stale')[1].Properties).toMatchObject({ Period: 30 });
    expect(alarm(template, 'payments-kafka-dr-dc1-to-dc2-source-unreachable')[1].Properties).toMatchObject({
      Period: 30,
      EvaluationPeriods: 5,
      DatapointsToAlarm: 5,
      TreatMissingData: 'breaching',
    });
    expect(alarm(template, 'payments-kafka-dr-dc1-to-dc2-headroom-low')[1].Properties).toMatchObject({ Threshold: 2, Period: 120 });
  });

  it('gives the lag probe time for the longer canary wait', () => {
    expect(functionOf(template, 'lag-probe')[1].Properties.Timeout).toBe(20 + 45);
  });

  it('says in primary-down that an automatic failover follows when failover.mode is automatic', () => {
    const automatic = parseEstateConfig({ ...config, failover: { ...config.failover, mode: 'automatic' } }, 'automatic');
    const [, composite] = only(
      synth(automatic).template.findResources('AWS::CloudWatch::CompositeAlarm', { Properties: { AlarmName: 'payments-kafka-dr-dc1-to-dc2-primary-down' } }),
      'primary-down alarm',
    );
    expect(composite.Properties.AlarmDescription).toContain('starts an unplanned failover to dc2');
  });

  it('refuses a liveness interval that does not divide the minute, and a source-unreachable alarm one period could raise', () => {
    expect(() => withProbes(config, { liveness: { sampleSeconds: 7 } })).toThrow(/\$\.probes\.liveness\.sampleSeconds: .*5.*10.*15.*30/);
    expect(() => withProbes(config, { thresholds: { unreachablePeriods: 1 } })).toThrow(/\$\.probes\.thresholds\.unreachablePeriods: .*>=2/);
    expect(withProbes(config, { rateMinutes: 60, thresholds: { unreachablePeriods: 60 } }).probes.thresholds.unreachablePeriods).toBe(60);
  });
});

describe('docs/metrics-and-alarms.md', () => {
  const doc = readFileSync('docs/metrics-and-alarms.md', 'utf8');

  it('lists every metric with its unit and dimensions', () => {
    for (const m of Object.values(Metric)) expect(doc).toContain(`| \`${m.name}\` | ${m.unit} | ${m.dimensions.join(', ')} |`);
  });

  it('lists every alarm', () => {
    const suffixes = Object.values(flowAlarmDefinitions(config, flowsOf(config)[0]!)).map((d) => d.suffix);
    expect(suffixes).toHaveLength(9);
    for (const what of [...suffixes, 'primary-down']) expect(doc).toMatch(new RegExp(`^\\| \`${what}\``, 'm'));
  });
});
