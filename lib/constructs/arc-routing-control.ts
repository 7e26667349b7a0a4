// Client switching with Route 53 Application Recovery Controller (dns.mode
// arc-routing-control): one routing control per cluster of dns.values, a RECOVERY_CONTROL
// health check following each, and two failover records of dns.recordName (the first
// cluster PRIMARY, the second SECONDARY) behind those health checks. A failover flips the
// routing controls through the ARC cluster's regional data-plane endpoints
// (src/dns/routing-controls.ts); Route 53 then answers with the side whose control is On.
//
// What the estate file leaves out, CDK creates: the ARC cluster, a control panel, the
// routing controls and a safety rule that never lets every side be Off (an assertion rule,
// ATLEAST 1). Those go in a stack of their own, <estate>-kafka-dr-recovery-control, in
// us-west-2: CloudFormation has the AWS::Route53RecoveryControl types in us-east-1 and
// us-west-2 only (cfn-lint's provider schemas: E3006 anywhere else), and ARC's own
// configuration API lives in us-west-2, while the control plane runs in the standby's
// region. The control plane reads what that stack created with Fn::GetStackOutput, which
// crosses regions natively: no export-writer or -reader custom resources. The health checks
// and the records are Route 53's (global), so they stay in the control plane stack whichever
// way the routing controls come.
import { createHash } from 'node:crypto';
import { CfnOutput, Fn, Stack, Stage } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as route53 from 'aws-cdk-lib/aws-route53';
import * as recoverycontrol from 'aws-cdk-lib/aws-route53recoverycontrol';
import * as cr from 'aws-cdk-lib/custom-resources';
import { Construct } from 'constructs';
import type { EstateConfig } from '#src/config/schema';
import { ARC_ROUTING_CONTROLS } from '#src/environment';
import { failoverRecords } from './failover-records';

/** ARC's configuration (control plane) API region, where the stack creating ARC resources deploys. */
export const ARC_CONFIGURATION_REGION = 'us-west-2';
/** A cluster serves its routing control states from five regional endpoints (ARC developer guide). */
export const ARC_CLUSTER_ENDPOINTS = 5;
/** ARC names (cluster, control panel, routing control, safety rule): 1 to 64 non-blank characters. */
export const ARC_NAME_MAX_LENGTH = 64;
/** How long a safety rule refuses further changes after one (ARC's default). */
const SAFETY_RULE_WAIT_MS = 5000;

export type ArcEndpoint = { url: string; region: string };
type ArcConfig = NonNullable<EstateConfig['dns']['arc']>;

export function recoveryControlStackName(estate: string): string {
  return `${estate}-kafka-dr-recovery-control`;
}

const fingerprint = (value: unknown, length = 8) => createHash('sha256').update(JSON.stringify(value)).digest('hex').slice(0, length);

/**
 * `<estate>-kafka-dr[-<what>]` within ARC's 64 characters. An estate name (41) and a cluster
 * name (31) can together exceed it: the estate part is then cut and a hash of the full name
 * keeps it unique, while the cluster name, which operators look for, stays whole.
 */
export function arcName(estate: string, what?: string): string {
  const full = what ? `${estate}-kafka-dr-${what}` : `${estate}-kafka-dr`;
  if (full.length <= ARC_NAME_MAX_LENGTH) return full;
  const tail = `-${fingerprint(full, 6)}-kafka-dr${what ? `-${what}` : ''}`;
  return `${estate.slice(0, ARC_NAME_MAX_LENGTH - tail.length)}${tail}`;
}

/** `value`, which the schema guarantees; else an error saying what is missing. */
function given<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new Error(`${what} is missing: the estate file passed validation without it`);
  return value;
}

/** The estate's ARC settings; throws unless dns.mode is arc-routing-control (the schema then requires dns.arc). */
function arcOf(config: EstateConfig): ArcConfig {
  const { arc } = config.dns;
  if (config.dns.mode !== 'arc-routing-control' || !arc) throw new Error(`dns.mode is ${config.dns.mode}: routing controls are for dns.mode arc-routing-control with dns.arc`);
  return arc;
}

