// How a failover moves clients, per dns.mode, behind one interface: where clients are sent
// now, what a switch would write, the switch itself (a re-run changes nothing) and the
// read-back that says it took effect. The failover's DNS step, its preflight and
// `kafka-dr status` all see the active side through this.
import type { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import type { Route53Client } from '@aws-sdk/client-route-53';
import { activeSideAlarmName } from '#src/alarm-names';
import type { EstateConfig } from '#src/config/schema';
import {
  activeAlarmStates,
  activeSidePublication,
  activeSideValues,
  latestPublished,
  pendingPublication,
  publicationMinute,
  publishActiveSide,
  publishedSays,
  readActiveSideAlarms,
  sameAlarmStates,
  type ActiveSideTarget,
  type AlarmStates,
  type PublishedSide,
} from './active-side-metric';
import { changeInSync, clusterOf, desiredRecord, readBootstrapRecord, repointBootstrapRecord, type BootstrapRecord } from './bootstrap-record';
import { healthCheckIdOf, readHealthCheck, type HealthCheckIds, type HealthCheckView } from './health-check-status';
import { desiredStates, readControlStates, sameStates, switchRoutingControls, type ArcClientFor, type ControlStates, type RoutingControlSet } from './routing-controls';

type Dns = EstateConfig['dns'];
export type DnsMode = Dns['mode'];

export interface ClientSide {
  /** The cluster clients are sent to; null when the mode's state names none of the estate's. */
  cluster: string | null;
  mode: DnsMode;
  /** What was read, for people: the record's values or each routing control's state. */
  seen: string;
}

/** What a switch wrote (or would write). Plain JSON: it lands in the execution's state. */
export interface ClientSwitchResult {
  mode: DnsMode;
  cluster: string;
  /** False when clients were already sent there: nothing was written. */
  changed: boolean;
  /** The Route 53 change to follow to INSYNC (upsert); null when there is none to wait for. */
  changeId: string | null;
  before: unknown;
  after: unknown;
  /** Where the write went, and which endpoints failed before it (arc-routing-control). */
  endpoint?: string;
  failures?: unknown[];
  /** The exact write, when the mode's before/after are its effect (health-check: the PutMetricData). */
  writes?: unknown;
}

export interface Settled {
  settled: boolean;
  /** What the read-back found, once settled. */
  readBack?: unknown;
  /** Set when the read-back contradicts the switch: another writer changed it. */
  contradiction?: string;
  /** While not settled: what the switch is waiting for, for people. */
  pending?: string;
}

export interface ClientSwitch {
  readonly mode: DnsMode;
  side(): Promise<ClientSide>;
  preview(cluster: string): Promise<{ before: unknown; after: unknown; writes?: unknown }>;
  switchTo(cluster: string, comment: string): Promise<ClientSwitchResult>;
  settled(cluster: string, switched: Pick<ClientSwitchResult, 'changeId'>): Promise<Settled>;
}

const sortedValues = (values: string[]) => JSON.stringify([...values].sort());

export function upsertSwitch(dns: Dns, route53: Route53Client): ClientSwitch {
  const describe = (record: BootstrapRecord | null) => `bootstrap record ${dns.recordName} ${record ? `-> ${record.values.join(', ')}` : 'absent'}`;
  return {
    mode: 'upsert',
    async side() {
      const record = await readBootstrapRecord(route53, dns);
      return { cluster: clusterOf(dns, record), mode: 'upsert', seen: describe(record) };
    },
    async preview(cluster) {
      return { before: await readBootstrapRecord(route53, dns), after: desiredRecord(dns, cluster) };
    },
    async switchTo(cluster, comment) {
      const repoint = await repointBootstrapRecord(route53, dns, cluster, comment);
      return { mode: 'upsert', cluster, changed: repoint.changeId !== null, changeId: repoint.changeId, before: repoint.before, after: repoint.after };
    },
    async settled(cluster, { changeId }) {
      if (changeId && !(await changeInSync(route53, changeId))) return { settled: false };
      const record = await readBootstrapRecord(route53, dns);
      const want = desiredRecord(dns, cluster);
      if (sortedValues(record?.values ?? []) !== sortedValues(want.values)) {
        return { settled: true, readBack: record, contradiction: `${describe(record)} after the change, expected ${want.values.join(', ')}: another writer changed it; check the hosted zone ${dns.hostedZoneId}` };
      }
      return { settled: true, readBack: record };
    },
  };
}

/**
 * The cluster Route 53 answers with: the PRIMARY record's (the first of dns.values) while
 * its health check is healthy, else the SECONDARY's if healthy, and the PRIMARY's again when
 * neither is (Route 53 fails open).
 */
export function failoverAnswer(dns: Dns, healthy: (cluster: string) => boolean): string {
  const [primary, secondary] = Object.keys(dns.values) as [string, string | undefined];
  if (healthy(primary)) return primary;
  return secondary && healthy(secondary) ? secondary : primary;
}

/** The cluster Route 53 answers with when each health check follows its cluster's routing control. */
export function servedCluster(dns: Dns, states: ControlStates): string {
  return failoverAnswer(dns, (cluster) => states[cluster] === 'On');
}

const describeStates = (states: ControlStates) =>
  `routing controls ${Object.entries(states)
    .map(([cluster, state]) => `${cluster} ${state}`)
    .join(', ')}`;

export function routingControlSwitch(dns: Dns, set: RoutingControlSet, clientFor: ArcClientFor): ClientSwitch {
  return {
    mode: 'arc-routing-control',
    async side() {
      const { value: states } = await readControlStates(set, clientFor);
      return { cluster: servedCluster(dns, states), mode: 'arc-routing-control', seen: describeStates(states) };
    },
    async preview(cluster) {
      return { before: (await readControlStates(set, clientFor)).value, after: desiredStates(set, cluster) };
    },
    async switchTo(cluster) {
      const { before, after, changed, endpoint, failures } = await switchRoutingControls(set, clientFor, cluster);
      return { mode: 'arc-routing-control', cluster, changed, changeId: null, before, after, endpoint, failures };
    },
    async settled(cluster) {
      const { value: states } = await readControlStates(set, clientFor);
      if (!sameStates(states, desiredStates(set, cluster))) {
        return { settled: true, readBack: states, contradiction: `${describeStates(states)} after the switch, expected only ${cluster} On: another writer changed them` };
      }
      return { settled: true, readBack: states };
    },
  };
}

const describeAlarmStates = (estate: string, states: AlarmStates) =>
  `ActiveSide alarms ${Object.entries(states)
    .map(([cluster, state]) => `${activeSideAlarmName(estate, cluster)} ${state}`)
    .join(', ')}`;
const describePublished = (published: PublishedSide) =>
  `ActiveSide published at ${published.at}: ${Object.entries(published.values)
    .map(([cluster, value]) => `${cluster} ${value ?? 'none'}`)
    .join(', ')}`;

export interface ActiveSideApis {
  /** CloudWatch in the control plane's region: the metric and its alarms. */
  cloudwatch: CloudWatchClient;
  /** Route 53's API: read only, to confirm that the health checks followed the alarms. */
  route53: Route53Client;
  healthCheckIds: () => HealthCheckIds;
}

/** A health check that could not be read: Route 53's API failed or timed out. */
interface UnreadHealthCheck {
  id: string;
  error: string;
}

/**
 * dns.mode health-check. The switch publishes ActiveSide (one PutMetricData in the control
 * plane's region) unless it is already said: by datapoints CloudWatch may not have evaluated
 * yet (the last two minutes), else by the alarms. So a re-run writes nothing, a switch not
 * yet evaluated is not published twice, and alarms that lost their state (replaced by a
 * stack update) get it published again. It has taken effect when both not-active alarms say
 * it (required: they are what the health checks follow) and the health checks agree. A
 * health check whose status cannot be read (Route 53's API impaired, the case this mode is
 * for) does not hold the switch back: it is reported as unconfirmed. One that reads and
 * disagrees keeps the switch waiting, up to the DNS step's polls.
 */
export function activeSideSwitch(config: Pick<EstateConfig, 'estate' | 'dns'>, apis: ActiveSideApis): ClientSwitch {
  const { dns } = config;
  const target: ActiveSideTarget = { estate: config.estate, clusters: Object.keys(dns.values) };
  const read = () => Promise.all([readActiveSideAlarms(apis.cloudwatch, target), latestPublished(apis.cloudwatch, target)]);
  /** Each cluster's health check, as its health checkers report it, or why it could not be read. */
  const readHealthChecks = async (): Promise<Record<string, HealthCheckView | UnreadHealthCheck>> => {
    const ids = apis.healthCheckIds();
    const views = await Promise.all(
      target.clusters.map(async (cluster) => {
        const id = healthCheckIdOf(ids, cluster);
        return [cluster, await readHealthCheck(apis.route53, id).catch((err: Error) => ({ id, error: `${err.name}: ${err.message}` }))] as const;
      }),
    );
    return Object.fromEntries(views);
  };
  return {
    mode: 'health-check',
    async side() {
      const [states, published] = await read();
      // INSUFFICIENT_DATA: nothing was ever published; a new health check is healthy (LastKnownStatus).
      const cluster = failoverAnswer(dns, (c) => states[c] !== 'ALARM');
      const pending = pendingPublication(published);
      const stale = pending && !sameAlarmStates(states, activeAlarmStatesOf(pending)) ? `; ${describePublished(pending)}, not evaluated yet` : '';
      return { cluster, mode: 'health-check', seen: `${describeAlarmStates(config.estate, states)}${stale}` };
    },
    async preview(cluster) {
      const [before, published] = await read();
      return { before, after: activeAlarmStates(target, cluster), writes: activeSidePublication(target, cluster, publicationMinute(new Date(), published)) };
    },
    async switchTo(cluster) {
      const after = activeAlarmStates(target, cluster);
      const [before, published] = await read();
      // What CloudWatch has not evaluated yet decides; else the alarms, which have seen the rest.
      const pending = pendingPublication(published);
      const written = pending ? publishedSays(pending, activeSideValues(target, cluster)) : sameAlarmStates(before, after);
      if (written) return { mode: 'health-check', cluster, changed: false, changeId: null, before, after, ...(pending ? { notEvaluatedYet: pending } : {}) };
      const writes = activeSidePublication(target, cluster, publicationMinute(new Date(), published));
      await publishActiveSide(apis.cloudwatch, writes);
      return { mode: 'health-check', cluster, changed: true, changeId: null, before, after, writes };
    },
    async settled(cluster) {
      const want = activeAlarmStates(target, cluster);
      const [alarms, published] = await read();
      if (published && !publishedSays(published, activeSideValues(target, cluster))) {
        return {
          settled: true,
          readBack: { alarms, published },
          contradiction: `${describePublished(published)} after the switch to ${cluster}: another writer moved clients; find it (CloudTrail, PutMetricData) and switch by hand (runbook (e))`,
        };
      }
      const lagging = target.clusters.filter((c) => alarms[c] !== want[c]);
      if (lagging.length) {
        return { settled: false, pending: lagging.map((c) => `alarm ${activeSideAlarmName(config.estate, c)} is ${alarms[c]}, expected ${want[c]}`).join('; ') };
      }
      const healthChecks = await readHealthChecks();
      const views = Object.entries(healthChecks);
      const disagreeing = views.flatMap(([c, view]) => ('healthy' in view && view.healthy !== (want[c] === 'OK') ? [[c, view] as const] : []));
      if (disagreeing.length) {
        return {
          settled: false,
          pending: disagreeing
            .map(([c, view]) => {
              const seen = view.healthy === null ? 'has no health checker report yet' : `reports ${view.healthy ? 'healthy' : 'unhealthy'} (${view.successes} of ${view.observations} checkers Success)`;
              return `health check ${view.id} of ${c} ${seen}, expected ${want[c] === 'OK' ? 'healthy' : 'unhealthy'}`;
            })
            .join('; '),
        };
      }
      const unread = views.filter(([, view]) => 'error' in view).map(([c]) => c);
      const unconfirmed = unread.length
        ? {
            unconfirmed: `Route 53's GetHealthCheckStatus failed for ${unread.join(', ')}: the alarms their health checks follow agree with the switch; check the health checks once Route 53's API answers (aws route53 get-health-check-status)`,
          }
        : {};
      return { settled: true, readBack: { alarms, healthChecks, ...unconfirmed } };
    },
  };
}

/** The alarm states the datapoints will bring (a minute without a clear value leaves them as they are: never equal). */
function activeAlarmStatesOf(published: PublishedSide): AlarmStates {
  return Object.fromEntries(Object.entries(published.values).map(([c, v]) => [c, v === 1 ? 'OK' : v === 0 ? 'ALARM' : 'INSUFFICIENT_DATA']));
}

export interface ClientSwitchApis {
  route53: Route53Client;
  /** CloudWatch in the control plane's region; used only in health-check mode. */
  cloudwatch: CloudWatchClient;
  /** Read only in arc-routing-control mode. */
  routingControlSet: () => RoutingControlSet;
  arcClientFor: ArcClientFor;
  /** Read only in health-check mode. */
  healthCheckIds: () => HealthCheckIds;
}

/** The switch dns.mode names. */
export function clientSwitchOf(config: Pick<EstateConfig, 'estate' | 'dns'>, apis: ClientSwitchApis): ClientSwitch {
  const { dns } = config;
  switch (dns.mode) {
    case 'upsert':
      return upsertSwitch(dns, apis.route53);
    case 'arc-routing-control':
      return routingControlSwitch(dns, apis.routingControlSet(), apis.arcClientFor);
    case 'health-check':
      return activeSideSwitch(config, apis);
  }
}
