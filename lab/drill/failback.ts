// The drill's failback leg: clients work on the target for a while, then come home. After a
// disaster the source's broker is restarted first (its data survives; MM2's forward
// connectors resume with it). The reverse flow starts, producers write on the target, the
// group reads part of it there, and a planned failover over the reverse flow moves the
// record back; the group resumes on the source through it. Checked record by record: what
// the target took is on the source, nothing read on the target is read again, and every
// record the group had not read is read at home.
import type { ClientSwitch } from '#src/dns/client-switch';
import type { Kafka } from 'kafkajs';
import type { EstateConfig } from '#src/config/schema';
import type { EstateClients } from '#src/kafka/connection';
import { ensureTopic } from '#src/kafka/topics';
import { flowsOf, type Flow } from '#src/flow';
import { labSh, type LabInfo } from '../estate';
import type { LocalControlPlane } from '../local-control-plane';
import { retireReverseTopics, startReverseFlow } from '../reverse-flow';
import { eventually } from '../sample-estate';
import { consumeCommitting, produceContinuously, topicRecords } from '../traffic';
import type { Display } from './display';
import type { PromiseCheck } from './promises';

export interface FailbackLeg {
  config: EstateConfig;
  lab: LabInfo;
  plane: LocalControlPlane;
  forward: Flow;
  mode: 'planned' | 'unplanned';
  topic: string;
  /** The topic's partition count: on the target it gets as many, and so does its copy at home. */
  partitions: number;
  group: string;
  /** Traffic (kafkajs), and kafka-dr's own clients. */
  kafkaFor: (cluster: string) => Promise<Kafka>;
  clients: EstateClients;
  /** Where clients are sent, as the estate's dns.mode sees it. */
  switching: ClientSwitch;
  /** Values the group read on the source before the failover, and on the target after it. */
  readOnSource: ReadonlySet<string>;
  readOnTarget: ReadonlySet<string>;
  /** Acknowledged on the source but missing on the target after the failover. */
  lostAtFailover: ReadonlySet<string>;
  records: number;
}

export interface FailbackReport {
  flow: string;
  executionName: string;
  status: string;
  stepsMs: Record<string, number>;
  summary: string;
  /** Seconds each part took: the source back up (after a disaster), the reverse flow started, the failback execution, the consumers resumed at home. */
  seconds: { sourceBack: number; reverseFlow: number; failback: number; consumersHome: number };
  writtenOnTarget: number;
  readAfter: number;
  /** Read at home after the failback although read on the target: must be 0 (a planned failback translates exactly). */
  reReadFromTarget: number;
  /** Lost at the failover, back with the source, read at home. */
  recovered: number;
  /** Read on the source before the disaster, never replicated, read again at home: positions on the target could not know them. */
  reReadFromBeforeDisaster: number;
}

const secondsSince = (t: number) => Number(((Date.now() - t) / 1000).toFixed(1));

