// The round trip dc1 -> dc2 -> dc1: a planned switchover to dc2, clients work there (they
// finish the replica of dc1's topic and write a new topic on dc2), the reverse flow copies
// dc2's writes to dc1, and a planned failback over flow dc2->dc1 brings the group home: on
// dc1 it resumes both dc1's own topic (through the forward flow's offset syncs, read
// backwards) and the replica of dc2's writes. Every record is read exactly once overall.
// Also: failback is refused, saying what to set up, while the reverse flow's connectors are missing.
import { withReverseFlow, startReverseFlow } from '../../lab/reverse-flow';
import { ensureTopic, uniqueName } from '../support/lab';
import { deleteConnector } from '../support/connectors';
import { replicaCreated, twoWayRig } from '../support/failover';
import { consumeCommitting, produceContinuously } from '../../lab/traffic';

let rig: Awaited<ReturnType<typeof twoWayRig>>;

beforeAll(async () => {
  rig = await twoWayRig(withReverseFlow);
}, 300_000);

afterAll(() => rig.retire(), 300_000);

const outcome = (r: { status: string; error?: string; cause?: string }) => ({ status: r.status, error: r.error, cause: r.cause });

it('round trip dc1 -> dc2 -> dc1 with planned switchovers: every record read exactly once', async () => {
  const topic = uniqueName('invoices');
  const group = uniqueName('invoicing');
  await ensureTopic(await rig.ctx.adminFor('dc1'), topic, 2);
  await ensureTopic(await rig.ctx.adminFor('dc2'), topic, 2); // the application's topic exists in both datacenters

  // On dc1: writes, and the group reads part of them.
  const onDc1 = await produceContinuously(await rig.kafkaBehindRecord(), topic, 'dc1');
  await onDc1.atLeast(200);
  await onDc1.stop();
  const first = await consumeCommitting(await rig.kafkaBehindRecord(), group, [topic]);
  await first.until(120);
  await first.stop();
  await replicaCreated(rig.ctx, topic, 2);

  const over = await rig.run({ flow: 'dc1->dc2', mode: 'planned', reason: 'test: round trip, out' }, uniqueName('out'));
  expect(outcome(over)).toEqual({ status: 'SUCCEEDED' });
  expect(await rig.recordCluster()).toBe('dc2');

  // On dc2: the group finishes dc1's records (replica) and reads part of the new writes.
  const onDc2 = await produceContinuously(await rig.kafkaBehindRecord(), topic, 'dc2');
  await onDc2.atLeast(100);
  await onDc2.stop();
  const second = await consumeCommitting(await rig.kafkaBehindRecord(), group, [`dc1.${topic}`, topic]);
  await second.until(onDc1.ledger.length - first.consumed.length + 40);
  await second.stop();
  await replicaCreated(rig.ctx, topic, 2, { source: 'dc2', target: 'dc1' });

  const back = await rig.run({ flow: 'dc2->dc1', mode: 'planned', reason: 'test: round trip, home' }, uniqueName('home'));
  expect(outcome(back)).toEqual({ status: 'SUCCEEDED' });
  const report = back.output as any;
  expect(report.steps.syncOffsets).toMatchObject({ synced: true });
  expect(report.steps.syncOffsets.untranslated.filter((u: any) => u.group === group)).toEqual([]);
  expect(report.steps.syncOffsets.partitions.checkpoint).toBe(0); // exact, both the home topic and the replica
  expect(await rig.recordCluster()).toBe('dc1');

  // Home: the group resumes dc1's own topic and the replica of dc2's writes.
  const third = await consumeCommitting(await rig.kafkaBehindRecord(), group, [topic, `dc2.${topic}`]);
  const total = onDc1.ledger.length + onDc2.ledger.length;
  await third.until(total - first.consumed.length - second.consumed.length);
  await new Promise((r) => setTimeout(r, 1000)); // a duplicate would show up now
  await third.stop();
  const read = [...first.consumed, ...second.consumed, ...third.consumed].map((c) => c.value);
  expect(read.length).toBe(total);
  expect(new Set(read)).toEqual(new Set([...onDc1.ledger, ...onDc2.ledger]));
}, 300_000);

it('refuses to fail back while the reverse flow is not set up, and says what to do', async () => {
  // The reverse Connect cluster runs, but nobody has created the flow's MM2 connectors.
  const { url, connectors } = rig.ctx.lab.reverseConnect!;
  for (const name of Object.values(connectors)) await deleteConnector(url, name);
  try {
    const result = await rig.run({ flow: 'dc2->dc1', mode: 'planned', dryRun: true, reason: 'test: no reverse flow' });
    expect(result.error).toBe('PreflightFailed');
    expect(result.cause).toMatch(/replication dc2->dc1 is not set up: connector .* does not exist/);
  } finally {
    await startReverseFlow();
  }
});
