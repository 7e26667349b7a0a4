// Pruning through the manifests: an expired backup goes with its snapshot and the segments
// no live manifest lists (a dead run's leftovers included), while the segments a live
// incremental backup inherited stay — the live backup still restores record by record — and
// Object Lock has the last word over anything still locked.
import { PutObjectRetentionCommand, S3Client } from '@aws-sdk/client-s3';
import { BackupBucket } from '#src/backup/bucket';
import { manifestKey, segmentKey } from '#src/backup/manifest';
import { pruneExpiredBackups } from '#src/backup/prune';
import { encodeSegment } from '#src/backup/segment';
import { backupRig } from '../support/backup';
import { kafkajsRecords } from '../support/kafkajs-reader';
import { ensureTopic, sendRecords, spacedRecords, uniqueName } from '../support/lab';

const DAY_MS = 86_400_000;
const s3 = new S3Client({ forcePathStyle: true });

/** The emulator lets GOVERNANCE retention be shortened without a bypass (S3 would not): how the test makes time pass for the locks. */
async function releaseLocks(bucket: BackupBucket): Promise<void> {
  const until = new Date(Date.now() + 1000);
  for (const prefix of ['backups/', 'runs/', 'segments/']) {
    for (const v of await bucket.versionsUnder(prefix)) {
      if (!v.deleteMarker) await s3.send(new PutObjectRetentionCommand({ Bucket: bucket.name, Key: v.key, VersionId: v.versionId, Retention: { Mode: 'GOVERNANCE', RetainUntilDate: until } }));
    }
  }
  await new Promise((r) => setTimeout(r, 1500));
}

async function values(rig: Awaited<ReturnType<typeof backupRig>>, cluster: string, topic: string): Promise<string[]> {
  const read = await kafkajsRecords(await rig.ctx.kafkaFor(cluster), topic);
  return read.flatMap((records, p) => records.map((m) => `${p}:${m.offset}:${m.value!.toString()}`)).sort();
}

it('deletes an expired backup and what only it listed, keeps what the newest backup inherited, and never what is still locked', async () => {
  const rig = await backupRig();
  const topic = uniqueName('bk-prune');
  const dc1 = await rig.ctx.kafkaFor('dc1');
  await ensureTopic(await rig.ctx.adminFor('dc1'), topic, 2);
  await sendRecords(dc1, topic, spacedRecords(20, Date.now() - 60_000, 10));
  const first = await rig.run('backup', { topics: [topic] });
  await sendRecords(dc1, topic, spacedRecords(10, Date.now() - 30_000, 10));
  const second = await rig.run('backup', { topics: [topic] });
  expect([first.status, second.status]).toEqual(['SUCCEEDED', 'SUCCEEDED']);
  // The workflow prunes after each backup: nothing has expired yet.
  expect((second.output as any).prune).toMatchObject({ expiredBackups: [], deletedVersions: 0 });
  const firstId = (first.output as { backupId: string }).backupId;
  const secondId = (second.output as { backupId: string }).backupId;
  const inherited = (await rig.bucket.readManifest(secondId)).topics[0]!.partitions.flatMap((p) => p.segments.map((s) => s.key));
  expect(inherited.filter((k) => k.endsWith(`${firstId}.kdrs`)).length).toBeGreaterThan(0);
  // What a run that died long ago left: a segment no manifest lists.
  const orphan = segmentKey('dc1', topic, 0, 999, '20200101T000000Z-dead01');
  await rig.bucket.put(orphan, await encodeSegment([{ offset: 999n, timestamp: 1n, timestampType: 'create', key: null, value: Buffer.from('x'), headers: [] }]), 'application/octet-stream');

  await releaseLocks(rig.bucket);
  const result = await pruneExpiredBackups(rig.bucket, rig.config.backup!.retentionDays, Date.now() + 2 * DAY_MS);
  expect(result).toMatchObject({ expiredBackups: [firstId], keptAsNewest: [secondId], stillLocked: [], unreadable: [] });
  expect(await rig.bucket.backupIds()).toEqual([secondId]);
  expect(await rig.bucket.get(manifestKey(firstId))).toBeUndefined();
  expect(await rig.bucket.versions(orphan)).toEqual([]);
  expect((await rig.bucket.versionsUnder(`runs/${firstId}/`)).length).toBe(0);
  for (const key of inherited) expect([key, (await rig.bucket.versions(key)).length]).toEqual([key, 1]);

  // The surviving backup restores every record, those of the pruned one's segments included.
  const restored = `${topic}-restored`;
  const restore = await rig.run('restore', { backupId: secondId, targetCluster: 'dc2', topics: [topic], rename: { [topic]: restored }, restoreConsumerOffsets: false, dryRun: false });
  expect(restore.status).toBe('SUCCEEDED');
  expect((await values(rig, 'dc2', restored)).length).toBe(30);
  expect(await values(rig, 'dc2', restored)).toEqual(await values(rig, 'dc1', topic));

  // A third backup under a real one-day lock: the second expires, but Object Lock refuses and it stays.
  await sendRecords(dc1, topic, spacedRecords(5, Date.now(), 10));
  const third = await rig.run('backup', { topics: [topic] });
  expect(third.status).toBe('SUCCEEDED');
  await rig.run('backup', { topics: [topic] }); // a fourth, so the third is not the newest either
  const locked = await pruneExpiredBackups(rig.bucket, rig.config.backup!.retentionDays, Date.now() + 2 * DAY_MS);
  const thirdId = (third.output as { backupId: string }).backupId;
  expect(locked.expiredBackups).not.toContain(thirdId);
  expect(locked.stillLocked).toContain(manifestKey(thirdId));
  expect(await rig.bucket.backupIds()).toContain(thirdId);
  // Its segments stay with it, whatever their own locks say.
  for (const p of (await rig.bucket.readManifest(thirdId)).topics[0]!.partitions) for (const s of p.segments) expect((await rig.bucket.versions(s.key)).length).toBe(1);
});
