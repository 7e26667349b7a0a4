// Reads MM2's compacted internal topics the way compaction means them: from the log
// start to the end captured when the read began, keeping the newest record per key.
import type { Kafka } from 'kafkajs';
import { partitionKey } from '../kafka/partition-state';
import { partitionEnds, readRanges, wholeTopic } from '../kafka/topic-reader';
import { decodeCheckpoint, decodeOffsetSync, type Checkpoint, type OffsetSync } from './records';

async function newestPerKey<T>(kafka: Kafka, topic: string, decode: (key: Buffer | null, value: Buffer) => T, keyOf: (record: T) => string): Promise<Map<string, T & { recordTimestamp: number }>> {
  const admin = kafka.admin();
  await admin.connect();
  const ends = await partitionEnds(admin, topic).finally(() => admin.disconnect());
  const newest = new Map<string, T & { recordTimestamp: number }>();
  await readRanges(kafka, topic, wholeTopic(ends), (_, m) => {
    if (m.value === null) return; // a tombstone: MM2 never writes them, compaction might keep one
    const record = decode(m.key, m.value);
    newest.set(keyOf(record), { ...record, recordTimestamp: Number(m.timestamp) });
  });
  return newest;
}

/** Newest offset sync per source partition, keyed by partitionKey(sourceTopic, partition). */
export function readOffsetSyncs(kafka: Kafka, topic: string): Promise<Map<string, OffsetSync & { recordTimestamp: number }>> {
  return newestPerKey(kafka, topic, decodeOffsetSync, (s) => partitionKey(s.topic, s.partition));
}

/** Newest checkpoint per (group, target topic, partition); recordTimestamp is when MM2 emitted it. */
export function readCheckpoints(kafka: Kafka, topic: string): Promise<Map<string, Checkpoint & { recordTimestamp: number }>> {
  return newestPerKey(kafka, topic, decodeCheckpoint, (c) => `${c.group}\u0000${partitionKey(c.topic, c.partition)}`);
}
