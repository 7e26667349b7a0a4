// Last step of a restore: reads back what landed in every target partition (end offset -
// base) against what the restore takes from the backup, then, when asked, commits the
// backed-up groups' offsets translated onto the restored topics (groups with members on the
// target are left alone and reported) and reads them back.
import type { Admin } from '@platformatic/kafka';
import { commitConsumerOffsets, isSynced, type ConsumerOffsetsResult } from '#src/failover/consumer-offsets';
import { partitionStates } from '#src/kafka/partition-state';
import { targetTopic } from './restore-request';
import { translateGroupOffsets } from './restore-offsets';
import type { RestoreSource } from './restore-source';
import { baseKey, type RestoreItem, type RestoreState } from './restore-state';

export interface RestoreReport {
  restoreId: string;
  backupId: string;
  targetCluster: string;
  /** ISO-8601, null: everything in the backup. */
  pointInTime: string | null;
  records: number;
  topics: { topic: string; targetTopic: string; records: number; partitions: { partition: number; base: number; records: number }[] }[];
  consumerOffsets: {
    restored: { group: string; partitions: number }[];
    /** Partitions already at their restored offset (a re-run). */
    unchanged: { group: string; partitions: number }[];
    skipped: { group: string; why: string }[];
  } | null;
  durationSeconds: number;
}

export interface FinishClients {
  source: RestoreSource;
  state: RestoreState;
  /** Admin client of the target cluster. */
  admin: Admin;
}

export async function finishRestore(item: RestoreItem, clients: FinishClients): Promise<RestoreReport> {
  const { source, admin } = clients;
  const { request } = item;
  const base = (topic: string, partition: number) => item.bases[baseKey(topic, partition)] ?? 0;
  const ends = new Map((await partitionStates(admin, request.topics.map((t) => targetTopic(request, t)))).map((s) => [`${s.topic}/${s.partition}`, Number(s.latest)]));

  const wrong: string[] = [];
  const topics: RestoreReport['topics'] = [];
  for (const topic of request.topics) {
    const target = targetTopic(request, topic);
    const partitions = await Promise.all(
      source.topic(topic).partitions.map(async ({ partition }) => {
        const records = (ends.get(`${target}/${partition}`) ?? 0) - base(topic, partition);
        const expected = (await source.count(topic, partition)).records;
        if (records !== expected) wrong.push(`${target} partition ${partition}: ${records} records past offset ${base(topic, partition)}, the backup has ${expected} to restore`);
        return { partition, base: base(topic, partition), records };
      }),
    );
    topics.push({ topic, targetTopic: target, records: partitions.reduce((n, p) => n + p.records, 0), partitions });
  }
  if (wrong.length) {
    throw new Error(
      `restore ${item.restoreId} into ${request.targetCluster} does not match backup ${request.backupId}: ${wrong.join('; ')}. Consumer offsets were not restored; check that nothing else writes to the restored topics and run the restore again`,
    );
  }

  let consumerOffsets: RestoreReport['consumerOffsets'] = null;
  if (request.restoreConsumerOffsets) {
    const groups = await translateGroupOffsets(source, request, base, admin);
    const result: ConsumerOffsetsResult = await commitConsumerOffsets({ target: request.targetCluster }, { groups }, { admin: async () => admin });
    if (!isSynced(result)) {
      const problems = [
        ...result.failed.map((f) => f.error),
        ...result.mismatches.map((m) => `group ${m.group} ${m.topic} partition ${m.partition} reads back ${m.found ?? 'no offset'}, expected ${m.expected}`),
      ];
      throw new Error(`restore ${item.restoreId}: the records are restored, consumer offsets are not: ${problems.join('; ')}. Run the restore again to retry the commits`);
    }
    consumerOffsets = {
      restored: result.committed,
      unchanged: groups
        .filter((g) => g.targetMembers === 0 && !result.committed.some((c) => c.group === g.group))
        .map((g) => ({ group: g.group, partitions: g.partitions.length })),
      skipped: result.skippedActive.map((s) => ({
        group: s.group,
        why: `it has ${s.members} active member(s) on ${request.targetCluster}: Kafka refuses commits for an active group. Stop its consumers and run the restore again to commit its offsets`,
      })),
    };
  }
  await clients.state.finished(item.restoreId);
  return {
    restoreId: item.restoreId,
    backupId: request.backupId,
    targetCluster: request.targetCluster,
    pointInTime: request.pointInTime === null ? null : new Date(request.pointInTime).toISOString(),
    records: topics.reduce((n, t) => n + t.records, 0),
    topics,
    consumerOffsets,
    durationSeconds: Math.round((Date.now() - Date.parse(item.plannedAt)) / 100) / 10,
  };
}
