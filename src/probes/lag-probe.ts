// The lag and RPO probe for one flow: how far behind the target is, per partition and in
// total, what would be lost if the source vanished now, how fresh heartbeats, the canary
// and each group's checkpoints are, and whether both clusters answer. A cluster that does
// not answer is reported (reachable: false), never thrown: the probe must keep publishing
// in the disaster it exists to detect.
import type { Admin, Consumer } from '@platformatic/kafka';
import type { EstateClients } from '#src/kafka/connection';
import { CANARY_TOPIC, LINK_PROBE_TOPIC } from '#src/config/schema';
import type { Flow } from '#src/flow';
import { firstRecordTimestamps, partitionKey, partitionStates, type PartitionState } from '#src/kafka/partition-state';
import { readOffsetSyncs } from '#src/mm2/internal-topics';
import type { OffsetSync } from '#src/mm2/records';
import { checkpointsByGroup } from '#src/replication-status';
import { measureCanary, type CanaryResult } from './canary';
import { heartbeatAgeMs } from './heartbeat-age';

export interface PartitionLag {
  topic: string;
  partition: number;
  remoteTopic: string;
  sourceEnd: bigint;
  /** The source offset up to which records are on the target. */
  replicatedTo: bigint;
  lagRecords: bigint;
  /** Newest source record timestamp - newest replicated record timestamp (0 when caught up). */
  timeLagMs: number;
  /** Whether any record of the partition is on the target yet. */
  started: boolean;
}

export interface TopicLag {
  topic: string;
  unreplicatedRecords: bigint;
  rpoMs: number;
}

export interface LagReport {
  flow: string;
  at: number;
  reachable: { source: boolean; target: boolean };
  errors: string[];
  heartbeatAgeMs: number | null;
  canary: CanaryResult | null;
  /** Present only when both clusters answered. */
  lag: { partitions: PartitionLag[]; topics: TopicLag[]; rpoMs: number; unreplicatedRecords: bigint; maxPartitionLag: bigint } | null;
  checkpoints: { group: string; ageMs: number; stale: boolean }[];
  staleCheckpointGroups: number | null;
}

/** The producer sends the canary (acks=all). */
export type LagProbeClients = EstateClients;

/** What measuring a flow's lag reads on each of its clusters. */
export interface ClusterReaders {
  admin: Admin;
  fetcher: Consumer;
}

export interface LagProbeOptions {
  canaryTimeoutMs: number;
  checkpointStaleMs: number;
  now?: () => number;
}

/** Where the source's records stand on the target, from the newest offset sync (MM2 copies records one to one after it). */
export function replicatedTo(source: PartitionState, target: PartitionState | undefined, sync: OffsetSync | undefined): bigint {
  if (!target || target.latest === target.earliest) return source.earliest;
  const copiedAfter = (from: bigint, fromTarget: bigint) => from + (target.latest > fromTarget ? target.latest - fromTarget : 0n);
  const position = sync ? copiedAfter(sync.upstreamOffset, sync.downstreamOffset) : copiedAfter(source.earliest, target.earliest);
  return position > source.latest ? source.latest : position < source.earliest ? source.earliest : position;
}

/**
 * `firstRecordTimestamp` is needed only when nothing of the partition is on the target yet:
 * then the data at risk starts at the source's first record.
 */
export function partitionLag(source: PartitionState, remoteTopic: string, target: PartitionState | undefined, sync: OffsetSync | undefined, firstRecordTimestamp?: number): PartitionLag {
  const to = replicatedTo(source, target, sync);
  const lagRecords = source.latest - to;
  let timeLagMs = 0;
  if (lagRecords > 0n && source.newestTimestamp !== null) {
    // The span of data at risk: from the newest record already on the target to the newest on the source.
    const from = target?.newestTimestamp ?? firstRecordTimestamp ?? source.newestTimestamp;
    timeLagMs = Math.max(0, source.newestTimestamp - from);
  }
  return { topic: source.topic, partition: source.partition, remoteTopic, sourceEnd: source.latest, replicatedTo: to, lagRecords, timeLagMs, started: target?.newestTimestamp != null };
}

export function summarizeLag(partitions: PartitionLag[]): NonNullable<LagReport['lag']> {
  const topics = new Map<string, TopicLag>();
  for (const p of partitions) {
    const t = topics.get(p.topic) ?? { topic: p.topic, unreplicatedRecords: 0n, rpoMs: 0 };
    t.unreplicatedRecords += p.lagRecords;
    t.rpoMs = Math.max(t.rpoMs, p.timeLagMs);
    topics.set(p.topic, t);
  }
  return {
    partitions,
    topics: [...topics.values()].sort((a, b) => a.topic.localeCompare(b.topic)),
    rpoMs: partitions.reduce((m, p) => Math.max(m, p.timeLagMs), 0),
    unreplicatedRecords: partitions.reduce((n, p) => n + p.lagRecords, 0n),
    maxPartitionLag: partitions.reduce((m, p) => (p.lagRecords > m ? p.lagRecords : m), 0n),
  };
}

/** The cluster's admin client if a metadata request succeeds, else undefined (never throws). */
export async function reachable(admin: Promise<Admin>): Promise<Admin | undefined> {
  try {
    const a = await admin;
    await a.metadata({ topics: [], forceUpdate: true });
    return a;
  } catch {
    return undefined;
  }
}

