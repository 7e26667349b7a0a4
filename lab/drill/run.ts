// The DR drill on the lab: a sample estate with a ledger of every acknowledged record, the
// probes on a short schedule, then the disaster (dc1 killed) or a planned switchover. The
// alarms are evaluated exactly as synthesized; the synthesized failover state machine runs
// locally with the real handlers; consumers move through the repointed bootstrap record.
// Everything is measured and every promise checked record by record.
import { randomUUID } from 'node:crypto';
import * as path from 'node:path';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import type { Kafka } from 'kafkajs';
import { failoverExecutionName } from '#src/failover/trigger';
import { estateClients } from '#src/kafka/connection';
import { ensureTopic } from '#src/kafka/topics';
import { readCheckpoints } from '#src/mm2/internal-topics';
import { SecretReader } from '#src/secrets';
import { primaryDownAlarmName } from '#src/alarm-names';
import type { DnsMode } from '#src/dns/client-switch';
import { flowsOf } from '#src/flow';
import { sampleInstants } from '#src/probes/liveness-cadence';
import { projectRoot } from '../../lib/paths';
import { watchAlarms, type AlarmEvaluation } from '../alarm-evaluator';
import { resumeReplication } from '../bootstrap-record';
import { labClientSwitching } from '../client-switching';
import { killLabComponent, labEstate, readLabInfo } from '../estate';
import { estateKafka } from '../kafkajs';
import { scheduleLiveness } from '../liveness-schedule';
import { withReverseFlow } from '../reverse-flow';
import { localControlPlane, type LocalControlPlane } from '../local-control-plane';
import { eventually } from '../sample-estate';
import { consumeCommitting, produceContinuously, topicRecords, type Consumed, type Consuming } from '../traffic';
import { drillTimeline, type Display } from './display';
import { checkPromises, type DataOutcome, type PromiseCheck } from './promises';
import { backupBeforeDisaster, verifyRestore, type BackupCheck } from './backup-check';
import { failBack, type FailbackReport } from './failback';

export interface DrillOptions {
  mode: 'unplanned' | 'planned';
  withBackup: boolean;
  /** CI's form: a smaller warm-up. */
  short: boolean;
  /** After the failover, clients work on the target, then a planned failback over the reverse flow brings them home. */
  failback: boolean;
  /** How the failover switches clients (the estate's dns.mode). */
  dnsMode: DnsMode;
}

export interface DrillReport {
  mode: DrillOptions['mode'];
  startedAt: string;
  finishedAt: string;
  estate: { flow: string; topic: string; replica: string; group: string };
  timeline: Record<string, string>;
  /** Seconds from the disaster (or the switchover's start) to each milestone; `switch`: the failover's client switch (its RepointDns and CheckDnsChange steps). */
  seconds: { detect?: number; failover: number; switch: number; consumersResumed: number; rto: number };
  /** How clients were switched, and what AWS adds that the lab cannot show (the emulator serves no DNS). */
  switching: { mode: DnsMode; notMeasured: string };
  failover: { executionName: string; status: string; stepsMs: Record<string, number>; summary: string };
  /** `runs`: the lag probe's; `livenessRuns`: the liveness probe's scheduled runs (a minute of samples each). */
  probes: { runs: number; livenessRuns: number; lastBeforeDisaster?: { at: string; rpoMs: number | null; unreplicated: number } };
  alarms: AlarmEvaluation[];
  data: DataOutcome;
  backup?: BackupCheck;
  failback?: FailbackReport;
  /** What ran the control plane's functions: their synthesized bundles, as Lambda runs them. */
  functions: FunctionsReport;
  promises: PromiseCheck[];
  ok: boolean;
}

export interface FunctionsReport {
  /** The assembly directory the bundles were synthesized into. */
  bundlesIn: string;
  runtime: string;
  invoked: { function: string; invocations: number; coldStarts: number; initMs: number[] }[];
}

