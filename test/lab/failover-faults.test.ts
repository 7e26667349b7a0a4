// The failover workflow under faults, run by the synthesized state machine on the functions'
// bundles against the lab: the lock (held by another execution, two executions racing),
// steps re-run after a crash (no double effect), Kafka Connect refusing to halt the
// connectors, Route 53 failing or throttling (a proxy in front of the emulator answering
// as Route 53 does, met by the functions' real SDK client and its retries), and a group
// already active on the target. Every outcome is
// read back from the systems themselves: the record through the Route 53 API, the
// connectors through Connect's REST API, group offsets through the Kafka admin API, and
// the lock and active-side items from the state table.
//
// Kafka Connect is reached through a proxy for the whole file (the estate is bundled into
// the functions); it forwards everything until a test makes it refuse PUTs.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ListResourceRecordSetsCommand, Route53Client } from '@aws-sdk/client-route-53';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { Consumer } from 'kafkajs';
import { ConnectClient } from '#src/connect/client';
import { persistedTargetStates } from '#src/connect/target-states';
import { committedOffsetList, committedOffsets, groupPartitionKey } from '#src/kafka/group-offsets';
import { partitionStates } from '#src/kafka/partition-state';
import { readCheckpoints } from '#src/mm2/internal-topics';
import { parseEstateConfig } from '#src/config/parse';
import { eventually, ensureTopic, labContext, uniqueName } from '../support/lab';
import { failoverRig, failureReport, inputOf, replicaCreated, type FailoverRig } from '../support/failover';
import { route53Faults, type Route53Faults } from '../support/route53-faults';
import type { LocalExecution } from '../../lab/local-state-machine';
import { consumeCommitting, produceContinuously } from '../../lab/traffic';

const FLOW = 'dc1->dc2';
let documents: DynamoDBDocumentClient;
let rig: FailoverRig;
let proxy: ConnectProxy;
let route53: Route53Faults;

interface ConnectProxy {
  url: string;
  /** While true, every PUT (pause, stop, resume) is answered 503 and listed in `refused`. */
  refusePuts: boolean;
  refused: string[];
  server: Server;
}

