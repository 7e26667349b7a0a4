// What a restore reads: one backup's manifest, checked before anything is restored, and
// its segments, each verified (CRC, then its header against the manifest) before any
// record of it is used. Which records a restore takes is decided here once for the plan,
// the copy and the finish: those with a timestamp at or before the point in time, in
// offset order. Segment headers decide for whole segments; only segments that straddle the
// point in time (or a group's offset) are downloaded to count.
import { CorruptSegmentError, readSegment, type SegmentRecords } from './segment';
import { CorruptManifestError, manifestKey, parseManifest, type Manifest, type PartitionBackup, type SegmentRef, type TopicBackup } from './manifest';
import type { BackupBucket } from './bucket';
import { RestoreRefused } from './restore-request';

/** Which of a segment's records a restore to `pointInTime` (null: everything) takes, from its header alone. */
export function coverage(ref: SegmentRef, pointInTime: number | null): 'all' | 'none' | 'some' {
  if (pointInTime === null || ref.maxTimestamp <= pointInTime) return 'all';
  return ref.minTimestamp > pointInTime ? 'none' : 'some';
}

/** Problems a schema cannot see: partitions and segments that do not add up. */
function inconsistencies(manifest: Manifest): string[] {
  const problems: string[] = [];
  for (const topic of manifest.topics) {
    const seen = new Set<number>();
    for (const p of topic.partitions) {
      const where = `topic ${topic.name} partition ${p.partition}`;
      if (p.partition >= topic.partitionCount) problems.push(`${where}: beyond the topic's ${topic.partitionCount} partitions`);
      if (seen.has(p.partition)) problems.push(`${where}: listed twice`);
      seen.add(p.partition);
      let next = p.startOffset;
      for (const s of p.segments) {
        if (s.firstOffset < next || s.lastOffset < s.firstOffset || s.lastOffset >= p.endOffset) {
          problems.push(`${where}: segment ${s.key} (offsets ${s.firstOffset}-${s.lastOffset}) overlaps another or lies outside ${p.startOffset}-${p.endOffset}`);
        }
        if (s.recordCount > s.lastOffset - s.firstOffset + 1 || s.minTimestamp > s.maxTimestamp) problems.push(`${where}: segment ${s.key} has an impossible record count or timestamp range`);
        next = s.lastOffset + 1;
      }
    }
  }
  return problems;
}

export interface Restorable {
  records: number;
  /** Record bytes as the segment format counts them (key, value, headers and framing), before compression. */
  bytes: number;
}

export class RestoreSource {
  private readonly decoded = new Map<string, Promise<SegmentRecords>>();

  private constructor(
    readonly bucket: BackupBucket,
    readonly manifest: Manifest,
    readonly pointInTime: number | null,
  ) {}

  /** Reads and checks the backup's manifest: RestoreRefused when there is no such backup, CorruptManifest when it does not add up. */
  static async open(bucket: BackupBucket, backupId: string, pointInTime: number | null): Promise<RestoreSource> {
    const key = manifestKey(backupId);
    const object = `s3://${bucket.name}/${key}`;
    const body = await bucket.get(key);
    if (!body) {
      const newest = (await bucket.backupIds()).slice(-5);
      throw new RestoreRefused([
        `backup ${backupId} does not exist (no ${object}); the newest backups there are: ${newest.join(', ') || 'none'} (kafka-dr backups list shows them all)`,
      ]);
    }
    const manifest = parseManifest(object, body.toString('utf8'));
    if (manifest.backupId !== backupId) throw new CorruptManifestError(object, `it names backup ${manifest.backupId}`);
    const problems = inconsistencies(manifest);
    if (problems.length) throw new CorruptManifestError(object, problems.join('; '));
    return new RestoreSource(bucket, manifest, pointInTime);
  }

  topic(name: string): TopicBackup {
    const topic = this.manifest.topics.find((t) => t.name === name);
    if (!topic) throw new RestoreRefused([`topic ${name} is not in backup ${this.manifest.backupId}, which holds ${this.manifest.topics.map((t) => t.name).join(', ')}`]);
    return topic;
  }

  partition(topic: string, partition: number): PartitionBackup {
    return this.topic(topic).partitions.find((p) => p.partition === partition) ?? { partition, startOffset: 0, endOffset: 0, segments: [], gaps: [] };
  }

  /** The segment's records the restore takes, verified; CorruptSegment (naming the object) when it fails a check. `object`: its bytes, if fetched already. */
  restorableRecords(ref: SegmentRef, object?: Promise<Buffer>): Promise<SegmentRecords> {
    let records = this.decoded.get(ref.key);
    if (!records) {
      records = (object ?? this.fetch(ref)).then((body) => this.verified(ref, body));
      // Only straddling segments are asked for twice (plan and finish counting); keep memory to one segment otherwise.
      if (coverage(ref, this.pointInTime) === 'some') this.decoded.set(ref.key, records);
    }
    return records;
  }

  /** The segment object's bytes, unchecked (restorableRecords checks them). */
  async fetch(ref: SegmentRef): Promise<Buffer> {
    const body = await this.bucket.get(ref.key);
    if (!body) throw new CorruptSegmentError(this.objectName(ref), `the object is missing from the bucket (backup ${this.manifest.backupId} lists it)`);
    return body;
  }

  private objectName(ref: SegmentRef): string {
    return `s3://${this.bucket.name}/${ref.key}`;
  }

  private verified(ref: SegmentRef, body: Buffer): SegmentRecords {
    const object = this.objectName(ref);
    const { header, records } = readSegment(object, body);
    if (header.recordCount !== ref.recordCount || header.firstOffset !== BigInt(ref.firstOffset) || header.lastOffset !== BigInt(ref.lastOffset)) {
      throw new CorruptSegmentError(object, `it holds offsets ${header.firstOffset}-${header.lastOffset} (${header.recordCount} records), the manifest lists ${ref.firstOffset}-${ref.lastOffset} (${ref.recordCount})`);
    }
    const until = this.pointInTime;
    return until === null ? records : records.filter((timestamp) => timestamp <= until);
  }

  /** Records of the partition the restore takes, with an original offset below `below` (default: all). */
  async count(topic: string, partition: number, below = Number.POSITIVE_INFINITY): Promise<Restorable> {
    const total: Restorable = { records: 0, bytes: 0 };
    for (const ref of this.partition(topic, partition).segments) {
      const cover = coverage(ref, this.pointInTime);
      if (cover === 'none' || ref.firstOffset >= below) continue;
      if (cover === 'all' && ref.lastOffset < below) {
        total.records += ref.recordCount;
        total.bytes += ref.uncompressedBytes;
        continue;
      }
      const records = await this.restorableRecords(ref);
      for (let i = 0; i < records.length && records.offset(i) < below; i++) {
        total.records += 1;
        total.bytes += records.size(i);
      }
    }
    return total;
  }
}
