// Last state of the restore workflow: reads the restored counts back, restores consumer
// group offsets if asked, and reports.
import { finishRestore } from '#src/backup/restore-finish';
import { RestoreSource } from '#src/backup/restore-source';
import { withKafka } from '../runtime/kafka-clients';
import { logger, restoreStep } from '../runtime/vault-step';

export const handler = restoreStep(withKafka, async (event: { restoreId: string }, kit) => {
  const item = await kit.state.require(event.restoreId);
  const { request } = item;
  const source = await RestoreSource.open(kit.bucket, request.backupId, request.pointInTime);
  const report = await finishRestore(item, { source, state: kit.state, admin: await kit.admin(request.targetCluster) });
  logger.info('restore finished', { restoreId: event.restoreId, records: report.records, durationSeconds: report.durationSeconds });
  return report;
});
