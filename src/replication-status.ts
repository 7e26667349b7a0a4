// What an operator asks first: for each MM2 flow, which topics are mirrored, and how old
// are the newest heartbeat and each consumer group's newest checkpoint on the target.
// A cluster that cannot be reached is reported, never thrown: status must work in a disaster.
import type { Consumer } from '@platformatic/kafka';
import type { EstateClients } from '#src/kafka/connection';
import type { Flow } from '#src/flow';
import { readCheckpoints } from '#src/mm2/internal-topics';
import { decodeHeartbeat } from '#src/mm2/records';
import { HEARTBEATS_TOPIC } from '#src/mm2/replication-policy';
import { newestRecords, partitionEnds, readRanges } from '#src/kafka/topic-reader';

export type StatusClients = Pick<EstateClients, 'admin' | 'fetcher'>;

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

async function newestHeartbeat(fetcher: Consumer, topic: string): Promise<number | null> {
  const ends = await partitionEnds(fetcher, topic);
  let newest: number | null = null;
  await readRanges(fetcher, topic, newestRecords(ends, 1n), (_, r) => {
    const { timestamp } = decodeHeartbeat(r.key, r.value);
    newest = Math.max(newest ?? 0, timestamp);
  });
  return newest;
}

/** Per consumer group: how many partitions MM2 checkpoints and when it last did. */
export async function checkpointsByGroup(fetcher: Consumer, topic: string, now: number): Promise<GroupCheckpoints[]> {
  const groups = new Map<string, GroupCheckpoints>();
  for (const { group, recordTimestamp } of (await readCheckpoints(fetcher, topic)).values()) {
    const g = groups.get(group) ?? { group, partitions: 0, newestAt: 0, ageMs: 0 };
    g.partitions += 1;
    g.newestAt = Math.max(g.newestAt, recordTimestamp);
    g.ageMs = now - g.newestAt;
    groups.set(group, g);
  }
  return [...groups.values()].sort((a, b) => a.group.localeCompare(b.group));
}

async function reachableTopics(clients: StatusClients, cluster: string, status: FlowStatus): Promise<{ fetcher: Consumer; topics: string[] } | undefined> {
  try {
    const topics = await (await clients.admin(cluster)).listTopics({ includeInternals: true });
    status.reachable[cluster] = true;
    return { fetcher: await clients.fetcher(cluster), topics };
  } catch (err) {
    status.reachable[cluster] = false;
    status.errors.push(`cluster ${cluster} unreachable: ${(err as Error).message}`);
    return undefined;
  }
}

export async function flowStatus(flow: Flow, clients: StatusClients, now: () => number = Date.now): Promise<FlowStatus> {
  const { policy } = flow;
  const status: FlowStatus = {
    flow: flow.name,
    reachable: { [flow.source]: false, [flow.target]: false },
    errors: [],
    topics: [],
    heartbeat: { topic: policy.remoteTopic(flow.source, HEARTBEATS_TOPIC), newestAt: null, ageMs: null },
    checkpoints: { topic: policy.checkpointsTopic(flow.source), groups: [] },
  };
  const [source, target] = await Promise.all([reachableTopics(clients, flow.source, status), reachableTopics(clients, flow.target, status)]);
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
        newestHeartbeat(target.fetcher, status.heartbeat.topic).then((at) => {
          status.heartbeat.newestAt = at;
          status.heartbeat.ageMs = at === null ? null : now() - at;
        }),
      );
    } else {
      status.errors.push(`no heartbeats on ${flow.target}: topic ${status.heartbeat.topic} is missing (is MM2's heartbeat connector running?)`);
    }
    if (targetTopics.has(status.checkpoints.topic)) {
      tasks.push(checkpointsByGroup(target.fetcher, status.checkpoints.topic, now()).then((groups) => void (status.checkpoints.groups = groups)));
    } else {
      status.errors.push(`no checkpoints on ${flow.target}: topic ${status.checkpoints.topic} is missing (is MM2's checkpoint connector running?)`);
    }
    const results = await Promise.allSettled(tasks);
    for (const r of results) if (r.status === 'rejected') status.errors.push((r.reason as Error).message);
  }
  return status;
}
