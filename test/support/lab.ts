// What a lab test needs: the lab estate (secrets and zone in the emulator), kafka-dr's own
// clients of each cluster and a kafkajs client per cluster for traffic, both through the
// real credential path, and small helpers to wait for replication.
import { randomUUID } from 'node:crypto';
import type { Kafka, Message } from 'kafkajs';
import { labEstate, readLabInfo, type LabInfo } from '../../lab/estate';
import { estateKafka } from '../../lab/kafkajs';
import type { EstateConfig } from '#src/config/schema';
import { estateClients, type EstateClients } from '#src/kafka/connection';
import { SecretReader } from '#src/secrets';

export interface LabContext {
  lab: LabInfo;
  config: EstateConfig;
  /** Traffic: producers and consumer group members as applications run them. */
  kafkaFor: (cluster: string) => Promise<Kafka>;
  /** What the functions get: admin, group-less fetcher and idempotent producer per cluster. */
  clients: EstateClients;
  adminFor: EstateClients['admin'];
}

let context: Promise<LabContext & { close(): Promise<void> }> | undefined;

export function labContext(): Promise<LabContext> {
  context ??= (async () => {
    const lab = readLabInfo();
    const config = await labEstate(lab);
    const secrets = new SecretReader();
    const { clients, close } = estateClients(config.clusters, secrets, 'kafka-dr-lab-test');
    return { lab, config, kafkaFor: estateKafka(config.clusters, secrets), clients, adminFor: clients.admin, close };
  })();
  return context;
}

/** Closes the test file's kafka-dr clients (test/lab/setup.ts runs it after each file). */
export async function closeLabContext(): Promise<void> {
  const open = context;
  context = undefined;
  if (open) await (await open).close();
}

/** A name no earlier run of the (reused) lab has used. */
export function uniqueName(prefix: string): string {
  return `${prefix}-${randomUUID().slice(0, 8)}`;
}

export { eventually } from '../../lab/sample-estate';
export { ensureTopic } from '#src/kafka/topics';

/** Produces the records (acks=all) with a producer of its own. */
export async function sendRecords(kafka: Kafka, topic: string, messages: Message[]): Promise<void> {
  const producer = kafka.producer();
  await producer.connect();
  try {
    await producer.send({ topic, acks: -1, messages });
  } finally {
    await producer.disconnect();
  }
}

/** `count` keyed records, round-robin over `partitions`, with event timestamps `spacingMs` apart from `firstTimestamp`. */
export function spacedRecords(count: number, firstTimestamp: number, spacingMs: number, partitions = 2): Message[] {
  return Array.from({ length: count }, (_, i) => ({ partition: i % partitions, key: `k${i}`, value: `v${i}`, timestamp: String(firstTimestamp + i * spacingMs) }));
}

/**
 * The distinct records of what MM2 copied. MM2 is at-least-once: a task restarted before its
 * offsets were committed (a rebalance for a new topic is enough) copies a record again. A
 * copy is the same partition, key, value, timestamp and headers; a record copied wrong is
 * one more distinct record, so the count still tells.
 */
export function distinctCopies<T>(copies: readonly T[]): T[] {
  return [...new Map(copies.map((c) => [JSON.stringify(c), c])).values()];
}
