// The control plane as `cdk deploy` would create it, run on the lab: synthesized from the
// estate with its functions bundled, its state machines run locally on those bundles, its
// probe functions invoked as Lambda would, its alarms evaluated against what the probes
// publish. Nothing is deployed to AWS; tables, buckets and topics live in the emulator.
import { S3Client } from '@aws-sdk/client-s3';
import type { CfnElement } from 'aws-cdk-lib';
import { BackupBucket } from '#src/backup/bucket';
import { buildApp } from '../lib/app';
import type { EstateConfig } from '#src/config/schema';
import type { ControlPlaneStack } from '../lib/control-plane-stack';
import { labApp } from './lab-app';
import type { LocalFunction } from './lambda/local-function';
import { localStack, type LocalWorkflow, type LocalWorkflowOptions } from './local-state-machine';
import type { CfnTemplate } from './template-resources';
import { TemplateAlarms } from './alarm-evaluator';

export interface LocalControlPlane {
  stack: ControlPlaneStack;
  failover: LocalWorkflow;
  backup: LocalWorkflow;
  restore: LocalWorkflow;
  /** The backup vault as created in the emulator. */
  bucket: BackupBucket;
  alarms: TemplateAlarms;
  /** The synthesized template it runs from. */
  template: CfnTemplate;
  invoke(handlerDir: string, event: unknown): Promise<unknown>;
  /** The functions started so far, by handler directory (cold starts, invocations, logs). */
  functions(): Promise<Map<string, LocalFunction>>;
  /** The name a resource of the stack got in the emulator (tables, buckets, topics). */
  nameInLab(construct: { node: { defaultChild?: unknown } }, what: string): string;
}

/** `standing`: the lab's one deployment, kept across processes (the CLI's --local), instead of fresh resources for this run. */
export async function localControlPlane(config: EstateConfig, options: Pick<LocalWorkflowOptions, 'standing' | 'awsEndpoints'> = {}): Promise<LocalControlPlane> {
  if (!config.backup) throw new Error(`estate ${config.estate} configures no backup: the local control plane runs the backup workflows too`);
  const { controlPlane } = buildApp(config, labApp(config));
  const backup = controlPlane.backup;
  if (!backup?.vault) throw new Error(`estate ${config.estate} keeps its backup vault in another region or account: the lab needs it in the control plane stack`);
  const local = await localStack(controlPlane, [controlPlane.failover.stateMachine, backup.backup, backup.restore], options);
  const [failover, backupWorkflow, restore] = local.workflows as [LocalWorkflow, LocalWorkflow, LocalWorkflow];
  const nameInLab = (construct: { node: { defaultChild?: unknown } }, what: string) => {
    const id = controlPlane.getLogicalId(construct.node.defaultChild as CfnElement);
    const name = local.resources[id]?.name;
    if (!name) throw new Error(`the ${what} ${id} was not created in the lab`);
    return name;
  };
  const bucketName = nameInLab(backup.vault.bucket, 'backup bucket');
  return {
    stack: controlPlane,
    failover,
    backup: backupWorkflow,
    restore,
    bucket: new BackupBucket(new S3Client({ forcePathStyle: true }), bucketName, { mode: config.backup.objectLockMode, retentionDays: config.backup.retentionDays }),
    alarms: new TemplateAlarms(local.template as never),
    template: local.template,
    invoke: (handlerDir, event) => local.invoke(handlerDir, event),
    functions: () => local.functions(),
    nameInLab,
  };
}
