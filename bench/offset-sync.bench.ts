// Benchmark: failover offset sync for many consumer groups (default 1,000 groups x 100
// partitions = 100,000 checkpoints) on the lab, against MM2's own client API in the same run:
// RemoteClusterUtils.translateOffsets called once per group (bench/java/TranslateOffsets.java,
// compiled against the lab's jars), each call reading the whole checkpoint topic again.
// Ours plans every group from one pass over the checkpoints and commits in batches.
//
//   npm run lab:down && LAB_FULL_JIT=1 npm run lab:up && npx tsx bench/offset-sync.bench.ts [--groups 1000] [--partitions 100] [--reference-budget 240]
//
// The data simulates a source cluster "bench" replicated to dc2 (default policy), so no MM2
// connector is involved: bench.orders and bench.checkpoints.internal on dc2, seeded once and
// reused while their counts match. Ours runs unplanned (checkpoints only, "bench" is never
// contacted); the bench groups are deleted on dc2 first so every offset is really committed.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import type { Admin } from '@platformatic/kafka';
import type { Kafka } from 'kafkajs';
import { commitConsumerOffsets, planConsumerOffsets, type ConsumerOffsetClients } from '#src/failover/consumer-offsets';
import { encodeCheckpoint } from '#src/mm2/records';
import { ReplicationPolicy } from '#src/mm2/replication-policy';
import { parseEstateConfig } from '#src/config/parse';
import type { EstateConfig } from '#src/config/schema';
import { flowsOf, type Flow } from '#src/flow';
import { projectRoot } from '../lib/paths';
import { childRun, peakRssBytes } from './child-run';
import { closeLabContext, ensureTopic, eventually, labContext, type LabContext } from '../test/support/lab';

const { values } = parseArgs({
  options: {
    groups: { type: 'string', default: '1000' },
    partitions: { type: 'string', default: '100' },
    // Seconds the per-group reference may run before it stops and is extrapolated.
    'reference-budget': { type: 'string', default: '240' },
    child: { type: 'boolean', default: false },
  },
});
const groupCount = Number(values.groups);
const partitionCount = Number(values.partitions);
const referenceBudgetMs = Number(values['reference-budget']) * 1000;

const SOURCE = 'bench';
const TARGET = 'dc2';
/** Records per partition of the replicated topic, so every downstream offset is a valid position. */
const RECORDS_PER_PARTITION = 1000;
/** Checkpoints written per seeding round. */
const SEED_ROUND = 100_000;
/**
 * Checkpoints per produce request: a 100k-record batch (~6.6 MB) would exceed the broker's
 * default message.max.bytes (1 MiB), which MM2's own checkpoint topic keeps.
 */
const CHECKPOINTS_PER_REQUEST = 5000;

const policy = new ReplicationPolicy('default', '.');
const ordersTopic = policy.remoteTopic(SOURCE, 'orders');
const checkpointsTopic = policy.checkpointsTopic(SOURCE);
const groups = Array.from({ length: groupCount }, (_, g) => `bench-group-${String(g).padStart(4, '0')}`);
const checkpointCount = groupCount * partitionCount;

/** Where group g's checkpoint for partition p puts it on the target: spread over the partition, never past its end. */
const downstreamOffset = (g: number, p: number) => BigInt(1 + ((g * 31 + p * 17) % RECORDS_PER_PARTITION));
const expectedGroupSum = (g: number) => Array.from({ length: partitionCount }, (_, p) => downstreamOffset(g, p)).reduce((a, b) => a + b, 0n);

async function topicEnds(kafka: Kafka, topic: string): Promise<{ partition: number; low: bigint; high: bigint }[] | undefined> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    if (!(await admin.listTopics()).includes(topic)) return undefined;
    return (await admin.fetchTopicOffsets(topic)).map((o) => ({ partition: o.partition, low: BigInt(o.low), high: BigInt(o.high) }));
  } finally {
    await admin.disconnect();
  }
}

async function isSeeded(kafka: Kafka): Promise<boolean> {
  const orders = await topicEnds(kafka, ordersTopic);
  const checkpoints = await topicEnds(kafka, checkpointsTopic);
  return (
    orders?.length === partitionCount &&
    orders.every((o) => o.high === BigInt(RECORDS_PER_PARTITION)) &&
    checkpoints?.length === 1 &&
    checkpoints[0]!.low === 0n &&
    checkpoints[0]!.high === BigInt(checkpointCount)
  );
}

async function deleteTopics(kafka: Kafka, topics: string[]): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    const present = topics.filter((t) => existing.has(t));
    if (present.length > 0) await admin.deleteTopics({ topics: present, timeout: 60_000 });
    await eventually(`deletion of ${present.join(', ')} on ${TARGET}`, async () => {
      const left = new Set(await admin.listTopics());
      return present.some((t) => left.has(t)) ? undefined : true;
    }, 60_000, 500);
  } finally {
    await admin.disconnect();
  }
}

