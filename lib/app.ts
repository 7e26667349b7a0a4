// Builds the kafka-dr stacks for one estate file. Shared by bin/app.ts and the tests so
// that what is tested is what `cdk deploy` deploys.
import { App, Stack, Tags, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { EstateConfig } from '#src/config/schema';
import { BackupVault, backupBucketName, backupVaultPlacement, backupVaultStackName, type BackupEstate } from './constructs/backup-vault';
import { ControlPlaneStack } from './control-plane-stack';
import { controlPlaneStackName } from '#src/stack-outputs';

export interface KafkaDrApp {
  app: App;
  controlPlane: ControlPlaneStack;
  /** The backup vault's own stack, when backup.bucket names another region or account than the control plane's. */
  backupVault?: Stack;
}

export function buildApp(config: EstateConfig, app: App = new App()): KafkaDrApp {
  const env = { account: config.controlPlane.account, region: config.controlPlane.region };
  const controlPlane = new ControlPlaneStack(app, controlPlaneStackName(config.estate), {
    env,
    config,
    description: `kafka-dr control plane for estate ${config.estate}: replication probes and DR workflows`,
  });
  const placement = backupVaultPlacement(config);
  let backupVault: Stack | undefined;
  if (placement?.separate) {
    backupVault = new Stack(app, backupVaultStackName(config), {
      env: { account: placement.account, region: placement.region },
      description: `kafka-dr backup vault for estate ${config.estate}: the Object Lock bucket and its key, away from both datacenters`,
    });
    new BackupVault(backupVault, 'Vault', { config: config as BackupEstate, bucketName: backupBucketName(config, placement), trustedAccounts: placement.trustedAccounts });
    controlPlane.addStackDependency(backupVault, 'the backup functions write to the vault bucket');
  }
  Tags.of(app).add('kafka-dr:estate', config.estate);
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { verbose: true }));
  return { app, controlPlane, backupVault };
}
