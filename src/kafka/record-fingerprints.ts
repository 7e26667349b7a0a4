// What a record is, independent of the cluster it sits on: MM2 copies timestamp, key,
// value and headers unchanged, so equal fingerprints at two offsets on two clusters say "this is the
// same record". Reads single records by offset with group-less Fetch requests, one request
// per broker per round covering many partitions.
import { createHash } from 'node:crypto';
import type { Consumer } from '@platformatic/kafka';
import { partitionKey } from './partition-state';
import { fetchPositions, OFFSET_OUT_OF_RANGE } from './fetch-positions';

export interface RecordPosition {
  topic: string;
  partition: number;
  offset: bigint;
}

/** sha256 over timestamp, key, value and headers; null and empty stay distinct. */
export type Fingerprint = string;

const CONTROL_BATCH = 0x20;
/** Enough for the batch holding one record in all but pathological topics; the broker returns at least one batch anyway. */
const PARTITION_MAX_BYTES = 256 * 1024;

export const positionKey = (p: RecordPosition) => `${partitionKey(p.topic, p.partition)}\u0000${p.offset}`;

function fingerprint(timestamp: bigint, key: Buffer | null, value: Buffer | null, headers: [Buffer | null, Buffer | null][]): Fingerprint {
  const hash = createHash('sha256');
  hash.update(timestamp.toString());
  for (const part of [key, value, ...headers.flat()]) {
    hash.update(part === null ? 'N' : `B${part.length}:`);
    if (part) hash.update(part);
  }
  return hash.digest('hex');
}

/**
 * The fingerprint of the record at each position, keyed by positionKey; absent when no
 * record sits exactly there (compacted away, a transaction marker, beyond the end).
 */
export async function fingerprintsAt(fetcher: Consumer, positions: readonly RecordPosition[]): Promise<Map<string, Fingerprint>> {
  const found = new Map<string, Fingerprint>();
  // A Fetch asks for one offset per partition: distinct offsets of one partition go in successive rounds.
  const perPartition = new Map<string, RecordPosition[]>();
  for (const p of positions) {
    const key = partitionKey(p.topic, p.partition);
    const list = perPartition.get(key);
    if (!list) perPartition.set(key, [p]);
    else if (!list.some((q) => q.offset === p.offset)) list.push(p);
  }
  const topics = [...new Set(positions.map((p) => p.topic))];
  if (topics.length === 0) return found;
  const metadata = await fetcher.metadata({ topics, forceUpdate: true });
  const topicId = (topic: string) => {
    const id = metadata.topics.get(topic)?.id;
    if (id === undefined) throw new Error(`topic ${topic} is missing: cannot read records from it`);
    return id;
  };
  for (let round = 0; ; round++) {
    const wanted = [...perPartition.values()].flatMap((list) => list.slice(round, round + 1));
    if (wanted.length === 0) return found;
    const byLeader = new Map<number, RecordPosition[]>();
    for (const p of wanted) {
      const leader = metadata.topics.get(p.topic)?.partitions[p.partition]?.leader;
      if (leader === undefined || leader < 0) throw new Error(`partition ${p.topic}-${p.partition} has no leader: cannot read the record at offset ${p.offset}`);
      byLeader.set(leader, [...(byLeader.get(leader) ?? []), p]);
    }
    await Promise.all(
      [...byLeader].map(async ([node, list]) => {
        const response = await fetchPositions(fetcher, {
          node,
          topics: [...new Set(list.map((p) => p.topic))].map((topic) => ({
            topicId: topicId(topic),
            partitions: list
              .filter((p) => p.topic === topic)
              .map((p) => ({ partition: p.partition, fetchOffset: p.offset, partitionMaxBytes: PARTITION_MAX_BYTES, currentLeaderEpoch: -1, lastFetchedEpoch: -1 })),
          })),
          maxBytes: PARTITION_MAX_BYTES * list.length,
          minBytes: 1,
          maxWaitTime: 100,
        });
        const names = new Map([...metadata.topics].map(([name, t]) => [t.id, name]));
        for (const t of response.responses) {
          const topic = names.get(t.topicId);
          if (topic === undefined) continue;
          for (const part of t.partitions) {
            const target = list.find((p) => p.topic === topic && p.partition === part.partitionIndex);
            if (!target) continue;
            // Out of range: the offset is before the log start or after the end, so there is no record there.
            if (part.errorCode !== 0 && part.errorCode !== OFFSET_OUT_OF_RANGE) throw new Error(`reading ${topic}-${part.partitionIndex} at offset ${target.offset}: Kafka error code ${part.errorCode}`);
            for (const batch of part.records ?? []) {
              if (batch.attributes & CONTROL_BATCH) continue;
              for (const record of batch.records) {
                if (batch.firstOffset + BigInt(record.offsetDelta) === target.offset) {
                  found.set(positionKey(target), fingerprint(batch.firstTimestamp + record.timestampDelta, record.key, record.value, record.headers));
                }
              }
            }
          }
        }
      }),
    );
  }
}