/**
 * The ARC cluster, control panel, routing controls and safety rule this app creates, in
 * their own stack in us-west-2. The control plane reads their ARNs from its outputs.
 */
export class RecoveryControlStack extends Stack {
  /** Absent when dns.arc.clusterArn names an existing cluster. */
  readonly cluster?: recoverycontrol.CfnCluster;
  /** Absent when dns.arc.controlPanelArn names an existing control panel. */
  readonly controlPanel?: recoverycontrol.CfnControlPanel;
  readonly routingControls: Record<string, recoverycontrol.CfnRoutingControl>;
  /** ATLEAST 1 over the routing controls: no change may leave every side Off. */
  readonly safetyRule: recoverycontrol.CfnSafetyRule;
  /** The outputs the control plane reads (by name: Fn::GetStackOutput). */
  readonly outputNames: { clusterArn?: string; routingControlArns: Record<string, string> };

  constructor(scope: Construct, config: EstateConfig) {
    const arc = arcOf(config);
    super(scope, recoveryControlStackName(config.estate), {
      env: { account: config.controlPlane.account, region: ARC_CONFIGURATION_REGION },
      description: `kafka-dr ARC routing controls for estate ${config.estate}: the switch between ${Object.keys(config.dns.values).join(' and ')} the failover flips`,
    });
    const { estate } = config;
    const clusters = Object.keys(config.dns.values);
    // Fn::GetStackOutput is a weak reference, resolved only when the control plane deploys a
    // change. The output names carry a fingerprint of what decides the ARNs (the cluster and
    // panel taken or created, the clusters in their order), so a change that replaces the
    // routing controls renames the outputs, which changes the control plane's template and
    // makes it read the new ARNs.
    const generation = fingerprint({ clusterArn: arc.clusterArn ?? null, controlPanelArn: arc.controlPanelArn ?? null, clusters });

    let clusterArn = arc.clusterArn;
    if (!clusterArn) {
      this.cluster = new recoverycontrol.CfnCluster(this, 'Cluster', { name: arcName(estate) });
      clusterArn = this.cluster.attrClusterArn;
      const output = new CfnOutput(this, `ClusterArn${generation}`, { value: clusterArn, description: 'the ARC cluster: the control plane reads its endpoints at deploy time' });
      this.outputNames = { clusterArn: output.node.id, routingControlArns: {} };
    } else {
      this.outputNames = { routingControlArns: {} };
    }
    let controlPanelArn = arc.controlPanelArn;
    if (!controlPanelArn) {
      this.controlPanel = new recoverycontrol.CfnControlPanel(this, 'ControlPanel', { name: arcName(estate), clusterArn });
      controlPanelArn = this.controlPanel.attrControlPanelArn;
    }
    // Routing controls keyed by cluster name, so that reordering dns.values never rebinds a
    // control (and its On/Off state) to another cluster.
    const controls = new Construct(this, 'RoutingControls');
    const created: recoverycontrol.CfnRoutingControl[] = [];
    this.routingControls = {};
    clusters.forEach((cluster, i) => {
      const control = new recoverycontrol.CfnRoutingControl(controls, cluster, { name: arcName(estate, cluster), clusterArn, controlPanelArn });
      // ARC refuses concurrent changes to one control panel (409 ConflictException, "change
      // the same resource by multiple requests at the same time"): create them one by one.
      const previous = created.at(-1);
      if (previous) control.addResourceDependency(previous);
      created.push(control);
      this.routingControls[cluster] = control;
      const output = new CfnOutput(this, `RoutingControl${i + 1}Arn${generation}`, {
        value: control.attrRoutingControlArn,
        description: `the routing control of ${cluster} (its ${i === 0 ? 'PRIMARY' : 'SECONDARY'} failover record's health check follows it)`,
      });
      this.outputNames.routingControlArns[cluster] = output.node.id;
    });
    this.safetyRule = new recoverycontrol.CfnSafetyRule(this, 'AtLeastOneOn', {
      name: arcName(estate, 'at-least-one-on'),
      controlPanelArn,
      assertionRule: { assertedControls: created.map((c) => c.attrRoutingControlArn), waitPeriodMs: SAFETY_RULE_WAIT_MS },
      ruleConfig: { type: 'ATLEAST', threshold: 1, inverted: false },
    });
  }
}

