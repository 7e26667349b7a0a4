// First step of a backup: resume the unfinished run if an earlier execution died (same
// backup id, same snapshot: what makes a killed backup re-run without gap or duplicate),
// otherwise take a snapshot — each partition's end, where the chain left it, the topics'
// configurations and the consumer groups' offsets — and record where each partition starts.
// The copy steps then work in batches of partitions.
import { createHash } from 'node:crypto';
import * as z from 'zod';
import { applicationGroups, committedOffsetList } from '#src/kafka/group-offsets';
import { partitionStates } from '#src/kafka/partition-state';
import { topicConfigs } from '#src/kafka/topic-configs';
import type { BackupRun, PartitionId, PartitionProgress } from './backup-state';
import type { Log } from '#src/log';
import type { BackupClients, SourceClients } from './backup-clients';
import { parseBackupInput } from './backup-input';
import { batchesOf, writeBatchList, type BatchList } from './batch-list';
import { manifestKey, type Manifest, type TopicBackup } from './manifest';
import { snapshotKey, type BackupSnapshot } from './snapshot';

const topicPattern = z
  .string()
  .min(1)
  .refine((pattern) => {
    try {
      new RegExp(`^(?:${pattern})$`);
      return true;
    } catch {
      return false;
    }
  }, 'a valid regular expression matching whole topic names');

export const planEventSchema = z
  .object({
    input: z.object({ topics: z.array(topicPattern).min(1).optional() }).strict(),
    execution: z.object({ name: z.string().min(1), startedAt: z.iso.datetime({ offset: true }) }).loose(),
  })
  .loose();

export interface BackupPlan {
  backupId: string;
  resumed: boolean;
  topics: number;
  partitions: number;
  /** The unfinished partitions, in batches of backup.parallelism.partitionsPerInvocation. */
  batches: BatchList;
}

/** Backup ids sort by the execution's start time; the suffix tells executions of one second apart. */
export function backupIdOf(executionName: string, startedAt: string): string {
  const time = new Date(startedAt).toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
  return `${time}-${createHash('sha256').update(executionName).digest('hex').slice(0, 6)}`;
}

/** A partition with nothing left to copy (no record since the last backup) gets no batch: a quiet topic costs no copy invocation. */
function batchList(run: Pick<BackupRun, 'backupId'>, executionName: string, partitions: readonly PartitionProgress[], clients: BackupClients): Promise<BatchList> {
  const unfinished = partitions.filter((p) => p.nextOffset < p.endOffset).map((p): PartitionId => ({ topic: p.topic, partition: p.partition }));
  return writeBatchList(clients.batches, 'backup', run.backupId, executionName, batchesOf(unfinished, clients.backup.parallelism.partitionsPerInvocation));
}

const allPartitions = (topics: BackupRun['topics']): PartitionId[] => topics.flatMap((t) => Array.from({ length: t.partitions }, (_, partition) => ({ topic: t.name, partition })));

async function resume(run: BackupRun, executionName: string, clients: BackupClients & SourceClients): Promise<BackupPlan> {
  const progress = await clients.state.progress(run.backupId, allPartitions(run.topics));
  clients.log.info('resuming the unfinished backup', { backupId: run.backupId, startedBy: run.executionName });
  return { backupId: run.backupId, resumed: true, topics: run.topics.length, partitions: progress.length, batches: await batchList(run, executionName, progress, clients) };
}

/** The cluster's topics the patterns match, Kafka's internal topics aside. */
async function matchingTopics(clients: BackupClients & SourceClients, cluster: string, patterns: readonly string[], fromInput: boolean): Promise<string[]> {
  const regexes = patterns.map((p) => new RegExp(`^(?:${p})$`));
  const topics = (await (await clients.admin(cluster)).listTopics({ includeInternals: false })).filter((t) => !t.startsWith('__') && regexes.some((r) => r.test(t))).sort();
  if (topics.length === 0) {
    throw new Error(`no topic of cluster ${cluster} matches ${patterns.join(', ')} (${fromInput ? 'the execution input\'s topics' : 'backup.topics in the estate file'}): nothing to back up; correct the patterns`);
  }
  return topics;
}

/** The topic's entry in its parent manifest, unless the partitions have been reset since (topic re-created). */
function parentTopic(parent: Manifest | undefined, topic: string, ends: Map<number, bigint>, log: Log): TopicBackup | undefined {
  const entry = parent?.topics.find((t) => t.name === topic);
  if (!entry) return undefined;
  const reset = entry.partitions.find((p) => (ends.get(p.partition) ?? 0n) < BigInt(p.endOffset));
  if (reset) {
    log.warn('topic re-created since its last backup: copying it in full', { topic, partition: reset.partition, parentBackup: parent?.backupId, parentEnd: reset.endOffset, end: Number(ends.get(reset.partition) ?? 0n) });
    return undefined;
  }
  return entry;
}

