// ACLs: the target must allow (and deny) a flow's clients what the source does, on the same
// resources, and let consumers read the replicas of the topics they read. MM2 copies at most
// topic READ bindings (sync.topic.acls.enabled); groups, WRITE, transactional ids and the
// cluster resource are never carried, and a failover moves exactly those clients.
import { AclOperations, AclPermissionTypes, findErrorBy, ResourcePatternTypes, ResourceTypes, type Acl, type Admin } from '@platformatic/kafka';
import type { Flow } from '#src/flow';
import type { DriftCheck } from './drift';

const label = <T extends Record<string, number>>(values: T, value: number) => Object.keys(values).find((k) => values[k] === value) ?? String(value);

/** A binding as `kafka-acls` prints it, in one line. */
export const bindingText = (a: Acl) =>
  `${label(AclPermissionTypes, a.permissionType)} ${a.principal} ${label(AclOperations, a.operation)} ${label(ResourceTypes, a.resourceType)} ${a.resourceName} (${label(ResourcePatternTypes, a.resourcePatternType)}) from ${a.host}`;

/** Every binding on the cluster; null when it runs no authorizer (it enforces nothing). */
export async function clusterAcls(admin: Admin): Promise<Acl[] | null> {
  try {
    const resources = await admin.describeAcls({
      filter: { resourceType: ResourceTypes.ANY, resourceName: null, resourcePatternType: ResourcePatternTypes.ANY, principal: null, host: null, operation: AclOperations.ANY, permissionType: AclPermissionTypes.ANY },
    });
    return resources.flatMap(({ acls, ...resource }) => acls.map((permission) => ({ ...resource, ...permission })));
  } catch (err) {
    if (findErrorBy(err as Error, 'apiId', 'SECURITY_DISABLED')) return null;
    throw err;
  }
}

/** Operations a consumer of a replica needs, as MM2's own ACL sync narrows them: ALL becomes READ. */
const REPLICA_OPERATIONS = new Map<number, number>([
  [AclOperations.READ, AclOperations.READ],
  [AclOperations.DESCRIBE, AclOperations.DESCRIBE],
  [AclOperations.DESCRIBE_CONFIGS, AclOperations.DESCRIBE_CONFIGS],
  [AclOperations.ALL, AclOperations.READ],
]);

/**
 * What the target must hold for one binding of the source: the binding itself and, for a
 * topic binding that reads a topic the flow copies under another name, the same on the replica.
 * A binding on a topic the flow does not copy is not the flow's to carry.
 */
export function expectedOnTarget(flow: Flow, binding: Acl): Acl[] {
  if (binding.resourceType !== ResourceTypes.TOPIC) return [binding];
  const literal = binding.resourcePatternType === ResourcePatternTypes.LITERAL;
  if (literal && binding.resourceName !== '*' && !flow.replicates(binding.resourceName)) return [];
  const replicaName = literal && binding.resourceName === '*' ? '*' : flow.policy.remoteTopic(flow.source, binding.resourceName);
  const operation = binding.permissionType === AclPermissionTypes.DENY ? binding.operation : REPLICA_OPERATIONS.get(binding.operation);
  if (replicaName === binding.resourceName || operation === undefined) return [binding];
  return [binding, { ...binding, resourceName: replicaName, operation: operation as Acl['operation'] }];
}

export const aclDrift: DriftCheck<Acl> = {
  kind: 'acls',
  async compare(flow, source, target) {
    const [onSource, onTarget] = await Promise.all([clusterAcls(source), clusterAcls(target)]);
    // A source without an authorizer grants nothing to carry; a target without one refuses no one.
    if (!onSource || !onTarget) return [];
    const held = new Set(onTarget.map(bindingText));
    const wanted = new Map(onSource.flatMap((b) => expectedOnTarget(flow, b)).map((b) => [bindingText(b), b]));
    return [...wanted].filter(([text]) => !held.has(text)).sort(([a], [b]) => a.localeCompare(b)).map(([text, write]) => ({ what: `${text}: missing on ${flow.target}`, write }));
  },
  async write(target, writes) {
    // CreateAcls of a binding that exists is a no-op on the broker: the write is idempotent.
    if (writes.length) await target.createAcls({ creations: [...writes] });
  },
};
