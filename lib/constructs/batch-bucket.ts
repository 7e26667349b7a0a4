// The bucket the backup and restore workflows fan out through: the plans' batch lists, which
// their Distributed Maps read, and the results the map runs write. A Distributed Map reads
// and writes only a bucket of its own account and region, which the vault need not be.
import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';

/** Long enough to read a failed run's results the week after; a run itself lasts at most a day. */
const EXPIRY = Duration.days(14);

export function batchBucket(scope: Construct, id: string): s3.Bucket {
  const bucket = new s3.Bucket(scope, id, {
    encryption: s3.BucketEncryption.S3_MANAGED,
    blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
    enforceSSL: true,
    lifecycleRules: [{ expiration: EXPIRY }],
    removalPolicy: RemovalPolicy.RETAIN,
  });
  Validations.of(bucket).acknowledge({
    id: 'AwsSolutions-S1',
    reason: 'holds only the workflows\' working lists (topic names, partition numbers, copy counts), no records, and expires them; the backup bucket logs its access',
  });
  return bucket;
}
