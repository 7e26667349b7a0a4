// Consumer group offsets of many groups in one batched OffsetFetch per coordinator.
import type { Admin } from '@platformatic/kafka';
import { partitionKey } from './partition-state';

export const groupPartitionKey = (group: string, topic: string, partition: number) => `${group}\u0000${partitionKey(topic, partition)}`;

export interface CommittedOffset {
  group: string;
  topic: string;
  partition: number;
  offset: bigint;
}

/** Every committed offset of the groups; partitions without a commit are absent. */
export async function committedOffsetList(admin: Admin, groups: readonly string[]): Promise<CommittedOffset[]> {
  if (groups.length === 0) return [];
  return (await admin.listConsumerGroupOffsets({ groups: [...groups] })).flatMap((g) =>
    g.topics.flatMap((t) => t.partitions.filter((p) => p.committedOffset >= 0n).map((p) => ({ group: g.groupId, topic: t.name, partition: p.partitionIndex, offset: p.committedOffset }))),
  );
}

/** Committed offsets keyed by groupPartitionKey. */
export async function committedOffsets(admin: Admin, groups: readonly string[]): Promise<Map<string, bigint>> {
  return new Map((await committedOffsetList(admin, groups)).map((c) => [groupPartitionKey(c.group, c.topic, c.partition), c.offset]));
}

/**
 * Groups MM2 leaves out by default (its groups.exclude: console consumers, Connect's own,
 * internal) and kafka-dr's own readers: never moved by a failover.
 */
const NOT_APPLICATION_GROUPS = /^(console-consumer-|connect-|__|kafka-dr-)/;

/** The cluster's consumer groups that belong to applications. */
export async function applicationGroups(admin: Admin): Promise<string[]> {
  const groups = await admin.listGroups();
  return [...groups.values()].filter((g) => g.protocolType === 'consumer' && !NOT_APPLICATION_GROUPS.test(g.id)).map((g) => g.id);
}
