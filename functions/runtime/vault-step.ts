// What every backup step's Lambda gets on top of every workflow step's clients: the estate's
// backup settings, the backup bucket (in its own region when configured) and the backup
// state table; and how a step refuses bad input.
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { z } from 'zod';
import type { EstateConfig } from '#src/config/schema';
import { requiredEnv } from './env';
import { tracer, workflowStep, type StepClients } from './workflow-step';
import { BackupState } from '#src/backup/backup-state';
import { BackupBucket } from '#src/backup/bucket';
import { inputProblems } from '#src/input-problems';

export { logger } from './workflow-step';

const documents = DynamoDBDocumentClient.from(tracer.captureAWSv3Client(new DynamoDBClient({})));
const s3ByRegion = new Map<string | undefined, S3Client>();

/** The state machine maps this name to its InvalidInput state: nothing was read or written. */
export class InvalidBackupInput extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidBackupInput';
  }
}

/** The event as `schema` says, or InvalidBackupInput listing every problem with its path. */
export function parseBackupInput<S extends z.ZodType>(schema: S, event: unknown, what: string): z.infer<S> {
  const parsed = schema.safeParse(event);
  if (!parsed.success) {
    throw new InvalidBackupInput(`${what} is invalid: ${inputProblems(parsed.error, '(root)').join('; ')}`);
  }
  return parsed.data;
}

/** What backup and restore steps share: the estate's backup settings, the bucket, and the state table's client and name. */
export interface BackupVault {
  backup: NonNullable<EstateConfig['backup']>;
  bucket: BackupBucket;
  documents: DynamoDBDocumentClient;
  stateTable: string;
}

export function backupVault(config: EstateConfig): BackupVault {
  const backup = config.backup;
  if (!backup) throw new Error(`estate ${config.estate} has no backup section: add one to the estate file to back it up and restore from it`);
  const region = backup.bucket.region ?? process.env.AWS_REGION;
  let s3 = s3ByRegion.get(region);
  if (!s3) s3ByRegion.set(region, (s3 = tracer.captureAWSv3Client(new S3Client({ region }))));
  return {
    backup,
    bucket: new BackupBucket(s3, requiredEnv('BACKUP_BUCKET', 'the backup bucket'), { mode: backup.objectLockMode, retentionDays: backup.retentionDays }),
    documents,
    stateTable: requiredEnv('BACKUP_STATE_TABLE', 'the backup state table (runs, progress, heads, restores)'),
  };
}

/** What a backup or restore step gets on top of every workflow step's clients: the vault and its workflow's state. */
export interface VaultKit<State> extends StepClients {
  backup: NonNullable<EstateConfig['backup']>;
  bucket: BackupBucket;
  state: State;
}

/** A vault workflow step's Lambda handler: `run` gets the event and the kit; its result is returned as JSON with `finishedAt`. */
export function vaultStep<E, State>(service: string, stateOf: (documents: DynamoDBDocumentClient, table: string) => State, run: (event: E, kit: VaultKit<State>) => Promise<object>) {
  return workflowStep<E>(service, (event, clients) => {
    const { backup, bucket, documents, stateTable } = backupVault(clients.config);
    return run(event, { ...clients, backup, bucket, state: stateOf(documents, stateTable) });
  });
}

export type BackupKit = VaultKit<BackupState>;

export function backupStep<E>(run: (event: E, kit: BackupKit) => Promise<object>) {
  return vaultStep<E, BackupState>('kafka-dr-backup', (documents, table) => new BackupState(documents, table), run);
}
