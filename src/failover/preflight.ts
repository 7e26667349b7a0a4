// Preflight: the checks that must pass before a failover changes anything, and the RPO
// estimate the report leads with. Refusals say what is wrong and what to do about it.
import type { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { byDeadline, LATE } from '#src/by-deadline';
import type { EstateClients } from '#src/kafka/connection';
import type { EstateConfig } from '#src/config/schema';
import type { Flow } from '#src/flow';
import { Metric } from '#src/metrics';
import { latestPublishedEach } from '#src/cloudwatch/latest';
import { ConnectError, type ConnectClient } from '#src/connect/client';
import { recordDns, singleRecordName } from '#src/dns/bootstrap-record';
import type { ClientSide } from '#src/dns/client-switch';
import { partitionCounts } from '#src/kafka/partition-state';
import { listed } from '#src/audit/finding';
import { aclDrift } from '#src/drift/acl-drift';
import { heartbeatAgeOrNull } from '#src/probes/heartbeat-age';
import { measureFlowLag, reachable, sourceTopics } from '#src/probes/lag-probe';
import type { ActiveSide } from './failover-state';
import type { FailoverRequest } from './request';

export class PreflightFailed extends Error {
  constructor(problems: string[]) {
    super(`preflight refused the failover, nothing was changed: ${problems.join('; ')}`);
    this.name = 'PreflightFailed';
  }
}

/** A scheduled readiness check of a flow whose target already serves the clients: nothing to rehearse. */
export class FailoverNotApplicable extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FailoverNotApplicable';
  }
}

/** Whose clients a failover moves: a datacenter's own (dns.records), or every client (home null), and their bootstrap record. */
export interface MovedClients {
  home: string | null;
  record: string;
  /** Datacenters whose clients are on the source and stay there (active-active failback): their producers keep writing. */
  stayingOnSource: string[];
}

export interface RpoEstimate {
  /** measured: both clusters read now; published: the probes' newest metrics; unknown: neither was available. */
  method: 'measured' | 'published' | 'unknown';
  rpoMs: number | null;
  unreplicatedRecords: number | null;
  /** When the estimate was made (published: when the probe measured it). */
  at: string | null;
  topics?: { topic: string; unreplicatedRecords: number; rpoMs: number }[];
}

export interface PreflightReport {
  reachable: { source: boolean; target: boolean };
  /** Whose clients this failover moves, and through which bootstrap record. */
  moves: MovedClients;
  /** The side those clients use now: the state table's record, else where DNS sends them. */
  activeBefore: { cluster: string | null; from: 'state' | 'dns' | 'unknown'; since?: string };
  /** Where DNS sends those clients, as dns.mode sees it: read through the same API the switch will write. */
  clients: ClientSide;
  topicsChecked: number;
  heartbeatAgeMs: number | null;
  connectors: { connector: string; state: string }[];
  rpo: RpoEstimate;
  warnings: string[];
}

export interface PreflightDeps extends Pick<EstateClients, 'admin' | 'fetcher'> {
  connect: ConnectClient;
  /** The state table's record of where the clients of `home` were last sent (null: the estate's one record). */
  activeSide: (home: string | null) => Promise<ActiveSide | null>;
  /** Where the clients of `home` are sent now (dns.mode's view); reading it proves the switch's API answers. */
  clientSide: (home: string | null) => Promise<ClientSide>;
  /** The probes' newest published RPO and unreplicated records for the flow. */
  publishedRpo: () => Promise<RpoEstimate>;
  now?: () => number;
}

/**
 * Where clients are sent. When the switch's API cannot be read, a planned switchover waits
 * for it; an unplanned failover goes on to halt replication and sync offsets, so that only
 * the switch is left to do (by hand, per the runbook) if the API stays away.
 */
async function clientSideOrWhyNot(request: FailoverRequest, config: EstateConfig, read: () => Promise<ClientSide>, problems: string[], warnings: string[]): Promise<ClientSide> {
  try {
    return await read();
  } catch (err) {
    const why = `cannot read where clients are sent (dns.mode ${config.dns.mode}): ${(err as Error).message}`;
    if (request.mode === 'planned') problems.push(`${why}; the switch would fail the same way: fix it before a planned switchover`);
    else warnings.push(`${why}; the failover goes on, and its switch of clients may fail: then switch them by hand (runbook (e))`);
    return { cluster: null, mode: config.dns.mode, seen: `unreadable: ${(err as Error).message}` };
  }
}

/**
 * Whose clients the failover moves, and where they are sent now: with one record, every
 * client; with a record per datacenter, the target's own clients when they are away on the
 * source (a failback brings them home), else the source's own.
 */
