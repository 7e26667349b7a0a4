// What every restore step's Lambda gets on top of every workflow step's clients: the backup
// vault as backup steps get it (a restore only reads the bucket) and the restore's state.
import { vaultStep, type VaultKit } from './vault-step';
import { RestoreState } from '#src/backup/restore-state';

export { logger } from './workflow-step';

export type RestoreKit = VaultKit<RestoreState>;

export function restoreStep<E>(run: (event: E, kit: RestoreKit) => Promise<object>) {
  return vaultStep<E, RestoreState>('kafka-dr-restore', (documents, table) => new RestoreState(documents, table), run);
}
