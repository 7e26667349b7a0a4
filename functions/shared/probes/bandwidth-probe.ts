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
import { randomBytes } from 'node:crypto';
import type { Admin, Consumer } from '@platformatic/kafka';
import type { Kafka } from 'kafkajs';
import { LINK_PROBE_TOPIC, flowName, type FlowConfig } from '../../../lib/config/schema';
import { NEVER_SECONDS } from '../../../lib/metrics';
import { partitionCounts, partitionKey, partitionSizes, partitionStates, type PartitionState } from '../kafka/partition-state';
import { readOffsetSyncs } from '../mm2/internal-topics';
import { ReplicationPolicy } from '../mm2/replication-policy';
import { flowLag, reachable, sourceTopics, type TopicLag } from './lag-probe';
import type { BandwidthState, ProbeStateStore, SideSnapshot, TopicTotals } from './probe-state';

/** The link-probe topic holds incompressible records of this size (well under the default 1 MiB message.max.bytes). */
export const LINK_PROBE_RECORD_BYTES = 256 * 1024;
/** The group id the transfer's fetcher carries; it never joins it (no group exists on the cluster). */
export const LINK_PROBE_CLIENT = 'kafka-dr-link-probe';
/** Upper bound of one Fetch of the transfer: large enough for few round trips, small enough for a 256 MB Lambda. */
const MAX_FETCH_BYTES = 16 * 1024 * 1024;

// ---- The math (pure) ----

export interface Rate {
  bytesPerSecond: number;
  recordsPerSecond: number;
  /** Seconds between the two snapshots. */
  intervalSeconds: number;
  /** Topics whose deltas were counted. */
  topics: number;
}

export interface SkippedTopic {
  topic: string;
  reason: string;
}

/** Per-topic totals of one side from its partition states and sizes. */
export function topicTotals(states: readonly PartitionState[], sizes: ReadonlyMap<string, bigint>): Map<string, TopicTotals> {
  const totals = new Map<string, TopicTotals>();
  for (const s of states) {
    const t = totals.get(s.topic) ?? { end: 0n, start: 0n, bytes: 0n };
    t.end += s.latest;
    t.start += s.earliest;
    t.bytes += sizes.get(partitionKey(s.topic, s.partition)) ?? 0n;
    totals.set(s.topic, t);
  }
  return totals;
}

/**
 * What one topic gained between two snapshots, or a reason it cannot be told. Retention
 * deletes whole segments, shrinking the size on disk: the records it removed (log-start
 * advance) are added back at the previous average record size. A log end or start that went
 * backwards means the topic was deleted and recreated (or truncated); a size that still
 * shrank means compaction: both make the bytes unknowable for this interval.
 */
export function topicDelta(previous: TopicTotals, current: TopicTotals): { records: bigint; bytes: bigint } | { skipped: string } {
  const records = current.end - previous.end;
  if (records < 0n || current.start < previous.start) return { skipped: 'log end or start went backwards (topic recreated or truncated)' };
  const span = previous.end - previous.start;
  const removed = current.start - previous.start;
  const removedBytes = span > 0n ? (removed * previous.bytes) / span : 0n;
  const bytes = current.bytes - previous.bytes + removedBytes;
  if (bytes < 0n) return { skipped: 'size on disk shrank (compaction or retention by size)' };
  return { records, bytes };
}

/**
 * Rates between two snapshots of a side, over the topics present in both. A topic new
 * since the previous snapshot is skipped once (its history predates the interval). Null
 * rate when the interval is not positive or every topic had to be skipped.
 */
export function rateBetween(previous: SideSnapshot, current: SideSnapshot): { rate: Rate | null; skipped: SkippedTopic[] } {
  const skipped: SkippedTopic[] = [];
  const intervalSeconds = (current.at - previous.at) / 1000;
  if (intervalSeconds <= 0) return { rate: null, skipped };
  let records = 0n;
  let bytes = 0n;
  let topics = 0;
  for (const [topic, now] of current.topics) {
    const before = previous.topics.get(topic);
    const delta = before ? topicDelta(before, now) : { skipped: 'new since the previous run' };
    if ('skipped' in delta) {
      skipped.push({ topic, reason: delta.skipped });
      continue;
    }
    records += delta.records;
    bytes += delta.bytes;
    topics++;
  }
  if (topics === 0 && skipped.length > 0) return { rate: null, skipped };
  return { rate: { bytesPerSecond: Number(bytes) / intervalSeconds, recordsPerSecond: Number(records) / intervalSeconds, intervalSeconds, topics }, skipped };
}

