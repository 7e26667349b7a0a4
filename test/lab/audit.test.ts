// The production checklist audit, run from its synthesized bundle against the lab's real
// clusters and connectors: each finding produced by a real misconfiguration (a connector's
// settings changed through Connect's REST API, a replica left behind on dc2), published as
// AuditFindings by severity and read back from CloudWatch, and cleared once fixed.
// `kafka-dr audit --local` runs the same function and exits 1 on a finding as severe as
// --fail-on. (Kafka 3.9's Connect refuses emit.checkpoints.enabled=false on a checkpoint
// connector, so that critical finding is shown by the unit tests only.) Where MM2's workers
// run, judged by round trips, is audited in audit-placement.test.ts.
import { SEVERITIES } from '#src/audit/finding';
import type { FlowAudit } from '#src/audit/audit';
import { ConnectClient } from '#src/connect/client';
import { ensureTopic } from '#src/kafka/topics';
import { Metric } from '#src/metrics';
import { cli } from '../support/cli';
import { putConnectorConfig } from '../support/connectors';
import { latestMetric } from '../support/cloudwatch';
import { failoverRig, replicaCreated, type FailoverRig } from '../support/failover';
import { uniqueName } from '../support/lab';

const FLOW = 'dc1->dc2';
let rig: FailoverRig;
let connect: ConnectClient;

beforeAll(async () => {
  rig = await failoverRig();
  connect = new ConnectClient(rig.config.flows[0]!.mm2.connectUrl);
}, 300_000);

/**
 * The audit function's report; what it published, read back, must be its counts. Each run
 * starts in a second of its own: CloudWatch keeps one datapoint per second at most.
 */
async function audited(): Promise<FlowAudit> {
  await new Promise((r) => setTimeout(r, 1000 - (Date.now() % 1000)));
  const report = (await rig.invoke('audit', { flow: FLOW })) as FlowAudit;
  const since = new Date(Math.floor(Date.parse(report.at) / 1000) * 1000);
  const published = Object.fromEntries(await Promise.all(SEVERITIES.map(async (s) => [s, await latestMetric(Metric.AuditFindings, { Flow: FLOW, Severity: s }, since)])));
  expect(published).toEqual(report.counts);
  return report;
}

const ids = (audit: FlowAudit) => audit.findings.map((f) => `${f.severity} ${f.id}`);

/** A connector's configuration replaced through Connect's REST API (PUT /connectors/<name>/config). */
const putConfig = (connector: string, config: Record<string, string>) => putConnectorConfig(connect.url, connector, config);

/** Runs `check` with `connector` configured with `change`, then puts its configuration back. */
async function withSettings(connector: string, change: Record<string, string>, check: () => Promise<void>): Promise<void> {
  const original = await connect.config(connector);
  await putConfig(connector, { ...original, ...change });
  try {
    await check();
  } finally {
    await putConfig(connector, original);
  }
}

it("the lab as it runs: MM2's producer uncompressed and the replicas on dc2's one broker, nothing critical", async () => {
  const topic = uniqueName('audit-thin');
  await ensureTopic(await rig.ctx.adminFor('dc1'), topic, 2);
  await replicaCreated(rig.ctx, topic, 2);
  const report = await audited();
  expect(report.flow).toBe(FLOW);
  expect(report.findings).toContainEqual(expect.objectContaining({ id: 'mm2-compression-off', severity: 'warning', subject: 'mm2-source-dc1-dc2' }));
  expect(report.findings).toContainEqual(expect.objectContaining({ id: 'target-replication-factor', severity: 'warning', subject: 'dc2', evidence: expect.stringMatching(/^\d+ replica topic\(s\) on dc2 with replication factor 1: /) }));
  expect(report.counts.critical).toBe(0);
  // One site: the round trips tell nothing about where Connect runs; the stretched-cluster advisory names them.
  expect(ids(report)).not.toContain('warning connect-placement');
  expect(report.findings).toContainEqual(
    expect.objectContaining({ id: 'stretched-vs-replicated', severity: 'info', evidence: expect.stringMatching(/^round trip from the control plane beside dc2: \d+\.\d ms to dc1, \d+\.\d ms to dc2; /) }),
  );
});

