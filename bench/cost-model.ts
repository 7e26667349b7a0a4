// Cost model: what the control plane costs per month for three estate sizes, computed from
// the synthesized template of the example estate (config/estate.example.yaml: its schedules,
// memory sizes, architectures, alarms, dashboards, keys, retention) and from usage measured on
// the lab by running the synthesized functions and state machines as deployed:
//   - each scheduled probe of a flow, at the lab's partition count and again with a topic of
//     --probe-partitions more (a line through the two gives any size); return-checkpoints on
//     the flow back, the wider size with an application's group on every partition of the
//     wide topic's replica on the flow's target (dc2), as in an active-active estate;
//   - the scheduled readiness check (a dry-run failover), at the same two sizes;
//   - a scheduled backup where every partition has --records-per-partition new records, at two
//     partition counts (--backup-partitions), and one that finds nothing new.
// The lag probe's per-topic and per-group metrics at each size come from the code that
// chooses them (probes.topicMetrics / groupMetrics of the example), fed a report of that size.
// Prices: bench/aws-prices.ts. Nothing here is typed in by hand but the prices and the sizes.
//
//   npm run lab:up && npx tsx bench/cost-model.ts [--runs 3]
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import type { Message } from 'kafkajs';
import { MAX_DATUMS_PER_REQUEST } from '#src/cloudwatch/publish';
import { loadEstateConfigFile } from '#src/config/load';
import type { EstateConfig } from '#src/config/schema';
import { lagMetricSamples } from '#src/probes/lag-metrics';
import type { LagReport } from '#src/probes/lag-probe';
import type { ReturnCheckpointsRun } from '#src/failover/return-checkpoints';
import { buildApp } from '../lib/app';
import { localControlPlane } from '../lab/local-control-plane';
import { withReverseFlow } from '../lab/reverse-flow';
import { consumeCommitting } from '../lab/traffic';
import { replicaCreated, scheduledInput } from '../test/support/failover';
import { closeLabContext, ensureTopic, labContext, sendRecords, uniqueName } from '../test/support/lab';
import { customMetricsMonthly, PRICE, PRICES_CHECKED } from './aws-prices';
import { interpolated, mean, metered, type Usage } from './usage-meter';

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '3' },
    'probe-partitions': { type: 'string', default: '2000' },
    'backup-partitions': { type: 'string', default: '16,96' },
    'records-per-partition': { type: 'string', default: '250' },
    'value-bytes': { type: 'string', default: '1000' },
    'partitions-per-topic': { type: 'string', default: '10' },
  },
});
const RUNS = Number(values.runs);
const PROBE_PARTITIONS = Number(values['probe-partitions']);
const [BACKUP_SMALL, BACKUP_LARGE] = values['backup-partitions'].split(',').map(Number) as [number, number];
const RECORDS_PER_PARTITION = Number(values['records-per-partition']);
const VALUE_BYTES = Number(values['value-bytes']);
const PARTITIONS_PER_TOPIC = Number(values['partitions-per-topic']);
const SIZES = [
  { name: 'small', partitions: 100, groups: 50 },
  { name: 'medium', partitions: 2_000, groups: 1_000 },
  { name: 'large', partitions: 20_000, groups: 1_000 },
];
const EXAMPLE = 'config/estate.example.yaml';
const MONTH_MINUTES = 30 * 24 * 60;
const PROBES = ['liveness-probe', 'lag-probe', 'bandwidth-probe', 'audit'];

// ---- the template: what runs on a schedule, with what memory ----

interface Trigger {
  rule: string;
  /** A function's handler directory, or the state machine it starts: 'backup' or 'readiness'. */
  target: string;
  perMonth: number;
}

function perMonth(expression: string): number {
  const rate = /^rate\((\d+) (minute|hour|day)s?\)$/.exec(expression);
  if (!rate) throw new Error(`schedule ${expression}: the cost model reads rate() schedules only`);
  return MONTH_MINUTES / (Number(rate[1]) * { minute: 1, hour: 60, day: 1440 }[rate[2] as 'minute' | 'hour' | 'day']);
}