export interface ArcRoutingControlProps {
  /** An estate with dns.mode arc-routing-control. */
  config: EstateConfig;
}

/**
 * dns.mode arc-routing-control in the control plane stack: the routing controls (taken from
 * the estate file, or created in a RecoveryControlStack), their health checks, the failover
 * records, the ARC_ROUTING_CONTROLS setting the failover's Lambdas read, and the grants to
 * read and flip the routing controls.
 */
export class ArcRoutingControl extends Construct {
  /** The clusters of dns.values, in order: the first's record is PRIMARY, the second's SECONDARY. */
  readonly clusters: string[];
  /** Each cluster's routing control ARN (a token when created here). */
  readonly routingControlArns: Record<string, string>;
  /** The ARC cluster's regional data-plane endpoints (tokens when the cluster is created here). */
  readonly endpoints: ArcEndpoint[];
  readonly healthChecks: Record<string, route53.CfnHealthCheck>;
  readonly records: Record<string, route53.CfnRecordSet>;
  /**
   * The ARC_ROUTING_CONTROLS value: JSON {"endpoints": [{"url", "region"}], "routingControls":
   * {"<cluster>": "<arn>"}}; a literal string when the estate file gives everything.
   */
  readonly lambdaSetting = ARC_ROUTING_CONTROLS;
  readonly setting: string;
  /** The stack holding what this app creates of ARC; absent when the estate file names the routing controls. */
  readonly recoveryControlStack?: RecoveryControlStack;

  constructor(scope: Construct, id: string, props: ArcRoutingControlProps) {
    super(scope, id);
    const { config } = props;
    const { dns } = config;
    const arc = arcOf(config);
    const stack = Stack.of(this);
    this.clusters = Object.keys(dns.values);

    const { routingControls } = arc;
    let createdClusterArn: string | undefined;
    if (routingControls) {
      this.routingControlArns = Object.fromEntries(this.clusters.map((c) => [c, given(routingControls[c], `dns.arc.routingControls.${c}`)]));
    } else {
      const stage = Stage.of(stack);
      if (!stage) throw new Error(`${this.node.path}: the control plane stack is in no CDK app`);
      const home = new RecoveryControlStack(stage, config);
      this.recoveryControlStack = home;
      stack.addStackDependency(home, 'the failover records and Lambdas use the routing controls it creates (Fn::GetStackOutput)');
      const imported = (outputName: string) => Fn.getStackOutput(home.stackName, outputName, ARC_CONFIGURATION_REGION);
      this.routingControlArns = Object.fromEntries(Object.entries(home.outputNames.routingControlArns).map(([c, outputName]) => [c, imported(outputName)]));
      if (home.outputNames.clusterArn) createdClusterArn = imported(home.outputNames.clusterArn);
    }
    this.endpoints = arc.endpoints ?? this.describeEndpoints(given(createdClusterArn, 'dns.arc.endpoints (required with dns.arc.clusterArn)'));

    const { healthChecks, records, healthCheckIds } = failoverRecords(this, config, (cluster) => {
      const routingControlArn = given(this.routingControlArns[cluster], `the routing control of ${cluster}`);
      // CloudFormation ignores an update of HealthCheckConfig.RoutingControlArn (the change
      // set succeeds, the health check keeps following the old control:
      // aws-cloudformation/cloudformation-coverage-roadmap#2028). The logical id carries a
      // fingerprint of the ARN's source, so a new routing control gets a new health check.
      return { id: `HealthCheck-${cluster}-${fingerprint(stack.resolve(routingControlArn))}`, config: { type: 'RECOVERY_CONTROL', routingControlArn } };
    });
    this.healthChecks = healthChecks;
    this.records = records;

    this.setting = stack.toJsonString({ endpoints: this.endpoints, routingControls: this.routingControlArns });
    new CfnOutput(stack, 'ArcHealthCheckIds', {
      value: stack.toJsonString(healthCheckIds),
      description: 'the RECOVERY_CONTROL health check of each cluster\'s failover record (aws route53 get-health-check-status --health-check-id ...)',
    });
  }

