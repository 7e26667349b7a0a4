// Moving consumer groups to the target: where each group must resume there, and the commit.
//
// One read of `<source>.checkpoints.internal` on the target gives every group MM2 follows.
// Planned (the source is reachable): each group's committed offset on the source is
// translated exactly through the offset syncs, and the result is verified by comparing
// record fingerprints on both clusters, so consumers resume with no duplicate; a partition
// that cannot be verified falls back to MM2's checkpoint and says why. Unplanned: the
// checkpoint, with the window of records consumers may read again.
import type { Admin } from '@platformatic/kafka';
import type { EstateClients } from '#src/kafka/connection';
import type { FlowConfig } from '#src/config/schema';
import type { Flow } from '#src/flow';
import { applicationGroups, committedOffsets, groupPartitionKey } from '#src/kafka/group-offsets';
import { partitionKey } from '#src/kafka/partition-state';
import { fingerprintsAt } from '#src/kafka/record-fingerprints';
import { readCheckpoints } from '#src/mm2/internal-topics';
import type { Checkpoint } from '#src/mm2/records';
import { readAnchors } from './offset-anchors';
import { checkpointFallback, duplicateWindow, fingerprintMismatch, offsetAction, routeTopic, translatePosition, type Anchor, type ExactTranslation, type OffsetAction } from './offset-translation';
import { returnCheckpointsTopic } from './return-checkpoints';

export type FailoverMode = 'planned' | 'unplanned';

/** Fetchers read MM2's topics, and in planned mode compare the records on both clusters. */
export type ConsumerOffsetClients = Pick<EstateClients, 'admin' | 'fetcher'>;

export interface PartitionOffsetPlan {
  /** The topic on the target. */
  topic: string;
  partition: number;
  /** The group's position on the source: its committed offset (planned) or the checkpoint's (unplanned). */
  upstreamOffset: bigint;
  /** Where the group resumes on the target. */
  targetOffset: bigint;
  method: 'exact' | 'checkpoint';
  /** Planned mode: why this partition could not be translated exactly. */
  fallback?: string;
  /** The group's committed offset on the target before the sync. */
  currentOffset: bigint | null;
  action: OffsetAction;
  /** Records [from, to) on the target consumers may read a second time (checkpoint translation is conservative). */
  duplicateWindow?: { from: bigint; to: bigint };
}

export interface GroupOffsetPlan {
  group: string;
  /** Members the group has on the target: an active group is never touched. */
  targetMembers: number;
  partitions: PartitionOffsetPlan[];
}

export interface ConsumerOffsetsPlan {
  flow: string;
  mode: FailoverMode;
  checkpointsTopic: string;
  checkpointsRead: number;
  groups: GroupOffsetPlan[];
  /** Planned mode: partitions left as they are, with neither an exact translation nor a checkpoint. */
  untranslated: { group: string; topic: string; partition: number; why: string }[];
}

export interface ConsumerOffsetsResult {
  committed: { group: string; partitions: number }[];
  skippedActive: { group: string; members: number }[];
  failed: { group: string; error: string }[];
  /** Partitions whose read-back offset differs from what the plan says they must hold. */
  mismatches: { group: string; topic: string; partition: number; expected: bigint; found: bigint | null }[];
}

type StoredCheckpoint = Checkpoint & { recordTimestamp: number };

export function isSynced(result: ConsumerOffsetsResult): boolean {
  return result.failed.length === 0 && result.mismatches.length === 0;
}

/** Reads the checkpoints (and, planned, the source's groups and offset syncs) once and plans every group. */
export interface PlanOptions {
  /** The flow in the other direction, when failing back over it: its offset syncs bring groups home. */
  reverse?: Flow;
}

