// What the backup steps work with: the estate's backup settings, the bucket, the run's state
// and a log; the steps that read the source cluster also get its clients. Given by the Lambda
// runtime, or by anything else that runs a backup step.
import type { EstateClients } from '#src/kafka/connection';
import type { EstateConfig } from '#src/config/schema';
import type { Log } from '#src/log';
import type { BackupState } from './backup-state';
import type { BatchBucket } from './batch-bucket';
import type { BackupBucket } from './bucket';

export interface BackupClients {
  estate: string;
  backup: NonNullable<EstateConfig['backup']>;
  bucket: BackupBucket;
  /** Where the plan writes the batches the copy steps fan out over. */
  batches: BatchBucket;
  state: BackupState;
  log: Log;
}

/** The backed-up cluster's clients, for the steps that read it. */
export type SourceClients = Pick<EstateClients, 'admin' | 'fetcher'>;
