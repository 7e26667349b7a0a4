// Produces one batch of backed-up partitions into the target until done or until the
// Lambda deadline nears; the state machine runs it again until it reports done.
import { copyPartitions } from '../shared/backup/restore-copy';
import type { PartitionRef } from '../shared/backup/restore-plan';
import { RestoreSource } from '../shared/backup/restore-source';
import { logger, restoreStep } from '../shared/backup/restore-step';

/** Time kept in hand when the invocation stops: enough to finish the send in flight and return. */
const DEADLINE_MARGIN_MS = 60_000;

interface CopyEvent {
  restoreId: string;
  partitions: PartitionRef[];
}

export const handler = restoreStep<CopyEvent>(async (event, kit) => {
  const item = await kit.state().require(event.restoreId);
  const { request } = item;
  const source = await RestoreSource.open(kit.bucket(), request.backupId, request.pointInTime);
  const producer = (await kit.kafka(request.targetCluster)).producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  try {
    const result = await copyPartitions(event.partitions, {
      source,
      item,
      admin: await kit.admin(request.targetCluster),
      producer,
      outOfTime: () => kit.context.getRemainingTimeInMillis() < DEADLINE_MARGIN_MS,
    });
    logger.info('restore copy', { restoreId: event.restoreId, done: result.done, records: result.records, bytes: result.bytes, segments: result.segments });
    return result;
  } finally {
    await producer.disconnect();
  }
});
