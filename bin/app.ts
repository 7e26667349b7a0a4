#!/usr/bin/env -S npx tsx
// CDK entry: `npx cdk synth -c config=PATH` (default: the annotated example).
import { App } from 'aws-cdk-lib';
import { buildApp } from '../lib/app';
import { loadEstateConfigFile } from '#src/config/load';
import { EstateConfigError } from '#src/config/parse';

const app = new App();
const configPath = String(app.node.tryGetContext('config') ?? 'config/estate.example.yaml');
try {
  buildApp(loadEstateConfigFile(configPath), app);
} catch (err) {
  if (err instanceof EstateConfigError) {
    console.error(err.message);
    process.exit(1);
  }
  throw err;
}
app.synth();
