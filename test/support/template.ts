// Reading the synthesized control plane in template tests.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { buildApp } from '../../lib/app';
import type { EstateConfig } from '../../lib/config/schema';

export type Resources = Record<string, any>;

/** Synthesizes the app (cdk-nag included) without bundling the handlers: app.test.ts covers bundling. */
export function synthControlPlane(estate: EstateConfig) {
  const app = new App({ outdir: mkdtempSync(path.join(tmpdir(), 'kafka-dr-template-')), context: { 'aws:cdk:bundling-stacks': [] } });
  const built = buildApp(estate, app);
  return { ...built, template: Template.fromStack(built.controlPlane) };
}

export function only(resources: Resources, what: string): [string, any] {
  const entries = Object.entries(resources);
  if (entries.length !== 1) throw new Error(`expected exactly one ${what}, found ${entries.length}`);
  return entries[0]!;
}

/** The Lambda function whose handler lives in functions/<handlerDir>. */
export function functionOf(template: Template, handlerDir: string): [string, any] {
  return only(
    template.findResources('AWS::Lambda::Function', { Properties: { Environment: { Variables: { POWERTOOLS_SERVICE_NAME: `kafka-dr-${handlerDir}` } } } }),
    `${handlerDir} function`,
  );
}
