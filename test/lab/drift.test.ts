// What MM2 does not carry (ACLs, client quotas, topic configs), run from the synthesized
// bundles of the audit and drift sync functions against the lab's clusters, which enforce
// ACLs with Kafka's StandardAuthorizer. Each drift is made with Kafka's admin API (kafkajs
// for ACLs, Kafka's own kafka-configs for a SCRAM user), found by the audit, written by
// `kafka-dr sync` and read back with those same clients, then cleared from the audit.
// dc2 is the lab's PLAINTEXT cluster (every client is User:ANONYMOUS, a super user there), so
// a real refusal is shown on dc1, the target of the dc2 -> dc1 flow, whose clients log in.
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { ClientQuotaEntityTypes, ClientQuotaKeys, ConfigResourceTypes, IncrementalAlterConfigOperationTypes } from '@platformatic/kafka';
import { AclOperationTypes, AclPermissionTypes, AclResourceTypes, Kafka, logLevel, ResourcePatternTypes, type Admin as KafkajsAdmin } from 'kafkajs';
import type { FlowAudit } from '#src/audit/audit';
import type { SyncResult } from '#src/drift/sync-target';
import { topicConfigs } from '#src/kafka/topic-configs';
import { ensureTopic } from '#src/kafka/topics';
import { withReverseFlow } from '../../lab/reverse-flow';
import { cli } from '../support/cli';
import { failoverRig, replicaCreated, type FailoverRig } from '../support/failover';
import { eventually, labContext, uniqueName } from '../support/lab';

const FORWARD = 'dc1->dc2';
let rig: FailoverRig;
const kafkajsAdmins = new Map<string, KafkajsAdmin>();

async function aclAdmin(cluster: string): Promise<KafkajsAdmin> {
  let admin = kafkajsAdmins.get(cluster);
  if (!admin) {
    admin = (await rig.ctx.kafkaFor(cluster)).admin();
    await admin.connect();
    kafkajsAdmins.set(cluster, admin);
  }
  return admin;
}

beforeAll(async () => {
  const ctx = await labContext();
  // Both flows: dc1 -> dc2 as it runs, and dc2 -> dc1 (its connectors are not needed to compare or write ACLs).
  rig = await failoverRig(withReverseFlow(ctx.config, ctx.lab));
}, 300_000);

afterAll(async () => {
  for (const admin of kafkajsAdmins.values()) await admin.disconnect();
});

const audit = async (flow = FORWARD) => (await rig.invoke('audit', { flow })) as FlowAudit;
const finding = (report: FlowAudit, id: string) => report.findings.find((f) => f.id === id);

interface Binding {
  resourceType: AclResourceTypes;
  resourceName: string;
  operation: AclOperationTypes;
}

/** The principal's bindings on a cluster, read with kafkajs, as `TYPE name OPERATION` lines. */
async function bindingsOf(cluster: string, principal: string): Promise<string[]> {
  const { resources } = await (await aclAdmin(cluster)).describeAcls({
    resourceType: AclResourceTypes.ANY,
    resourcePatternType: ResourcePatternTypes.ANY,
    principal,
    operation: AclOperationTypes.ANY,
    permissionType: AclPermissionTypes.ANY,
  });
  const label = (values: object, value: number) => Object.entries(values).find(([, v]) => v === value)?.[0] ?? String(value);
  return resources
    .flatMap((r) => r.acls.map((a) => `${label(AclResourceTypes, r.resourceType)} ${r.resourceName} ${label(AclOperationTypes, a.operation)} ${label(AclPermissionTypes, a.permissionType)}`))
    .sort();
}

async function grant(cluster: string, principal: string, bindings: Binding[]): Promise<void> {
  await (await aclAdmin(cluster)).createAcls({
    acl: bindings.map((b) => ({ ...b, resourcePatternType: ResourcePatternTypes.LITERAL, principal, host: '*', permissionType: AclPermissionTypes.ALLOW })),
  });
}

async function revokeAll(principal: string): Promise<void> {
  for (const cluster of ['dc1', 'dc2']) {
    await (await aclAdmin(cluster)).deleteAcls({
      filters: [{ resourceType: AclResourceTypes.ANY, resourcePatternType: ResourcePatternTypes.ANY, principal, host: '*', operation: AclOperationTypes.ANY, permissionType: AclPermissionTypes.ANY }],
    });
  }
}

