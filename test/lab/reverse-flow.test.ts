// The lab's reverse MM2 flow, dc2 -> dc1, which failback needs: records, heartbeats and
// checkpoints reach dc1 under MM2's "dc2." names, and the "dc1.*" topics MM2 copied into
// dc2 never go back (cycle detection). Also MM2's own group offset sync on dc1 -> dc2,
// switched on and off again.
import type { Kafka, Message } from 'kafkajs';
import type { BackupRecord } from '#src/backup/segment';
import { partitionKey } from '#src/kafka/partition-state';
import { newestRecords, partitionEnds, readRanges, readWholeTopic } from '#src/kafka/topic-reader';
import { readCheckpoints } from '#src/mm2/internal-topics';
import { decodeHeartbeat } from '#src/mm2/records';
import { flowStatus } from '#src/replication-status';
import { retireReverseTopics, reverseFlow, setMm2GroupOffsetSync, startReverseFlow, stopReverseFlow } from '../../lab/reverse-flow';
import { distinctCopies, ensureTopic, eventually, labContext, sendRecords, spacedRecords, uniqueName } from '../support/lab';

interface Seen {
  partition: number;
  key: string;
  value: string;
  timestamp: string;
  headers: Record<string, string>;
}

const seen = (partition: number, r: BackupRecord): Seen => ({
  partition,
  key: r.key!.toString(),
  value: r.value!.toString(),
  timestamp: String(r.timestamp),
  headers: Object.fromEntries(r.headers.map(([k, v]) => [k, String(v)])),
});

async function topicsOf(kafka: Kafka): Promise<string[]> {
  const admin = kafka.admin();
  await admin.connect();
  return admin.listTopics().finally(() => admin.disconnect());
}

/** Every distinct record of the topic (it must exist); `count` of them expected, else undefined (not there yet). */
async function records(cluster: string, topic: string, count: number): Promise<Seen[] | undefined> {
  const fetcher = await (await labContext()).clients.fetcher(cluster);
  const out: Seen[] = [];
  await readWholeTopic(fetcher, topic, (p, r) => out.push(seen(p, r)));
  const distinct = distinctCopies(out);
  return distinct.length === count ? distinct : undefined;
}

function mirrored(cluster: string, topic: string, count: number): Promise<Seen[]> {
  return eventually(`${count} records in ${topic}`, () => records(cluster, topic, count), 90_000, 1000);
}

async function commit(kafka: Kafka, groupId: string, topic: string, offsets: Record<number, bigint>): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  const partitions = Object.entries(offsets).map(([partition, offset]) => ({ partition: Number(partition), offset: String(offset) }));
  await admin.setOffsets({ groupId, topic, partitions }).finally(() => admin.disconnect());
}

/** The group's committed offset on the partition, or undefined when it has none. */
async function committed(kafka: Kafka, groupId: string, topic: string, partition: number): Promise<bigint | undefined> {
  const admin = kafka.admin();
  await admin.connect();
  const [offsets] = await admin.fetchOffsets({ groupId, topics: [topic] }).finally(() => admin.disconnect());
  const offset = offsets?.partitions.find((p) => p.partition === partition)?.offset;
  return offset === undefined || offset === '-1' ? undefined : BigInt(offset);
}

async function newestCheckpoint(cluster: string, checkpointsTopic: string, group: string, topic: string, partition: number) {
  const fetcher = await (await labContext()).clients.fetcher(cluster);
  return (await readCheckpoints(fetcher, checkpointsTopic)).get(`${group}\u0000${partitionKey(topic, partition)}`);
}

beforeAll(startReverseFlow, 600_000);
afterAll(async () => {
  await stopReverseFlow();
  const { config, lab } = await labContext();
  await retireReverseTopics(config, lab);
}, 300_000);

it('mirrors a dc2 topic into dc1 as dc2.<topic>, record for record', async () => {
  const { kafkaFor, adminFor } = await labContext();
  const dc2 = await kafkaFor('dc2');
  const topic = uniqueName('refunds');
  await ensureTopic(await adminFor('dc2'), topic, 2);
  const sent: Message[] = spacedRecords(20, Date.now() - 60_000, 7).map((m, i) => ({ ...m, headers: { 'trace-id': `t${i}` } }));
  await sendRecords(dc2, topic, sent);

  const got = await mirrored('dc1', `dc2.${topic}`, sent.length);
  const expected = sent.map((m) => ({ partition: m.partition, key: m.key, value: m.value, timestamp: m.timestamp, headers: m.headers }));
  const byKey = (a: { key?: unknown }, b: { key?: unknown }) => String(a.key).localeCompare(String(b.key));
  expect(got.sort(byKey)).toEqual(expected.sort(byKey));
});

