// Map iteration of the backup workflow: copies a batch of partitions until done or until
// the Lambda deadline nears (done=false: the state machine invokes it again).
import { copyPartitions } from '#src/backup/backup-copy';
import { backupStep } from '../runtime/vault-step';

export const handler = backupStep<unknown>((event, kit) => copyPartitions(event, kit));