it('ACLs of dc1 missing on dc2: a critical finding and a preflight warning; a dry run writes nothing; kafka-dr sync writes them, reads them back, and a second sync has nothing to write', async () => {
  const run = uniqueName('acl');
  const principal = `User:${run}`;
  const topic = `${run}-orders`;
  await ensureTopic(await rig.ctx.adminFor('dc1'), topic, 1);
  await replicaCreated(rig.ctx, topic, 1);
  await grant('dc1', principal, [
    { resourceType: AclResourceTypes.GROUP, resourceName: `${run}-app`, operation: AclOperationTypes.READ },
    { resourceType: AclResourceTypes.TOPIC, resourceName: topic, operation: AclOperationTypes.READ },
    { resourceType: AclResourceTypes.TOPIC, resourceName: topic, operation: AclOperationTypes.WRITE },
  ]);
  try {
    const found = finding(await audit(), 'acl-drift');
    expect(found).toMatchObject({ severity: 'critical', subject: 'dc2', fix: expect.stringContaining(`kafka-dr sync acls --flow ${FORWARD}`) });
    // The replica dc1.<topic> is read, not written: its consumers need READ, its producer is MM2.
    for (const line of [`GROUP ${run}-app (LITERAL)`, `READ TOPIC ${topic} (LITERAL)`, `WRITE TOPIC ${topic} (LITERAL)`, `READ TOPIC dc1.${topic} (LITERAL)`]) expect(found!.evidence).toContain(line);
    expect(found!.evidence).not.toContain(`WRITE TOPIC dc1.${topic}`);

    // The operator's rehearsal, on the lab estate as it is (one flow).
    const rehearsal = await cli('failover', '--local', '--flow', FORWARD, '--planned', '--dry-run', '--reason', 'test: ACL drift rehearsal', '--json');
    const outcome = JSON.parse(rehearsal.stdout) as { status: string; output: { steps: { preflight: { warnings: string[] } } } };
    expect({ code: rehearsal.code, status: outcome.status }).toEqual({ code: 0, status: 'SUCCEEDED' });
    expect(outcome.output.steps.preflight.warnings).toContainEqual(
      expect.stringMatching(new RegExp(`^dc2 would refuse \\d+ ACL binding\\(s\\) dc1 grants: .*${principal} READ GROUP ${run}-app.*kafka-dr sync acls --flow ${FORWARD} writes them$`)),
    );

    const dry = await cli('sync', 'acls', '--local', '--flow', FORWARD, '--dry-run', '--json');
    expect(dry.code).toBe(0);
    const planned = JSON.parse(dry.stdout) as SyncResult;
    expect(planned).toMatchObject({ flow: FORWARD, kind: 'acls', target: 'dc2', dryRun: true });
    expect(planned.writes.filter((w) => w.includes(principal))).toHaveLength(4);
    expect(await bindingsOf('dc2', principal)).toEqual([]);

    const synced = await cli('sync', 'acls', '--local', '--flow', FORWARD);
    expect({ code: synced.code, stderr: synced.stderr }).toMatchObject({ code: 0 });
    expect(synced.stdout).toMatch(/^dc1->dc2: acls on dc2: wrote and read back \d+/);
    expect(await bindingsOf('dc2', principal)).toEqual([`GROUP ${run}-app READ ALLOW`, `TOPIC ${topic} READ ALLOW`, `TOPIC ${topic} WRITE ALLOW`, `TOPIC dc1.${topic} READ ALLOW`].sort());

    const again = await cli('sync', 'acls', '--local', '--flow', FORWARD, '--json');
    expect((JSON.parse(again.stdout) as SyncResult).writes).toEqual([]);
    expect(finding(await audit(), 'acl-drift')).toBeUndefined();
  } finally {
    await revokeAll(principal);
  }
});

/** A user with a SCRAM credential on dc1, made with Kafka's own kafka-configs tool. */
async function scramUser(name: string, password: string): Promise<void> {
  const dc1 = rig.ctx.lab.clusters.dc1;
  await promisify(execFile)('bash', [
    'lab/kafka-run.sh', 'configs', '--bootstrap-server', dc1.bootstrapServers, '--command-config', dc1.clientPropertiesFile,
    '--alter', '--add-config', `SCRAM-SHA-512=[iterations=4096,password=${password}]`, '--entity-type', 'users', '--entity-name', name,
  ]);
}