async function functionsReport(plane: LocalControlPlane): Promise<FunctionsReport> {
  const functions = [...(await plane.functions())].sort(([a], [b]) => a.localeCompare(b));
  return {
    bundlesIn: path.relative(projectRoot, path.dirname(functions[0]?.[1].definition.assetDir ?? '')),
    runtime: functions[0]?.[1].definition.runtime ?? '',
    invoked: functions.map(([dir, fn]) => ({ function: dir, invocations: fn.invocations, coldStarts: fn.coldStarts.length, initMs: fn.coldStarts.map((c) => Math.round(c.initMs)) })),
  };
}

const PROBE_EVERY_MS = 5000;
const BANDWIDTH_EVERY = 3;
/** After a liveness sample's instant, time for it to have reached dc1 and been published. */
const SAMPLE_SETTLED_MS = 1500;
const DETECT_TIMEOUT_MS = 5 * 60_000;
/** The sample topic's partitions: enough for a group's partitions to sit at different offsets. */
const PARTITIONS = 3;

interface ProbeReading {
  at: number;
  /** Ledger length when the probe started: later acknowledgements were not counted. */
  ledgerAtStart: number;
  reachable: { source: boolean; target: boolean };
  rpoMs: number | null;
  unreplicated: number | null;
  heartbeatAgeMs: number | null;
}

