/**
 * The lab with several brokers a cluster (LAB_BROKERS), which estates past one broker's open
 * files need (the 50,000-partition benchmarks): partitions spread over the nodes, clients
 * reach every node (dc1 over SASL_SSL), MM2 mirrors onto a multi-broker dc2, `down` stops all.
 * And what only a second broker shows: the restore's batch producer follows a partition whose
 * leader moved, and the batch it resends there is written once.
 *
 * @lab-alone: it starts a whole lab of its own beside the worker's; two of them beside a
 * second worker's would crowd two cores.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { Producer } from '@platformatic/kafka';
import { Kafka, logLevel } from 'kafkajs';
import { encodeSegment, readSegment } from '#src/backup/segment';
import { RecordBatchProducer } from '#src/kafka/batch-producer';
import type { LabInfo } from '../../lab/estate';
import { projectRoot } from '../../lib/paths';
import { backupRecord } from '../support/backup-records';
import { eventually } from '../support/lab';

const state = mkdtempSync(path.join(tmpdir(), 'kafka-dr-lab-brokers-'));
const labSh = (...args: string[]) =>
  promisify(execFile)('bash', [path.join(projectRoot, 'lab', 'lab.sh'), ...args], { env: { ...process.env, LAB_STATE: state, LAB_BROKERS: '2' }, timeout: 300_000 });

let lab: LabInfo;
let dc1: Kafka;
let dc2: Kafka;

beforeAll(async () => {
  await labSh('up');
  lab = JSON.parse(readFileSync(path.join(state, 'lab.json'), 'utf8')) as LabInfo;
  const { dc1: one, dc2: two } = lab.clusters;
  dc1 = new Kafka({
    brokers: [one.bootstrapServers],
    ssl: { ca: [readFileSync(one.caPemPath!, 'utf8')] },
    sasl: { mechanism: 'scram-sha-512', username: one.username!, password: one.password! },
    logLevel: logLevel.NOTHING,
  });
  dc2 = new Kafka({ brokers: [two.bootstrapServers], logLevel: logLevel.NOTHING });
}, 320_000);

afterAll(async () => {
  await labSh('down', '--purge');
}, 120_000);

test('each cluster has two brokers; a topic spreads over both and MM2 mirrors it record for record', async () => {
  expect([lab.clusters.dc1.brokers, lab.clusters.dc2.brokers]).toEqual([2, 2]);
  for (const kafka of [dc1, dc2]) {
    const admin = kafka.admin();
    await admin.connect();
    expect((await admin.describeCluster()).brokers.map((b) => b.nodeId).sort()).toEqual([1, 2]);
    await admin.disconnect();
  }

  const admin = dc1.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic: 'spread', numPartitions: 4, replicationFactor: 1 }], waitForLeaders: true });
  const leaders = (await admin.fetchTopicMetadata({ topics: ['spread'] })).topics[0]!.partitions.map((p) => p.leader);
  await admin.disconnect();
  expect(new Set(leaders)).toEqual(new Set([1, 2]));

  // Each record goes to its partition's leader: through node 1 and node 2 over SASL_SSL.
  const sent = [0, 1, 2, 3].map((partition) => ({ partition, key: `k${partition}`, value: `record of partition ${partition}` }));
  const producer = dc1.producer();
  await producer.connect();
  await producer.send({ topic: 'spread', acks: -1, messages: sent });
  await producer.disconnect();

  // MM2 (DefaultReplicationPolicy) creates dc1.spread on dc2, spread over its two brokers too.
  const target = dc2.admin();
  await target.connect();
  const mirrorLeaders = await eventually('dc1.spread on dc2 with a leader for each partition', async () => {
    const topics = await target.listTopics();
    if (!topics.includes('dc1.spread')) return undefined;
    const partitions = (await target.fetchTopicMetadata({ topics: ['dc1.spread'] })).topics[0]!.partitions;
    return partitions.length === 4 && partitions.every((p) => p.leader >= 0) ? partitions.map((p) => p.leader) : undefined;
  }, 120_000, 1000);
  await target.disconnect();
  expect(new Set(mirrorLeaders)).toEqual(new Set([1, 2]));

  const received: Array<{ partition: number; key: string; value: string }> = [];
  const consumer = dc2.consumer({ groupId: 'multi-broker-lab-reader' });
  await consumer.connect();
  await consumer.subscribe({ topic: 'dc1.spread', fromBeginning: true });
  await consumer.run({ eachMessage: async ({ partition, message }) => void received.push({ partition, key: message.key!.toString(), value: message.value!.toString() }) });
  await eventually('the four mirrored records', async () => (received.length >= 4 ? true : undefined), 60_000, 500);
  await consumer.disconnect();
  expect(received.sort((a, b) => a.partition - b.partition)).toEqual(sent);
}, 240_000);

test("the restore's batch producer follows a moved leader: the next batch goes to the new one, written once, after the first", async () => {
  const admin = dc2.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic: 'moving', replicaAssignment: [{ partition: 0, replicas: [1, 2] }] }], waitForLeaders: true });
  const leader = async () => (await admin.fetchTopicMetadata({ topics: ['moving'] })).topics[0]!.partitions[0]!.leader;
  await eventually('partition 0 led by node 1', async () => ((await leader()) === 1 ? true : undefined), 30_000, 200);
  const client = new Producer({ clientId: 'multi-broker-lab', bootstrapBrokers: [lab.clusters.dc2.bootstrapServers], idempotent: true });
  const records = async (from: bigint) => readSegment('test', await encodeSegment([0n, 1n, 2n].map((i) => backupRecord(from + i, { headers: [['n', Buffer.from(String(from + i))]] })))).records;
  try {
    const producer = await RecordBatchProducer.open(client);
    await producer.send('moving', 0, await records(0n));
    // Node 1 leaves the partition's replicas: node 2, in sync, takes over; the producer's metadata still names node 1.
    await admin.alterPartitionReassignments({ topics: [{ topic: 'moving', partitionAssignment: [{ partition: 0, replicas: [2] }] }] });
    await eventually('partition 0 led by node 2 alone', async () => ((await leader()) === 2 ? true : undefined), 60_000, 200);
    expect(client.currentMetadata?.topics.get('moving')?.partitions[0]?.leader).toBe(1);
    await producer.send('moving', 0, await records(3n));
  } finally {
    await client.close();
  }
  const offsets = await admin.fetchTopicOffsets('moving');
  await admin.disconnect();
  expect(offsets.map((o) => o.high)).toEqual(['6']);
  const received: string[] = [];
  const consumer = dc2.consumer({ groupId: 'multi-broker-lab-moving' });
  await consumer.connect();
  await consumer.subscribe({ topic: 'moving', fromBeginning: true });
  await consumer.run({ eachMessage: async ({ message }) => void received.push(`${message.key!.toString()}=${message.value!.toString()}@${message.offset}`) });
  await eventually('the six records', async () => (received.length >= 6 ? true : undefined), 30_000, 200);
  await consumer.disconnect();
  expect(received).toEqual([0, 1, 2, 3, 4, 5].map((i) => `k${i}=v${i}@${i}`));
}, 180_000);

test('down stops every node, broker-only ones included', async () => {
  const pids = readdirSync(path.join(state, 'pids')).map((file) => ({ component: file.replace(/\.pid$/, ''), pid: Number(readFileSync(path.join(state, 'pids', file), 'utf8').trim()) }));
  expect(pids.map((p) => p.component).sort()).toEqual(expect.arrayContaining(['dc1', 'dc1-b2', 'dc2', 'dc2-b2']));
  await labSh('down');
  // A process that has exited but is not reaped yet (state Z) is stopped.
  const alive = pids.filter(({ pid }) => {
    try {
      return readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]![0] !== 'Z';
    } catch {
      return false;
    }
  });
  expect(alive).toEqual([]);
}, 120_000);
