// MM2's topic naming, as DefaultReplicationPolicy and IdentityReplicationPolicy implement
// it (internal topics use the separator; heartbeats are always prefixed, even under the
// identity policy, so that cycles stay detectable).
import type { FlowConfig } from '#src/config/schema';

export const HEARTBEATS_TOPIC = 'heartbeats';

export class ReplicationPolicy {
  constructor(
    readonly type: 'default' | 'identity',
    readonly separator: string,
  ) {}

  static of(flow: Pick<FlowConfig, 'replicationPolicy'>): ReplicationPolicy {
    return new ReplicationPolicy(flow.replicationPolicy.type, flow.replicationPolicy.separator);
  }

  /** The name `topic` of cluster `sourceAlias` has on the target. */
  remoteTopic(sourceAlias: string, topic: string): string {
    if (this.type === 'identity' && !topic.endsWith(HEARTBEATS_TOPIC)) return topic;
    return `${sourceAlias}${this.separator}${topic}`;
  }

  /** The source cluster's name of a topic MM2 replicated from `sourceAlias` (the inverse of remoteTopic). */
  sourceTopic(sourceAlias: string, remoteTopic: string): string {
    const prefix = `${sourceAlias}${this.separator}`;
    if (this.type === 'default' || remoteTopic.endsWith(HEARTBEATS_TOPIC)) {
      if (!remoteTopic.startsWith(prefix)) throw new Error(`topic ${remoteTopic} was not replicated from ${sourceAlias}: its name does not start with "${prefix}"`);
      return remoteTopic.slice(prefix.length);
    }
    return remoteTopic;
  }

  /** Where MM2's checkpoint connector writes, on the target cluster. */
  checkpointsTopic(sourceAlias: string): string {
    return `${sourceAlias}${this.separator}checkpoints${this.separator}internal`;
  }

  /** Where MM2's source connector records offset syncs, on the source cluster by default. */
  offsetSyncsTopic(targetAlias: string): string {
    return `mm2-offset-syncs${this.separator}${targetAlias}${this.separator}internal`;
  }

  /** MM2's own topics, never replicated as user data. */
  isInternalTopic(topic: string): boolean {
    return topic.endsWith(`${this.separator}internal`) || topic.endsWith('.internal') || topic.startsWith('__') || topic.endsWith(HEARTBEATS_TOPIC);
  }
}

/**
 * MM2's cycle detection (MirrorSourceConnector.isCycle): a topic whose name says it came,
 * directly or through other hops, from the flow's target is never sent back there. Only
 * prefixed names carry their origin, so under the identity policy nothing is detected.
 */
function isCycle(flow: Pick<FlowConfig, 'target' | 'replicationPolicy'>, topic: string): boolean {
  if (flow.replicationPolicy.type !== 'default') return false;
  const separator = flow.replicationPolicy.separator;
  for (let rest = topic, at = rest.indexOf(separator); at > 0; rest = rest.slice(at + separator.length), at = rest.indexOf(separator)) {
    if (rest.slice(0, at) === flow.target) return true;
  }
  return false;
}

/** Topic filter of a flow as MM2 applies it: include/exclude regexes, each anchored like Java's matches(), and cycle detection. */
export function topicFilter(flow: Pick<FlowConfig, 'topics' | 'target' | 'replicationPolicy'>): (topic: string) => boolean {
  const compile = (patterns: string[]) => patterns.map((p) => new RegExp(`^(?:${p})$`));
  const include = compile(flow.topics.include);
  const exclude = compile(flow.topics.exclude);
  return (topic) => include.some((r) => r.test(topic)) && !exclude.some((r) => r.test(topic)) && !isCycle(flow, topic);
}
