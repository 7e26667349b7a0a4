// Produces a batch of backed-up partitions into the target, each in offset order, segment
// by segment, to the same partition number, with key, value (null: tombstone), headers and
// timestamp (CreateTime) as backed up, headers in their order (null values included). Each
// produce request is one record batch encoded straight from the segment's payload
// (docs/backup-format.md, "From segment to record batch").
// Idempotent producer, acks=all, one batch in flight per partition: what lands in a target
// partition is always a prefix of the records the restore takes, so what it already produced
// is simply `end offset - base`, and a killed or timed-out copy resumes after exactly that
// many — no duplicate, no gap.
//
// A segment is verified whole before any record of it is produced; a corrupt one stops
// every partition of the batch and fails the restore (CorruptSegment).
import type { Admin, Producer } from '@platformatic/kafka';
import { RecordBatchProducer } from '#src/kafka/batch-producer';
import { partitionStates } from '#src/kafka/partition-state';
import { BATCH_OVERHEAD } from '#src/kafka/record-batch';
import { topicConfigs, type TopicConfigs } from '#src/kafka/topic-configs';
import { CorruptSegmentError, type SegmentRecords } from './segment';
import type { PartitionRef } from './restore-plan';
import { targetTopic } from './restore-request';
import { coverage, type RestoreSource } from './restore-source';
import { baseKey, type RestoreItem } from './restore-state';

/**
 * A batch of records, as the segment counts their bytes (a batch holds them in as many or
 * fewer: test/unit/record-batch.test.ts): under the brokers' default message.max.bytes
 * (1 MiB), and under the target topic's own, which its restored configuration may lower.
 */
const SEND_MAX_BYTES = 960 * 1024;

/** The bytes of records one batch to `configs`' topic may hold. */
function sendMaxBytes(configs: TopicConfigs | undefined): number {
  const limit = Number(configs?.effective['max.message.bytes']);
  return Number.isInteger(limit) && limit > 0 ? Math.max(1, Math.min(SEND_MAX_BYTES, limit - BATCH_OVERHEAD)) : SEND_MAX_BYTES;
}

export interface CopyClients {
  source: RestoreSource;
  item: RestoreItem;
  /** Clients of the target cluster. */
  admin: Admin;
  producer: Producer;
  /** True when the invocation must stop starting work (its Lambda deadline nears); each partition still makes one send. */
  outOfTime: () => boolean;
}

export interface PartitionCopy {
  topic: string;
  targetTopic: string;
  partition: number;
  /** Records produced by this invocation. */
  records: number;
  bytes: number;
  /** Segments read by this invocation. */
  segments: number;
  done: boolean;
}

export interface CopyResult {
  done: boolean;
  records: number;
  bytes: number;
  segments: number;
  partitions: PartitionCopy[];
}

/** The records in produce requests of at most `maxBytes` (a larger record goes alone), each with its bytes. */
function* sends(records: SegmentRecords, maxBytes: number): Generator<{ chunk: SegmentRecords; bytes: number }> {
  let from = 0;
  let bytes = 0;
  for (let i = 0; i < records.length; i++) {
    const size = records.size(i);
    if (i > from && bytes + size > maxBytes) {
      yield { chunk: records.slice(from, i), bytes };
      from = i;
      bytes = 0;
    }
    bytes += size;
  }
  if (records.length > from) yield { chunk: records.slice(from), bytes };
}

export async function copyPartitions(partitions: PartitionRef[], clients: CopyClients): Promise<CopyResult> {
  const { source, item } = clients;
  const request = item.request;
  const targets = [...new Set(partitions.map((p) => targetTopic(request, p.topic)))];
  const ends = new Map((await partitionStates(clients.admin, targets)).map((s) => [`${s.topic}/${s.partition}`, Number(s.latest)]));
  const configs = await topicConfigs(clients.admin, targets);
  const producer = await RecordBatchProducer.open(clients.producer);
  let stop = false;

  const copyOne = async ({ topic, partition }: PartitionRef): Promise<PartitionCopy> => {
    const target = targetTopic(request, topic);
    const maxBytes = sendMaxBytes(configs.get(target));
    const where = `${target} partition ${partition} on ${request.targetCluster}`;
    const progress: PartitionCopy = { topic, targetTopic: target, partition, records: 0, bytes: 0, segments: 0, done: false };
    const base = item.bases[baseKey(topic, partition)];
    const end = ends.get(`${target}/${partition}`);
    if (base === undefined) throw new Error(`restore ${item.restoreId} has no base for ${topic} partition ${partition}: its plan did not cover it; start the restore again with its input`);
    if (end === undefined || end < base) {
      throw new Error(
        `${where} ${end === undefined ? 'does not exist' : `ends at offset ${end}`}, below the offset ${base} it had when restore ${item.restoreId} began: the topic was deleted or recreated meanwhile. Delete it, delete item restore#${item.restoreId} from the backup state table, and restore again`,
      );
    }
    // Records of this restore already in the partition: the first `skip` the restore takes.
    let skip = end - base;
    const segments = source.partition(topic, partition).segments.filter((ref) => coverage(ref, source.pointInTime) !== 'none');
    // The next segment's object downloads while this one is produced (bytes only: decoded records are several times larger).
    let prefetched: { key: string; object: Promise<Buffer> } | undefined;
    for (const [i, ref] of segments.entries()) {
      if (coverage(ref, source.pointInTime) === 'all' && skip >= ref.recordCount) {
        skip -= ref.recordCount;
        continue;
      }
      if (stop || (progress.records > 0 && clients.outOfTime())) return progress;
      const object = prefetched?.key === ref.key ? prefetched.object : undefined;
      const next = segments[i + 1];
      prefetched = next && { key: next.key, object: source.fetch(next) };
      // Its failure is raised when it is used (or never, if the copy stops first).
      prefetched?.object.catch(() => undefined);
      let records: SegmentRecords;
      try {
        records = await source.restorableRecords(ref, object);
      } catch (err) {
        if (err instanceof CorruptSegmentError) stop = true;
        throw err;
      }
      progress.segments += 1;
      const rest = records.slice(Math.min(skip, records.length));
      skip -= records.length - rest.length;
      for (const { chunk, bytes } of sends(rest, maxBytes)) {
        if (stop || (progress.records > 0 && clients.outOfTime())) return progress;
        await producer.send(target, partition, chunk);
        progress.records += chunk.length;
        progress.bytes += bytes;
      }
    }
    if (skip > 0) {
      throw new Error(
        `${where} holds ${skip} records more past its base ${base} than restore ${item.restoreId} takes from the backup: something else produced into it during the restore; check the topic's records before using it`,
      );
    }
    progress.done = true;
    return progress;
  };

  const settled = await Promise.allSettled(partitions.map(copyOne));
  const failures = settled.flatMap((s) => (s.status === 'rejected' ? [s.reason as Error] : []));
  // A corrupt segment is the failure to report: it is why the other partitions stopped.
  if (failures.length) throw failures.find((f) => f instanceof CorruptSegmentError) ?? failures[0];
  const copied = settled.map((s) => (s as PromiseFulfilledResult<PartitionCopy>).value);
  return {
    done: copied.every((p) => p.done),
    records: copied.reduce((n, p) => n + p.records, 0),
    bytes: copied.reduce((n, p) => n + p.bytes, 0),
    segments: copied.reduce((n, p) => n + p.segments, 0),
    partitions: copied,
  };
}