async function snapshot(run: BackupRun, topics: string[], executionName: string, clients: BackupClients & SourceClients): Promise<BackupPlan> {
  const admin = await clients.admin(run.cluster);
  const [states, configs, heads, groups] = await Promise.all([
    partitionStates(admin, topics, { readCommitted: true }),
    topicConfigs(admin, topics),
    clients.state.heads(topics),
    applicationGroups(admin).then((g) => committedOffsetList(admin, g)),
  ]);
  const parents = new Map<string, Manifest>();
  for (const id of new Set(heads.values())) {
    // A parent whose manifest is gone (deleted after its retention) cannot be extended: the topic is copied in full.
    if (await clients.bucket.get(manifestKey(id))) parents.set(id, await clients.bucket.readManifest(id));
    else clients.log.warn('the head backup of topics has no manifest: copying them in full', { backupId: id, topics: [...heads].filter(([, b]) => b === id).map(([t]) => t) });
  }

  const progress: PartitionProgress[] = [];
  const snapshotTopics: BackupSnapshot['topics'] = [];
  for (const topic of topics) {
    const partitions = states.filter((s) => s.topic === topic);
    if (partitions.length === 0) continue; // deleted since it was listed
    const head = heads.get(topic);
    const parent = parentTopic(head ? parents.get(head) : undefined, topic, new Map(partitions.map((s) => [s.partition, s.latest])), clients.log);
    snapshotTopics.push({ name: topic, partitionCount: partitions.length, configs: configs.get(topic)?.overrides ?? {}, parent: parent && head ? head : null });
    for (const s of partitions) {
      const inherited = parent?.partitions.find((p) => p.partition === s.partition);
      let next = inherited ? BigInt(inherited.endOffset) : s.earliest;
      const gaps: PartitionProgress['gaps'] = [];
      if (next < s.earliest) {
        // Retention deleted records the chain never copied: say so rather than start silently later.
        gaps.push({ from: Number(next), to: Number(s.earliest), reason: 'retention' });
        next = s.earliest;
      }
      progress.push({
        backupId: run.backupId,
        topic,
        partition: s.partition,
        startOffset: inherited?.startOffset ?? Number(s.earliest),
        nextOffset: Number(next),
        endOffset: Number(s.latest),
        segmentOffsets: [],
        gaps,
      });
    }
  }
  const backedUp = new Set(snapshotTopics.map((t) => t.name));
  const consumerGroups = new Map<string, BackupSnapshot['consumerGroups'][number]['offsets']>();
  for (const c of groups.filter((g) => backedUp.has(g.topic))) {
    consumerGroups.set(c.group, [...(consumerGroups.get(c.group) ?? []), { topic: c.topic, partition: c.partition, offset: Number(c.offset) }]);
  }
  const saved: BackupSnapshot = {
    backupId: run.backupId,
    cluster: run.cluster,
    startedAt: run.startedAt,
    topics: snapshotTopics,
    consumerGroups: [...consumerGroups].map(([group, offsets]) => ({ group, offsets })).sort((a, b) => a.group.localeCompare(b.group)),
  };
  await clients.bucket.put(snapshotKey(run.backupId), JSON.stringify(saved), 'application/json');
  await clients.state.putProgress(progress);
  const runTopics = snapshotTopics.map((t) => ({ name: t.name, partitions: t.partitionCount }));
  await clients.state.startCopying(run.backupId, runTopics);
  clients.log.info('backup planned', { backupId: run.backupId, topics: runTopics.length, partitions: progress.length, records: progress.reduce((n, p) => n + p.endOffset - p.nextOffset, 0) });
  return {
    backupId: run.backupId,
    resumed: false,
    topics: runTopics.length,
    partitions: progress.length,
    batches: await batchList(run, executionName, progress, clients),
  };
}

export type PlanInput = z.infer<typeof planEventSchema>;

/** The backup execution's input, or InvalidBackupInput: nothing read or written. */
export function parsePlanInput(event: unknown): PlanInput {
  return parseBackupInput(planEventSchema, event, 'the backup execution input');
}

export async function planBackup({ input, execution }: PlanInput, clients: BackupClients & SourceClients): Promise<BackupPlan> {
  const current = await clients.state.run();
  if (current?.state === 'copying') return resume(current, execution.name, clients);
  const cluster = current?.cluster ?? clients.backup.cluster;
  const topics = await matchingTopics(clients, cluster, input.topics ?? clients.backup.topics, input.topics !== undefined);
  const run = await clients.state.startRun(
    current ?? { backupId: backupIdOf(execution.name, execution.startedAt), executionName: execution.name, startedAt: execution.startedAt, cluster, state: 'planning', topics: [] },
  );
  if (run.state === 'copying') return resume(run, execution.name, clients);
  // A run still 'planning' died before any copy started: its snapshot is taken again.
  return snapshot(run, topics, execution.name, clients);
}
