import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

// The import directions. src/ is the domain everything else builds on; functions/ run it in
// Lambda, lib/ synthesizes the infrastructure, bin/ is what an install ships (the CLI and
// the CDK app); lab/, test/ and bench/ may import anything and are imported by nothing
// shipped. Checked on import and export-from statements only: import() is how --local
// reaches the lab lazily (bin/cli/local.ts), and test/unit/cli-packaging.test.ts proves the
// CLI loads without it.

/** Packages (with their subpaths). */
const packages = (...names) => `^(${names.map((n) => n.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|')})(/|$)`;
/** Relative paths climbing out of the linted folder into a top-level one (no folder of src/, functions/, lib/ or bin/ carries these names). */
const climbingInto = (...dirs) => `^(\\.\\./)+(${dirs.join('|')})(/|$)`;
/** A static import of one of these would fail in an install (npm ci --omit=dev); types are erased, so import type is fine. */
const devDependencies = Object.keys(JSON.parse(readFileSync(path.join(import.meta.dirname, 'package.json'), 'utf8')).devDependencies).filter((name) => !name.startsWith('@types/'));
const restrictImports = (...patterns) => ({ 'no-restricted-imports': ['error', { patterns }] });
const notShipped = {
  regex: climbingInto('test', 'bench'),
  message: 'test/ and bench/ are not shipped: nothing under bin/ may load them.',
};

export default tseslint.config(
  { ignores: ['node_modules/', 'cdk.out/', 'coverage/', 'lab/.state/', 'lab/.state-*/', '**/*.js', '**/*.cjs', '**/*.mjs'] },
  js.configs.recommended,
  ...tseslint.configs.strict,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      'no-console': 'off',
    },
  },
  {
    // Tests mutate parsed YAML freely to build bad inputs; lab tooling reads emulator
    // responses whose fields are always set.
    files: ['test/**/*.ts', 'lab/**/*.ts', 'bench/**/*.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off', '@typescript-eslint/no-non-null-assertion': 'off' },
  },
  {
    files: ['src/**/*.ts'],
    rules: restrictImports(
      {
        regex: packages('aws-cdk-lib', 'constructs', 'cdk-nag'),
        message: 'src/ is the domain, shared by the CLI, the handlers and the CDK app: CDK belongs in lib/, which imports src/, not the other way round.',
      },
      {
        regex: '^@(middy|aws-lambda-powertools)(/|$)',
        message: 'src/ is the domain: Lambda runtime wiring (middy, Powertools) belongs in functions/runtime/ or a handler, which call into src/ with what they set up.',
      },
      {
        regex: climbingInto('functions', 'lib', 'lab', 'bin', 'test', 'bench'),
        message: 'src/ imports only src/ (#src/...) and packages: functions/, lib/, lab/, bin/, test/ and bench/ import src/, never the other way round. Move what both sides need into src/.',
      },
    ),
  },
  {
    files: ['functions/**/*.ts'],
    rules: restrictImports(
      {
        regex: packages('aws-cdk-lib', 'constructs'),
        message: 'functions/ run in Lambda: CDK only synthesizes, it belongs in lib/ (and would weigh on every bundle and cold start).',
      },
      {
        regex: climbingInto('lib', 'lab', 'bin', 'test', 'bench'),
        message: 'functions/ import src/ (#src/...), functions/runtime/ and packages only: lib/ is CDK (it points at handlers by path), lab/, bin/, test/ and bench/ are not in a Lambda bundle.',
      },
    ),
  },
  {
    files: ['lib/**/*.ts'],
    rules: restrictImports(
      {
        regex: packages('kafkajs', '@platformatic/kafka'),
        message: 'lib/ synthesizes infrastructure and never talks to Kafka: Kafka clients belong in src/ (the domain) and functions/ (the handlers running it).',
      },
      {
        regex: climbingInto('functions', 'lab', 'bin', 'test'),
        message: 'lib/ imports src/ (#src/...) and CDK only: it names handlers by path (functions/<name>/handler.ts) for bundling, never imports them; lab/, bin/ and test/ import lib/, not the other way round.',
      },
    ),
  },
  {
    files: ['bin/**/*.ts'],
    rules: restrictImports(
      {
        regex: climbingInto('lab'),
        allowTypeImports: true,
        message: 'bin/ is what an install ships, and an install has no lab/: load lab code with import() in bin/cli/local.ts (only --local needs it), which turns a missing lab into a usage error.',
      },
      notShipped,
      {
        regex: packages(...devDependencies),
        allowTypeImports: true,
        message: 'a dev dependency (aws-local-stepfunctions, esbuild, ...) is missing from an install (npm ci --omit=dev): the shipped CLI may not import it statically; lab-only code loads it behind --local\'s import() (bin/cli/local.ts).',
      },
    ),
  },
  {
    // The lab's drill (npm start), not the kafka-dr bin: it brings the lab up and drives it,
    // so lab/ and the dev dependencies are what it runs on. It lives in bin/ as an entry point
    // only and is not part of an install's working commands.
    files: ['bin/drill.ts'],
    rules: restrictImports(notShipped),
  },
);
