// The backup catalog: what the bucket holds (list), what one backup holds (describe), and
// whether it can be restored as its manifest promises (validate). The manifests are the
// only index; validate reads every segment, one object per worker, so memory stays at a few
// segments whatever the size of the backup.
import type { BackupBucket } from './bucket';
import { CorruptManifestError, manifestKey, type Gap, type Manifest, type PartitionBackup, type SegmentRef, type TopicBackup } from './manifest';
import { CorruptSegmentError, decodeSegment, encodedRecordSize, type BackupRecord, type SegmentHeader } from './segment';

/** Epoch milliseconds of the oldest and newest record timestamps (Kafka's -1 for "no timestamp" included as is). */
export interface TimeRange {
  minTimestamp: number;
  maxTimestamp: number;
}

export interface Totals {
  segments: number;
  /** Segments written by this backup (the others are inherited from earlier backups of the chain). */
  newSegments: number;
  records: number;
  /** Bytes of the segment objects. */
  bytes: number;
  gaps: number;
  /** null when nothing was backed up. */
  timeRange: TimeRange | null;
}

export interface BackupSummary extends Totals {
  backupId: string;
  estate: string;
  cluster: string;
  startedAt: string;
  finishedAt: string;
  topics: string[];
  partitions: number;
}

export interface BackupListing {
  /** Newest first. */
  backups: BackupSummary[];
  /** Manifests that do not parse: these backups cannot be restored. */
  unreadable: Array<{ backupId: string; problem: string }>;
}

export interface PartitionDescription extends Totals {
  partition: number;
  /** The offsets the backup accounts for: [startOffset, endOffset). */
  startOffset: number;
  endOffset: number;
  gapList: Gap[];
}

export interface TopicDescription extends Totals {
  name: string;
  partitionCount: number;
  configs: Record<string, string>;
  partitions: PartitionDescription[];
  /** Committed offsets of the groups consuming the topic when the backup started. */
  consumerGroups: Array<{ group: string; offsets: Array<{ partition: number; offset: number }> }>;
}

export interface BackupDescription extends Omit<BackupSummary, 'topics'> {
  topics: TopicDescription[];
}

export interface ValidationProblem {
  /** The object at fault (a segment key, or the manifest's key). */
  object?: string;
  /** Absent only for a problem of the manifest as a whole. */
  topic?: string;
  partition?: number;
  /** The offsets concerned, [from, to). */
  offsets?: { from: number; to: number };
  problem: string;
}

export interface ValidationResult {
  backupId: string;
  ok: boolean;
  checked: { segments: number; records: number; bytes: number };
  problems: ValidationProblem[];
}

/** Manifests read and segments validated at once: each holds one object in memory. */
const DEFAULT_CONCURRENCY = 4;

