// Consumer offsets moved to dc2: planned translation lands exactly on the record after the
// group's last one (checked by reading both records back), unplanned uses the checkpoint and
// its duplicate window contains the exact position; offsets never move backwards and
// groups active on dc2 are left alone.
import type { Consumer } from '@platformatic/kafka';
import { findFlow } from '#src/config/estate';
import { readRanges } from '#src/kafka/topic-reader';
import { commitConsumerOffsets, isSynced, planConsumerOffsets } from '#src/failover/consumer-offsets';
import { readCheckpoints } from '#src/mm2/internal-topics';
import { ensureTopic, eventually, labContext, sendRecords, uniqueName } from '../support/lab';

async function valueAt(fetcher: Consumer, topic: string, partition: number, offset: bigint): Promise<string | undefined> {
  let value: string | undefined;
  await readRanges(fetcher, topic, [{ partition, from: offset, to: offset + 1n }], (_, r) => (value = r.value?.toString()));
  return value;
}

async function setup() {
  const ctx = await labContext();
  const flow = findFlow(ctx.config, 'dc1->dc2');
  const { clients } = ctx;
  const topic = uniqueName('ledger');
  const group = uniqueName('ledger-app');
  const dc1 = await ctx.kafkaFor('dc1');
  await ensureTopic(await clients.admin('dc1'), topic, 2);
  await sendRecords(dc1, topic, Array.from({ length: 400 }, (_, i) => ({ partition: i % 2, key: `k${i}`, value: `v${i}` })));
  // The group has read 150 and 120 records of its partitions.
  const committed = [150n, 120n];
  await (await ctx.adminFor('dc1')).alterConsumerGroupOffsets({ groupId: group, topics: [{ name: topic, partitionOffsets: committed.map((offset, partition) => ({ partition, offset })) }] });
  const [onDc1, onDc2] = await Promise.all([clients.fetcher('dc1'), clients.fetcher('dc2')]);
  await eventually(`checkpoints of ${group} on dc2`, async () => {
    const checkpoints = [...(await readCheckpoints(onDc2, 'dc1.checkpoints.internal')).values()].filter((c) => c.group === group);
    return checkpoints.length === 2 && checkpoints.every((c) => c.upstreamOffset === committed[c.partition]) ? true : undefined;
  }, 90_000, 2000);
  return { ...ctx, flow, clients, topic, group, committed, onDc1, onDc2 };
}

it('planned: translates exactly (the next record on dc2 is the one the group would have read on dc1), commits and reads back', async () => {
  const { flow, clients, topic, group, committed, onDc1, onDc2 } = await setup();
  const plan = await planConsumerOffsets(flow, 'planned', clients);
  const mine = plan.groups.find((g) => g.group === group)!;
  expect(mine.partitions).toHaveLength(2);
  for (const p of mine.partitions) {
    expect(p).toMatchObject({ topic: `dc1.${topic}`, method: 'exact', action: 'commit', currentOffset: null, upstreamOffset: committed[p.partition] });
    expect(p.duplicateWindow).toBeUndefined();
    expect(await valueAt(onDc2, `dc1.${topic}`, p.partition, p.targetOffset)).toBe(await valueAt(onDc1, topic, p.partition, committed[p.partition]!));
    expect(await valueAt(onDc2, `dc1.${topic}`, p.partition, p.targetOffset - 1n)).toBe(await valueAt(onDc1, topic, p.partition, committed[p.partition]! - 1n));
  }
  const result = await commitConsumerOffsets(flow, plan, clients);
  expect(isSynced(result)).toBe(true);
  expect(result.committed).toContainEqual({ group, partitions: 2 });
  const [readBack] = await (await clients.admin('dc2')).listConsumerGroupOffsets({ groups: [group] });
  const offsets = readBack!.topics.find((t) => t.name === `dc1.${topic}`)!.partitions.map((p) => [p.partitionIndex, p.committedOffset] as const);
  expect(new Map(offsets)).toEqual(new Map(mine.partitions.map((p) => [p.partition, p.targetOffset])));

  // A re-run changes nothing: same plan, every partition already there.
  const again = await planConsumerOffsets(flow, 'planned', clients);
  expect(again.groups.find((g) => g.group === group)!.partitions.map((p) => p.action)).toEqual(['unchanged', 'unchanged']);
});

it('unplanned: commits the checkpoint, whose duplicate window holds the exact position; never moves a group backwards', async () => {
  const { flow, clients, topic, group, committed, onDc1, onDc2 } = await setup();
  // Partition 1 on dc2 is already further on than any translation (e.g. MM2's own offset sync or a consumer there).
  await (await clients.admin('dc2')).alterConsumerGroupOffsets({ groupId: group, topics: [{ name: `dc1.${topic}`, partitionOffsets: [{ partition: 1, offset: 190n }] }] });
  const plan = await planConsumerOffsets(flow, 'unplanned', clients);
  const [p0, p1] = plan.groups.find((g) => g.group === group)!.partitions;
  expect(p0).toMatchObject({ method: 'checkpoint', action: 'commit', upstreamOffset: committed[0] });
  expect(p1).toMatchObject({ method: 'checkpoint', action: 'ahead', currentOffset: 190n });
  // The record the group reads next on dc1 sits on dc2 inside [targetOffset, window end]: a re-read, never a skip.
  const next = await valueAt(onDc1, topic, 0, committed[0]!);
  const window = p0!.duplicateWindow!;
  expect(window.from).toBe(p0!.targetOffset);
  const inWindow: string[] = [];
  await readRanges(onDc2, `dc1.${topic}`, [{ partition: 0, from: window.from, to: window.to }, { partition: 1, from: 0n, to: 0n }], (_, r) => inWindow.push(r.value!.toString()));
  expect(inWindow).toContain(next);

  const result = await commitConsumerOffsets(flow, plan, clients);
  expect(isSynced(result)).toBe(true);
  const [readBack] = await (await clients.admin('dc2')).listConsumerGroupOffsets({ groups: [group] });
  const offsets = new Map(readBack!.topics.find((t) => t.name === `dc1.${topic}`)!.partitions.map((p) => [p.partitionIndex, p.committedOffset]));
  expect(offsets).toEqual(new Map([[0, p0!.targetOffset], [1, 190n]]));
});

it('leaves a group with members on dc2 alone and reports it', async () => {
  const { flow, clients, topic, group, kafkaFor } = await setup();
  const consumer = (await kafkaFor('dc2')).consumer({ groupId: group });
  try {
    await consumer.connect();
    await consumer.subscribe({ topics: [`dc1.${topic}`] });
    await consumer.run({ eachMessage: async () => undefined });
    await eventually(`${group} to be active on dc2`, async () => {
      const described = await (await clients.admin('dc2')).describeGroups({ groups: [group] });
      return described.get(group)?.members.size ? true : undefined;
    }, 30_000, 500);
    const plan = await planConsumerOffsets(flow, 'unplanned', clients);
    const result = await commitConsumerOffsets(flow, plan, clients);
    expect(result.skippedActive).toContainEqual({ group, members: 1 });
    expect(result.committed.map((c) => c.group)).not.toContain(group);
  } finally {
    await consumer.disconnect();
  }
});
