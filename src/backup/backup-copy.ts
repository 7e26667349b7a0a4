// The copy step: reads a batch of partitions from where the run left them towards the
// snapshot's end, concurrently, cutting segments by size and by timestamp span; each segment
// is uploaded under Object Lock, then the partition's progress moves past it by a
// conditional write. Near the Lambda deadline it uploads what it holds and returns
// done=false: the state machine invokes it again, and the next invocation starts where the
// recorded progress says.
import * as z from 'zod';
import { topicConfigs } from '#src/kafka/topic-configs';
import type { BackupRun, PartitionId, PartitionProgress } from './backup-state';
import type { BackupClients, SourceClients } from './backup-clients';
import { parseBackupInput } from './backup-input';
import { backupIdSchema, segmentKey, type Gap, type SegmentRef } from './manifest';
import { PartitionReader, positionKey, type OffsetGap, type PartitionPosition, type PartitionRead } from '#src/kafka/partition-records';
import { decodeSegment, encodedRecordSize, SegmentWriter } from './segment';

export const copyEventSchema = z
  .object({
    backupId: backupIdSchema,
    partitions: z.array(z.object({ topic: z.string().min(1), partition: z.number().int().min(0) }).strict()).min(1),
  })
  .loose();

export interface CopyResult {
  done: boolean;
  records: number;
  bytes: number;
  segments: number;
}

/**
 * Time kept back from the Lambda deadline to upload the last segment and record it: 15%,
 * at least 2 s (an S3 upload and a DynamoDB transaction on a loaded host took more than the
 * 0.75 s that 15% of a 5 s invocation leaves), at most 20 s.
 */
export function deadlineMargin(remainingMs: number): number {
  return Math.min(20_000, Math.max(2_000, 0.15 * remainingMs));
}

const SEGMENT_CONTENT_TYPE = 'application/vnd.kafka-dr.segment';
const toGap = (g: OffsetGap): Gap => ({ from: Number(g.from), to: Number(g.to), reason: g.reason });

/** One partition's copy: records read but not yet uploaded, and gaps found but not yet recorded. */
class PartitionCopy {
  /** The offset the progress item says (what is recorded). */
  private recorded: bigint;
  /** Where the next read starts. */
  private position: bigint;
  private readonly end: bigint;
  /** The open segment: records read and encoded, not yet uploaded. */
  private writer = new SegmentWriter();
  private gaps: OffsetGap[] = [];
  readonly copied = { records: 0, bytes: 0, segments: 0 };

  constructor(
    private readonly run: BackupRun,
    private readonly progress: PartitionProgress,
    private readonly clients: BackupClients,
    private readonly compacted: boolean,
  ) {
    this.recorded = BigInt(progress.nextOffset);
    this.position = this.recorded;
    this.end = BigInt(progress.endOffset);
  }

  get id(): PartitionId {
    return { topic: this.progress.topic, partition: this.progress.partition };
  }

  get readDone(): boolean {
    return this.position >= this.end;
  }

  get recordedDone(): boolean {
    return this.recorded >= this.end;
  }

  nextRead() {
    return { ...this.id, offset: this.position, end: this.end };
  }

  /**
   * Takes a read's records, cutting a segment before a record that would overflow it in bytes
   * or in time; past `stopAt` it leaves the rest of the read to the next invocation.
   */
  async take(read: PartitionRead, stopAt: number): Promise<void> {
    this.gaps.push(...read.gaps);
    const { maxBytes, maxAgeSeconds } = this.clients.backup.segment;
    const maxSpan = BigInt(maxAgeSeconds * 1000);
    for (const [i, record] of read.records.entries()) {
      // The first record is always taken: every invocation makes progress.
      if (i > 0 && Date.now() >= stopAt) {
        this.position = record.offset;
        this.gaps = this.gaps.filter((g) => g.from < record.offset);
        return;
      }
      const size = encodedRecordSize(record);
      const span = this.writer.span;
      if (span) {
        const min = record.timestamp < span.minTimestamp ? record.timestamp : span.minTimestamp;
        const max = record.timestamp > span.maxTimestamp ? record.timestamp : span.maxTimestamp;
        // An adopted segment moved the read position: the rest of this read is read again.
        if ((this.writer.bytes + size > maxBytes || max - min >= maxSpan) && (await this.record(record.offset)) === 'adopted') return;
      }
      this.writer.add(record, size);
    }
    this.position = read.next;
  }