function exampleTemplate(config: EstateConfig) {
  const app = new App({ outdir: mkdtempSync(path.join(tmpdir(), 'kafka-dr-cost-')), context: { 'aws:cdk:bundling-stacks': [] } });
  const { controlPlane, backupVault } = buildApp(config, app);
  type Resources = Record<string, { Type: string; Properties: any }>;
  const resources = Template.fromStack(controlPlane).toJSON().Resources as Resources;
  // The vault's own stack, when it lives in another account or region: its key and bucket cost too.
  const vaultResources = backupVault ? (Template.fromStack(backupVault).toJSON().Resources as Resources) : {};
  const idOf = (construct: { node: { defaultChild?: unknown } }) => controlPlane.getLogicalId(construct.node.defaultChild as never);
  const machines: Record<string, string> = { [idOf(controlPlane.failover.stateMachine)]: 'readiness', ...(controlPlane.backup ? { [idOf(controlPlane.backup.backup)]: 'backup' } : {}) };
  const functions: Record<string, { handlerDir: string; memoryGb: number; architecture: string }> = {};
  for (const [id, r] of Object.entries(resources)) {
    if (r.Type !== 'AWS::Lambda::Function') continue;
    const service = r.Properties.Environment?.Variables?.POWERTOOLS_SERVICE_NAME as string | undefined;
    if (service) functions[id] = { handlerDir: service.replace(/^kafka-dr-/, ''), memoryGb: r.Properties.MemorySize / 1024, architecture: r.Properties.Architectures?.[0] ?? 'x86_64' };
  }
  const triggers: Trigger[] = [];
  for (const [rule, r] of Object.entries(resources)) {
    if (r.Type !== 'AWS::Events::Rule' || !r.Properties.ScheduleExpression) continue;
    for (const t of r.Properties.Targets as { Arn: { Ref?: string; 'Fn::GetAtt'?: [string, string] } }[]) {
      const target = t.Arn.Ref ? machines[t.Arn.Ref] : functions[t.Arn['Fn::GetAtt']?.[0] ?? '']?.handlerDir;
      if (!target) throw new Error(`rule ${rule}: a target the cost model does not know (${JSON.stringify(t.Arn)})`);
      triggers.push({ rule, target, perMonth: perMonth(r.Properties.ScheduleExpression) });
    }
  }
  const count = (type: string) => [...Object.values(resources), ...Object.values(vaultResources)].filter((r) => r.Type === type);
  const alarms = count('AWS::CloudWatch::Alarm').map((a) => {
    const periods: number[] = a.Properties.Metrics ? a.Properties.Metrics.filter((m: any) => m.MetricStat).map((m: any) => m.MetricStat.Period) : [a.Properties.Period];
    return periods.reduce((sum, p) => sum + (p < 60 ? PRICE.alarm.highResolution : PRICE.alarm.standard), 0);
  });
  const memoryOf = Object.fromEntries(Object.values(functions).map((f) => [f.handlerDir, f]));
  return {
    triggers,
    memoryOf,
    alarmsMonthly: alarms.reduce((a, b) => a + b, 0) + count('AWS::CloudWatch::CompositeAlarm').length * PRICE.alarm.composite,
    alarmCount: alarms.length + count('AWS::CloudWatch::CompositeAlarm').length,
    dashboards: count('AWS::CloudWatch::Dashboard').length,
    kmsKeys: count('AWS::KMS::Key').length,
  };
}

// ---- measuring on the lab ----

const example = loadEstateConfigFile(EXAMPLE);
const ctx = await labContext();
// The lab's clusters and flow, measured with the example's probe and backup settings (metric
// policy, liveness sampling, batch size, segment size): what they cost depends on them.
// Batches run one at a time: on two cores, concurrent invocations would bill each other's CPU
// time; in AWS each has its own.
// With the flow back, as the example has it: return-checkpoints is deployed for flows that have one.
const config: EstateConfig = {
  ...withReverseFlow(ctx.config, ctx.lab),
  probes: example.probes,
  backup: { ...ctx.config.backup!, parallelism: { ...example.backup!.parallelism, concurrentInvocations: 1 }, segment: example.backup!.segment },
};
const flow = config.flows[0]!;
const flowName = `${flow.source}->${flow.target}`;
const flowBack = `${flow.target}->${flow.source}`;
process.stderr.write('synthesizing and bundling the lab control plane...\n');
const plane = await localControlPlane(config);
const admins = { source: await ctx.adminFor(flow.source), target: await ctx.adminFor(flow.target) };

