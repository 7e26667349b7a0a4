// The drill's backup leg (--with-backup): a backup of the sample topic before the disaster,
// then, on the side that survived, a restore of it to a point in time chosen between two
// records, compared record by record with what the topic held at or before that instant.
import type { Consumer } from '@platformatic/kafka';
import type { LocalControlPlane } from '../local-control-plane';
import { topicRecords, type StoredRecord } from '../traffic';
import type { Display } from './display';
import type { PromiseCheck } from './promises';

export interface PreparedBackup {
  backupId: string;
  topic: string;
  /** Inclusive, milliseconds. */
  pointInTime: number;
  /** Per partition, in offset order: the records at or before the point in time. */
  expected: Map<number, string[]>;
  backupSeconds: number;
}

export interface BackupCheck {
  backupId: string;
  /** The lab's backup bucket: kafka-dr backups list --local --bucket <this>. */
  bucket: string;
  restoredTopic: string;
  pointInTime: string;
  expectedRecords: number;
  restoredRecords: number;
  backupSeconds: number;
  restoreSeconds: number;
  promise: PromiseCheck;
}

const byPartition = (list: StoredRecord[]) => {
  const map = new Map<number, string[]>();
  for (const r of list) map.set(r.partition, [...(map.get(r.partition) ?? []), r.value]);
  return map;
};

export async function backupBeforeDisaster(plane: LocalControlPlane, source: Consumer, topic: string, show: Display): Promise<PreparedBackup> {
  const started = Date.now();
  const execution = await plane.backup.run({ topics: [topic] });
  if (execution.status !== 'SUCCEEDED') throw new Error(`the backup of ${topic} ended ${execution.status}: ${execution.error}: ${execution.cause}`);
  const { backupId } = execution.output as { backupId: string };
  const manifest = await plane.bucket.readManifest(backupId);
  const partitions = manifest.topics.find((t) => t.name === topic)!.partitions;
  const held = await topicRecords(source, topic, new Map(partitions.map((p) => [p.partition, BigInt(p.endOffset)])));
  // Between two records: the restore must include the first and exclude the second.
  const times = [...new Set(held.map((r) => r.timestamp))].sort((a, b) => a - b);
  const pointInTime = times[Math.floor(times.length / 2)]!;
  const backupSeconds = (Date.now() - started) / 1000;
  show.event(`BACKUP ${backupId}: ${held.length} records of ${topic} in ${backupSeconds.toFixed(1)} s; will restore to ${new Date(pointInTime).toISOString()}`);
  return { backupId, topic, pointInTime, expected: byPartition(held.filter((r) => r.timestamp <= pointInTime)), backupSeconds };
}

export async function verifyRestore(plane: LocalControlPlane, backup: PreparedBackup, cluster: string, target: Consumer, show: Display): Promise<BackupCheck> {
  const restoredTopic = `${backup.topic}-restored`;
  const started = Date.now();
  const execution = await plane.restore.run({
    backupId: backup.backupId,
    targetCluster: cluster,
    topics: [backup.topic],
    rename: { [backup.topic]: restoredTopic },
    pointInTime: backup.pointInTime,
    restoreConsumerOffsets: false,
    dryRun: false,
  });
  const restoreSeconds = (Date.now() - started) / 1000;
  if (execution.status !== 'SUCCEEDED') throw new Error(`the restore of ${backup.topic} ended ${execution.status}: ${execution.error}: ${execution.cause}`);
  const restored = byPartition(await topicRecords(target, restoredTopic));
  const expectedRecords = [...backup.expected.values()].reduce((n, v) => n + v.length, 0);
  const restoredRecords = [...restored.values()].reduce((n, v) => n + v.length, 0);
  const differing = [...new Set([...backup.expected.keys(), ...restored.keys()])].filter(
    (p) => JSON.stringify(backup.expected.get(p) ?? []) !== JSON.stringify(restored.get(p) ?? []),
  );
  show.event(`RESTORE to ${cluster} as ${restoredTopic}: ${restoredRecords} records in ${restoreSeconds.toFixed(1)} s`);
  return {
    backupId: backup.backupId,
    bucket: plane.bucket.name,
    restoredTopic,
    pointInTime: new Date(backup.pointInTime).toISOString(),
    expectedRecords,
    restoredRecords,
    backupSeconds: backup.backupSeconds,
    restoreSeconds,
    promise: {
      promise: 'a point-in-time restore returns exactly the records at or before that instant',
      kept: differing.length === 0,
      detail: differing.length === 0 ? `${restoredRecords} records identical, in order, in every partition` : `partitions ${differing.join(', ')} differ from the backed-up records at or before ${new Date(backup.pointInTime).toISOString()}`,
    },
  };
}
