// First state of the backup workflow: resumes the unfinished backup or plans a new one
// (snapshot of ends, configurations and group offsets; where each partition starts).
import { parsePlanInput, planBackup } from '#src/backup/backup-plan';
import { withKafka } from '../runtime/kafka-clients';
import { backupStep } from '../runtime/vault-step';

export const handler = backupStep(withKafka, (event: unknown, kit) => planBackup(parsePlanInput(event), kit));
