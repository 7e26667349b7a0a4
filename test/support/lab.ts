// What a lab test needs: the lab estate (secrets and zone in the emulator), a kafkajs
// client per cluster through the real credential path, and small helpers to wait for
// replication.
import { randomUUID } from 'node:crypto';
import type { Kafka, Message } from 'kafkajs';
import { labEstate, readLabInfo, type LabInfo } from '../../lab/estate';
import type { EstateConfig } from '#src/config/schema';
import type { Admin } from '@platformatic/kafka';
import { closing, estateAdmins, estateKafka } from '#src/kafka/connection';
import { SecretReader } from '#src/secrets';

export interface LabContext {
  lab: LabInfo;
  config: EstateConfig;
  kafkaFor: (cluster: string) => Promise<Kafka>;
  adminFor: ((cluster: string) => Promise<Admin>) & { close(): Promise<void> };
}

let context: Promise<LabContext> | undefined;

export function labContext(): Promise<LabContext> {
  context ??= (async () => {
    const lab = readLabInfo();
    const config = await labEstate(lab);
    const secrets = new SecretReader();
    return { lab, config, kafkaFor: estateKafka(config.clusters, secrets), adminFor: closing(estateAdmins(config.clusters, secrets)) };
  })();
  return context;
}

/** Closes the test file's Kafka admin connections (test/lab/setup.ts runs it after each file). */
export async function closeLabContext(): Promise<void> {
  const open = context;
  context = undefined;
  if (open) await (await open).adminFor.close();
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