  /**
   * The endpoints of the cluster this app creates, read once at deploy time. CloudFormation
   * returns them only as GetAtt ClusterEndpoints, a list of {Endpoint, Region} objects that no
   * intrinsic can take apart (Fn::Select picks an object, never its field;
   * aws-cloudformation/cloudformation-coverage-roadmap#2029), and Fn::ToJsonString would need
   * the AWS::LanguageExtensions transform and would still give ARC's field names, not
   * ARC_ROUTING_CONTROLS's. So a custom resource calls DescribeCluster in us-west-2 when the
   * control plane deploys, and each field becomes a plain GetAtt: a failover itself never
   * calls ARC's control plane.
   */
  private describeEndpoints(clusterArn: string): ArcEndpoint[] {
    const field = (i: number, name: 'Endpoint' | 'Region') => `Cluster.ClusterEndpoints.${i}.${name}`;
    const indexes = [...Array(ARC_CLUSTER_ENDPOINTS).keys()];
    const describe: cr.AwsSdkCall = {
      service: 'Route53RecoveryControlConfig',
      action: 'describeCluster',
      parameters: { ClusterArn: clusterArn },
      region: ARC_CONFIGURATION_REGION,
      physicalResourceId: cr.PhysicalResourceId.of(clusterArn),
      outputPaths: indexes.flatMap((i) => [field(i, 'Endpoint'), field(i, 'Region')]),
    };
    const endpoints = new cr.AwsCustomResource(this, 'ClusterEndpoints', {
      onCreate: describe,
      onUpdate: describe,
      installLatestAwsSdk: false,
      policy: cr.AwsCustomResourcePolicy.fromStatements([new iam.PolicyStatement({ actions: ['route53-recovery-control-config:DescribeCluster'], resources: [clusterArn] })]),
    });
    return indexes.map((i) => ({ url: endpoints.getResponseField(field(i, 'Endpoint')), region: endpoints.getResponseField(field(i, 'Region')) }));
  }

  /** Reading the routing controls' states, one GetRoutingControlState per control: all a read-back or preflight needs. */
  grantRead(...roles: iam.IRole[]): void {
    for (const role of roles) {
      role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['route53-recovery-cluster:GetRoutingControlState'], resources: this.routingControlArnList() }));
    }
  }

  /**
   * Flipping the routing controls (UpdateRoutingControlState for one, UpdateRoutingControlStates
   * for the batch a switch sends), on this estate's controls only, and never overriding a
   * safety rule: that is an operator's decision, taken by hand.
   */
  grantSwitch(role: iam.IRole): void {
    const resources = this.routingControlArnList();
    const updates = ['route53-recovery-cluster:UpdateRoutingControlState', 'route53-recovery-cluster:UpdateRoutingControlStates'];
    role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: updates, resources }));
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({ effect: iam.Effect.DENY, actions: updates, resources, conditions: { Bool: { 'route53-recovery-cluster:AllowSafetyRulesOverrides': 'true' } } }),
    );
  }

  /** In the order of dns.values. */
  private routingControlArnList(): string[] {
    return Object.values(this.routingControlArns);
  }
}
