// The shipped `kafka-dr` CLI has no lab: an install has bin/ and src/ on the production
// dependencies (npm ci --omit=dev), no lab/, test/, bench/ nor any dev dependency; only
// --local runs lab code, loaded by import() in bin/cli/local.ts. Two proofs, since each
// alone can be fooled: the import graph from the entry (esbuild's metafile, stopped at the
// lab's import()) reaches none of them; and the CLI, run from such a copy, works with
// --config and --bucket (against a stand-in for AWS) and refuses --local with exit 2
// saying what is missing.
import { execFile } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { builtinModules } from 'node:module';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { build, type Metafile, type Plugin } from 'esbuild';
import { controlPlaneStackName } from '#src/stack-outputs';

const root = process.cwd();
const ENTRY = 'bin/kafka-dr.ts';
const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { dependencies: Record<string, string>; devDependencies: Record<string, string> };
const example = path.join(root, 'config', 'estate.example.yaml');

/** "@aws-sdk/client-s3/dist/x" -> "@aws-sdk/client-s3"; undefined for Node's own modules. */
function packageOf(specifier: string): string | undefined {
  if (specifier.startsWith('node:') || builtinModules.includes(specifier.split('/')[0]!)) return undefined;
  return specifier.split('/').slice(0, specifier.startsWith('@') ? 2 : 1).join('/');
}

/** Where the CLI may load lab code: an import() of a lab/ file (bin/cli/local.ts turns its failure into a usage error). Not followed, so a lab under construction cannot fail this test. */
const labBoundary: Plugin = {
  name: 'lab-boundary',
  setup(b) {
    b.onResolve({ filter: /^\./ }, (args) => {
      const file = path.relative(root, path.resolve(args.resolveDir, args.path));
      return args.kind === 'dynamic-import' && /^(lab|test|bench)\//.test(file) ? { path: file, external: true } : undefined;
    });
  },
};

interface Reached {
  /** Each source file loaded, with the import chain from the entry that loads it. */
  files: Map<string, string[]>;
  /** Each package loaded by an import statement, with the chain of the file importing it. */
  packages: Map<string, string[]>;
  /** The lab files behind the boundary, by the file importing them. */
  lazyLab: Set<string>;
}

/** What running a command loads: every import, including the CLI's own import() of bin/ and src/ files (--config loads bin/cli/deployed.ts so), but not the lab behind the boundary. */
function walk(metafile: Metafile): Reached {
  const reached: Reached = { files: new Map([[ENTRY, [ENTRY]]]), packages: new Map(), lazyLab: new Set() };
  const queue = [ENTRY];
  for (let file = queue.shift(); file !== undefined; file = queue.shift()) {
    const chain = reached.files.get(file)!;
    for (const imp of metafile.inputs[file]?.imports ?? []) {
      if (!imp.external) {
        if (reached.files.has(imp.path)) continue;
        reached.files.set(imp.path, [...chain, imp.path]);
        queue.push(imp.path);
      } else if (/^(lab|test|bench)\//.test(imp.path)) {
        reached.lazyLab.add(`${file} -> ${imp.path}`);
      } else if (imp.kind !== 'dynamic-import') {
        const name = packageOf(imp.path);
        if (name && !reached.packages.has(name)) reached.packages.set(name, chain);
      }
    }
  }
  return reached;
}

