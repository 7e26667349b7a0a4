// The checkpoints MM2 does not write. A group on a flow's source that reads a replica of the
// target's own topics ("dc2.payments" on dc1, copied by the flow back) holds a position no
// MM2 checkpoint covers: a checkpoint connector translates only through the offset syncs of
// topics its flow copies, and MM2 never copies a replica back where it came from. Once the
// source is gone, an unplanned failover would have nothing to resume such a group at on the
// target's own topic ("payments" on dc2). So kafka-dr writes those checkpoints, on a
// schedule, while both clusters answer: each group's committed offset on such a replica,
// translated through the flow back's offset syncs as MM2 translates (the sync's offset at a
// sync, one past it beyond: never a record skipped), as MM2 Checkpoint records in a compacted
// topic on the target, beside MM2's own, where the failover reads both.
import { ProduceAcks, type Producer } from '@platformatic/kafka';
import type { EstateClients } from '#src/kafka/connection';
import type { Flow } from '#src/flow';
import { applicationGroups } from '#src/kafka/group-offsets';
import { partitionKey } from '#src/kafka/partition-state';
import { ensureTopic } from '#src/kafka/topics';
import { readCheckpoints } from '#src/mm2/internal-topics';
import { encodeCheckpoint, type Checkpoint } from '#src/mm2/records';
import { readAnchors } from './offset-anchors';
import { anchorAtOrBefore, routeTopic } from './offset-translation';

/** Where a flow's return checkpoints live on its target: ".internal", so no flow copies them. */
export const returnCheckpointsTopic = (source: string) => `kafka-dr-return-checkpoints.${source}.internal`;

export interface ReturnCheckpointsRun {
  flow: string;
  /** The flow back whose offset syncs translate the positions. */
  back: string;
  topic: string;
  groups: number;
  /** Group partitions on replicas of the target's topics. */
  positions: number;
  /** Checkpoints written this run (the others were already there, unchanged). */
  written: number;
  /** Positions no offset sync covers yet: no checkpoint for them. */
  untranslated: { group: string; topic: string; partition: number; why: string }[];
}

const checkpointKey = (c: Pick<Checkpoint, 'group' | 'topic' | 'partition'>) => `${c.group}\u0000${partitionKey(c.topic, c.partition)}`;

/** Reads the source's groups and the flow back's offset syncs, and writes what changed. */
export async function writeReturnCheckpoints(flow: Flow, back: Flow, clients: Pick<EstateClients, 'admin' | 'fetcher' | 'producer'>): Promise<ReturnCheckpointsRun> {
  const topic = returnCheckpointsTopic(flow.source);
  const sourceAdmin = await clients.admin(flow.source);
  const groups = await applicationGroups(sourceAdmin);
  const committed = groups.length === 0 ? [] : await sourceAdmin.listConsumerGroupOffsets({ groups });
  const naming = { policy: flow.policy, source: flow.source, target: flow.target, replicates: flow.replicates, failingBack: true };
  const positions = committed.flatMap((g) =>
    g.topics.flatMap((t) => {
      const route = routeTopic(t.name, naming);
      if (route?.direction !== 'return') return [];
      return t.partitions.filter((p) => p.committedOffset >= 0n).map((p) => ({ group: g.groupId, replica: t.name, home: route.topic, partition: p.partitionIndex, offset: p.committedOffset }));
    }),
  );
  const run: ReturnCheckpointsRun = { flow: flow.name, back: back.name, topic, groups: new Set(positions.map((p) => p.group)).size, positions: positions.length, written: 0, untranslated: [] };
  if (positions.length === 0) return run;

  const anchors = await readAnchors(clients, back, 'return');
  const checkpoints: Checkpoint[] = [];
  for (const p of positions) {
    const anchor = anchorAtOrBefore(anchors.get(partitionKey(p.home, p.partition)) ?? [], p.offset);
    if (!anchor) {
      run.untranslated.push({ group: p.group, topic: p.replica, partition: p.partition, why: `no offset sync of ${back.name} at or before offset ${p.offset} of ${p.replica}-${p.partition}` });
      continue;
    }
    const downstreamOffset = anchor.target + (p.offset === anchor.source ? 0n : 1n);
    checkpoints.push({ group: p.group, topic: p.home, partition: p.partition, upstreamOffset: p.offset, downstreamOffset, metadata: '' });
  }

  const targetAdmin = await clients.admin(flow.target);
  await ensureTopic(targetAdmin, topic, 1, { 'cleanup.policy': 'compact' });
  const stored = await readCheckpoints(await clients.fetcher(flow.target), topic);
  const changed = checkpoints.filter((c) => {
    const was = stored.get(checkpointKey(c));
    return !was || was.upstreamOffset !== c.upstreamOffset || was.downstreamOffset !== c.downstreamOffset;
  });
  await send(await clients.producer(flow.target), topic, changed);
  run.written = changed.length;
  return run;
}

const BATCH = 500;

async function send(producer: Producer, topic: string, checkpoints: readonly Checkpoint[]): Promise<void> {
  for (let i = 0; i < checkpoints.length; i += BATCH) {
    await producer.send({ acks: ProduceAcks.ALL, messages: checkpoints.slice(i, i + BATCH).map((c) => ({ topic, partition: 0, ...encodeCheckpoint(c) })) });
  }
}
