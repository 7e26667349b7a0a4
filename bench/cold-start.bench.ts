// Cold start and size of every function bundle, as `cdk synth` makes it for the annotated
// example estate, started the way Lambda starts it (lab/lambda/local-function.ts: the asset
// alone in a task root, Node 22, the runtime's AWS SDK). Per function: minified code and
// source map sizes, and the init time (module import, the handler resolved) of several
// fresh execution environments, median and worst; ratios against the lightest function.
// Goal (issue 12): under 1.5 MB of code and 500 ms of init per function on the 2-core machine.
//   npx tsx bench/cold-start.bench.ts [--runs N]
import { statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { buildApp } from '../lib/app';
import { loadEstateConfigFile } from '#src/config/load';
import { projectRoot } from '../lib/paths';
import { labApp, synthesized } from '../lab/lab-app';
import { LambdaInvocationError, LocalFunction } from '../lab/lambda/local-function';

const { values } = parseArgs({ options: { runs: { type: 'string', default: '5' } } });
const runs = Number(values.runs);
const GOAL_BYTES = 1.5 * 1024 * 1024;
const GOAL_INIT_MS = 500;

const config = loadEstateConfigFile(path.join(projectRoot, 'config', 'estate.example.yaml'));
const { controlPlane } = buildApp(config, labApp(config));
const artifact = synthesized(controlPlane);
const resources = Object.entries(artifact.template.Resources as Record<string, any>).filter(([, r]) => r.Type === 'AWS::Lambda::Function');

interface Row {
  fn: string;
  codeBytes: number;
  mapBytes: number;
  initMs: number[];
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const rows: Row[] = [];
for (const [id, r] of resources) {
  const p = r.Properties;
  const assetDir = path.join(artifact.assembly.directory, `asset.${String(p.Code.S3Key).replace(/\.zip$/, '')}`);
  // Init reads no resource: references the emulator would resolve stand as placeholders.
  const environment = Object.fromEntries(Object.entries<unknown>(p.Environment.Variables).map(([k, v]) => [k, typeof v === 'string' ? v : `bench-${k.toLowerCase()}`]));
  const name = String(environment.POWERTOOLS_SERVICE_NAME).replace(/^kafka-dr-/, '');
  const initMs: number[] = [];
  for (let i = 0; i < runs; i++) {
    const fn = new LocalFunction(
      { logicalId: id, name, arn: `arn:aws:lambda:${config.controlPlane.region}:123456789012:function:${name}`, runtime: p.Runtime, handler: p.Handler, assetDir, timeoutSeconds: p.Timeout, memorySize: p.MemorySize, environment, logFormat: p.LoggingConfig?.LogFormat },
      { region: config.controlPlane.region, labEnvironment: { AWS_ENDPOINT_URL: 'http://127.0.0.1:9', AWS_ACCESS_KEY_ID: 'bench', AWS_SECRET_ACCESS_KEY: 'bench' }, logDir: path.join(tmpdir(), 'kafka-dr-bench-logs') },
    );
    // An event no handler accepts: the answer does not matter, the cold start before it does.
    await fn.invoke({ bench: true }).catch((err: unknown) => {
      if (!(err instanceof LambdaInvocationError) || fn.coldStarts.length === 0) throw err;
    });
    initMs.push(fn.coldStarts[0]!.initMs);
    fn.close();
  }
  rows.push({ fn: name, codeBytes: statSync(path.join(assetDir, 'index.mjs')).size, mapBytes: statSync(path.join(assetDir, 'index.mjs.map')).size, initMs });
}

const lightest = rows.reduce((a, b) => (median(b.initMs) < median(a.initMs) ? b : a));
const mb = (n: number) => (n / 1024 / 1024).toFixed(2);
console.log(`cold start of each function bundle (example estate), ${runs} fresh environments each, Node ${process.versions.node}; reference: ${lightest.fn}\n`);
console.log(['function'.padEnd(22), 'code MB', ' map MB', 'init median ms', 'worst ms', 'init / ref', 'code / ref', 'goal'].join('  '));
for (const r of rows.sort((a, b) => median(a.initMs) - median(b.initMs))) {
  const ok = r.codeBytes < GOAL_BYTES && median(r.initMs) < GOAL_INIT_MS;
  console.log(
    [
      r.fn.padEnd(22),
      mb(r.codeBytes).padStart(7),
      mb(r.mapBytes).padStart(7),
      median(r.initMs).toFixed(0).padStart(14),
      Math.max(...r.initMs).toFixed(0).padStart(8),
      (median(r.initMs) / median(lightest.initMs)).toFixed(2).padStart(10),
      (r.codeBytes / lightest.codeBytes).toFixed(2).padStart(10),
      ok ? 'met' : 'MISSED',
    ].join('  '),
  );
}
const missed = rows.filter((r) => !(r.codeBytes < GOAL_BYTES && median(r.initMs) < GOAL_INIT_MS));
console.log(`\n${rows.length - missed.length} of ${rows.length} functions under ${mb(GOAL_BYTES)} MB of code and ${GOAL_INIT_MS} ms of init`);