export async function planConsumerOffsets(flow: Flow, mode: FailoverMode, clients: ConsumerOffsetClients, options: PlanOptions = {}): Promise<ConsumerOffsetsPlan> {
  const { policy } = flow;
  const checkpointsTopic = policy.checkpointsTopic(flow.source);
  const targetAdmin = await clients.admin(flow.target);
  const targetTopics = new Set(await targetAdmin.listTopics({ includeInternals: true }));
  if (!targetTopics.has(checkpointsTopic)) {
    throw new Error(
      `${flow.target} has no ${checkpointsTopic}: MM2's checkpoint connector ${flow.mm2.connectors.checkpoint} has never emitted checkpoints for ${flow.name} (check emit.checkpoints.enabled and its groups filter)`,
    );
  }
  // MM2's checkpoints, and kafka-dr's of the groups on replicas of the target's own topics (return-checkpoints.ts).
  const returnTopic = returnCheckpointsTopic(flow.source);
  const targetFetcher = await clients.fetcher(flow.target);
  const [mm2, returned] = await Promise.all([readCheckpoints(targetFetcher, checkpointsTopic), targetTopics.has(returnTopic) ? readCheckpoints(targetFetcher, returnTopic) : Promise.resolve(new Map<string, StoredCheckpoint>())]);
  const checkpoints = new Map([...mm2, ...returned]);
  // A checkpoint outlives its topic: one deleted on the target has nothing left to resume.
  const gone: ConsumerOffsetsPlan['untranslated'] = [];
  const byGroup = new Map<string, Map<string, StoredCheckpoint>>();
  for (const c of checkpoints.values()) {
    if (!targetTopics.has(c.topic)) {
      gone.push({ group: c.group, topic: c.topic, partition: c.partition, why: `${c.topic} no longer exists on ${flow.target}: its checkpoint was skipped` });
      continue;
    }
    const group = byGroup.get(c.group) ?? new Map<string, StoredCheckpoint>();
    group.set(partitionKey(c.topic, c.partition), c);
    byGroup.set(c.group, group);
  }
  // Planned: also the source's groups MM2 has not checkpointed (yet): exact translation does not need a checkpoint.
  const groups = mode === 'planned' ? [...new Set([...byGroup.keys(), ...(await applicationGroups(await clients.admin(flow.source)))])] : [...byGroup.keys()];

  const { translated, untranslated } = mode === 'planned' ? await translateExactly(flow, options.reverse, groups, byGroup, clients) : { translated: new Map<string, Map<string, PartitionTarget>>(), untranslated: [] };
  const windowEnds = await replicaEnds(targetAdmin, [...byGroup.values()].flatMap((g) => [...g.values()]));
  const [members, current] = await Promise.all([targetMembers(targetAdmin, groups), committedOffsets(targetAdmin, groups)]);

  const planned: GroupOffsetPlan[] = groups.map((group) => {
    const targets = new Map<string, PartitionTarget>();
    for (const c of byGroup.get(group)?.values() ?? []) {
      targets.set(partitionKey(c.topic, c.partition), {
        topic: c.topic,
        partition: c.partition,
        upstreamOffset: c.upstreamOffset,
        targetOffset: c.downstreamOffset,
        method: 'checkpoint',
      });
    }
    for (const [key, t] of translated.get(group) ?? []) targets.set(key, t);
    const partitions = [...targets.values()]
      .sort((a, b) => a.topic.localeCompare(b.topic) || a.partition - b.partition)
      .map((t): PartitionOffsetPlan => {
        const currentOffset = current.get(groupPartitionKey(group, t.topic, t.partition)) ?? null;
        const action = offsetAction(currentOffset, t.targetOffset);
        if (t.method === 'exact') return { ...t, currentOffset, action };
        return { ...t, currentOffset, action, duplicateWindow: duplicateWindow(t.targetOffset, windowEnds.get(partitionKey(t.topic, t.partition))) };
      });
    return { group, targetMembers: members.get(group) ?? 0, partitions };
  })
    .filter((g) => g.partitions.length > 0)
    .sort((a, b) => a.group.localeCompare(b.group));
  return { flow: flow.name, mode, checkpointsTopic, checkpointsRead: checkpoints.size, groups: planned, untranslated: [...gone, ...untranslated] };
}