/** Runs the drill; the lab must be up. Returns the report; `ok` is false when a promise was broken. */
export async function runDrill(options: DrillOptions, show: Display): Promise<DrillReport> {
  const { startedAt, timeline, mark } = drillTimeline(show);
  const lab = readLabInfo();
  const base = await labEstate(lab);
  // Failback needs the reverse flow in the estate (its connectors start with the failback leg).
  const switching = await labClientSwitching(options.failback ? withReverseFlow(base, lab) : base, options.dnsMode);
  const { config } = switching;
  const flow = flowsOf(config)[0]!;
  const { name, policy } = flow;
  const plane = await localControlPlane(config, { awsEndpoints: switching.awsEndpoints });
  await switching.attach(plane.template);
  const secrets = new SecretReader();
  const kafkaFor = estateKafka(config.clusters, secrets);
  const kafkaDr = estateClients(config.clusters, secrets, 'kafka-dr-drill');
  const { clients } = kafkaDr;
  const cloudwatch = new CloudWatchClient({});
  await resumeReplication(config);
  await switching.reset(flow.source, 'kafka-dr drill: start on the primary');

  const run = randomUUID().slice(0, 6);
  const topic = `drill-orders-${run}`;
  const group = `drill-app-${run}`;
  const replica = policy.remoteTopic(flow.source, topic);
  const behindRecord = async (): Promise<{ cluster: string; kafka: Kafka }> => {
    const { cluster, seen } = await switching.clients.side();
    if (!cluster) throw new Error(`clients of ${config.dns.recordName} are sent to no cluster of the estate (${seen})`);
    return { cluster, kafka: await kafkaFor(cluster) };
  };

  const dc1 = await kafkaFor(flow.source);
  await ensureTopic(await clients.admin(flow.source), topic, PARTITIONS);
  mark('estate', `sample estate: topic ${topic} (${PARTITIONS} partitions) on ${flow.source}, group ${group} reading through ${config.dns.recordName}`);
  const producing = await produceContinuously(dc1, topic, `drill-${run}`, { batch: 10, intervalMs: 100 });
  const before = await behindRecord();
  const reading = await consumeCommitting(before.kafka, group, [topic]);

  // The liveness probe as deployed (a run a minute, sampling every few seconds) feeds the
  // alarms primary-down is made of; the lag and bandwidth probes run on a short schedule
  // for the live view. The alarms are evaluated on their own beat.
  const liveness = scheduleLiveness((event) => plane.invoke('liveness-probe', event), name, (err) => show.event(`liveness probe run failed: ${err.message}`));
  const readings: ProbeReading[] = [];
  let alarms: AlarmEvaluation[] = [];
  const primaryDown = primaryDownAlarmName(config.estate, flow);
  /** Since when primary-down has been in ALARM, as evaluated. */
  let primaryDownAt: number | undefined;
  const evaluation = watchAlarms(
    plane.alarms,
    cloudwatch,
    (at, evaluations) => {
      alarms = evaluations;
      const firing = alarms.find((a) => a.name === primaryDown)?.state === 'ALARM';
      primaryDownAt = firing ? (primaryDownAt ?? at) : undefined;
    },
    { onError: (err) => show.event(`alarm evaluation failed: ${err.message}`) },
  );
  let probeRuns = 0;
  let headroom: number | undefined;
  const probeOnce = async () => {
    const ledgerAtStart = producing.ledger.length;
    const report = (await plane.invoke('lag-probe', { flow: name })) as any;
    if (probeRuns++ % BANDWIDTH_EVERY === 0) headroom = ((await plane.invoke('bandwidth-probe', { flow: name }).catch(() => null)) as any)?.headroom ?? headroom;
    const topicLag = report.lag?.topics?.find((t: { topic: string }) => t.topic === topic);
    readings.push({
      at: report.at,
      ledgerAtStart,
      reachable: report.reachable,
      rpoMs: report.lag?.rpoMs ?? null,
      unreplicated: topicLag ? Number(topicLag.unreplicatedRecords) : null,
      heartbeatAgeMs: report.heartbeatAgeMs,
    });
    const r = readings.at(-1)!;
    const firing = alarms.filter((a) => a.state === 'ALARM').map((a) => a.name.replace(`${config.estate}-kafka-dr-${name}-`, ''));
    show.live([
      `${name}: ${flow.source} ${r.reachable.source ? 'up' : 'UNREACHABLE'}, ${flow.target} ${r.reachable.target ? 'up' : 'UNREACHABLE'}` +
        ` | RPO ${r.rpoMs === null ? '?' : `${(r.rpoMs / 1000).toFixed(1)} s`} | unreplicated ${r.unreplicated ?? '?'}` +
        ` | heartbeat age ${r.heartbeatAgeMs === null ? '?' : `${(r.heartbeatAgeMs / 1000).toFixed(1)} s`} | headroom ${headroom === undefined ? '?' : headroom.toFixed(1)}`,
      `acknowledged ${producing.ledger.length} | consumed ${reading.consumed.length} | alarms firing: ${firing.length ? firing.join(', ') : 'none'}`,
    ]);
  };
  let probing = true;
  const probeLoop = (async () => {
    while (probing) {
      await probeOnce().catch((err: Error) => show.event(`probe run failed: ${err.message}`));
      await new Promise((r) => setTimeout(r, PROBE_EVERY_MS));
    }
  })();

  // Steady state: replicated, checkpointed, consumed, probed.
  const warmRecords = options.short ? 200 : 1000;
  await producing.atLeast(warmRecords);
  await reading.until(warmRecords / 2, 120_000);
  await eventually(`MM2 checkpoints of ${group} for all ${PARTITIONS} partitions`, async () => {
    const checkpoints = [...(await readCheckpoints(await clients.fetcher(flow.target), policy.checkpointsTopic(flow.source))).values()].filter((c) => c.group === group);
    return checkpoints.length === PARTITIONS ? true : undefined;
  }, 120_000, 1000);
  await eventually('a probe run that measured the sample topic', async () => (readings.some((r) => r.unreplicated !== null) ? true : undefined), 60_000, 500);
  mark('steadyState', `steady state: ${producing.ledger.length} acknowledged, ${reading.consumed.length} consumed, replicated to ${replica} on ${flow.target}`);

  const backup = options.withBackup ? await backupBeforeDisaster(plane, await clients.fetcher(flow.source), topic, show) : undefined;

  let disasterAt: number;
  let detectedAt: number | undefined;
  let lastBeforeDisaster: ProbeReading | undefined;
  let executionName: string;
  if (options.mode === 'unplanned') {
    // Right after a probe run, as an operator's last look at the dashboard before the lights go out.
    const probed = readings.length;
    await eventually('the next probe run', async () => (readings.length > probed ? true : undefined), 60_000, 50);
    lastBeforeDisaster = readings.at(-1);
    // And right after a liveness sample reached dc1: the worst moment, the loss waits longest to be seen.
    const [sampled] = sampleInstants(Date.now(), config.probes.liveness.sampleSeconds, 1);
    await new Promise((r) => setTimeout(r, sampled! + SAMPLE_SETTLED_MS - Date.now()));
    killLabComponent('dc1');
    disasterAt = Date.now();
    mark('disaster', `DISASTER: ${flow.source}'s broker killed (SIGKILL), ${((disasterAt - sampled!) / 1000).toFixed(1)} s after a liveness sample`);
    detectedAt = await eventually(`${primaryDown} in ALARM`, async () => (primaryDownAt !== undefined && primaryDownAt > disasterAt ? primaryDownAt : undefined), DETECT_TIMEOUT_MS, 200);
    mark('detected', `DETECTED: ${primaryDown} in ALARM after ${((detectedAt - disasterAt) / 1000).toFixed(1)} s`);
    executionName = failoverExecutionName(primaryDown, new Date(detectedAt).toISOString());
  } else {
    await producing.stop();
    disasterAt = Date.now();
    mark('switchover', `PLANNED SWITCHOVER: producers stopped after ${producing.ledger.length} acknowledged records`);
    executionName = `drill-planned-${run}`;
  }
  probing = false;
  // Its runs under way end on their own (within a minute); the failover does not wait for them.
  const livenessStopped = liveness.stop();
  await Promise.all([probeLoop, evaluation.stop()]);
  show.done();
  await producing.stop();
  await stopWithin(reading, 10_000);

  const failoverStarted = Date.now();
  const execution = await plane.failover.run({ flow: name, mode: options.mode, reason: `kafka-dr drill ${run}` }, { name: executionName, waitTimeMs: 1000, asDefined: true });
  const failoverMs = Date.now() - failoverStarted;
  const failoverReport = execution.output as any;
  mark('failedOver', `FAILOVER ${execution.status} in ${(failoverMs / 1000).toFixed(1)} s${execution.error ? `: ${execution.error} ${execution.cause}` : ''}`);
  if (execution.status !== 'SUCCEEDED') throw new Error(`the failover execution ${executionName} ended ${execution.status}: ${execution.error}: ${execution.cause}`);

  // Consumers follow the record to the target and read what they had not.
  const after = await behindRecord();
  const onTarget = new Set((await topicRecords(await clients.fetcher(after.cluster), replica)).map((r) => r.value));
  const readBefore = new Set(reading.consumed.map((c) => c.value));
  const toRead = [...onTarget].filter((v) => !readBefore.has(v)).length;
  const resumed = await consumeCommitting(after.kafka, group, [replica]);
  let consumersResumedAt: number | undefined;
  try {
    // Nothing left to read (a planned switchover after the consumer drained): resumed once it has its partitions.
    await (toRead === 0 ? resumed.joined : resumed.until(1, 60_000)).then(() => (consumersResumedAt = Date.now()));
    await resumed.until(toRead, 60_000);
    await new Promise((r) => setTimeout(r, 2000)); // re-reads, announced or not, show up now
  } catch (err) {
    show.event(`consumer on ${after.cluster}: ${(err as Error).message}`);
  }
  await resumed.stop();
  mark('consumersResumed', `consumers on ${after.cluster}: ${resumed.consumed.length} records read from ${replica}`);

  const asRecords = (consumed: Consumed[]) => consumed.map((c) => ({ group, partition: c.partition, offset: Number(c.offset), value: c.value }));
  const windows = ((failoverReport?.steps?.syncOffsets?.duplicateWindows ?? []) as Array<{ group: string; partition: number; from: number; to: number }>).filter((w) => w.group === group);
  const { outcome, checks } = checkPromises({
    mode: options.mode,
    acknowledged: producing.ledger,
    acknowledgedAfterLastProbe: lastBeforeDisaster ? producing.ledger.length - lastBeforeDisaster.ledgerAtStart : 0,
    reportedUnreplicated: lastBeforeDisaster?.unreplicated ?? 0,
    onTarget,
    readBefore: asRecords(reading.consumed),
    readAfter: asRecords(resumed.consumed),
    windows,
    groups: [group],
  });
  const backupCheck = backup ? await verifyRestore(plane, backup, after.cluster, await clients.fetcher(after.cluster), show) : undefined;
  const failback = options.failback
    ? await failBack(
        {
          config,
          lab,
          plane,
          forward: flow,
          mode: options.mode,
          topic,
          partitions: PARTITIONS,
          group,
          kafkaFor,
          clients,
          switching: switching.clients,
          readOnSource: readBefore,
          readOnTarget: new Set(resumed.consumed.map((c) => c.value)),
          lostAtFailover: new Set(producing.ledger.filter((v) => !onTarget.has(v))),
          records: options.short ? 100 : 500,
        },
        show,
        mark,
      )
    : undefined;
  const promises = [...checks, ...(backupCheck ? [backupCheck.promise] : []), ...(failback?.checks ?? [])];
  const finishedAt = new Date();
  await Promise.all([kafkaDr.close(), livenessStopped, switching.close()]);
  const stepsMs: Record<string, number> = failoverReport?.durationsMs ?? {};
  const seconds = (at: number | undefined) => (at === undefined ? undefined : Number(((at - disasterAt) / 1000).toFixed(1)));
  return {
    mode: options.mode,
    startedAt: startedAt.toISOString(),
    finishedAt: finishedAt.toISOString(),
    estate: { flow: name, topic, replica, group },
    timeline,
    seconds: {
      ...(detectedAt ? { detect: seconds(detectedAt) } : {}),
      failover: Number((failoverMs / 1000).toFixed(1)),
      switch: Number((((stepsMs.repointDns ?? 0) + (stepsMs.dnsChange ?? 0)) / 1000).toFixed(1)),
      consumersResumed: seconds(consumersResumedAt) ?? -1,
      rto: seconds(consumersResumedAt ?? finishedAt.getTime())!,
    },
    switching: { mode: options.dnsMode, notMeasured: notMeasured(options.dnsMode, config.dns.ttl) },
    failover: { executionName, status: execution.status, stepsMs, summary: failoverReport?.summary ?? '' },
    probes: {
      runs: probeRuns,
      livenessRuns: liveness.runs,
      ...(lastBeforeDisaster ? { lastBeforeDisaster: { at: new Date(lastBeforeDisaster.at).toISOString(), rpoMs: lastBeforeDisaster.rpoMs, unreplicated: lastBeforeDisaster.unreplicated ?? 0 } } : {}),
    },
    alarms,
    data: outcome,
    ...(backupCheck ? { backup: backupCheck } : {}),
    ...(failback ? { failback: failback.report } : {}),
    functions: await functionsReport(plane),
    promises,
    ok: promises.every((p) => p.kept),
  };
}

/** What switching clients takes in AWS beyond what the lab measures: the emulator serves no DNS and runs no health checker. */
function notMeasured(mode: DnsMode, ttlSeconds: number): string {
  const ttl = `the record's TTL (${ttlSeconds} s) for resolvers to drop the old answer`;
  switch (mode) {
    case 'upsert':
      return `Route 53 propagating the UPSERT to its name servers (the workflow waits for INSYNC, usually under 60 s; the emulator is INSYNC at once) and ${ttl}`;
    case 'arc-routing-control':
      return `Route 53's health checkers seeing the routing controls' new states and answering with the other failover record, then ${ttl}`;
    case 'health-check':
      return `CloudWatch evaluating the 1-minute not-active alarms on the published minute (the lab evaluates every second; Route 53 health checks cannot follow high-resolution alarms), Route 53's health checkers following the alarms and answering with the other failover record, then ${ttl}`;
  }
}

/** A consumer of a dead cluster may never finish leaving its group: give up waiting after a while. */
async function stopWithin(consuming: Consuming, ms: number): Promise<void> {
  await Promise.race([consuming.stop().catch(() => undefined), new Promise((r) => setTimeout(r, ms))]);
}
