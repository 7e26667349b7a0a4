// Reads partitions' records from chosen offsets up to chosen ends with group-less
// read_committed Fetch requests (one per leader per round, covering every partition it
// leads), keeping each record as the backup stores it, and accounting for every offset
// that holds no record: a backup must say why an offset is missing, never skip it silently.
import { FetchIsolationLevels, IS_CONTROL, IS_TRANSACTIONAL, type Consumer, type KafkaRecord, type RecordsBatch } from '@platformatic/kafka';
import { fetchPositions, OFFSET_OUT_OF_RANGE } from './fetch-positions';
import type { Gap } from '#src/backup/manifest';
import type { BackupRecord } from '#src/backup/segment';

/** Batch attribute bit 3: the broker stamped the batch's records with its log append time. */
const LOG_APPEND_TIME = 0x08;
/** ListOffsets' special timestamp for the log start offset. */
const EARLIEST = -2n;
/**
 * Moderate reads: the client decodes a response in one piece, and 32 MB responses measured
 * slower per byte than 8 MB ones, which also let the next Fetch overlap this one's encoding
 * (bench/backup.bench.ts). A batch larger than this still arrives whole when read alone.
 */
const PARTITION_MAX_BYTES = 1024 * 1024;
const REQUEST_MAX_BYTES = 8 * 1024 * 1024;

export interface PartitionPosition {
  topic: string;
  partition: number;
  /** The first offset to read. */
  offset: bigint;
  /** Where the read ends (exclusive). */
  end: bigint;
}

export type GapReason = Gap['reason'];

export interface OffsetGap {
  from: bigint;
  to: bigint;
  reason: GapReason;
}

export interface PartitionRead {
  /** Records in offset order, all in [offset, end). */
  records: BackupRecord[];
  /** Offsets in [offset, next) that hold no record, in order. */
  gaps: OffsetGap[];
  /** The offset to read from next: `end` once the partition is read to its end. */
  next: bigint;
}

export const positionKey = (topic: string, partition: number) => `${topic}/${partition}`;

function toBackupRecord(batch: RecordsBatch, record: KafkaRecord): BackupRecord {
  const logAppend = (batch.attributes & LOG_APPEND_TIME) !== 0;
  return {
    offset: batch.firstOffset + BigInt(record.offsetDelta),
    // With log append time the broker rewrites only the batch's max timestamp (as Kafka's own consumer reads it).
    timestamp: logAppend ? batch.maxTimestamp : batch.firstTimestamp + record.timestampDelta,
    timestampType: logAppend ? 'log-append' : 'create',
    key: record.key,
    value: record.value,
    headers: record.headers.map(([name, value]) => [name?.toString('utf8') ?? '', value]),
  };
}

/** Offsets missing from the records, grouped into contiguous runs of one reason. */
class GapList {
  readonly gaps: OffsetGap[] = [];
  constructor(private readonly end: bigint) {}

  add(from: bigint, to: bigint, reason: GapReason): void {
    if (to > this.end) to = this.end;
    if (to <= from) return;
    const last = this.gaps[this.gaps.length - 1];
    if (last && last.to === from && last.reason === reason) last.to = to;
    else this.gaps.push({ from, to, reason });
  }
}

interface FetchedPartition {
  errorCode: number;
  abortedTransactions: { producerId: bigint; firstOffset: bigint }[] | null;
  records?: RecordsBatch[] | null;
}

export class PartitionReader {
  private constructor(
    private readonly fetcher: Consumer,
    private readonly topicIds: Map<string, string>,
    private readonly leaders: Map<string, number>,
    /** Topics whose cleanup.policy includes compact: a hole in their records is compaction's work. */
    private readonly compacted: ReadonlySet<string>,
  ) {}

  static async open(fetcher: Consumer, topics: readonly string[], compacted: ReadonlySet<string>): Promise<PartitionReader> {
    const metadata = await fetcher.metadata({ topics: [...topics], forceUpdate: true });
    const topicIds = new Map<string, string>();
    const leaders = new Map<string, number>();
    for (const topic of topics) {
      const t = metadata.topics.get(topic);
      if (!t) throw new Error(`topic ${topic} is missing from the cluster: it was deleted after the backup started; re-run the backup (a new run leaves it out)`);
      topicIds.set(topic, t.id);
      t.partitions.forEach((p, partition) => leaders.set(positionKey(topic, partition), p.leader));
    }
    return new PartitionReader(fetcher, topicIds, leaders, compacted);
  }

  /**
   * One round: every position read once from its offset (one Fetch per leader, in parallel).
   * A position whose Fetch returned nothing is read again alone, where the broker must return
   * at least one batch however large: nothing then means the rest up to `end` holds no record.
   */
  async read(positions: readonly PartitionPosition[]): Promise<Map<string, PartitionRead>> {
    const results = new Map<string, PartitionRead>();
    const pending = positions.filter((p) => p.offset < p.end);
    for (const p of positions) if (p.offset >= p.end) results.set(positionKey(p.topic, p.partition), { records: [], gaps: [], next: p.end });
    const byLeader = new Map<number, PartitionPosition[]>();
    for (const p of pending) {
      const leader = this.leaders.get(positionKey(p.topic, p.partition));
      if (leader === undefined || leader < 0) throw new Error(`partition ${p.topic}-${p.partition} has no leader: cannot read it from offset ${p.offset}; retry when the cluster has elected one`);
      byLeader.set(leader, [...(byLeader.get(leader) ?? []), p]);
    }
    await Promise.all(
      [...byLeader].map(async ([leader, list]) => {
        const fetched = await this.fetch(leader, list);
        for (const p of list) {
          const key = positionKey(p.topic, p.partition);
          let read = await this.interpret(p, fetched.get(key), list.length === 1);
          if (read.next === p.offset && list.length > 1) read = await this.interpret(p, (await this.fetch(leader, [p])).get(key), true);
          results.set(key, read);
        }
      }),
    );
    return results;
  }

