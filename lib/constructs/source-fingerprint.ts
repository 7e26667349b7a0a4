// What a function bundle is built from, as one hash: every source file of ours that esbuild
// can reach (functions/, lib/, src/) and the lockfile, which pins every package it inlines
// and esbuild itself. Given to CDK as the assets' custom hash, it lets a synth reuse a
// bundle already in the output directory (CDK skips bundling when `asset.<hash>` exists)
// instead of running esbuild for every function on every synth; CDK adds the bundling
// options (entry, define with the estate, flags) to it, so any change to those rebuilds.
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { projectRoot } from '../paths';

const SOURCE_DIRS = ['functions', 'lib', 'src'];
const SOURCE_FILES = ['package.json', 'package-lock.json', 'tsconfig.json'];

let memo: string | undefined;

function* filesUnder(dir: string): Generator<string> {
  for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) yield* filesUnder(full);
    else if (entry.isFile()) yield full;
  }
}

export function sourceFingerprint(): string {
  if (memo) return memo;
  const hash = createHash('sha256');
  const files = [
    ...SOURCE_DIRS.map((d) => path.join(projectRoot, d)).filter(existsSync).flatMap((d) => [...filesUnder(d)]),
    ...SOURCE_FILES.map((f) => path.join(projectRoot, f)),
  ];
  for (const file of files) hash.update(path.relative(projectRoot, file)).update('\0').update(readFileSync(file)).update('\0');
  return (memo = hash.digest('hex'));
}
