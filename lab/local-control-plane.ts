// The control plane as `cdk deploy` would create it, run on the lab: synthesized from the
// estate, its state machines run locally with the real handlers, its probe functions
// invoked with their template environment, its alarms evaluated against what the probes
// publish. Nothing is deployed to AWS; tables, buckets and topics live in the emulator.
import { S3Client } from '@aws-sdk/client-s3';
import { App, type CfnElement } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { BackupBucket } from '../functions/shared/backup/bucket';
import { buildApp } from '../lib/app';
import type { EstateConfig } from '../lib/config/schema';
import type { ControlPlaneStack } from '../lib/control-plane-stack';
import { localStack, type LocalWorkflow } from '../test/support/local-state-machine';
import { TemplateAlarms } from './alarm-evaluator';

export interface LocalControlPlane {
  stack: ControlPlaneStack;
  failover: LocalWorkflow;
  backup: LocalWorkflow;
  restore: LocalWorkflow;
  /** The backup vault as created in the emulator. */
  bucket: BackupBucket;
  alarms: TemplateAlarms;
  invoke(handlerDir: string, event: unknown): Promise<unknown>;
}

export async function localControlPlane(config: EstateConfig): Promise<LocalControlPlane> {
  if (!config.backup) throw new Error(`estate ${config.estate} configures no backup: the local control plane runs the backup workflows too`);
  // No esbuild and no template validation: the harness imports the handlers' sources.
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] }, builtinCloudFormationValidation: false });
  const { controlPlane } = buildApp(config, app);
  const backup = controlPlane.backup;
  if (!backup?.vault) throw new Error(`estate ${config.estate} keeps its backup vault in another region or account: the lab needs it in the control plane stack`);
  const local = await localStack(controlPlane, [controlPlane.failover.stateMachine, backup.backup, backup.restore], { config });
  const [failover, backupWorkflow, restore] = local.workflows as [LocalWorkflow, LocalWorkflow, LocalWorkflow];
  const bucketId = controlPlane.getLogicalId(backup.vault.bucket.node.defaultChild as CfnElement);
  const bucketName = local.resources[bucketId]?.name;
  if (!bucketName) throw new Error(`the backup bucket ${bucketId} was not created in the lab`);
  return {
    stack: controlPlane,
    failover,
    backup: backupWorkflow,
    restore,
    bucket: new BackupBucket(new S3Client({ forcePathStyle: true }), bucketName, { mode: config.backup.objectLockMode, retentionDays: config.backup.retentionDays }),
    alarms: new TemplateAlarms(Template.fromStack(controlPlane).toJSON() as never),
    invoke: (handlerDir, event) => local.invoke(handlerDir, event),
  };
}
