// Client switching with ARC routing controls (dns.mode arc-routing-control): what the stacks
// create when the estate file names nothing, some or all of the ARC structures, the failover
// records and their health checks, the ARC_ROUTING_CONTROLS setting of the DNS and preflight
// steps, their permissions, and nothing of it in upsert mode. cdk-nag runs in every synth;
// cfn-lint reads every ARC template.
import { Template } from 'aws-cdk-lib/assertions';
import { arcName, ARC_CLUSTER_ENDPOINTS, ARC_NAME_MAX_LENGTH, recoveryControlStackName } from '../../lib/constructs/arc-routing-control';
import { ARC_ROUTING_CONTROLS } from '#src/environment';
import { loadEstateConfigFile } from '#src/config/load';
import { parseEstateConfig } from '#src/config/parse';
import type { EstateConfig } from '#src/config/schema';
import { ControlPlaneOutput } from '#src/stack-outputs';
import { cfnLint } from '../support/cfn-lint';
import { actionsOf, functionOf, only, statementsOf, synthControlPlane } from '../support/template';

const config = loadEstateConfigFile('config/estate.example.yaml');
const ACCOUNT = config.controlPlane.account!;
const CLUSTER_ARN = `arn:aws:route53-recovery-control::${ACCOUNT}:cluster/01234567-89ab-cdef-0123-456789abcdef`;
const PANEL_ARN = `arn:aws:route53-recovery-control::${ACCOUNT}:controlpanel/0123456789abcdef0123456789abcdef`;
const CONTROL_ARNS = { dc1: `${PANEL_ARN}/routingcontrol/0123456789abcdef`, dc2: `${PANEL_ARN}/routingcontrol/fedcba9876543210` };
const ENDPOINTS = [
  { url: 'https://host-aaaaaa.us-east-1.example.aws/v1', region: 'us-east-1' },
  { url: 'https://host-bbbbbb.us-west-2.example.aws/v1', region: 'us-west-2' },
];
const ARC_TYPES = ['Cluster', 'ControlPanel', 'RoutingControl', 'SafetyRule'].map((t) => `AWS::Route53RecoveryControl::${t}`);
const UPDATES = ['route53-recovery-cluster:UpdateRoutingControlState', 'route53-recovery-cluster:UpdateRoutingControlStates'];
const RECORD_ACTIONS = ['route53:ChangeResourceRecordSets', 'route53:GetChange', 'route53:ListResourceRecordSets'];

function arcEstate(arc: Record<string, unknown>, values: EstateConfig['dns']['values'] = config.dns.values): EstateConfig {
  return parseEstateConfig({ ...config, dns: { ...config.dns, values, mode: 'arc-routing-control', arc } }, 'example estate, dns.mode arc-routing-control');
}

