// The fan-in (aggregate) topology on the lab: the edge site dc3 (lab.sh fan-in up) and dc1
// both copied into dc2 by MM2, the same topic name on both edges. Run as deployed: the
// control plane synthesized from the fan-in estate, its functions' bundles invoked as Lambda
// would, its workflows run as defined. Read back: lag, RPO and link metrics per flow from
// CloudWatch, the aggregate's backup restored into another cluster and compared record for
// record with what the edge produced, and a failover of the edge flow refused while the
// clients are on dc1.
import type { Kafka, KafkaMessage } from 'kafkajs';
import { ConnectClient } from '#src/connect/client';
import type { EstateConfig } from '#src/config/schema';
import { estateClients, type EstateClients } from '#src/kafka/connection';
import { Metric } from '#src/metrics';
import { SecretReader } from '#src/secrets';
import { readLabInfo, type LabInfo } from '../../lab/estate';
import { fanInEstate, startFanIn, stopFanIn } from '../../lab/fan-in';
import { estateKafka } from '../../lab/kafkajs';
import { latestMetric } from '../support/cloudwatch';
import { failoverRig, replicaCreated, scheduledInput, type FailoverRig } from '../support/failover';
import { kafkajsRecords } from '../support/kafkajs-reader';
import { distinctCopies, ensureTopic, eventually, labContext, sendRecords, spacedRecords, uniqueName, type LabContext } from '../support/lab';

const CENTRAL = 'dc1->dc2';
const EDGE = 'dc3->dc2';

let ctx: LabContext;
let config: EstateConfig;
let rig: FailoverRig;
let lab: LabInfo;
let clients: EstateClients;
let closeClients: () => Promise<void>;
let kafkaFor: (cluster: string) => Promise<Kafka>;
// One topic name on both edges: the default policy keeps their records apart on dc2.
const topic = uniqueName('fan-in');

beforeAll(async () => {
  ctx = await labContext();
  await startFanIn();
  // Read after `fan-in up`, which writes the edge into lab.json.
  lab = readLabInfo();
  config = fanInEstate(ctx.config, lab);
  const secrets = new SecretReader();
  ({ clients, close: closeClients } = estateClients(config.clusters, secrets, 'kafka-dr-lab-test'));
  kafkaFor = estateKafka(config.clusters, secrets);
  rig = await failoverRig(config);
  await rig.restore(); // clients on dc1, no active side recorded
  for (const edge of ['dc1', 'dc3']) await ensureTopic(await clients.admin(edge), topic, 2);
}, 300_000);

afterAll(async () => {
  // What the edge left on dc2 would be one more source of replicas for later tests' flows.
  const dc2 = await clients.admin('dc2');
  const left = (await dc2.listTopics({ includeInternals: true })).filter((t) => t.startsWith('dc3.'));
  if (left.length) await dc2.deleteTopics({ topics: left });
  await closeClients();
  await stopFanIn();
}, 180_000);

type Report = { lag: { topics: { topic: string; unreplicatedRecords: number; rpoMs: number }[] }; canary: { arrived: boolean } | null; reachable: { source: boolean; target: boolean } };
const lagProbe = async (flow: string) => (await rig.invoke('lag-probe', { flow })) as Report;
const topicLag = (report: Report, name: string) => report.lag.topics.find((t) => t.topic === name);

/** A partition's records as an application sees them: key, value, timestamp, in offset order. */
const seen = (partitions: KafkaMessage[][]) => partitions.map((records) => records.map((r) => `${r.key?.toString()}=${r.value?.toString()}@${r.timestamp}`));

it('measures lag and RPO per flow: the edge flow paused lags alone, and both publish under their own Flow', async () => {
  await sendRecords(await kafkaFor('dc1'), topic, spacedRecords(20, Date.now(), 1));
  await sendRecords(await kafkaFor('dc3'), topic, spacedRecords(20, Date.now(), 1));
  await replicaCreated(ctx, topic, 2, { source: 'dc1', target: 'dc2' });
  await replicaCreated(ctx, topic, 2, { source: 'dc3', target: 'dc2' });
  for (const flow of [CENTRAL, EDGE]) {
    const report = await eventually(`${flow} current`, async () => {
      const r = await lagProbe(flow);
      return topicLag(r, topic)?.unreplicatedRecords === 0 && r.canary?.arrived ? r : undefined;
    }, 90_000, 2000);
    expect(report.reachable).toEqual({ source: true, target: true });
  }

  const connect = new ConnectClient(lab.connect.url);
  const source = lab.edge!.connectors.source;
  await connect.pause(source);
  try {
    await eventually(`${source} paused`, async () => ((await connect.status(source)).tasks.every((t) => t.state === 'PAUSED') ? true : undefined), 30_000, 500);
    const since = new Date();
    await sendRecords(await kafkaFor('dc3'), topic, spacedRecords(30, Date.now(), 100));
    await sendRecords(await kafkaFor('dc1'), topic, spacedRecords(30, Date.now(), 100));
    const edge = await lagProbe(EDGE);
    expect(topicLag(edge, topic)).toMatchObject({ unreplicatedRecords: 30, rpoMs: expect.any(Number) });
    expect(topicLag(edge, topic)!.rpoMs).toBeGreaterThanOrEqual(2_900); // 30 records 100 ms apart, none copied
    const central = await eventually('dc1->dc2 current while dc3->dc2 is paused', async () => {
      const r = await lagProbe(CENTRAL);
      return topicLag(r, topic)?.unreplicatedRecords === 0 ? r : undefined;
    }, 60_000, 1000);
    expect(topicLag(central, topic)!.rpoMs).toBe(0);
    expect(await latestMetric(Metric.TopicUnreplicatedRecords, { Flow: EDGE, Topic: topic }, since)).toBe(30);
    expect(await latestMetric(Metric.TopicUnreplicatedRecords, { Flow: CENTRAL, Topic: topic }, since)).toBe(0);
  } finally {
    await connect.resume(source);
  }
  await eventually('dc3->dc2 caught up after resume', async () => (topicLag(await lagProbe(EDGE), topic)?.unreplicatedRecords === 0 ? true : undefined), 90_000, 2000);
});

