// `kafka-dr status`: where clients are, the last failover, and per flow what the probes
// last published (RPO, lag, heartbeat, headroom), its last failover readiness check, and the
// alarms in ALARM.
import { latestPublishedEach, type PublishedMetric } from '#src/cloudwatch/latest';
import { bootstrapRecords } from '#src/dns/bootstrap-record';
import type { ClientSide } from '#src/dns/client-switch';
import type { ActiveSide, LockHolder } from '#src/failover/failover-state';
import type { Readiness } from '#src/failover/readiness';
import { flowsOf } from '#src/flow';
import { Metric, NEVER_SECONDS } from '#src/metrics';
import type { AlarmState, ControlPlane } from './control-plane';

/** What status reads per flow, by the name it reports it under. */
const FLOW_METRICS = {
  rpoSeconds: Metric.Rpo,
  unreplicatedRecords: Metric.UnreplicatedRecords,
  maxPartitionLag: Metric.MaxPartitionLag,
  heartbeatAgeSeconds: Metric.HeartbeatAge,
  headroom: Metric.Headroom,
  catchUpEtaSeconds: Metric.CatchUpEta,
} as const;

export interface FlowStatus {
  flow: string;
  source: { cluster: string; reachable: boolean | null };
  target: { cluster: string; reachable: boolean | null };
  /** The newest published value of each, null when none was published in the window. */
  metrics: Record<keyof typeof FLOW_METRICS, number | null>;
  /** ISO-8601: the newest of those values, null when the probes published nothing. */
  publishedAt: string | null;
  /** The flow's last scheduled readiness check (failover.readiness), null before the first. */
  readiness: Readiness | null;
}

/** Where the clients of one bootstrap record are sent. */
export interface RecordStatus {
  /** Whose clients: a datacenter's own (dns.records), or null for every client (dns.recordName). */
  home: string | null;
  record: string;
  /** The cluster DNS sends them to now; null when it names none of the estate's. */
  cluster: string | null;
  /** What dns.mode reads to say so: the bootstrap record, or each side's routing control. */
  clients: ClientSide;
  lastFailover: ActiveSide | null;
}

export interface EstateStatus {
  estate: string;
  where: string;
  /** With one record (dns.recordName): the cluster DNS sends clients to now (null when none of the estate's); with dns.records, null: see records. */
  activeCluster: string | null;
  /** The estate's one record's clients, or the first datacenter's with dns.records. */
  clients: ClientSide;
  lastFailover: ActiveSide | null;
  /** Every bootstrap record: one, or one per datacenter. */
  records: RecordStatus[];
  failoverRunning: LockHolder | null;
  flows: FlowStatus[];
  alarmsInAlarm: AlarmState[];
  alarmsTotal: number;
  /** What makes the exit code 1: unreachable clusters, alarms in ALARM, no metrics, failed probe runs. */
  problems: string[];
}

