// First state of the backup workflow: resumes the unfinished backup or plans a new one
// (snapshot of ends, configurations and group offsets; where each partition starts).
import { planBackup } from '#src/backup/backup-plan';
import { backupStep } from '../runtime/vault-step';

export const handler = backupStep<unknown>((event, kit) => planBackup(event, kit));
