// S3 clients of a function, one per region (the vault may live in another region than the
// function), traced, and the batch bucket the backup and restore workflows share.
import { S3Client } from '@aws-sdk/client-s3';
import { BatchBucket } from '#src/backup/batch-bucket';
import { BATCH_BUCKET } from '#src/environment';
import { requiredEnv } from './env';
import { tracer } from './powertools';

const s3ByRegion = new Map<string | undefined, S3Client>();

export function s3In(region = process.env.AWS_REGION): S3Client {
  let s3 = s3ByRegion.get(region);
  if (!s3) s3ByRegion.set(region, (s3 = tracer.captureAWSv3Client(new S3Client({ region }))));
  return s3;
}

/** The control plane's own bucket, in the function's region. */
export function batchBucket(): BatchBucket {
  return new BatchBucket(s3In(), requiredEnv(BATCH_BUCKET));
}
