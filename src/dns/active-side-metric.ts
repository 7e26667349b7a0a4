// The clients' switch of dns.mode health-check, as CloudWatch holds it: kafka-dr's ActiveSide
// metric (namespace KafkaDR/ClientSwitch; 1 for the cluster clients must use, 0 for the other;
// dimensions Estate and Cluster) and, per cluster, the alarm <estate>-kafka-dr-<cluster>-not-active on it (OK while the
// cluster is the active side), which the health check of the cluster's failover record
// follows. Every call here goes to CloudWatch in the control plane's region, a regional data
// plane: never to Route 53.
//
// The metric is standard resolution and its alarms have a one-minute period: Route 53 takes
// no alarm on a high-resolution metric (Route 53 API reference, AlarmIdentifier). Two switches
// published in the same minute would land in one period, where Maximum mixes them and the
// alarms would hold a side nobody chose. So a switch publishes at the start of the current
// minute, or, when that minute (or a later one) already holds an ActiveSide datapoint (a
// switch back right after a switch), at the minute after the newest one: each switch alone in
// its period, taking effect when that period is evaluated (a datapoint may be stamped ahead of
// now: the MetricDatum reference takes time stamps up to two hours ahead).
import { CloudWatchClient, DescribeAlarmsCommand, GetMetricDataCommand, PutMetricDataCommand, type MetricAlarm } from '@aws-sdk/client-cloudwatch';
import { activeSideAlarmName } from '#src/alarm-names';
import { Dimension, Metric } from '#src/metrics';

export type AlarmState = 'OK' | 'ALARM' | 'INSUFFICIENT_DATA';
/** Each cluster's not-active alarm state. */
export type AlarmStates = Record<string, AlarmState>;
/** What a switch publishes: ActiveSide per cluster. */
export type ActiveSideValues = Record<string, 0 | 1>;

/** The estate whose clients switch, and the clusters of dns.values in order (PRIMARY first). */
export interface ActiveSideTarget {
  estate: string;
  clusters: string[];
}

/** The newest ActiveSide datapoints, of one minute, per cluster; null where that minute holds none, "mixed" where it holds both values. */
export interface PublishedSide {
  at: string;
  values: Record<string, 0 | 1 | 'mixed' | null>;
}

/** One PutMetricData, as a switch sends it (plain JSON for the execution's state). */
export interface ActiveSidePublication {
  namespace: string;
  metricName: string;
  estate: string;
  /** ISO-8601: the start of the minute the datapoints are stamped with. */
  timestamp: string;
  values: ActiveSideValues;
}

const PERIOD_MS = 60_000;
/**
 * How far from now the newest datapoints are looked for. CloudWatch has evaluated anything
 * older long since (the alarms then say what it said), and a deferred switch is stamped at
 * most a minute past the newest datapoint.
 */
const LOOKAROUND_MS = 10 * PERIOD_MS;

export const floorMinute = (at: Date) => new Date(Math.floor(at.getTime() / PERIOD_MS) * PERIOD_MS);

export function activeSideValues(target: ActiveSideTarget, cluster: string): ActiveSideValues {
  if (!target.clusters.includes(cluster)) {
    throw new Error(`${cluster} has no failover record: dns.values has ${target.clusters.join(', ')}; clients can only be switched to one of them`);
  }
  return Object.fromEntries(target.clusters.map((c) => [c, c === cluster ? 1 : 0]));
}

/** The state a not-active alarm takes from a minute's datapoints: OK for 1, ALARM for 0; none or both values leave it as it was (never equal to a state). */
export const alarmStateOf = (value: PublishedSide['values'][string]): AlarmState => (value === 1 ? 'OK' : value === 0 ? 'ALARM' : 'INSUFFICIENT_DATA');

/** The alarm states that send clients to `cluster`: its alarm OK, every other's ALARM. */
export function activeAlarmStates(target: ActiveSideTarget, cluster: string): AlarmStates {
  const values = activeSideValues(target, cluster);
  return Object.fromEntries(Object.entries(values).map(([c, v]) => [c, alarmStateOf(v)]));
}

export const sameAlarmStates = (a: AlarmStates, b: AlarmStates) => Object.keys(b).every((c) => a[c] === b[c]);

/**
 * In name order, as the alarms' templates list them. CloudWatch takes dimensions in any order;
 * the lab's emulator matches a query's dimensions to a datapoint's only in the same order.
 */
const dimensionsOf = (estate: string, cluster: string) => [
  { Name: Dimension.Cluster, Value: cluster },
  { Name: Dimension.Estate, Value: estate },
];

/** What is wrong with the alarm as the switch's alarm of `cluster`; undefined when it watches ActiveSide of that cluster, below 1. */
function watchProblem(alarm: MetricAlarm, estate: string, cluster: string): string | undefined {
  const dimensions = Object.fromEntries((alarm.Dimensions ?? []).map((d) => [d.Name, d.Value]));
  const want = Object.fromEntries(dimensionsOf(estate, cluster).map((d) => [d.Name, d.Value]));
  const watches = `${alarm.Namespace}/${alarm.MetricName} ${JSON.stringify(dimensions)} ${alarm.ComparisonOperator} ${alarm.Threshold}`;
  const ok =
    alarm.Namespace === Metric.ActiveSide.namespace &&
    alarm.MetricName === Metric.ActiveSide.name &&
    JSON.stringify(Object.entries(dimensions).sort()) === JSON.stringify(Object.entries(want).sort()) &&
    alarm.ComparisonOperator === 'LessThanThreshold' &&
    alarm.Threshold === 1;
  return ok ? undefined : `watches ${watches}, expected ${Metric.ActiveSide.namespace}/${Metric.ActiveSide.name} ${JSON.stringify(want)} LessThanThreshold 1`;
}

