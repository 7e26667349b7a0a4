// Live traffic for failover tests and the drill: a producer that keeps a ledger of every record the
// cluster acknowledged, a consumer group member that records what it processed and commits
// after each batch, and what a topic holds, so "lost" and "read twice" can be counted record
// by record.
import type { Admin, Consumer } from '@platformatic/kafka';
import type { Kafka } from 'kafkajs';
import { partitionStates } from '#src/kafka/partition-state';
import { partitionEnds, readRanges, wholeTopic } from '#src/kafka/topic-reader';

export interface Consumed {
  topic: string;
  partition: number;
  offset: bigint;
  value: string;
}

export interface Producing {
  /** Values acknowledged (acks=all), in order. */
  ledger: string[];
  /** Stops producing; resolves when the last request has been answered. */
  stop(): Promise<void>;
  /** Waits until at least n more records have been acknowledged. */
  atLeast(n: number): Promise<void>;
}

/** Produces batches of `batch` records to `topic` every `intervalMs` until stopped; values `${prefix}-${seq}`. */
export async function produceContinuously(kafka: Kafka, topic: string, prefix: string, options: { batch?: number; intervalMs?: number } = {}): Promise<Producing> {
  const producer = kafka.producer({ retry: { retries: 0 } });
  await producer.connect();
  const ledger: string[] = [];
  let running = true;
  let seq = 0;
  const loop = (async () => {
    while (running) {
      const values = Array.from({ length: options.batch ?? 10 }, () => `${prefix}-${seq++}`);
      try {
        await producer.send({ topic, acks: -1, messages: values.map((value) => ({ key: value, value })) });
        ledger.push(...values);
      } catch {
        // Not acknowledged (e.g. the cluster died): not in the ledger, so not owed to anyone.
      }
      await new Promise((r) => setTimeout(r, options.intervalMs ?? 50));
    }
  })();
  return {
    ledger,
    async stop() {
      running = false;
      await loop;
      await producer.disconnect().catch(() => undefined);
    },
    async atLeast(n) {
      const target = ledger.length + n;
      while (ledger.length < target) await new Promise((r) => setTimeout(r, 20));
    },
  };
}

export interface Consuming {
  consumed: Consumed[];
  stop(): Promise<void>;
  /** Resolves once `count` records in total have been processed. */
  until(count: number, timeoutMs?: number): Promise<void>;
  /** Resolves once the member has joined the group and been given its partitions. */
  joined: Promise<void>;
}

/** A group member reading `topics` from the group's committed offsets (earliest when none), committing after every batch. */
export async function consumeCommitting(kafka: Kafka, groupId: string, topics: string[]): Promise<Consuming> {
  // A member whose cluster dies stays dead, as the application in a lost datacenter would:
  // restarted, it would rejoin the group when the cluster comes back and hold its partitions.
  const consumer = kafka.consumer({ groupId, maxWaitTimeInMs: 100, retry: { retries: 1, restartOnFailure: async () => false } });
  const joined = new Promise<void>((resolve) => consumer.on(consumer.events.GROUP_JOIN, () => resolve()));
  await consumer.connect();
  await consumer.subscribe({ topics, fromBeginning: true });
  const consumed: Consumed[] = [];
  await consumer.run({
    autoCommit: false,
    eachBatch: async ({ batch, resolveOffset }) => {
      for (const m of batch.messages) {
        consumed.push({ topic: batch.topic, partition: batch.partition, offset: BigInt(m.offset), value: m.value!.toString() });
        resolveOffset(m.offset);
      }
      const last = batch.messages.at(-1);
      if (last) await consumer.commitOffsets([{ topic: batch.topic, partition: batch.partition, offset: String(BigInt(last.offset) + 1n) }]);
    },
  });
  return {
    consumed,
    joined,
    stop: () => consumer.disconnect(),
    async until(count, timeoutMs = 60_000) {
      const deadline = Date.now() + timeoutMs;
      while (consumed.length < count) {
        if (Date.now() > deadline) throw new Error(`consumer of ${topics.join(', ')} processed ${consumed.length} of ${count} records within ${timeoutMs} ms`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
  };
}

export interface StoredRecord {
  partition: number;
  offset: bigint;
  value: string;
  timestamp: number;
}

/** Every record the topic holds, or per partition up to `ends` (exclusive). */
export async function topicRecords(fetcher: Consumer, topic: string, ends?: ReadonlyMap<number, bigint>): Promise<StoredRecord[]> {
  const read: StoredRecord[] = [];
  const ranges = wholeTopic(await partitionEnds(fetcher, topic)).map((r) => ({ ...r, to: ends?.get(r.partition) ?? r.to }));
  await readRanges(fetcher, topic, ranges, (partition, r) => read.push({ partition, offset: r.offset, value: r.value!.toString(), timestamp: Number(r.timestamp) }));
  return read;
}

/** How many records the topic holds; 0 when it does not exist. */
export async function recordCount(admin: Admin, topic: string): Promise<number> {
  return (await partitionStates(admin, [topic])).reduce((n, p) => n + Number(p.latest - p.earliest), 0);
}
