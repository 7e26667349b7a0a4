// Topic configs: a replica must keep records as its source does (retention, compaction,
// message size, timestamps). MM2's config sync leaves out what its config.properties.exclude
// names (min.insync.replicas and message.timestamp.type among its defaults) and everything
// when sync.topic.configs.enabled is false; a replica created before a change keeps the old value.
import { ConfigResourceTypes, IncrementalAlterConfigOperationTypes } from '@platformatic/kafka';
import { topicConfigs } from '#src/kafka/topic-configs';
import { sourceTopics } from '#src/probes/lag-probe';
import type { DriftCheck } from './drift';

/** Which brokers' replication a reassignment throttles: broker ids of the source, meaningless on the target. */
const CLUSTER_SPECIFIC = new Set(['leader.replication.throttled.replicas', 'follower.replication.throttled.replicas']);

export interface ReplicaConfig {
  replica: string;
  name: string;
  value: string;
}

export const configDrift: DriftCheck<ReplicaConfig> = {
  kind: 'configs',
  async compare(flow, source, target) {
    const topics = await sourceTopics(source, flow);
    const targetTopics = new Set(await target.listTopics({ includeInternals: false }));
    const pairs = topics.map((topic) => ({ topic, replica: flow.policy.remoteTopic(flow.source, topic) })).filter((p) => targetTopics.has(p.replica));
    const [onSource, onTarget] = await Promise.all([topicConfigs(source, pairs.map((p) => p.topic)), topicConfigs(target, pairs.map((p) => p.replica))]);
    return pairs
      .sort((a, b) => a.topic.localeCompare(b.topic))
      .flatMap(({ topic, replica }) => {
        const held = onTarget.get(replica)?.effective ?? {};
        return Object.entries(onSource.get(topic)?.overrides ?? {})
          .filter(([name, value]) => !CLUSTER_SPECIFIC.has(name) && held[name] !== value)
          .sort(([a], [b]) => a.localeCompare(b))
          .map(([name, value]) => ({ what: `${replica} ${name}=${value} (${topic} on ${flow.source}; ${held[name] ?? 'unset'} on ${flow.target})`, write: { replica, name, value } }));
      });
  },
  async write(target, writes) {
    const byReplica = new Map<string, ReplicaConfig[]>();
    for (const w of writes) byReplica.set(w.replica, [...(byReplica.get(w.replica) ?? []), w]);
    if (byReplica.size === 0) return;
    // Incremental SET touches only the named configs: the replica's other settings stay as they are.
    await target.incrementalAlterConfigs({
      resources: [...byReplica].map(([replica, configs]) => ({
        resourceType: ConfigResourceTypes.TOPIC,
        resourceName: replica,
        configs: configs.map((c) => ({ name: c.name, value: c.value, configOperation: IncrementalAlterConfigOperationTypes.SET })),
      })),
    });
  },
};
