// Pruning expired backups, through the manifests and never by a lifecycle rule: a segment
// goes only when no live manifest lists it, however old it is (an incremental chain keeps
// the segments of its first backup for as long as its newest backup lives).
//
// A backup expires `retentionDays` after it finished, unless it is the newest backup of one
// of its topics (the parent the next incremental run starts from). Segments no live manifest
// lists go once they are older than the retention too, so a run still copying (its segments
// in no manifest yet) is never touched; that also clears what runs that died left behind.
// Object Lock has the last word: a version still locked is refused and kept, and reported.
import type { BackupBucket } from './bucket';
import { manifestKey, type Manifest } from './manifest';

const DAY_MS = 86_400_000;

export interface PruneResult {
  /** Backups whose manifest was deleted (an expired one whose manifest Object Lock keeps is in stillLocked). */
  expiredBackups: string[];
  /** Backups kept although expired: the newest of one of their topics. */
  keptAsNewest: string[];
  deletedVersions: number;
  /** Keys of which Object Lock refused to delete a version (retained longer than expected: kept). */
  stillLocked: string[];
  /** Manifests that do not parse: never pruned, and nothing they might list is either. */
  unreadable: string[];
}

/** When a backup id says its run started (ids begin yyyymmddThhmmssZ). */
function startedAt(backupId: string): number {
  const at = /^\d{8}T\d{6}Z-/.test(backupId) ? Date.parse(backupId.replace(/^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z-.*$/, '$1-$2-$3T$4:$5:$6Z')) : NaN;
  // Not a backup id: never old enough to go.
  return Number.isNaN(at) ? Number.POSITIVE_INFINITY : at;
}

/** The backup a segment key names (segments/<cluster>/<topic>/<partition>/<offset>-<backupId>.kdrs). */
const segmentBackupId = (key: string) => /-(\d{8}T\d{6}Z-[a-z0-9]+)\.kdrs$/.exec(key)?.[1];

export async function pruneExpiredBackups(bucket: BackupBucket, retentionDays: number, now = Date.now()): Promise<PruneResult> {
  const horizon = now - retentionDays * DAY_MS;
  const manifests: Manifest[] = [];
  const unreadable: string[] = [];
  for (const id of await bucket.backupIds()) {
    try {
      manifests.push(await bucket.readManifest(id));
    } catch {
      unreadable.push(id);
    }
  }
  const newestOfTopic = new Map<string, Manifest>();
  for (const m of manifests) {
    for (const t of m.topics) {
      const newest = newestOfTopic.get(t.name);
      if (!newest || Date.parse(m.startedAt) > Date.parse(newest.startedAt)) newestOfTopic.set(t.name, m);
    }
  }
  const newest = new Set([...newestOfTopic.values()].map((m) => m.backupId));
  const expired = manifests.filter((m) => Date.parse(m.finishedAt) < horizon && !newest.has(m.backupId));
  const keptAsNewest = manifests.filter((m) => Date.parse(m.finishedAt) < horizon && newest.has(m.backupId)).map((m) => m.backupId);
  const expiredIds = new Set(expired.map((m) => m.backupId));
  let deletedVersions = 0;
  const stillLocked: string[] = [];
  const remove = async (versions: Array<{ key: string; versionId: string }>) => {
    const refused: string[] = [];
    for (const v of versions) {
      if (await bucket.deleteVersion(v.key, v.versionId)) deletedVersions++;
      else refused.push(v.key);
    }
    stillLocked.push(...refused);
    return new Set(refused);
  };
  // Manifests first: one Object Lock keeps is still a live backup, and so are its segments.
  const keptManifests = await remove((await bucket.versionsUnder('backups/')).filter((v) => [...expiredIds].some((id) => v.key === manifestKey(id))));
  await remove((await bucket.versionsUnder('runs/')).filter((v) => startedAt(v.key.split('/')[1] ?? '') < horizon && !unreadable.some((id) => v.key.startsWith(`runs/${id}/`))));
  const live = manifests.filter((m) => !expiredIds.has(m.backupId) || keptManifests.has(manifestKey(m.backupId)));
  const listed = new Set(live.flatMap((m) => m.topics.flatMap((t) => t.partitions.flatMap((p) => p.segments.map((s) => s.key)))));
  // With an unreadable manifest nobody knows what it lists: no segment goes.
  if (unreadable.length === 0) {
    await remove((await bucket.versionsUnder('segments/')).filter((v) => !listed.has(v.key) && startedAt(segmentBackupId(v.key) ?? '') < horizon));
  }
  return { expiredBackups: [...expiredIds].filter((id) => !keptManifests.has(manifestKey(id))).sort(), keptAsNewest, deletedVersions, stillLocked: [...new Set(stillLocked)], unreadable };
}
