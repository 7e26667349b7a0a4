// The drill of the active-active topology (`npm start -- --topology active-active`): both
// datacenters produce and consume, MM2 copies both ways, each datacenter's clients bootstrap
// through a record of their own. dc1 is lost (or switched over, planned) while dc2's
// application keeps writing and reading; the synthesized failover moves dc1's clients to dc2
// on both kinds of topic they read. Checked record by record: dc1's clients lose nothing that
// reached dc2 and re-read only inside the announced windows (nothing, planned); dc2's record
// is never written, and its application reads every record once throughout.
import { randomUUID } from 'node:crypto';
import { Route53Client } from '@aws-sdk/client-route-53';
import type { Kafka } from 'kafkajs';
import { readBootstrapRecord, recordDns } from '#src/dns/bootstrap-record';
import { estateClients } from '#src/kafka/connection';
import { ensureTopic } from '#src/kafka/topics';
import { readCheckpoints } from '#src/mm2/internal-topics';
import { SecretReader } from '#src/secrets';
import { activeActiveEstate } from '../active-active';
import { recordCluster, resetReplication } from '../bootstrap-record';
import { killLabComponent, labEstate, readLabInfo } from '../estate';
import { estateKafka } from '../kafkajs';
import { localControlPlane } from '../local-control-plane';
import { startReverseFlow } from '../reverse-flow';
import { eventually } from '../sample-estate';
import { consumeCommitting, produceContinuously, topicRecords, type Consumed } from '../traffic';
import { drillTimeline, type Display } from './display';
import { checkPromises, type DataOutcome, type PromiseCheck } from './promises';

export interface ActiveActiveDrillOptions {
  mode: 'unplanned' | 'planned';
  short: boolean;
}

export interface ActiveActiveDrillReport {
  topology: 'active-active';
  mode: ActiveActiveDrillOptions['mode'];
  startedAt: string;
  finishedAt: string;
  /** Each datacenter's application: the topic it writes, its group (which reads its own topic and the other's replica) and its record. */
  applications: Record<'dc1' | 'dc2', { topic: string; group: string; record: string }>;
  timeline: Record<string, string>;
  seconds: { failover: number; consumersResumed: number };
  failover: { executionName: string; status: string; stepsMs: Record<string, number>; summary: string };
  /** dc1's clients: what they had acknowledged and read, against what dc2 holds. */
  dc1Clients: DataOutcome;
  /** dc2's clients: what they read during and after the failover. */
  dc2Clients: { acknowledged: number; readDuringFailover: number; read: number; readTwice: number; unread: number };
  promises: PromiseCheck[];
  ok: boolean;
}

const PARTITIONS = 3;

