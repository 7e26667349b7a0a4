// The wide estates the scale benchmarks build on the lab: many topics of many partitions.
import type { Admin } from 'kafkajs';

/**
 * Creates those of `topics` the cluster lacks, `partitions` each, replication factor 1 (the
 * lab's brokers do not replicate), 20 topics a request: one request for thousands of
 * partitions outlasts its timeout. Returns the ones it created.
 */
export async function createMissingTopics(admin: Admin, topics: readonly string[], partitions: number): Promise<string[]> {
  const existing = new Set(await admin.listTopics());
  const missing = topics.filter((t) => !existing.has(t));
  for (let i = 0; i < missing.length; i += 20) {
    await admin.createTopics({ topics: missing.slice(i, i + 20).map((topic) => ({ topic, numPartitions: partitions, replicationFactor: 1 })), waitForLeaders: false, timeout: 120_000 });
  }
  return missing;
}