export async function estateStatus(plane: ControlPlane): Promise<EstateStatus> {
  const { config } = plane;
  const problems = plane.probe ? await plane.probe() : [];
  // Three probe periods, at least 15 minutes: older values say nothing about now.
  const since = new Date(Date.now() - Math.max(15, 3 * config.probes.rateMinutes) * 60_000);
  const wanted: PublishedMetric[] = flowsOf(config).flatMap((f) => [
    ...Object.values(FLOW_METRICS).map((metric) => ({ metric, dimensions: { Flow: f.name } })),
    { metric: Metric.ClusterReachable, dimensions: { Cluster: f.source } },
    { metric: Metric.ClusterReachable, dimensions: { Cluster: f.target } },
  ]);
  const [values, records, failoverRunning, alarms, readiness] = await Promise.all([
    latestPublishedEach(plane.cloudwatch, wanted, since),
    Promise.all(
      bootstrapRecords(config.dns).map(async ({ home, name }): Promise<RecordStatus> => {
        const [clients, lastFailover] = await Promise.all([plane.clients(home).side(), plane.failoverState.activeSide(home)]);
        return { home, record: name, cluster: clients.cluster, clients, lastFailover };
      }),
    ),
    plane.failoverState.lockHolder(),
    plane.alarms(),
    Promise.all(flowsOf(config).map((f) => plane.failoverState.readiness(f.name))),
  ]);
  const perFlow = Object.keys(FLOW_METRICS).length + 2;
  const flows = flowsOf(config).map((f, i): FlowStatus => {
    const mine = values.slice(i * perFlow, (i + 1) * perFlow);
    const [sourceUp, targetUp] = mine.slice(-2).map((v) => (v === undefined ? null : v.value === 1));
    const metrics = Object.fromEntries(Object.keys(FLOW_METRICS).map((k, j) => [k, mine[j]?.value ?? null])) as FlowStatus['metrics'];
    const newest = mine.reduce<Date | null>((n, v) => (v && (!n || v.at > n) ? v.at : n), null);
    return {
      flow: f.name,
      source: { cluster: f.source, reachable: sourceUp ?? null },
      target: { cluster: f.target, reachable: targetUp ?? null },
      metrics,
      publishedAt: newest?.toISOString() ?? null,
      readiness: readiness[i] ?? null,
    };
  });
  for (const r of records) if (!r.cluster) problems.push(`DNS sends ${r.home ? `${r.home}'s clients` : 'clients'} to no cluster of the estate: ${r.clients.seen}`);
  const [first] = records as [RecordStatus, ...RecordStatus[]];
  for (const f of flows) {
    if (!f.publishedAt) problems.push(`flow ${f.flow}: the probes published nothing since ${since.toISOString()}: are they running?`);
    else if (f.metrics.rpoSeconds === null) problems.push(`flow ${f.flow}: no RPO published since ${since.toISOString()}: the lag probe could not measure replication (its errors are in its logs)`);
    for (const side of [f.source, f.target]) if (side.reachable === false) problems.push(`flow ${f.flow}: ${side.cluster} unreachable`);
    if (f.readiness?.ready === false) problems.push(`flow ${f.flow}: a failover would not succeed (readiness check ${f.readiness.executionName} at ${f.readiness.at}): ${f.readiness.reason}`);
  }
  const alarmsInAlarm = alarms.filter((a) => a.state === 'ALARM');
  for (const a of alarmsInAlarm) problems.push(`alarm ${a.name} in ALARM`);
  return {
    estate: config.estate,
    where: plane.where,
    activeCluster: config.dns.records ? null : first.cluster,
    clients: first.clients,
    lastFailover: first.lastFailover,
    records,
    failoverRunning,
    flows,
    alarmsInAlarm,
    alarmsTotal: alarms.length,
    problems,
  };
}

const num = (v: number | null, unit = '', digits = 1) => (v === null ? '?' : `${v.toFixed(digits)}${unit}`);
const eta = (v: number | null) => (v === null ? '?' : v >= NEVER_SECONDS ? 'never (demand exceeds capacity)' : `${v.toFixed(0)} s`);
const readinessLine = (r: Readiness | null) =>
  !r ? 'not checked yet' : `${r.ready === null ? 'not applicable' : r.ready ? 'ready' : 'NOT READY'} (${r.mode} dry run ${r.executionName} at ${r.at})${r.reason ? `: ${r.reason}` : ''}`;
const reach = (side: FlowStatus['source']) => `${side.cluster} ${side.reachable === null ? '(no data)' : side.reachable ? 'up' : 'UNREACHABLE'}`;

export function printStatus(s: EstateStatus): void {
  const where = (r: RecordStatus) => `${r.cluster ?? 'NO CLUSTER OF THE ESTATE'} (${r.clients.mode}: ${r.clients.seen})`;
  const lastOf = ({ lastFailover: l }: RecordStatus) => (l ? `${l.flow} ${l.mode}, execution ${l.executionName}, since ${l.since}` : 'none recorded');
  const [one] = s.records;
  if (one && one.home === null) {
    console.log(`estate ${s.estate} (${s.where}): clients on ${where(one)}`);
    console.log(`last failover: ${lastOf(one)}`);
  } else {
    console.log(`estate ${s.estate} (${s.where}): active-active, one bootstrap record per datacenter`);
    for (const r of s.records) console.log(`  ${r.home}'s clients on ${where(r)}; last failover: ${lastOf(r)}`);
  }
  if (s.failoverRunning) console.log(`failover RUNNING: ${s.failoverRunning.flow}, execution ${s.failoverRunning.executionName}, since ${s.failoverRunning.acquiredAt}`);
  for (const f of s.flows) {
    const m = f.metrics;
    console.log(`flow ${f.flow}: ${reach(f.source)}, ${reach(f.target)}; published ${f.publishedAt ?? 'never'}`);
    console.log(
      `  RPO ${num(m.rpoSeconds, ' s')} | unreplicated ${num(m.unreplicatedRecords, '', 0)} | max partition lag ${num(m.maxPartitionLag, '', 0)}` +
        ` | heartbeat age ${num(m.heartbeatAgeSeconds, ' s')} | headroom ${num(m.headroom)} | catch-up ${eta(m.catchUpEtaSeconds)}`,
    );
    console.log(`  failover readiness: ${readinessLine(f.readiness)}`);
  }
  console.log(`alarms: ${s.alarmsInAlarm.length} of ${s.alarmsTotal} in ALARM${s.alarmsInAlarm.length ? `: ${s.alarmsInAlarm.map((a) => a.name).join(', ')}` : ''}`);
  for (const p of s.problems) console.log(`  ! ${p}`);
}
