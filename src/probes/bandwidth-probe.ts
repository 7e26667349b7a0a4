// The link-bandwidth probe for one flow: how much the replicated topics demand (produce
// rate on the source), how much actually arrives (replication rate on the target), what the
// link can carry (a timed transfer from the source), its RTT, the peak demand over a
// trailing window, the headroom that leaves and how long the current backlog takes to drain.
//
// Rates are differences between this run's snapshot and the previous run's (kept in
// DynamoDB, see probe-state.ts), per topic: records from log-end offsets, bytes from the
// partitions' sizes on disk (DescribeLogDirs) — the bytes MM2 fetches across the link
// (compressed as stored). A cluster that does not answer is reported, never thrown; what
// could not be measured is left null (and unpublished).
import type { Admin } from '@platformatic/kafka';
import type { Flow } from '#src/flow';
import { partitionCounts, partitionSizes, partitionStates, type PartitionState } from '#src/kafka/partition-state';
import { readOffsetSyncs } from '#src/mm2/internal-topics';
import { backlogBytes, catchUpEtaSeconds, headroom, peakOf, rateBetween, topicTotals, type Rate, type SkippedTopic } from './bandwidth-math';
import { flowLag, reachable, sourceTopics, type LagProbeClients } from './lag-probe';
import { linkPayload, metadataRttMs, timedTransfer, type Transfer } from './link-transfer';
import type { BandwidthState, ProbeStateStore, SideSnapshot } from './probe-state';

export interface BandwidthReport {
  flow: string;
  at: number;
  reachable: { source: boolean; target: boolean };
  errors: string[];
  /** Sides seen for the first time (no previous snapshot): their rates start with the next run. */
  firstSnapshot: { source: boolean; target: boolean };
  /** Produce rate of the replicated topics on the source. */
  demand: Rate | null;
  /** Replication rate into the remote topics on the target. */
  replicated: Rate | null;
  skipped: (SkippedTopic & { side: 'source' | 'target' })[];
  capacity: Transfer | null;
  rttMs: number | null;
  peakDemandBytesPerSecond: number | null;
  headroom: number | null;
  backlog: { records: bigint; bytes: number } | null;
  catchUpEtaSeconds: number | null;
}

export interface BandwidthProbeClients extends LagProbeClients {
  state: ProbeStateStore;
  /** The highest DemandBytes published for the flow in [fromMs, toMs), null when none. */
  peakDemand: (flow: string, fromMs: number, toMs: number) => Promise<number | null>;
}

export interface BandwidthProbeOptions {
  transferBytes: number;
  windowMinutes: number;
  /** Time budget of the transfer (default 20 s): a slow link yields the rate achieved so far. */
  transferTimeoutMs?: number;
  rttSamples?: number;
  now?: () => number;
}

interface Measured {
  snapshot: SideSnapshot;
  states: PartitionState[];
}

/** One side's partition states and per-topic totals, stamped with the middle of the reads. */
async function measureSide(admin: Admin, topics: string[], now: () => number): Promise<Measured> {
  const counts = await partitionCounts(admin, topics);
  const before = now();
  const [states, sizes] = await Promise.all([partitionStates(admin, topics), partitionSizes(admin, counts)]);
  const at = Math.round((before + now()) / 2);
  return { states, snapshot: { at, topics: topicTotals(states, sizes) } };
}

/** A report of a run that has measured nothing yet. */
export function emptyBandwidthReport(flow: string, at: number): BandwidthReport {
  return {
    flow,
    at,
    reachable: { source: false, target: false },
    errors: [],
    firstSnapshot: { source: false, target: false },
    demand: null,
    replicated: null,
    skipped: [],
    capacity: null,
    rttMs: null,
    peakDemandBytesPerSecond: null,
    headroom: null,
    backlog: null,
    catchUpEtaSeconds: null,
  };
}

