// Last state of the backup workflow: writes the manifest once every partition is copied.
import { finishBackup, parseFinishInput } from '#src/backup/backup-finish';
import { backupStep } from '../runtime/vault-step';
import { withoutKafka } from '../runtime/workflow-step';

export const handler = backupStep(withoutKafka, (event: unknown, kit) => finishBackup(parseFinishInput(event), kit));