async function measureProbes(): Promise<{ partitions: number; returnPositions: number; usage: Record<string, Usage> }> {
  const usage: Record<string, Usage> = {};
  let partitions = 0;
  let returnPositions = 0;
  const scheduled = [...PROBES.map((dir) => [dir, flowName]), ['return-checkpoints', flowBack]] as const;
  for (const [dir, flowOf] of scheduled) {
    await plane.invoke(dir, { flow: flowOf }); // warm: a scheduled function runs warm but for its first run of the day
    const runs: Usage[] = [];
    // The liveness probe samples for a minute whatever the estate's size: one run tells.
    for (let i = 0; i < (dir === 'liveness-probe' ? 1 : RUNS); i++) {
      const { result, usage: u } = await metered(plane, () => plane.invoke(dir, { flow: flowOf }));
      if (dir === 'lag-probe') partitions = (result as { lag: { partitions: number } }).lag.partitions;
      if (dir === 'return-checkpoints') returnPositions = (result as ReturnCheckpointsRun).positions;
      runs.push(u);
    }
    usage[dir] = mean(runs);
  }
  const { usage: readiness } = await metered(
    plane,
    async () => {
      const run = await plane.failover.run(scheduledInput({ plane }, flowName), { waitTimeMs: 200 });
      if (run.status !== 'SUCCEEDED') throw new Error(`the readiness check failed: ${run.error}: ${run.cause}`);
      return run;
    },
    (run) => [run],
  );
  usage.readiness = readiness;
  return { partitions, returnPositions, usage };
}

function filler(): string {
  return randomBytes(VALUE_BYTES).toString('base64').slice(0, VALUE_BYTES);
}

async function measureBackup(partitions: number, quietRerun: boolean): Promise<{ busy: Usage; quiet?: Usage }> {
  const topic = uniqueName('cost-model-backup');
  await ensureTopic(await ctx.adminFor(config.backup!.cluster), topic, partitions);
  const records: Message[] = Array.from({ length: partitions * RECORDS_PER_PARTITION }, (_, i) => ({ partition: i % partitions, key: `k${i}`, value: filler() }));
  await sendRecords(await ctx.kafkaFor(config.backup!.cluster), topic, records);
  const backup = () =>
    metered(
      plane,
      async () => {
        const run = await plane.backup.run({ topics: [topic] });
        if (run.status !== 'SUCCEEDED') throw new Error(`the backup of ${topic} failed: ${run.error}: ${run.cause}`);
        return run;
      },
      (run) => [run],
    );
  const busy = (await backup()).usage;
  const quiet = quietRerun ? (await backup()).usage : undefined;
  await (await ctx.adminFor(config.backup!.cluster)).deleteTopics({ topics: [topic] });
  return { busy, quiet };
}

/**
 * A consumer group of an application reading every partition of `topic` on `cluster` (as in
 * an active-active estate, where the standby's applications read replicas of the primary's
 * topics): a member joins and leaves, then its position is committed on every partition.
 * return-checkpoints reads such groups; it leaves out groups no consumer ever joined, such as
 * those MM2's offset sync writes.
 */
async function consumerGroupOn(cluster: string, groupId: string, topic: string, partitions: number): Promise<void> {
  const member = await consumeCommitting(await ctx.kafkaFor(cluster), groupId, [topic]);
  await member.joined;
  await member.stop();
  const partitionOffsets = Array.from({ length: partitions }, (_, partition) => ({ partition, offset: 0n }));
  await (await ctx.adminFor(cluster)).alterConsumerGroupOffsets({ groupId, topics: [{ name: topic, partitionOffsets }] });
}

