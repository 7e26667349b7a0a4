// The planned switchover's drain check on what holds it and what must not: a transactional
// topic's trailing commit marker (MM2 copies records, never markers) does not count as
// unreplicated, and a group whose checkpoint lags its commit is reported without holding it.
import { ConnectClient } from '#src/connect/client';
import { drainStatus } from '#src/failover/drain';
import { flowOf } from '#src/flow';
import { readCheckpoints } from '#src/mm2/internal-topics';
import { replicaCreated } from '../support/failover';
import { ensureTopic, eventually, labContext, sendRecords, uniqueName } from '../support/lab';

it('is drained with only a commit marker left unreplicated, and reports a lagging checkpoint without waiting for it', async () => {
  const ctx = await labContext();
  const flow = ctx.config.flows[0]!;
  const dc1 = await ctx.kafkaFor('dc1');
  const txnTopic = uniqueName('drain-txn');
  const plainTopic = uniqueName('drain-plain');
  const group = uniqueName('drain-app');
  await ensureTopic(await ctx.adminFor('dc1'), txnTopic, 1);
  await ensureTopic(await ctx.adminFor('dc1'), plainTopic, 1);
  const producer = dc1.producer({ transactionalId: uniqueName('drain-tx'), idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  const txn = await producer.transaction();
  await txn.send({ topic: txnTopic, messages: [{ value: 'a' }, { value: 'b' }] });
  await txn.commit();
  await producer.disconnect();
  await sendRecords(dc1, plainTopic, Array.from({ length: 10 }, (_, i) => ({ value: `v${i}` })));
  await replicaCreated(ctx, txnTopic, 1);
  await replicaCreated(ctx, plainTopic, 1);

  // A group that consumed 5 records, checkpointed by MM2, then commits 10 just before the check.
  const admin = dc1.admin();
  await admin.connect();
  await admin.setOffsets({ groupId: group, topic: plainTopic, partitions: [{ partition: 0, offset: '5' }] });
  const dc2 = await ctx.clients.fetcher('dc2');
  await eventually(`MM2's checkpoint of ${group}`, async () => ([...(await readCheckpoints(dc2, 'dc1.checkpoints.internal')).values()].some((c) => c.group === group && c.upstreamOffset === 5n) ? true : undefined), 60_000, 1000);
  // MM2's checkpoint connector paused: the group's checkpoint stays behind its new commit.
  const connect = new ConnectClient(flow.mm2.connectUrl);
  await connect.pause(flow.mm2.connectors.checkpoint);
  await eventually('the checkpoint task paused', async () => ((await connect.status(flow.mm2.connectors.checkpoint)).tasks.every((t) => t.state === 'PAUSED') ? true : undefined), 30_000, 500);
  await admin.setOffsets({ groupId: group, topic: plainTopic, partitions: [{ partition: 0, offset: '10' }] });
  await admin.disconnect();

  try {
    const status = await eventually('the transactional topic replicated up to its marker', async () => {
      const s = await drainStatus(flowOf({ ...flow, topics: { include: [txnTopic, plainTopic], exclude: [] } }), ctx.clients, new Date());
      return s.drained ? s : undefined;
    }, 60_000, 1000);
    expect(status).toMatchObject({ drained: true, unreplicatedRecords: 0, behind: [] });
    expect(status.uncoveredCheckpoints).toContain(`${group} ${plainTopic}-0 at 10 (checkpoint at 5)`);
  } finally {
    await connect.resume(flow.mm2.connectors.checkpoint);
  }
});
