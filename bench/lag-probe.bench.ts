// Benchmark: one lag-probe run over many partitions (default 100 topics x 100 partitions =
// 10,000) on the lab, against the naive reference in the same run: per-topic offset calls
// (what kafka-consumer-groups-style tooling does), one topic after another, on both clusters.
// Prints a table with partitions/s and the ratio.
//
//   npm run lab:down && LAB_FULL_JIT=1 npm run lab:up && npx tsx bench/lag-probe.bench.ts [--topics 100] [--partitions 100] [--memory-mb 256]
//
// Our probe runs in a child process whose heap is capped as the lab caps a Lambda of
// --memory-mb (probes.lagProbeMemoryMb; 90% of it, --max-old-space-size), and its peak
// resident memory is reported. Past about 15,000 partitions a lab broker runs out of open
// files: start the lab with several brokers a cluster (LAB_BROKERS, lab/README.md).
import { parseArgs } from 'node:util';
import { estateClients } from '#src/kafka/connection';
import { SecretReader } from '#src/secrets';
import { labEstate, readLabInfo } from '../lab/estate';
import { estateKafka } from '../lab/kafkajs';
import { eventually } from '../lab/sample-estate';
import { flowOf } from '#src/flow';
import { createMissingTopics } from './bench-topics';
import { lambdaHeapMb } from '../lab/lambda/local-function';
import { childRun, peakRssBytes, timed } from './child-run';

const { values } = parseArgs({ options: { topics: { type: 'string', default: '100' }, partitions: { type: 'string', default: '100' }, 'memory-mb': { type: 'string', default: '256' }, child: { type: 'boolean', default: false }, measure: { type: 'string', default: 'probe' } } });
const topicCount = Number(values.topics);
const partitionsPerTopic = Number(values.partitions);
const memoryMb = Number(values['memory-mb']);
const topics = Array.from({ length: topicCount }, (_, i) => `bench-${partitionsPerTopic}p-${String(i).padStart(4, '0')}`);
const config = await labEstate();
const flow = flowOf({ ...config.flows[0]!, topics: { include: [`bench-${partitionsPerTopic}p-.*`, 'kafka-dr-canary'], exclude: [] } });
const secrets = new SecretReader();
const kafkaFor = estateKafka(config.clusters, secrets, { requestTimeoutMs: 30_000, retries: 10 });

/** failover-drain's memorySize (lib/constructs/failover-workflow.ts). */
const DRAIN_MEMORY_MB = 512;

if (values.child && values.measure === 'drain') {
  // One look of a planned switchover's drain once MM2 has copied everything: the look that
  // ends its Wait loop, over every partition of the flow and every group's checkpoints.
  const { drainStatus } = await import('#src/failover/drain');
  const { clients } = estateClients(config.clusters, secrets, 'kafka-dr-failover-drain', { requestTimeoutMs: 30_000, retries: 10 });
  const look = () => drainStatus(flow, clients, new Date(Date.now() + 600_000));
  await eventually('MM2 to copy every bench record', async () => ((await look()).drained ? true : undefined), 300_000, 2000);
  const { result: status, ms, cpuMs } = await timed(look);
  console.log(JSON.stringify({ ms, cpuMs, drained: status.drained, peakRss: peakRssBytes() }));
  process.exit(0);
}

if (values.child) {
  // The measured run, in a process of its own so its memory is its own.
  const { runLagProbe } = await import('#src/probes/lag-probe');
  const { clients } = estateClients(config.clusters, secrets, 'kafka-dr-lag-probe', { requestTimeoutMs: 30_000, retries: 10 });
  // Warm connections, like a warm Lambda, and wait until MM2 carries the canary topic.
  await eventually('a warm-up probe run whose canary arrives', async () => ((await runLagProbe(flow, clients, { canaryTimeoutMs: 10_000, checkpointStaleMs: 60_000 })).canary?.arrived ? true : undefined), 120_000, 1000);
  const { result: report, ms, cpuMs } = await timed(() => runLagProbe(flow, clients, { canaryTimeoutMs: 10_000, checkpointStaleMs: 60_000 }));
  console.log(JSON.stringify({ ms, cpuMs, partitions: report.lag?.partitions.length ?? 0, errors: report.errors, canaryMs: report.canary?.latencyMs, peakRss: peakRssBytes() }));
  process.exit(0);
}