process.stderr.write(`measuring the probes and the readiness check of ${flowName} at the lab's size...\n`);
const base = await measureProbes();
const wideTopic = uniqueName('cost-model-probe');
const wideGroup = uniqueName('cost-model-group');
await ensureTopic(admins.source, wideTopic, PROBE_PARTITIONS);
let wide: typeof base;
try {
  await replicaCreated(ctx, wideTopic, PROBE_PARTITIONS, flow);
  await consumerGroupOn(flow.target, wideGroup, `${flow.source}.${wideTopic}`, PROBE_PARTITIONS);
  process.stderr.write(`... and with ${wideTopic} (${PROBE_PARTITIONS} partitions, mirrored, group ${wideGroup} on its replica)\n`);
  wide = await measureProbes();
} finally {
  await admins.target.deleteGroups({ groups: [wideGroup] }).catch(() => undefined);
  await admins.source.deleteTopics({ topics: [wideTopic] });
  await admins.target.deleteTopics({ topics: [`${flow.source}.${wideTopic}`] });
}
process.stderr.write(`measuring backups of ${BACKUP_SMALL} and ${BACKUP_LARGE} partitions, ${RECORDS_PER_PARTITION} new records of ${VALUE_BYTES} bytes each...\n`);
await measureBackup(1, false); // warm: the probes are measured warm too
const small = await measureBackup(BACKUP_SMALL, false);
const large = await measureBackup(BACKUP_LARGE, true);
await closeLabContext();

// ---- the model ----

const template = exampleTemplate(example);

function lagProbeMetrics(partitions: number, groups: number): number {
  const topics = Math.ceil(partitions / PARTITIONS_PER_TOPIC);
  const report: LagReport = {
    flow: flowName,
    at: Date.now(),
    reachable: { source: true, target: true },
    errors: [],
    heartbeatAgeMs: 0,
    canary: { arrived: true, latencyMs: 1, timeoutMs: 1 },
    lag: { partitions: [], topics: Array.from({ length: topics }, (_, i) => ({ topic: `t${i}`, unreplicatedRecords: BigInt(i), rpoMs: i })), rpoMs: 0, unreplicatedRecords: 0n, maxPartitionLag: 0n },
    checkpoints: Array.from({ length: groups }, (_, i) => ({ group: `g${i}`, ageMs: i, stale: false })),
    staleCheckpointGroups: 0,
  };
  return lagMetricSamples(report, example.probes).length;
}

/** One trigger's usage at an estate size. */
function usageOf(target: string, size: (typeof SIZES)[number]): Usage | undefined {
  if (target === 'backup') return interpolated({ x: BACKUP_SMALL, usage: small.busy }, { x: BACKUP_LARGE, usage: large.busy }, size.partitions);
  if (!(target in base.usage)) return undefined;
  const usage = interpolated({ x: base.partitions, usage: base.usage[target]! }, { x: wide.partitions, usage: wide.usage[target]! }, size.partitions);
  if (target !== 'lag-probe') return usage;
  // Its metrics follow the example's probes.topicMetrics/groupMetrics at this size, not the lab's.
  const datums = lagProbeMetrics(size.partitions, size.groups);
  return { ...usage, customMetrics: usage.customMetrics - usage.publishedDatums + datums, publishedDatums: datums, requests: { ...usage.requests, 'monitoring:PutMetricData': Math.ceil(datums / MAX_DATUMS_PER_REQUEST) } };
}

interface Monthly {
  lines: Record<string, number>;
  quantities: Record<string, number>;
  byTarget: Record<string, number>;
  unmeasured: string[];
}

/** The cost line a request is billed under, and its price; undefined for what bills otherwise (DynamoDB by units, GetMetricData by metrics) or not at all. */
function requestBilling(key: string): { line: string; price: number } | undefined {
  const [service, operation] = key.split(':') as [string, string];
  if (service === 's3') return operation === 'DELETE' ? undefined : { line: 'S3 requests', price: ['PUT', 'POST', 'LIST', 'COPY'].includes(operation) ? PRICE.s3Request.write : PRICE.s3Request.read };
  if (service === 'kms') return { line: 'KMS requests', price: PRICE.kmsRequest };
  if (service === 'secretsmanager') return { line: 'Secrets Manager requests', price: PRICE.secretsManagerRequest };
  if (key === 'monitoring:PutMetricData') return { line: 'CloudWatch PutMetricData', price: PRICE.putMetricDataRequest };
  return undefined;
}

