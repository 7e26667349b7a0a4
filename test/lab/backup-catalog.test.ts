// The catalog against the lab's S3 (moto) with Object Lock: backups written segment by
// segment as the backup workflow writes them (encodeSegment, BackupBucket.put, putManifest),
// then listed, described and validated — and damaged the ways a bucket gets damaged (a
// byte flipped in a new object version, a deleted segment, a manifest with holes or
// overlaps), each of which validate must name.
import { randomUUID } from 'node:crypto';
import { CreateBucketCommand, DeleteObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { BackupBucket } from '#src/backup/bucket';
import { describeBackup, listBackups, validateBackup } from '#src/backup/catalog';
import { manifestKey, segmentKey, type Gap, type GroupOffsets, type Manifest, type SegmentRef } from '#src/backup/manifest';
import { encodedRecordSize, encodeSegment, type BackupRecord } from '#src/backup/segment';
import { readLabInfo, useLabAws } from '../../lab/estate';

const T0 = Date.parse('2026-11-28T00:00:00Z');
const CLUSTER = 'dc1';

useLabAws(readLabInfo());
const s3 = new S3Client({ forcePathStyle: true });

async function lockedBucket(): Promise<BackupBucket> {
  const name = `catalog-${randomUUID().slice(0, 8)}`;
  await s3.send(new CreateBucketCommand({ Bucket: name, ObjectLockEnabledForBucket: true }));
  return new BackupBucket(s3, name, { mode: 'GOVERNANCE', retentionDays: 1 });
}

/** Records at offsets [from, to) but `skip`, timestamped `partition` ms + offset s after T0 unless `timestamps` says otherwise. */
function records(partition: number, from: number, to: number, skip: number[] = [], timestamps: Record<number, number> = {}): BackupRecord[] {
  const out: BackupRecord[] = [];
  for (let o = from; o < to; o++) {
    if (skip.includes(o)) continue;
    out.push({ offset: BigInt(o), timestamp: BigInt(timestamps[o] ?? T0 + o * 1000 + partition * 500), timestampType: 'create', key: Buffer.from(`k${o}`), value: Buffer.from(`v${o}`), headers: [] });
  }
  return out;
}

interface PartitionSpec {
  partition: number;
  startOffset: number;
  endOffset: number;
  /** Segments this backup writes, one record list each. */
  write?: BackupRecord[][];
  inherited?: SegmentRef[];
  gaps?: Gap[];
}

interface TopicSpec {
  name: string;
  partitionCount?: number;
  configs?: Record<string, string>;
  partitions: PartitionSpec[];
}

/** Writes a backup as the workflow does: segments first, each under Object Lock, then the manifest. */
async function writeBackup(bucket: BackupBucket, backupId: string, topics: TopicSpec[], consumerGroups: GroupOffsets[] = []): Promise<Manifest> {
  const startedAt = new Date(Date.parse(`${backupId.slice(0, 4)}-${backupId.slice(4, 6)}-${backupId.slice(6, 8)}T${backupId.slice(9, 11)}:${backupId.slice(11, 13)}:${backupId.slice(13, 15)}Z`));
  const manifest: Manifest = {
    formatVersion: 1,
    backupId,
    estate: 'lab',
    cluster: CLUSTER,
    startedAt: startedAt.toISOString(),
    finishedAt: new Date(startedAt.getTime() + 60_000).toISOString(),
    topics: [],
    consumerGroups,
  };
  for (const topic of topics) {
    const partitions: Manifest['topics'][number]['partitions'] = [];
    for (const p of topic.partitions) {
      const segments = [...(p.inherited ?? [])];
      for (const batch of p.write ?? []) {
        const key = segmentKey(CLUSTER, topic.name, p.partition, Number(batch[0]!.offset), backupId);
        const body = await encodeSegment(batch, 'zstd');
        const retainUntil = await bucket.put(key, body, 'application/octet-stream');
        const timestamps = batch.map((r) => Number(r.timestamp));
        segments.push({
          key,
          backupId,
          firstOffset: Number(batch[0]!.offset),
          lastOffset: Number(batch.at(-1)!.offset),
          minTimestamp: Math.min(...timestamps),
          maxTimestamp: Math.max(...timestamps),
          recordCount: batch.length,
          bytes: body.length,
          uncompressedBytes: batch.reduce((n, r) => n + encodedRecordSize(r), 0),
          retainUntil: retainUntil.toISOString(),
        });
      }
      partitions.push({ partition: p.partition, startOffset: p.startOffset, endOffset: p.endOffset, segments, gaps: p.gaps ?? [] });
    }
    manifest.topics.push({ name: topic.name, partitionCount: topic.partitionCount ?? partitions.length, configs: topic.configs ?? {}, partitions });
  }
  await bucket.putManifest(manifest);
  return manifest;
}

const segmentsOf = (m: Manifest, topic: string, partition: number) => m.topics.find((t) => t.name === topic)!.partitions.find((p) => p.partition === partition)!.segments;
const bytesOf = (segments: SegmentRef[]) => segments.reduce((n, s) => n + s.bytes, 0);

describe('backup catalog (moto S3 with Object Lock)', () => {
  const A = '20261128T010000Z-aaaa';
  const B = '20261128T020000Z-bbbb';
  const C = '20261128T030000Z-cccc';
  let bucket: BackupBucket;
  let first: Manifest;
  let second: Manifest;

  beforeAll(async () => {
    bucket = await lockedBucket();
    // A: orders p0 in two segments; p1 compacted (20..24 gone) with one record's create time a minute before T0; payments empty.
    first = await writeBackup(
      bucket,
      A,
      [
        { name: 'orders', configs: { 'cleanup.policy': 'compact,delete' }, partitions: [
          { partition: 0, startOffset: 0, endOffset: 100, write: [records(0, 0, 60), records(0, 60, 100)] },
          { partition: 1, startOffset: 0, endOffset: 40, write: [records(1, 0, 40, [20, 21, 22, 23, 24], { 5: T0 - 60_000 })], gaps: [{ from: 20, to: 25, reason: 'compaction' }] },
        ] },
        { name: 'payments', partitions: [{ partition: 0, startOffset: 5, endOffset: 5 }] },
      ],
      [{ group: 'billing', offsets: [{ topic: 'orders', partition: 0, offset: 80 }] }],
    );
    // B: incremental — inherits A's segments, adds 100..149 on p0 and 40..44 on p1, whose offset 45 was a transaction marker.
    const inherit = (p: number) => segmentsOf(first, 'orders', p);
    second = await writeBackup(
      bucket,
      B,
      [
        { name: 'orders', configs: { 'cleanup.policy': 'compact,delete' }, partitions: [
          { partition: 0, startOffset: 0, endOffset: 150, inherited: inherit(0), write: [records(0, 100, 150)] },
          { partition: 1, startOffset: 0, endOffset: 46, inherited: inherit(1), write: [records(1, 40, 45)], gaps: [{ from: 20, to: 25, reason: 'compaction' }, { from: 45, to: 46, reason: 'transaction-markers' }] },
        ] },
        { name: 'payments', partitions: [{ partition: 0, startOffset: 5, endOffset: 5 }] },
      ],
      [
        { group: 'billing', offsets: [{ topic: 'orders', partition: 0, offset: 140 }, { topic: 'orders', partition: 1, offset: 46 }] },
        { group: 'audit', offsets: [{ topic: 'payments', partition: 0, offset: 5 }] },
      ],
    );
    await bucket.put(manifestKey(C), '{"formatVersion": 1, "backupId": ', 'application/json');
  });

  it('lists complete backups newest first with their totals, and the unreadable manifest apart', async () => {
    const listing = await listBackups(bucket);
    const common = { estate: 'lab', cluster: CLUSTER, topics: ['orders', 'payments'], partitions: 3 };
    expect(listing.backups).toEqual([
      { ...common, backupId: B, startedAt: '2026-11-28T02:00:00.000Z', finishedAt: '2026-11-28T02:01:00.000Z', segments: 5, newSegments: 2, records: 190, bytes: bytesOf([...segmentsOf(second, 'orders', 0), ...segmentsOf(second, 'orders', 1)]), gaps: 2, timeRange: { minTimestamp: T0 - 60_000, maxTimestamp: T0 + 149_000 } },
      { ...common, backupId: A, startedAt: '2026-11-28T01:00:00.000Z', finishedAt: '2026-11-28T01:01:00.000Z', segments: 3, newSegments: 3, records: 135, bytes: bytesOf([...segmentsOf(first, 'orders', 0), ...segmentsOf(first, 'orders', 1)]), gaps: 1, timeRange: { minTimestamp: T0 - 60_000, maxTimestamp: T0 + 99_000 } },
    ]);
    expect(listing.unreadable).toEqual([{ backupId: C, problem: expect.stringContaining(`backup manifest s3://${bucket.name}/${manifestKey(C)} is not a valid kafka-dr manifest: not JSON`) }]);
  });

  it('describes a backup topic by topic: partitions, offsets, gaps, configs, groups', async () => {
    const d = await describeBackup(bucket, B);
    const [orders, payments] = d.topics;
    expect(orders).toEqual({
      name: 'orders',
      partitionCount: 2,
      configs: { 'cleanup.policy': 'compact,delete' },
      segments: 5,
      newSegments: 2,
      records: 190,
      bytes: d.bytes,
      gaps: 2,
      timeRange: { minTimestamp: T0 - 60_000, maxTimestamp: T0 + 149_000 },
      partitions: [
        { partition: 0, startOffset: 0, endOffset: 150, segments: 3, newSegments: 1, records: 150, bytes: bytesOf(segmentsOf(second, 'orders', 0)), gaps: 0, gapList: [], timeRange: { minTimestamp: T0, maxTimestamp: T0 + 149_000 } },
        {
          partition: 1,
          startOffset: 0,
          endOffset: 46,
          segments: 2,
          newSegments: 1,
          records: 40,
          bytes: bytesOf(segmentsOf(second, 'orders', 1)),
          gaps: 2,
          gapList: [{ from: 20, to: 25, reason: 'compaction' }, { from: 45, to: 46, reason: 'transaction-markers' }],
          timeRange: { minTimestamp: T0 - 60_000, maxTimestamp: T0 + 44_500 },
        },
      ],
      consumerGroups: [{ group: 'billing', offsets: [{ partition: 0, offset: 140 }, { partition: 1, offset: 46 }] }],
    });
    expect(payments).toEqual({
      name: 'payments',
      partitionCount: 1,
      configs: {},
      segments: 0,
      newSegments: 0,
      records: 0,
      bytes: 0,
      gaps: 0,
      timeRange: null,
      partitions: [{ partition: 0, startOffset: 5, endOffset: 5, segments: 0, newSegments: 0, records: 0, bytes: 0, gaps: 0, gapList: [], timeRange: null }],
      consumerGroups: [{ group: 'audit', offsets: [{ partition: 0, offset: 5 }] }],
    });
    await expect(describeBackup(bucket, '20261128T040000Z-none')).rejects.toThrow(`backup 20261128T040000Z-none does not exist in s3://${bucket.name}`);
  });

  it('validates a good incremental backup by reading every segment, inherited ones included', async () => {
    const result = await validateBackup(bucket, B);
    expect(result).toEqual({ backupId: B, ok: true, checked: { segments: 5, records: 190, bytes: (await listBackups(bucket)).backups[0]!.bytes }, problems: [] });
  });

  it('reports an unreadable manifest instead of throwing', async () => {
    const result = await validateBackup(bucket, C);
    expect(result.ok).toBe(false);
    expect(result.problems).toEqual([{ object: manifestKey(C), problem: expect.stringContaining('not JSON') }]);
  });

  describe('damage', () => {
    let damaged: BackupBucket;
    beforeAll(async () => {
      damaged = await lockedBucket();
    });

    it('a byte flipped in a new version of a segment: the CRC names the object, its versions and its missing lock', async () => {
      // The damaged segment has a compaction hole: its gap must not be reported against records that could not be read.
      const m = await writeBackup(damaged, '20261128T050000Z-flip', [
        { name: 'flip', partitions: [{ partition: 0, startOffset: 0, endOffset: 20, write: [records(0, 0, 10), records(0, 10, 20, [12, 13])], gaps: [{ from: 12, to: 14, reason: 'compaction' }] }] },
      ]);
      const victim = segmentsOf(m, 'flip', 0)[1]!;
      const body = (await damaged.get(victim.key))!;
      body[body.length - 10]! ^= 0x10;
      // Object Lock protects the version written, not the key: anyone allowed to put can shadow it with a new version.
      await s3.send(new PutObjectCommand({ Bucket: damaged.name, Key: victim.key, Body: body }));
      const result = await validateBackup(damaged, m.backupId);
      expect(result.ok).toBe(false);
      expect(result.checked).toEqual({ segments: 2, records: 10, bytes: bytesOf(segmentsOf(m, 'flip', 0)) });
      const where = { object: victim.key, topic: 'flip', partition: 0, offsets: { from: 10, to: 20 } };
      expect(result.problems).toEqual([
        { ...where, problem: `segment s3://${damaged.name}/${victim.key} shows no Object Lock retention (or the caller lacks s3:GetObjectRetention), the manifest says ${victim.retainUntil}: it can be deleted before the backup expires` },
        { ...where, problem: expect.stringMatching(new RegExp(`^segment s3://${damaged.name}/${victim.key} is corrupt: CRC32 mismatch \\(stored [0-9a-f]+, computed [0-9a-f]+\\) \\(the key has 2 versions: the newest, \\S+ of \\S+, is what was read; an older version under Object Lock may be the original\\)$`)) },
      ]);
    });

    it('a deleted segment (a delete marker over the locked version)', async () => {
      const m = await writeBackup(damaged, '20261128T050000Z-gone', [{ name: 'gone', partitions: [{ partition: 0, startOffset: 0, endOffset: 30, write: [records(0, 0, 10), records(0, 10, 20), records(0, 20, 30)] }] }]);
      const victim = segmentsOf(m, 'gone', 0)[1]!;
      await s3.send(new DeleteObjectCommand({ Bucket: damaged.name, Key: victim.key }));
      const result = await validateBackup(damaged, m.backupId);
      expect(result.checked).toEqual({ segments: 3, records: 20, bytes: bytesOf(segmentsOf(m, 'gone', 0)) - victim.bytes });
      expect(result.problems).toEqual([
        { object: victim.key, topic: 'gone', partition: 0, offsets: { from: 10, to: 20 }, problem: `segment s3://${damaged.name}/${victim.key} does not exist: offsets 10..19 cannot be restored from this backup` },
      ]);
    });

    it('offsets neither in a segment nor in a gap, a gap over records, and a partition missing from the manifest', async () => {
      const m = await writeBackup(damaged, '20261128T050000Z-hole', [
        {
          name: 'hole',
          partitionCount: 2,
          partitions: [{ partition: 0, startOffset: 0, endOffset: 30, write: [records(0, 0, 10, [4, 5]), records(0, 15, 20)], gaps: [{ from: 8, to: 12, reason: 'compaction' }] }],
        },
      ]);
      const [s0, s1] = segmentsOf(m, 'hole', 0);
      const result = await validateBackup(damaged, m.backupId);
      expect(result.checked).toEqual({ segments: 2, records: 13, bytes: bytesOf([s0!, s1!]) });
      const at = { topic: 'hole', partition: 0 };
      expect(result.problems).toEqual([
        { topic: 'hole', partition: 1, problem: 'partition 1 is missing from the manifest: it cannot be restored from this backup' },
        { ...at, object: s0!.key, offsets: { from: 4, to: 6 }, problem: `no record and no recorded gap accounts for offsets 4..5 (inside segment ${s0!.key}): a restore would silently skip them` },
        { ...at, object: s0!.key, offsets: { from: 12, to: 15 }, problem: `no record and no recorded gap accounts for offsets 12..14 (in no segment: after ${s0!.key}, before ${s1!.key}): a restore would silently skip them` },
        { ...at, object: s1!.key, offsets: { from: 20, to: 30 }, problem: `no record and no recorded gap accounts for offsets 20..29 (in no segment: after ${s1!.key}): a restore would silently skip them` },
        { ...at, object: s0!.key, offsets: { from: 8, to: 10 }, problem: `gap [8, 12) (compaction) covers offsets 8..9, which segment ${s0!.key} holds records for` },
      ]);
    });

    it('overlapping segments, and a segment that is not the one its manifest entry describes', async () => {
      const m = await writeBackup(damaged, '20261128T050000Z-over', [{ name: 'over', partitions: [{ partition: 0, startOffset: 0, endOffset: 15, write: [records(0, 0, 10), records(0, 5, 15)] }] }]);
      const [s0, s1] = segmentsOf(m, 'over', 0);
      // The manifest entry of the second segment claims a record more than the object holds.
      s1!.recordCount = 11;
      s1!.lastOffset = 15;
      await damaged.putManifest({ ...m, topics: [{ ...m.topics[0]!, partitions: [{ ...m.topics[0]!.partitions[0]!, endOffset: 16 }] }] });
      const result = await validateBackup(damaged, m.backupId);
      const at = { topic: 'over', partition: 0, object: s1!.key };
      expect(result.problems).toEqual([
        { ...at, offsets: { from: 5, to: 16 }, problem: `segment s3://${damaged.name}/${s1!.key} is not the one the manifest lists: lastOffset is 14, the manifest says 15; recordCount is 10, the manifest says 11` },
        { ...at, offsets: { from: 5, to: 10 }, problem: `segments ${s0!.key} and ${s1!.key} overlap at offsets 5..9: a restore would write those offsets twice` },
        { ...at, offsets: { from: 15, to: 16 }, problem: `no record and no recorded gap accounts for offset 15 (inside segment ${s1!.key}): a restore would silently skip them` },
      ]);
    });
  });
});
