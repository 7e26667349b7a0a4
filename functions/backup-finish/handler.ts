// Last state of the backup workflow: writes the manifest once every partition is copied.
import { finishBackup } from '../shared/backup/backup-finish';
import { backupStep } from '../shared/backup/backup-step';

export const handler = backupStep<unknown>((event, kit) => finishBackup(event, kit));
