// Last state of the backup workflow: writes the manifest once every partition is copied.
import { finishBackup } from '#src/backup/backup-finish';
import { backupStep } from '../runtime/vault-step';

export const handler = backupStep<unknown>((event, kit) => finishBackup(event, kit));