function monthly(size: (typeof SIZES)[number]): Monthly {
  const lines: Record<string, number> = {};
  const quantities: Record<string, number> = {};
  const byTarget: Record<string, number> = {};
  const unmeasured = new Set<string>();
  const add = (into: Record<string, number>, key: string, n: number) => (into[key] = (into[key] ?? 0) + n);
  let customMetrics = 0;
  let s3BytesPerMonth = 0;
  for (const trigger of template.triggers) {
    const usage = usageOf(trigger.target, size);
    if (!usage) {
      unmeasured.add(trigger.target);
      continue;
    }
    const n = trigger.perMonth;
    const cost: Record<string, number> = {};
    for (const [dir, ms] of Object.entries(usage.lambdaMs)) {
      const fn = template.memoryOf[dir];
      if (!fn) throw new Error(`function ${dir} ran on the lab but is not in the example's template`);
      const gbSeconds = (ms / 1000) * fn.memoryGb * n;
      add(quantities, 'Lambda GB-seconds', gbSeconds);
      add(cost, 'Lambda compute', gbSeconds * PRICE.lambdaGbSecond[fn.architecture]!);
    }
    const invocations = Object.values(usage.invocations).reduce((a, b) => a + b, 0) * n;
    add(quantities, 'Lambda invocations', invocations);
    add(cost, 'Lambda requests', invocations * PRICE.lambdaRequest);
    add(quantities, 'Step Functions transitions', usage.transitions * n);
    add(cost, 'Step Functions transitions', usage.transitions * n * PRICE.stepFunctionsTransition);
    for (const [key, count] of Object.entries(usage.requests)) {
      add(quantities, `requests ${key}`, count * n);
      const billing = requestBilling(key);
      if (billing) add(cost, billing.line, count * n * billing.price);
    }
    add(cost, 'CloudWatch GetMetricData', usage.getMetricDataMetrics * n * PRICE.getMetricDataMetric);
    add(cost, 'DynamoDB request units', n * (usage.dynamodbReadUnits * PRICE.dynamodbRequestUnit.read + usage.dynamodbWriteUnits * PRICE.dynamodbRequestUnit.write));
    const logGb = ((usage.functionLogBytes + usage.workflowLogBytes) * n) / 1e9;
    add(quantities, 'logs ingested, GB', logGb);
    add(cost, 'CloudWatch Logs ingestion', logGb * PRICE.logsIngestedGb);
    add(cost, 'X-Ray traces', n * PRICE.xrayTraceRecorded);
    add(quantities, 'PutMetricData values as EMF, GB', (usage.emfBytes * n) / 1e9);
    customMetrics += usage.customMetrics;
    add(quantities, `custom metrics of ${trigger.target}`, usage.customMetrics);
    s3BytesPerMonth += usage.s3BytesWritten * n;
    for (const [line, dollars] of Object.entries(cost)) add(lines, line, dollars);
    add(byTarget, trigger.target, Object.values(cost).reduce((a, b) => a + b, 0));
  }
  const storedGb = (s3BytesPerMonth / 30) * (example.backup?.retentionDays ?? 0) / 1e9;
  quantities['custom metrics'] = customMetrics;
  quantities['S3 GB stored (retention)'] = storedGb;
  lines['CloudWatch custom metrics'] = customMetricsMonthly(customMetrics);
  lines['CloudWatch alarms'] = template.alarmsMonthly;
  lines['CloudWatch dashboards'] = template.dashboards * PRICE.dashboard;
  lines['S3 storage'] = storedGb * PRICE.s3StorageGbMonth;
  lines['KMS keys'] = template.kmsKeys * PRICE.kmsKeyMonth;
  return { lines, quantities, byTarget, unmeasured: [...unmeasured] };
}

// ---- the tables ----

const models = SIZES.map((s) => ({ size: s, model: monthly(s) }));
const usd = (n: number) => (n >= 100 ? `$${n.toFixed(0)}` : n >= 1 ? `$${n.toFixed(2)}` : `$${n.toFixed(3)}`);
const amount = (n: number) => (n >= 100 ? Math.round(n).toLocaleString('en-US') : n.toPrecision(3));
const header = `| | ${SIZES.map((s) => `${s.partitions.toLocaleString('en-US')} partitions, ${s.groups.toLocaleString('en-US')} groups`).join(' | ')} |`;
const rule = `| --- | ${SIZES.map(() => '---:').join(' | ')} |`;
const table = (rows: string[], value: (m: Monthly, row: string) => string) => [header, rule, ...rows.map((row) => `| ${row} | ${models.map(({ model }) => value(model, row)).join(' | ')} |`)].join('\n');