async function eachLimited<T>(items: readonly T[], concurrency: number, work: (item: T) => Promise<void>): Promise<void> {
  // The workers share one iterator: each item is taken by exactly one of them.
  const queue = items.values();
  const worker = async () => {
    for (const item of queue) await work(item);
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
}

function widen(range: TimeRange | null, min: number, max: number): TimeRange {
  return range ? { minTimestamp: Math.min(range.minTimestamp, min), maxTimestamp: Math.max(range.maxTimestamp, max) } : { minTimestamp: min, maxTimestamp: max };
}

function partitionTotals(backupId: string, p: PartitionBackup): Totals {
  const totals: Totals = { segments: 0, newSegments: 0, records: 0, bytes: 0, gaps: p.gaps.length, timeRange: null };
  for (const s of p.segments) {
    totals.segments++;
    if (s.backupId === backupId) totals.newSegments++;
    totals.records += s.recordCount;
    totals.bytes += s.bytes;
    totals.timeRange = widen(totals.timeRange, s.minTimestamp, s.maxTimestamp);
  }
  return totals;
}

function sumTotals(parts: readonly Totals[]): Totals {
  const sum: Totals = { segments: 0, newSegments: 0, records: 0, bytes: 0, gaps: 0, timeRange: null };
  for (const t of parts) {
    sum.segments += t.segments;
    sum.newSegments += t.newSegments;
    sum.records += t.records;
    sum.bytes += t.bytes;
    sum.gaps += t.gaps;
    if (t.timeRange) sum.timeRange = widen(sum.timeRange, t.timeRange.minTimestamp, t.timeRange.maxTimestamp);
  }
  return sum;
}

function describeTopic(manifest: Manifest, topic: TopicBackup): TopicDescription {
  const partitions = topic.partitions.map((p) => ({
    partition: p.partition,
    startOffset: p.startOffset,
    endOffset: p.endOffset,
    ...partitionTotals(manifest.backupId, p),
    gapList: p.gaps,
  }));
  const consumerGroups = manifest.consumerGroups
    .map(({ group, offsets }) => ({ group, offsets: offsets.filter((o) => o.topic === topic.name).map(({ partition, offset }) => ({ partition, offset })) }))
    .filter((g) => g.offsets.length > 0);
  return { name: topic.name, partitionCount: topic.partitionCount, configs: topic.configs, ...sumTotals(partitions), partitions, consumerGroups };
}

function describe(manifest: Manifest): BackupDescription {
  const topics = manifest.topics.map((t) => describeTopic(manifest, t));
  const { backupId, estate, cluster, startedAt, finishedAt } = manifest;
  return { backupId, estate, cluster, startedAt, finishedAt, partitions: topics.reduce((n, t) => n + t.partitions.length, 0), ...sumTotals(topics), topics };
}

/** Every complete backup in the bucket (its manifest is written), newest first. */
export async function listBackups(bucket: BackupBucket): Promise<BackupListing> {
  const ids = (await bucket.backupIds()).reverse();
  const entries: Array<BackupSummary | { backupId: string; problem: string }> = [];
  await eachLimited([...ids.entries()], DEFAULT_CONCURRENCY, async ([i, backupId]) => {
    try {
      const { topics, ...summary } = describe(await bucket.readManifest(backupId));
      entries[i] = { ...summary, topics: topics.map((t) => t.name) };
    } catch (err) {
      if (!(err instanceof CorruptManifestError)) throw err;
      entries[i] = { backupId, problem: err.message };
    }
  });
  const listing: BackupListing = { backups: [], unreadable: [] };
  for (const entry of entries) {
    if ('problem' in entry) listing.unreadable.push(entry);
    else listing.backups.push(entry);
  }
  return listing;
}

/** One backup, topic by topic and partition by partition, from its manifest alone. */
export async function describeBackup(bucket: BackupBucket, backupId: string): Promise<BackupDescription> {
  return describe(await bucket.readManifest(backupId));
}

/** [from, to) offset ranges. */
type Range = [number, number];

const span = ([from, to]: Range) => (to - from === 1 ? `offset ${from}` : `offsets ${from}..${to - 1}`);

/** What reading one segment showed: the offset runs its records cover, or null when it could not be read. */
interface SegmentCheck {
  runs: Range[] | null;
  records: number;
  bytes: number;
}

function recordRuns(records: readonly BackupRecord[]): Range[] {
  const runs: Range[] = [];
  for (const { offset } of records) {
    const o = Number(offset);
    const last = runs[runs.length - 1];
    if (last && last[1] === o) last[1] = o + 1;
    else runs.push([o, o + 1]);
  }
  return runs;
}

/** Differences between what the manifest says of a segment and what the object holds (decodeSegment checked the header against the records). */
function entryMismatches(ref: SegmentRef, body: Buffer, header: SegmentHeader, records: readonly BackupRecord[]): string[] {
  const actual = {
    firstOffset: Number(header.firstOffset),
    lastOffset: Number(header.lastOffset),
    recordCount: header.recordCount,
    minTimestamp: Number(header.minTimestamp),
    maxTimestamp: Number(header.maxTimestamp),
    bytes: body.length,
    uncompressedBytes: records.reduce((n, r) => n + encodedRecordSize(r), 0),
  };
  return (Object.keys(actual) as Array<keyof typeof actual>).filter((field) => ref[field] !== actual[field]).map((field) => `${field} is ${actual[field]}, the manifest says ${ref[field]}`);
}

// S3 rounds retain-until dates; a second is well below any retention anyone configures.
const RETENTION_TOLERANCE_MS = 1000;

async function checkSegment(bucket: BackupBucket, ref: SegmentRef, report: (problem: string) => void): Promise<SegmentCheck> {
  const uri = `s3://${bucket.name}/${ref.key}`;
  const stored = await bucket.read(ref.key);
  if (!stored) {
    report(`segment ${uri} does not exist: offsets ${ref.firstOffset}..${ref.lastOffset} cannot be restored from this backup`);
    return { runs: null, records: 0, bytes: 0 };
  }
  const overwritten = async () => {
    const versions = await bucket.versions(ref.key);
    const [newest] = versions;
    return newest && versions.length > 1
      ? ` (the key has ${versions.length} versions: the newest, ${newest.versionId} of ${newest.lastModified?.toISOString()}, is what was read; an older version under Object Lock may be the original)`
      : '';
  };
  if (!stored.retainUntil || stored.retainUntil.getTime() + RETENTION_TOLERANCE_MS < Date.parse(ref.retainUntil)) {
    const lock = stored.retainUntil ? `is under Object Lock until ${stored.retainUntil.toISOString()}` : 'shows no Object Lock retention (or the caller lacks s3:GetObjectRetention)';
    report(`segment ${uri} ${lock}, the manifest says ${ref.retainUntil}: it can be deleted before the backup expires`);
  }
  let segment: ReturnType<typeof decodeSegment>;
  try {
    segment = decodeSegment(uri, stored.body);
  } catch (err) {
    if (!(err instanceof CorruptSegmentError)) throw err;
    report(`segment ${uri} is corrupt: ${err.reason}${await overwritten()}`);
    return { runs: null, records: 0, bytes: stored.body.length };
  }
  const { header, records } = segment;
  const mismatches = entryMismatches(ref, stored.body, header, records);
  if (mismatches.length > 0) report(`segment ${uri} is not the one the manifest lists: ${mismatches.join('; ')}${await overwritten()}`);
  return { runs: recordRuns(records), records: records.length, bytes: stored.body.length };
}

/** Problems the manifest shows of a partition without reading a segment. */
function layoutProblems(cluster: string, topic: string, p: PartitionBackup, segments: readonly SegmentRef[]): Array<Omit<ValidationProblem, 'topic' | 'partition'>> {
  const problems: Array<Omit<ValidationProblem, 'topic' | 'partition'>> = [];
  const range = `[${p.startOffset}, ${p.endOffset})`;
  if (p.startOffset > p.endOffset) problems.push({ problem: `start offset ${p.startOffset} is past end offset ${p.endOffset}` });
  const prefix = `segments/${cluster}/${topic}/${p.partition}/`;
  let previous: SegmentRef | undefined;
  for (const s of segments) {
    const claimed: Range = [s.firstOffset, s.lastOffset + 1];
    if (!s.key.startsWith(prefix)) problems.push({ object: s.key, problem: `segment ${s.key} is not under ${prefix}: it belongs to another partition` });
    if (s.firstOffset > s.lastOffset) problems.push({ object: s.key, problem: `segment ${s.key} starts at ${s.firstOffset}, after its last offset ${s.lastOffset}` });
    else if (s.recordCount > s.lastOffset - s.firstOffset + 1) problems.push({ object: s.key, problem: `segment ${s.key} claims ${s.recordCount} records, more than ${span(claimed)} can hold` });
    if (s.firstOffset < p.startOffset || s.lastOffset >= p.endOffset) {
      problems.push({ object: s.key, offsets: { from: s.firstOffset, to: s.lastOffset + 1 }, problem: `segment ${s.key} holds ${span(claimed)}, outside the partition's backed-up range ${range}` });
    }
    if (previous && s.firstOffset <= previous.lastOffset) {
      const overlap: Range = [s.firstOffset, Math.min(previous.lastOffset, s.lastOffset) + 1];
      problems.push({
        object: s.key,
        offsets: { from: overlap[0], to: overlap[1] },
        problem: `segments ${previous.key} and ${s.key} overlap at ${span(overlap)}: a restore would write those offsets twice`,
      });
    }
    if (!previous || s.lastOffset > previous.lastOffset) previous = s;
  }
  for (const g of p.gaps) {
    if (g.from >= g.to || g.from < p.startOffset || g.to > p.endOffset) problems.push({ offsets: { from: g.from, to: g.to }, problem: `gap [${g.from}, ${g.to}) (${g.reason}) is empty or outside the partition's backed-up range ${range}` });
  }
  return problems;
}

/** Ranges of [start, end) that no range of `covered` (sorted by start) covers. */
function uncovered(start: number, end: number, covered: readonly Range[]): Range[] {
  const holes: Range[] = [];
  let at = start;
  for (const [from, to] of covered) {
    if (from > at) holes.push([at, Math.min(from, end)]);
    at = Math.max(at, to);
    if (at >= end) break;
  }
  if (at < end) holes.push([at, end]);
  return holes.filter(([from, to]) => from < to);
}

/** Problems of offsets that neither a record nor a gap accounts for, or that both claim. */
function continuityProblems(p: PartitionBackup, segments: readonly SegmentRef[], checks: ReadonlyMap<SegmentRef, SegmentCheck>): Array<Omit<ValidationProblem, 'topic' | 'partition'>> {
  const problems: Array<Omit<ValidationProblem, 'topic' | 'partition'>> = [];
  // A segment that could not be read is already reported: its claimed range counts as covered, so its loss is not reported twice.
  const recordRanges = segments.flatMap((s) => checks.get(s)?.runs ?? [[s.firstOffset, s.lastOffset + 1] as Range]);
  const gaps = [...p.gaps].sort((a, b) => a.from - b.from);
  const byStart = (a: Range, b: Range) => a[0] - b[0];
  const holes = uncovered(p.startOffset, p.endOffset, [...recordRanges, ...gaps.map((g): Range => [g.from, g.to])].sort(byStart));
  for (const hole of holes) {
    const inside = segments.find((s) => s.firstOffset <= hole[0] && hole[0] <= s.lastOffset);
    const before = segments.filter((s) => s.lastOffset < hole[0]).at(-1);
    const after = segments.find((s) => s.firstOffset >= hole[1]);
    const neighbours = [before && `after ${before.key}`, after && `before ${after.key}`].filter(Boolean).join(', ') || 'the partition has no segments';
    const where = inside ? `inside segment ${inside.key}` : `in no segment: ${neighbours}`;
    problems.push({ object: (inside ?? before ?? after)?.key, offsets: { from: hole[0], to: hole[1] }, problem: `no record and no recorded gap accounts for ${span(hole)} (${where}): a restore would silently skip them` });
  }
  // Only records actually read can contradict a gap (a claimed range of an unreadable segment would, wrongly).
  const read = segments.flatMap((s) => (checks.get(s)?.runs ?? []).map((range) => ({ range, key: s.key }))).sort((a, b) => byStart(a.range, b.range));
  let first = 0;
  for (const g of gaps) {
    // Gaps come by increasing start: runs ending before this one's start are behind every later gap too.
    while ((read[first]?.range[1] ?? Infinity) <= g.from) first++;
    for (let i = first; ; i++) {
      const run = read[i];
      if (!run || run.range[0] >= g.to) break;
      const { range, key } = run;
      if (range[1] <= g.from) continue;
      const both: Range = [Math.max(range[0], g.from), Math.min(range[1], g.to)];
      problems.push({ object: key, offsets: { from: both[0], to: both[1] }, problem: `gap [${g.from}, ${g.to}) (${g.reason}) covers ${span(both)}, which segment ${key} holds records for` });
    }
  }
  return problems;
}

function partitionListProblems(topic: TopicBackup): ValidationProblem[] {
  const seen = new Set<number>();
  const problems: ValidationProblem[] = [];
  for (const { partition } of topic.partitions) {
    if (partition >= topic.partitionCount) problems.push({ topic: topic.name, partition, problem: `partition ${partition} is listed, but the topic has ${topic.partitionCount} partitions` });
    if (seen.has(partition)) problems.push({ topic: topic.name, partition, problem: `partition ${partition} is listed more than once` });
    seen.add(partition);
  }
  for (let partition = 0; partition < topic.partitionCount; partition++) {
    if (!seen.has(partition)) problems.push({ topic: topic.name, partition, problem: `partition ${partition} is missing from the manifest: it cannot be restored from this backup` });
  }
  return problems;
}

/**
 * Reads every segment of the backup and checks it against its manifest entry and the
 * manifest against Kafka's offsets: every offset of every partition is either a record or
 * inside a recorded gap. Reports each problem instead of throwing; throws only when the
 * backup does not exist or the bucket cannot be read.
 */
export async function validateBackup(bucket: BackupBucket, backupId: string, options: { concurrency?: number } = {}): Promise<ValidationResult> {
  const result: ValidationResult = { backupId, ok: false, checked: { segments: 0, records: 0, bytes: 0 }, problems: [] };
  let manifest: Manifest;
  try {
    manifest = await bucket.readManifest(backupId);
  } catch (err) {
    if (!(err instanceof CorruptManifestError)) throw err;
    result.problems.push({ object: manifestKey(backupId), problem: err.message });
    return result;
  }
  const partitions = manifest.topics.flatMap((topic) =>
    topic.partitions.map((p) => ({ topic: topic.name, p, segments: [...p.segments].sort((a, b) => a.firstOffset - b.firstOffset || a.lastOffset - b.lastOffset) })),
  );
  const work = partitions.flatMap(({ topic, p, segments }) => segments.map((ref) => ({ topic, partition: p.partition, ref })));
  const checks = new Map<SegmentRef, SegmentCheck>();
  await eachLimited(work, options.concurrency ?? DEFAULT_CONCURRENCY, async ({ topic, partition, ref }) => {
    const check = await checkSegment(bucket, ref, (problem) => result.problems.push({ object: ref.key, topic, partition, offsets: { from: ref.firstOffset, to: ref.lastOffset + 1 }, problem }));
    checks.set(ref, check);
    result.checked.segments++;
    result.checked.records += check.records;
    result.checked.bytes += check.bytes;
  });
  for (const topic of manifest.topics) result.problems.push(...partitionListProblems(topic));
  for (const { topic, p, segments } of partitions) {
    for (const problem of [...layoutProblems(manifest.cluster, topic, p, segments), ...continuityProblems(p, segments, checks)]) {
      result.problems.push({ topic, partition: p.partition, ...problem });
    }
  }
  result.ok = result.problems.length === 0;
  return result;
}