async function clientsToMove(request: FailoverRequest, flow: Flow, config: EstateConfig, deps: PreflightDeps, problems: string[], warnings: string[]): Promise<{ moves: MovedClients; clients: ClientSide }> {
  const sideOf = (home: string | null) => clientSideOrWhyNot(request, config, () => deps.clientSide(home), problems, warnings);
  const { records } = config.dns;
  if (!records) return { moves: { home: null, record: singleRecordName(config.dns), stayingOnSource: [] }, clients: await sideOf(null) };
  const [targetOwn, sourceOwn] = await Promise.all([records[flow.target] ? sideOf(flow.target) : Promise.resolve(undefined), sideOf(flow.source)]);
  if (targetOwn?.cluster === flow.source) {
    if (sourceOwn.cluster === flow.source && request.mode === 'unplanned') {
      warnings.push(`${flow.source}'s own clients are on ${flow.source} too (${sourceOwn.seen}): this failover brings ${flow.target}'s clients home; run it again to move ${flow.source}'s`);
    }
    const staying = sourceOwn.cluster === flow.source && request.mode === 'planned' ? [flow.source] : [];
    return { moves: { home: flow.target, record: recordDns(config.dns, flow.target).recordName, stayingOnSource: staying }, clients: targetOwn };
  }
  return { moves: { home: flow.source, record: recordDns(config.dns, flow.source).recordName, stayingOnSource: [] }, clients: sourceOwn };
}

/**
 * Unplanned, how long the source may take to answer before it counts as gone. Its client
 * retries a refused connection for seconds, and waits out each connect timeout when the
 * building's packets are dropped; nothing after preflight needs the source, and a live one
 * answers a metadata request in well under this.
 */
const UNPLANNED_SOURCE_ANSWER_MS = 1000;

/** Unplanned: undefined once UNPLANNED_SOURCE_ANSWER_MS has passed without an answer, with a warning saying so. */
async function sourceWithinBudget(request: FailoverRequest, flow: Flow, deps: PreflightDeps, now: () => number, warnings: string[]) {
  const answer = reachable(deps.admin(flow.source));
  if (request.mode === 'planned') return answer;
  const within = await byDeadline(answer, now() + UNPLANNED_SOURCE_ANSWER_MS, now);
  if (within !== LATE) return within;
  warnings.push(`source ${flow.source} did not answer a metadata request within ${UNPLANNED_SOURCE_ANSWER_MS} ms: counted as unreachable`);
  return undefined;
}

