// What an operator asks first: for each MM2 flow, which topics are mirrored, and how old
// are the newest heartbeat and each consumer group's newest checkpoint on the target.
// A cluster that cannot be reached is reported, never thrown: status must work in a disaster.
import type { Kafka } from 'kafkajs';
import type { EstateConfig } from '#src/config/schema';
import { flowsOf, type Flow } from '#src/flow';
import { readCheckpoints } from '#src/mm2/internal-topics';
import { decodeHeartbeat } from '#src/mm2/records';
import { HEARTBEATS_TOPIC } from '#src/mm2/replication-policy';
import { newestRecords, partitionEnds, readRanges } from '#src/kafka/topic-reader';

export type KafkaFor = (cluster: string) => Promise<Kafka>;

export interface MirroredTopic {
  topic: string;
  remoteTopic: string;
  mirrored: boolean;
}

export interface GroupCheckpoints {
  group: string;
  partitions: number;
  /** When MM2 last emitted a checkpoint for this group (epoch ms). */
  newestAt: number;
  ageMs: number;
}

export interface FlowStatus {
  flow: string;
  reachable: Record<string, boolean>;
  errors: string[];
  topics: MirroredTopic[];
  heartbeat: { topic: string; newestAt: number | null; ageMs: number | null };
  checkpoints: { topic: string; groups: GroupCheckpoints[] };
}

async function listTopics(kafka: Kafka): Promise<string[]> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    return await admin.listTopics();
  } finally {
    await admin.disconnect();
  }
}

async function newestHeartbeat(kafka: Kafka, topic: string): Promise<number | null> {
  const admin = kafka.admin();
  await admin.connect();
  const ends = await partitionEnds(admin, topic).finally(() => admin.disconnect());
  let newest: number | null = null;
  await readRanges(kafka, topic, newestRecords(ends, 1n), (_, m) => {
    const { timestamp } = decodeHeartbeat(m.key, m.value);
    newest = Math.max(newest ?? 0, timestamp);
  });
  return newest;
}

/** Per consumer group: how many partitions MM2 checkpoints and when it last did. */
export async function checkpointsByGroup(kafka: Kafka, topic: string, now: number): Promise<GroupCheckpoints[]> {
  const groups = new Map<string, GroupCheckpoints>();
  for (const { group, recordTimestamp } of (await readCheckpoints(kafka, topic)).values()) {
    const g = groups.get(group) ?? { group, partitions: 0, newestAt: 0, ageMs: 0 };
    g.partitions += 1;
    g.newestAt = Math.max(g.newestAt, recordTimestamp);
    g.ageMs = now - g.newestAt;
    groups.set(group, g);
  }
  return [...groups.values()].sort((a, b) => a.group.localeCompare(b.group));
}

async function reachableTopics(kafkaFor: KafkaFor, cluster: string, status: FlowStatus): Promise<{ kafka: Kafka; topics: string[] } | undefined> {
  try {
    const kafka = await kafkaFor(cluster);
    const topics = await listTopics(kafka);
    status.reachable[cluster] = true;
    return { kafka, topics };
  } catch (err) {
    status.reachable[cluster] = false;
    status.errors.push(`cluster ${cluster} unreachable: ${(err as Error).message}`);
    return undefined;
  }
}

export async function flowStatus(flow: Flow, kafkaFor: KafkaFor, now: () => number = Date.now): Promise<FlowStatus> {
  const { policy } = flow;
  const status: FlowStatus = {
    flow: flow.name,
    reachable: { [flow.source]: false, [flow.target]: false },
    errors: [],
    topics: [],
    heartbeat: { topic: policy.remoteTopic(flow.source, HEARTBEATS_TOPIC), newestAt: null, ageMs: null },
    checkpoints: { topic: policy.checkpointsTopic(flow.source), groups: [] },
  };
  const [source, target] = await Promise.all([reachableTopics(kafkaFor, flow.source, status), reachableTopics(kafkaFor, flow.target, status)]);
  if (source) {
    status.topics = source.topics
      .filter((t) => flow.replicates(t) && !policy.isInternalTopic(t))
      .sort()
      .map((topic) => {
        const remoteTopic = policy.remoteTopic(flow.source, topic);
        return { topic, remoteTopic, mirrored: target?.topics.includes(remoteTopic) ?? false };
      });
  }
  if (target) {
    const targetTopics = new Set(target.topics);
    const tasks: Promise<void>[] = [];
    if (targetTopics.has(status.heartbeat.topic)) {
      tasks.push(
        newestHeartbeat(target.kafka, status.heartbeat.topic).then((at) => {
          status.heartbeat.newestAt = at;
          status.heartbeat.ageMs = at === null ? null : now() - at;
        }),
      );
    } else {
      status.errors.push(`no heartbeats on ${flow.target}: topic ${status.heartbeat.topic} is missing (is MM2's heartbeat connector running?)`);
    }
    if (targetTopics.has(status.checkpoints.topic)) {
      tasks.push(checkpointsByGroup(target.kafka, status.checkpoints.topic, now()).then((groups) => void (status.checkpoints.groups = groups)));
    } else {
      status.errors.push(`no checkpoints on ${flow.target}: topic ${status.checkpoints.topic} is missing (is MM2's checkpoint connector running?)`);
    }
    const results = await Promise.allSettled(tasks);
    for (const r of results) if (r.status === 'rejected') status.errors.push((r.reason as Error).message);
  }
  return status;
}

export function estateStatus(config: EstateConfig, kafkaFor: KafkaFor): Promise<FlowStatus[]> {
  return Promise.all(flowsOf(config).map((flow) => flowStatus(flow, kafkaFor)));
}
