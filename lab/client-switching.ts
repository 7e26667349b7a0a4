// The lab's side of each dns.mode: the estate set to switch clients that way (with what the
// mode needs started on 127.0.0.1), the mode's own view of where clients are sent (read as
// kafka-dr reads it: the record, the routing controls, the ActiveSide alarms), and putting
// clients back on a cluster between rehearsals.
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { Route53Client } from '@aws-sdk/client-route-53';
import { activeSideAlarmName } from '#src/alarm-names';
import { parseEstateConfig } from '#src/config/parse';
import type { EstateConfig } from '#src/config/schema';
import { activeAlarmStates, latestPublished, readActiveSideAlarms, sameAlarmStates, type ActiveSideTarget } from '#src/dns/active-side-metric';
import { activeSideSwitch } from '#src/dns/active-side-switch';
import { recordDns, repointBootstrapRecord } from '#src/dns/bootstrap-record';
import { upsertSwitch, type ClientSwitch, type DnsMode } from '#src/dns/client-switch';
import type { HealthCheckIds } from '#src/dns/health-check-status';
import { arcClientFactory, routingControlSwitch, switchRoutingControls, type RoutingControlSet } from '#src/dns/routing-controls';
import { startArcCluster, type ArcCluster } from './arc-cluster';
import { labAlarms, type LabAlarms } from './cloudwatch-alarms';
import { readLabInfo } from './estate';
import { route53HealthCheckers, type HealthCheckers } from './route53-health-checkers';
import type { CfnTemplate } from './template-resources';

export interface LabClientSwitching {
  /** The estate, switching clients in this mode. */
  config: EstateConfig;
  clients: ClientSwitch;
  /** What the control plane's functions must reach instead of the emulator (AWS_ENDPOINT_URL_<service>). */
  awsEndpoints?: Record<string, string>;
  /** The control plane synthesized from `config`: what the mode's lab parts follow in it (before reset). */
  attach(template: CfnTemplate): Promise<void>;
  /** Clients sent to `cluster` again, without a failover. */
  reset(cluster: string, comment: string): Promise<void>;
  close(): Promise<void>;
}

const nothingToAttach = async () => undefined;

/** An ARC cluster of the lab's own (`arc`, for fault injection), as an estate that takes an existing cluster, control panel and routing controls; clients start on the PRIMARY. */
export async function labArcSwitching(base: EstateConfig): Promise<LabClientSwitching & { arc: ArcCluster }> {
  const [primary, secondary] = Object.keys(base.dns.values) as [string, string];
  const arc = await startArcCluster({
    controlPanels: [{ name: `${base.estate}-kafka-dr`, routingControls: [{ name: primary, state: 'On' }, { name: secondary, state: 'Off' }] }],
    safetyRules: [{ name: `${base.estate}-kafka-dr-at-least-one-on`, controlPanel: `${base.estate}-kafka-dr`, assertedControls: [primary, secondary], ruleConfig: { type: 'ATLEAST', threshold: 1 } }],
  });
  const set: RoutingControlSet = {
    endpoints: arc.endpoints.map(({ url, region }) => ({ url, region })),
    routingControls: { [primary]: arc.routingControlArns[primary]!, [secondary]: arc.routingControlArns[secondary]! },
  };
  const config = parseEstateConfig(
    {
      ...base,
      dns: {
        ...base.dns,
        mode: 'arc-routing-control',
        arc: { clusterArn: `arn:aws:route53-recovery-control::123456789012:cluster/${base.estate}-lab`, controlPanelArn: arc.controlPanelArns[`${base.estate}-kafka-dr`], ...set },
      },
    },
    `the ${base.estate} estate, switching clients with the lab's ARC cluster`,
  );
  const clientFor = arcClientFactory();
  return {
    arc,
    config,
    clients: routingControlSwitch(config.dns, set, clientFor),
    attach: nothingToAttach,
    reset: async (cluster) => void (await switchRoutingControls(set, clientFor, cluster)),
    close: () => arc.close(),
  };
}

/** How long CloudWatch (the lab's evaluation of it) may take to follow a switch by hand. */
const ALARMS_FOLLOW_MS = 150_000;