/** The highest demand over the window: what CloudWatch holds and the current sample. */
export function peakOf(...samples: (number | null | undefined)[]): number | null {
  const known = samples.filter((s): s is number => s !== null && s !== undefined && Number.isFinite(s));
  return known.length > 0 ? Math.max(...known) : null;
}

/** capacity / peak demand; null without demand (an idle link has unbounded headroom, and CloudWatch takes no Infinity). */
export function headroom(capacityBytesPerSecond: number, peakDemandBytesPerSecond: number): number | null {
  return peakDemandBytesPerSecond > 0 ? capacityBytesPerSecond / peakDemandBytesPerSecond : null;
}

/** Seconds to drain the backlog with what the link has left over; NEVER_SECONDS when demand uses it all. */
export function catchUpEtaSeconds(backlogBytes: number, capacityBytesPerSecond: number, demandBytesPerSecond: number): number {
  if (backlogBytes <= 0) return 0;
  const spare = capacityBytesPerSecond - demandBytesPerSecond;
  return spare > 0 ? Math.min(backlogBytes / spare, NEVER_SECONDS) : NEVER_SECONDS;
}

/**
 * Bytes not yet replicated: each topic's unreplicated records (from MM2's offset syncs, as the
 * lag probe counts them) at the topic's average record size on the source (bytes on disk /
 * records held). Not source size − target size: the two sides differ by retention, segment
 * layout and MM2's producer compression, so that difference is not the backlog.
 */
export function backlogBytes(topics: readonly Pick<TopicLag, 'topic' | 'unreplicatedRecords'>[], source: ReadonlyMap<string, TopicTotals>): number {
  let total = 0;
  for (const t of topics) {
    const totals = source.get(t.topic);
    const held = totals ? totals.end - totals.start : 0n;
    if (t.unreplicatedRecords > 0n && totals && held > 0n) total += Number(t.unreplicatedRecords) * (Number(totals.bytes) / Number(held));
  }
  return total;
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const upper = sorted[Math.floor(sorted.length / 2)] ?? NaN;
  const lower = sorted[Math.ceil(sorted.length / 2) - 1] ?? NaN;
  return (lower + upper) / 2;
}

// ---- The link: RTT and a timed transfer from the source ----

/** Median time of a metadata request (the connection is already open). */
export async function metadataRttMs(admin: Admin, samples: number): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < samples; i++) {
    const started = performance.now();
    await admin.metadata({ topics: [], forceUpdate: true });
    times.push(performance.now() - started);
  }
  return median(times);
}

/**
 * Makes the link-probe topic hold at least `transferBytes` of incompressible records
 * (creating it once: 1 partition, kept forever) and returns the offset to read them from.
 * Produced once per source cluster; a larger transferBytes tops it up.
 */
export async function linkPayload(admin: Admin, kafka: Kafka, transferBytes: number): Promise<bigint> {
  const needed = BigInt(Math.ceil(transferBytes / LINK_PROBE_RECORD_BYTES));
  if (!(await admin.listTopics()).includes(LINK_PROBE_TOPIC)) {
    const config = [{ name: 'retention.ms', value: '-1' }, { name: 'retention.bytes', value: '-1' }, { name: 'cleanup.policy', value: 'delete' }];
    // Another flow from the same source may create it at the same time: re-check on failure.
    await admin.createTopics({ topics: [LINK_PROBE_TOPIC], partitions: 1, configs: config }).catch(async (err: unknown) => {
      if (!(await admin.listTopics()).includes(LINK_PROBE_TOPIC)) throw err;
    });
  }
  const held = async () => {
    const [state] = await partitionStates(admin, [LINK_PROBE_TOPIC]);
    return state ? { from: state.latest - needed, count: state.latest - state.earliest } : { from: 0n, count: 0n };
  };
  const before = await held();
  if (before.count >= needed) return before.from;
  const producer = kafka.producer({ allowAutoTopicCreation: false });
  await producer.connect();
  try {
    // One record per request: a batch must stay under the broker's message.max.bytes.
    for (let i = before.count; i < needed; i++) {
      await producer.send({ topic: LINK_PROBE_TOPIC, acks: -1, messages: [{ value: randomBytes(LINK_PROBE_RECORD_BYTES) }] });
    }
  } finally {
    await producer.disconnect();
  }
  return (await held()).from;
}