async function ensureBenchTopics(): Promise<void> {
  const dc1 = await kafkaFor('dc1');
  const admin = dc1.admin();
  await admin.connect();
  await createMissingTopics(admin, topics, partitionsPerTopic);
  await eventually('leaders for every bench partition', async () => {
    const metadata = await admin.fetchTopicMetadata({ topics });
    return metadata.topics.every((t) => t.partitions.length === partitionsPerTopic && t.partitions.every((p) => p.leader >= 0)) ? true : undefined;
  }, 300_000, 2000);
  await admin.disconnect();
  // A record in every partition on each run: non-empty partitions with a little lag to measure.
  const producer = dc1.producer();
  await producer.connect();
  for (const topic of topics) {
    await producer.send({ topic, messages: Array.from({ length: partitionsPerTopic }, (_, p) => ({ partition: p, key: `k${p}`, value: 'x'.repeat(100) })) });
  }
  await producer.disconnect();
}

async function naiveReference(): Promise<number> {
  const source = (await kafkaFor('dc1')).admin();
  const target = (await kafkaFor('dc2')).admin();
  await Promise.all([source.connect(), target.connect()]);
  const started = performance.now();
  let lagged = 0;
  for (const topic of topics) {
    const s = await source.fetchTopicOffsets(topic);
    const t = await target.fetchTopicOffsets(flow.policy.remoteTopic(flow.source, topic));
    lagged += s.filter((p) => Number(p.high) !== Number(t.find((x) => x.partition === p.partition)?.high)).length;
  }
  const ms = performance.now() - started;
  await Promise.all([source.disconnect(), target.disconnect()]);
  void lagged;
  return ms;
}

const total = topicCount * partitionsPerTopic;
const lab = readLabInfo();
console.log(`preparing ${topicCount} topics x ${partitionsPerTopic} partitions = ${total} partitions on dc1 and their mirrors on dc2 (${lab.clusters.dc1.brokers ?? 1} and ${lab.clusters.dc2.brokers ?? 1} brokers)...`);
await ensureBenchTopics();
await eventually('MM2 to mirror every bench topic', async () => {
  const admin = (await kafkaFor('dc2')).admin();
  await admin.connect();
  const have = new Set(await admin.listTopics());
  await admin.disconnect();
  return topics.every((t) => have.has(flow.policy.remoteTopic(flow.source, t))) ? true : undefined;
}, 600_000, 5000);

const ours = childRun<{ ms: number; cpuMs: number; partitions: number; errors: string[]; canaryMs: number; peakRss: number }>('bench/lag-probe.bench.ts', ['--topics', String(topicCount), '--partitions', String(partitionsPerTopic)], memoryMb);
const naiveMs = await naiveReference();
const drain = childRun<{ ms: number; cpuMs: number; drained: boolean; peakRss: number }>('bench/lag-probe.bench.ts', ['--topics', String(topicCount), '--partitions', String(partitionsPerTopic), '--measure', 'drain'], DRAIN_MEMORY_MB);

const rate = (ms: number) => Math.round(total / (ms / 1000));
console.log(`\n| approach | partitions | time | partitions/s |`);
console.log(`| --- | ---: | ---: | ---: |`);
console.log(`| kafka-dr lag probe (full run: lag + RPO + canary + checkpoints + heartbeat) | ${ours.partitions} | ${(ours.ms / 1000).toFixed(2)} s | ${rate(ours.ms)} |`);
console.log(`| naive: per-topic offset calls on both clusters (offsets only) | ${total} | ${(naiveMs / 1000).toFixed(2)} s | ${rate(naiveMs)} |`);
console.log(`\nspeed-up: ${(naiveMs / ours.ms).toFixed(1)}x; probe peak RSS ${(ours.peakRss / 2 ** 20).toFixed(0)} MiB (heap capped at ${lambdaHeapMb(memoryMb)} MiB); probe CPU ${(ours.cpuMs / 1000).toFixed(2)} s; canary ${ours.canaryMs} ms; errors: ${ours.errors.length ? ours.errors.join('; ') : 'none'}`);
console.log(`a planned switchover's drain, one look once drained (failover-drain, ${DRAIN_MEMORY_MB} MB): ${(drain.ms / 1000).toFixed(2)} s (CPU ${(drain.cpuMs / 1000).toFixed(2)} s), peak RSS ${(drain.peakRss / 2 ** 20).toFixed(0)} MiB`);
process.exit(0);
