// After each backup: deletes what expired, through the manifests (never a lifecycle rule).
import { pruneExpiredBackups } from '#src/backup/prune';
import { backupStep, logger } from '../runtime/vault-step';
import { withoutKafka } from '../runtime/workflow-step';

/** A Step Functions payload holds 256 KB: long lists are cut, their counts are whole. */
const LISTED = 20;

export const handler = backupStep(withoutKafka, async (_event: unknown, kit) => {
  const result = await pruneExpiredBackups(kit.bucket, kit.backup.retentionDays);
  logger.info('pruned', { ...result });
  return { ...result, stillLockedCount: result.stillLocked.length, stillLocked: result.stillLocked.slice(0, LISTED) };
});