  /** Uploads what is held and records everything read so far. */
  async flush(): Promise<void> {
    await this.record(this.position);
  }

  /** Uploads the held records as a segment, then moves the progress to `next` with the gaps below it. */
  private async record(next: bigint): Promise<'recorded' | 'adopted'> {
    const span = this.writer.span;
    if (!span && next === this.recorded) return 'recorded';
    let segment: SegmentRef | undefined;
    if (span) {
      const key = segmentKey(this.run.cluster, this.progress.topic, this.progress.partition, Number(span.firstOffset), this.run.backupId);
      const body = await this.writer.finish(this.clients.backup.compression);
      const retainUntil = await this.clients.bucket.putIfAbsent(key, body, SEGMENT_CONTENT_TYPE);
      if (!retainUntil) {
        await this.adopt(key, span.firstOffset);
        return 'adopted';
      }
      segment = {
        key,
        backupId: this.run.backupId,
        firstOffset: Number(span.firstOffset),
        lastOffset: Number(span.lastOffset),
        minTimestamp: Number(span.minTimestamp),
        maxTimestamp: Number(span.maxTimestamp),
        recordCount: this.writer.recordCount,
        bytes: body.length,
        uncompressedBytes: this.writer.bytes,
        retainUntil: retainUntil.toISOString(),
      };
    }
    const gaps = this.gaps.filter((g) => g.from < next);
    await this.clients.state.advance(this.run.backupId, this.id, Number(this.recorded), Number(next), segment, gaps.map(toGap));
    this.gaps = this.gaps.filter((g) => g.from >= next);
    this.recorded = next;
    this.count(segment);
    this.writer = new SegmentWriter();
    return 'recorded';
  }

  /**
   * The segment's key is taken: an invocation that died (or one still running) uploaded a
   * segment from the same offset without recording it. Its records are the partition's own,
   * so that object is recorded as it is, and reading continues after its last record.
   */
  private async adopt(key: string, firstOffset: bigint): Promise<void> {
    const stored = await this.clients.bucket.read(key);
    if (!stored) throw new Error(`segment s3://${this.clients.bucket.name}/${key} was refused as existing but cannot be read: retry the backup`);
    const { header, records } = decodeSegment(key, stored.body);
    if (header.firstOffset !== firstOffset) throw new Error(`segment s3://${this.clients.bucket.name}/${key} starts at offset ${header.firstOffset}, not ${firstOffset} as its key says: remove it (it is not listed in any manifest) and retry the backup`);
    const next = header.lastOffset + 1n;
    const gaps = this.gaps.filter((g) => g.from < next);
    // Beyond what this invocation read, the object's own offsets tell where records are missing.
    let expected = this.position;
    for (const r of records) {
      if (r.offset < expected) continue;
      if (r.offset > expected) gaps.push({ from: expected, to: r.offset, reason: this.compacted ? 'compaction' : 'unknown' });
      expected = r.offset + 1n;
    }
    const segment: SegmentRef = {
      key,
      backupId: this.run.backupId,
      firstOffset: Number(header.firstOffset),
      lastOffset: Number(header.lastOffset),
      minTimestamp: Number(header.minTimestamp),
      maxTimestamp: Number(header.maxTimestamp),
      recordCount: header.recordCount,
      bytes: stored.body.length,
      uncompressedBytes: records.reduce((n, r) => n + encodedRecordSize(r), 0),
      // Written during this run: without a lock date read back, it holds at least the retention from the run's start.
      retainUntil: (stored.retainUntil ?? this.clients.bucket.retainUntil(Date.parse(this.run.startedAt))).toISOString(),
    };
    this.clients.log.warn('recorded a segment an earlier invocation uploaded', { key, firstOffset: segment.firstOffset, lastOffset: segment.lastOffset });
    await this.clients.state.advance(this.run.backupId, this.id, Number(this.recorded), Number(next), segment, gaps.map(toGap));
    this.recorded = next;
    this.count(segment);
    // Read again from after the adopted segment: what was held or found past it is found again.
    this.position = next;
    this.writer = new SegmentWriter();
    this.gaps = [];
  }

