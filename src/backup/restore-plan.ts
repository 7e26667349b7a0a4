// First step of a restore: checks the request against the backup and the target cluster,
// creates the target topics the backup describes, and records where each target partition
// ended before the restore wrote anything (its base). Refusals come before any write. A dry
// run writes nothing and reports what a restore would produce and commit.
import type { Admin } from '@platformatic/kafka';
import { partitionCounts, partitionStates } from '#src/kafka/partition-state';
import { createTopics, creationRefusal, type TopicSpec } from '#src/kafka/topics';
import { RestoreRefused, targetTopic, type RestoreRequest } from './restore-request';
import type { GroupOffsetPlan } from '#src/failover/consumer-offsets';
import { batchesOf, writeBatchList, type BatchList } from './batch-list';
import type { BatchBucket } from './batch-bucket';
import { translateGroupOffsets } from './restore-offsets';
import type { RestoreSource } from './restore-source';
import { baseKey, type RestoreState } from './restore-state';

export interface PartitionRef {
  /** The backed-up topic. */
  topic: string;
  partition: number;
}

export interface DryRunReport {
  restoreId: string;
  backupId: string;
  targetCluster: string;
  /** ISO-8601, null: everything in the backup. */
  pointInTime: string | null;
  topics: {
    topic: string;
    targetTopic: string;
    /** Whether the target topic exists already (a restore appends to it) or would be created. */
    exists: boolean;
    partitionCount: number;
    configs: Record<string, string>;
    records: number;
    bytes: number;
    partitions: { partition: number; records: number; bytes: number }[];
  }[];
  /** Per group, where it would resume on the restored topics (targetMembers > 0: it would be skipped). */
  consumerOffsets: GroupOffsetPlan[];
}

export interface RestorePlan {
  restoreId: string;
  dryRun: boolean;
  /** Every partition with records in the backup, in batches (none for a dry run). */
  batches: BatchList;
  report?: DryRunReport;
}

export interface PlanClients {
  source: RestoreSource;
  state: RestoreState;
  /** The target cluster's. */
  admin: Admin;
  partitionsPerInvocation: number;
  batches: BatchBucket;
  /** The restore execution's name: its batch list is its own. */
  executionName: string;
}

/** Creates the topics, each with the backup's partition count and configs; when the cluster refuses a config, says which. */
async function createTargetTopics(admin: Admin, cluster: string, topics: TopicSpec[]): Promise<void> {
  try {
    await createTopics(admin, topics);
  } catch (err) {
    // One config at a time, validate-only, finds what the cluster refuses (its error need not name the config).
    const refused: string[] = [];
    for (const t of topics) {
      for (const [name, value] of Object.entries(t.configs)) {
        const why = await creationRefusal(admin, { ...t, configs: { [name]: value } });
        if (why !== undefined) refused.push(`${t.name}: ${name}=${value} (${why})`);
      }
    }
    if (refused.length === 0) throw new Error(`creating topics ${topics.map((t) => t.name).join(', ')} on ${cluster} failed: ${(err as Error).message}`, { cause: err });
    throw new Error(
      `${cluster} refuses the backed-up topic configuration ${refused.join('; ')}. Nothing was restored. Allow it on the cluster, or create the topic yourself with the backup's partition count and the configuration you want, then run the restore again (it restores into an existing topic with the same partition count)`,
      { cause: err },
    );
  }
}

export async function planRestore(request: RestoreRequest, restoreId: string, clients: PlanClients): Promise<RestorePlan> {
  const { source, state, admin } = clients;
  const topics = request.topics.map((name) => ({ backup: source.topic(name), target: targetTopic(request, name) }));
  const existing = await partitionCounts(admin, topics.map((t) => t.target));
  const mismatched = topics.filter((t) => existing.has(t.target) && existing.get(t.target) !== t.backup.partitionCount);
  if (mismatched.length) {
    throw new RestoreRefused(
      mismatched.map(
        (t) =>
          `topic ${t.target} exists on ${request.targetCluster} with ${existing.get(t.target)} partitions, backup ${request.backupId} has ${t.backup.name} with ${t.backup.partitionCount}: ` +
          `records are restored to their own partition numbers, so restore under another name (rename: {"${t.backup.name}": "<new name>"}) or delete the topic first`,
      ),
    );
  }

  const recorded = await state.read(restoreId);
  const ends = async (of = topics.map((t) => t.target)) => new Map((await partitionStates(admin, of)).map((s) => [`${s.topic}/${s.partition}`, Number(s.latest)]));
  const partitions = topics.flatMap((t) => t.backup.partitions.filter((p) => p.segments.length > 0).map((p) => ({ topic: t.backup.name, partition: p.partition })));

  if (request.dryRun) {
    // What a restore would do now: the bases of this restore if it began already, else where the target partitions end (0 for topics it would create).
    const now = recorded ? undefined : await ends();
    const base = (topic: string, partition: number) => recorded?.bases[baseKey(topic, partition)] ?? now?.get(`${targetTopic(request, topic)}/${partition}`) ?? 0;
    const report: DryRunReport = {
      restoreId,
      backupId: request.backupId,
      targetCluster: request.targetCluster,
      pointInTime: request.pointInTime === null ? null : new Date(request.pointInTime).toISOString(),
      topics: [],
      consumerOffsets: request.restoreConsumerOffsets ? await translateGroupOffsets(source, request, base, admin) : [],
    };
    for (const t of topics) {
      const counted = await Promise.all(t.backup.partitions.map(async (p) => ({ partition: p.partition, ...(await source.count(t.backup.name, p.partition)) })));
      report.topics.push({
        topic: t.backup.name,
        targetTopic: t.target,
        exists: existing.has(t.target),
        partitionCount: t.backup.partitionCount,
        configs: t.backup.configs,
        records: counted.reduce((n, p) => n + p.records, 0),
        bytes: counted.reduce((n, p) => n + p.bytes, 0),
        partitions: counted,
      });
    }
    return { restoreId, dryRun: true, batches: await writeBatchList(clients.batches, 'restore', restoreId, clients.executionName, []), report };
  }

  if (!recorded) {
    const created = topics.filter((t) => !existing.has(t.target));
    await createTargetTopics(
      admin,
      request.targetCluster,
      created.map((t) => ({ name: t.target, partitions: t.backup.partitionCount, configs: t.backup.configs })),
    );
    // A topic created just now is empty: its bases are 0. Asking would meet its leader still
    // taking over the new partitions, and the client's retry a second later.
    const at = await ends([...existing.keys()]);
    const bases = Object.fromEntries(topics.flatMap((t) => t.backup.partitions.map((p) => [baseKey(t.backup.name, p.partition), at.get(`${t.target}/${p.partition}`) ?? 0])));
    await state.begin({ restoreId, request: { ...request, dryRun: false }, bases, plannedAt: new Date().toISOString() });
  }
  return { restoreId, dryRun: false, batches: await writeBatchList(clients.batches, 'restore', restoreId, clients.executionName, batchesOf(partitions, clients.partitionsPerInvocation)) };
}