/** Runs the drill; the lab must be up. `ok` is false when a promise was broken. */
export async function runActiveActiveDrill(options: ActiveActiveDrillOptions, show: Display): Promise<ActiveActiveDrillReport> {
  const { startedAt, timeline, mark } = drillTimeline(show);
  const lab = readLabInfo();
  show.event('starting the flow dc2 -> dc1 (a second Connect worker, bound to dc1)...');
  await startReverseFlow();
  const config = activeActiveEstate(await labEstate(lab), lab);
  const plane = await localControlPlane(config);
  const route53 = new Route53Client({});
  await resetReplication(route53, config, 'dc1', 'kafka-dr drill: each datacenter on its own cluster');
  const secrets = new SecretReader();
  const kafkaFor = estateKafka(config.clusters, secrets);
  const kafkaDr = estateClients(config.clusters, secrets, 'kafka-dr-drill');
  const { clients } = kafkaDr;
  const behind = async (home: 'dc1' | 'dc2'): Promise<{ cluster: string; kafka: Kafka }> => {
    const cluster = await recordCluster(route53, config, home);
    if (!cluster) throw new Error(`${home}'s record ${config.dns.records?.[home]} points at no cluster of the estate`);
    return { cluster, kafka: await kafkaFor(cluster) };
  };
  const dc2Record = () => readBootstrapRecord(route53, recordDns(config.dns, 'dc2'));

  const run = randomUUID().slice(0, 6);
  const apps = {
    dc1: { topic: `drill-orders-${run}`, group: `drill-dc1-app-${run}`, record: config.dns.records!.dc1! },
    dc2: { topic: `drill-payments-${run}`, group: `drill-dc2-app-${run}`, record: config.dns.records!.dc2! },
  };
  const [orders, payments] = [apps.dc1.topic, apps.dc2.topic];
  await ensureTopic(await clients.admin('dc1'), orders, PARTITIONS);
  await ensureTopic(await clients.admin('dc2'), payments, PARTITIONS);
  const replicaOf = async (topic: string, cluster: string) =>
    eventually(`${topic} on ${cluster}`, async () => ((await (await clients.admin(cluster)).listTopics()).includes(topic) ? true : undefined), 90_000, 500);

  // dc2's application, through the failover and after: writes payments, reads them and dc1's orders.
  const dc2Writes = await produceContinuously((await behind('dc2')).kafka, payments, `dc2-${run}`, { batch: 10, intervalMs: 100 });
  const dc1Writes = await produceContinuously((await behind('dc1')).kafka, orders, `dc1-${run}`, { batch: 10, intervalMs: 100 });
  await Promise.all([replicaOf(`dc1.${orders}`, 'dc2'), replicaOf(`dc2.${payments}`, 'dc1')]);
  const dc2Reads = await consumeCommitting((await behind('dc2')).kafka, apps.dc2.group, [payments, `dc1.${orders}`]);
  const dc1Reads = await consumeCommitting((await behind('dc1')).kafka, apps.dc1.group, [orders, `dc2.${payments}`]);
  mark('estate', `active-active estate: dc1's application writes ${orders}, dc2's ${payments}; each reads both, through ${apps.dc1.record} and ${apps.dc2.record}`);

  // Steady state: both read part of both topics, MM2 checkpoints dc1's group, kafka-dr its return checkpoints.
  const warm = options.short ? 150 : 600;
  await Promise.all([dc1Writes.atLeast(warm), dc2Writes.atLeast(warm)]);
  const readOf = (consumed: Consumed[], topic: string) => consumed.filter((c) => c.topic === topic).length;
  await eventually("dc1's group reading both topics", async () => (readOf(dc1Reads.consumed, orders) >= warm / 2 && readOf(dc1Reads.consumed, `dc2.${payments}`) >= warm / 2 ? true : undefined), 120_000, 100);
  await eventually(`MM2 checkpoints of ${apps.dc1.group}`, async () => {
    const mine = [...(await readCheckpoints(await clients.fetcher('dc2'), 'dc1.checkpoints.internal')).values()].filter((c) => c.group === apps.dc1.group);
    return mine.length === PARTITIONS ? true : undefined;
  }, 120_000, 1000);
  const returned = (await plane.invoke('return-checkpoints', { flow: 'dc1->dc2' })) as { written: number };
  mark('steadyState', `steady state: dc1 acknowledged ${dc1Writes.ledger.length}, dc2 ${dc2Writes.ledger.length}; return checkpoints written ${returned.written}`);

  // The operator's last look before the lights go out: what the lag probe says is not on dc2 yet.
  const ledgerAtProbe = dc1Writes.ledger.length;
  const probed = (await plane.invoke('lag-probe', { flow: 'dc1->dc2' })) as { lag: { topics: { topic: string; unreplicatedRecords: number }[] } | null };
  const reportedUnreplicated = probed.lag?.topics.find((t) => t.topic === orders)?.unreplicatedRecords ?? 0;
  const dc2RecordBefore = await dc2Record();
  const executionName = `drill-active-active-${options.mode}-${run}`;
  if (options.mode === 'unplanned') {
    killLabComponent('dc1');
    mark('disaster', "DISASTER: dc1's broker killed (SIGKILL); dc2's application goes on");
  } else {
    mark('switchover', "PLANNED SWITCHOVER: dc1's producers stopped; dc2's application goes on");
  }
  const disasterAt = Date.now();
  await dc1Writes.stop();
  await Promise.race([dc1Reads.stop().catch(() => undefined), new Promise((r) => setTimeout(r, 10_000))]);

  const dc2ReadBefore = dc2Reads.consumed.length;
  const failoverStarted = Date.now();
  const execution = await plane.failover.run({ flow: 'dc1->dc2', mode: options.mode, reason: `kafka-dr active-active drill ${run}` }, { name: executionName, waitTimeMs: 1000, asDefined: true });
  const failoverMs = Date.now() - failoverStarted;
  const dc2ReadDuringFailover = dc2Reads.consumed.length - dc2ReadBefore;
  const report = execution.output as any;
  mark('failedOver', `FAILOVER ${execution.status} in ${(failoverMs / 1000).toFixed(1)} s${execution.error ? `: ${execution.error} ${execution.cause}` : ''}`);
  if (execution.status !== 'SUCCEEDED') throw new Error(`the failover execution ${executionName} ended ${execution.status}: ${execution.error}: ${execution.cause}`);

  // dc1's clients follow their record and read both kinds of topic there, to what dc2 holds once dc2's writes stop.
  const after = await behind('dc1');
  const resumed = await consumeCommitting(after.kafka, apps.dc1.group, [`dc1.${orders}`, payments]);
  await resumed.joined;
  const consumersResumedAt = Date.now();
  await dc2Writes.stop();
  const fetcher = await clients.fetcher(after.cluster);
  const onTarget = new Map<string, string>();
  for (const topic of [`dc1.${orders}`, payments]) for (const r of await topicRecords(fetcher, topic)) onTarget.set(r.value, topic);
  const readBefore = new Set(dc1Reads.consumed.map((c) => c.value));
  const toRead = [...onTarget.keys()].filter((v) => !readBefore.has(v)).length;
  await resumed.until(toRead, 90_000).catch((err: Error) => show.event(`dc1's clients on ${after.cluster}: ${err.message}`));
  await new Promise((r) => setTimeout(r, 2000)); // re-reads, announced or not, show up now
  await resumed.stop();
  mark('consumersResumed', `dc1's clients on ${after.cluster}: ${resumed.consumed.length} records read from dc1.${orders} and ${payments}`);

  // dc2's clients: everything of payments and of the orders that reached dc2, once.
  const dc2Owed = [...dc2Writes.ledger, ...[...onTarget].filter(([, topic]) => topic === `dc1.${orders}`).map(([v]) => v)];
  await dc2Reads.until(dc2Owed.length, 60_000).catch((err: Error) => show.event(`dc2's clients: ${err.message}`));
  await new Promise((r) => setTimeout(r, 1000));
  await dc2Reads.stop();

  const asRecords = (consumed: Consumed[]) => consumed.map((c) => ({ group: apps.dc1.group, topic: c.topic, partition: c.partition, offset: Number(c.offset), value: c.value }));
  const windows = ((report.steps?.syncOffsets?.duplicateWindows ?? []) as { group: string; topic: string; partition: number; from: number; to: number }[]).filter((w) => w.group === apps.dc1.group);
  const { outcome, checks } = checkPromises({
    mode: options.mode,
    acknowledged: [...dc1Writes.ledger, ...dc2Writes.ledger],
    acknowledgedAfterLastProbe: dc1Writes.ledger.length - ledgerAtProbe,
    reportedUnreplicated,
    onTarget: new Set(onTarget.keys()),
    readBefore: asRecords(dc1Reads.consumed),
    readAfter: asRecords(resumed.consumed),
    windows,
    groups: [apps.dc1.group],
  });
  const dc2Values = dc2Reads.consumed.map((c) => c.value);
  const dc2Read = new Set(dc2Values);
  const dc2Clients = {
    acknowledged: dc2Writes.ledger.length,
    readDuringFailover: dc2ReadDuringFailover,
    read: dc2Values.length,
    readTwice: dc2Values.length - dc2Read.size,
    unread: dc2Owed.filter((v) => !dc2Read.has(v)).length,
  };
  const dc2RecordAfter = await dc2Record();
  const promises: PromiseCheck[] = [
    ...checks.map((c) => ({ ...c, promise: `dc1's clients: ${c.promise}` })),
    { promise: "dc1's clients moved to dc2 through their own record", kept: after.cluster === 'dc2', detail: `${apps.dc1.record} points at ${after.cluster}` },
    {
      promise: "dc2's clients stay: their record never written",
      kept: JSON.stringify(dc2RecordAfter) === JSON.stringify(dc2RecordBefore),
      detail: `${apps.dc2.record} -> ${dc2RecordAfter?.values.join(', ') ?? 'absent'} before and after`,
    },
    {
      promise: "dc2's clients read every record once, through the failover",
      kept: dc2Clients.unread === 0 && dc2Clients.readTwice === 0 && dc2Clients.readDuringFailover > 0,
      detail: `${dc2Clients.read} read (${dc2Clients.readDuringFailover} while the failover ran), ${dc2Clients.readTwice} twice, ${dc2Clients.unread} unread`,
    },
  ];
  await kafkaDr.close();
  const finishedAt = new Date();
  return {
    topology: 'active-active',
    mode: options.mode,
    startedAt: startedAt.toISOString(),
    finishedAt: finishedAt.toISOString(),
    applications: apps,
    timeline,
    seconds: { failover: Number((failoverMs / 1000).toFixed(1)), consumersResumed: Number(((consumersResumedAt - disasterAt) / 1000).toFixed(1)) },
    failover: { executionName, status: execution.status, stepsMs: report.durationsMs ?? {}, summary: report.summary ?? '' },
    dc1Clients: outcome,
    dc2Clients,
    promises,
    ok: promises.every((p) => p.kept),
  };
}

