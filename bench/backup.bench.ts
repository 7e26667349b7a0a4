// Benchmark: backup and restore throughput on the lab, each against the ceiling of the
// Kafka client in the same run:
//   backup  (the synthesized backup state machine, run locally: fetch, encode, compress,
//            upload to the emulator's S3, manifest)  vs  a plain kafkajs consumer reading the
//            same topic from the beginning and doing nothing with the records;
//   restore (the restore state machine: download, CRC check, record batches encoded from
//            the segments and produced in order by an idempotent producer, offsets read back)  vs  a plain kafkajs producer writing the same records
//            to the same partitions (acks=all).
// Goals (issue 5): backup >= 70% of the plain consumer, restore >= 60% of the plain producer.
// The real ceiling is Apache Kafka's own Java clients (issue 15): kafka-consumer-perf-test
// reading the same topic, and kafka-producer-perf-test writing the same values (its payload
// file; it sends them without keys or headers, to partitions of its choosing), from the lab's
// jars with the full JIT, in the same run. Goals: backup and restore >= 60% of them.
//
// It also prints each function's cold starts and invoked time, and the copy functions' invoked
// time against the Java clients: the copy at its own rate, without the plan, finish, prune and
// cold starts around it, which take the same seconds at any size.
//
//   npm run lab:up && npx tsx bench/backup.bench.ts [--records 100000] [--partitions 8] [--value-bytes 1000]
//                                                   [--partitions-per-invocation <partitions>]
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, mkdtempSync, openSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import type { Kafka, Message } from 'kafkajs';
import { recordCount as recordsIn } from '../lab/traffic';
import { backupRig } from '../test/support/backup';
import { closeLabContext, ensureTopic, labContext } from '../test/support/lab';

const { values } = parseArgs({ options: { records: { type: 'string', default: '100000' }, partitions: { type: 'string', default: '8' }, 'value-bytes': { type: 'string', default: '1000' }, 'partitions-per-invocation': { type: 'string' } } });
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

/** A Kafka CLI tool from the lab's jars, with the full JIT and heap a benchmark needs; its stdout. */
function kafkaTool(tool: string, args: string[]): string {
  const run = spawnSync('bash', [path.join(import.meta.dirname, '..', 'lab', 'kafka-run.sh'), tool, ...args], {
    encoding: 'utf8',
    env: { ...process.env, KAFKA_RUN_JVM_OPTS: '-Xmx4g -XX:+UseG1GC' },
    maxBuffer: 64 * 1024 * 1024,
  });
  if (run.status !== 0) throw new Error(`${tool} failed (exit ${run.status}): ${run.stderr.slice(-2000)}`);
  return run.stdout;
}

/** kafka-consumer-perf-test over the whole topic: its fetch time (after the group joined), in ms. */
function javaConsume(bootstrap: string, properties: string, name: string, expected: number): number {
  const out = kafkaTool('consumer-perf-test', ['--bootstrap-server', bootstrap, '--consumer.config', properties, '--topic', name, '--messages', String(expected), '--group', `kafka-dr-bench-${randomBytes(4).toString('hex')}`, '--timeout', '60000']);
  // start.time, end.time, data.consumed.in.MB, MB.sec, data.consumed.in.nMsg, nMsg.sec, rebalance.time.ms, fetch.time.ms, ...
  const line = out.trim().split('\n').at(-1)!.split(',').map((f) => f.trim());
  if (Number(line[4]) < expected) throw new Error(`kafka-consumer-perf-test read ${line[4]} of ${expected} records: ${out}`);
  return Number(line[7]);
}

/** kafka-producer-perf-test sending `count` of the values (acks=all): its own elapsed time from records/sec, in ms. */
function javaProduce(bootstrap: string, name: string, values: string[], count: number): number {
  const payloads = path.join(mkdtempSync(path.join(tmpdir(), 'kafka-dr-bench-')), 'values.txt');
  // In slices: the whole file as one string passes V8's longest string at about 900,000 values of 1 kB.
  const file = openSync(payloads, 'w');
  for (let i = 0; i < values.length; i += 10_000) writeSync(file, `${values.slice(i, i + 10_000).join('\n')}\n`);
  closeSync(file);
  const out = kafkaTool('producer-perf-test', ['--topic', name, '--num-records', String(count), '--throughput', '-1', '--payload-file', payloads, '--payload-delimiter', '\n', '--producer-props', `bootstrap.servers=${bootstrap}`, 'acks=all', 'linger.ms=5', 'batch.size=1048576']);
  const summary = /(\d+) records sent, ([\d.]+) records\/sec/.exec(out.trim().split('\n').at(-1)!);
  if (!summary || Number(summary[1]) !== count) throw new Error(`kafka-producer-perf-test did not send ${count} records: ${out.slice(-500)}`);
  return (count / Number(summary[2])) * 1000;
}

const ctx = await labContext();
const dc1 = await ctx.kafkaFor('dc1');
const dc2 = await ctx.kafkaFor('dc2');
if ((await recordsIn(await ctx.adminFor('dc1'), topic)) !== recordCount) {
  console.log(`seeding ${topic} on dc1: ${recordCount} records of ~${valueBytes} bytes over ${partitions} partitions...`);
  await ensureTopic(await ctx.adminFor('dc1'), topic, partitions);
  await produce(dc1, topic, Array.from({ length: recordCount }, (_, i) => record(i)));
}

