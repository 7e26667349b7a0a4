// The checklist item the flow's size decides: how many partitions each MM2 source task
// carries. MM2 stops and starts every task of its source connector when the flow's topics
// change (a topic created or deleted on the source), and a starting MirrorSourceTask reads
// each partition's committed offset one at a time (Kafka 3.9): replication of all its
// partitions pauses for that long, and the RPO grows by as much.
import type { Flow } from '#src/flow';
import type { Finding } from './finding';
import type { ConnectorConfig } from './mm2-settings';
import type { ClusterTopics } from './replica-topics';

/**
 * Partitions a source task may carry. On the lab (bench notes in the README), one task of
 * 50,002 partitions took 135 s to replicate again after its restart; five tasks of 10,000, 28 s.
 */
export const SOURCE_TASK_PARTITIONS_MAX = 10_000;

/** `sourceTopics`: the source's topics; the ones the flow replicates are counted. */
export function mm2TaskLoadFindings(flow: Flow, source: ConnectorConfig, sourceTopics: ClusterTopics): Finding[] {
  let partitions = 0;
  for (const [topic, layout] of sourceTopics) if (flow.replicates(topic)) partitions += layout.partitions;
  const tasks = Number(source['tasks.max'] ?? 1);
  const perTask = Math.ceil(partitions / tasks);
  if (perTask <= SOURCE_TASK_PARTITIONS_MAX) return [];
  const { source: connector } = flow.mm2.connectors;
  return [
    {
      id: 'mm2-source-task-partitions',
      severity: 'warning',
      flow: flow.name,
      subject: connector,
      evidence: `${partitions} source partitions on tasks.max=${tasks}${source['tasks.max'] ? '' : ' (the default)'}: about ${perTask} a task. MM2 restarts every task of the connector when the flow's topics change, and a starting task reads its partitions' offsets one at a time`,
      fix: `raise tasks.max on connector ${connector} to ${Math.ceil(partitions / SOURCE_TASK_PARTITIONS_MAX)} or more (with Connect workers to run them), so that no task carries more than ${SOURCE_TASK_PARTITIONS_MAX} partitions: nothing replicates while a task starts (one of 50,000 partitions took over 2 minutes in kafka-dr's lab), and the RPO grows by as much`,
    },
  ];
}
