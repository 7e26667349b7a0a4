// Reads a bounded slice of a topic: each partition from a start offset up to the end
// offset captured when the read began, then stops. Used for MM2's compacted internal
// topics (checkpoints, offset syncs, heartbeats), where "the newest value per key" is
// what matters and the read must not wait for records that will never come.
import { randomUUID } from 'node:crypto';
import type { Admin, Kafka, KafkaMessage } from 'kafkajs';

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
  latest: bigint;
}

export async function partitionEnds(admin: Admin, topic: string): Promise<PartitionEnds[]> {
  const offsets = await admin.fetchTopicOffsets(topic);
  return offsets
    .map((o) => ({ partition: o.partition, earliest: BigInt(o.low), latest: BigInt(o.high) }))
    .sort((a, b) => a.partition - b.partition);
}

/** Every record currently in the topic. */
export function wholeTopic(ends: PartitionEnds[]): PartitionRange[] {
  return ends.map((e) => ({ partition: e.partition, from: e.earliest, to: e.latest }));
}

/** The newest `count` records of each partition (fewer where the partition holds fewer). */
export function newestRecords(ends: PartitionEnds[], count: bigint): PartitionRange[] {
  return ends.map((e) => ({ partition: e.partition, from: e.latest - count > e.earliest ? e.latest - count : e.earliest, to: e.latest }));
}

export interface ReadOptions {
  timeoutMs?: number;
}

/**
 * Delivers every record in the ranges, in offset order per partition. `ranges` should
 * cover every partition of the topic (empty ranges for those to skip). Uses a throwaway
 * consumer group that never commits (kafkajs has no assign()); its name starts with
 * `kafka-dr-reader-` so MM2 can exclude it (groups.exclude).
 */
export async function readRanges(
  kafka: Kafka,
  topic: string,
  ranges: PartitionRange[],
  onRecord: (partition: number, message: KafkaMessage) => void,
  options: ReadOptions = {},
): Promise<void> {
  const pending = new Map(ranges.filter((r) => r.to > r.from).map((r) => [r.partition, r]));
  if (pending.size === 0) return;
  const timeoutMs = options.timeoutMs ?? 30000;
  const consumer = kafka.consumer({ groupId: `kafka-dr-reader-${randomUUID()}`, maxWaitTimeInMs: 200, allowAutoTopicCreation: false });
  let finish: () => void = () => undefined;
  const done = new Promise<void>((resolve) => (finish = resolve));
  try {
    await consumer.connect();
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachBatch: async ({ batch }) => {
        const range = pending.get(batch.partition);
        if (!range) return;
        for (const message of batch.messages) {
          const offset = BigInt(message.offset);
          if (offset >= range.from && offset < range.to) onRecord(batch.partition, message);
        }
        if (BigInt(batch.lastOffset()) + 1n >= range.to) {
          pending.delete(batch.partition);
          consumer.pause([{ topic, partitions: [batch.partition] }]);
          if (pending.size === 0) finish();
        }
      },
    });
    const idle = ranges.map((r) => r.partition).filter((p) => !pending.has(p));
    if (idle.length > 0) consumer.pause([{ topic, partitions: idle }]);
    for (const range of pending.values()) consumer.seek({ topic, partition: range.partition, offset: range.from.toString() });
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`reading ${topic} timed out after ${timeoutMs} ms with partitions ${[...pending.keys()].join(', ')} unfinished`)),
        timeoutMs,
      );
    });
    try {
      await Promise.race([done, timedOut]);
    } finally {
      clearTimeout(timer);
    }
  } finally {
    await consumer.disconnect();
  }
}
