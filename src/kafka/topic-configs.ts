// Topic configurations in one DescribeConfigs request for many topics.
import { ConfigResourceTypes, ConfigSources, type Admin } from '@platformatic/kafka';

export interface TopicConfigs {
  /** Set on the topic itself (not inherited from the broker or its defaults), not read-only, not secret: what re-creating the topic needs. */
  overrides: Record<string, string>;
  /** Effective cleanup.policy includes compact: compaction removes records below the active segment. */
  compacted: boolean;
}

export async function topicConfigs(admin: Admin, topics: readonly string[]): Promise<Map<string, TopicConfigs>> {
  if (topics.length === 0) return new Map();
  const described = await admin.describeConfigs({ resources: topics.map((name) => ({ resourceType: ConfigResourceTypes.TOPIC, resourceName: name })) });
  return new Map(
    described.map((d) => {
      const overrides: Record<string, string> = {};
      for (const c of d.configs) if (c.configSource === ConfigSources.DYNAMIC_TOPIC_CONFIG && !c.readOnly && !c.isSensitive && typeof c.value === 'string') overrides[c.name] = c.value;
      const policy = d.configs.find((c) => c.name === 'cleanup.policy')?.value ?? '';
      return [d.resourceName, { overrides, compacted: policy.split(',').map((p) => p.trim()).includes('compact') }];
    }),
  );
}