export async function preflight(request: FailoverRequest, flow: Flow, config: EstateConfig, deps: PreflightDeps): Promise<PreflightReport> {
  const now = deps.now ?? Date.now;
  const problems: string[] = [];
  const warnings: string[] = [];
  const { policy } = flow;
  const [source, target] = await Promise.all([sourceWithinBudget(request, flow, deps, now, warnings), reachable(deps.admin(flow.target))]);
  if (!target) throw new PreflightFailed([`target cluster ${flow.target} is unreachable: clients cannot be moved there; check the cluster and the control plane's network path to it`]);
  if (!source && request.mode === 'planned') {
    problems.push(`source cluster ${flow.source} is unreachable: a planned switchover needs it to drain and translate offsets exactly; run an unplanned failover if ${flow.source} is gone`);
  }

  const { moves, clients } = await clientsToMove(request, flow, config, deps, problems, warnings);
  const state = await deps.activeSide(moves.home);
  const dnsSide = clients.cluster;
  const activeBefore: PreflightReport['activeBefore'] = state
    ? { cluster: state.cluster, from: 'state', since: state.since }
    : { cluster: dnsSide, from: dnsSide ? 'dns' : 'unknown' };
  if (state && dnsSide && state.cluster !== dnsSide) warnings.push(`the state table says ${state.cluster} is active but DNS sends clients to ${dnsSide} (${clients.seen})`);
  // A failover interrupted after its DNS change is completed by a re-run of the same execution.
  const resuming = state?.executionName === request.executionName;
  if (activeBefore.cluster === flow.target && request.scheduled) {
    throw new FailoverNotApplicable(`${flow.target} already serves the clients (${state ? `since ${state.since}` : clients.seen}): a failover of ${flow.name} has nothing to move, so its readiness is not judged until clients are back on ${flow.source}`);
  }
  // Fan-in: several flows share a target, and the record sends clients to one cluster only.
  const elsewhere = activeBefore.cluster !== null && activeBefore.cluster !== flow.source && activeBefore.cluster !== flow.target;
  if (elsewhere && request.scheduled) {
    throw new FailoverNotApplicable(`clients are on ${activeBefore.cluster}, neither end of ${flow.name}: a failover of ${flow.name} has no clients to move, so its readiness is not judged`);
  }
  if (elsewhere && !resuming) {
    problems.push(
      `clients are on ${activeBefore.cluster}${state ? ` (since ${state.since}, execution ${state.executionName})` : ` (${clients.seen})`}, not on ${flow.source}: a failover of ${flow.name} would move them off ${activeBefore.cluster}, whose data ${flow.name} does not carry; fail over the flow whose source is ${activeBefore.cluster}`,
    );
  }
  if (activeBefore.cluster === flow.target && !resuming) {
    problems.push(`${flow.target} is already the active side${state ? ` (since ${state.since}, execution ${state.executionName})` : ` (${clients.seen})`}: nothing to fail over; to move clients back run the reverse flow ${flow.target}->${flow.source}`);
  }
  if (request.trigger && state) {
    const cooldownEnds = Date.parse(state.since) + config.failover.cooldownMinutes * 60_000;
    if (now() < cooldownEnds) problems.push(`automatic failover suppressed: the last failover (${state.executionName}) was at ${state.since}, within the ${config.failover.cooldownMinutes}-minute cooldown`);
  }

  const connectors: PreflightReport['connectors'] = [];
  for (const name of Object.values(flow.mm2.connectors)) {
    try {
      const status = await deps.connect.status(name);
      connectors.push({ connector: name, state: status.connector.state });
      if (status.connector.state === 'FAILED' || status.tasks.some((t) => t.state === 'FAILED')) warnings.push(`MM2 connector ${name} has FAILED tasks`);
    } catch (err) {
      if (err instanceof ConnectError && err.transient) throw err; // retried by the state machine
      if (err instanceof ConnectError && err.status === 404) {
        problems.push(`replication ${flow.name} is not set up: connector ${name} does not exist on ${deps.connect.url}; create the flow's MM2 connectors and let them catch up before failing over`);
      } else {
        problems.push(`cannot read MM2 connector ${name} on ${deps.connect.url}: ${(err as Error).message}`);
      }
    }
  }

  const heartbeatAgeMs = await heartbeatAgeOrNull(target, flow, now());
  const staleMs = config.probes.thresholds.heartbeatStaleSeconds * 1000;
  // Resuming, this execution halted the connectors itself: their heartbeats are meant to stop.
  if (request.mode === 'planned' && !resuming && (heartbeatAgeMs === null || heartbeatAgeMs > staleMs)) {
    problems.push(
      `replication ${flow.name} is not flowing: ${heartbeatAgeMs === null ? 'no MM2 heartbeat has reached' : `the newest MM2 heartbeat is ${Math.round(heartbeatAgeMs / 1000)} s old on`} ${flow.target}; check the flow's connectors and wait for it to catch up`,
    );
  }

  let topicsChecked = 0;
  let rpo: RpoEstimate;
  if (source) {
    const topics = await sourceTopics(source, flow);
    const [sourceCounts, targetCounts] = await Promise.all([partitionCounts(source, topics), partitionCounts(target, topics.map((t) => policy.remoteTopic(flow.source, t)))]);
    for (const topic of topics) {
      const remote = policy.remoteTopic(flow.source, topic);
      const want = sourceCounts.get(topic);
      const have = targetCounts.get(remote);
      if (have === undefined) problems.push(`topic ${topic} has no replica ${remote} on ${flow.target}: MM2 has not created it yet`);
      else if (have !== want) problems.push(`topic ${topic} has ${want} partitions on ${flow.source} but ${remote} has ${have} on ${flow.target}: consumers would lose partitions; let MM2 sync the partition count`);
    }
    topicsChecked = topics.length;
    const [lag, refused] = await Promise.all([
      measureFlowLag(flow, { admin: source, fetcher: await deps.fetcher(flow.source) }, { admin: target, fetcher: await deps.fetcher(flow.target) }),
      aclDrift.compare(flow, source, target),
    ]);
    if (refused.length) {
      warnings.push(`${flow.target} would refuse ${refused.length} ACL binding(s) ${flow.source} grants: ${listed(refused.map((d) => d.what))}; clients moved there get authorization errors: kafka-dr sync acls --flow ${flow.name} writes them`);
    }
    rpo = {
      method: 'measured',
      rpoMs: lag.rpoMs,
      unreplicatedRecords: Number(lag.unreplicatedRecords),
      at: new Date(now()).toISOString(),
      topics: lag.topics.filter((t) => t.unreplicatedRecords > 0n).map((t) => ({ topic: t.topic, unreplicatedRecords: Number(t.unreplicatedRecords), rpoMs: t.rpoMs })),
    };
  } else {
    warnings.push(`source ${flow.source} unreachable: topics were not compared, the RPO is the probes' last published estimate`);
    rpo = await deps.publishedRpo();
  }
  if (problems.length > 0) throw new PreflightFailed(problems);
  return { reachable: { source: source !== undefined, target: true }, moves, activeBefore, clients, topicsChecked, heartbeatAgeMs, connectors, rpo, warnings };
}

/** The probes' newest Rpo and UnreplicatedRecords of the flow published since `since`. */
export async function publishedRpo(cloudwatch: CloudWatchClient, flow: string, since: Date): Promise<RpoEstimate> {
  const [rpo, unreplicated] = await latestPublishedEach(
    cloudwatch,
    [Metric.Rpo, Metric.UnreplicatedRecords].map((metric) => ({ metric, dimensions: { Flow: flow } })),
    since,
  );
  if (!rpo && !unreplicated) return { method: 'unknown', rpoMs: null, unreplicatedRecords: null, at: null };
  return {
    method: 'published',
    rpoMs: rpo ? rpo.value * 1000 : null,
    unreplicatedRecords: unreplicated?.value ?? null,
    at: (rpo?.at ?? unreplicated?.at ?? new Date(0)).toISOString(),
  };
}
