// The lab is real: records produced on dc1 over SASL_SSL/SCRAM (credentials fetched from
// the emulated Secrets Manager) reach dc2 through MM2, byte for byte.
import type { BackupRecord } from '#src/backup/segment';
import { readWholeTopic } from '#src/kafka/topic-reader';
import { distinctCopies, eventually, ensureTopic, labContext } from '../support/lab';

interface Seen {
  partition: number;
  key: string;
  value: string | null;
  timestamp: string;
  headers: Record<string, string>;
}

function seen(partition: number, r: BackupRecord): Seen {
  const headers = Object.fromEntries(r.headers.map(([k, v]) => [k, String(v)]));
  return { partition, key: r.key!.toString(), value: r.value?.toString() ?? null, timestamp: String(r.timestamp), headers };
}

it('mirrors records of orders on dc1 to dc1.orders on dc2 with the same keys, values, headers, timestamps and partitions', async () => {
  const { kafkaFor, clients } = await labContext();
  const dc1 = await kafkaFor('dc1');
  await ensureTopic(await clients.admin('dc1'), 'orders', 3);
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
    if (!(await (await clients.admin('dc2')).listTopics()).includes('dc1.orders')) return undefined;
    const dc2 = await clients.fetcher('dc2');
    const copies: Seen[] = [];
    await readWholeTopic(dc2, 'dc1.orders', (p, r) => {
      if (r.key?.toString().startsWith(run)) copies.push(seen(p, r));
    });
    const got = distinctCopies(copies);
    return got.length === sent.length ? got : undefined;
  }, 90_000, 2000);

  const byKey = (a: Seen, b: Seen) => a.key.localeCompare(b.key);
  expect(mirrored.sort(byKey)).toEqual([...sent].sort(byKey));
});
