// The backup vault: the S3 bucket the backups are written to once and kept under Object
// Lock, its customer-managed KMS key, and the bucket its server access logs go to.
//
// Where it lives: beside the control plane when config.backup.bucket names no other region
// or account, else in a stack of its own (<estate>-kafka-dr-backup-vault) in that
// region/account, so that the backups survive the loss of both datacenters' regions. The
// control plane then reaches the vault only through names fixed at synth time (the bucket
// name, the key alias), never through cross-stack references: CloudFormation exports do not
// cross regions or accounts, and the control plane must deploy and run while the vault's
// region is the one that is down.
import { Aws, Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import type { EstateConfig } from '#src/config/schema';

/** An estate that backs up. */
export type BackupEstate = EstateConfig & { backup: NonNullable<EstateConfig['backup']> };

export interface BackupVaultPlacement {
  /** Whether the vault lives in its own stack (another region or account than the control plane's). */
  separate: boolean;
  /** undefined: the control plane's (environment-agnostic when that is unset too). */
  account?: string;
  region: string;
  /** The control plane's account when the vault is in another: the vault lets it in. */
  trustedAccounts: string[];
}

export function backupVaultPlacement(config: EstateConfig): BackupVaultPlacement | undefined {
  if (!config.backup) return undefined;
  const { bucket } = config.backup;
  const region = bucket.region ?? config.controlPlane.region;
  const account = bucket.account ?? config.controlPlane.account;
  const controlPlaneAccount = config.controlPlane.account;
  const otherAccount = account !== controlPlaneAccount;
  if (otherAccount && !controlPlaneAccount) {
    throw new Error(`backup.bucket.account is ${account} but controlPlane.account is not set: set it, so that the backup vault can let the control plane's functions in`);
  }
  const trustedAccounts = otherAccount && controlPlaneAccount ? [controlPlaneAccount] : [];
  return { separate: otherAccount || region !== config.controlPlane.region, account, region, trustedAccounts };
}

export const backupVaultStackName = (config: EstateConfig) => `${config.estate}-kafka-dr-backup-vault`;
export const backupKeyAlias = (config: EstateConfig) => `alias/${config.estate}-kafka-dr-backups`;

/** The name of a vault bucket in its own stack: known to the control plane without a reference. */
export function backupBucketName(config: EstateConfig, placement: BackupVaultPlacement): string {
  const name = `${config.estate.toLowerCase()}-kafka-dr-backups-${placement.account ?? Aws.ACCOUNT_ID}-${placement.region}`;
  // An unknown account is 12 digits once deployed.
  const length = name.length - (placement.account ? 0 : Aws.ACCOUNT_ID.length - 12);
  if (length > 63) {
    throw new Error(
      `the backup bucket name ${name} would be ${length} characters, over S3's 63: shorten the estate name (${config.estate.length} characters) or keep backup.bucket in the control plane's region and account`,
    );
  }
  return name;
}

export interface BackupVaultProps {
  config: BackupEstate;
  /** Set when the vault lives in its own stack (see backupBucketName). */
  bucketName?: string;
  /** Accounts other than the vault's whose IAM policies may use the bucket and key (the control plane's). */
  trustedAccounts?: string[];
}

export class BackupVault extends Construct {
  readonly bucket: s3.Bucket;
  readonly key: kms.Key;
  readonly accessLogs: s3.Bucket;

  constructor(scope: Construct, id: string, props: BackupVaultProps) {
    super(scope, id);
    // Log delivery through the log bucket's policy, not the legacy LogDeliveryWrite ACL.
    this.node.setContext('@aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy', true);
    const { config, bucketName, trustedAccounts = [] } = props;
    const { retentionDays, objectLockMode } = config.backup;

    // Losing the key loses every backup: it outlives the stack.
    this.key = new kms.Key(this, 'Key', {
      description: `kafka-dr ${config.estate}: encrypts the Kafka backups`,
      alias: backupKeyAlias(config),
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    // Server access logs cannot be written to a bucket encrypted with a customer-managed key (S3-managed only).
    this.accessLogs = new s3.Bucket(this, 'AccessLogs', {
      encryption: s3.BucketEncryption.S3_MANAGED,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      // Who read or wrote the backups is kept as long as the backups are.
      lifecycleRules: [{ expiration: Duration.days(retentionDays) }],
      removalPolicy: RemovalPolicy.RETAIN,
    });
    Validations.of(this.accessLogs).acknowledge({ id: 'AwsSolutions-S1', reason: 'this is the access-log bucket of the backup bucket; logging its own access would loop' });

    const retention = Duration.days(retentionDays);
    this.bucket = new s3.Bucket(this, 'Bucket', {
      bucketName,
      objectLockEnabled: true,
      objectLockDefaultRetention: objectLockMode === 'COMPLIANCE' ? s3.ObjectLockRetention.compliance(retention) : s3.ObjectLockRetention.governance(retention),
      versioned: true,
      encryption: s3.BucketEncryption.KMS,
      encryptionKey: this.key,
      bucketKeyEnabled: true,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      serverAccessLogsBucket: this.accessLogs,
      serverAccessLogsPrefix: 'backups/',
      removalPolicy: RemovalPolicy.RETAIN,
    });

    // Another account's control plane: its account may use the bucket and key as far as its
    // own IAM policies allow (they grant each function only what it needs). Deleting only what
    // Object Lock has released (pruning): no governance bypass, no configuration changes.
    for (const account of trustedAccounts) {
      const principal = new iam.AccountPrincipal(account);
      this.bucket.addToResourcePolicy(
        new iam.PolicyStatement({ principals: [principal], actions: ['s3:ListBucket', 's3:ListBucketVersions'], resources: [this.bucket.bucketArn] }),
      );
      this.bucket.addToResourcePolicy(
        new iam.PolicyStatement({
          principals: [principal],
          actions: ['s3:GetObject', 's3:PutObject', 's3:PutObjectRetention', 's3:DeleteObject', 's3:DeleteObjectVersion'],
          resources: [this.bucket.arnForObjects('*')],
        }),
      );
      this.key.addToResourcePolicy(
        new iam.PolicyStatement({ principals: [principal], actions: ['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey'], resources: ['*'] }),
      );
    }
  }
}

/** The vault as the backup functions' policies name it, in the same stack or by its fixed names. */
export interface BackupVaultAccess {
  bucket: s3.IBucket;
  /** A statement allowing `actions` on the vault's key. */
  keyStatement(...actions: string[]): iam.PolicyStatement;
}

export function vaultAccess(vault: BackupVault): BackupVaultAccess {
  return { bucket: vault.bucket, keyStatement: (...actions) => new iam.PolicyStatement({ actions, resources: [vault.key.keyArn] }) };
}

/** A vault in another stack, reached by its bucket name and key alias. */
export function remoteVaultAccess(scope: Construct, config: EstateConfig, placement: BackupVaultPlacement): BackupVaultAccess {
  const bucket = s3.Bucket.fromBucketAttributes(scope, 'BackupBucket', {
    bucketName: backupBucketName(config, placement),
    region: placement.region,
    account: placement.account,
  });
  const stack = Stack.of(scope);
  const keys = `arn:${stack.partition}:kms:${placement.region}:${placement.account ?? stack.account}:key/*`;
  return {
    bucket,
    // The key's id is only known in the vault's stack; its alias is fixed.
    keyStatement: (...actions) =>
      new iam.PolicyStatement({ actions, resources: [keys], conditions: { 'ForAnyValue:StringEquals': { 'kms:ResourceAliases': backupKeyAlias(config) } } }),
  };
}
