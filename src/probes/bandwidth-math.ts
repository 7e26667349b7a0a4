// The bandwidth probe's arithmetic, pure: per-topic totals and deltas between two
// snapshots, rates, peak, headroom, backlog and catch-up ETA.
import { NEVER_SECONDS } from '#src/metrics';
import { partitionKey, type PartitionState } from '#src/kafka/partition-state';
import type { TopicLag } from './lag-probe';
import type { SideSnapshot, TopicTotals } from './probe-state';

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
