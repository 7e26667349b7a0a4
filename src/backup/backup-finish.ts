// Last step of a backup: once every partition reached the snapshot's end, writes the
// manifest — the parent's segments and gaps plus this run's, the configurations, partition
// counts and group offsets of the snapshot — keeps inherited segments locked for as long as
// this backup is, makes it the topics' head and forgets the run. Re-running it after it
// finished answers from the manifest.
import * as z from 'zod';
import type { PartitionProgress } from './backup-state';
import type { BackupClients } from './backup-clients';
import { parseBackupInput } from './backup-input';
import type { BackupBucket } from './bucket';
import { readSnapshot } from './snapshot';
import { backupIdSchema, manifestKey, MANIFEST_FORMAT_VERSION, type Gap, type Manifest, type SegmentRef, type TopicBackup } from './manifest';

export const finishEventSchema = z.object({ backupId: backupIdSchema }).loose();

const DAY_MS = 86_400_000;
/** Object Lock calls in flight at once when extending inherited segments. */
const RETENTION_CONCURRENCY = 16;

export interface BackupSummary {
  backupId: string;
  manifestKey: string;
  topics: number;
  partitions: number;
  segments: number;
  newSegments: number;
  records: number;
  newRecords: number;
  bytes: number;
  newBytes: number;
  /** Offset ranges without a record, by reason. */
  gaps: Record<Gap['reason'], number>;
}

export function summarize(manifest: Manifest): BackupSummary {
  const partitions = manifest.topics.flatMap((t) => t.partitions);
  const segments = partitions.flatMap((p) => p.segments);
  const fresh = segments.filter((s) => s.backupId === manifest.backupId);
  const gaps: BackupSummary['gaps'] = { retention: 0, compaction: 0, 'transaction-markers': 0, unknown: 0 };
  for (const g of partitions.flatMap((p) => p.gaps)) gaps[g.reason] += 1;
  const sum = (list: SegmentRef[], f: (s: SegmentRef) => number) => list.reduce((n, s) => n + f(s), 0);
  return {
    backupId: manifest.backupId,
    manifestKey: manifestKey(manifest.backupId),
    topics: manifest.topics.length,
    partitions: partitions.length,
    segments: segments.length,
    newSegments: fresh.length,
    records: sum(segments, (s) => s.recordCount),
    newRecords: sum(fresh, (s) => s.recordCount),
    bytes: sum(segments, (s) => s.bytes),
    newBytes: sum(fresh, (s) => s.bytes),
    gaps,
  };
}

/** In offset order, adjacent ranges of one reason joined. */
export function mergeGaps(gaps: readonly Gap[]): Gap[] {
  const merged: Gap[] = [];
  for (const g of [...gaps].sort((a, b) => a.from - b.from)) {
    const last = merged[merged.length - 1];
    if (last && last.to === g.from && last.reason === g.reason) last.to = g.to;
    else merged.push({ ...g });
  }
  return merged;
}

/** Inherited segments whose lock ends within half the retention are locked again for the full retention. */
async function extendInherited(bucket: BackupBucket, segments: SegmentRef[]): Promise<number> {
  const now = Date.now();
  const threshold = now + (bucket.lock.retentionDays * DAY_MS) / 2;
  const until = bucket.retainUntil(now);
  const due = segments.filter((s) => Date.parse(s.retainUntil) < threshold);
  for (let i = 0; i < due.length; i += RETENTION_CONCURRENCY) {
    await Promise.all(
      due.slice(i, i + RETENTION_CONCURRENCY).map(async (s) => {
        await bucket.extendRetention(s.key, until);
        s.retainUntil = until.toISOString();
      }),
    );
  }
  return due.length;
}

export type FinishInput = z.infer<typeof finishEventSchema>;

/** The finish step's input, or InvalidBackupInput: nothing read or written. */
export function parseFinishInput(event: unknown): FinishInput {
  return parseBackupInput(finishEventSchema, event, 'the finish step\'s input');
}

export async function finishBackup({ backupId }: FinishInput, clients: BackupClients): Promise<BackupSummary> {
  const run = await clients.state.run();
  if (run?.backupId !== backupId) {
    // A retried Finish whose first attempt completed: the manifest is the answer.
    if (await clients.bucket.get(manifestKey(backupId))) return summarize(await clients.bucket.readManifest(backupId));
    throw new Error(`backup ${backupId} is neither the unfinished backup (${run ? `that is ${run.backupId}` : 'there is none'}) nor finished (no ${manifestKey(backupId)} in s3://${clients.bucket.name}): start a new backup execution`);
  }
  const partitionIds = run.topics.flatMap((t) => Array.from({ length: t.partitions }, (_, partition) => ({ topic: t.name, partition })));
  const [snapshot, progress] = await Promise.all([readSnapshot(clients.bucket, backupId), clients.state.progress(backupId, partitionIds)]);
  const unfinished = progress.filter((p) => p.nextOffset < p.endOffset);
  if (unfinished.length > 0) {
    throw new Error(
      `backup ${backupId} cannot be finished: ${unfinished.length} partition(s) are not copied to the snapshot's end (${unfinished
        .slice(0, 10)
        .map((p) => `${p.topic}-${p.partition} at ${p.nextOffset} of ${p.endOffset}`)
        .join(', ')}); re-run the backup execution, which resumes the copy`,
    );
  }
  const parents = new Map<string, Manifest>();
  for (const id of new Set(snapshot.topics.flatMap((t) => (t.parent ? [t.parent] : [])))) parents.set(id, await clients.bucket.readManifest(id));
  const byTopic = new Map<string, (PartitionProgress & { segments: SegmentRef[] })[]>();
  for (const p of progress) byTopic.set(p.topic, [...(byTopic.get(p.topic) ?? []), { ...p, segments: await clients.state.segments(p) }]);
  const inherited: SegmentRef[] = [];
  const topics: TopicBackup[] = snapshot.topics.map((t) => {
    const parent = t.parent ? parents.get(t.parent)?.topics.find((pt) => pt.name === t.name) : undefined;
    const partitions = (byTopic.get(t.name) ?? [])
      .sort((a, b) => a.partition - b.partition)
      .map((p) => {
        const before = parent?.partitions.find((pp) => pp.partition === p.partition);
        const segments = before?.segments.map((s) => ({ ...s })) ?? [];
        inherited.push(...segments);
        return { partition: p.partition, startOffset: p.startOffset, endOffset: p.endOffset, segments: [...segments, ...p.segments], gaps: mergeGaps([...(before?.gaps ?? []), ...p.gaps]) };
      });
    return { name: t.name, partitionCount: t.partitionCount, configs: t.configs, partitions };
  });
  const extended = await extendInherited(clients.bucket, inherited);
  const manifest: Manifest = {
    formatVersion: MANIFEST_FORMAT_VERSION,
    backupId,
    estate: clients.estate,
    cluster: run.cluster,
    startedAt: new Date(run.startedAt).toISOString(),
    finishedAt: new Date().toISOString(),
    topics,
    consumerGroups: snapshot.consumerGroups,
  };
  await clients.bucket.putManifest(manifest);
  for (const t of topics) await clients.state.setHead(t.name, backupId, manifest.startedAt);
  await clients.state.endRun(progress);
  const summary = summarize(manifest);
  clients.log.info('backup finished', { ...summary, inheritedLocksExtended: extended });
  return summary;
}
