// Reads a bounded slice of a topic: each partition from a start offset up to the end
// offset captured when the read began, then stops. Used for MM2's compacted internal
// topics (checkpoints, offset syncs, heartbeats), where "the newest value per key" is
// what matters and the read must not wait for records that will never come. Group-less
// Fetch requests: no consumer group is created, joined or rebalanced on the cluster.
import { FetchIsolationLevels, ListOffsetTimestamps, type Consumer } from '@platformatic/kafka';
import type { BackupRecord } from '#src/backup/segment';
import { PartitionReader, positionKey, type PartitionPosition } from './partition-records';

export interface PartitionRange {
  partition: number;
  /** First offset to read (inclusive). */
  from: bigint;
  /** End offset (exclusive): normally the high watermark when the read began. */
  to: bigint;
}

export interface PartitionEnds {
  partition: number;
  earliest: bigint;
  /** The last stable offset: the end a read_committed reader reaches. */
  latest: bigint;
}

export async function partitionEnds(fetcher: Consumer, topic: string): Promise<PartitionEnds[]> {
  const at = (timestamp: bigint) => fetcher.listOffsets({ topics: [topic], timestamp, isolationLevel: FetchIsolationLevels.READ_COMMITTED });
  const [earliest, latest] = await Promise.all([at(ListOffsetTimestamps.EARLIEST), at(ListOffsetTimestamps.LATEST)]);
  return (latest.get(topic) ?? []).map((end, partition) => ({ partition, earliest: earliest.get(topic)?.[partition] ?? 0n, latest: end }));
}

/** Every record currently in the topic. */
export function wholeTopic(ends: PartitionEnds[]): PartitionRange[] {
  return ends.map((e) => ({ partition: e.partition, from: e.earliest, to: e.latest }));
}

/** The newest `count` records of each partition (fewer where the partition holds fewer). */
export function newestRecords(ends: PartitionEnds[], count: bigint): PartitionRange[] {
  return ends.map((e) => ({ partition: e.partition, from: e.latest - count > e.earliest ? e.latest - count : e.earliest, to: e.latest }));
}

/** Every record the topic holds when the read begins (a compacted topic's current content, older values included). */
export async function readWholeTopic(fetcher: Consumer, topic: string, onRecord: (partition: number, record: BackupRecord) => void): Promise<void> {
  await readRanges(fetcher, topic, wholeTopic(await partitionEnds(fetcher, topic)), onRecord);
}

export interface ReadOptions {
  timeoutMs?: number;
}

/** Delivers every committed record in the ranges, in offset order per partition. */
export async function readRanges(
  fetcher: Consumer,
  topic: string,
  ranges: readonly PartitionRange[],
  onRecord: (partition: number, record: BackupRecord) => void,
  options: ReadOptions = {},
): Promise<void> {
  let pending: PartitionPosition[] = ranges.filter((r) => r.to > r.from).map((r) => ({ topic, partition: r.partition, offset: r.from, end: r.to }));
  if (pending.length === 0) return;
  const timeoutMs = options.timeoutMs ?? 30000;
  let timedOut = false;
  const read = async () => {
    // What it says about offsets without a record (compaction, markers) is not needed here.
    const reader = await PartitionReader.open(fetcher, [topic], new Set());
    while (pending.length > 0) {
      const reads = await reader.read(pending);
      if (timedOut) return;
      pending = pending.flatMap((p) => {
        const read = reads.get(positionKey(topic, p.partition));
        for (const record of read?.records ?? []) onRecord(p.partition, record);
        const next = read?.next ?? p.offset;
        return next < p.end ? [{ ...p, offset: next }] : [];
      });
    }
  };
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      timedOut = true;
      reject(new Error(`reading ${topic} timed out after ${timeoutMs} ms with partitions ${pending.map((p) => p.partition).join(', ')} unfinished`));
    }, timeoutMs);
  });
  try {
    await Promise.race([read(), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
