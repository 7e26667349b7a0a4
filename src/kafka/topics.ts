import type { Kafka } from 'kafkajs';

/** Creates the topic, with the broker's default replication factor, unless it exists (an existing one is left as it is). */
export async function ensureTopic(kafka: Kafka, topic: string, numPartitions: number, config: Record<string, string> = {}): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    if (!(await admin.listTopics()).includes(topic)) {
      const configEntries = Object.entries(config).map(([name, value]) => ({ name, value }));
      await admin.createTopics({ topics: [{ topic, numPartitions, configEntries }], waitForLeaders: true });
    }
  } finally {
    await admin.disconnect();
  }
}
