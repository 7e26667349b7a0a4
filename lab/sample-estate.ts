// A sample workload on the lab: the `orders` topic on dc1 with traffic and a consumer group
// that commits, so MM2 has records to mirror and offsets to checkpoint.
import type { Kafka } from 'kafkajs';
import { ensureTopic } from '#src/kafka/topics';

export const SAMPLE_TOPIC = 'orders';
export const SAMPLE_GROUP = 'orders-app';

/** Polls `probe` until it returns a value, or fails with `what` after `timeoutMs`. */
export async function eventually<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 60000, intervalMs = 1000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (err) {
      lastError = err;
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${lastError ? `: last error ${(lastError as Error).message}` : ''}`);
}

/** Produces `count` keyed records to the sample topic and lets the sample group consume and commit them all. */
export async function runSampleTraffic(dc1: Kafka, count = 100): Promise<void> {
  await ensureTopic(dc1, SAMPLE_TOPIC, 3);
  const producer = dc1.producer();
  await producer.connect();
  const now = Date.now();
  await producer.send({
    topic: SAMPLE_TOPIC,
    acks: -1,
    messages: Array.from({ length: count }, (_, i) => ({ key: `order-${now}-${i}`, value: JSON.stringify({ order: i, at: now }) })),
  });
  await producer.disconnect();

  const admin = dc1.admin();
  await admin.connect();
  const ends = await admin.fetchTopicOffsets(SAMPLE_TOPIC).finally(() => admin.disconnect());
  const target = new Map(ends.map((e) => [e.partition, BigInt(e.high)]));
  const consumer = dc1.consumer({ groupId: SAMPLE_GROUP });
  await consumer.connect();
  await consumer.subscribe({ topics: [SAMPLE_TOPIC], fromBeginning: true });
  const position = new Map<number, bigint>();
  await consumer.run({ eachMessage: async ({ partition, message }) => void position.set(partition, BigInt(message.offset) + 1n) });
  try {
    await eventually(`${SAMPLE_GROUP} to consume ${SAMPLE_TOPIC} to its end`, async () =>
      [...target].every(([p, end]) => end === 0n || (position.get(p) ?? 0n) >= end) ? true : undefined, 60_000, 200);
  } finally {
    await consumer.disconnect(); // commits the consumed positions
  }
}
