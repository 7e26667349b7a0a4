// Consumer group offsets of many groups in one batched OffsetFetch per coordinator.
import type { Admin } from '@platformatic/kafka';
import { partitionKey } from './partition-state';

export const groupPartitionKey = (group: string, topic: string, partition: number) => `${group}\u0000${partitionKey(topic, partition)}`;

/** Committed offsets keyed by groupPartitionKey; partitions without a commit are absent. */
export async function committedOffsets(admin: Admin, groups: readonly string[]): Promise<Map<string, bigint>> {
  const out = new Map<string, bigint>();
  if (groups.length === 0) return out;
  for (const g of await admin.listConsumerGroupOffsets({ groups: [...groups] })) {
    for (const t of g.topics) {
      for (const p of t.partitions) if (p.committedOffset >= 0n) out.set(groupPartitionKey(g.groupId, t.name, p.partitionIndex), p.committedOffset);
    }
  }
  return out;
}
