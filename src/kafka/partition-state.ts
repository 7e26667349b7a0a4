// Per-partition positions of many topics in a constant number of round trips: one
// Metadata request, then one ListOffsets request per broker and kind (log end, log start,
// max timestamp) covering every partition. A probe must not make a round trip per partition.
import { FetchIsolationLevels, type Admin, type FetchIsolationLevelValue } from '@platformatic/kafka';

/** Kafka's ListOffsets special timestamps. */
const LATEST = -1n;
const EARLIEST = -2n;
/** KIP-734 (Kafka 3.0+): the offset and timestamp of the record with the highest timestamp. */
const MAX_TIMESTAMP = -3n;
/** A timestamp query for 0 answers with the first record and its timestamp. */
const FIRST_RECORD = 0n;

export interface PartitionState {
  topic: string;
  partition: number;
  earliest: bigint;
  latest: bigint;
  /** Highest record timestamp in the partition (epoch ms), null when it holds no record. */
  newestTimestamp: number | null;
}

export const partitionKey = (topic: string, partition: number) => `${topic}\u0000${partition}`;

/** A topic's partition count and its smallest replication factor. */
export interface TopicLayout {
  partitions: number;
  replicationFactor: number;
}

/** Layouts of the given topics that exist (missing topics are left out), or of every non-internal topic when none are given: one Metadata request. */
export async function topicLayouts(admin: Admin, topics?: readonly string[]): Promise<Map<string, TopicLayout>> {
  // A Metadata request naming a missing topic fails as a whole ("Unknown topic"): ask only for existing ones.
  const existing = await admin.listTopics({ includeInternals: topics !== undefined });
  const known = new Set(existing);
  const present = topics ? topics.filter((t) => known.has(t)) : existing;
  if (present.length === 0) return new Map();
  const metadata = await admin.metadata({ topics: present, forceUpdate: true });
  return new Map([...metadata.topics].map(([name, t]) => [name, { partitions: t.partitionsCount, replicationFactor: Math.min(...t.partitions.map((p) => p.replicas.length)) }]));
}

/** Partition counts of the given topics that exist (missing topics are left out). */
export async function partitionCounts(admin: Admin, topics: readonly string[]): Promise<Map<string, number>> {
  if (topics.length === 0) return new Map();
  return new Map([...(await topicLayouts(admin, topics))].map(([name, layout]) => [name, layout.partitions]));
}

async function listOffsets(admin: Admin, partitions: Map<string, number[]>, timestamp: bigint, isolationLevel: FetchIsolationLevelValue = FetchIsolationLevels.READ_UNCOMMITTED): Promise<Map<string, { offset: bigint; timestamp: bigint }>> {
  const topics = [...partitions].map(([name, ps]) => ({ name, partitions: ps.map((p) => ({ partitionIndex: p, timestamp })) }));
  const result = await admin.listOffsets({ topics, isolationLevel });
  const out = new Map<string, { offset: bigint; timestamp: bigint }>();
  for (const t of result) for (const p of t.partitions) out.set(partitionKey(t.name, p.partitionIndex), { offset: p.offset, timestamp: p.timestamp });
  return out;
}

export interface PartitionStateOptions {
  /**
   * `latest` is the last stable offset (below the first open transaction's records, equal to
   * the high watermark when none is open): the end a read_committed reader can reach.
   */
  readCommitted?: boolean;
}

export async function partitionStates(admin: Admin, topics: readonly string[], options: PartitionStateOptions = {}): Promise<PartitionState[]> {
  const counts = await partitionCounts(admin, topics);
  if (counts.size === 0) return [];
  const all = new Map([...counts].map(([topic, n]) => [topic, Array.from({ length: n }, (_, p) => p)]));
  const [latest, earliest, newest] = await Promise.all([
    listOffsets(admin, all, LATEST, options.readCommitted ? FetchIsolationLevels.READ_COMMITTED : FetchIsolationLevels.READ_UNCOMMITTED),
    listOffsets(admin, all, EARLIEST),
    listOffsets(admin, all, MAX_TIMESTAMP),
  ]);
  const states: PartitionState[] = [];
  for (const [topic, n] of counts) {
    for (let partition = 0; partition < n; partition++) {
      const key = partitionKey(topic, partition);
      const end = latest.get(key)?.offset ?? 0n;
      const start = earliest.get(key)?.offset ?? 0n;
      const ts = newest.get(key)?.timestamp;
      states.push({ topic, partition, earliest: start, latest: end, newestTimestamp: end > start && ts !== undefined && ts >= 0n ? Number(ts) : null });
    }
  }
  return states;
}

/** Timestamp of the first record of each given partition (epoch ms); absent for empty partitions. */
export async function firstRecordTimestamps(admin: Admin, partitions: readonly { topic: string; partition: number }[]): Promise<Map<string, number>> {
  const byTopic = new Map<string, number[]>();
  for (const p of partitions) byTopic.set(p.topic, [...(byTopic.get(p.topic) ?? []), p.partition]);
  const found = byTopic.size === 0 ? new Map() : await listOffsets(admin, byTopic, FIRST_RECORD);
  return new Map([...found].filter(([, v]) => v.offset >= 0n && v.timestamp >= 0n).map(([k, v]) => [k, Number(v.timestamp)]));
}

/** Bytes on disk per partition (leader replicas), from one DescribeLogDirs request per broker. */
export async function partitionSizes(admin: Admin, counts: Map<string, number>): Promise<Map<string, bigint>> {
  const topics = [...counts].map(([name, n]) => ({ name, partitions: Array.from({ length: n }, (_, p) => p) }));
  const sizes = new Map<string, bigint>();
  if (topics.length === 0) return sizes;
  for (const broker of await admin.describeLogDirs({ topics })) {
    for (const dir of broker.results) {
      for (const t of dir.topics) {
        for (const p of t.partitions) {
          const key = partitionKey(t.name, p.partitionIndex);
          // With replication each replica reports; the largest is the leader's (or an equal follower's).
          if ((sizes.get(key) ?? -1n) < p.partitionSize) sizes.set(key, p.partitionSize);
        }
      }
    }
  }
  return sizes;
}
