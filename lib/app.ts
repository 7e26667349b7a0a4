// Builds the kafka-dr stacks for one estate file. Shared by bin/app.ts and the tests so
// that what is tested is what `cdk deploy` deploys.
import { App, Tags, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { EstateConfig } from './config/schema';
import { ControlPlaneStack } from './control-plane-stack';

export interface KafkaDrApp {
  app: App;
  controlPlane: ControlPlaneStack;
}

export function buildApp(config: EstateConfig, app: App = new App()): KafkaDrApp {
  const env = { account: config.controlPlane.account, region: config.controlPlane.region };
  const controlPlane = new ControlPlaneStack(app, `${config.estate}-kafka-dr-control-plane`, {
    env,
    config,
    description: `kafka-dr control plane for estate ${config.estate}: replication probes and DR workflows`,
  });
  Tags.of(app).add('kafka-dr:estate', config.estate);
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { verbose: true }));
  return { app, controlPlane };
}
