// Topic configurations in one DescribeConfigs request for many topics.
import { ConfigResourceTypes, ConfigSources, type Admin } from '@platformatic/kafka';

export interface TopicConfigs {
  /** Set on the topic itself (not inherited from the broker or its defaults), not read-only, not secret: what re-creating the topic needs. */
  overrides: Record<string, string>;
  /** Every readable value in effect, wherever it is set (the topic, the broker or the defaults). */
  effective: Record<string, string>;
  /** Effective cleanup.policy includes compact: compaction removes records below the active segment. */
  compacted: boolean;
}

export async function topicConfigs(admin: Admin, topics: readonly string[]): Promise<Map<string, TopicConfigs>> {
  if (topics.length === 0) return new Map();
  const described = await admin.describeConfigs({ resources: topics.map((name) => ({ resourceType: ConfigResourceTypes.TOPIC, resourceName: name })) });
  return new Map(
    described.map((d) => {
      const overrides: Record<string, string> = {};
      const effective: Record<string, string> = {};
      for (const c of d.configs) {
        if (c.isSensitive || typeof c.value !== 'string') continue;
        effective[c.name] = c.value;
        if (c.configSource === ConfigSources.DYNAMIC_TOPIC_CONFIG && !c.readOnly) overrides[c.name] = c.value;
      }
      const policy = effective['cleanup.policy'] ?? '';
      return [d.resourceName, { overrides, effective, compacted: policy.split(',').map((p) => p.trim()).includes('compact') }];
    }),
  );
}