it('brings MM2 heartbeats to dc1 as dc2.heartbeats', async () => {
  const { clients } = await labContext();
  const dc1 = await clients.fetcher('dc1');
  const newest = await eventually('a heartbeat of the last 15 s in dc2.heartbeats on dc1', async () => {
    const beats: ReturnType<typeof decodeHeartbeat>[] = [];
    await readRanges(dc1, 'dc2.heartbeats', newestRecords(await partitionEnds(dc1, 'dc2.heartbeats'), 1n), (_, r) => beats.push(decodeHeartbeat(r.key, r.value)));
    return beats.find((b) => Date.now() - b.timestamp < 15_000);
  }, 60_000, 1000);
  // The heartbeat connector of the pair dc1 -> dc2 emits into dc2's "heartbeats" (MM2's
  // convention), and the flow dc2 -> dc1 carries them over.
  expect(newest).toMatchObject({ sourceAlias: 'dc1', targetAlias: 'dc2' });
});

it('checkpoints a group that commits on dc2 into dc2.checkpoints.internal on dc1', async () => {
  const { kafkaFor, adminFor } = await labContext();
  const dc2 = await kafkaFor('dc2');
  const topic = uniqueName('returns');
  const group = uniqueName('returns-app');
  await ensureTopic(await adminFor('dc2'), topic, 2);
  await sendRecords(dc2, topic, spacedRecords(10, Date.now(), 1));
  await mirrored('dc1', `dc2.${topic}`, 10); // a checkpoint needs MM2's offset sync for the partition
  await commit(dc2, group, topic, { 0: 5n, 1: 3n });

  const checkpoints = await eventually(`checkpoints of ${group} for both partitions on dc1`, async () => {
    const both = await Promise.all([0, 1].map((p) => newestCheckpoint('dc1', 'dc2.checkpoints.internal', group, `dc2.${topic}`, p)));
    return both.every((c) => c !== undefined) ? both : undefined;
  }, 90_000, 2000);
  expect(checkpoints.map((c) => c!.upstreamOffset)).toEqual([5n, 3n]);
  for (const c of checkpoints) {
    expect(c!.downstreamOffset).toBeGreaterThanOrEqual(0n);
    expect(c!.downstreamOffset).toBeLessThanOrEqual(c!.upstreamOffset);
  }
});

it('describes the running flow: kafka-dr status of reverseFlow() finds its topic, heartbeats and checkpoints on dc1', async () => {
  const { config, lab, kafkaFor, adminFor, clients } = await labContext();
  const dc2 = await kafkaFor('dc2');
  const topic = uniqueName('credits');
  const group = uniqueName('credits-app');
  await ensureTopic(await adminFor('dc2'), topic, 1);
  await sendRecords(dc2, topic, spacedRecords(3, Date.now(), 1, 1));
  await mirrored('dc1', `dc2.${topic}`, 3);
  await commit(dc2, group, topic, { 0: 3n });

  const flow = reverseFlow(config, lab);
  expect(flow).toMatchObject({ source: 'dc2', target: 'dc1', mm2: { connectUrl: lab.reverseConnect!.url, connectors: lab.reverseConnect!.connectors } });
  const status = await eventually(`kafka-dr status of dc2->dc1 with a checkpoint for ${group}`, async () => {
    const s = await flowStatus(flow, clients);
    // Every topic the flow's filter takes is on dc1: it and the connector agree.
    return s.checkpoints.groups.some((g) => g.group === group) && s.topics.every((t) => t.mirrored) ? s : undefined;
  }, 90_000, 2000);
  expect(status.topics).toContainEqual({ topic, remoteTopic: `dc2.${topic}`, mirrored: true });
  expect(status.heartbeat.topic).toBe('dc2.heartbeats');
  expect(status.heartbeat.ageMs).toBeLessThan(15_000);
  expect(status.checkpoints.topic).toBe('dc2.checkpoints.internal');
});

