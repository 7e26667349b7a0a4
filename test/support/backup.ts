// The backup and restore workflows of the local control plane (lab/local-control-plane.ts):
// as the CDK app synthesizes them, their functions' bundles run as Lambda runs them, sharing one state table and
// one Object Lock bucket in the emulator, so a restore reads what the backup wrote.
import { S3Client } from '@aws-sdk/client-s3';
import { BatchBucket } from '#src/backup/batch-bucket';
import type { Batch, BatchList } from '#src/backup/batch-list';
import type { BackupBucket } from '#src/backup/bucket';
import { localControlPlane, type LocalControlPlane } from '../../lab/local-control-plane';
import type { LocalExecution, LocalWorkflow, RunOptions } from '../../lab/local-state-machine';
import type { EstateConfig } from '#src/config/schema';
import { labContext, type LabContext } from './lab';

export interface BackupRig {
  ctx: LabContext;
  config: EstateConfig;
  backup: LocalWorkflow;
  restore: LocalWorkflow;
  /** The vault bucket as created in the emulator, with the estate's Object Lock policy. */
  bucket: BackupBucket;
  bucketName: string;
  /** The backup state table as created in the emulator. */
  stateTable: string;
  /** The batch bucket as created in the emulator. */
  batchBucket: BatchBucket;
  /** The batches of a plan's list, as its Distributed Map reads them. */
  batchesOf<P = { topic: string; partition: number }>(list: BatchList): Promise<Batch<P>[]>;
  run(which: 'backup' | 'restore', input: unknown, options?: RunOptions): Promise<LocalExecution>;
  /** Invokes one of the control plane's functions (by handler directory) as Lambda would. */
  invoke(handlerDir: string, event: unknown): Promise<unknown>;
  /** The functions started so far, by handler directory. */
  functions: LocalControlPlane['functions'];
}

export async function backupRig(config?: EstateConfig): Promise<BackupRig> {
  const ctx = await labContext();
  const estate = config ?? ctx.config;
  const plane = await localControlPlane(estate);
  const workflows = plane.stack.backup!;
  const batchBucket = new BatchBucket(new S3Client({ forcePathStyle: true }), plane.nameInLab(workflows.batchBucket, 'batch bucket'));
  return {
    ctx,
    config: estate,
    backup: plane.backup,
    restore: plane.restore,
    bucket: plane.bucket,
    bucketName: plane.bucket.name,
    stateTable: plane.nameInLab(workflows.stateTable, 'backup state table'),
    batchBucket,
    async batchesOf(list) {
      return JSON.parse((await batchBucket.get(list.key)) ?? '[]');
    },
    run: (which, input, options) => (which === 'backup' ? plane.backup : plane.restore).run(input, options),
    invoke: (handlerDir, event) => plane.invoke(handlerDir, event),
    functions: plane.functions,
  };
}