const config = { ...ctx.config, backup: { ...ctx.config.backup!, segment: { maxBytes: 64 * 1024 * 1024, maxAgeSeconds: 3600 }, parallelism: { partitionsPerInvocation: Number(values['partitions-per-invocation'] ?? partitions), concurrentInvocations: 8 } } };
const rig = await backupRig(config);

let started = performance.now();
const { messages, bytes } = await consumeAll(dc1, topic, recordCount);
const consumeMs = performance.now() - started;

const javaConsumeMs = javaConsume(ctx.lab.clusters.dc1.bootstrapServers, ctx.lab.clusters.dc1.clientPropertiesFile, topic, recordCount);

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
const javaTopic = `bench-java-produce-${suffix}`;
await ensureTopic(await ctx.adminFor('dc2'), javaTopic, partitions);
const javaProduceMs = javaProduce(ctx.lab.clusters.dc2.bootstrapServers, javaTopic, messages.map((m) => String(m.value)), recordCount);

const restoredTopic = `bench-restored-${suffix}`;
started = performance.now();
const restore = await rig.run('restore', { backupId, targetCluster: 'dc2', topics: [topic], rename: { [topic]: restoredTopic }, restoreConsumerOffsets: false, dryRun: false });
const restoreMs = performance.now() - started;
if (restore.status !== 'SUCCEEDED') throw new Error(`the restore failed: ${restore.error}: ${restore.cause}`);
if ((await recordsIn(await ctx.adminFor('dc2'), restoredTopic)) !== recordCount) throw new Error(`the restored topic does not hold ${recordCount} records`);

const admin = dc2.admin();
await admin.connect();
await admin.deleteTopics({ topics: [referenceTopic, javaTopic, restoredTopic] });
await admin.disconnect();

const row = (name: string, ms: number) => ({ name, seconds: (ms / 1000).toFixed(2), 'MB/s': (bytes / 1e6 / (ms / 1000)).toFixed(1), 'records/s': Math.round(recordCount / (ms / 1000)) });
console.log(`\n${recordCount} records, ${(bytes / 1e6).toFixed(1)} MB of keys and values, ${partitions} partitions, on the lab\n`);
console.table([
  row('kafka-consumer-perf-test, Java (ceiling)', javaConsumeMs),
  row('plain kafkajs consumer (reference)', consumeMs),
  row('kafka-dr backup', backupMs),
  row('kafka-producer-perf-test, Java (ceiling)', javaProduceMs),
  row('plain kafkajs producer (reference)', produceMs),
  row('kafka-dr restore', restoreMs),
]);
/** Where a run's time went: each top-level state's span, and its map run's children. */
function steps(run: typeof backup): string {
  const entered = new Map<string, number>();
  const spans: string[] = [];
  for (const e of run.events) {
    if (e.type === 'StateEntered') entered.set(e.state.name, e.timestamp);
    if (e.type === 'StateExited' && entered.has(e.state.name)) spans.push(`${e.state.name} ${((e.timestamp - entered.get(e.state.name)!) / 1000).toFixed(2)} s`);
  }
  const children = run.mapRuns.flatMap((m) => m.children).map((c) => `${((c.stoppedAt.getTime() - c.startedAt.getTime()) / 1000).toFixed(2)} s`);
  return `${spans.join(', ')}; children ${children.join(', ')}`;
}
console.log(`backup:  ${steps(backup)}`);
console.log(`restore: ${steps(restore)}`);
// Each function's cold starts and invoked time (init excluded): the copy functions' invoked time is the copy itself, at its own rate.
const functions = await rig.functions();
const invoked = (dir: string) => functions.get(dir)?.invokedMs ?? Number.NaN;
for (const [dir, fn] of functions) if (fn.invocations > 0) console.log(`  ${dir}: init ${fn.coldStarts.map((c) => `${c.initMs.toFixed(0)} ms`).join(', ') || 'none'}; invoked ${(fn.invokedMs / 1000).toFixed(2)} s in ${fn.invocations}; max memory used ${fn.maxMemoryUsedMb.toFixed(0)} of ${fn.definition.memorySize} MB`);
const ratios = {
  'backup  / kafkajs consumer': [consumeMs / backupMs, 0.7],
  'backup  / Java consumer   ': [javaConsumeMs / backupMs, 0.6],
  'restore / kafkajs producer': [produceMs / restoreMs, 0.6],
  'restore / Java producer   ': [javaProduceMs / restoreMs, 0.6],
} as const;
const copyRates = {
  'backup-copy invoked  / Java consumer': javaConsumeMs / invoked('backup-copy'),
  'restore-copy invoked / Java producer': javaProduceMs / invoked('restore-copy'),
};
for (const [name, ratio] of Object.entries(copyRates)) console.log(`${name}: ${(ratio * 100).toFixed(0)}%`);
for (const [name, [ratio, goal]] of Object.entries(ratios)) console.log(`${name}: ${(ratio * 100).toFixed(0)}% (goal >= ${goal * 100}%)`);
await closeLabContext();
process.exit(Object.values(ratios).every(([ratio, goal]) => ratio >= goal) ? 0 : 1);
