// Planned switchover dc1 -> dc2 under live traffic, run by the synthesized state machine
// with the real handlers: producers stop once it has started (the operator's part), the
// workflow drains, pauses MM2, moves the group exactly and repoints the bootstrap record.
// A consumer that then bootstraps from the record resumes on dc2: every record of the
// ledger is read once, none twice. And a dry run changes nothing.
import { readFileSync } from 'node:fs';
import { GetCommand, DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { setMm2GroupOffsetSync } from '../../lab/reverse-flow';
import { ensureTopic, eventually, uniqueName } from '../support/lab';
import { failoverRig, replicaCreated, type FailoverRig } from '../support/failover';
import { consumeCommitting, produceContinuously } from '../../lab/traffic';

let rig: FailoverRig;

beforeAll(async () => {
  rig = await failoverRig();
  await rig.restore();
});

afterEach(async () => {
  await rig.restore();
  await setMm2GroupOffsetSync(rig.ctx.lab, false);
});

/**
 * Which connectors have a paused or stopped connector or task: what a failover would change.
 * Task states themselves churn (MM2's checkpoint connector reassigns its tasks when it finds
 * new groups, passing through UNASSIGNED), so they are not compared as they are.
 */
const halted = (states: Record<string, string>) => Object.fromEntries(Object.entries(states).map(([connector, s]) => [connector, s.split(' ').some((t) => t === 'PAUSED' || t === 'STOPPED')]));

async function activeSide(rig: FailoverRig) {
  const documents = DynamoDBDocumentClient.from(new DynamoDBClient({}));
  return (await documents.send(new GetCommand({ TableName: rig.stateTable, Key: { pk: 'active' } }))).Item;
}

it.each([false, true])('planned switchover under live traffic: zero loss, zero duplicates (MM2 sync.group.offsets.enabled=%s)', async (mm2SyncsGroups) => {
  await setMm2GroupOffsetSync(rig.ctx.lab, mm2SyncsGroups);
  const topic = uniqueName('payments');
  const group = uniqueName('payments-app');
  await ensureTopic(await rig.ctx.adminFor('dc1'), topic, 3);

  // Clients use whatever the bootstrap record points at: dc1 now.
  expect(await rig.recordCluster()).toBe('dc1');
  const producing = await produceContinuously(await rig.kafkaBehindRecord(), topic, 'pay');
  const before = await consumeCommitting(await rig.kafkaBehindRecord(), group, [topic]);
  await producing.atLeast(300);
  await replicaCreated(rig.ctx, topic, 3);
  await before.until(200);
  await before.stop(); // the application is stopped for the switchover, mid-stream

  const name = uniqueName('planned');
  const execution = rig.run({ flow: 'dc1->dc2', mode: 'planned', reason: 'test: planned switchover under traffic' }, name);
  await producing.atLeast(100); // writes still arriving while the workflow starts: it must drain them
  await producing.stop();
  const result = await execution;
  expect({ status: result.status, error: result.error, cause: result.cause }).toEqual({ status: 'SUCCEEDED' });
  const report = result.output as any;
  expect(report.status).toBe('SUCCEEDED');
  expect(report.steps.syncOffsets).toMatchObject({ synced: true, failed: [] });
  expect(report.steps.syncOffsets.partitions.checkpoint).toBe(0); // every partition translated exactly
  // The complete plan is in the function's log, in parts no longer than a CloudWatch Logs event: every group, ours with its 3 partitions.
  const logged = readFileSync((await rig.plane.functions()).get('failover-offsets')!.logFile, 'utf8')
    .split('\n')
    .filter((line) => line.includes('"consumer offset plan: groups"'))
    .map((line) => JSON.parse(line) as { function_request_id: string; parts: number; groups: { group: string; partitions: unknown[] }[] });
  const lastRun = logged.filter((l) => l.function_request_id === logged.at(-1)!.function_request_id);
  expect(lastRun).toHaveLength(lastRun[0]!.parts);
  expect(lastRun.flatMap((l) => l.groups)).toHaveLength(report.steps.syncOffsets.groups);
  expect(lastRun.flatMap((l) => l.groups).find((g) => g.group === group)?.partitions).toHaveLength(3);
  console.log(`planned switchover: ${report.totalMs} ms in all (drain included), steps ${JSON.stringify(report.durationsMs)}`);
  expect(Object.keys(report.durationsMs)).toEqual(['begin', 'preflight', 'drain', 'haltReplication', 'syncOffsets', 'repointDns', 'dnsChange']);

  // Read back: the record, the connectors, the active side, the lock.
  expect(await rig.recordCluster()).toBe('dc2');
  expect(Object.values(await rig.connectorStates()).every((s) => s.split(' ').every((t) => t === 'PAUSED'))).toBe(true);
  expect(await activeSide(rig)).toMatchObject({ cluster: 'dc2', executionName: name, mode: 'planned' });
  expect(report.lockReleased).toBe(true);

  // The application restarts and bootstraps from the record: dc2, the replica topic.
  const after = await consumeCommitting(await rig.kafkaBehindRecord(), group, [`dc1.${topic}`]);
  const remaining = producing.ledger.length - before.consumed.length;
  await after.until(remaining);
  await new Promise((r) => setTimeout(r, 1000)); // anything beyond the ledger would be a duplicate: give it time to show
  await after.stop();
  const read = [...before.consumed, ...after.consumed].map((c) => c.value);
  expect(read.length).toBe(producing.ledger.length); // no duplicate
  expect(new Set(read)).toEqual(new Set(producing.ledger)); // no loss
});

it('dry run: reads everything, returns the plan, changes nothing', async () => {
  const dc1 = await rig.ctx.kafkaFor('dc1');
  const topic = uniqueName('audit');
  const group = uniqueName('audit-app');
  await ensureTopic(await rig.ctx.adminFor('dc1'), topic, 2);
  const producing = await produceContinuously(dc1, topic, 'audit');
  await producing.atLeast(100);
  await producing.stop();
  await replicaCreated(rig.ctx, topic, 2);
  const reader = await consumeCommitting(dc1, group, [topic]);
  await reader.until(50);
  await reader.stop();

  const dc2Admin = await rig.ctx.adminFor('dc2');
  // Settled first: a task still being assigned after the last test's resume is not a change.
  await eventually('MM2 connectors and tasks RUNNING', async () => (Object.values(await rig.connectorStates()).every((s) => /^(RUNNING ?)+$/.test(s)) ? true : undefined), 60_000, 500);
  const offsetsBefore = await dc2Admin.listConsumerGroupOffsets({ groups: [group] });
  const connectorsBefore = await rig.connectorStates();
  const result = await rig.run({ flow: 'dc1->dc2', mode: 'planned', dryRun: true, reason: 'test: rehearsal' });
  expect({ status: result.status, error: result.error, cause: result.cause }).toEqual({ status: 'SUCCEEDED' });
  const report = result.output as any;
  expect(report.dryRun).toBe(true);
  expect(report.summary).toContain('nothing changed');
  // The plan: which connectors, which offsets per group, which DNS change.
  expect(report.steps.haltReplication.connectors.map((c: any) => c.connector).sort()).toEqual(Object.values(rig.config.flows[0]!.mm2.connectors).sort());
  expect(report.steps.syncOffsets).toMatchObject({ dryRun: true, synced: false });
  expect(report.steps.syncOffsets.groups).toBeGreaterThan(0);
  expect(report.steps.repointDns).toMatchObject({ dryRun: true, changeId: null, after: { values: rig.config.dns.values.dc2 } });

  expect(halted(await rig.connectorStates())).toEqual(halted(connectorsBefore));
  expect(await dc2Admin.listConsumerGroupOffsets({ groups: [group] })).toEqual(offsetsBefore);
  expect(await rig.recordCluster()).toBe('dc1');
  expect(await activeSide(rig)).toBeUndefined();
});

it('bad input ends in InvalidInput with every problem, before anything is touched', async () => {
  const connectorsBefore = await rig.connectorStates();
  const result = await rig.run({ flow: 'dc1->dc9', mode: 'soon', reason: '' });
  expect(result).toMatchObject({ status: 'FAILED', error: 'InvalidInput', states: ['Begin', 'InvalidInput'] });
  expect(result.cause).toMatch(/mode: .*reason: say why/);
  expect(halted(await rig.connectorStates())).toEqual(halted(connectorsBefore));
  expect(await rig.recordCluster()).toBe('dc1');
  expect(await activeSide(rig)).toBeUndefined();
});
