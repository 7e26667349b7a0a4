// The CDK App the lab synthesizes into, as `cdk synth` would: handlers bundled by esbuild
// into assets, which the lab then runs (lab/lambda/local-function.ts). One output directory
// per estate configuration (the estate is bundled into every function), under cdk.out/lab:
// a later synth of the same sources and estate finds its bundles there and skips esbuild.
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import * as path from 'node:path';
import { App, Stage, type Stack } from 'aws-cdk-lib';
import type { CloudFormationStackArtifact } from 'aws-cdk-lib/cx-api';
import type { EstateConfig } from '#src/config/schema';
import { projectRoot } from '../lib/paths';

export function labApp(config: EstateConfig): App {
  const key = createHash('sha256').update(JSON.stringify(config)).digest('hex').slice(0, 16);
  // No CloudFormation validation of the template (about 10 s on first use; the infra tests do it).
  return new App({ outdir: path.join(projectRoot, 'cdk.out', 'lab', key), builtinCloudFormationValidation: false });
}

/**
 * Synthesizes the stack's app and returns its artifact (template and assembly directory).
 * Bundles of earlier sources are removed from the output directory: a change to the sources
 * would otherwise leave every old bundle behind.
 */
export function synthesized(stack: Stack): CloudFormationStackArtifact {
  const stage = Stage.of(stack);
  if (!stage) throw new Error(`stack ${stack.stackName} belongs to no App`);
  const assembly = stage.synth({ force: true });
  const used = new Set(
    readdirSync(assembly.directory)
      .filter((f) => f.endsWith('.assets.json'))
      .flatMap((f) => Object.values<{ source: { path: string } }>(JSON.parse(readFileSync(path.join(assembly.directory, f), 'utf8')).files ?? {}).map((a) => a.source.path)),
  );
  for (const entry of readdirSync(assembly.directory)) {
    if (entry.startsWith('asset.') && !entry.endsWith('-building') && !used.has(entry) && existsSync(path.join(assembly.directory, entry))) rmSync(path.join(assembly.directory, entry), { recursive: true, force: true });
  }
  return assembly.getStackArtifact(stack.artifactId);
}
