// Reads MM2's compacted internal topics the way compaction means them: from the log
// start to the end captured when the read began, keeping the newest record per key.
import type { Consumer } from '@platformatic/kafka';
import { partitionKey } from '#src/kafka/partition-state';
import { readWholeTopic } from '#src/kafka/topic-reader';
import { decodeCheckpoint, decodeOffsetSync, type Checkpoint, type OffsetSync } from './records';

/** Every record of the topic up to its end when the read began, decoded, in offset order per partition. */
async function readAll<T>(fetcher: Consumer, topic: string, decode: (key: Buffer | null, value: Buffer) => T, onRecord: (record: T & { recordTimestamp: number }) => void): Promise<void> {
  await readWholeTopic(fetcher, topic, (_, r) => {
    if (r.value === null) return; // a tombstone: MM2 never writes them, compaction might keep one
    onRecord({ ...decode(r.key, r.value), recordTimestamp: Number(r.timestamp) });
  });
}

async function newestPerKey<T>(fetcher: Consumer, topic: string, decode: (key: Buffer | null, value: Buffer) => T, keyOf: (record: T) => string): Promise<Map<string, T & { recordTimestamp: number }>> {
  const newest = new Map<string, T & { recordTimestamp: number }>();
  await readAll(fetcher, topic, decode, (record) => newest.set(keyOf(record), record));
  return newest;
}

/** Newest offset sync per source partition, keyed by partitionKey(sourceTopic, partition). */
export function readOffsetSyncs(fetcher: Consumer, topic: string): Promise<Map<string, OffsetSync & { recordTimestamp: number }>> {
  return newestPerKey(fetcher, topic, decodeOffsetSync, (s) => partitionKey(s.topic, s.partition));
}

/**
 * Every offset sync still in the log per source partition (keyed by partitionKey), oldest
 * first: compaction has not yet removed the older ones, and a consumer group that lags
 * behind the newest sync needs an older one to translate its position exactly.
 */
export async function readOffsetSyncHistory(fetcher: Consumer, topic: string): Promise<Map<string, OffsetSync[]>> {
  const history = new Map<string, OffsetSync[]>();
  await readAll(fetcher, topic, decodeOffsetSync, (sync) => {
    const key = partitionKey(sync.topic, sync.partition);
    const syncs = history.get(key);
    if (syncs) syncs.push(sync);
    else history.set(key, [sync]);
  });
  return history;
}

/** Newest checkpoint per (group, target topic, partition); recordTimestamp is when MM2 emitted it. */
export function readCheckpoints(fetcher: Consumer, topic: string): Promise<Map<string, Checkpoint & { recordTimestamp: number }>> {
  return newestPerKey(fetcher, topic, decodeCheckpoint, (c) => `${c.group}\u0000${partitionKey(c.topic, c.partition)}`);
}