  private async fetch(node: number, list: readonly PartitionPosition[]): Promise<Map<string, FetchedPartition>> {
    const topics = [...new Set(list.map((p) => p.topic))];
    const response = await fetchPositions(this.fetcher, {
      node,
      isolationLevel: FetchIsolationLevels.READ_COMMITTED,
      topics: topics.map((topic) => ({
        topicId: this.topicIds.get(topic) ?? topic,
        partitions: list
          .filter((p) => p.topic === topic)
          .map((p) => ({ partition: p.partition, fetchOffset: p.offset, partitionMaxBytes: PARTITION_MAX_BYTES, currentLeaderEpoch: -1, lastFetchedEpoch: -1 })),
      })),
      maxBytes: REQUEST_MAX_BYTES,
      minBytes: 1,
      maxWaitTime: 200,
    });
    const names = new Map([...this.topicIds].map(([name, id]) => [id, name]));
    const out = new Map<string, FetchedPartition>();
    for (const t of response.responses) {
      const topic = names.get(t.topicId);
      if (topic !== undefined) for (const p of t.partitions) out.set(positionKey(topic, p.partitionIndex), p);
    }
    return out;
  }

  private async logStartOffset(topic: string, partition: number): Promise<bigint> {
    const offsets = await this.fetcher.listOffsets({ topics: [topic], partitions: { [topic]: [partition] }, timestamp: EARLIEST });
    const start = offsets.get(topic)?.[partition];
    if (start === undefined) throw new Error(`partition ${topic}-${partition}: ListOffsets returned no log start offset`);
    return start;
  }

  /** `alone`: the Fetch named this partition only, so an empty answer means no record up to `end`. */
  private async interpret(p: PartitionPosition, fetched: FetchedPartition | undefined, alone = false): Promise<PartitionRead> {
    const where = `partition ${p.topic}-${p.partition} at offset ${p.offset}`;
    const gaps = new GapList(p.end);
    if (fetched?.errorCode === OFFSET_OUT_OF_RANGE) {
      // Retention deleted records after the backup planned to read them.
      const start = await this.logStartOffset(p.topic, p.partition);
      if (start <= p.offset) throw new Error(`${where}: the broker says the offset is out of range, but the log starts at ${start}; retry the backup`);
      gaps.add(p.offset, start, 'retention');
      return { records: [], gaps: gaps.gaps, next: start < p.end ? start : p.end };
    }
    if (fetched && fetched.errorCode !== 0) throw new Error(`reading ${where}: Kafka error code ${fetched.errorCode}; retry the backup`);
    const compacted = this.compacted.has(p.topic);
    const aborted = [...(fetched?.abortedTransactions ?? [])].sort((a, b) => (a.firstOffset < b.firstOffset ? -1 : 1));
    // Transactions near a hole explain it (the client drops aborted batches before we see them).
    let transactional = aborted.length > 0;
    const hole = (): GapReason => (transactional ? 'transaction-markers' : compacted ? 'compaction' : 'unknown');
    const abortedProducers = new Set<bigint>();
    const records: BackupRecord[] = [];
    let expected = p.offset;
    for (const batch of fetched?.records ?? []) {
      const last = batch.firstOffset + BigInt(batch.lastOffsetDelta);
      if (last < expected) continue;
      if (batch.firstOffset >= p.end) break;
      for (let a = aborted[0]; a && a.firstOffset <= last; a = aborted[0]) {
        abortedProducers.add(a.producerId);
        aborted.shift();
      }
      const control = (batch.attributes & IS_CONTROL) !== 0;
      transactional ||= control || (batch.attributes & IS_TRANSACTIONAL) !== 0;
      if (control || ((batch.attributes & IS_TRANSACTIONAL) !== 0 && abortedProducers.has(batch.producerId))) {
        // A commit or abort marker, or records of an aborted transaction: offsets no consumer reads.
        const abortMarker = control && batch.records[0]?.key?.readInt16BE(2) === 0;
        if (abortMarker) abortedProducers.delete(batch.producerId);
        gaps.add(expected, batch.firstOffset, hole());
        gaps.add(batch.firstOffset > expected ? batch.firstOffset : expected, last + 1n, 'transaction-markers');
        expected = last + 1n < p.end ? last + 1n : p.end;
        continue;
      }
      for (const record of batch.records) {
        const offset = batch.firstOffset + BigInt(record.offsetDelta);
        if (offset < expected) continue;
        if (offset >= p.end) break;
        gaps.add(expected, offset, hole());
        records.push(toBackupRecord(batch, record));
        expected = offset + 1n;
      }
      // The batch keeps its offset range when compaction removes its last records.
      gaps.add(expected, last + 1n, hole());
      if (last + 1n > expected) expected = last + 1n < p.end ? last + 1n : p.end;
    }
    if (expected === p.offset && alone) {
      // Nothing from here to the end: a compacted or transactional tail.
      gaps.add(expected, p.end, hole());
      expected = p.end;
    }
    return { records, gaps: gaps.gaps, next: expected };
  }
}
