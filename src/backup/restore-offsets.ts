// Where each backed-up consumer group resumes on the restored topics. A restore writes the
// records it takes contiguously from each target partition's base, so a group that had
// consumed everything below offset g on the source resumes at base + (restored records
// with an original offset below g): exactly at the first restored record it had not
// consumed, across compaction gaps and records past the point in time.
import type { Admin } from '@platformatic/kafka';
import { committedOffsets, groupPartitionKey } from '#src/kafka/group-offsets';
import { targetMembers, type GroupOffsetPlan } from '#src/failover/consumer-offsets';
import { offsetAction } from '#src/failover/offset-translation';
import { targetTopic, type RestoreRequest } from './restore-request';
import type { RestoreSource } from './restore-source';

/** Every backed-up group's translated offsets on the restored topics, with its members and current commits on the target. */
export async function translateGroupOffsets(
  source: RestoreSource,
  request: Pick<RestoreRequest, 'topics' | 'rename'>,
  base: (topic: string, partition: number) => number,
  admin: Admin,
): Promise<GroupOffsetPlan[]> {
  const restored = new Set(request.topics);
  const groups = source.manifest.consumerGroups
    .map((g) => ({ group: g.group, offsets: g.offsets.filter((o) => restored.has(o.topic)) }))
    .filter((g) => g.offsets.length > 0);
  const names = groups.map((g) => g.group);
  const [members, current] = await Promise.all([targetMembers(admin, names), committedOffsets(admin, names)]);
  return Promise.all(
    groups.map(async (g) => ({
      group: g.group,
      targetMembers: members.get(g.group) ?? 0,
      partitions: await Promise.all(
        g.offsets.map(async (o) => {
          const topic = targetTopic(request, o.topic);
          const { records } = await source.count(o.topic, o.partition, o.offset);
          const targetOffset = BigInt(base(o.topic, o.partition) + records);
          const currentOffset = current.get(groupPartitionKey(g.group, topic, o.partition)) ?? null;
          return { topic, partition: o.partition, upstreamOffset: BigInt(o.offset), targetOffset, method: 'exact' as const, currentOffset, action: offsetAction(currentOffset, targetOffset) };
        }),
      ),
    })),
  );
}