/**
 * dns.mode health-check on the lab. Route 53's health checkers (lab/route53-health-checkers.ts)
 * stand in front of `route53Upstream` (the emulator, or a test's fault proxy); the functions
 * and this process reach Route 53 through them, CloudFormation's stand-in creating the health
 * checks included. Once attached to the control plane, its not-active alarms are evaluated as
 * CloudWatch would (`alarms()`, for fault injection), and reset waits until they say it.
 * A switch is stamped with its minute, and one in a minute that has a datapoint already is
 * deferred to the next (src/dns/active-side-metric.ts): a reset that published waits for a
 * fresh minute (`freshMinute`), so that the next switch, a drill's failover, is not deferred.
 */
export async function labHealthCheckSwitching(
  base: EstateConfig,
  { route53Upstream = readLabInfo().moto.endpoint } = {},
): Promise<LabClientSwitching & { checkers: HealthCheckers; alarms(): LabAlarms; healthCheckIds(): HealthCheckIds; freshMinute(): Promise<void> }> {
  const config = parseEstateConfig({ ...base, dns: { ...base.dns, mode: 'health-check' } }, `the ${base.estate} estate, switching clients with the ActiveSide metric`);
  const checkers = await route53HealthCheckers(route53Upstream, readLabInfo().moto.endpoint);
  // The template's health checks are created by this process (lab/template-resources.ts), with the default client.
  const endpointBefore = process.env.AWS_ENDPOINT_URL_ROUTE_53;
  process.env.AWS_ENDPOINT_URL_ROUTE_53 = checkers.url;
  const target: ActiveSideTarget = { estate: config.estate, clusters: Object.keys(config.dns.values) };
  const alarmNames = target.clusters.map((c) => activeSideAlarmName(config.estate, c));
  /** The health checks' ids, from what CreateHealthCheck asked for (they exist once a function has read its environment). */
  const healthCheckIds = (): HealthCheckIds => {
    const ids: HealthCheckIds = {};
    for (const check of checkers.healthChecks.values()) {
      const cluster = target.clusters[alarmNames.indexOf(check.alarm.name)];
      if (cluster) ids[cluster] = check.id;
    }
    return ids;
  };
  const cloudwatch = new CloudWatchClient({});
  const clients = activeSideSwitch(config, { cloudwatch, route53: new Route53Client({ endpoint: checkers.url }), healthCheckIds });
  const freshMinute = async () => {
    const newest = await latestPublished(cloudwatch, target);
    if (newest) await new Promise((r) => setTimeout(r, Math.max(0, Date.parse(newest.at) + 60_000 - Date.now())));
  };
  let alarms: LabAlarms | undefined;
  const attached = () => {
    if (!alarms) throw new Error('the lab health-check switching is not attached to a control plane: call attach(template) first');
    return alarms;
  };
  return {
    config,
    clients,
    checkers,
    alarms: attached,
    healthCheckIds,
    freshMinute,
    awsEndpoints: { ROUTE_53: checkers.url },
    attach: async (template) => {
      alarms ??= await labAlarms(template, alarmNames);
    },
    reset: async (cluster, comment) => {
      const evaluated = attached();
      const switched = await clients.switchTo(cluster, comment);
      const want = activeAlarmStates(target, cluster);
      for (const deadline = Date.now() + ALARMS_FOLLOW_MS; !sameAlarmStates(await readActiveSideAlarms(cloudwatch, target), want); await new Promise((r) => setTimeout(r, 500))) {
        if (Date.now() > deadline) throw new Error(`the ActiveSide alarms never said ${cluster}: ${JSON.stringify(await readActiveSideAlarms(cloudwatch, target))}; evaluation: ${evaluated.lastError?.message ?? 'no error'}`);
      }
      if (switched.changed) await freshMinute();
    },
    close: async () => {
      await alarms?.close();
      await checkers.close();
      if (endpointBefore === undefined) delete process.env.AWS_ENDPOINT_URL_ROUTE_53;
      else process.env.AWS_ENDPOINT_URL_ROUTE_53 = endpointBefore;
    },
  };
}

export async function labClientSwitching(base: EstateConfig, mode: DnsMode): Promise<LabClientSwitching> {
  switch (mode) {
    case 'upsert': {
      const route53 = new Route53Client({});
      return {
        config: base,
        clients: upsertSwitch(recordDns(base.dns, null), route53),
        attach: nothingToAttach,
        reset: async (cluster, comment) => void (await repointBootstrapRecord(route53, recordDns(base.dns, null), cluster, comment)),
        close: async () => undefined,
      };
    }
    case 'arc-routing-control':
      return labArcSwitching(base);
    case 'health-check':
      return labHealthCheckSwitching(base);
  }
}