describe('the import graph of the kafka-dr CLI', () => {
  let reached: Reached;
  beforeAll(async () => {
    const { metafile } = await build({ entryPoints: [ENTRY], absWorkingDir: root, bundle: true, platform: 'node', format: 'esm', packages: 'external', plugins: [labBoundary], write: false, metafile: true, logLevel: 'silent', outdir: 'unused' });
    reached = walk(metafile);
  });

  it('loads no lab/, test/ or bench/ file and no dev dependency but through --local\'s import()', () => {
    const labFiles = [...reached.files].filter(([file]) => /^(lab|test|bench)\//.test(file)).map(([, chain]) => chain.join(' -> '));
    expect(labFiles).toEqual([]);
    const undeclared = [...reached.packages]
      .filter(([name]) => !(name in pkg.dependencies))
      .map(([name, chain]) => `${name} (${name in pkg.devDependencies ? 'a dev dependency' : 'not a dependency'}), imported by ${chain.join(' -> ')}`);
    expect(undeclared).toEqual([]);
  });

  it('reaches the lab only through import() in bin/cli/local.ts, so the walk above would have found it otherwise', () => {
    expect(reached.files.has('bin/cli/deployed.ts')).toBe(true);
    expect([...reached.lazyLab].sort()).toEqual(['bin/cli/local.ts -> lab/estate', 'bin/cli/local.ts -> lab/local-control-plane', 'bin/cli/local.ts -> lab/reverse-flow']);
  });
});

/** A copy of the repository as installed: bin/, src/ and what `copy` adds; node_modules with only the packages npm ci --omit=dev installs (the lockfile's non-dev ones). */
function installedCopy(...copy: string[]): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'kafka-dr-installed-'));
  for (const entry of ['bin', 'src', 'package.json', 'tsconfig.json', ...copy]) cpSync(path.join(root, entry), path.join(dir, entry), { recursive: true, filter: (p) => !p.includes(`${path.sep}.state`) });
  const lock = JSON.parse(readFileSync(path.join(root, 'package-lock.json'), 'utf8')) as { packages: Record<string, { dev?: boolean }> };
  for (const [at, entry] of Object.entries(lock.packages)) {
    const name = at.startsWith('node_modules/') ? at.slice('node_modules/'.length) : undefined;
    if (!name || name.includes('/node_modules/') || entry.dev || !existsSync(path.join(root, at))) continue;
    mkdirSync(path.dirname(path.join(dir, at)), { recursive: true });
    symlinkSync(path.join(root, at), path.join(dir, at));
  }
  return dir;
}

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** The CLI run in `dir` as a process of its own, by the install's own tsx (a runtime dependency: the bin's shebang runs it). */
async function kafkaDr(dir: string, env: Record<string, string>, ...args: string[]): Promise<Run> {
  // Not Jest's VM-modules switch, nor a profile that would take the stand-in's credentials' place.
  const inherited = { ...process.env };
  delete inherited.NODE_OPTIONS;
  delete inherited.AWS_PROFILE;
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [path.join(dir, 'node_modules', 'tsx', 'dist', 'cli.mjs'), ENTRY, ...args], { cwd: dir, env: { ...inherited, ...env } });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    if (typeof e.code !== 'number') throw err;
    return { code: e.code, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

const LOCAL_REFUSED = /--local runs the lab's control plane: it needs the project's dev dependencies and lab\/, and this install has no (\S+) \(run npm ci in a clone of kafka-dr/;

/** AWS as far as these commands get: an empty bucket (S3's GETs), and no control plane stack (CloudFormation's POSTs). */
function fakeAws(requests: string[]): Server {
  return createServer((req, res) => {
    requests.push(`${req.method} ${req.url}`);
    if (req.method === 'GET') {
      res.writeHead(200, { 'content-type': 'application/xml' });
      res.end('<?xml version="1.0" encoding="UTF-8"?><ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Name>b</Name><Prefix>backups/</Prefix><KeyCount>0</KeyCount><MaxKeys>1000</MaxKeys><Delimiter>/</Delimiter><IsTruncated>false</IsTruncated></ListBucketResult>');
      return;
    }
    res.writeHead(400, { 'content-type': 'text/xml' });
    res.end('<ErrorResponse xmlns="http://cloudformation.amazonaws.com/doc/2010-05-15/"><Error><Type>Sender</Type><Code>ValidationError</Code><Message>Stack does not exist</Message></Error><RequestId>1</RequestId></ErrorResponse>');
  });
}

const BUCKET = 'kafka-dr-packaging-test';
/** What each test checks, run all at once in beforeAll: each is a process start of a second or more. */
const COMMANDS = {
  validate: ['config', 'validate', example],
  list: ['backups', 'list', '--bucket', BUCKET],
  status: ['status', '--config', example],
  statusLocal: ['status', '--local'],
  listLocal: ['backups', 'list', '--local', '--bucket', BUCKET],
};

describe('the kafka-dr CLI installed without the lab and the dev dependencies', () => {
  const requests: string[] = [];
  const aws = fakeAws(requests);
  const dirs: string[] = [];
  let runs: Record<keyof typeof COMMANDS | 'withLabLocal', Run>;

  beforeAll(async () => {
    await new Promise<void>((resolve) => aws.listen(0, '127.0.0.1', resolve));
    const env = { AWS_ENDPOINT_URL: `http://127.0.0.1:${(aws.address() as AddressInfo).port}`, AWS_REGION: 'eu-west-1', AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test' };
    const [bare, withLab] = [installedCopy(), installedCopy('lab', 'lib')];
    dirs.push(bare, withLab);
    for (const dir of dirs) {
      for (const dev of ['aws-local-stepfunctions', 'jest', 'typescript']) expect(existsSync(path.join(dir, 'node_modules', dev))).toBe(false);
      for (const shipped of ['commander', 'tsx']) expect(existsSync(path.join(dir, 'node_modules', shipped))).toBe(true);
    }
    expect(existsSync(path.join(bare, 'lab'))).toBe(false);
    const names = Object.keys(COMMANDS) as (keyof typeof COMMANDS)[];
    const results = await Promise.all([...names.map((name) => kafkaDr(bare, env, ...COMMANDS[name])), kafkaDr(withLab, env, 'status', '--local')]);
    runs = { ...Object.fromEntries(names.map((name, i) => [name, results[i]!])), withLabLocal: results.at(-1)! } as typeof runs;
  });
  afterAll(async () => {
    await new Promise((resolve) => aws.close(resolve));
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  it('validates an estate file', () => {
    expect(runs.validate).toMatchObject({ code: 0, stdout: expect.stringContaining(': valid (estate ') });
  });

  it('lists the backups of a bucket named with --bucket', () => {
    expect(runs.list).toMatchObject({ code: 0, stdout: `no backups in ${BUCKET}\n` });
    expect(requests).toContainEqual(expect.stringMatching(new RegExp(`^GET /${BUCKET}/?\\?.*list-type=2`)));
  });

  it('looks for the control plane stack of --config', () => {
    const estate = /^estate:\s*(\S+)/m.exec(readFileSync(example, 'utf8'))![1]!;
    expect(runs.status).toMatchObject({ code: 1, stderr: expect.stringContaining(`stack ${controlPlaneStackName(estate)} does not exist in `) });
  });

  it.each(['statusLocal', 'listLocal'] as const)('refuses --local (%s) with exit 2, naming the missing lab/ and how to get it', (name) => {
    expect(runs[name]).toMatchObject({ code: 2, stderr: expect.stringMatching(LOCAL_REFUSED) });
    expect(LOCAL_REFUSED.exec(runs[name].stderr)![1]).toMatch(/^lab\//);
  });

  it('refuses --local with lab/ present but no dev dependencies, naming the missing package', () => {
    expect(runs.withLabLocal).toMatchObject({ code: 2, stderr: expect.stringMatching(LOCAL_REFUSED) });
    expect(LOCAL_REFUSED.exec(runs.withLabLocal.stderr)![1]).toBe('aws-local-stepfunctions');
  });
});