type PartitionTarget = Omit<PartitionOffsetPlan, 'currentOffset' | 'action'>;

/**
 * Per target partition holding checkpoints, its end offset: where a duplicate window ends.
 * Any replicated record after a group's checkpoint may have been consumed on the source
 * before it was lost (MM2 checkpoints lag the group's commits, by more than the checkpoint
 * interval when its tasks fall behind), and none beyond the end can be re-read.
 */
async function replicaEnds(admin: Admin, checkpoints: Iterable<StoredCheckpoint>): Promise<Map<string, bigint>> {
  const topics = new Map<string, Set<number>>();
  for (const c of checkpoints) topics.set(c.topic, (topics.get(c.topic) ?? new Set()).add(c.partition));
  if (topics.size === 0) return new Map();
  const ends = await admin.listOffsets({ topics: [...topics].map(([name, ps]) => ({ name, partitions: [...ps].map((partitionIndex) => ({ partitionIndex, timestamp: -1n })) })) });
  return new Map(ends.flatMap((t) => t.partitions.map((p) => [partitionKey(t.name, p.partitionIndex), p.offset] as const)));
}

/** Members each group has on a cluster now (0 for a group without members or unknown there). */
export async function targetMembers(admin: Admin, groups: string[]): Promise<Map<string, number>> {
  if (groups.length === 0) return new Map();
  const described = await admin.describeGroups({ groups });
  return new Map([...described.values()].map((g) => [g.id, g.members.size]));
}

/**
 * Planned mode: each group's committed offset on the source, translated through the
 * newest offset sync at or before it (downstream + distance) and accepted only when the
 * records on both sides of the position match by fingerprint. By group, then partitionKey.
 */
async function translateExactly(
  flow: Flow,
  reverse: Flow | undefined,
  groups: string[],
  byGroup: Map<string, Map<string, StoredCheckpoint>>,
  clients: ConsumerOffsetClients,
): Promise<{ translated: Map<string, Map<string, PartitionTarget>>; untranslated: ConsumerOffsetsPlan['untranslated'] }> {
  const { policy } = flow;
  const replicated = flow.replicates;
  const sourceAdmin = await clients.admin(flow.source);
  const route = (topic: string) => routeTopic(topic, { policy, source: flow.source, target: flow.target, replicates: replicated, failingBack: reverse !== undefined });
  const sourceOffsets = groups.length === 0 ? [] : await sourceAdmin.listConsumerGroupOffsets({ groups });
  const needsReturn = sourceOffsets.some((g) => g.topics.some((t) => route(t.name)?.direction === 'return'));
  const [forwardAnchors, returnAnchors] = await Promise.all([
    readAnchors(clients, flow, 'forward'),
    reverse && needsReturn ? readAnchors(clients, reverse, 'return') : Promise.resolve(new Map<string, Anchor[]>()),
  ]);

  interface Candidate {
    group: string;
    target: PartitionTarget;
    checks: ExactTranslation['checks'];
  }
  const candidates: Candidate[] = [];
  const translated = new Map<string, Map<string, PartitionTarget>>();
  const settle = (group: string, target: PartitionTarget) => {
    const targets = translated.get(group) ?? new Map<string, PartitionTarget>();
    targets.set(partitionKey(target.topic, target.partition), target);
    translated.set(group, targets);
  };
  const untranslated: ConsumerOffsetsPlan['untranslated'] = [];
  const fallBack = (group: string, topic: string, partition: number, upstreamOffset: bigint, why: string) => {
    const resume = checkpointFallback(byGroup.get(group)?.get(partitionKey(topic, partition))?.downstreamOffset, why);
    if ('untranslated' in resume) untranslated.push({ group, topic, partition, why: resume.untranslated });
    else settle(group, { topic, partition, upstreamOffset, ...resume });
  };
  for (const g of sourceOffsets) {
    for (const t of g.topics) {
      const to = route(t.name);
      if (!to) continue;
      const anchorsOf = to.direction === 'return' ? returnAnchors : forwardAnchors;
      for (const p of t.partitions) {
        const position = p.committedOffset;
        if (position < 0n) continue;
        const translation = translatePosition(anchorsOf.get(partitionKey(to.syncsTopic, p.partitionIndex)) ?? [], { topic: t.name, partition: p.partitionIndex, offset: position }, to.topic);
        if ('why' in translation) {
          fallBack(g.groupId, to.topic, p.partitionIndex, position, translation.why);
          continue;
        }
        const { targetOffset, checks } = translation;
        candidates.push({ group: g.groupId, target: { topic: to.topic, partition: p.partitionIndex, upstreamOffset: position, targetOffset, method: 'exact' }, checks });
      }
    }
  }
  const [sourceFetcher, targetFetcher] = await Promise.all([clients.fetcher(flow.source), clients.fetcher(flow.target)]);
  const [onSource, onTarget] = await Promise.all([
    fingerprintsAt(sourceFetcher, candidates.flatMap((c) => c.checks.map(([s]) => s))),
    fingerprintsAt(targetFetcher, candidates.flatMap((c) => c.checks.map(([, t]) => t))),
  ]);
  for (const { group, target, checks } of candidates) {
    const why = fingerprintMismatch(checks, onSource, onTarget);
    if (why === undefined) settle(group, target);
    else fallBack(group, target.topic, target.partition, target.upstreamOffset, why);
  }
  return { translated, untranslated };
}

