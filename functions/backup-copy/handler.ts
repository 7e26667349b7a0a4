// Map iteration of the backup workflow: copies a batch of partitions until done or until
// the Lambda deadline nears (done=false: the state machine invokes it again).
import { copyPartitions, parseCopyInput } from '#src/backup/backup-copy';
import { withKafka } from '../runtime/kafka-clients';
import { backupStep } from '../runtime/vault-step';

export const handler = backupStep(withKafka, (event: unknown, kit) => copyPartitions(parseCopyInput(event), kit, kit.context.getRemainingTimeInMillis()));