/** Synthesizes the app (cdk-nag included: synth throws on an unacknowledged finding) without bundling the handlers. */
function synth(estate: EstateConfig) {
  const built = synthControlPlane(estate);
  const assembly = built.app.synth();
  const switching = built.controlPlane.arcRoutingControl;
  const home = switching?.recoveryControlStack;
  const recovery = home ? Template.fromStack(home) : undefined;
  const recoveryOutputs = (recovery?.toJSON().Outputs ?? {}) as Record<string, { Value: unknown }>;

  /**
   * A template value as text: {Id.Attr} for a GetAtt, {Id} for a Ref, and a Fn::GetStackOutput
   * of the recovery-control stack replaced by the output's own value there, as {recovery:...}.
   */
  const text = (value: any): string => {
    if (typeof value === 'string') return value;
    if (value.Ref) return `{${value.Ref}}`;
    if (value['Fn::GetAtt']) return `{${value['Fn::GetAtt'].join('.')}}`;
    if (value['Fn::Join']) return value['Fn::Join'][1].map(text).join(value['Fn::Join'][0]);
    const imported = value['Fn::GetStackOutput'];
    if (imported) {
      expect(imported).toMatchObject({ StackName: home!.stackName, Region: 'us-west-2' });
      const output = recoveryOutputs[imported.OutputName];
      if (!output) throw new Error(`the recovery-control stack has no output ${imported.OutputName}`);
      return text(output.Value).replace(/^\{/, '{recovery:');
    }
    throw new Error(`this test does not render ${JSON.stringify(value)}`);
  };
  const env = (handlerDir: string) => functionOf(built.template, handlerDir)[1].Properties.Environment.Variables;
  /** ARC_ROUTING_CONTROLS of a function, parsed, with its tokens as text. */
  const setting = (handlerDir: string) => JSON.parse(text(env(handlerDir)[ARC_ROUTING_CONTROLS.name]));
  /** Every statement of the policies on `handlerDir`'s role, resources as text. */
  const statements = (handlerDir: string) => {
    const roleId = functionOf(built.template, handlerDir)[1].Properties.Role['Fn::GetAtt'][0];
    return Object.values(built.template.findResources('AWS::IAM::Policy'))
      .filter((p) => p.Properties.Roles.some((r: any) => r.Ref === roleId))
      .flatMap(statementsOf)
      .map((s) => ({ ...s, Resource: [s.Resource].flat().map(text) }));
  };
  /** What `handlerDir` may do with the routing controls: action -> resources (Allow statements). */
  const arcGrants = (handlerDir: string) => {
    const grants: Record<string, string[]> = {};
    for (const s of statements(handlerDir).filter((x) => x.Effect === 'Allow')) {
      for (const a of actionsOf(s).filter((x) => x.startsWith('route53-recovery-'))) grants[a] = [...(grants[a] ?? []), ...s.Resource].sort();
    }
    return grants;
  };
  const healthChecks = () => Object.entries(built.template.findResources('AWS::Route53::HealthCheck'));
  const records = () => Object.values(built.template.findResources('AWS::Route53::RecordSet')).map((r) => r.Properties);
  return { ...built, assembly, switching, home, recovery, text, env, setting, statements, arcGrants, healthChecks, records };
}

type Synth = ReturnType<typeof synth>;

/** The logical id of the routing control of `cluster` in the recovery-control stack. */
function routingControlId(s: Synth, cluster: string): string {
  return only(s.recovery!.findResources('AWS::Route53RecoveryControl::RoutingControl', { Properties: { Name: `${config.estate}-kafka-dr-${cluster}` } }), `routing control of ${cluster}`)[0];
}

/** The failover records and their health checks: a PRIMARY for the first cluster of dns.values, a SECONDARY for the second, each health check following that cluster's routing control. */
function expectFailoverRecords(s: Synth, routingControlArn: (cluster: string) => string, values: EstateConfig['dns']['values'] = config.dns.values): void {
  const checks = s.healthChecks();
  expect(checks).toHaveLength(2);
  const checkOf = new Map(checks.map(([id, check]) => [id, check.Properties.HealthCheckConfig]));
  for (const healthCheck of checkOf.values()) expect(Object.keys(healthCheck).sort()).toEqual(['RoutingControlArn', 'Type']);
  const records = s.records().sort((a, b) => a.Failover.localeCompare(b.Failover));
  const [primary, secondary] = Object.keys(values);
  expect(records.map((r) => [r.Failover, r.SetIdentifier])).toEqual([
    ['PRIMARY', primary],
    ['SECONDARY', secondary],
  ]);
  for (const record of records) {
    expect(record).toEqual({
      HostedZoneId: config.dns.hostedZoneId,
      Name: config.dns.recordName,
      Type: config.dns.type,
      TTL: String(config.dns.ttl),
      ResourceRecords: values[record.SetIdentifier],
      SetIdentifier: record.SetIdentifier,
      Failover: record.Failover,
      HealthCheckId: { 'Fn::GetAtt': [expect.any(String), 'HealthCheckId'] },
    });
    const healthCheck = checkOf.get(record.HealthCheckId['Fn::GetAtt'][0]);
    expect(healthCheck.Type).toBe('RECOVERY_CONTROL');
    expect([record.SetIdentifier, s.text(healthCheck.RoutingControlArn)]).toEqual([record.SetIdentifier, routingControlArn(record.SetIdentifier)]);
  }
}

/** What the DNS step and preflight may do with the routing controls, and that neither touches a record set. */
function expectRoutingControlGrants(s: Synth, arns: string[]): void {
  const sorted = [...arns].sort();
  expect(s.arcGrants('failover-dns')).toEqual({
    'route53-recovery-cluster:GetRoutingControlState': sorted,
    'route53-recovery-cluster:UpdateRoutingControlState': sorted,
    'route53-recovery-cluster:UpdateRoutingControlStates': sorted,
  });
  expect(s.arcGrants('failover-preflight')).toEqual({
    'route53-recovery-cluster:GetRoutingControlState': sorted,
  });
  // A safety rule is never overridden by the workflow: that is an operator's call.
  const denies = s.statements('failover-dns').filter((x) => x.Effect === 'Deny');
  expect(denies).toEqual([
    { Effect: 'Deny', Action: UPDATES, Resource: arns, Condition: { Bool: { 'route53-recovery-cluster:AllowSafetyRulesOverrides': 'true' } } },
  ]);
  // No other function may read or flip them, and no failover function reads or writes a record set.
  const functions = Object.values(s.template.findResources('AWS::Lambda::Function')).map((f) => f.Properties.Environment?.Variables?.POWERTOOLS_SERVICE_NAME?.replace(/^kafka-dr-/, ''));
  for (const handlerDir of functions.filter((f): f is string => !!f && !['failover-dns', 'failover-preflight'].includes(f))) {
    expect([handlerDir, s.arcGrants(handlerDir)]).toEqual([handlerDir, {}]);
  }
  for (const handlerDir of ['failover-dns', 'failover-preflight']) {
    const recordActions = s.statements(handlerDir).flatMap(actionsOf).filter((a) => RECORD_ACTIONS.includes(a));
    expect([handlerDir, recordActions]).toEqual([handlerDir, []]);
  }
}

/** ARC_ROUTING_CONTROLS on the DNS step and preflight, the same value as the ArcRoutingControls output, and on no other function. */
function expectSettingOnDnsAndPreflightOnly(s: Synth): void {
  const value = s.env('failover-dns')[ARC_ROUTING_CONTROLS.name];
  expect(s.env('failover-preflight')[ARC_ROUTING_CONTROLS.name]).toEqual(value);
  expect(s.template.toJSON().Outputs[ControlPlaneOutput.ArcRoutingControls].Value).toEqual(value);
  const others = Object.values(s.template.findResources('AWS::Lambda::Function')).filter((f) => f.Properties.Environment?.Variables?.[ARC_ROUTING_CONTROLS.name] !== undefined);
  expect(others).toHaveLength(2);
}

describe('client switching, dns.arc {} (the stacks create the cluster, control panel, routing controls and safety rule)', () => {
  const s = synth(arcEstate({}));
  const recovery = s.recovery!;
  const [clusterId, cluster] = only(recovery.findResources('AWS::Route53RecoveryControl::Cluster'), 'ARC cluster');
  const [panelId, panel] = only(recovery.findResources('AWS::Route53RecoveryControl::ControlPanel'), 'control panel');
  const control = (c: string) => `{recovery:${routingControlId(s, c)}.RoutingControlArn}`;

  it('puts the ARC structures in their own stack in us-west-2 (CloudFormation has no AWS::Route53RecoveryControl types in the control plane\'s eu-central-1), which the control plane depends on', () => {
    expect(s.home!.stackName).toBe(recoveryControlStackName(config.estate));
    expect([s.home!.region, s.home!.account]).toEqual(['us-west-2', ACCOUNT]);
    expect(s.controlPlane.dependencies).toContain(s.home);
    for (const type of ARC_TYPES) expect([type, Object.keys(s.template.findResources(type))]).toEqual([type, []]);
    expect(Object.keys(recovery.toJSON().Resources).length).toBe(5);
  });

  it('creates the cluster and a control panel in it', () => {
    expect(cluster.Properties.Name).toBe(`${config.estate}-kafka-dr`);
    expect(panel.Properties).toMatchObject({ Name: `${config.estate}-kafka-dr`, ClusterArn: { 'Fn::GetAtt': [clusterId, 'ClusterArn'] } });
  });

  it('creates one routing control per cluster of dns.values, in that panel, one after the other (ARC refuses concurrent changes to a panel)', () => {
    const controls = recovery.findResources('AWS::Route53RecoveryControl::RoutingControl');
    expect(Object.values(controls).map((c) => c.Properties.Name).sort()).toEqual(['payments-kafka-dr-dc1', 'payments-kafka-dr-dc2']);
    for (const c of Object.values(controls)) {
      expect(c.Properties).toEqual({ Name: c.Properties.Name, ClusterArn: { 'Fn::GetAtt': [clusterId, 'ClusterArn'] }, ControlPanelArn: { 'Fn::GetAtt': [panelId, 'ControlPanelArn'] } });
    }
    expect(controls[routingControlId(s, 'dc2')]?.DependsOn).toEqual([routingControlId(s, 'dc1')]);
  });

  it('creates an assertion safety rule ATLEAST 1 (not inverted) over both routing controls: no change may turn every side off', () => {
    const [, rule] = only(recovery.findResources('AWS::Route53RecoveryControl::SafetyRule'), 'safety rule');
    expect(rule.Properties).toEqual({
      Name: `${config.estate}-kafka-dr-at-least-one-on`,
      ControlPanelArn: { 'Fn::GetAtt': [panelId, 'ControlPanelArn'] },
      AssertionRule: { AssertedControls: ['dc1', 'dc2'].map((c) => ({ 'Fn::GetAtt': [routingControlId(s, c), 'RoutingControlArn'] })), WaitPeriodMs: 5000 },
      RuleConfig: { Type: 'ATLEAST', Threshold: 1, Inverted: false },
      Tags: expect.any(Array),
    });
  });

  it('publishes a PRIMARY (dc1) and a SECONDARY (dc2) failover record, each behind a RECOVERY_CONTROL health check bound to its cluster\'s routing control', () => {
    expectFailoverRecords(s, control);
  });

  it('reads the cluster\'s five endpoints when the control plane deploys: DescribeCluster in us-west-2, on that cluster only', () => {
    const [crId, resource] = only(s.template.findResources('Custom::AWS'), 'DescribeCluster custom resource');
    for (const phase of ['Create', 'Update']) {
      const call = JSON.parse(s.text(resource.Properties[phase]));
      expect(call).toMatchObject({ service: 'Route53RecoveryControlConfig', action: 'describeCluster', region: 'us-west-2', parameters: { ClusterArn: `{recovery:${clusterId}.ClusterArn}` } });
    }
    const policies = Object.values(s.template.findResources('AWS::IAM::Policy')).filter((p) => statementsOf(p).some((x) => actionsOf(x).some((a) => a.startsWith('route53-recovery-control-config:'))));
    expect(policies.flatMap(statementsOf).map((x) => ({ ...x, Resource: s.text(x.Resource) }))).toEqual([
      { Effect: 'Allow', Action: 'route53-recovery-control-config:DescribeCluster', Resource: `{recovery:${clusterId}.ClusterArn}` },
    ]);
    expect(crId).toMatch(/ClusterEndpoints/);
  });

  it('gives the DNS step and preflight ARC_ROUTING_CONTROLS: the five endpoints read at deploy time and the created routing controls', () => {
    const [crId] = only(s.template.findResources('Custom::AWS'), 'DescribeCluster custom resource');
    const endpoint = (i: number) => ({ url: `{${crId}.Cluster.ClusterEndpoints.${i}.Endpoint}`, region: `{${crId}.Cluster.ClusterEndpoints.${i}.Region}` });
    const want = { endpoints: [...Array(ARC_CLUSTER_ENDPOINTS).keys()].map(endpoint), routingControls: { dc1: control('dc1'), dc2: control('dc2') } };
    expect(s.setting('failover-dns')).toEqual(want);
    expect(s.setting('failover-preflight')).toEqual(want);
    expectSettingOnDnsAndPreflightOnly(s);
  });

  it('lets the DNS step flip exactly the two routing controls, never overriding a safety rule, and preflight read them; neither touches a record set', () => {
    expectRoutingControlGrants(s, [control('dc1'), control('dc2')]);
  });

  it('outputs each cluster\'s health check id for the runbook', () => {
    const ids = JSON.parse(s.text(s.template.toJSON().Outputs.ArcHealthCheckIds.Value));
    expect(Object.keys(ids)).toEqual(['dc1', 'dc2']);
    for (const [cluster, id] of Object.entries(ids)) expect([cluster, s.healthChecks().map(([hc]) => `{${hc}.HealthCheckId}`)]).toEqual([cluster, expect.arrayContaining([id])]);
  });

  it('synthesizes with no unacknowledged cdk-nag finding, and templates cfn-lint accepts', () => {
    expect(s.assembly.stacks.map((x) => x.stackName).sort()).toEqual(['payments-kafka-dr-backup-vault', 'payments-kafka-dr-control-plane', 'payments-kafka-dr-recovery-control']);
    expect(cfnLint(s.assembly.directory, s.assembly.stacks.map((x) => x.templateFile))).toBe('exit 0');
  });

  describe('a change that replaces the routing controls', () => {
    // Fn::GetStackOutput is read when the control plane deploys a change, and CloudFormation
    // ignores an update of a health check's RoutingControlArn: both must see a new name.
    const other = synth(arcEstate({ clusterArn: CLUSTER_ARN, endpoints: ENDPOINTS }));
    const importedNames = (x: Synth) => JSON.stringify(x.template.toJSON()).match(/"OutputName":"[^"]+"/g)!.sort();

    it('renames the outputs the control plane reads, so that it redeploys and reads the new ARNs', () => {
      expect(new Set(importedNames(s)).size).toBeGreaterThan(0);
      expect(importedNames(other).filter((n) => importedNames(s).includes(n))).toEqual([]);
    });

    it('gives each failover record a new health check', () => {
      const ids = (x: Synth) => x.healthChecks().map(([id]) => id);
      expect(ids(other).filter((id) => ids(s).includes(id))).toEqual([]);
    });
  });
});

describe('client switching, everything from the estate file (cluster, endpoints, panel, routing controls)', () => {
  const s = synth(arcEstate({ clusterArn: CLUSTER_ARN, endpoints: ENDPOINTS, controlPanelArn: PANEL_ARN, routingControls: CONTROL_ARNS }));

  it('creates no ARC resource, no recovery-control stack and no DescribeCluster call', () => {
    expect(s.home).toBeUndefined();
    expect(s.assembly.stacks.map((x) => x.stackName)).not.toContain(recoveryControlStackName(config.estate));
    for (const stack of s.assembly.stacks) {
      const types = Object.values((stack.template as { Resources: Record<string, { Type: string }> }).Resources).map((r) => r.Type);
      expect([stack.stackName, types.filter((t) => ARC_TYPES.includes(t) || t === 'Custom::AWS')]).toEqual([stack.stackName, []]);
    }
  });

  it('sets ARC_ROUTING_CONTROLS to a literal string: the file\'s endpoints and routing controls', () => {
    const value = s.env('failover-dns')[ARC_ROUTING_CONTROLS.name];
    expect(typeof value).toBe('string');
    expect(JSON.parse(value)).toEqual({ endpoints: ENDPOINTS, routingControls: CONTROL_ARNS });
    expectSettingOnDnsAndPreflightOnly(s);
  });

  it('binds the failover records\' health checks to the given routing controls', () => {
    expectFailoverRecords(s, (cluster) => CONTROL_ARNS[cluster as keyof typeof CONTROL_ARNS]);
  });

  it('grants on the given routing controls only', () => {
    expectRoutingControlGrants(s, [CONTROL_ARNS.dc1, CONTROL_ARNS.dc2]);
  });

  it('synthesizes with no unacknowledged cdk-nag finding, and templates cfn-lint accepts', () => {
    expect(cfnLint(s.assembly.directory, s.assembly.stacks.map((x) => x.templateFile))).toBe('exit 0');
  });
});

describe('client switching, an existing cluster (the stacks create the control panel, routing controls and safety rule)', () => {
  const s = synth(arcEstate({ clusterArn: CLUSTER_ARN, endpoints: ENDPOINTS }));
  const recovery = s.recovery!;
  const control = (c: string) => `{recovery:${routingControlId(s, c)}.RoutingControlArn}`;

  it('creates a control panel in the given cluster and the routing controls in it, and no cluster', () => {
    expect(Object.keys(recovery.findResources('AWS::Route53RecoveryControl::Cluster'))).toEqual([]);
    const [panelId, panel] = only(recovery.findResources('AWS::Route53RecoveryControl::ControlPanel'), 'control panel');
    expect(panel.Properties.ClusterArn).toBe(CLUSTER_ARN);
    for (const c of Object.values(recovery.findResources('AWS::Route53RecoveryControl::RoutingControl'))) {
      expect(c.Properties).toMatchObject({ ClusterArn: CLUSTER_ARN, ControlPanelArn: { 'Fn::GetAtt': [panelId, 'ControlPanelArn'] } });
    }
    recovery.hasResourceProperties('AWS::Route53RecoveryControl::SafetyRule', { ControlPanelArn: { 'Fn::GetAtt': [panelId, 'ControlPanelArn'] }, RuleConfig: { Type: 'ATLEAST', Threshold: 1, Inverted: false } });
  });

  it('takes the endpoints from the file (no DescribeCluster) and the created routing controls', () => {
    expect(Object.keys(s.template.findResources('Custom::AWS'))).toEqual([]);
    expect(s.setting('failover-dns')).toEqual({ endpoints: ENDPOINTS, routingControls: { dc1: control('dc1'), dc2: control('dc2') } });
    expectSettingOnDnsAndPreflightOnly(s);
  });

  it('binds the records\' health checks and the grants to the created routing controls', () => {
    expectFailoverRecords(s, control);
    expectRoutingControlGrants(s, [control('dc1'), control('dc2')]);
  });

  it('synthesizes with no unacknowledged cdk-nag finding, and templates cfn-lint accepts', () => {
    expect(cfnLint(s.assembly.directory, s.assembly.stacks.map((x) => x.templateFile))).toBe('exit 0');
  });
});

describe('client switching, an existing cluster and control panel (the stacks create the routing controls and safety rule)', () => {
  const s = synth(arcEstate({ clusterArn: CLUSTER_ARN, endpoints: ENDPOINTS, controlPanelArn: PANEL_ARN }));
  const recovery = s.recovery!;

  it('creates the routing controls and the safety rule in the given panel, and no cluster or panel', () => {
    for (const type of ['Cluster', 'ControlPanel']) expect(Object.keys(recovery.findResources(`AWS::Route53RecoveryControl::${type}`))).toEqual([]);
    for (const c of Object.values(recovery.findResources('AWS::Route53RecoveryControl::RoutingControl'))) {
      expect(c.Properties).toMatchObject({ ClusterArn: CLUSTER_ARN, ControlPanelArn: PANEL_ARN });
    }
    const [, rule] = only(recovery.findResources('AWS::Route53RecoveryControl::SafetyRule'), 'safety rule');
    expect(rule.Properties).toMatchObject({ ControlPanelArn: PANEL_ARN, AssertionRule: { AssertedControls: ['dc1', 'dc2'].map((c) => ({ 'Fn::GetAtt': [routingControlId(s, c), 'RoutingControlArn'] })) } });
  });

  it('synthesizes with no unacknowledged cdk-nag finding, and templates cfn-lint accepts', () => {
    expect(cfnLint(s.assembly.directory, s.assembly.stacks.map((x) => x.templateFile))).toBe('exit 0');
  });
});

describe('client switching, dns.values in the other order', () => {
  const s = synth(arcEstate({}, { dc2: config.dns.values.dc2!, dc1: config.dns.values.dc1! }));
  const before = synth(arcEstate({}));

  it('makes dc2 PRIMARY, and keeps each routing control (and its On/Off state) bound to its own cluster', () => {
    expectFailoverRecords(s, (c) => `{recovery:${routingControlId(s, c)}.RoutingControlArn}`, { dc2: config.dns.values.dc2!, dc1: config.dns.values.dc1! });
    for (const c of ['dc1', 'dc2']) expect([c, routingControlId(s, c)]).toEqual([c, routingControlId(before, c)]);
  });
});

describe('client switching, dns.mode upsert (the example estate)', () => {
  const s = synth(config);

  it('creates no ARC structures, health checks, failover records or recovery-control stack', () => {
    expect(s.switching).toBeUndefined();
    expect(s.assembly.stacks.map((x) => x.stackName)).not.toContain(recoveryControlStackName(config.estate));
    for (const type of [...ARC_TYPES, 'AWS::Route53::HealthCheck', 'AWS::Route53::RecordSet', 'Custom::AWS']) {
      expect([type, Object.keys(s.template.findResources(type))]).toEqual([type, []]);
    }
    expect(Object.keys(s.template.toJSON().Outputs)).not.toEqual(expect.arrayContaining([ControlPlaneOutput.ArcRoutingControls]));
    expect(Object.keys(s.template.toJSON().Outputs)).not.toContain('ArcHealthCheckIds');
  });

  it('gives no function ARC_ROUTING_CONTROLS nor any ARC permission', () => {
    for (const [, fn] of Object.entries(s.template.findResources('AWS::Lambda::Function'))) {
      expect(fn.Properties.Environment.Variables[ARC_ROUTING_CONTROLS.name]).toBeUndefined();
    }
    const statements = Object.values(s.template.findResources('AWS::IAM::Policy')).flatMap(statementsOf);
    expect(statements.flatMap(actionsOf).filter((a) => a.startsWith('route53-recovery-'))).toEqual([]);
  });

  it('keeps today\'s Route 53 grants: the DNS step changes and reads the record and follows the change, preflight reads the record', () => {
    const zone = `arn:{AWS::Partition}:route53:::hostedzone/${config.dns.hostedZoneId}`;
    const route53 = (handlerDir: string) =>
      s
        .statements(handlerDir)
        .filter((x) => actionsOf(x).some((a) => a.startsWith('route53:')))
        .map((x) => ({ actions: actionsOf(x).sort(), resources: x.Resource }));
    expect(route53('failover-dns')).toEqual([
      { actions: ['route53:ChangeResourceRecordSets', 'route53:ListResourceRecordSets'], resources: [zone] },
      { actions: ['route53:GetChange'], resources: ['arn:{AWS::Partition}:route53:::change/*'] },
    ]);
    expect(route53('failover-preflight')).toEqual([{ actions: ['route53:ListResourceRecordSets'], resources: [zone] }]);
  });
});

describe('ARC resource names', () => {
  it.each([
    ['payments', undefined, 'payments-kafka-dr'],
    ['payments', 'dc1', 'payments-kafka-dr-dc1'],
  ])('are <estate>-kafka-dr[-<what>] when that fits: %s %s', (estate, what, name) => {
    expect(arcName(estate, what)).toBe(name);
  });

  it('stay within ARC\'s 64 characters for the longest estate and cluster names, unique, the cluster name whole', () => {
    const estate = `e${'x'.repeat(40)}`;
    const [a, b] = [`a${'b'.repeat(30)}`, `a${'c'.repeat(30)}`];
    const names = [arcName(estate), arcName(estate, a), arcName(estate, b), arcName(estate, 'at-least-one-on')];
    for (const name of names) expect([name, name.length <= ARC_NAME_MAX_LENGTH]).toEqual([name, true]);
    expect(new Set(names).size).toBe(names.length);
    expect(arcName(estate, a).endsWith(`-kafka-dr-${a}`)).toBe(true);
    expect(arcName(estate, a)).not.toBe(arcName(`${estate.slice(0, -1)}y`, a));
  });
});
