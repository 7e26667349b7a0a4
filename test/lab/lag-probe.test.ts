// The lag and RPO probe against the lab: steady replication reads near zero; pausing MM2
// while producing makes RPO and unreplicated records grow in what reaches CloudWatch, and
// resuming brings them back; losing dc1 is reported as unreachable with growing heartbeat
// age and published as the canary not arriving (reachability and heartbeat age are the
// liveness probe's to publish: test/lab/liveness-probe.test.ts).
import { spawnSync } from 'node:child_process';
import { ConnectClient } from '#src/connect/client';
import { flowsOf } from '#src/flow';
import { runLagProbe, type LagReport } from '#src/probes/lag-probe';
import { killLabComponent } from '../../lab/estate';
import { localControlPlane, type LocalControlPlane } from '../../lab/local-control-plane';
import { Metric } from '#src/metrics';
import { parseEstateConfig } from '#src/config/parse';
import { latestMetric } from '../support/cloudwatch';
import { ensureTopic, eventually, labContext, sendRecords, spacedRecords, uniqueName } from '../support/lab';

const FLOW = 'dc1->dc2';

async function probe(): Promise<LagReport> {
  const { config, clients } = await labContext();
  return runLagProbe(flowsOf(config)[0]!, clients, { canaryTimeoutMs: 10_000, checkpointStaleMs: 30_000 });
}

let plane: Promise<LocalControlPlane> | undefined;

/** The deployed path: the lag-probe function's bundle, as Lambda runs it, publishing to CloudWatch; with what it logged meanwhile. */
async function invokeFunction(): Promise<{ result: Record<string, any>; output: string }> {
  plane ??= labContext().then(({ config }) => localControlPlane(config));
  const local = await plane;
  const result = (await local.invoke('lag-probe', { flow: FLOW })) as Record<string, any>;
  return { result, output: (await local.functions()).get('lag-probe')!.recentLogs().join('\n') };
}
const invokeHandler = async () => (await invokeFunction()).result;

async function produce(topic: string, count: number, firstTimestamp: number, spacingMs: number): Promise<void> {
  const { kafkaFor } = await labContext();
  await sendRecords(await kafkaFor('dc1'), topic, spacedRecords(count, firstTimestamp, spacingMs));
}

const topicLag = (report: LagReport, topic: string) => report.lag?.topics.find((t) => t.topic === topic);

it('reads lag and RPO near zero under steady replication, with a measured canary latency', async () => {
  const { adminFor } = await labContext();
  const topic = uniqueName('steady');
  await ensureTopic(await adminFor('dc1'), topic, 2);
  await produce(topic, 40, Date.now(), 1);
  const report = await eventually('the new topic replicated', async () => {
    const r = await probe();
    return topicLag(r, topic)?.unreplicatedRecords === 0n && r.lag?.partitions.some((p) => p.topic === topic && p.replicatedTo === 20n) ? r : undefined;
  }, 60_000, 2000);
  expect(report.reachable).toEqual({ source: true, target: true });
  expect(topicLag(report, topic)).toEqual({ topic, unreplicatedRecords: 0n, rpoMs: 0 });
  expect(report.heartbeatAgeMs).toBeLessThan(5_000);
  expect(report.canary?.arrived).toBe(true);
  expect(report.canary?.latencyMs).toBeGreaterThan(0);
  expect(report.canary?.latencyMs).toBeLessThan(10_000);
});

it('publishes growing RPO and unreplicated records while MM2 is paused, and their fall after resume', async () => {
  const { lab, adminFor } = await labContext();
  const connect = new ConnectClient(lab.connect.url);
  const topic = uniqueName('paused');
  await ensureTopic(await adminFor('dc1'), topic, 2);
  await produce(topic, 10, Date.now(), 1);
  await eventually('the topic replicated before the pause', async () => (topicLag(await probe(), topic)?.unreplicatedRecords === 0n ? true : undefined), 60_000, 2000);

  const since = new Date();
  try {
    await connect.pause(lab.connect.connectors.source);
    await eventually('source connector paused', async () => ((await connect.status(lab.connect.connectors.source)).tasks.every((t) => t.state === 'PAUSED') ? true : undefined), 30_000, 500);
    const firstTimestamp = Date.now();
    await produce(topic, 50, firstTimestamp, 100); // 50 records spanning 4.9 s of event time
    const { result: paused, output } = await invokeFunction();
    expect(output).toContain('"message":"lag probe"');
    expect(output).not.toContain(lab.clusters.dc1.password!); // credentials never reach the logs
    expect(paused.reachable).toEqual({ source: true, target: true });
    const pausedTopic = paused.lag.topics.find((t: { topic: string }) => t.topic === topic);
    expect(pausedTopic.unreplicatedRecords).toBe(50);
    // From the newest replicated record (before the pause) to the newest produced one: at least the 4.9 s span.
    expect(pausedTopic.rpoMs).toBeGreaterThanOrEqual(4_900);
    expect(await latestMetric(Metric.TopicUnreplicatedRecords, { Flow: FLOW, Topic: topic }, since)).toBe(50);
    expect(await latestMetric(Metric.Rpo, { Flow: FLOW }, since)).toBeGreaterThanOrEqual(4.9);
    expect(await latestMetric(Metric.UnreplicatedRecords, { Flow: FLOW }, since)).toBeGreaterThanOrEqual(50);
  } finally {
    await connect.resume(lab.connect.connectors.source);
  }
  await eventually('the backlog replicated after resume', async () => (topicLag(await probe(), topic)?.unreplicatedRecords === 0n ? true : undefined), 60_000, 2000);
  const resumedAt = new Date();
  await invokeHandler();
  expect(await latestMetric(Metric.TopicUnreplicatedRecords, { Flow: FLOW, Topic: topic }, resumedAt)).toBe(0);
  expect(await latestMetric(Metric.TopicRpo, { Flow: FLOW, Topic: topic }, resumedAt)).toBe(0);
});