/** An HTTP proxy in front of Kafka Connect that can play a Connect cluster failing its writes. */
async function connectProxy(connectUrl: string): Promise<ConnectProxy> {
  const server = createServer((req, res) => {
    void (async () => {
      if (faults.refusePuts && req.method === 'PUT') {
        faults.refused.push(`${req.method} ${req.url}`);
        res.writeHead(503, { 'content-type': 'application/json' }).end(JSON.stringify({ error_code: 503, message: 'lab proxy: Kafka Connect unavailable' }));
        return;
      }
      const upstream = await fetch(new URL(req.url!, connectUrl), { method: req.method, headers: { accept: 'application/json' } });
      res.writeHead(upstream.status, { 'content-type': upstream.headers.get('content-type') ?? 'application/json' }).end(Buffer.from(await upstream.arrayBuffer()));
    })().catch((err: Error) => res.writeHead(502).end(`lab proxy: ${err.message}`));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const faults: ConnectProxy = { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, refusePuts: false, refused: [], server };
  return faults;
}

beforeAll(async () => {
  const ctx = await labContext();
  const flow = ctx.config.flows[0]!;
  proxy = await connectProxy(flow.mm2.connectUrl);
  documents = DynamoDBDocumentClient.from(new DynamoDBClient({}));
  route53 = await route53Faults(ctx.lab.moto.endpoint);
  rig = await failoverRig(parseEstateConfig({ ...ctx.config, flows: [{ ...flow, mm2: { ...flow.mm2, connectUrl: proxy.url } }] }, 'the lab estate, Kafka Connect behind a proxy'), {
    awsEndpoints: { ROUTE_53: route53.url },
  });
  await rig.restore();
});

/** Route 53 calls reach the emulator again. */
function restoreRoute53(): void {
  route53.fault = undefined;
  route53.changes = 0;
}

afterEach(async () => {
  restoreRoute53();
  proxy.refusePuts = false;
  proxy.refused = [];
  await rig.restore();
});

afterAll(async () => {
  await route53.close();
  proxy.server.closeAllConnections();
  await new Promise((resolve) => proxy.server.close(resolve));
});

const outcome = (r: LocalExecution) => ({ status: r.status, error: r.error, cause: r.cause });
/** A Lambda error's message, from the cause Step Functions reports for it. */
const errorMessage = (r: LocalExecution) => (JSON.parse(r.cause!) as { errorMessage: string }).errorMessage;

async function stateItem(pk: 'lock' | 'active') {
  return (await documents.send(new GetCommand({ TableName: rig.stateTable, Key: { pk }, ConsistentRead: true }))).Item;
}

/** The connectors as the real Connect cluster reports them (not through the proxy). */
async function connectorStatesAtConnect(): Promise<Record<string, string>> {
  const flow = rig.ctx.config.flows[0]!;
  const connect = new ConnectClient(flow.mm2.connectUrl);
  const states: Record<string, string> = {};
  for (const name of Object.values(flow.mm2.connectors)) {
    const status = await connect.status(name);
    states[name] = [status.connector.state, ...status.tasks.map((t) => t.state)].join(' ');
  }
  return states;
}

const allIn = (states: Record<string, string>, state: string) => Object.values(states).every((s) => s.split(' ').every((t) => t === state));


/** Errors each attempt of a state failed with, and the retries the state machine made. */
function attempts(execution: LocalExecution, state: string) {
  const failed = execution.events.flatMap((e) => (e.type === 'StateFailed' && e.state.name === state ? [e.Error] : []));
  const retried = execution.events.filter((e) => e.type === 'StateRetried' && e.state.name === state).length;
  return { failed, retried };
}

/** Every record set of the bootstrap record's name in the hosted zone, through the Route 53 API. */
async function bootstrapRecordSets() {
  const { dns } = rig.config;
  const listed = await new Route53Client({}).send(new ListResourceRecordSetsCommand({ HostedZoneId: dns.hostedZoneId }));
  return (listed.ResourceRecordSets ?? []).filter((r) => r.Name === `${dns.recordName}.`).map((r) => ({ type: r.Type, values: r.ResourceRecords?.map((v) => v.Value) }));
}

/** Age of MM2's newest heartbeat on dc2 (what preflight checks), null when there is none. */
async function heartbeatAgeMs(): Promise<number | null> {
  const [heartbeat] = await partitionStates(await rig.ctx.adminFor('dc2'), ['dc1.heartbeats']);
  return heartbeat?.newestTimestamp == null ? null : Date.now() - heartbeat.newestTimestamp;
}

/** Waits until MM2's newest heartbeat on dc2 is fresh: a planned switchover's preflight requires it. */
async function replicationFlowing(): Promise<void> {
  await eventually('a fresh MM2 heartbeat on dc2', async () => {
    const age = await heartbeatAgeMs();
    return age !== null && age < 2000 ? true : undefined;
  }, 60_000, 500);
}

/**
 * A stopped application on dc1: `topic` written (producers stopped), read in part by each
 * of `groups` (consumers stopped), and replicated to dc2.
 */
async function stoppedApplication(name: string, groupCount = 1, partitions = 2) {
  const dc1 = await rig.ctx.kafkaFor('dc1');
  const topic = uniqueName(name);
  const groups = Array.from({ length: groupCount }, (_, i) => uniqueName(`${name}-app${i}`));
  await ensureTopic(await rig.ctx.adminFor('dc1'), topic, partitions);
  const producing = await produceContinuously(dc1, topic, name);
  await producing.atLeast(100);
  await producing.stop();
  for (const group of groups) {
    const reading = await consumeCommitting(dc1, group, [topic]);
    await reading.until(40);
    await reading.stop();
  }
  await replicaCreated(rig.ctx, topic, partitions);
  return { topic, groups };
}

/** The group's newest MM2 checkpoints on dc2. */
async function groupCheckpoints(group: string) {
  return [...(await readCheckpoints(await rig.ctx.clients.fetcher('dc2'), 'dc1.checkpoints.internal')).values()].filter((c) => c.group === group);
}

/** Waits until MM2 has checkpointed every committed offset of the group on dc1: what an unplanned failover moves. */
async function checkpointedAtCommits(group: string): Promise<void> {
  const committed = await committedOffsetList(await rig.ctx.adminFor('dc1'), [group]);
  await eventually(`MM2 checkpoints of ${group} at its commits on dc1`, async () => {
    const checkpoints = await groupCheckpoints(group);
    return committed.every((o) => checkpoints.some((c) => c.topic === `dc1.${o.topic}` && c.partition === o.partition && c.upstreamOffset === o.offset)) ? true : undefined;
  }, 60_000, 1000);
}

async function dc2Offsets(groups: string[]): Promise<Map<string, bigint>> {
  return committedOffsets(await rig.ctx.adminFor('dc2'), groups);
}

describe('the failover lock', () => {
  it('held by another execution: AlreadyRunning naming the holder, nothing touched', async () => {
    const holder = { pk: 'lock', executionName: uniqueName('other-failover'), flow: FLOW, acquiredAt: new Date(Date.now() - 60_000).toISOString() };
    await documents.send(new PutCommand({ TableName: rig.stateTable, Item: holder }));
    const connectorsBefore = await connectorStatesAtConnect();

    const result = await rig.run({ flow: FLOW, mode: 'planned', reason: 'test: lock held by another execution' }, uniqueName('blocked'));

    expect({ status: result.status, error: result.error }).toEqual({ status: 'FAILED', error: 'AlreadyRunning' });
    expect(errorMessage(result)).toContain(`another failover holds the lock: execution ${holder.executionName} (${FLOW}) since ${holder.acquiredAt}`);
    expect(result.states).toEqual(['Begin', 'AlreadyRunning']);
    expect(await stateItem('lock')).toEqual(holder);
    expect(await stateItem('active')).toBeUndefined();
    expect(await rig.recordCluster()).toBe('dc1');
    expect(allIn(connectorsBefore, 'RUNNING')).toBe(true);
    expect(await connectorStatesAtConnect()).toEqual(connectorsBefore);
  });

  it('two executions started together: one fails over, the other changes nothing', async () => {
    await stoppedApplication('race');
    await replicationFlowing();
    const names = [uniqueName('race-a'), uniqueName('race-b')];

    const results = await Promise.all(names.map((name) => rig.run({ flow: FLOW, mode: 'planned', reason: 'test: two operators at once' }, name)));

    const won = results.findIndex((r) => r.status === 'SUCCEEDED');
    expect(won).toBeGreaterThanOrEqual(0);
    const [winner, loser] = [results[won]!, results[1 - won]!];
    const winnerName = names[won]!;
    expect(loser.status).toBe('FAILED');
    if (loser.error === 'AlreadyRunning') {
      // Both started Begin together: the loser found the winner's lock.
      expect(errorMessage(loser)).toContain(`execution ${winnerName} (${FLOW})`);
    } else {
      // The loser's Begin ran after the winner had finished: dc2 was active by then.
      expect(loser.error).toBe('PreflightFailed');
      expect(loser.cause).toContain('dc2 is already the active side');
    }
    expect(loser.states).not.toContain('HaltReplication');
    expect(loser.states).not.toContain('RepointDns');
    expect(winner.states.filter((s) => s === 'RepointDns')).toHaveLength(1);
    expect((winner.output as any).steps.repointDns.changeId).toEqual(expect.any(String));

    expect(await bootstrapRecordSets()).toEqual([{ type: 'CNAME', values: rig.config.dns.values.dc2 }]);
    expect(await stateItem('active')).toMatchObject({ cluster: 'dc2', executionName: winnerName });
    expect(await stateItem('lock')).toBeUndefined();
    expect(allIn(await connectorStatesAtConnect(), 'PAUSED')).toBe(true);
  });
});

describe('a successful planned switchover run again', () => {
  /** A planned switchover of a stopped application, and what it left on dc2 and in the state table. */
  async function switchedOver(prefix: string) {
    const app = await stoppedApplication(prefix);
    await replicationFlowing();
    const name = uniqueName(prefix);
    const input = { flow: FLOW, mode: 'planned', reason: `test: ${prefix}` };
    const first = await rig.run(input, name);
    expect(outcome(first)).toEqual({ status: 'SUCCEEDED' });
    const offsets = await dc2Offsets(app.groups);
    expect(offsets.size).toBeGreaterThan(0); // the group was moved
    return { app, name, input, first, offsets, active: await stateItem('active') };
  }

  it('each step re-invoked with the final state (a crashed Lambda retried) changes nothing', async () => {
    const { app, first, offsets, active } = await switchedOver('step-rerun');
    const state = inputOf(first, 'Finish');

    const halted = (await rig.invoke('failover-replication', state)) as any;
    expect(halted.connectors).toHaveLength(3);
    for (const c of halted.connectors) expect(c).toMatchObject({ stateBefore: 'PAUSED', state: 'PAUSED', halted: true }); // already paused: no PUT sent
    expect(allIn(await connectorStatesAtConnect(), 'PAUSED')).toBe(true);

    const synced = (await rig.invoke('failover-offsets', state)) as any;
    // Partitions of earlier tests' groups may already be ahead on dc2; they stay so. Everything the first run committed now reads as unchanged.
    const before = (first.output as any).steps.syncOffsets.partitions;
    expect({ synced: synced.synced, committedGroups: synced.committedGroups, partitions: synced.partitions, fallbacks: synced.fallbacks }).toEqual({
      synced: true,
      committedGroups: 0,
      partitions: { ...before, commit: 0, unchanged: before.commit + before.unchanged },
      fallbacks: (first.output as any).steps.syncOffsets.fallbacks,
    });
    expect(await dc2Offsets(app.groups)).toEqual(offsets);

    const repoint = await rig.invoke('failover-dns', { action: 'repoint', ...state });
    expect(repoint).toMatchObject({ cluster: 'dc2', changeId: null });
    expect(await bootstrapRecordSets()).toEqual([{ type: 'CNAME', values: rig.config.dns.values.dc2 }]);

    const finished = (await rig.invoke('failover-finish', state)) as any;
    expect({ status: finished.status, lockReleased: finished.lockReleased }).toEqual({ status: 'SUCCEEDED', lockReleased: false });
    expect(await stateItem('active')).toEqual(active); // same executionName and since
    expect(await stateItem('lock')).toBeUndefined();
  });

  it('the whole execution again under the same name (a redrive, heartbeats long stale) resumes and changes nothing', async () => {
    const { app, name, input, offsets, active } = await switchedOver('redrive');
    // The switchover paused MM2 itself: by the time an operator redrives, its heartbeats are stale.
    const staleMs = rig.config.probes.thresholds.heartbeatStaleSeconds * 1000;
    await eventually('MM2 heartbeats on dc2 older than a planned preflight accepts', async () => ((await heartbeatAgeMs()) ?? 0) > staleMs ? true : undefined, 30_000, 500);

    const again = await rig.run(input, name);

    expect(outcome(again)).toEqual({ status: 'SUCCEEDED' });
    const report = again.output as any;
    expect(report.steps.repointDns.changeId).toBeNull();
    expect(report.steps.syncOffsets).toMatchObject({ synced: true, committedGroups: 0, partitions: { commit: 0 } });
    expect(await dc2Offsets(app.groups)).toEqual(offsets);
    expect(await bootstrapRecordSets()).toEqual([{ type: 'CNAME', values: rig.config.dns.values.dc2 }]);
    expect(await stateItem('active')).toEqual(active);
    expect(await stateItem('lock')).toBeUndefined();
  });
});

it('Kafka Connect failing its writes after preflight: HaltReplicationFailed after retries, nothing else done', async () => {
  const app = await stoppedApplication('halt-refused');
  await checkpointedAtCommits(app.groups[0]!);
  const offsetsBefore = await dc2Offsets(app.groups);
  proxy.refusePuts = true;

  const result = await rig.run({ flow: FLOW, mode: 'unplanned', reason: 'test: Connect answers 503' }, uniqueName('halt-refused'));

  expect({ status: result.status, error: result.error }).toEqual({ status: 'FAILED', error: 'HaltReplicationFailed' });
  expect(result.cause).toContain('HTTP 503');
  // One attempt and four retries, each sending the three connectors' halts at once (the checkpoint connector's a stop, the others pauses), each refused.
  expect(attempts(result, 'HaltReplication')).toEqual({ failed: Array(5).fill('TransientStepError'), retried: 4 });
  const { source, checkpoint, heartbeat } = rig.config.flows[0]!.mm2.connectors;
  const halts = [`PUT /connectors/${source}/pause`, `PUT /connectors/${checkpoint}/stop`, `PUT /connectors/${heartbeat}/pause`];
  expect([...proxy.refused].sort()).toEqual(Array.from({ length: 5 }, () => halts).flat().sort());
  expect(result.states).not.toContain('SyncOffsets');
  const report = failureReport(result);
  expect(report.done).toEqual(['begin', 'preflight']);
  expect(report.notDone).toEqual(['haltReplication', 'syncOffsets', 'repointDns', 'dnsChange']);
  expect(report.lockReleased).toBe(true);

  expect(allIn(await connectorStatesAtConnect(), 'RUNNING')).toBe(true);
  expect(await rig.recordCluster()).toBe('dc1');
  expect(await dc2Offsets(app.groups)).toEqual(offsetsBefore);
  expect(await stateItem('lock')).toBeUndefined();
  expect(await stateItem('active')).toBeUndefined();
});

describe('Route 53 errors', () => {
  it('a 500 on every change: DnsRepointFailed after retries, offsets synced, record untouched', async () => {
    const app = await stoppedApplication('dns-500');
    const [group] = app.groups;
    await checkpointedAtCommits(group!);
    route53.fault = { code: 'InternalFailure', status: 500, times: Infinity };

    const result = await rig.run({ flow: FLOW, mode: 'unplanned', reason: 'test: Route 53 fails' }, uniqueName('dns-500'));

    expect({ status: result.status, error: result.error }).toEqual({ status: 'FAILED', error: 'DnsRepointFailed' });
    expect(result.cause).toContain('InternalFailure');
    expect(attempts(result, 'RepointDns')).toEqual({ failed: Array(5).fill('TransientStepError'), retried: 4 });
    // Each of the five invocations made the SDK's three attempts.
    expect(route53.changes).toBe(15);
    const report = failureReport(result);
    expect(report.done).toEqual(['begin', 'preflight', 'haltReplication', 'syncOffsets']);
    expect(report.notDone).toEqual(['repointDns', 'dnsChange']);
    expect(report.steps.syncOffsets.synced).toBe(true);
    expect(report.lockReleased).toBe(true);
    restoreRoute53();

    expect(await rig.recordCluster()).toBe('dc1');
    expect(await stateItem('active')).toBeUndefined();
    expect(await stateItem('lock')).toBeUndefined();
    // The halt is persisted when the step returns; the tasks finish shutting down after it.
    const { configTopic, connectors } = rig.config.flows[0]!.mm2;
    const persisted = await persistedTargetStates(await rig.ctx.clients.fetcher(configTopic!.cluster), configTopic!.topic);
    expect(Object.values(connectors).map((name) => persisted.get(name))).toEqual(['PAUSED', 'STOPPED', 'PAUSED']);
    await eventually(
      'MM2 checkpoint connector STOPPED, source and heartbeat PAUSED',
      async () => {
        const states = await connectorStatesAtConnect();
        return allIn({ checkpoint: states[connectors.checkpoint]! }, 'STOPPED') && allIn({ source: states[connectors.source]!, heartbeat: states[connectors.heartbeat]! }, 'PAUSED') ? true : undefined;
      },
      30_000,
      500,
    );
    // Moved to its checkpoints, as SyncOffsets read them (MM2 was stopped before it ran).
    const moved = await dc2Offsets([group!]);
    const checkpoints = await groupCheckpoints(group!);
    expect(checkpoints.length).toBeGreaterThan(0);
    for (const c of checkpoints) expect(moved.get(groupPartitionKey(group!, c.topic, c.partition))).toBe(c.downstreamOffset);
  });

  it("throttled once: the SDK's retry absorbs it inside the step, and the failover succeeds", async () => {
    route53.fault = { code: 'Throttling', status: 400, times: 1 };

    const result = await rig.run({ flow: FLOW, mode: 'unplanned', reason: 'test: Route 53 throttles' }, uniqueName('dns-throttled'));

    expect(outcome(result)).toEqual({ status: 'SUCCEEDED' });
    expect(attempts(result, 'RepointDns')).toEqual({ failed: [], retried: 0 });
    expect(route53.changes).toBe(2);
    restoreRoute53();
    expect(await bootstrapRecordSets()).toEqual([{ type: 'CNAME', values: rig.config.dns.values.dc2 }]);
    expect(await stateItem('active')).toMatchObject({ cluster: 'dc2' });
  });
});

it('a group active on dc2 during the switchover is skipped and left as it is; the others move', async () => {
  const app = await stoppedApplication('busy', 2);
  const [busy, idle] = app.groups as [string, string];
  const dc2Admin = await rig.ctx.adminFor('dc2');
  // The busy group already has (old) offsets on dc2, lower than where it stands on dc1.
  await dc2Admin.alterConsumerGroupOffsets({ groupId: busy, topics: [{ name: `dc1.${app.topic}`, partitionOffsets: [0, 1].map((partition) => ({ partition, offset: 0n })) }] });
  const member: Consumer = (await rig.ctx.kafkaFor('dc2')).consumer({ groupId: busy, maxWaitTimeInMs: 100 });
  await member.connect();
  try {
    await member.subscribe({ topics: [`dc1.${app.topic}`] });
    await member.run({ autoCommit: false, eachMessage: async () => undefined });
    await eventually(`a member of ${busy} on dc2`, async () => ((await dc2Admin.describeGroups({ groups: [busy] })).get(busy)?.members.size === 1 ? true : undefined), 30_000, 500);
    const busyBefore = await dc2Offsets([busy]);
    expect([...busyBefore.values()]).toEqual([0n, 0n]);
    await replicationFlowing();

    const result = await rig.run({ flow: FLOW, mode: 'planned', reason: 'test: a group already consuming on dc2' }, uniqueName('busy'));

    expect(outcome(result)).toEqual({ status: 'SUCCEEDED' });
    const offsets = (result.output as any).steps.syncOffsets;
    expect(offsets).toMatchObject({ synced: true, skippedActiveGroups: 1 });
    expect(offsets.committedGroups).toBeGreaterThan(0);
    expect(offsets.skippedActive).toEqual([{ group: busy, members: 1 }]);
    expect(await dc2Offsets([busy])).toEqual(busyBefore);
    // The other group resumes on dc2 where it stopped on dc1 (the replica's offsets match the source's).
    const onDc1 = await committedOffsets(await rig.ctx.adminFor('dc1'), [idle]);
    const onDc2 = await dc2Offsets([idle]);
    expect(new Map([...onDc2].map(([key, offset]) => [key.replace(`dc1.${app.topic}`, app.topic), offset]))).toEqual(onDc1);
  } finally {
    await member.disconnect();
  }
});
