// The active-active topology on the lab: both datacenters produce and consume, MM2 copies
// both ways, and each datacenter's clients bootstrap through a record of their own
// (lab/active-active.ts). Failing dc1 over moves dc1's clients only: their record, and
// their group's offsets on both kinds of topic they read (dc1's own, now a replica on dc2,
// and dc2's, which they read through a replica on dc1). dc2's clients keep producing and
// consuming throughout, their record never written. Failing back brings dc1's clients home
// and leaves dc2's where they are. Every record of both applications is read exactly once.
// Then dc1 is lost: its clients resume on dc2 from MM2's checkpoints (dc1's own topics) and
// from kafka-dr's return checkpoints (dc2's topics they read through replicas on dc1, which
// no MM2 checkpoint covers), read nothing twice beyond the windows reported and lose nothing
// that had reached dc2.
import { activeActiveEstate, LAB_LOCAL_RECORDS } from '../../lab/active-active';
import { consumeCommitting, produceContinuously, type Consumed } from '../../lab/traffic';
import { readBootstrapRecord, recordDns } from '#src/dns/bootstrap-record';
import { Route53Client } from '@aws-sdk/client-route-53';
import { DescribeTimeToLiveCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { FailoverState } from '#src/failover/failover-state';
import { EXPIRES_AT } from '#src/failover/state-expiry';
import { replicaCreated, twoWayRig } from '../support/failover';
import { killLabComponent, labSh } from '../../lab/estate';
import { readCheckpoints } from '#src/mm2/internal-topics';
import { returnCheckpointsTopic } from '#src/failover/return-checkpoints';
import { ensureTopic, eventually, uniqueName } from '../support/lab';

let rig: Awaited<ReturnType<typeof twoWayRig>>;
let state: FailoverState;

beforeAll(async () => {
  rig = await twoWayRig(activeActiveEstate); // each record on its own datacenter, nothing recorded
  state = new FailoverState(DynamoDBDocumentClient.from(new DynamoDBClient({})), rig.stateTable);
}, 300_000);

afterAll(() => rig.retire(), 300_000);

const outcome = (r: { status: string; error?: string; cause?: string }) => ({ status: r.status, error: r.error, cause: r.cause });
const values = (consumed: Consumed[]) => consumed.map((c) => c.value);
const dc2Record = () => readBootstrapRecord(new Route53Client({}), recordDns(rig.config.dns, 'dc2'));

it("fails dc1 over and back under two-way traffic: only dc1's clients move, on both kinds of topic; dc2's never stop; every record read once", async () => {
  const orders = uniqueName('aa-orders'); // dc1's application writes it
  const payments = uniqueName('aa-payments'); // dc2's application writes it
  const dc1Group = uniqueName('aa-dc1-app');
  const dc2Group = uniqueName('aa-dc2-app');
  await ensureTopic(await rig.ctx.adminFor('dc1'), orders, 2);
  await ensureTopic(await rig.ctx.adminFor('dc2'), payments, 2);
  expect(await rig.recordCluster('dc1')).toBe('dc1');
  expect(await rig.recordCluster('dc2')).toBe('dc2');

  // dc2's application runs throughout: it writes payments and reads them with dc1's orders.
  const dc2Writes = await produceContinuously(await rig.kafkaBehindRecord('dc2'), payments, 'dc2');
  await dc2Writes.atLeast(200);
  await replicaCreated(rig.ctx, payments, 2, { source: 'dc2', target: 'dc1' });
  await replicaCreated(rig.ctx, orders, 2, { source: 'dc1', target: 'dc2' });
  const dc2Reads = await consumeCommitting(await rig.kafkaBehindRecord('dc2'), dc2Group, [payments, `dc1.${orders}`]);
  await dc2Reads.joined;
  const dc2RecordBefore = await dc2Record();
  try {

    // dc1's application: writes orders, reads part of them and part of dc2's payments (through their replica on dc1), then stops.
    const dc1Writes = await produceContinuously(await rig.kafkaBehindRecord('dc1'), orders, 'dc1');
    await dc1Writes.atLeast(200);
    await dc1Writes.stop();
    const onDc1 = await consumeCommitting(await rig.kafkaBehindRecord('dc1'), dc1Group, [orders, `dc2.${payments}`]);
    await onDc1.until(250);
    await onDc1.stop();

    const over = await rig.run({ flow: 'dc1->dc2', mode: 'planned', reason: 'test: active-active, dc1 out' }, uniqueName('aa-out'));
    expect(outcome(over)).toEqual({ status: 'SUCCEEDED' });
    const out = over.output as any;
    expect(out.steps.preflight.moves).toEqual({ home: 'dc1', record: LAB_LOCAL_RECORDS.dc1, stayingOnSource: [] });
    // Both kinds of topic translated exactly, none by checkpoint; dc2's group, active, untouched.
    expect(out.steps.syncOffsets).toMatchObject({ synced: true });
    expect(out.steps.syncOffsets.partitions.checkpoint).toBe(0);
    expect(out.steps.syncOffsets.untranslated.filter((u: any) => u.group === dc1Group)).toEqual([]);
    expect(await rig.recordCluster('dc1')).toBe('dc2');
    expect(await dc2Record()).toEqual(dc2RecordBefore);
    expect(await state.activeSide('dc1')).toMatchObject({ cluster: 'dc2', home: 'dc1', flow: 'dc1->dc2' });
    expect(await state.activeSide('dc2')).toBeNull();

    // dc1's application on dc2: it resumes dc1's orders (their replica) and dc2's payments (the topic itself), and writes and reads new orders there.
    await ensureTopic(await rig.ctx.adminFor('dc2'), orders, 2); // the application's topic exists in both datacenters
    const awayWrites = await produceContinuously(await rig.kafkaBehindRecord('dc1'), orders, 'dc1-away');
    await awayWrites.atLeast(100);
    await awayWrites.stop();
    const away = await consumeCommitting(await rig.kafkaBehindRecord('dc1'), dc1Group, [`dc1.${orders}`, payments, orders]);
    await away.until(dc1Writes.ledger.length + awayWrites.ledger.length + 300 - onDc1.consumed.length);
    await away.stop();
    // The orders written on dc2 reach dc1 before the failback (the reverse flow copies them).
    await replicaCreated(rig.ctx, orders, 2, { source: 'dc2', target: 'dc1' });

    const backName = uniqueName('aa-home');
    const back = await rig.run({ flow: 'dc2->dc1', mode: 'planned', reason: 'test: active-active, dc1 home' }, backName);
    expect(outcome(back)).toEqual({ status: 'SUCCEEDED' });
    // dc2's clients stay on dc2 and keep writing payments: the drain waited for what was written before it began.
    expect((back.output as any).steps.preflight.moves).toEqual({ home: 'dc1', record: LAB_LOCAL_RECORDS.dc1, stayingOnSource: ['dc2'] });
    // That snapshot of dc2's ends was kept in the state table, not in the payload (it grows with the partitions behind), and deleted by Finish.
    const drained = (back.output as any).steps.drain;
    expect(drained.until).toBeUndefined();
    expect(drained.snapshot).toEqual({ parts: 1, partitions: expect.any(Number) });
    await expect(state.drainSnapshot(backName, drained.snapshot)).rejects.toThrow(`the drain snapshot of execution ${backName} lacks part 1 of 1`);
    // Had the execution ended without Finish, the table's TTL (as the template sets it) would delete the parts.
    expect((await new DynamoDBClient({}).send(new DescribeTimeToLiveCommand({ TableName: rig.stateTable }))).TimeToLiveDescription).toEqual({ AttributeName: EXPIRES_AT, TimeToLiveStatus: 'ENABLED' });
    expect((back.output as any).steps.syncOffsets.partitions.checkpoint).toBe(0);
    expect((back.output as any).summary).toContain("dc2->dc1 failover succeeded: dc1's clients now on dc1");
    // The flow dc2's clients feed keeps running; the one dc1's clients feed again is resumed.
    expect((back.output as any).steps.haltReplication).toMatchObject({ connectors: [], keptRunning: expect.stringMatching(/^dc2->dc1 keeps running: the clients of dc2 stay on dc2/) });
    const forward = Object.values(rig.config.flows[0]!.mm2.connectors);
    expect((back.output as any).steps.haltReplication.resumed.map((r: any) => [r.connector, r.resumed])).toEqual(forward.map((c) => [c, true]));
    const running = await rig.connectorStates();
    for (const c of Object.values(rig.config.flows[1]!.mm2.connectors)) expect(running[c]).toMatch(/^RUNNING/);
    expect(await rig.recordCluster('dc1')).toBe('dc1');
    expect(await dc2Record()).toEqual(dc2RecordBefore);

    // Home: the rest of everything dc1's clients owe, read once: dc1's orders, their orders written on dc2, dc2's payments.
    await dc2Writes.stop();
    const home = await consumeCommitting(await rig.kafkaBehindRecord('dc1'), dc1Group, [orders, `dc2.${orders}`, `dc2.${payments}`]);
    const owed = [...dc1Writes.ledger, ...awayWrites.ledger, ...dc2Writes.ledger];
    await home.until(owed.length - onDc1.consumed.length - away.consumed.length, 90_000);
    await new Promise((r) => setTimeout(r, 1000)); // a duplicate would show up now
    await home.stop();
    const dc1Read = values([...onDc1.consumed, ...away.consumed, ...home.consumed]);
    expect(dc1Read.length).toBe(owed.length);
    expect(new Set(dc1Read)).toEqual(new Set(owed));

    // dc2's application never moved: it read its payments and dc1's first orders exactly once, without a pause to speak of.
    await dc2Reads.until(dc2Writes.ledger.length + dc1Writes.ledger.length, 90_000);
    await new Promise((r) => setTimeout(r, 1000));
    await dc2Reads.stop();
    const dc2Read = values(dc2Reads.consumed);
    expect(dc2Read.length).toBe(dc2Writes.ledger.length + dc1Writes.ledger.length);
    expect(new Set(dc2Read)).toEqual(new Set([...dc2Writes.ledger, ...dc1Writes.ledger]));
  } finally {
    // On failure too: a producer left running would write after the file's environment is gone.
    await dc2Writes.stop();
    await dc2Reads.stop();
  }
}, 400_000);

it("unplanned, dc1 lost: dc1's clients resume on dc2 at MM2's checkpoints and kafka-dr's return checkpoints; nothing that reached dc2 lost, replay within the windows reported", async () => {
  await rig.restore();
  const orders = uniqueName('aa-lost-orders');
  const payments = uniqueName('aa-lost-payments');
  const dc1Group = uniqueName('aa-lost-dc1-app');
  const dc2Group = uniqueName('aa-lost-dc2-app');
  await ensureTopic(await rig.ctx.adminFor('dc1'), orders, 2);
  await ensureTopic(await rig.ctx.adminFor('dc2'), payments, 2);
  const dc2 = await rig.ctx.clients.fetcher('dc2');

  const dc2Writes = await produceContinuously(await rig.kafkaBehindRecord('dc2'), payments, 'dc2-lost');
  await dc2Writes.atLeast(200);
  await replicaCreated(rig.ctx, payments, 2, { source: 'dc2', target: 'dc1' });
  const dc2Reads = await consumeCommitting(await rig.kafkaBehindRecord('dc2'), dc2Group, [payments]);
  try {
    const dc1Writes = await produceContinuously(await rig.kafkaBehindRecord('dc1'), orders, 'dc1-lost');
    await dc1Writes.atLeast(200);
    await dc1Writes.stop();
    await replicaCreated(rig.ctx, orders, 2, { source: 'dc1', target: 'dc2' });
    const onDc1 = await consumeCommitting(await rig.kafkaBehindRecord('dc1'), dc1Group, [orders, `dc2.${payments}`]);
    // Part of both kinds of topic read and committed: dc1's own orders and dc2's payments through their replica.
    // Per partition: the consumer takes a whole batch at a time, so 50 records of orders may all be partition 0's,
    // and a partition never committed is one MM2 never checkpoints.
    const partitionsRead = (topic: string) => new Set(onDc1.consumed.filter((c) => c.topic === topic).map((c) => c.partition)).size;
    await eventually('the group reading both partitions of both topics', async () => (partitionsRead(orders) === 2 && partitionsRead(`dc2.${payments}`) === 2 ? true : undefined), 60_000, 50);
    await onDc1.stop();

    // Steady state: MM2 checkpoints the group on dc1's orders, kafka-dr (the scheduled function's bundle) on dc2's payments.
    await eventually(`MM2 checkpoints of ${dc1Group}`, async () => {
      const mine = [...(await readCheckpoints(dc2, 'dc1.checkpoints.internal')).values()].filter((c) => c.group === dc1Group);
      return mine.length === 2 ? true : undefined;
    }, 90_000, 1000);
    const [onSource] = await (await rig.ctx.adminFor('dc1')).listConsumerGroupOffsets({ groups: [dc1Group] });
    const positions = onSource!.topics.find((t) => t.name === `dc2.${payments}`)!.partitions.map((p): [string, number, bigint] => [payments, p.partitionIndex, p.committedOffset]).sort();
    const run = (await rig.invoke('return-checkpoints', { flow: 'dc1->dc2' })) as any;
    expect(run).toMatchObject({ flow: 'dc1->dc2', back: 'dc2->dc1', topic: returnCheckpointsTopic('dc1') });
    expect(run.written).toBeGreaterThanOrEqual(positions.length); // and those of groups earlier tests left on dc1
    expect(run.untranslated.filter((u: any) => u.group === dc1Group)).toEqual([]);
    // One checkpoint per partition of the replica the group committed on, keyed by dc2's own topic, from its position on dc1.
    const returned = [...(await readCheckpoints(dc2, returnCheckpointsTopic('dc1'))).values()].filter((c) => c.group === dc1Group);
    expect(returned.map((c) => [c.topic, c.partition, c.upstreamOffset]).sort()).toEqual(positions);
    // A second run finds them written: nothing to write again.
    expect(((await rig.invoke('return-checkpoints', { flow: 'dc1->dc2' })) as any).written).toBe(0);

    killLabComponent('dc1');
    const result = await rig.run({ flow: 'dc1->dc2', mode: 'unplanned', reason: 'test: active-active, dc1 lost' }, uniqueName('aa-lost'));
    expect(outcome(result)).toEqual({ status: 'SUCCEEDED' });
    const report = result.output as any;
    expect(report.steps.preflight.moves).toEqual({ home: 'dc1', record: LAB_LOCAL_RECORDS.dc1, stayingOnSource: [] });
    expect(report.steps.syncOffsets).toMatchObject({ synced: true, mode: 'unplanned' });
    expect(report.steps.syncOffsets.untranslated.filter((u: any) => u.group === dc1Group)).toEqual([]);
    expect(await rig.recordCluster('dc1')).toBe('dc2');
    expect(await rig.recordCluster('dc2')).toBe('dc2');

    // On dc2, the group resumes both: everything from its committed offsets to the ends.
    await dc2Writes.stop();
    const admin = await rig.ctx.adminFor('dc2');
    const topics = [`dc1.${orders}`, payments];
    const ends = await admin.listOffsets({ topics: topics.map((name) => ({ name, partitions: [0, 1].map((partitionIndex) => ({ partitionIndex, timestamp: -1n })) })) });
    const [committed] = await admin.listConsumerGroupOffsets({ groups: [dc1Group] });
    const at = (topic: string, partition: number) => committed!.topics.find((t) => t.name === topic)!.partitions.find((p) => p.partitionIndex === partition)!.committedOffset;
    const toRead = ends.flatMap((t) => t.partitions.map((p) => Number(p.offset - at(t.name, p.partitionIndex)))).reduce((a, b) => a + b, 0);
    const after = await consumeCommitting(await rig.kafkaBehindRecord('dc1'), dc1Group, topics);
    await after.until(toRead, 90_000);
    await after.stop();

    // Nothing lost: dc1's orders had all reached dc2 (written before the loss, replicated), dc2's payments never left it.
    const read = new Set(values([...onDc1.consumed, ...after.consumed]));
    expect([...dc1Writes.ledger, ...dc2Writes.ledger].filter((v) => !read.has(v))).toEqual([]);
    // Read again: only records inside the duplicate windows the report gave for the group.
    const readBefore = new Set(values(onDc1.consumed));
    const windows = (report.steps.syncOffsets.duplicateWindows as any[]).filter((w) => w.group === dc1Group);
    for (const d of after.consumed.filter((c) => readBefore.has(c.value))) {
      expect(windows.some((w) => w.topic === d.topic && w.partition === d.partition && BigInt(w.from) <= d.offset && d.offset < BigInt(w.to))).toBe(true);
    }
    console.log(`active-active, dc1 lost: ${after.consumed.filter((c) => readBefore.has(c.value)).length} records read again by ${dc1Group}, windows ${JSON.stringify(windows)}`);
  } finally {
    await dc2Writes.stop();
    await dc2Reads.stop();
    await labSh('up'); // dc1 comes back with its data
  }
}, 400_000);
