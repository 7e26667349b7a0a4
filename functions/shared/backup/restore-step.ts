// What every restore step's Lambda gets on top of every workflow step's clients: the backup
// vault as backup steps get it (a restore only reads the bucket) and the restore's state.
import type { EstateConfig } from '../../../lib/config/schema';
import { workflowStep, type StepClients } from '../workflow-step';
import { backupVault } from './backup-step';
import type { BackupBucket } from './bucket';
import { RestoreState } from './restore-state';

export { logger } from '../workflow-step';

export interface RestoreKit extends StepClients {
  backup: NonNullable<EstateConfig['backup']>;
  bucket: BackupBucket;
  state: RestoreState;
}

/** A restore step's Lambda handler: `run` gets the event and the kit; its result is returned as JSON with `finishedAt`. */
export function restoreStep<E>(run: (event: E, kit: RestoreKit) => Promise<object>) {
  return workflowStep<E>('kafka-dr-restore', (event, clients) => {
    const { backup, bucket, documents, stateTable } = backupVault(clients.config);
    return run(event, { ...clients, backup, bucket, state: new RestoreState(documents, stateTable) });
  });
}
