// What every restore step's Lambda gets on top of every workflow step's clients: the backup
// bucket (read only: a restore never writes there) and the restore's state in the backup
// state table.
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { EstateConfig } from '../../../lib/config/schema';
import { requiredEnv } from '../env';
import { tracer, workflowStep, type StepClients } from '../workflow-step';
import { BackupBucket } from './bucket';
import { RestoreState } from './restore-state';

export { logger } from '../workflow-step';

const documents = DynamoDBDocumentClient.from(tracer.captureAWSv3Client(new DynamoDBClient({})));
const s3ByRegion = new Map<string | undefined, S3Client>();

export interface RestoreKit extends StepClients {
  backup: () => NonNullable<EstateConfig['backup']>;
  bucket: () => BackupBucket;
  state: () => RestoreState;
}

/** A restore step's Lambda handler: `run` gets the event and the kit; its result is returned as JSON with `finishedAt`. */
export function restoreStep<E>(run: (event: E, kit: RestoreKit) => Promise<object>) {
  return workflowStep<E>('kafka-dr-restore', (event, clients) => {
    const backup = () => {
      if (!clients.config.backup) throw new Error(`estate ${clients.config.estate} has no backup section: there is no backup bucket to restore from`);
      return clients.config.backup;
    };
    return run(event, {
      ...clients,
      backup,
      bucket: () => {
        const config = backup();
        const region = config.bucket.region ?? process.env.AWS_REGION;
        let s3 = s3ByRegion.get(region);
        if (!s3) s3ByRegion.set(region, (s3 = tracer.captureAWSv3Client(new S3Client({ region }))));
        return new BackupBucket(s3, requiredEnv('BACKUP_BUCKET', 'the backup bucket'), { mode: config.objectLockMode, retentionDays: config.retentionDays });
      },
      state: () => new RestoreState(documents, requiredEnv('BACKUP_STATE_TABLE', 'the backup state table (restore progress)')),
    });
  });
}
