// The lab is real: records produced on dc1 over SASL_SSL/SCRAM (credentials fetched from
// the emulated Secrets Manager) reach dc2 through MM2, byte for byte.
import type { KafkaMessage } from 'kafkajs';
import { partitionEnds, readRanges, wholeTopic } from '#src/kafka/topic-reader';
import { eventually, ensureTopic, labContext } from '../support/lab';

interface Seen {
  partition: number;
  key: string;
  value: string | null;
  timestamp: string;
  headers: Record<string, string>;
}

function seen(partition: number, m: KafkaMessage): Seen {
  const headers = Object.fromEntries(Object.entries(m.headers ?? {}).map(([k, v]) => [k, String(v)]));
  return { partition, key: m.key!.toString(), value: m.value?.toString() ?? null, timestamp: m.timestamp, headers };
}

it('mirrors records of orders on dc1 to dc1.orders on dc2 with the same keys, values, headers, timestamps and partitions', async () => {
  const { kafkaFor } = await labContext();
  const dc1 = await kafkaFor('dc1');
  const dc2 = await kafkaFor('dc2');
  await ensureTopic(dc1, 'orders', 3);
  const run = `run-${Date.now()}`;
  const baseTimestamp = Date.now() - 60_000; // explicit, in the past: proves timestamps are copied, not re-stamped
  const sent: Seen[] = Array.from({ length: 30 }, (_, i) => ({
    partition: i % 3,
    key: `${run}-order-${i}`,
    value: i === 29 ? null : JSON.stringify({ order: i, amount: i * 10 }),
    timestamp: String(baseTimestamp + i),
    headers: { 'trace-id': `${run}-${i}`, source: 'test' },
  }));
  const producer = dc1.producer();
  await producer.connect();
  await producer.send({
    topic: 'orders',
    acks: -1,
    messages: sent.map((s) => ({ partition: s.partition, key: s.key, value: s.value, timestamp: s.timestamp, headers: s.headers })),
  });
  await producer.disconnect();

  const mirrored = await eventually('all 30 records on dc2 as dc1.orders', async () => {
    const admin = dc2.admin();
    await admin.connect();
    const topics = await admin.listTopics();
    if (!topics.includes('dc1.orders')) return (await admin.disconnect(), undefined);
    const ends = await partitionEnds(admin, 'dc1.orders');
    await admin.disconnect();
    const got: Seen[] = [];
    await readRanges(dc2, 'dc1.orders', wholeTopic(ends), (p, m) => {
      if (m.key?.toString().startsWith(run)) got.push(seen(p, m));
    });
    return got.length === sent.length ? got : undefined;
  }, 90_000, 2000);

  const byKey = (a: Seen, b: Seen) => a.key.localeCompare(b.key);
  expect(mirrored.sort(byKey)).toEqual([...sent].sort(byKey));
});