  private count(segment: SegmentRef | undefined): void {
    if (!segment) return;
    this.copied.records += segment.recordCount;
    this.copied.bytes += segment.bytes;
    this.copied.segments += 1;
  }
}

/**
 * Waits for every partition's work, then throws the first failure. Promise.all would return
 * at the first and leave the others writing: Lambda resumes such work in the environment's
 * next invocation, where it raced the retry of this one (a ProgressConflict on a wide batch).
 */
async function everyPartition(work: Promise<unknown>[]): Promise<void> {
  const failed = (await Promise.allSettled(work)).find((s): s is PromiseRejectedResult => s.status === 'rejected');
  if (failed) throw failed.reason;
}

function readOf(reads: Map<string, PartitionRead>, c: PartitionCopy): PartitionRead {
  const read = reads.get(positionKey(c.id.topic, c.id.partition));
  if (!read) throw new Error(`no read of partition ${c.id.topic}-${c.id.partition} came back; retry the backup`);
  return read;
}

export type CopyInput = z.infer<typeof copyEventSchema>;

/** The copy step's input, or InvalidBackupInput: nothing read or written. */
export function parseCopyInput(event: unknown): CopyInput {
  return parseBackupInput(copyEventSchema, event, 'the copy step\'s input');
}

/** Copies until every partition of the batch is done or `remainingMs` (the invocation's time left) nearly runs out. */
export async function copyPartitions({ backupId, partitions }: CopyInput, clients: BackupClients & SourceClients, remainingMs: number): Promise<CopyResult> {
  const started = Date.now();
  const stopAt = started + remainingMs - deadlineMargin(remainingMs);
  const run = await clients.state.run();
  if (run?.backupId !== backupId || run.state !== 'copying') {
    throw new Error(`backup ${backupId} is not the unfinished backup being copied (${run ? `that is ${run.backupId}, ${run.state}` : 'there is none'}): start a new backup execution`);
  }
  const progress = await clients.state.progress(backupId, partitions);
  const topics = [...new Set(progress.map((p) => p.topic))];
  const configs = await topicConfigs(await clients.admin(run.cluster), topics);
  const copies = progress.filter((p) => p.nextOffset < p.endOffset).map((p) => new PartitionCopy(run, p, clients, configs.get(p.topic)?.compacted ?? false));
  if (copies.length > 0) {
    const reader = await PartitionReader.open(await clients.fetcher(run.cluster), topics, new Set(topics.filter((t) => configs.get(t)?.compacted)));
    // At least one round per invocation, however short: every invocation makes progress.
    // The next round's Fetch is in flight while this round's records are encoded and uploaded.
    let reading = copies;
    let fetching = reader.read(reading.map((c) => c.nextRead()));
    for (;;) {
      const reads = await fetching;
      const after = reading.map((c) => ({ ...c.nextRead(), offset: readOf(reads, c).next })).filter((p) => p.offset < p.end);
      const prefetch = after.length > 0 && Date.now() < stopAt ? reader.read(after) : undefined;
      // A rejected prefetch that is never awaited (the loop stops) must not crash the process.
      prefetch?.catch(() => undefined);
      await everyPartition(reading.map((c) => c.take(readOf(reads, c), stopAt)));
      reading = copies.filter((c) => !c.readDone);
      if (reading.length === 0 || Date.now() >= stopAt) break;
      const positions = reading.map((c) => c.nextRead());
      // A take that stopped early or adopted a segment moved its partition elsewhere: read afresh.
      const where = (list: PartitionPosition[]) => list.map((p) => `${positionKey(p.topic, p.partition)}@${p.offset}`).join(' ');
      const prefetched = prefetch && where(positions) === where(after);
      fetching = prefetched ? prefetch : reader.read(positions);
    }
    await everyPartition(copies.map((c) => c.flush()));
  }
  const result = {
    done: copies.every((c) => c.recordedDone),
    records: copies.reduce((n, c) => n + c.copied.records, 0),
    bytes: copies.reduce((n, c) => n + c.copied.bytes, 0),
    segments: copies.reduce((n, c) => n + c.copied.segments, 0),
  };
  clients.log.info('copied', { backupId, partitions: partitions.length, ...result, ms: Date.now() - started });
  return result;
}
