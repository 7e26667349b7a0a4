// Produces one batch of backed-up partitions into the target until done or until the
// Lambda deadline nears; the state machine runs it again until it reports done.
import { deadlineMargin } from '#src/backup/backup-copy';
import { copyPartitions } from '#src/backup/restore-copy';
import type { PartitionRef } from '#src/backup/restore-plan';
import { RestoreSource } from '#src/backup/restore-source';
import { withKafka } from '../runtime/kafka-clients';
import { logger, restoreStep } from '../runtime/vault-step';

interface CopyEvent {
  restoreId: string;
  partitions: PartitionRef[];
}

export const handler = restoreStep(withKafka, async (event: CopyEvent, kit) => {
  const remaining = kit.context.getRemainingTimeInMillis();
  const stopAt = Date.now() + remaining - deadlineMargin(remaining);
  const item = await kit.state.require(event.restoreId);
  const { request } = item;
  const source = await RestoreSource.open(kit.bucket, request.backupId, request.pointInTime);
  const result = await copyPartitions(event.partitions, {
    source,
    item,
    admin: await kit.admin(request.targetCluster),
    producer: await kit.producer(request.targetCluster),
    outOfTime: () => Date.now() >= stopAt,
  });
  logger.info('restore copy', { restoreId: event.restoreId, done: result.done, records: result.records, bytes: result.bytes, segments: result.segments });
  return result;
});