export async function failBack(leg: FailbackLeg, show: Display, mark: (what: string, line: string) => void): Promise<{ report: FailbackReport; checks: PromiseCheck[] }> {
  const { forward, topic, partitions, group, kafkaFor, clients } = leg;
  const reverse = flowsOf(leg.config).find((f) => f.source === forward.target && f.target === forward.source);
  if (!reverse) throw new Error(`the drill's estate has no flow ${forward.target}->${forward.source} to fail back over`);
  const home = forward.source;
  const away = forward.target;

  let t = Date.now();
  if (leg.mode === 'unplanned') {
    show.event(`restarting ${home}'s broker (its data survives; MM2's forward connectors resume with it)...`);
    await labSh('up');
  }
  const sourceBack = secondsSince(t);
  t = Date.now();
  await retireReverseTopics(leg.config, leg.lab); // a backlog of earlier runs' topics would hold the drain
  await startReverseFlow();
  const reverseFlowSeconds = secondsSince(t);
  mark('sourceBack', `${home} back, reverse flow ${reverse.name} running`);

  // Clients on the target: producers write the application's topic there; the group reads
  // what was written while it ran, and the rest waits for it at home.
  const onAway = await kafkaFor(away);
  await ensureTopic(await clients.admin(away), topic, partitions);
  const producing = await produceContinuously(onAway, topic, `${topic}-on-${away}`, { batch: 10, intervalMs: 50 });
  await producing.atLeast(leg.records / 2);
  const replica = forward.policy.remoteTopic(home, topic);
  const reading = await consumeCommitting(onAway, group, [replica, topic]);
  await reading.until(leg.records / 2, 60_000);
  await reading.stop();
  await producing.atLeast(producing.ledger.length + leg.records / 2);
  await producing.stop();
  const readOnTarget = new Set([...leg.readOnTarget, ...reading.consumed.map((c) => c.value)]);
  mark('writtenOnTarget', `on ${away}: ${producing.ledger.length} records written to ${topic}, ${reading.consumed.length} read by ${group}`);

  const copy = reverse.policy.remoteTopic(away, topic);
  const homeKafka = await kafkaFor(home);
  const admin = homeKafka.admin();
  await admin.connect();
  try {
    await eventually(`${copy} on ${home}`, async () => ((await admin.fetchTopicMetadata({ topics: [copy] }).catch(() => undefined))?.topics[0]?.partitions.length === partitions ? true : undefined), 120_000, 1000);
    // A member of the group that was on the source when it died stays until its session times out.
    await eventually(`group ${group} on ${home} without members`, async () => {
      const [described] = (await admin.describeGroups([group])).groups;
      return !described || described.members.length === 0 ? true : undefined;
    }, 120_000, 1000);
  } finally {
    await admin.disconnect();
  }

  t = Date.now();
  const executionName = `drill-failback-${group}`;
  const execution = await leg.plane.failover.run({ flow: reverse.name, mode: 'planned', reason: `kafka-dr drill: failback of ${group}` }, { name: executionName, waitTimeMs: 1000, asDefined: true });
  const failbackSeconds = secondsSince(t);
  const report = execution.output as { durationsMs?: Record<string, number>; summary?: string } | undefined;
  mark('failedBack', `FAILBACK ${execution.status} in ${failbackSeconds.toFixed(1)} s${execution.error ? `: ${execution.error} ${execution.cause}` : ''}`);
  if (execution.status !== 'SUCCEEDED') throw new Error(`the failback execution ${executionName} ended ${execution.status}: ${execution.error}: ${execution.cause}`);
  const behind = await leg.switching.side();
  if (behind.cluster !== home) throw new Error(`after the failback clients are sent to ${behind.cluster} (${behind.seen}), not ${home}`);

  // Home: the group resumes the source's own topic and the copy of what the target took.
  t = Date.now();
  const homeFetcher = await clients.fetcher(home);
  const atHome = new Set([...(await topicRecords(homeFetcher, topic)), ...(await topicRecords(homeFetcher, copy))].map((r) => r.value));
  const readBefore = new Set([...leg.readOnSource, ...readOnTarget]);
  const toRead = [...atHome].filter((v) => !readBefore.has(v)).length;
  const resumed = await consumeCommitting(homeKafka, group, [topic, copy]);
  await resumed.until(toRead, 60_000).catch((err: Error) => show.event(`consumer on ${home}: ${err.message}`));
  await new Promise((r) => setTimeout(r, 1000)); // a re-read would show now
  await resumed.stop();
  const consumersHome = secondsSince(t);
  mark('consumersHome', `consumers on ${home}: ${resumed.consumed.length} records read from ${topic} and ${copy}`);

  const readAfter = resumed.consumed.map((c) => c.value);
  const afterSet = new Set(readAfter);
  const missingAtHome = producing.ledger.filter((v) => !atHome.has(v));
  const reReadFromTarget = readAfter.filter((v) => readOnTarget.has(v));
  const unread = [...atHome].filter((v) => !readBefore.has(v) && !afterSet.has(v));
  const checks: PromiseCheck[] = [
    { promise: 'a planned failback loses nothing', kept: missingAtHome.length === 0, detail: `${missingAtHome.length} of ${producing.ledger.length} records written on ${away} missing on ${home}` },
    { promise: 'a planned failback re-reads nothing read on the target', kept: reReadFromTarget.length === 0, detail: `${reReadFromTarget.length} records read on ${away} read again on ${home}` },
    {
      promise: 'every consumer resumed at home',
      kept: unread.length === 0,
      detail: unread.length === 0 ? `${group} read every record on ${home} it had not read before (${readAfter.length})` : `${unread.length} records on ${home} never read, e.g. ${unread.slice(0, 3).join(', ')}`,
    },
  ];
  return {
    report: {
      flow: reverse.name,
      executionName,
      status: execution.status,
      stepsMs: report?.durationsMs ?? {},
      summary: report?.summary ?? '',
      seconds: { sourceBack, reverseFlow: reverseFlowSeconds, failback: failbackSeconds, consumersHome },
      writtenOnTarget: producing.ledger.length,
      readAfter: readAfter.length,
      reReadFromTarget: reReadFromTarget.length,
      recovered: readAfter.filter((v) => leg.lostAtFailover.has(v)).length,
      reReadFromBeforeDisaster: readAfter.filter((v) => leg.readOnSource.has(v)).length,
    },
    checks,
  };
}