/** The flow's replicated topics on the source, without MM2's and the probes' own topics. */
export async function sourceTopics(admin: Admin, flow: Flow): Promise<string[]> {
  const topics = await admin.listTopics({ includeInternals: false });
  return topics.filter((t) => flow.replicates(t) && t !== CANARY_TOPIC && t !== LINK_PROBE_TOPIC && !flow.policy.isInternalTopic(t)).sort();
}

/**
 * The flow's lag from both sides' partition states and MM2's newest offset syncs (keyed by
 * source partition); `firstTimestamps` (by source partition) dates partitions MM2 has not
 * copied anything of yet.
 */
export function flowLag(
  flow: Flow,
  sourceStates: PartitionState[],
  targetStates: PartitionState[],
  syncs: Map<string, OffsetSync>,
  firstTimestamps: Map<string, number> = new Map(),
): NonNullable<LagReport['lag']> {
  const targetByKey = new Map(targetStates.map((s) => [partitionKey(s.topic, s.partition), s]));
  return summarizeLag(
    sourceStates.map((s) => {
      const remote = flow.policy.remoteTopic(flow.source, s.topic);
      const key = partitionKey(s.topic, s.partition);
      return partitionLag(s, remote, targetByKey.get(partitionKey(remote, s.partition)), syncs.get(key), firstTimestamps.get(key));
    }),
  );
}

/** The flow's lag now, measured on both clusters (both must be reachable). */
export async function measureFlowLag(flow: Flow, source: ClusterReaders, target: ClusterReaders): Promise<NonNullable<LagReport['lag']>> {
  const { policy } = flow;
  const topics = await sourceTopics(source.admin, flow);
  const syncsCluster = flow.mm2.offsetSyncsTopicLocation === 'source' ? source.fetcher : target.fetcher;
  const [sourceStates, targetStates, syncs] = await Promise.all([
    partitionStates(source.admin, topics),
    partitionStates(target.admin, topics.map((t) => policy.remoteTopic(flow.source, t))),
    readOffsetSyncs(syncsCluster, policy.offsetSyncsTopic(flow.target)),
  ]);
  const lag = flowLag(flow, sourceStates, targetStates, syncs);
  // Rare (a topic MM2 has not copied from yet): one more batched request, for those partitions only.
  const unstarted = lag.partitions.filter((p) => !p.started && p.lagRecords > 0n);
  return unstarted.length > 0 ? flowLag(flow, sourceStates, targetStates, syncs, await firstRecordTimestamps(source.admin, unstarted)) : lag;
}

export async function runLagProbe(flow: Flow, clients: LagProbeClients, options: LagProbeOptions): Promise<LagReport> {
  const now = options.now ?? Date.now;
  const { policy } = flow;
  const report: LagReport = {
    flow: flow.name,
    at: now(),
    reachable: { source: false, target: false },
    errors: [],
    heartbeatAgeMs: null,
    canary: null,
    lag: null,
    checkpoints: [],
    staleCheckpointGroups: null,
  };
  const attempt = async <T>(what: string, work: () => Promise<T>): Promise<T | undefined> => {
    try {
      return await work();
    } catch (err) {
      report.errors.push(`${what}: ${(err as Error).message}`);
      return undefined;
    }
  };

  const [source, target] = await Promise.all([reachable(clients.admin(flow.source)), reachable(clients.admin(flow.target))]);
  report.reachable = { source: source !== undefined, target: target !== undefined };
  if (!source) report.errors.push(`source cluster ${flow.source} unreachable`);
  if (!target) report.errors.push(`target cluster ${flow.target} unreachable`);
  if (!target) return report;

  const remoteCanary = policy.remoteTopic(flow.source, CANARY_TOPIC);
  const targetFetcher = await clients.fetcher(flow.target);

  const tasks: Promise<unknown>[] = [
    attempt(`heartbeats on ${flow.target}`, async () => {
      report.heartbeatAgeMs = await heartbeatAgeMs(target, flow, now());
    }),
    attempt(`checkpoints on ${flow.target}`, async () => {
      const groups = await checkpointsByGroup(targetFetcher, policy.checkpointsTopic(flow.source), now());
      report.checkpoints = groups.map((g) => ({ group: g.group, ageMs: g.ageMs, stale: g.ageMs > options.checkpointStaleMs }));
      report.staleCheckpointGroups = report.checkpoints.filter((c) => c.stale).length;
    }),
  ];
  if (source) {
    const sourceFetcher = await clients.fetcher(flow.source);
    tasks.push(
      attempt(`canary ${flow.source} -> ${flow.target}`, async () => {
        report.canary = await measureCanary({ admin: source, producer: await clients.producer(flow.source) }, target, remoteCanary, options.canaryTimeoutMs);
        if (report.canary.error) report.errors.push(`canary: ${report.canary.error}`);
      }),
      attempt('replication lag', async () => {
        report.lag = await measureFlowLag(flow, { admin: source, fetcher: sourceFetcher }, { admin: target, fetcher: targetFetcher });
      }),
    );
  } else {
    report.canary = { arrived: false, latencyMs: null, timeoutMs: options.canaryTimeoutMs, error: `source cluster ${flow.source} unreachable` };
  }
  await Promise.all(tasks);
  return report;
}
