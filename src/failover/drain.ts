// Planned switchover: producers on the source have been stopped by the operator; the
// workflow waits (a Step Functions Wait loop around this check) until MM2 has copied every
// record. Groups whose newest checkpoint lags their final position are reported.
// Active-active, clients that stay on the source keep writing there: the drain then waits
// only for the records written before it began (the ends of the partitions behind at its
// first look), so that it ends while they work on.
import type { Consumer } from '@platformatic/kafka';
import type { EstateClients } from '#src/kafka/connection';
import type { Flow } from '#src/flow';
import { committedOffsetList, groupPartitionKey } from '#src/kafka/group-offsets';
import { readCheckpoints } from '#src/mm2/internal-topics';
import { PartitionReader, positionKey } from '#src/kafka/partition-records';
import { measureFlowLag, type PartitionLag } from '#src/probes/lag-probe';
import type { DrainSnapshotRef } from './failover-state';

export interface DrainStatus {
  drained: boolean;
  unreplicatedRecords: number;
  /** Partitions still behind (the first 20), "topic-partition: N records". */
  behind: string[];
  /** Group partitions whose checkpoint is not at the group's committed offset on the source (the first 20): reported, not waited for. */
  uncoveredCheckpoints: string[];
  deadline: string;
  /** Clients stay on the source: per partition behind at the first look ("topic-partition"), the source end to reach. */
  until?: Record<string, string>;
}

/** What the drain step passes on: the status, and where its snapshot is kept instead of the snapshot itself. */
export type DrainStep = Omit<DrainStatus, 'until'> & { snapshot?: DrainSnapshotRef };

export class DrainTimedOut extends Error {
  constructor(status: DrainStatus, timeoutSeconds: number) {
    super(
      `replication did not drain within ${timeoutSeconds} s (failover.drainTimeoutSeconds): ${status.unreplicatedRecords} records unreplicated` +
        `${status.behind.length ? ` (${status.behind.join(', ')})` : ''}. ` +
        'Check that producers on the source have stopped and MM2 is running, then start the switchover again (or fail over unplanned)',
    );
    this.name = 'DrainTimedOut';
  }
}

const FIRST = 20;

export interface DrainOptions {
  /** Clients stay on the source (active-active): drain to a snapshot of its ends, not to a standstill. */
  sourceStaysInUse?: boolean;
  /** The snapshot an earlier look took (its `until`). */
  until?: Record<string, string>;
}

export async function drainStatus(
  flow: Flow,
  clients: Pick<EstateClients, 'admin' | 'fetcher'>,
  deadline: Date,
  options: DrainOptions = {},
): Promise<DrainStatus> {
  const { policy } = flow;
  const [sourceAdmin, targetAdmin, sourceFetcher, targetFetcher] = await Promise.all([clients.admin(flow.source), clients.admin(flow.target), clients.fetcher(flow.source), clients.fetcher(flow.target)]);
  const [lag, checkpoints] = await Promise.all([
    measureFlowLag(flow, { admin: sourceAdmin, fetcher: sourceFetcher }, { admin: targetAdmin, fetcher: targetFetcher }),
    readCheckpoints(targetFetcher, policy.checkpointsTopic(flow.source)),
  ]);
  // MM2 copies records, not transaction markers: a partition whose only offsets left are
  // markers (a transactional producer's last commit) is drained.
  const until = options.sourceStaysInUse ? (options.until ?? Object.fromEntries(lag.partitions.filter((p) => p.lagRecords > 0n).map((p) => [positionKey(p.topic, p.partition), String(p.sourceEnd)]))) : undefined;
  const lagging = lag.partitions
    .map((p) => {
      if (!until) return p;
      const end = until[positionKey(p.topic, p.partition)];
      return end === undefined ? { ...p, lagRecords: 0n } : { ...p, sourceEnd: BigInt(end), lagRecords: BigInt(end) > p.replicatedTo ? BigInt(end) - p.replicatedTo : 0n };
    })
    .filter((p) => p.lagRecords > 0n);
  const markersOnly = lagging.length ? await holdNoRecords(sourceFetcher, lagging) : new Set<string>();
  const behind = lagging.filter((p) => !markersOnly.has(positionKey(p.topic, p.partition)));
  // Reported, not waited for: planned translation does not need a checkpoint, and MM2 never
  // refreshes the checkpoint of a group that stopped consuming once it cannot translate its offset.
  const groups = [...new Set([...checkpoints.values()].map((c) => c.group))];
  const committed = await committedOffsetList(sourceAdmin, groups);
  const checkpointed = new Map([...checkpoints.values()].map((c) => [groupPartitionKey(c.group, policy.sourceTopic(flow.source, c.topic), c.partition), c.upstreamOffset]));
  const uncovered = committed
    .filter((c) => flow.replicates(c.topic) && checkpointed.get(groupPartitionKey(c.group, c.topic, c.partition)) !== c.offset)
    .map((c) => {
      const at = checkpointed.get(groupPartitionKey(c.group, c.topic, c.partition));
      return `${c.group} ${c.topic}-${c.partition} at ${c.offset} (${at === undefined ? 'no checkpoint yet' : `checkpoint at ${at}`})`;
    });
  return {
    drained: behind.length === 0,
    unreplicatedRecords: Number(behind.reduce((n, p) => n + p.lagRecords, 0n)),
    behind: behind.slice(0, FIRST).map((p) => `${p.topic}-${p.partition}: ${p.lagRecords}`),
    uncoveredCheckpoints: uncovered.slice(0, FIRST),
    deadline: deadline.toISOString(),
    ...(until ? { until } : {}),
  };
}

/** Partitions whose offsets from `replicatedTo` to the end hold no committed record (read_committed). */
async function holdNoRecords(fetcher: Consumer, partitions: readonly PartitionLag[]): Promise<Set<string>> {
  const topics = [...new Set(partitions.map((p) => p.topic))];
  const reader = await PartitionReader.open(fetcher, topics, new Set());
  const empty = new Set<string>();
  let pending = partitions.map((p) => ({ topic: p.topic, partition: p.partition, offset: p.replicatedTo, end: p.sourceEnd }));
  while (pending.length > 0) {
    const reads = await reader.read(pending);
    const next: typeof pending = [];
    for (const p of pending) {
      const read = reads.get(positionKey(p.topic, p.partition));
      if (!read || read.records.length > 0) continue;
      if (read.next >= p.end) empty.add(positionKey(p.topic, p.partition));
      else next.push({ ...p, offset: read.next });
    }
    pending = next;
  }
  return empty;
}
