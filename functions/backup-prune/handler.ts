// After each backup: deletes what expired, through the manifests (never a lifecycle rule).
import { backupStep, logger } from '../runtime/vault-step';
import { pruneExpiredBackups } from '#src/backup/prune';

/** A Step Functions payload holds 256 KB: long lists are cut, their counts are whole. */
const LISTED = 20;

export const handler = backupStep<unknown>(async (_event, kit) => {
  const result = await pruneExpiredBackups(kit.bucket, kit.backup.retentionDays);
  logger.info('pruned', { ...result });
  return { ...result, stillLockedCount: result.stillLocked.length, stillLocked: result.stillLocked.slice(0, LISTED) };
});