const COMMIT_CONCURRENCY = 16;

/** Commits the plan on the target (one OffsetCommit per group, several in flight) and reads every planned offset back. */
export async function commitConsumerOffsets(flow: Pick<FlowConfig, 'target'>, plan: Pick<ConsumerOffsetsPlan, 'groups'>, clients: Pick<ConsumerOffsetClients, 'admin'>): Promise<ConsumerOffsetsResult> {
  const admin = await clients.admin(flow.target);
  const result: ConsumerOffsetsResult = { committed: [], skippedActive: [], failed: [], mismatches: [] };
  const work = plan.groups.filter((g) => {
    if (g.targetMembers > 0) {
      result.skippedActive.push({ group: g.group, members: g.targetMembers });
      return false;
    }
    return g.partitions.some((p) => p.action === 'commit');
  });
  let next = 0;
  const worker = async () => {
    for (let g = work[next++]; g; g = work[next++]) {
      const commits = g.partitions.filter((p) => p.action === 'commit');
      const topics = [...new Set(commits.map((p) => p.topic))].map((name) => ({
        name,
        partitionOffsets: commits.filter((p) => p.topic === name).map((p) => ({ partition: p.partition, offset: p.targetOffset })),
      }));
      try {
        await admin.alterConsumerGroupOffsets({ groupId: g.group, topics });
        result.committed.push({ group: g.group, partitions: commits.length });
      } catch (err) {
        result.failed.push({ group: g.group, error: `committing ${commits.length} offsets of group ${g.group} on ${flow.target} failed: ${(err as Error).message}` });
      }
    }
  };
  await Promise.all(Array.from({ length: COMMIT_CONCURRENCY }, worker));

  const touched = plan.groups.filter((g) => g.targetMembers === 0);
  const readBack = await committedOffsets(admin, touched.map((g) => g.group));
  const failed = new Set(result.failed.map((f) => f.group));
  for (const g of touched) {
    if (failed.has(g.group)) continue;
    for (const p of g.partitions) {
      const expected = p.action === 'ahead' && p.currentOffset !== null ? p.currentOffset : p.targetOffset;
      const found = readBack.get(groupPartitionKey(g.group, p.topic, p.partition)) ?? null;
      if (found !== expected) result.mismatches.push({ group: g.group, topic: p.topic, partition: p.partition, expected, found });
    }
  }
  return result;
}