it('with topicMetrics top 1 and groupMetrics none, publishes per-topic metrics for the worst topic alone, no per-group metric, and the flow\'s own', async () => {
  const { lab, config, adminFor } = await labContext();
  const connect = new ConnectClient(lab.connect.url);
  const [worst, other] = [uniqueName('worst'), uniqueName('other')];
  for (const topic of [worst, other]) await ensureTopic(await adminFor('dc1'), topic, 2);
  const narrow = await localControlPlane(
    parseEstateConfig({ ...config, probes: { ...config.probes, topicMetrics: { publish: 'top', top: 1 }, groupMetrics: { publish: 'none' } } }, 'the lab estate, publishing the worst topic only'),
  );
  const since = new Date();
  let checkpointed: string[] = [];
  try {
    await connect.pause(lab.connect.connectors.source);
    await eventually('source connector paused', async () => ((await connect.status(lab.connect.connectors.source)).tasks.every((t) => t.state === 'PAUSED') ? true : undefined), 30_000, 500);
    await produce(worst, 30, Date.now() - 20_000, 500); // each partition: 15 records, 14 s of event time unreplicated
    await produce(other, 5, Date.now(), 100);
    const report = (await narrow.invoke('lag-probe', { flow: FLOW })) as any;
    expect(report.lag.topics.map((t: { topic: string }) => t.topic)).toEqual(expect.arrayContaining([worst, other])); // measured, all of them
    expect(report.checkpoints.length).toBeGreaterThan(0);
    checkpointed = report.checkpoints.map((c: { group: string }) => c.group);
  } finally {
    await connect.resume(lab.connect.connectors.source);
  }
  expect(await latestMetric(Metric.TopicRpo, { Flow: FLOW, Topic: worst }, since)).toBeGreaterThanOrEqual(14);
  expect(await latestMetric(Metric.TopicUnreplicatedRecords, { Flow: FLOW, Topic: worst }, since)).toBe(30);
  expect(await latestMetric(Metric.TopicRpo, { Flow: FLOW, Topic: other }, since)).toBeUndefined();
  expect(await latestMetric(Metric.TopicUnreplicatedRecords, { Flow: FLOW, Topic: other }, since)).toBeUndefined();
  expect(await latestMetric(Metric.Rpo, { Flow: FLOW }, since)).toBeGreaterThanOrEqual(14);
  expect(await latestMetric(Metric.UnreplicatedRecords, { Flow: FLOW }, since)).toBeGreaterThanOrEqual(35);
  // The groups the probe measured (with publish: all, each would have its CheckpointAge).
  for (const group of checkpointed.slice(0, 5)) expect(await latestMetric(Metric.CheckpointAge, { Flow: FLOW, Group: group }, since)).toBeUndefined();
});

describe('with dc1 gone', () => {
  afterAll(() => {
    // Bring the lab back for whatever runs next (lab.sh up restarts only what is missing).
    const up = spawnSync('bash', ['lab/lab.sh', 'up'], { stdio: 'inherit' });
    expect(up.status).toBe(0);
  });

  it('reports dc1 unreachable and a growing heartbeat age within the probe timeout, and publishes the canary not arriving', async () => {
    const since = new Date();
    killLabComponent('dc1');
    const started = Date.now();
    const first = await invokeHandler();
    expect(Date.now() - started).toBeLessThan(25_000);
    expect(first.reachable).toEqual({ source: false, target: true });
    expect(first.canary).toMatchObject({ arrived: false });
    expect(first.lag).toBeNull();
    await new Promise((r) => setTimeout(r, 6_000)); // past the lab's heartbeatStaleSeconds (5)
    const second = await invokeHandler();
    expect(second.heartbeatAgeMs).toBeGreaterThan(first.heartbeatAgeMs);
    expect(second.heartbeatAgeMs).toBeGreaterThan(5_000);

    expect(await latestMetric(Metric.CanaryArrived, { Flow: FLOW }, since)).toBe(0);
  });
});