/** What the user's consumer in `group` reads of `topic` on dc1 from its start, committing it; the broker's refusal when it refuses. */
async function consumeAs(user: string, password: string, topic: string, group: string): Promise<string[] | string> {
  const dc1 = rig.ctx.lab.clusters.dc1;
  const kafka = new Kafka({
    clientId: user,
    brokers: [dc1.bootstrapServers],
    ssl: { ca: [readFileSync(dc1.caPemPath!, 'utf8')] },
    sasl: { mechanism: 'scram-sha-512', username: user, password },
    retry: { retries: 1, initialRetryTime: 200 },
    logLevel: logLevel.NOTHING,
  });
  const consumer = kafka.consumer({ groupId: group, retry: { retries: 0 } });
  try {
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    return await new Promise<string[] | string>((resolve) => {
      consumer.on(consumer.events.CRASH, (e) => resolve((e.payload.error as Error).message));
      void consumer
        .run({ autoCommit: false, eachBatch: async ({ batch }) => {
          const last = batch.messages.at(-1);
          if (!last) return;
          await consumer.commitOffsets([{ topic, partition: batch.partition, offset: (BigInt(last.offset) + 1n).toString() }]);
          resolve(batch.messages.map((m) => m.value!.toString()));
        } })
        .catch((err: Error) => resolve(err.message));
    });
  } catch (err) {
    return (err as Error).message;
  } finally {
    await consumer.disconnect().catch(() => undefined);
  }
}

it('a consumer dc2 allows is refused by dc1 (the target of dc2 -> dc1) until kafka-dr syncs the ACLs, then reads the replica and commits in its group', async () => {
  const run = uniqueName('refused');
  const user = run;
  const password = `${run}-secret`;
  const principal = `User:${user}`;
  const topic = `${run}-payments`;
  const replica = `dc2.${topic}`;
  const group = `${run}-app`;
  await scramUser(user, password);
  await ensureTopic(await rig.ctx.adminFor('dc2'), topic, 1);
  // The replica as MM2 would hold it on dc1; authorization does not depend on who wrote it.
  await ensureTopic(await rig.ctx.adminFor('dc1'), replica, 1);
  const producer = (await rig.ctx.kafkaFor('dc1')).producer();
  await producer.connect();
  await producer.send({ topic: replica, messages: [{ value: 'payment-1' }] });
  await producer.disconnect();
  await grant('dc2', principal, [
    { resourceType: AclResourceTypes.GROUP, resourceName: group, operation: AclOperationTypes.READ },
    { resourceType: AclResourceTypes.TOPIC, resourceName: topic, operation: AclOperationTypes.READ },
  ]);
  try {
    expect(await consumeAs(user, password, replica, group)).toMatch(/not authorized|authorization/i);

    const result = (await rig.invoke('drift-sync', { flow: 'dc2->dc1', kind: 'acls' })) as SyncResult;
    expect(result.writes.filter((w) => w.includes(principal))).toEqual([
      `ALLOW ${principal} READ GROUP ${group} (LITERAL) from *: missing on dc1`,
      `ALLOW ${principal} READ TOPIC ${replica} (LITERAL) from *: missing on dc1`,
      `ALLOW ${principal} READ TOPIC ${topic} (LITERAL) from *: missing on dc1`,
    ]);
    expect(await consumeAs(user, password, replica, group)).toEqual(['payment-1']);
    const committed = await (await rig.ctx.adminFor('dc1')).listConsumerGroupOffsets({ groups: [group] });
    expect(committed[0]!.topics.find((t) => t.name === replica)!.partitions[0]!.committedOffset).toBe(1n);
  } finally {
    await revokeAll(principal);
    // A group on dc1 reading a dc2.* topic would ask later failovers for the reverse flow's offset syncs.
    await (await rig.ctx.adminFor('dc1')).deleteGroups({ groups: [group] }).catch(() => undefined);
    await (await rig.ctx.adminFor('dc1')).deleteTopics({ topics: [replica] });
  }
});