const lineNames = [...new Set(models.flatMap(({ model }) => Object.keys(model.lines)))].sort((a, b) => (models[2]!.model.lines[b] ?? 0) - (models[2]!.model.lines[a] ?? 0));
const total = (m: Monthly) => Object.values(m.lines).reduce((a, b) => a + b, 0);
console.log(`\nMonthly cost of estate ${example.estate} (${EXAMPLE}: ${example.flows.length} flows, every flow carrying the estate's partitions and groups, ${PARTITIONS_PER_TOPIC} partitions a topic), prices ${PRICES_CHECKED}:\n`);
console.log(table([...lineNames, '**total**'], (m, row) => (row === '**total**' ? `**${usd(total(m))}**` : usd(m.lines[row] ?? 0))));
console.log(`\nBy what runs it (USD per month, usage-priced lines only):\n`);
const targets = [...new Set(template.triggers.map((t) => t.target))].filter((t) => models[0]!.model.byTarget[t] !== undefined);
console.log(table(targets, (m, row) => usd(m.byTarget[row] ?? 0)));
console.log(`\nQuantities per month:\n`);
const quantityNames = [...new Set(models.flatMap(({ model }) => Object.keys(model.quantities)))].filter((q) => !q.startsWith('requests') || /PutMetricData|s3|kms|dynamodb/.test(q)).sort();
console.log(table(quantityNames, (m, row) => amount(m.quantities[row] ?? 0)));
const emf = models.map(({ model }) => `${usd(model.lines['CloudWatch PutMetricData'] ?? 0)} of PutMetricData against ${usd((model.quantities['PutMetricData values as EMF, GB'] ?? 0) * PRICE.logsIngestedGb)} of logs`).join(', ');
console.log(`\nThe same metric values written as Embedded Metric Format (Powertools' documents) instead of PutMetricData: ${emf} (same custom metrics either way).`);
const unmeasured = models[0]!.model.unmeasured;
if (unmeasured.length) console.log(`\nNot measured, not in the totals: ${unmeasured.join(', ')} (the lab estate has no such schedule).`);
console.log(`\nAlarms ${template.alarmCount}, dashboards ${template.dashboards}, KMS keys ${template.kmsKeys}, from the template; backups every ${(MONTH_MINUTES / template.triggers.find((t) => t.target === 'backup')!.perMonth).toFixed(0)} minutes, each partition receiving ${RECORDS_PER_PARTITION} records of ~${VALUE_BYTES} bytes between two, kept ${example.backup?.retentionDays} days.`);

// ---- what was measured ----

const brief = (u: Usage) =>
  `${Object.entries(u.lambdaMs)
    .map(([dir, ms]) => `${dir} ${ms.toFixed(0)} ms`)
    .join(', ')}; ${u.transitions.toFixed(0)} transitions; ${Object.entries(u.requests)
    .map(([k, n]) => `${k} ${n.toFixed(0)}`)
    .join(', ')}; ${u.customMetrics.toFixed(0)} metrics; logs ${((u.functionLogBytes + u.workflowLogBytes) / 1024).toFixed(1)} KiB; S3 written ${(u.s3BytesWritten / 1024).toFixed(0)} KiB`;
console.log(`\nMeasured on the lab (mean of ${RUNS} warm runs; the liveness probe and the readiness check once):`);
for (const [label, at] of [[`${base.partitions} partitions`, base], [`${wide.partitions} partitions`, wide]] as const) {
  for (const [what, u] of Object.entries(at.usage)) console.log(`  ${label}, ${what}${what === 'return-checkpoints' ? ` (${at.returnPositions} group positions on replicas)` : ''}: ${brief(u)}`);
}
console.log(`  backup of ${BACKUP_SMALL} partitions with new records: ${brief(small.busy)}`);
console.log(`  backup of ${BACKUP_LARGE} partitions with new records: ${brief(large.busy)}`);
console.log(`  backup of ${BACKUP_LARGE} partitions, nothing new: ${brief(large.quiet!)}`);
process.exit(0);