it('the source read in plaintext across datacenters: critical, and kafka-dr audit exits 1; cleared once TLS is back', async () => {
  const { source } = rig.config.flows[0]!.mm2.connectors;
  await withSettings(source, { 'source.cluster.security.protocol': 'SASL_PLAINTEXT' }, async () => {
    const report = await audited();
    expect(report.findings).toContainEqual(expect.objectContaining({ id: 'mm2-cross-dc-plaintext', severity: 'critical', subject: source, evidence: 'source.cluster.security.protocol=SASL_PLAINTEXT: records cross between datacenters unencrypted' }));
    expect(report.counts.critical).toBe(1);
    const run = await cli('audit', '--local', '--flow', FLOW, '--json');
    expect({ code: run.code, stderr: run.stderr }).toMatchObject({ code: 1 });
    expect((JSON.parse(run.stdout) as FlowAudit[])[0]!.findings).toContainEqual(expect.objectContaining({ id: 'mm2-cross-dc-plaintext', severity: 'critical' }));
  });
  const fixed = await audited();
  expect(ids(fixed)).not.toContain('critical mm2-cross-dc-plaintext');
  expect(fixed.counts.critical).toBe(0);
}, 180_000);

it('checkpoints five minutes apart on the checkpoint connector: a warning, and kafka-dr audit --fail-on warning exits 1 (critical, the default, 0)', async () => {
  const { checkpoint } = rig.config.flows[0]!.mm2.connectors;
  await withSettings(checkpoint, { 'emit.checkpoints.interval.seconds': '300' }, async () => {
    expect((await audited()).findings).toContainEqual(expect.objectContaining({ id: 'mm2-checkpoint-interval', severity: 'warning', subject: checkpoint, evidence: 'emit.checkpoints.interval.seconds=300' }));
    expect((await cli('audit', '--local', '--flow', FLOW, '--fail-on', 'warning')).code).toBe(1);
    const byDefault = await cli('audit', '--local', '--flow', FLOW);
    expect(byDefault.code).toBe(0);
    expect(byDefault.stdout).toContain('WARNING  mm2-checkpoint-interval (mm2-checkpoint-dc1-dc2)');
  });
  expect(ids(await audited())).not.toContain('warning mm2-checkpoint-interval');
}, 180_000);

it("compression set on the source connector's producer clears its finding; a coarse offset.lag.max is one", async () => {
  const { source } = rig.config.flows[0]!.mm2.connectors;
  await withSettings(source, { 'producer.override.compression.type': 'zstd', 'offset.lag.max': '10000' }, async () => {
    const report = await audited();
    expect(ids(report)).not.toContain('warning mm2-compression-off');
    expect(report.findings).toContainEqual(expect.objectContaining({ id: 'mm2-offset-syncs-coarse', severity: 'warning', evidence: 'offset.lag.max=10000: offset syncs as far as 10000 records apart' }));
  });
  expect(ids(await audited())).toEqual(expect.arrayContaining(['warning mm2-compression-off']));
});

it('a replica on dc2 whose source topic does not exist on dc1: reported, and no longer once deleted', async () => {
  /** How many orphaned replicas the audit counts (other tests may have left some: it lists the first ten). */
  const orphans = async () => {
    const finding = (await audited()).findings.find((f) => f.id === 'replica-orphaned');
    expect(finding ?? { severity: 'info', subject: 'dc2' }).toMatchObject({ severity: 'info', subject: 'dc2' });
    return Number(/^(\d+) replica/.exec(finding?.evidence ?? '0 replica')![1]);
  };
  const before = await orphans();
  const replica = `dc1.${uniqueName('audit-gone')}`;
  const dc2 = await rig.ctx.adminFor('dc2');
  await ensureTopic(dc2, replica, 1);
  try {
    expect(await orphans()).toBe(before + 1);
  } finally {
    await dc2.deleteTopics({ topics: [replica] });
  }
  expect(await orphans()).toBe(before);
});