async function seed(kafka: Kafka, admin: Admin): Promise<void> {
  await deleteTopics(kafka, [ordersTopic, checkpointsTopic]);
  // A topic just deleted may still be finishing on the broker: retry creation until it takes.
  await eventually(`creation of ${ordersTopic} and ${checkpointsTopic} on ${TARGET}`, async () => {
    await ensureTopic(admin, ordersTopic, partitionCount);
    await ensureTopic(admin, checkpointsTopic, 1, { 'cleanup.policy': 'compact' });
    return true;
  }, 60_000, 1000);
  const producer = kafka.producer();
  await producer.connect();
  try {
    const partitionsPerSend = Math.max(1, Math.floor(SEED_ROUND / RECORDS_PER_PARTITION));
    for (let first = 0; first < partitionCount; first += partitionsPerSend) {
      const partitions = Array.from({ length: Math.min(partitionsPerSend, partitionCount - first) }, (_, i) => first + i);
      const messages = partitions.flatMap((partition) =>
        Array.from({ length: RECORDS_PER_PARTITION }, (_, i) => ({ partition, key: `order-${i}`, value: `{"order":${i},"partition":${partition}}` })),
      );
      await producer.send({ topic: ordersTopic, acks: -1, messages });
    }
    for (let round = 0; round < checkpointCount; round += SEED_ROUND) {
      const messages = Array.from({ length: Math.min(SEED_ROUND, checkpointCount - round) }, (_, i) => {
        const g = Math.floor((round + i) / partitionCount);
        const p = (round + i) % partitionCount;
        const down = downstreamOffset(g, p);
        return encodeCheckpoint({ group: groups[g]!, topic: ordersTopic, partition: p, upstreamOffset: down + 5000n, downstreamOffset: down, metadata: '' });
      });
      const requests: Promise<unknown>[] = [];
      for (let i = 0; i < messages.length; i += CHECKPOINTS_PER_REQUEST) {
        requests.push(producer.send({ topic: checkpointsTopic, acks: -1, messages: messages.slice(i, i + CHECKPOINTS_PER_REQUEST).map((m) => ({ ...m, partition: 0 })) }));
      }
      await Promise.all(requests);
    }
  } finally {
    await producer.disconnect();
  }
  if (!(await isSeeded(kafka))) throw new Error(`seeding ${ordersTopic} and ${checkpointsTopic} on ${TARGET} left other counts than expected: is something else writing to them?`);
}

/** TranslateOffsets.class, compiled once per Kafka version and source into the temp dir. */
function compileReference(ctx: LabContext): string {
  const source = path.join(projectRoot, 'bench', 'java', 'TranslateOffsets.java');
  const digest = createHash('sha256').update(readFileSync(source)).digest('hex').slice(0, 12);
  const classes = path.join(os.tmpdir(), 'kafka-dr-bench', `translate-offsets-${ctx.lab.kafkaVersion}-${digest}`);
  if (existsSync(path.join(classes, 'TranslateOffsets.class'))) return classes;
  const building = `${classes}.${process.pid}`;
  mkdirSync(building, { recursive: true });
  const javac = spawnSync('javac', ['--release', '17', '-cp', path.join(ctx.lab.libsDir, '*'), '-d', building, source], { encoding: 'utf8' });
  if (javac.status !== 0) throw new Error(`javac of ${source} against ${ctx.lab.libsDir} failed (exit ${javac.status ?? javac.signal}): ${javac.stderr}`);
  rmSync(classes, { recursive: true, force: true });
  renameSync(building, classes);
  return classes;
}

interface ReferenceRun {
  measured: number;
  loopMs: number;
  /** Sum of the translated offsets per group, in group order. */
  sums: bigint[];
}

function runReference(ctx: LabContext, classes: string): ReferenceRun {
  // The lab's CLI logging config for this Kafka version: warnings only, to stderr.
  const logging = Number(ctx.lab.kafkaVersion.split('.')[0]) >= 4
    ? `-Dlog4j2.configurationFile=${path.join(projectRoot, 'lab', 'config', 'log4j2-tools.properties')}`
    : `-Dlog4j.configuration=file:${path.join(projectRoot, 'lab', 'config', 'log4j-tools.properties')}`;
  const java = spawnSync(
    'java',
    [logging, '-cp', [classes, path.join(ctx.lab.libsDir, '*')].join(path.delimiter), 'TranslateOffsets', ctx.lab.clusters.dc2.bootstrapServers, SOURCE, String(partitionCount), String(referenceBudgetMs)],
    { input: groups.join('\n'), encoding: 'utf8', maxBuffer: 1 << 26, timeout: referenceBudgetMs + 300_000 },
  );
  if (java.status !== 0) throw new Error(`the MM2 reference (TranslateOffsets) failed (exit ${java.status ?? java.signal}): ${java.stderr.slice(-3000)}`);
  const lines = java.stdout.trim().split('\n');
  const done = lines.at(-1)!.split(' ');
  if (done[0] !== 'done') throw new Error(`unexpected output from TranslateOffsets: ${lines.at(-1)}`);
  const sums = lines.slice(0, -1).map((l) => BigInt(l.split(' ')[3]!));
  return { measured: Number(done[1]), loopMs: Number(done[2]) / 1e6, sums };
}