export async function runBandwidthProbe(flow: Flow, clients: BandwidthProbeClients, options: BandwidthProbeOptions): Promise<BandwidthReport> {
  const now = options.now ?? Date.now;
  const { policy } = flow;
  const report = emptyBandwidthReport(flow.name, now());
  const attempt = <T>(what: string, work: () => Promise<T>): Promise<T | undefined> =>
    work().catch((err: unknown) => void report.errors.push(`${what}: ${(err as Error).message}`));

  const [source, target, previous] = await Promise.all([
    reachable(clients.admin(flow.source)),
    reachable(clients.admin(flow.target)),
    attempt('loading the previous snapshot', () => clients.state.load(report.flow)),
  ]);
  report.reachable = { source: source !== undefined, target: target !== undefined };
  if (!source) report.errors.push(`source cluster ${flow.source} unreachable`);
  if (!target) report.errors.push(`target cluster ${flow.target} unreachable`);

  // Demand and achieved rate: this run's snapshot of each side.
  const topics = source ? await attempt(`listing topics on ${flow.source}`, () => sourceTopics(source, flow)) : undefined;
  // Without the source, the remote topics are those of the previous target snapshot.
  const remoteTopics = topics?.map((t) => policy.remoteTopic(flow.source, t)) ?? [...(previous?.target?.topics.keys() ?? [])];
  const [sourceSide, targetSide] = await Promise.all([
    source && topics ? attempt(`offsets and sizes on ${flow.source}`, () => measureSide(source, topics, now)) : undefined,
    target ? attempt(`offsets and sizes on ${flow.target}`, () => measureSide(target, remoteTopics, now)) : undefined,
  ]);
  const rate = (side: 'source' | 'target', measured: Measured | undefined): Rate | null => {
    const before = previous?.[side];
    if (!measured) return null;
    if (!before) {
      report.firstSnapshot[side] = true;
      return null;
    }
    const { rate, skipped } = rateBetween(before, measured.snapshot);
    report.skipped.push(...skipped.map((s) => ({ side, ...s })));
    return rate;
  };
  report.demand = rate('source', sourceSide);
  report.replicated = rate('target', targetSide);

  // Backlog: unreplicated records per topic, as the lag probe counts them.
  if (sourceSide && targetSide) {
    await attempt('replication backlog', async () => {
      const syncsCluster = flow.mm2.offsetSyncsTopicLocation === 'source' ? flow.source : flow.target;
      const syncs = await readOffsetSyncs(await clients.fetcher(syncsCluster), policy.offsetSyncsTopic(flow.target));
      const lag = flowLag(flow, sourceSide.states, targetSide.states, syncs);
      report.backlog = { records: lag.unreplicatedRecords, bytes: backlogBytes(lag.topics, sourceSide.snapshot.topics) };
    });
  }

  // The link, measured from here (the control plane, beside the target) to the source.
  if (source) {
    report.rttMs = (await attempt(`RTT to ${flow.source}`, () => metadataRttMs(source, options.rttSamples ?? 5))) ?? null;
    report.capacity =
      (await attempt(`timed transfer from ${flow.source}`, async () => {
        const from = await linkPayload({ admin: source, producer: await clients.producer(flow.source) }, options.transferBytes);
        return timedTransfer(await clients.fetcher(flow.source), from, options.transferBytes, options.transferTimeoutMs ?? 20_000);
      })) ?? null;
  }

  const demand = report.demand?.bytesPerSecond ?? null;
  const published = await attempt('reading the peak demand from CloudWatch', () => clients.peakDemand(report.flow, report.at - options.windowMinutes * 60_000, report.at));
  // Unknown when CloudWatch could not be read: the current sample alone would overstate headroom.
  report.peakDemandBytesPerSecond = published === undefined ? null : peakOf(published, demand);
  if (report.capacity && report.peakDemandBytesPerSecond !== null) report.headroom = headroom(report.capacity.bytesPerSecond, report.peakDemandBytesPerSecond);
  if (report.backlog && report.backlog.bytes <= 0) report.catchUpEtaSeconds = 0;
  else if (report.backlog && report.capacity && demand !== null) report.catchUpEtaSeconds = catchUpEtaSeconds(report.backlog.bytes, report.capacity.bytesPerSecond, demand);

  // A side that could not be measured keeps its previous snapshot: its next rate spans the gap.
  const next: BandwidthState = {
    at: report.at,
    source: sourceSide?.snapshot ?? previous?.source ?? null,
    target: targetSide?.snapshot ?? previous?.target ?? null,
  };
  if (sourceSide || targetSide) await attempt('saving the snapshot', () => clients.state.save(report.flow, next));
  return report;
}
