// dns.mode health-check as a ClientSwitch: the switch is kafka-dr's ActiveSide metric
// (src/dns/active-side-metric.ts), its read-back the not-active alarms and the health checks
// that follow them (src/dns/health-check-status.ts).
import type { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import type { Route53Client } from '@aws-sdk/client-route-53';
import { activeSideAlarmName } from '#src/alarm-names';
import type { EstateConfig } from '#src/config/schema';
import {
  activeAlarmStates,
  activeSidePublication,
  alarmStateOf,
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
import type { ClientSwitch } from './client-switch';
import { failoverAnswer } from './failover-answer';
import { healthCheckIdOf, readHealthCheck, type HealthCheckIds, type HealthCheckView } from './health-check-status';

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

/** The alarm states the datapoints will bring. */
const activeAlarmStatesOf = (published: PublishedSide): AlarmStates => Object.fromEntries(Object.entries(published.values).map(([c, v]) => [c, alarmStateOf(v)]));
