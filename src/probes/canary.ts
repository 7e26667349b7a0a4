// End-to-end freshness by experiment: produce a record with a unique timestamp to the
// canary topic on the source, and watch the newest record timestamp of its replica on the
// target (ListOffsets max-timestamp, no consumer group) until it reaches ours. MM2 copies
// timestamps, so "newest timestamp >= ours" means our canary has arrived.
import { ProduceAcks, type Admin, type Producer } from '@platformatic/kafka';
import { CANARY_TOPIC } from '#src/config/schema';
import { partitionStates } from '#src/kafka/partition-state';
import { ensureTopic } from '#src/kafka/topics';

export interface CanaryResult {
  arrived: boolean;
  /** Produce-to-visible-on-target time; null when it did not arrive within the timeout. */
  latencyMs: number | null;
  timeoutMs: number;
  error?: string;
}

async function newestRemoteTimestamp(target: Admin, remoteTopic: string): Promise<number | null> {
  const [state] = await partitionStates(target, [remoteTopic]);
  return state?.newestTimestamp ?? null;
}

/** Connected to the leader of the topic's partition 0 (TLS and SASL handshakes done) and holding a producer id. */
async function readyToSend(producer: Producer, topic: string): Promise<void> {
  const leader = (await producer.metadata({ topics: [topic] })).topics.get(topic)?.partitions[0]?.leader;
  if (leader !== undefined && leader >= 0) await producer.connectToBrokers([leader]);
  if (producer.producerId === undefined) await producer.initIdempotentProducer({});
}

export async function measureCanary(source: { admin: Admin; producer: Producer }, target: Admin, remoteTopic: string, timeoutMs: number, pollMs = 100): Promise<CanaryResult> {
  await ensureTopic(source.admin, CANARY_TOPIC, 1, { 'retention.ms': String(24 * 3600 * 1000) });
  // Before the clock starts: the latency measured is the record's alone.
  await readyToSend(source.producer, CANARY_TOPIC);
  // Strictly later than any canary already on the target, so the arrival test is unambiguous.
  const previous = (await newestRemoteTimestamp(target, remoteTopic).catch(() => null)) ?? 0;
  const sentAt = Math.max(Date.now(), previous + 1);
  await source.producer.send({
    acks: ProduceAcks.ALL,
    messages: [{ topic: CANARY_TOPIC, key: Buffer.from('canary'), value: Buffer.from(JSON.stringify({ sentAt })), timestamp: BigInt(sentAt) }],
  });
  const deadline = sentAt + timeoutMs;
  let lastError: string | undefined;
  while (Date.now() < deadline) {
    try {
      const newest = await newestRemoteTimestamp(target, remoteTopic);
      if (newest !== null && newest >= sentAt) return { arrived: true, latencyMs: Date.now() - sentAt, timeoutMs };
      lastError = newest === null ? `${remoteTopic} is not on the target yet (MM2 creates it after its next topic refresh)` : undefined;
    } catch (err) {
      lastError = (err as Error).message;
    }
    await new Promise((r) => setTimeout(r, pollMs));
  }
  return { arrived: false, latencyMs: null, timeoutMs, ...(lastError ? { error: lastError } : {}) };
}