/** The lab's estate plus the simulated source cluster and its flow to dc2. */
function benchEstate(config: EstateConfig): { estate: EstateConfig; flow: Flow } {
  const labFlow = config.flows[0]!;
  const estate = parseEstateConfig(
    {
      ...config,
      // Never contacted: unplanned mode reads only the target.
      clusters: [...config.clusters, { name: SOURCE, bootstrapServers: ['127.0.0.1:9'], auth: { type: 'none' } }],
      flows: [
        ...config.flows,
        {
          source: SOURCE,
          target: TARGET,
          topics: { include: ['.*'], exclude: [] },
          replicationPolicy: { type: 'default', separator: '.' },
          mm2: { ...labFlow.mm2, connectors: { source: `mm2-source-${SOURCE}-${TARGET}`, checkpoint: `mm2-checkpoint-${SOURCE}-${TARGET}`, heartbeat: `mm2-heartbeat-${SOURCE}-${TARGET}` } },
        },
      ],
      dns: { ...config.dns, values: { ...config.dns.values, [SOURCE]: [`${SOURCE}.lab.kafka-dr.internal`] } },
    },
    'the offset-sync bench estate',
  );
  return { estate, flow: flowsOf(estate).find((f) => f.source === SOURCE)! };
}

/** Deletes the bench groups on dc2, so the next sync commits every offset afresh. */
async function resetGroups(kafka: Kafka): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const existing = new Set((await admin.listGroups()).groups.map((g) => g.groupId));
    const present = groups.filter((g) => existing.has(g));
    for (let i = 0; i < present.length; i += 500) await admin.deleteGroups(present.slice(i, i + 500));
  } finally {
    await admin.disconnect();
  }
}

/** Reads every bench group's committed offsets on dc2 and names the first that differs from its checkpoint. */
async function verifyCommitted(kafka: Kafka): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    for (let i = 0; i < groupCount; i += 50) {
      await Promise.all(groups.slice(i, i + 50).map(async (groupId, j) => {
        const g = i + j;
        const [topic] = await admin.fetchOffsets({ groupId, topics: [ordersTopic] });
        for (let p = 0; p < partitionCount; p++) {
          const committed = topic?.partitions.find((x) => x.partition === p)?.offset;
          if (committed !== String(downstreamOffset(g, p))) {
            throw new Error(`ours left ${groupId} on ${ordersTopic}-${p} at ${committed ?? 'nothing'}, expected its checkpoint's downstream offset ${downstreamOffset(g, p)}`);
          }
        }
      }));
    }
  } finally {
    await admin.disconnect();
  }
}

/** Plan + commit (with the module's own read-back), timed, after an untimed warm-up plan like the reference's first call. */
async function runOurs(flow: Flow, clients: ConsumerOffsetClients): Promise<{ planMs: number; commitMs: number }> {
  await planConsumerOffsets(flow, 'unplanned', clients);
  const started = performance.now();
  const plan = await planConsumerOffsets(flow, 'unplanned', clients);
  const planned = performance.now();
  const result = await commitConsumerOffsets(flow, plan, clients);
  const committed = performance.now();
  const partial = result.committed.filter((c) => c.partitions !== partitionCount);
  const problems = [
    plan.checkpointsRead !== checkpointCount && `read ${plan.checkpointsRead} checkpoints, expected ${checkpointCount}`,
    result.committed.length !== groupCount && `committed ${result.committed.length} groups, expected ${groupCount}`,
    partial.length > 0 && `committed other than ${partitionCount} partitions for ${partial.map((c) => `${c.group} (${c.partitions})`).slice(0, 5).join(', ')}`,
    result.skippedActive.length > 0 && `skipped ${result.skippedActive.length} groups as active on ${TARGET}, e.g. ${result.skippedActive[0]!.group}`,
    result.failed.length > 0 && `${result.failed.length} groups failed, e.g. ${result.failed[0]!.error}`,
    result.mismatches.length > 0 && `${result.mismatches.length} read-back mismatches, e.g. ${JSON.stringify(result.mismatches[0], (_, v: unknown) => (typeof v === 'bigint' ? String(v) : v))}`,
  ].filter(Boolean);
  if (problems.length > 0) throw new Error(`our offset sync did not sync every bench group: ${problems.join('; ')}`);
  return { planMs: planned - started, commitMs: committed - planned };
}