it("client quotas of dc1 missing or different on dc2: a warning; the sync writes dc1's values, read back from dc2, and the finding clears", async () => {
  const run = uniqueName('quota');
  const user = { entityType: ClientQuotaEntityTypes.USER, entityName: run };
  const clientId = { entityType: ClientQuotaEntityTypes.CLIENT_ID, entityName: `${run}-client` };
  const [dc1, dc2] = [await rig.ctx.adminFor('dc1'), await rig.ctx.adminFor('dc2')];
  await dc1.alterClientQuotas({
    entries: [
      { entities: [user], ops: [{ key: ClientQuotaKeys.PRODUCER_BYTE_RATE, value: 1048576, remove: false }, { key: ClientQuotaKeys.CONSUMER_BYTE_RATE, value: 2097152, remove: false }] },
      { entities: [clientId], ops: [{ key: ClientQuotaKeys.REQUEST_PERCENTAGE, value: 50, remove: false }] },
    ],
  });
  await dc2.alterClientQuotas({ entries: [{ entities: [user], ops: [{ key: ClientQuotaKeys.PRODUCER_BYTE_RATE, value: 1024, remove: false }] }] });
  const quotasOf = async (admin: typeof dc1) => {
    const entries = await admin.describeClientQuotas({ components: [] });
    return Object.fromEntries(
      entries
        .filter((e) => e.entity.some((x) => x.entityName?.startsWith(run)))
        .map((e) => [e.entity.map((x) => `${x.entityType}=${x.entityName}`).join(','), Object.fromEntries(e.values.map((v) => [v.key, v.value]))]),
    );
  };
  try {
    const found = await eventually('quota drift in the audit', async () => finding(await audit(), 'quota-drift'), 15_000, 1000);
    expect(found).toMatchObject({ severity: 'warning', subject: 'dc2' });
    expect(found!.evidence).toContain(`user=${run} consumer_byte_rate=2097152 (dc2: none), producer_byte_rate=1048576 (dc2: 1024)`);
    expect(found!.evidence).toContain(`client-id=${run}-client request_percentage=50 (dc2: none)`);

    const result = (await rig.invoke('drift-sync', { flow: FORWARD, kind: 'quotas' })) as SyncResult;
    expect(result.writes.filter((w) => w.includes(run))).toHaveLength(2);
    expect(await quotasOf(dc2)).toEqual(await quotasOf(dc1));
    expect(await quotasOf(dc2)).toEqual({
      [`user=${run}`]: { producer_byte_rate: 1048576, consumer_byte_rate: 2097152 },
      [`client-id=${run}-client`]: { request_percentage: 50 },
    });
    expect(finding(await audit(), 'quota-drift')).toBeUndefined();
  } finally {
    const remove = { entries: [
      { entities: [user], ops: [ClientQuotaKeys.PRODUCER_BYTE_RATE, ClientQuotaKeys.CONSUMER_BYTE_RATE].map((key) => ({ key, remove: true as const })) },
      { entities: [clientId], ops: [{ key: ClientQuotaKeys.REQUEST_PERCENTAGE, remove: true as const }] },
    ] };
    await dc1.alterClientQuotas(remove);
    await dc2.alterClientQuotas(remove);
  }
});

it("a replica's topic config MM2 leaves out (unclean.leader.election.enable): a warning; the sync sets it on the replica, read back, and the finding clears", async () => {
  const topic = uniqueName('configs');
  const replica = `dc1.${topic}`;
  const dc1 = await rig.ctx.adminFor('dc1');
  await ensureTopic(dc1, topic, 1);
  await replicaCreated(rig.ctx, topic, 1);
  await dc1.incrementalAlterConfigs({
    resources: [{ resourceType: ConfigResourceTypes.TOPIC, resourceName: topic, configs: [{ name: 'unclean.leader.election.enable', value: 'true', configOperation: IncrementalAlterConfigOperationTypes.SET }] }],
  });
  const replicaValue = async () => (await topicConfigs(await rig.ctx.adminFor('dc2'), [replica])).get(replica)!.effective['unclean.leader.election.enable'];
  expect(await replicaValue()).toBe('false');

  const found = finding(await audit(), 'topic-config-drift');
  expect(found).toMatchObject({ severity: 'warning', subject: 'dc2' });
  expect(found!.evidence).toContain(`${replica} unclean.leader.election.enable=true (${topic} on dc1; false on dc2)`);

  const result = (await rig.invoke('drift-sync', { flow: FORWARD, kind: 'configs' })) as SyncResult;
  expect(result.writes).toContainEqual(`${replica} unclean.leader.election.enable=true (${topic} on dc1; false on dc2)`);
  expect(await replicaValue()).toBe('true');
  expect(finding(await audit(), 'topic-config-drift')?.evidence ?? '').not.toContain(replica);
});

it('a bad sync request is refused with every problem, and nothing is written', async () => {
  await expect(rig.invoke('drift-sync', { flow: FORWARD, kind: 'acl', dryRun: 'yes' })).rejects.toThrow(
    /invalid sync request, nothing was changed: kind: .*; dryRun: /,
  );
  const run = await cli('sync', 'quotas', '--local', '--flow', 'dc1->dc9');
  expect(run.code).not.toBe(0);
  expect(run.stderr).toMatch(/dc1->dc9/);
});
