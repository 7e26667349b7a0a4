// A reference reader that shares no code with kafka-dr's own (src/kafka/partition-records.ts):
// a plain kafkajs consumer (read_committed, in a throwaway group that never commits) reads
// the whole topic up to the end offsets it had when the read began. What the backup stores
// and the restore writes is compared with what it sees.
import { randomUUID } from 'node:crypto';
import type { Kafka, KafkaMessage } from 'kafkajs';

/** Per partition, its records in offset order. */
export async function kafkajsRecords(kafka: Kafka, topic: string, timeoutMs = 30_000): Promise<KafkaMessage[][]> {
  const admin = kafka.admin();
  await admin.connect();
  const offsets = await admin.fetchTopicOffsets(topic).finally(() => admin.disconnect());
  const pending = new Map(offsets.filter((o) => BigInt(o.high) > BigInt(o.low)).map((o) => [o.partition, BigInt(o.high)]));
  const read: KafkaMessage[][] = offsets.map(() => []);
  if (pending.size === 0) return read;
  // kafka-dr-* groups are outside MM2's checkpointing in the lab.
  const consumer = kafka.consumer({ groupId: `kafka-dr-test-reader-${randomUUID()}`, maxWaitTimeInMs: 200, allowAutoTopicCreation: false });
  let finish: () => void = () => undefined;
  const done = new Promise<void>((resolve) => (finish = resolve));
  let timer: NodeJS.Timeout | undefined;
  try {
    await consumer.connect();
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachBatch: async ({ batch }) => {
        const end = pending.get(batch.partition);
        if (end === undefined) return;
        for (const message of batch.messages) if (BigInt(message.offset) < end) read[batch.partition]!.push(message);
        if (BigInt(batch.lastOffset()) + 1n >= end) {
          pending.delete(batch.partition);
          consumer.pause([{ topic, partitions: [batch.partition] }]);
          if (pending.size === 0) finish();
        }
      },
    });
    const timedOut = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`reading ${topic} with kafkajs timed out after ${timeoutMs} ms with partitions ${[...pending.keys()].join(', ')} unfinished`)), timeoutMs);
    });
    await Promise.race([done, timedOut]);
  } finally {
    clearTimeout(timer);
    await consumer.disconnect();
  }
  return read;
}
