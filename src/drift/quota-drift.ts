// Client quotas: a client moved to the target must be throttled as it was on the source. A
// quota missing on the target lets a client that was held back flood the surviving cluster
// in the middle of an incident; a lower one slows it down. MM2 copies no quota.
import type { Admin, AlterClientQuotasOptions, DescribeClientQuotasOptions } from '@platformatic/kafka';
import type { DriftCheck } from './drift';

type AlterClientQuotasRequestEntry = AlterClientQuotasOptions['entries'][number];
type QuotaEntity = { entityType: DescribeClientQuotasOptions['components'][number]['entityType']; entityName?: string | null };

/** The quotas of one entity (a user, a client id, an IP, or a user and client id). */
export interface EntityQuotas {
  entity: QuotaEntity[];
  /** By quota key (`producer_byte_rate`, `consumer_byte_rate`, `request_percentage`, ...). */
  values: Record<string, number>;
}

/** `user=app,client-id=<default>`: a null name is the entity type's default quota. */
export const entityText = (entity: readonly QuotaEntity[]) =>
  [...entity].sort((a, b) => a.entityType.localeCompare(b.entityType)).map((e) => `${e.entityType}=${e.entityName ?? '<default>'}`).join(',');

/** Every quota set on the cluster, by entity. */
export async function clusterQuotas(admin: Admin): Promise<Map<string, EntityQuotas>> {
  const entries = await admin.describeClientQuotas({ components: [] });
  return new Map(entries.map((e) => [entityText(e.entity), { entity: e.entity, values: Object.fromEntries(e.values.map((v) => [v.key, v.value])) }]));
}

export const quotaDrift: DriftCheck<AlterClientQuotasRequestEntry> = {
  kind: 'quotas',
  async compare(flow, source, target) {
    const [onSource, onTarget] = await Promise.all([clusterQuotas(source), clusterQuotas(target)]);
    return [...onSource]
      .sort(([a], [b]) => a.localeCompare(b))
      .flatMap(([entity, quotas]) => {
        const held = onTarget.get(entity)?.values ?? {};
        const differing = Object.entries(quotas.values).filter(([key, value]) => held[key] !== value);
        if (differing.length === 0) return [];
        const what = `${entity} ${differing.map(([key, value]) => `${key}=${value} (${flow.target}: ${held[key] ?? 'none'})`).join(', ')}`;
        const write: AlterClientQuotasRequestEntry = {
          entities: quotas.entity.map((e) => ({ entityType: e.entityType, entityName: e.entityName })),
          ops: differing.map(([key, value]) => ({ key: key as AlterClientQuotasRequestEntry['ops'][number]['key'], value, remove: false as const })),
        };
        return [{ what, write }];
      });
  },
  async write(target, writes) {
    if (writes.length === 0) return;
    const results = await target.alterClientQuotas({ entries: [...writes] });
    const refused = results.filter((r) => r.errorCode !== 0);
    if (refused.length) throw new Error(`the target refused ${refused.length} quota write(s): ${refused.map((r) => `${entityText(r.entity)}: ${r.errorMessage ?? `error ${r.errorCode}`}`).join('; ')}`);
  },
};
