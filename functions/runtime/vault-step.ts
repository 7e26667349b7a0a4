// What every backup and restore step's Lambda gets on top of every workflow step's: the
// estate's backup settings, the backup bucket (in its own region when configured), the
// workflow's state in the backup state table, and the clients `open` gives (withKafka for the
// steps that read or write a cluster).
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { BackupClients } from '#src/backup/backup-clients';
import { BackupState } from '#src/backup/backup-state';
import type { BatchBucket } from '#src/backup/batch-bucket';
import { BackupBucket } from '#src/backup/bucket';
import { RestoreState } from '#src/backup/restore-state';
import type { EstateConfig } from '#src/config/schema';
import { BACKUP_BUCKET, BACKUP_STATE_TABLE } from '#src/environment';
import { requiredEnv } from './env';
import { batchBucket, s3In } from './s3';
import { logger, tracer } from './powertools';
import { workflowStep, type ClientOpener, type StepBase } from './workflow-step';

export { logger } from './powertools';

const documents = DynamoDBDocumentClient.from(tracer.captureAWSv3Client(new DynamoDBClient({})));
function backupBucket(backup: NonNullable<EstateConfig['backup']>): BackupBucket {
  return new BackupBucket(s3In(backup.bucket.region), requiredEnv(BACKUP_BUCKET), { mode: backup.objectLockMode, retentionDays: backup.retentionDays });
}

/** What a backup or restore step gets: the vault, the batch bucket and its workflow's state. */
export interface VaultKit<State> extends StepBase {
  backup: NonNullable<EstateConfig['backup']>;
  bucket: BackupBucket;
  batches: BatchBucket;
  state: State;
}

function vaultStep<E, C extends object, State>(readerGroup: string, open: ClientOpener<C>, stateOf: (table: string) => State, run: (event: E, kit: VaultKit<State> & C) => Promise<object>) {
  return workflowStep<E, C>(readerGroup, open, (event, clients) => {
    const backup = clients.config.backup;
    if (!backup) throw new Error(`estate ${clients.config.estate} has no backup section: add one to the estate file to back it up and restore from it`);
    return run(event, { ...clients, backup, bucket: backupBucket(backup), batches: batchBucket(), state: stateOf(requiredEnv(BACKUP_STATE_TABLE)) });
  });
}

/** A backup step's Lambda handler: `run` gets the event and the backup's clients (with the step's logger as their log). */
export function backupStep<E, C extends object>(open: ClientOpener<C>, run: (event: E, kit: BackupClients & StepBase & C) => Promise<object>) {
  return vaultStep<E, C, BackupState>('kafka-dr-backup', open, (table) => new BackupState(documents, table), (event, kit) => run(event, { ...kit, estate: kit.config.estate, log: logger }));
}

export function restoreStep<E, C extends object>(open: ClientOpener<C>, run: (event: E, kit: VaultKit<RestoreState> & C) => Promise<object>) {
  return vaultStep<E, C, RestoreState>('kafka-dr-restore', open, (table) => new RestoreState(documents, table), run);
}
