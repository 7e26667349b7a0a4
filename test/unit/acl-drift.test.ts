// What the target must hold for each ACL binding of a flow's source, under each replication
// policy, and the sync request's checks. The comparison and the writes run against the lab
// (test/lab/drift.test.ts).
import { AclOperations, AclPermissionTypes, ResourcePatternTypes, ResourceTypes, type Acl } from '@platformatic/kafka';
import { bindingText, expectedOnTarget } from '#src/drift/acl-drift';
import { parseSyncRequest } from '#src/drift/sync-target';
import { loadEstateConfigFile } from '#src/config/load';
import { flowOf } from '#src/flow';

const estate = loadEstateConfigFile('config/estate.example.yaml');
const prefixed = flowOf(estate.flows[0]!);
const identity = flowOf({ ...estate.flows[0]!, replicationPolicy: { type: 'identity', separator: '.' } });

const binding = (resourceType: Acl['resourceType'], resourceName: string, operation: Acl['operation'], more: Partial<Acl> = {}): Acl => ({
  resourceType,
  resourceName,
  resourcePatternType: ResourcePatternTypes.LITERAL,
  principal: 'User:app',
  host: '*',
  operation,
  permissionType: AclPermissionTypes.ALLOW,
  ...more,
});
const expected = (flow: typeof prefixed, b: Acl) => expectedOnTarget(flow, b).map(bindingText);

describe('ACL bindings the target must hold', () => {
  const topic = 'orders';
  it('a topic read: on the topic (clients moved there) and on its replica dc1.orders', () => {
    expect(prefixed.replicates(topic)).toBe(true);
    expect(expected(prefixed, binding(ResourceTypes.TOPIC, topic, AclOperations.READ))).toEqual([
      'ALLOW User:app READ TOPIC orders (LITERAL) from *',
      'ALLOW User:app READ TOPIC dc1.orders (LITERAL) from *',
    ]);
  });

  it('a topic write: on the topic only, a replica is written by MM2 alone; ALL becomes READ on the replica, as MM2 narrows it', () => {
    expect(expected(prefixed, binding(ResourceTypes.TOPIC, topic, AclOperations.WRITE))).toEqual(['ALLOW User:app WRITE TOPIC orders (LITERAL) from *']);
    expect(expected(prefixed, binding(ResourceTypes.TOPIC, topic, AclOperations.ALL))).toEqual(['ALLOW User:app ALL TOPIC orders (LITERAL) from *', 'ALLOW User:app READ TOPIC dc1.orders (LITERAL) from *']);
  });

  it('a DENY keeps its operation on the replica: what the source refuses, the target refuses', () => {
    expect(expected(prefixed, binding(ResourceTypes.TOPIC, topic, AclOperations.WRITE, { permissionType: AclPermissionTypes.DENY }))).toEqual([
      'DENY User:app WRITE TOPIC orders (LITERAL) from *',
      'DENY User:app WRITE TOPIC dc1.orders (LITERAL) from *',
    ]);
  });

  it('a prefixed pattern maps to the prefixed replica names; the wildcard topic covers the replicas as it is', () => {
    expect(expected(prefixed, binding(ResourceTypes.TOPIC, 'ord', AclOperations.READ, { resourcePatternType: ResourcePatternTypes.PREFIXED }))).toEqual([
      'ALLOW User:app READ TOPIC ord (PREFIXED) from *',
      'ALLOW User:app READ TOPIC dc1.ord (PREFIXED) from *',
    ]);
    expect(expected(prefixed, binding(ResourceTypes.TOPIC, '*', AclOperations.READ))).toEqual(['ALLOW User:app READ TOPIC * (LITERAL) from *']);
  });

  it('under the identity policy a replica is named as its source: one binding', () => {
    expect(expected(identity, binding(ResourceTypes.TOPIC, topic, AclOperations.READ))).toEqual(['ALLOW User:app READ TOPIC orders (LITERAL) from *']);
  });

  it("a topic the flow does not copy is not the flow's to carry; groups, transactional ids and the cluster always are", () => {
    const notCopied = '__consumer_offsets';
    expect(prefixed.replicates(notCopied)).toBe(false);
    expect(expected(prefixed, binding(ResourceTypes.TOPIC, notCopied, AclOperations.READ))).toEqual([]);
    expect(expected(prefixed, binding(ResourceTypes.GROUP, 'app', AclOperations.READ))).toEqual(['ALLOW User:app READ GROUP app (LITERAL) from *']);
    expect(expected(prefixed, binding(ResourceTypes.TRANSACTIONAL_ID, 'app-tx', AclOperations.WRITE))).toEqual(['ALLOW User:app WRITE TRANSACTIONAL_ID app-tx (LITERAL) from *']);
    expect(expected(prefixed, binding(ResourceTypes.CLUSTER, 'kafka-cluster', AclOperations.IDEMPOTENT_WRITE))).toEqual(['ALLOW User:app IDEMPOTENT_WRITE CLUSTER kafka-cluster (LITERAL) from *']);
  });
});

describe('a sync request', () => {
  it('flow, kind and dryRun (false unless asked)', () => {
    expect(parseSyncRequest({ flow: 'dc1->dc2', kind: 'quotas' })).toEqual({ flow: 'dc1->dc2', kind: 'quotas', dryRun: false });
  });

  it('every problem at once, nothing else accepted', () => {
    expect(() => parseSyncRequest({ kind: 'acl', dryRun: 'yes', extra: 1 })).toThrow(/^invalid sync request, nothing was changed: flow: .*; kind: .*; dryRun: .*; request: .*extra/);
  });
});