export interface Transfer {
  /** Payload bytes received. */
  bytes: number;
  ms: number;
  bytesPerSecond: number;
  /** False when the time budget ran out first (the rate is still what was achieved). */
  complete: boolean;
}

/**
 * Reads `bytes` of the link-probe topic from `from` with plain Fetch requests to the
 * partition leader (no consumer group), timing only the fetches: metadata and connection
 * set-up happen before the clock starts, so RTT and TLS/SASL handshakes are not counted.
 */
export async function timedTransfer(fetcher: Consumer, from: bigint, bytes: number, timeoutMs: number): Promise<Transfer> {
  const topic = (await fetcher.metadata({ topics: [LINK_PROBE_TOPIC], forceUpdate: true })).topics.get(LINK_PROBE_TOPIC);
  const leader = topic?.partitions[0]?.leader;
  if (!topic || leader === undefined || leader < 0) throw new Error(`${LINK_PROBE_TOPIC} has no leader`);
  await fetcher.connectToBrokers([leader]);
  let offset = from;
  let received = 0;
  const started = performance.now();
  while (received < bytes && performance.now() - started < timeoutMs) {
    const partitionMaxBytes = Math.min(bytes - received, MAX_FETCH_BYTES);
    const response = await fetcher.fetch({
      node: leader,
      topics: [{ topicId: topic.id, partitions: [{ partition: 0, fetchOffset: offset, partitionMaxBytes, currentLeaderEpoch: -1, lastFetchedEpoch: -1 }] }],
      maxBytes: MAX_FETCH_BYTES,
      minBytes: 1,
      maxWaitTime: 500,
    });
    const partition = response.responses[0]?.partitions[0];
    if (partition && partition.errorCode !== 0) throw new Error(`fetching ${LINK_PROBE_TOPIC} at offset ${offset}: Kafka error code ${partition.errorCode}`);
    const requested = offset;
    for (const batch of partition?.records ?? []) {
      for (const record of batch.records) {
        const recordOffset = batch.firstOffset + BigInt(record.offsetDelta);
        if (recordOffset < offset) continue; // a batch may begin before the requested offset
        received += record.value?.length ?? 0;
        offset = recordOffset + 1n;
      }
    }
    if (offset === requested) throw new Error(`no records in ${LINK_PROBE_TOPIC} at offset ${offset}`);
  }
  const ms = performance.now() - started;
  return { bytes: received, ms, bytesPerSecond: received / (ms / 1000), complete: received >= bytes };
}

// ---- One run ----

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

export interface BandwidthProbeClients {
  kafka: (cluster: string) => Promise<Kafka>;
  admin: (cluster: string) => Promise<Admin>;
  /** Group-less fetchers (estateFetchers in kafka/connection.ts). */
  fetcher: (cluster: string) => Promise<Consumer>;
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

export async function runBandwidthProbe(flow: FlowConfig, clients: BandwidthProbeClients, options: BandwidthProbeOptions): Promise<BandwidthReport> {
  const now = options.now ?? Date.now;
  const policy = ReplicationPolicy.of(flow);
  const report = emptyBandwidthReport(flowName(flow), now());
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
  const topics = source ? await attempt(`listing topics on ${flow.source}`, () => sourceTopics(source, flow, policy)) : undefined;
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
      const syncs = await readOffsetSyncs(await clients.kafka(syncsCluster), policy.offsetSyncsTopic(flow.target));
      const lag = flowLag(flow, sourceSide.states, targetSide.states, syncs);
      report.backlog = { records: lag.unreplicatedRecords, bytes: backlogBytes(lag.topics, sourceSide.snapshot.topics) };
    });
  }

  // The link, measured from here (the control plane, beside the target) to the source.
  if (source) {
    report.rttMs = (await attempt(`RTT to ${flow.source}`, () => metadataRttMs(source, options.rttSamples ?? 5))) ?? null;
    report.capacity =
      (await attempt(`timed transfer from ${flow.source}`, async () => {
        const from = await linkPayload(source, await clients.kafka(flow.source), options.transferBytes);
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
