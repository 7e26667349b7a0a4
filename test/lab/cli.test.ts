// The operator CLI against the lab's standing control plane (--local), each command a process
// of its own as an operator runs it: status, a planned failover (dry run, then for real),
// failback over the reverse flow, backup now and a point-in-time restore. Every outcome is
// read back from the lab: the bootstrap record through the Route 53 API, the group's
// committed offsets on both clusters, the restored records on dc2.
import { Route53Client } from '@aws-sdk/client-route-53';
import { recordCluster, resetReplication } from '../../lab/bootstrap-record';
import { retireReverseTopics, withReverseFlow, startReverseFlow, stopReverseFlow } from '../../lab/reverse-flow';
import { consumeCommitting, topicRecords } from '../../lab/traffic';
import type { EstateConfig } from '#src/config/schema';
import { cli } from '../support/cli';
import { replicaCreated } from '../support/failover';
import { ensureTopic, labContext, sendRecords, spacedRecords, uniqueName, type LabContext } from '../support/lab';

let ctx: LabContext;
let estate: EstateConfig;
const route53 = new Route53Client({});

beforeAll(async () => {
  ctx = await labContext();
  await retireReverseTopics(ctx.config, ctx.lab); // no backlog from earlier runs on this lab
  await startReverseFlow();
  estate = withReverseFlow(ctx.config, ctx.lab);
  await resetReplication(route53, estate, 'dc1', 'kafka-dr CLI test: start on dc1');
}, 300_000);

afterAll(async () => {
  await stopReverseFlow();
  await retireReverseTopics(ctx.config, ctx.lab);
  await resetReplication(route53, estate, 'dc1', 'kafka-dr CLI test: back to dc1');
}, 300_000);

const json = (r: { stdout: string }) => JSON.parse(r.stdout);

async function committed(cluster: string, group: string, topic: string): Promise<Record<number, string>> {
  const admin = (await ctx.kafkaFor(cluster)).admin();
  await admin.connect();
  try {
    const [offsets] = await admin.fetchOffsets({ groupId: group, topics: [topic] });
    return Object.fromEntries((offsets?.partitions ?? []).map((p) => [p.partition, p.offset]));
  } finally {
    await admin.disconnect();
  }
}

it('status, failover (dry run, planned), failback, each read back from the lab', async () => {
  const topic = uniqueName('cli-orders');
  const group = uniqueName('cli-app');
  const dc1 = await ctx.kafkaFor('dc1');
  await ensureTopic(await ctx.adminFor('dc1'), topic, 2);
  await sendRecords(dc1, topic, spacedRecords(100, Date.now() - 60_000, 10));
  const reading = await consumeCommitting(dc1, group, [topic]);
  await reading.until(60);
  await reading.stop();
  const onDc1 = await committed('dc1', group, topic);
  await replicaCreated(ctx, topic, 2);

  const before = await cli('status', '--local', '--json');
  const status = json(before);
  expect(before.code).toBe(status.problems.length ? 1 : 0);
  expect(status).toMatchObject({ estate: 'lab', activeCluster: 'dc1', clients: { cluster: 'dc1', mode: 'upsert', seen: `bootstrap record ${estate.dns.recordName} -> dc1.lab.kafka-dr.internal` } });
  const forward = status.flows.find((f: { flow: string }) => f.flow === 'dc1->dc2');
  expect(forward).toMatchObject({ source: { reachable: true }, target: { reachable: true }, metrics: { rpoSeconds: expect.any(Number), unreplicatedRecords: expect.any(Number) } });

  expect(await cli('failover', '--local', '--flow', 'dc1->dc2', '--reason', 'test')).toMatchObject({ code: 2, stderr: expect.stringContaining('say --planned') });

  const dry = await cli('failover', '--local', '--flow', 'dc1->dc2', '--planned', '--dry-run', '--reason', 'CLI test: dry run', '--json');
  expect(dry.code).toBe(0);
  expect(json(dry)).toMatchObject({ status: 'SUCCEEDED', output: { dryRun: true, flow: 'dc1->dc2' } });
  expect(await recordCluster(route53, estate)).toBe('dc1');

  const name = uniqueName('cli-switchover');
  const over = await cli('failover', '--local', '--flow', 'dc1->dc2', '--planned', '--reason', 'CLI test: switchover', '--name', name);
  expect(over).toMatchObject({ code: 0, stdout: expect.stringContaining('dc1->dc2 failover succeeded: clients now on dc2') });
  expect(over.stderr).toMatch(/ok {2}Preflight \d+\.\d s/);
  expect(over.stderr).toMatch(/ok {2}SyncOffsets \d+\.\d s/);
  expect(await recordCluster(route53, estate)).toBe('dc2');
  expect(await committed('dc2', group, `dc1.${topic}`)).toEqual(onDc1); // planned: exact

  const after = json(await cli('status', '--local', '--json'));
  expect(after).toMatchObject({ activeCluster: 'dc2', lastFailover: { cluster: 'dc2', flow: 'dc1->dc2', executionName: name, mode: 'planned' }, failoverRunning: null });

  const back = await cli('failback', '--local', '--reason', 'CLI test: home', '--json');
  expect(back.code).toBe(0);
  expect(json(back)).toMatchObject({ status: 'SUCCEEDED', output: { flow: 'dc2->dc1', mode: 'planned', steps: { syncOffsets: { synced: true } } } });
  expect(await recordCluster(route53, estate)).toBe('dc1');
  expect(await committed('dc1', group, topic)).toEqual(onDc1);
  expect(json(await cli('status', '--local', '--json'))).toMatchObject({ activeCluster: 'dc1', lastFailover: { cluster: 'dc1', flow: 'dc2->dc1' } });
}, 600_000);

it('backup now, then restore to a point in time into dc2 under a new name; bad input ends the execution with exit 1', async () => {
  const topic = uniqueName('cli-ledger');
  const dc1 = await ctx.kafkaFor('dc1');
  await ensureTopic(await ctx.adminFor('dc1'), topic, 2);
  const records = spacedRecords(100, Date.now() - 60_000, 10);
  await sendRecords(dc1, topic, records);

  const backup = await cli('backup', 'now', '--local', '--topics', topic, '--json');
  expect(backup.code).toBe(0);
  const summary = json(backup).output;
  expect(summary).toMatchObject({ topics: 1, partitions: 2, records: 100 });
  expect(backup.stderr).toContain('ok  Finish');
  // The standing control plane's bucket, found without naming it.
  const described = await cli('backups', 'describe', summary.backupId, '--local', '--json');
  expect(described.code).toBe(0);
  expect(json(described)).toMatchObject({ backupId: summary.backupId, records: 100, topics: [{ name: topic, records: 100, partitionCount: 2 }] });

  const at = new Date(Number(records[39]!.timestamp)).toISOString();
  const restored = `${topic}-restored`;
  const restore = await cli('restore', '--local', '--backup', summary.backupId, '--to', 'dc2', '--topics', topic, '--rename', `${topic}=${restored}`, '--at', at);
  expect(restore).toMatchObject({ code: 0, stdout: expect.stringContaining(`${topic} -> ${restored}: 40 records in 2 partitions`) });
  const onDc2 = await topicRecords(await ctx.clients.fetcher('dc2'), restored);
  expect(onDc2.map((r) => r.value).sort()).toEqual(records.slice(0, 40).map((r) => String(r.value)).sort());

  const bad = await cli('restore', '--local', '--backup', 'no-such-backup', '--to', 'dc2', '--topics', topic);
  expect(bad).toMatchObject({ code: 1, stdout: expect.stringContaining('InvalidInput') });
}, 300_000);
