// Benchmark: one backup of 50,000 partitions (default 500 topics x 100, one record in each)
// through the synthesized backup state machine's Distributed Map on the lab, as issue 15 asks
// of one run. Reference in the same run: a backup of 3,000 partitions (the size of
// test/lab/backup-wide.test.ts), so the ratio of their seconds per 1,000 partitions says how
// the run scales. Prints each run's time, the parent's history and largest payload, the child
// executions, and each function's invocations and max memory used against its memory size;
// every partition's end offset and segment are read back from the manifest.
//
//   npm run lab:down && LAB_BROKERS=4 LAB_FULL_JIT=1 LAB_JVM_HEAP=1g npm run lab:up
//   npx tsx bench/backup-scale.bench.ts [--topics 500] [--partitions 100] [--partitions-per-invocation 50]
//
// The topics are named wide-*: MM2 leaves those alone (lab/connectors), so dc2 stays small.
// A broker holds one open file per partition: past about 15,000 the lab needs LAB_BROKERS.
import { parseArgs } from 'node:util';
import { decodeSegment } from '#src/backup/segment';
import { parseEstateConfig } from '#src/config/parse';
import { backupRig, type BackupRig } from '../test/support/backup';
import { createMissingTopics } from './bench-topics';
import { closeLabContext, eventually, labContext } from '../test/support/lab';

const { values } = parseArgs({ options: { topics: { type: 'string', default: '500' }, partitions: { type: 'string', default: '100' }, 'partitions-per-invocation': { type: 'string', default: '50' } } });
const partitionsPerTopic = Number(values.partitions);
const perInvocation = Number(values['partitions-per-invocation']);
const REFERENCE_PARTITIONS = 3000;

const ctx = await labContext();
const dc1 = await ctx.kafkaFor('dc1');

/** `count` topics `prefix-NNNN` of partitionsPerTopic partitions on dc1, every partition served and holding one record. */
async function seed(prefix: string, count: number): Promise<string[]> {
  const topics = Array.from({ length: count }, (_, i) => `${prefix}-${String(i).padStart(4, '0')}`);
  const admin = dc1.admin();
  await admin.connect();
  const missing = await createMissingTopics(admin, topics, partitionsPerTopic);
  // Elected is not yet served: a produce to a partition the broker has not loaded fails with NOT_LEADER.
  // The same offsets say which of the new topics still lack their records (a run cut short).
  const empty: string[] = [];
  for (const topic of topics) {
    const offsets = await eventually(`every partition of ${topic} served`, async () => {
      const served = await admin.fetchTopicOffsets(topic);
      return served.length === partitionsPerTopic ? served : undefined;
    }, 300_000, 500);
    if (missing.includes(topic) && offsets.every((p) => p.high === '0')) empty.push(topic);
  }
  await admin.disconnect();
  const producer = dc1.producer();
  await producer.connect();
  for (const topic of empty) {
    await producer.send({ topic, acks: -1, messages: Array.from({ length: partitionsPerTopic }, (_, partition) => ({ partition, key: `k${partition}`, value: `${topic}/${partition}` })) });
  }
  await producer.disconnect();
  return topics;
}

interface Measured {
  partitions: number;
  seconds: number;
  children: number;
  childHistory: number;
  parentEvents: number;
  largestPayload: number;
}

/** One backup of the topics matching `pattern`; every partition's one record checked in the manifest. */
async function backupOf(rig: BackupRig, pattern: string, topics: string[]): Promise<Measured> {
  const started = performance.now();
  const run = await rig.run('backup', { topics: [pattern] });
  const seconds = (performance.now() - started) / 1000;
  if (run.status !== 'SUCCEEDED') throw new Error(`the backup of ${pattern} failed: ${run.error}: ${run.cause}`);
  const children = run.mapRuns.flatMap((m) => m.children);
  const failed = children.filter((c) => c.status !== 'SUCCEEDED');
  if (failed.length > 0) throw new Error(`${failed.length} child executions of the backup of ${pattern} did not succeed`);
  const backup = await rig.bucket.readManifest((run.output as { backupId: string }).backupId);
  const partitions = backup.topics.filter((t) => topics.includes(t.name)).flatMap((t) => t.partitions.map((p) => ({ topic: t.name, ...p })));
  const expected = topics.length * partitionsPerTopic;
  const wrong = partitions.filter((p) => p.endOffset !== 1 || p.segments.length !== 1);
  if (partitions.length !== expected || wrong.length > 0) throw new Error(`the manifest holds ${partitions.length} of ${expected} partitions, ${wrong.length} without exactly their one record's segment`);
  // A sample of the segments, decoded: each holds its partition's record.
  for (const p of partitions.filter((_, i) => i % 1000 === 0)) {
    const records = decodeSegment(p.segments[0]!.key, (await rig.bucket.get(p.segments[0]!.key))!).records;
    if (records.map((r) => r.value?.toString()).join() !== `${p.topic}/${p.partition}`) throw new Error(`segment ${p.segments[0]!.key} does not hold ${p.topic}/${p.partition}'s record`);
  }
  return {
    partitions: expected,
    seconds,
    children: children.length,
    childHistory: Math.max(...children.map((c) => c.historyEvents)),
    parentEvents: run.events.length,
    largestPayload: Math.max(...run.events.map((e) => JSON.stringify(e).length)),
  };
}

const estate = ctx.config;
const config = parseEstateConfig(
  { ...estate, backup: { ...estate.backup!, parallelism: { ...estate.backup!.parallelism, partitionsPerInvocation: perInvocation } } },
  `the lab estate, ${perInvocation} partitions a copy`,
);
const brokers = ctx.lab.clusters.dc1.brokers ?? 1;
const total = Number(values.topics) * partitionsPerTopic;
console.log(`seeding ${REFERENCE_PARTITIONS} and ${total} partitions (${partitionsPerTopic} a topic) on dc1, ${brokers} broker(s), one record each...`);
const referenceTopics = await seed('wide-ref', REFERENCE_PARTITIONS / partitionsPerTopic);
const scaleTopics = await seed('wide-scale', Number(values.topics));

const rig = await backupRig(config);
const reference = await backupOf(rig, 'wide-ref-.*', referenceTopics);
const scale = await backupOf(rig, 'wide-scale-.*', scaleTopics);

const perThousand = (m: Measured) => m.seconds / (m.partitions / 1000);
console.log(`\n| partitions | backup | per 1,000 partitions | child executions (history events, at most) | parent history events | largest parent event |`);
console.log(`| ---: | ---: | ---: | ---: | ---: | ---: |`);
for (const m of [reference, scale]) {
  console.log(`| ${m.partitions} | ${m.seconds.toFixed(1)} s | ${perThousand(m).toFixed(2)} s | ${m.children} (${m.childHistory}) | ${m.parentEvents} | ${m.largestPayload} bytes |`);
}
console.log(`\nseconds per 1,000 partitions, ${total} against ${REFERENCE_PARTITIONS}: ${(perThousand(scale) / perThousand(reference)).toFixed(2)}x`);
for (const [dir, fn] of await rig.functions()) {
  if (fn.invocations > 0) console.log(`  ${dir}: ${fn.invocations} invocations, invoked ${(fn.invokedMs / 1000).toFixed(1)} s; max memory used ${fn.maxMemoryUsedMb.toFixed(0)} of ${fn.definition.memorySize} MB`);
}
await closeLabContext();
process.exit(0);
