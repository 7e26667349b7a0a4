// The checklist items the topics decide: the flow's topic filter against what exists on both
// clusters (MM2 copies records, not intent), and how durably the target keeps the copies.
import { CANARY_TOPIC, LINK_PROBE_TOPIC } from '#src/config/schema';
import type { Flow } from '#src/flow';
import type { TopicLayout } from '#src/kafka/partition-state';
import { listed, type Finding } from './finding';

/** A cluster's topics (internal ones left out) as the audit sees them. */
export type ClusterTopics = Map<string, TopicLayout>;

/** Below this, losing one broker of the target during an incident leaves a replica without a spare copy. */
const MIN_TARGET_REPLICATION_FACTOR = 3;

/**
 * `replicatedByAnyFlow`: whether some flow of the estate from this source copies a topic.
 * `source` is null when the source could not be read: only the target is judged then.
 */
export function replicaTopicFindings(flow: Flow, source: ClusterTopics | null, target: ClusterTopics, replicatedByAnyFlow: (topic: string) => boolean): Finding[] {
  const findings: Finding[] = [];
  const add = (f: Omit<Finding, 'flow'>) => findings.push({ flow: flow.name, ...f });
  const { policy } = flow;
  /** The flow's replicas on the target, each with its source topic (its view there when it exists). */
  const replicas: { replica: string; view: TopicLayout; upstream: string; upstreamView: TopicLayout | undefined }[] = [];
  for (const [topic, view] of target) {
    if (policy.isInternalTopic(topic)) continue;
    let upstream: string;
    try {
      upstream = policy.sourceTopic(flow.source, topic);
    } catch {
      continue; // not named as a copy from this source
    }
    const upstreamView = source?.get(upstream);
    // Under the identity policy a replica is named as its source: only one whose source exists can be told from a local topic.
    if (flow.replicates(upstream) && (policy.type === 'default' || upstreamView)) replicas.push({ replica: topic, view, upstream, upstreamView });
  }
  replicas.sort((a, b) => a.replica.localeCompare(b.replica));

  const thin = replicas.filter((r) => r.view.replicationFactor < MIN_TARGET_REPLICATION_FACTOR);
  if (thin.length) {
    const factors = [...new Set(thin.map((r) => r.view.replicationFactor))].sort().join(', ');
    add({
      id: 'target-replication-factor',
      severity: 'warning',
      subject: flow.target,
      evidence: `${thin.length} replica topic(s) on ${flow.target} with replication factor ${factors}: ${listed(thin.map((r) => r.replica))}`,
      fix: `set replication.factor=${MIN_TARGET_REPLICATION_FACTOR} on connector ${flow.mm2.connectors.source} for new replicas, and raise existing ones with kafka-reassign-partitions on ${flow.target}`,
    });
  }
  if (source === null) return findings;

  const drifted = replicas.filter((r) => r.upstreamView && r.view.partitions < r.upstreamView.partitions);
  if (drifted.length) {
    add({
      id: 'replica-partition-drift',
      severity: 'critical',
      subject: flow.target,
      evidence: `${drifted.length} replica(s) with fewer partitions than their source: ${listed(drifted.map((r) => `${r.replica} ${r.view.partitions} < ${r.upstream} ${r.upstreamView?.partitions}`))}`,
      fix: `MM2 adds partitions on its topic refresh (refresh.topics.interval.seconds); if it does not, check connector ${flow.mm2.connectors.source}'s log, or add them on ${flow.target} with kafka-topics --alter: records of the missing partitions are not replicated`,
    });
  }

  const orphaned = replicas.filter((r) => !r.upstreamView).map((r) => r.replica);
  if (orphaned.length) {
    add({
      id: 'replica-orphaned',
      severity: 'info',
      subject: flow.target,
      evidence: `${orphaned.length} replica(s) on ${flow.target} whose source topic is gone from ${flow.source}: ${listed(orphaned)}`,
      fix: 'delete them once no consumer reads them (MM2 never deletes a replica)',
    });
  }

  const kafkaDrOwn = [CANARY_TOPIC, LINK_PROBE_TOPIC];
  const unreplicated = [...source.keys()].filter((t) => !policy.isInternalTopic(t) && !kafkaDrOwn.includes(t) && !replicatedByAnyFlow(t)).sort();
  if (unreplicated.length) {
    add({
      id: 'source-topic-unreplicated',
      severity: 'info',
      subject: flow.source,
      evidence: `${unreplicated.length} topic(s) on ${flow.source} that no flow replicates: ${listed(unreplicated)}`,
      fix: `if they matter after a failover, add them to a flow's topics.include (and to connector ${flow.mm2.connectors.source}'s topics); otherwise exclude them explicitly to say so`,
    });
  }
  return findings;
}
