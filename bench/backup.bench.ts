// Benchmark: backup and restore throughput on the lab, each against the ceiling of the
// Kafka client in the same run:
//   backup  (the synthesized backup state machine, run locally: fetch, encode, compress,
//            upload to the emulator's S3, manifest)  vs  a plain kafkajs consumer reading the
//            same topic from the beginning and doing nothing with the records;
//   restore (the restore state machine: download, CRC check, decode, idempotent produce in
//            order, offsets read back)  vs  a plain kafkajs producer writing the same records
//            to the same partitions (acks=all).
// Goals (issue 5): backup >= 70% of the plain consumer, restore >= 60% of the plain producer.
//
//   npm run lab:up && npx tsx bench/backup.bench.ts [--records 100000] [--partitions 8] [--value-bytes 1000]
import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import type { Kafka, Message } from 'kafkajs';
import { recordCount as recordsIn } from '../lab/traffic';
import { backupRig } from '../test/support/backup';
import { closeLabContext, ensureTopic, labContext } from '../test/support/lab';

const { values } = parseArgs({ options: { records: { type: 'string', default: '100000' }, partitions: { type: 'string', default: '8' }, 'value-bytes': { type: 'string', default: '1000' } } });
const recordCount = Number(values.records);
const partitions = Number(values.partitions);
const valueBytes = Number(values['value-bytes']);
const topic = `bench-backup-${partitions}p-${recordCount}r-${valueBytes}b`;
const PRODUCE_BATCH = 1000;

/** A record shaped like an application's: a key, a JSON value (compressible as real payloads are), a header. */
function record(i: number): Message & { partition: number } {
  const filler = randomBytes(Math.max(0, Math.floor(valueBytes / 4))).toString('hex').slice(0, Math.max(0, valueBytes - 80));
  return {
    partition: i % partitions,
    key: `customer-${i % 5000}`,
    value: JSON.stringify({ id: i, kind: 'order-placed', amount: (i * 37) % 10000, note: filler }),
    headers: { 'trace-id': `t-${i}` },
    timestamp: String(Date.now()),
  };
}

/** The plain producer: batches of records to their partitions, acks=all, one request at a time per batch. */
async function produce(kafka: Kafka, name: string, messages: Array<Message & { partition: number }>): Promise<void> {
  const producer = kafka.producer();
  await producer.connect();
  try {
    for (let i = 0; i < messages.length; i += PRODUCE_BATCH) await producer.send({ topic: name, acks: -1, messages: messages.slice(i, i + PRODUCE_BATCH) });
  } finally {
    await producer.disconnect();
  }
}

/** The plain consumer: every record of the topic from the beginning; returns the records read (as the producer's input) and bytes. */
async function consumeAll(kafka: Kafka, name: string, expected: number): Promise<{ messages: Array<Message & { partition: number }>; bytes: number }> {
  const consumer = kafka.consumer({ groupId: `kafka-dr-bench-${randomBytes(4).toString('hex')}`, maxBytes: 64 * 1024 * 1024, maxBytesPerPartition: 16 * 1024 * 1024 });
  const messages: Array<Message & { partition: number }> = [];
  let bytes = 0;
  await consumer.connect();
  await consumer.subscribe({ topic: name, fromBeginning: true });
  await new Promise<void>((resolve, reject) => {
    consumer
      .run({
        autoCommit: false,
        eachBatch: async ({ batch }) => {
          for (const m of batch.messages) {
            bytes += (m.key?.length ?? 0) + (m.value?.length ?? 0);
            messages.push({ partition: batch.partition, key: m.key, value: m.value, headers: m.headers, timestamp: m.timestamp });
          }
          if (messages.length >= expected) resolve();
        },
      })
      .catch(reject);
  });
  await consumer.disconnect();
  return { messages, bytes };
}

const ctx = await labContext();
const dc1 = await ctx.kafkaFor('dc1');
const dc2 = await ctx.kafkaFor('dc2');
if ((await recordsIn(await ctx.adminFor('dc1'), topic)) !== recordCount) {
  console.log(`seeding ${topic} on dc1: ${recordCount} records of ~${valueBytes} bytes over ${partitions} partitions...`);
  await ensureTopic(await ctx.adminFor('dc1'), topic, partitions);
  await produce(dc1, topic, Array.from({ length: recordCount }, (_, i) => record(i)));
}

const config = { ...ctx.config, backup: { ...ctx.config.backup!, segment: { maxBytes: 64 * 1024 * 1024, maxAgeSeconds: 3600 }, parallelism: { partitionsPerInvocation: partitions, concurrentInvocations: 1 } } };
const rig = await backupRig(config);

let started = performance.now();
const { messages, bytes } = await consumeAll(dc1, topic, recordCount);
const consumeMs = performance.now() - started;

started = performance.now();
const backup = await rig.run('backup', { topics: [topic] });
const backupMs = performance.now() - started;
if (backup.status !== 'SUCCEEDED') throw new Error(`the backup failed: ${backup.error}: ${backup.cause}`);
const { backupId, newRecords } = backup.output as { backupId: string; newRecords: number };
if (newRecords !== recordCount) throw new Error(`the backup copied ${newRecords} records, the topic holds ${recordCount}`);

const suffix = randomBytes(4).toString('hex');
const referenceTopic = `bench-produce-${suffix}`;
await ensureTopic(await ctx.adminFor('dc2'), referenceTopic, partitions);
started = performance.now();
await produce(dc2, referenceTopic, messages);
const produceMs = performance.now() - started;

const restoredTopic = `bench-restored-${suffix}`;
started = performance.now();
const restore = await rig.run('restore', { backupId, targetCluster: 'dc2', topics: [topic], rename: { [topic]: restoredTopic }, restoreConsumerOffsets: false, dryRun: false });
const restoreMs = performance.now() - started;
if (restore.status !== 'SUCCEEDED') throw new Error(`the restore failed: ${restore.error}: ${restore.cause}`);
if ((await recordsIn(await ctx.adminFor('dc2'), restoredTopic)) !== recordCount) throw new Error(`the restored topic does not hold ${recordCount} records`);

const admin = dc2.admin();
await admin.connect();
await admin.deleteTopics({ topics: [referenceTopic, restoredTopic] });
await admin.disconnect();

const row = (name: string, ms: number) => ({ name, seconds: (ms / 1000).toFixed(2), 'MB/s': (bytes / 1e6 / (ms / 1000)).toFixed(1), 'records/s': Math.round(recordCount / (ms / 1000)) });
console.log(`\n${recordCount} records, ${(bytes / 1e6).toFixed(1)} MB of keys and values, ${partitions} partitions, on the lab\n`);
console.table([row('plain kafkajs consumer (reference)', consumeMs), row('kafka-dr backup', backupMs), row('plain kafkajs producer (reference)', produceMs), row('kafka-dr restore', restoreMs)]);
const backupRatio = consumeMs / backupMs;
const restoreRatio = produceMs / restoreMs;
console.log(`backup  / plain consumer: ${(backupRatio * 100).toFixed(0)}% (goal >= 70%)`);
console.log(`restore / plain producer: ${(restoreRatio * 100).toFixed(0)}% (goal >= 60%)`);
await closeLabContext();
process.exit(backupRatio >= 0.7 && restoreRatio >= 0.6 ? 0 : 1);
