// Planned switchover: producers on the source have been stopped by the operator; the
// workflow waits (a Step Functions Wait loop around this check) until MM2 has copied every
// record and every group's newest checkpoint carries its final position on the source.
import type { Admin } from '@platformatic/kafka';
import type { Kafka } from 'kafkajs';
import type { FlowConfig } from '../../../lib/config/schema';
import { committedOffsetList, groupPartitionKey } from '../kafka/group-offsets';
import { readCheckpoints } from '../mm2/internal-topics';
import { ReplicationPolicy, topicFilter } from '../mm2/replication-policy';
import { measureFlowLag } from '../probes/lag-probe';

export interface DrainStatus {
  drained: boolean;
  unreplicatedRecords: number;
  /** Partitions still behind (the first 20), "topic-partition: N records". */
  behind: string[];
  /** Group partitions whose checkpoint is not at the group's committed offset on the source (the first 20). */
  uncoveredCheckpoints: string[];
  deadline: string;
}

export class DrainTimedOut extends Error {
  constructor(status: DrainStatus, timeoutSeconds: number) {
    super(
      `replication did not drain within ${timeoutSeconds} s (failover.drainTimeoutSeconds): ${status.unreplicatedRecords} records unreplicated` +
        `${status.behind.length ? ` (${status.behind.join(', ')})` : ''}${status.uncoveredCheckpoints.length ? `; checkpoints behind for ${status.uncoveredCheckpoints.join(', ')}` : ''}. ` +
        'Check that producers on the source have stopped and MM2 is running, then start the switchover again (or fail over unplanned)',
    );
    this.name = 'DrainTimedOut';
  }
}

const FIRST = 20;

export async function drainStatus(
  flow: FlowConfig,
  clients: { admin: (cluster: string) => Promise<Admin>; kafka: (cluster: string) => Promise<Kafka> },
  deadline: Date,
): Promise<DrainStatus> {
  const policy = ReplicationPolicy.of(flow);
  const [sourceAdmin, targetAdmin, sourceKafka, targetKafka] = await Promise.all([clients.admin(flow.source), clients.admin(flow.target), clients.kafka(flow.source), clients.kafka(flow.target)]);
  const [lag, checkpoints] = await Promise.all([
    measureFlowLag(flow, { admin: sourceAdmin, kafka: sourceKafka }, { admin: targetAdmin, kafka: targetKafka }),
    readCheckpoints(targetKafka, policy.checkpointsTopic(flow.source)),
  ]);
  // Each group MM2 checkpoints must have its checkpoint at its final position. Groups it does
  // not checkpoint (its groups filter, or not seen yet) are translated exactly without one.
  const groups = [...new Set([...checkpoints.values()].map((c) => c.group))];
  const committed = await committedOffsetList(sourceAdmin, groups);
  const replicated = topicFilter(flow);
  const checkpointed = new Map([...checkpoints.values()].map((c) => [groupPartitionKey(c.group, policy.sourceTopic(flow.source, c.topic), c.partition), c.upstreamOffset]));
  const uncovered = committed
    .filter((c) => replicated(c.topic) && checkpointed.get(groupPartitionKey(c.group, c.topic, c.partition)) !== c.offset)
    .map((c) => {
      const at = checkpointed.get(groupPartitionKey(c.group, c.topic, c.partition));
      return `${c.group} ${c.topic}-${c.partition} at ${c.offset} (${at === undefined ? 'no checkpoint yet' : `checkpoint at ${at}`})`;
    });
  const behind = lag.partitions.filter((p) => p.lagRecords > 0n).map((p) => `${p.topic}-${p.partition}: ${p.lagRecords}`);
  const unreplicatedRecords = Number(lag.unreplicatedRecords);
  return {
    drained: unreplicatedRecords === 0 && uncovered.length === 0,
    unreplicatedRecords,
    behind: behind.slice(0, FIRST),
    uncoveredCheckpoints: uncovered.slice(0, FIRST),
    deadline: deadline.toISOString(),
  };
}