/** failover-offsets' memorySize (lib/constructs/failover-workflow.ts); the heap capped as the lab caps a function's (90%). */
const FUNCTION_MEMORY_MB = 1536;

if (values.child) {
  // Ours, in a process of its own so that its peak memory is its own.
  const ctx = await labContext();
  const ours = await runOurs(benchEstate(ctx.config).flow, ctx.clients);
  console.log(JSON.stringify({ ...ours, peakRss: peakRssBytes() }));
  await closeLabContext();
  process.exit(0);
}

const ctx = await labContext();
const dc2 = await ctx.kafkaFor(TARGET);
console.log(`Kafka ${ctx.lab.kafkaVersion}, lab ${ctx.lab.stateDir}, target dc2 ${ctx.lab.clusters.dc2.bootstrapServers}`);
if (await isSeeded(dc2)) {
  console.log(`reusing ${checkpointCount} checkpoints (${groupCount} groups x ${partitionCount} partitions) in ${checkpointsTopic} and ${ordersTopic}`);
} else {
  console.log(`seeding ${checkpointCount} checkpoints (${groupCount} groups x ${partitionCount} partitions) into ${checkpointsTopic}, ${RECORDS_PER_PARTITION} records per partition into ${ordersTopic}...`);
  const started = performance.now();
  await seed(dc2, await ctx.adminFor(TARGET));
  console.log(`  seeded in ${((performance.now() - started) / 1000).toFixed(1)} s`);
}

console.log(`MM2 reference: RemoteClusterUtils.translateOffsets per group (budget ${referenceBudgetMs / 1000} s)...`);
const reference = runReference(ctx, compileReference(ctx));
reference.sums.forEach((sum, g) => {
  if (sum !== expectedGroupSum(g)) throw new Error(`MM2 translated ${groups[g]} to offsets summing to ${sum}, expected ${expectedGroupSum(g)}: the seeded checkpoints are not what the bench wrote`);
});
const extrapolated = reference.measured < groupCount;
const referenceMs = (reference.loopMs / reference.measured) * groupCount;
console.log(`  ${reference.measured} groups in ${(reference.loopMs / 1000).toFixed(1)} s, ${(reference.loopMs / reference.measured).toFixed(1)} ms per group, each translated to ${partitionCount} offsets as seeded`);

console.log('kafka-dr: plan from one pass over the checkpoints, then batched commits...');
await resetGroups(dc2);
const ours = childRun<{ planMs: number; commitMs: number; peakRss: number }>('bench/offset-sync.bench.ts', ['--groups', String(groupCount), '--partitions', String(partitionCount)], FUNCTION_MEMORY_MB);
await verifyCommitted(dc2);
console.log(`  plan ${(ours.planMs / 1000).toFixed(2)} s, commit + read-back ${(ours.commitMs / 1000).toFixed(2)} s, peak RSS ${(ours.peakRss / 2 ** 20).toFixed(0)} MiB of the function's ${FUNCTION_MEMORY_MB} MB; every committed offset read back independently matches its checkpoint`);
const oursMs = ours.planMs + ours.commitMs;

const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
console.log(`\nboth approaches ran against the same lab (Kafka ${ctx.lab.kafkaVersion}, dc2 ${ctx.lab.clusters.dc2.bootstrapServers}) in this run\n`);
console.log('| approach | groups | partitions | checkpoints | total | per group |');
console.log('| --- | ---: | ---: | ---: | ---: | ---: |');
console.log(`| MM2 RemoteClusterUtils.translateOffsets, one call per group | ${groupCount} | ${partitionCount} | ${checkpointCount} | ${s(referenceMs)}${extrapolated ? ` (extrapolated from ${reference.measured} groups)` : ''} | ${(reference.loopMs / reference.measured).toFixed(1)} ms |`);
console.log(`| kafka-dr: one pass over the checkpoints, batched commits (plan ${s(ours.planMs)}, commit + read-back ${s(ours.commitMs)}) | ${groupCount} | ${partitionCount} | ${checkpointCount} | ${s(oursMs)} | ${(oursMs / groupCount).toFixed(2)} ms |`);
const ratio = referenceMs / oursMs;
console.log(`\nspeed-up: ${ratio.toFixed(1)}x (goal: at least 10x — ${ratio >= 10 ? 'met' : 'NOT met'})${extrapolated ? `; MM2's total is extrapolated linearly from ${reference.measured} of ${groupCount} groups` : ''}`);
await closeLabContext();
process.exit(0);
