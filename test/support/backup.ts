// The backup and restore workflows as the CDK app synthesizes them, run locally against the
// lab (the real handlers in-process), sharing one state table and one Object Lock bucket
// created in the emulator from the template, so a restore reads what the backup wrote.
import { S3Client } from '@aws-sdk/client-s3';
import { App, type CfnElement } from 'aws-cdk-lib';
import { BackupBucket } from '../../functions/shared/backup/bucket';
import { buildApp } from '../../lib/app';
import type { EstateConfig } from '../../lib/config/schema';
import { labContext, type LabContext } from './lab';
import { localWorkflows, type LocalExecution, type LocalWorkflow, type RunOptions } from './local-state-machine';

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
  run(which: 'backup' | 'restore', input: unknown, options?: RunOptions): Promise<LocalExecution>;
}

export async function backupRig(config?: EstateConfig): Promise<BackupRig> {
  const ctx = await labContext();
  const estate = config ?? ctx.config;
  if (!estate.backup) throw new Error(`estate ${estate.estate} configures no backup: the rig runs the workflows config.backup creates`);
  // No esbuild and no template validation: the harness imports the handlers' sources.
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] }, builtinCloudFormationValidation: false });
  const { controlPlane } = buildApp(estate, app);
  const workflows = controlPlane.backup;
  if (!workflows?.vault) {
    throw new Error(`estate ${estate.estate} keeps its backup vault in another region or account (backup.bucket): the rig needs it in the control plane stack, as the lab estate has it`);
  }
  const [backup, restore] = await localWorkflows(controlPlane, [workflows.backup, workflows.restore], { config: estate });
  const inLab = (construct: { node: { defaultChild?: unknown } }, what: string) => {
    const id = controlPlane.getLogicalId(construct.node.defaultChild as CfnElement);
    const name = backup!.resources[id]?.name;
    if (!name) throw new Error(`the ${what} ${id} was not created in the lab`);
    return name;
  };
  const bucketName = inLab(workflows.vault.bucket, 'backup bucket');
  const { objectLockMode, retentionDays } = estate.backup;
  return {
    ctx,
    config: estate,
    backup: backup!,
    restore: restore!,
    bucket: new BackupBucket(new S3Client({ forcePathStyle: true }), bucketName, { mode: objectLockMode, retentionDays }),
    bucketName,
    stateTable: inLab(workflows.stateTable, 'backup state table'),
    run: (which, input, options) => (which === 'backup' ? backup! : restore!).run(input, options),
  };
}