it('times each link on its own: the bandwidth probe of each flow publishes its capacity and RTT under its Flow', async () => {
  for (const flow of [CENTRAL, EDGE]) {
    const since = new Date();
    const report = (await rig.invoke('bandwidth-probe', { flow })) as { capacity: { bytesPerSecond: number; complete: boolean } | null; rttMs: number | null };
    expect(report.capacity).toMatchObject({ complete: true });
    expect(report.capacity!.bytesPerSecond).toBeGreaterThan(0);
    expect(await latestMetric(Metric.LinkCapacity, { Flow: flow }, since)).toBeCloseTo(report.capacity!.bytesPerSecond, 6);
    expect(await latestMetric(Metric.LinkRtt, { Flow: flow }, since)).toBeCloseTo(report.rttMs!, 6);
  }
});

it("backs up the aggregate on dc2 and restores one edge's share into dc1, record for record as dc3 produced it", async () => {
  const escaped = topic.replace(/[-.]/g, (c) => `\\${c}`);
  const backup = await rig.plane.backup.run({ topics: [`dc1\\.${escaped}`, `dc3\\.${escaped}`] });
  expect([backup.status, backup.error, backup.cause]).toEqual(['SUCCEEDED', undefined, undefined]);
  const { backupId } = backup.output as { backupId: string };
  const manifest = await rig.plane.bucket.readManifest(backupId);
  expect(manifest.topics.map((t) => t.name).sort()).toEqual([`dc1.${topic}`, `dc3.${topic}`]);

  const restoredAs = `${topic}-from-dc3`;
  const restore = await rig.plane.restore.run({ backupId, targetCluster: 'dc1', topics: [`dc3.${topic}`], rename: { [`dc3.${topic}`]: restoredAs }, restoreConsumerOffsets: false });
  expect([restore.status, restore.error, restore.cause]).toEqual(['SUCCEEDED', undefined, undefined]);
  const produced = seen(await kafkajsRecords(await kafkaFor('dc3'), topic));
  const replica = seen(await kafkajsRecords(await kafkaFor('dc2'), `dc3.${topic}`));
  const restored = seen(await kafkajsRecords(await kafkaFor('dc1'), restoredAs));
  expect(produced.flat()).toHaveLength(50);
  // The restore is exact; MM2's copy is at-least-once, so the replica may hold a record twice.
  expect(restored).toEqual(replica);
  expect(replica.map((p) => distinctCopies(p))).toEqual(produced);
});

it('refuses a failover of the edge flow while the clients are on dc1, and does not judge its readiness', async () => {
  await replicaCreated(ctx, topic, 2, { source: 'dc3', target: 'dc2' }); // so that the clients are the one reason
  const refused = await rig.run({ flow: EDGE, mode: 'planned', dryRun: true, reason: 'fan-in lab test' }, uniqueName('edge-failover'));
  expect({ status: refused.status, error: refused.error }).toEqual({ status: 'FAILED', error: 'PreflightFailed' });
  expect(refused.cause).toMatch(new RegExp(`preflight refused the failover, nothing was changed: clients are on dc1 \\(.*\\), not on dc3: a failover of ${EDGE} would move them off dc1, whose data ${EDGE} does not carry; fail over the flow whose source is dc1$`));
  expect(await rig.recordCluster()).toBe('dc1');

  const scheduled = await rig.run(scheduledInput(rig, EDGE), uniqueName('edge-readiness'));
  expect({ status: scheduled.status, error: scheduled.error }).toEqual({ status: 'FAILED', error: 'PreflightFailed' });
  expect(scheduled.cause).toContain(`clients are on dc1, neither end of ${EDGE}`);
  expect(await rig.recordCluster()).toBe('dc1');
});
