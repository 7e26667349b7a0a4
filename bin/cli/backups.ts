// `kafka-dr backups list|describe|validate`: what a backup bucket holds, read from its
// manifests and segments with the operator's own AWS credentials (validate needs
// s3:GetObject and s3:GetObjectRetention on the bucket, and kms:Decrypt on its key).
import { S3Client } from '@aws-sdk/client-s3';
import type { Command } from 'commander';
import { describeBackup, listBackups, validateBackup, type BackupDescription, type TimeRange } from '#src/backup/catalog';
import { BackupBucket } from '#src/backup/bucket';
import { controlPlaneOf, controlPlaneOptions, UsageError, type ControlPlaneOptions } from './control-plane';

interface BucketOptions extends ControlPlaneOptions {
  bucket?: string;
  region?: string;
  json?: boolean;
}

/** The bucket named, else the one the control plane's backup workflow writes (--config FILE, or --local). */
async function bucketOf(opts: BucketOptions): Promise<BackupBucket> {
  if (!opts.bucket && !opts.config && !opts.local) throw new UsageError('name the backup bucket (--bucket NAME), the estate file its control plane was deployed from (--config FILE), or use --local for the lab');
  // The lab's emulator, loaded only for --local: an installed kafka-dr has no lab.
  if (opts.local) await (await import('./local')).useLabEmulator();
  const { name, region } = opts.bucket ? { name: opts.bucket } : (await controlPlaneOf(opts)).backupBucket();
  return new BackupBucket(new S3Client({ region: opts.region ?? region, forcePathStyle: Boolean(opts.local) }), name);
}

const range = (r: TimeRange | null) => (r === null ? 'no records' : `${new Date(r.minTimestamp).toISOString()} .. ${new Date(r.maxTimestamp).toISOString()}`);
const mb = (bytes: number) => `${(bytes / 1e6).toFixed(1)} MB`;

function printDescription(d: BackupDescription): void {
  console.log(`backup ${d.backupId} of cluster ${d.cluster} (estate ${d.estate}), ${d.startedAt} -> ${d.finishedAt}`);
  console.log(`  ${d.records} records, ${mb(d.bytes)} in ${d.segments} segments (${d.newSegments} new), ${d.gaps} gaps; records ${range(d.timeRange)}`);
  for (const t of d.topics) {
    console.log(`  topic ${t.name}: ${t.partitionCount} partitions, ${t.records} records, ${mb(t.bytes)}, ${range(t.timeRange)}`);
    const configs = Object.entries(t.configs).map(([k, v]) => `${k}=${v}`);
    if (configs.length) console.log(`    configs: ${configs.join(', ')}`);
    for (const p of t.partitions) {
      const gaps = p.gapList.map((g) => `[${g.from}, ${g.to}) ${g.reason}`).join('; ');
      console.log(`    ${t.name}-${p.partition}: offsets [${p.startOffset}, ${p.endOffset}), ${p.records} records in ${p.segments} segments${gaps ? `; gaps ${gaps}` : ''}`);
    }
    for (const g of t.consumerGroups) console.log(`    group ${g.group}: ${g.offsets.map((o) => `${t.name}-${o.partition}@${o.offset}`).join(', ')}`);
  }
}

export function addBackupCommands(program: Command): void {
  const backups = program.command('backups').description('list, describe and validate the backups in a backup bucket (the stack output BackupBucketName)');
  const bucketOptions = (command: Command) =>
    controlPlaneOptions(command)
      .option('--bucket <name>', 'the backup bucket (stack output BackupBucketName), else the one the control plane of --config or --local writes')
      .option('--region <region>', 'the bucket\'s region, else backup.bucket.region of --config, else the SDK default');
  bucketOptions(backups.command('list').description('every complete backup, newest first: topics, records, size, time range')).action(async (opts: BucketOptions) => {
    const bucket = await bucketOf(opts);
    const listing = await listBackups(bucket);
    if (opts.json) return console.log(JSON.stringify(listing, null, 2));
    for (const b of listing.backups) {
      console.log(`${b.backupId}  ${b.cluster}  ${b.topics.length} topics  ${b.records} records  ${mb(b.bytes)}  ${range(b.timeRange)}`);
    }
    for (const u of listing.unreadable) console.log(`${u.backupId}  UNREADABLE: ${u.problem}`);
    if (listing.backups.length === 0 && listing.unreadable.length === 0) console.log(`no backups in ${bucket.name}`);
    if (listing.unreadable.length) process.exitCode = 1;
  });
  bucketOptions(backups.command('describe').argument('<backupId>').description('one backup: per topic and partition its offsets, gaps, configs and consumer group offsets')).action(
    async (backupId: string, opts: BucketOptions) => {
      const description = await describeBackup(await bucketOf(opts), backupId);
      if (opts.json) console.log(JSON.stringify(description, null, 2));
      else printDescription(description);
    },
  );
  bucketOptions(
    backups.command('validate').argument('<backupId>').description('read every segment: CRCs, headers against the manifest, Object Lock, and every offset a record or an explained gap. Exit 1 on any problem'),
  ).action(async (backupId: string, opts: BucketOptions) => {
    const result = await validateBackup(await bucketOf(opts), backupId);
    if (opts.json) console.log(JSON.stringify(result, null, 2));
    else {
      console.log(`${backupId}: ${result.ok ? 'valid' : 'INVALID'}; checked ${result.checked.segments} segments, ${result.checked.records} records, ${mb(result.checked.bytes)}`);
      for (const p of result.problems) {
        const where = [p.topic !== undefined ? `${p.topic}${p.partition !== undefined ? `-${p.partition}` : ''}` : undefined, p.offsets ? `offsets [${p.offsets.from}, ${p.offsets.to})` : undefined, p.object].filter(Boolean).join(' ');
        console.log(`  ${where}: ${p.problem}`);
      }
    }
    if (!result.ok) process.exitCode = 1;
  });
}