it('never sends the dc1.* topics MM2 copied into dc2 back to dc1 (cycle detection)', async () => {
  const { kafkaFor, adminFor } = await labContext();
  const dc1 = await kafkaFor('dc1');
  const dc2 = await kafkaFor('dc2');
  const fromDc1 = uniqueName('invoices');
  await ensureTopic(await adminFor('dc1'), fromDc1, 1);
  await sendRecords(dc1, fromDc1, spacedRecords(5, Date.now(), 1, 1));
  await mirrored('dc2', `dc1.${fromDc1}`, 5);
  // A topic created on dc2 after dc1.<topic> existed: once it reaches dc1, the reverse flow
  // has listed dc2's topics since, and had its chance to copy dc1.<topic> too.
  const control = uniqueName('control');
  await ensureTopic(await adminFor('dc2'), control, 1);
  await sendRecords(dc2, control, spacedRecords(5, Date.now(), 1, 1));
  await mirrored('dc1', `dc2.${control}`, 5);

  const onDc1 = await topicsOf(dc1);
  expect(onDc1).toContain(`dc2.${control}`);
  expect(onDc1.filter((t) => t.startsWith('dc2.dc1.'))).toEqual([]);
  // Nor the dc2 worker's internal topics.
  expect(onDc1.filter((t) => t.startsWith('dc2.connect-'))).toEqual([]);
});

it('with MM2 group offset sync on, MM2 writes a dc1 group\'s translated offsets on dc2; off again, it stops', async () => {
  const { lab, kafkaFor, adminFor } = await labContext();
  const dc1 = await kafkaFor('dc1');
  const dc2 = await kafkaFor('dc2');
  const topic = uniqueName('ledger');
  const group = uniqueName('ledger-app');
  const remote = `dc1.${topic}`;
  await ensureTopic(await adminFor('dc1'), topic, 1);
  await sendRecords(dc1, topic, spacedRecords(20, Date.now(), 1, 1));
  await mirrored('dc2', remote, 20);

  let synced: bigint;
  await setMm2GroupOffsetSync(lab, true);
  try {
    await commit(dc1, group, topic, { 0: 20n });
    synced = await eventually(`${group}'s offset on ${remote} on dc2, written by MM2 as its newest checkpoint says`, async () => {
      const [offset, checkpoint] = await Promise.all([committed(dc2, group, remote, 0), newestCheckpoint('dc2', 'dc1.checkpoints.internal', group, remote, 0)]);
      return offset !== undefined && offset === checkpoint?.downstreamOffset ? offset : undefined;
    }, 90_000, 1000);
    expect(synced).toBeGreaterThan(0n);
  } finally {
    await setMm2GroupOffsetSync(lab, false);
  }

  // Off: a further commit on dc1 still yields a checkpoint, but MM2 leaves dc2's offset alone.
  // 200 more records (over MM2's offset.lag.max of 100) make MM2 emit a newer offset sync,
  // so the new checkpoint translates to a later downstream offset than the synced one.
  await sendRecords(dc1, topic, spacedRecords(200, Date.now(), 1, 1));
  await mirrored('dc2', remote, 220);
  await commit(dc1, group, topic, { 0: 220n });
  const later = await eventually(`a checkpoint of ${group} at upstream offset 220`, async () => {
    const c = await newestCheckpoint('dc2', 'dc1.checkpoints.internal', group, remote, 0);
    return c?.upstreamOffset === 220n ? c : undefined;
  }, 90_000, 1000);
  expect(later.downstreamOffset).toBeGreaterThan(synced);
  // A negative: give a sync that is still on three of its 1 s intervals to show up.
  await new Promise((r) => setTimeout(r, 3000));
  expect(await committed(dc2, group, remote, 0)).toBe(synced);
}, 240_000);

it('stops: the reverse worker is gone and dc2 records no longer reach dc1', async () => {
  const { lab, kafkaFor, adminFor } = await labContext();
  await stopReverseFlow();
  const answered = await fetch(`${lab.reverseConnect!.url}/connectors`).then(() => true, () => false);
  expect(answered).toBe(false);

  const dc1 = await kafkaFor('dc1');
  const dc2 = await kafkaFor('dc2');
  const topic = uniqueName('after-stop');
  await ensureTopic(await adminFor('dc2'), topic, 1);
  await sendRecords(dc2, topic, spacedRecords(1, Date.now(), 1, 1));
  await new Promise((r) => setTimeout(r, 12_000)); // over two of MM2's 5 s topic refreshes, were it running
  expect(await topicsOf(dc1)).not.toContain(`dc2.${topic}`);
}, 180_000);