/** Each cluster's not-active alarm state, after checking that each alarm exists and watches that cluster's ActiveSide. */
export async function readActiveSideAlarms(cloudwatch: CloudWatchClient, target: ActiveSideTarget): Promise<AlarmStates> {
  const names = target.clusters.map((c) => activeSideAlarmName(target.estate, c));
  const out = await cloudwatch.send(new DescribeAlarmsCommand({ AlarmNames: names, AlarmTypes: ['MetricAlarm'] }));
  const states: AlarmStates = {};
  for (const cluster of target.clusters) {
    const name = activeSideAlarmName(target.estate, cluster);
    const alarm = out.MetricAlarms?.find((a) => a.AlarmName === name);
    if (!alarm) {
      throw new Error(`alarm ${name} does not exist in ${await cloudwatch.config.region()}: the control plane stack creates it with dns.mode health-check; deploy it`);
    }
    const problem = watchProblem(alarm, target.estate, cluster);
    if (problem) throw new Error(`alarm ${name} ${problem}: the health check of ${cluster}'s failover record would not follow the switch; redeploy the control plane`);
    states[cluster] = (alarm.StateValue ?? 'INSUFFICIENT_DATA') as AlarmState;
  }
  return states;
}

/** The newest minute holding ActiveSide datapoints of the estate, within ten minutes of `now` either way; null when there is none. */
export async function latestPublished(cloudwatch: CloudWatchClient, target: ActiveSideTarget, now = new Date()): Promise<PublishedSide | null> {
  const minute = floorMinute(now).getTime();
  const stats = ['Maximum', 'Minimum'] as const;
  const out = await cloudwatch.send(
    new GetMetricDataCommand({
      StartTime: new Date(minute - LOOKAROUND_MS),
      EndTime: new Date(minute + LOOKAROUND_MS),
      MetricDataQueries: target.clusters.flatMap((cluster, i) =>
        stats.map((stat) => ({
          Id: `${stat.toLowerCase()}${i}`,
          MetricStat: { Metric: { Namespace: Metric.ActiveSide.namespace, MetricName: Metric.ActiveSide.name, Dimensions: dimensionsOf(target.estate, cluster) }, Period: PERIOD_MS / 1000, Stat: stat },
        })),
      ),
    }),
  );
  const series = (id: string) => {
    const result = out.MetricDataResults?.find((r) => r.Id === id);
    const values = result?.Values ?? [];
    return new Map((result?.Timestamps ?? []).map((t, j) => [t.getTime(), values[j]]));
  };
  const perCluster = target.clusters.map((cluster, i) => ({ cluster, max: series(`maximum${i}`), min: series(`minimum${i}`) }));
  const newest = Math.max(...perCluster.flatMap((s) => [...s.max.keys()]));
  if (!Number.isFinite(newest)) return null;
  const values: PublishedSide['values'] = {};
  for (const { cluster, max: maxima, min: minima } of perCluster) {
    const [max, min] = [maxima.get(newest), minima.get(newest)];
    values[cluster] = max === undefined ? null : max !== min ? 'mixed' : max === 1 ? 1 : 0;
  }
  return { at: new Date(newest).toISOString(), values };
}

/**
 * The datapoints when CloudWatch may not have evaluated them yet (of the previous minute or
 * later): they, not the alarms, say where clients are going. Older ones the alarms have seen.
 */
export function pendingPublication(published: PublishedSide | null, now = new Date()): PublishedSide | null {
  return published && new Date(published.at).getTime() >= floorMinute(now).getTime() - PERIOD_MS ? published : null;
}

/** Whether the datapoints say exactly `values`. */
export const publishedSays = (published: PublishedSide, values: ActiveSideValues) => Object.entries(values).every(([c, v]) => published.values[c] === v);

/** The minute a switch publishes at: the current one, unless it or a later one already holds ActiveSide datapoints; then the minute after the newest. */
export function publicationMinute(now: Date, latest: PublishedSide | null): Date {
  const minute = floorMinute(now);
  const newest = latest ? new Date(latest.at) : undefined;
  return newest && newest >= minute ? new Date(newest.getTime() + PERIOD_MS) : minute;
}

/** The PutMetricData a switch to `cluster` sends, stamped at `at`. */
export function activeSidePublication(target: ActiveSideTarget, cluster: string, at: Date): ActiveSidePublication {
  return { namespace: Metric.ActiveSide.namespace, metricName: Metric.ActiveSide.name, estate: target.estate, timestamp: at.toISOString(), values: activeSideValues(target, cluster) };
}

/** Publishes both clusters' ActiveSide in one call: no moment exists with one side's value written and the other's not. */
export async function publishActiveSide(cloudwatch: CloudWatchClient, publication: ActiveSidePublication): Promise<void> {
  await cloudwatch.send(
    new PutMetricDataCommand({
      Namespace: publication.namespace,
      MetricData: Object.entries(publication.values).map(([cluster, value]) => ({
        MetricName: publication.metricName,
        Dimensions: dimensionsOf(publication.estate, cluster),
        Value: value,
        Unit: Metric.ActiveSide.unit,
        Timestamp: new Date(publication.timestamp),
        // Standard resolution: Route 53 health checks follow no alarm on a high-resolution metric.
        StorageResolution: 60,
      })),
    }),
  );
}
