// A consumer group that commits on dc1 yields a checkpoint on dc2 that our decoder reads
// exactly as MM2's own CheckpointFormatter prints it; offset syncs and heartbeats likewise.
import type { Consumer } from '@platformatic/kafka';
import { readWholeTopic } from '#src/kafka/topic-reader';
import { decodeCheckpoint, decodeHeartbeat, decodeOffsetSync } from '#src/mm2/records';
import { mm2Formatter } from '../../lab/mm2-formatter';
import { formatCheckpoint, formatHeartbeat, formatOffsetSync } from '../support/mm2-format';
import { ensureTopic, eventually, labContext, uniqueName } from '../support/lab';

async function rawRecords(fetcher: Consumer, topic: string): Promise<{ key: Buffer | null; value: Buffer | null }[]> {
  const out: { key: Buffer | null; value: Buffer | null }[] = [];
  await readWholeTopic(fetcher, topic, (_, r) => out.push({ key: r.key, value: r.value }));
  return out;
}


it('decodes the checkpoint MM2 emits for a group that committed on dc1, matching CheckpointFormatter', async () => {
  const { lab, kafkaFor, clients } = await labContext();
  const dc1 = await kafkaFor('dc1');
  const dc2 = await clients.fetcher('dc2');
  const topic = uniqueName('payments');
  const group = uniqueName('billing');
  await ensureTopic(await clients.admin('dc1'), topic, 1);
  const producer = dc1.producer();
  await producer.connect();
  await producer.send({ topic, messages: Array.from({ length: 20 }, (_, i) => ({ key: `k${i}`, value: `v${i}` })) });
  await producer.disconnect();
  // Wait until MM2 mirrors the topic: a checkpoint needs an offset sync for the partition.
  await eventually(`dc1.${topic} on dc2`, async () => ((await rawRecords(dc2, `dc1.${topic}`).catch(() => [])).length === 20 ? true : undefined), 90_000, 2000);

  const consumer = dc1.consumer({ groupId: group });
  await consumer.connect();
  await consumer.subscribe({ topics: [topic], fromBeginning: true });
  let consumed = 0;
  await consumer.run({ eachMessage: async () => void (consumed += 1) });
  await eventually('the group to consume 20 records', async () => (consumed >= 20 ? true : undefined), 30_000, 200);
  await consumer.commitOffsets([{ topic, partition: 0, offset: '20' }]);
  await consumer.disconnect();

  const checkpoint = await eventually(`a checkpoint for ${group} on dc2`, async () => {
    const all = (await rawRecords(dc2, 'dc1.checkpoints.internal')).map((r) => decodeCheckpoint(r.key, r.value));
    return all.filter((c) => c.group === group).at(-1);
  }, 90_000, 2000);
  expect(checkpoint).toMatchObject({ group, topic: `dc1.${topic}`, partition: 0, upstreamOffset: 20n });
  expect(checkpoint.downstreamOffset).toBeLessThanOrEqual(20n);
  expect(checkpoint.downstreamOffset).toBeGreaterThanOrEqual(0n);

  const decoded = (await rawRecords(dc2, 'dc1.checkpoints.internal')).map((r) => formatCheckpoint(decodeCheckpoint(r.key, r.value)));
  expect(decoded).toContain(formatCheckpoint(checkpoint));
  expect(mm2Formatter(lab, 'dc2', 'dc1.checkpoints.internal', 'CheckpointFormatter', decoded.length)).toEqual(decoded);
});

it('decodes offset syncs and heartbeats exactly as MM2 formatters print them, record for record', async () => {
  const { lab, clients } = await labContext();
  const offsetSyncs = (await rawRecords(await clients.fetcher('dc1'), 'mm2-offset-syncs.dc2.internal')).map((r) => formatOffsetSync(decodeOffsetSync(r.key, r.value)));
  const heartbeats = (await rawRecords(await clients.fetcher('dc2'), 'dc1.heartbeats')).map((r) => formatHeartbeat(decodeHeartbeat(r.key, r.value)));
  expect(offsetSyncs.length).toBeGreaterThan(0);
  expect(heartbeats.length).toBeGreaterThan(0);
  // Single-partition topics: the formatter's first N lines are the same N records, in order.
  expect(mm2Formatter(lab, 'dc1', 'mm2-offset-syncs.dc2.internal', 'OffsetSyncFormatter', offsetSyncs.length)).toEqual(offsetSyncs);
  expect(mm2Formatter(lab, 'dc2', 'dc1.heartbeats', 'HeartbeatFormatter', heartbeats.length)).toEqual(heartbeats);
});