export function activeActiveSummary(r: ActiveActiveDrillReport): string {
  const steps = Object.entries(r.failover.stepsMs).map(([step, ms]) => `${step} ${(ms / 1000).toFixed(1)} s`).join(', ');
  return [
    '',
    `kafka-dr drill (active-active, ${r.mode}) on the lab: dc1's clients (${r.applications.dc1.record}) fail over to dc2; dc2's (${r.applications.dc2.record}) stay`,
    '',
    `  failover            ${r.seconds.failover.toFixed(1)} s (${r.failover.status}; ${steps})`,
    `  consumers resumed   ${r.seconds.consumersResumed.toFixed(1)} s after the ${r.mode === 'unplanned' ? 'disaster' : 'switchover began'}`,
    `  dc1's clients       ${r.dc1Clients.lost} lost of the records both applications acknowledged, ${r.dc1Clients.duplicates} re-read (announced windows: ${r.dc1Clients.announcedWindowRecords} records; outside them: ${r.dc1Clients.duplicatesOutsideWindows})`,
    `  dc2's clients       ${r.dc2Clients.read} read, ${r.dc2Clients.readDuringFailover} while the failover ran, ${r.dc2Clients.readTwice} twice, ${r.dc2Clients.unread} unread`,
    '',
    ...r.promises.map((p) => `  ${p.kept ? 'KEPT  ' : 'BROKEN'} ${p.promise}: ${p.detail}`),
    '',
    r.ok ? 'every promise kept.' : 'PROMISES BROKEN: see above and the JSON report.',
  ].join('\n');
}
