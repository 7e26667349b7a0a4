// The lab's Lambda runtime (lab/lambda/local-function.ts) on small hand-written assets: what
// resolves from the task root, how init and invocation errors come back (as the Lambda
// service reports them), warm reuse, concurrency, timeout and memory.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { LambdaInvocationError, LocalFunction, type FunctionDefinition } from '../../lab/lambda/local-function';

const logDir = mkdtempSync(path.join(tmpdir(), 'kafka-dr-local-function-logs-'));
const opened: LocalFunction[] = [];

/** A function whose asset is `index.mjs` with this code. */
function fn(code: string, overrides: Partial<FunctionDefinition> = {}): LocalFunction {
  const assetDir = mkdtempSync(path.join(tmpdir(), 'asset.'));
  mkdirSync(assetDir, { recursive: true });
  writeFileSync(path.join(assetDir, 'index.mjs'), code);
  const local = new LocalFunction(
    { logicalId: 'Fn', name: `fn-${path.basename(assetDir)}`, arn: 'arn:aws:lambda:us-east-1:123456789012:function:fn', runtime: 'nodejs22.x', handler: 'index.handler', assetDir, timeoutSeconds: 5, memorySize: 256, environment: { GREETING: 'hello' }, ...overrides },
    { region: 'us-east-1', labEnvironment: { AWS_ACCESS_KEY_ID: 'lab', AWS_SECRET_ACCESS_KEY: 'lab' }, logDir },
  );
  opened.push(local);
  return local;
}

async function failure(promise: Promise<unknown>): Promise<{ errorType: string; errorMessage: string }> {
  try {
    await promise;
  } catch (err) {
    expect(err).toBeInstanceOf(LambdaInvocationError);
    return { errorType: (err as LambdaInvocationError).payload.errorType, errorMessage: (err as LambdaInvocationError).payload.errorMessage };
  }
  throw new Error('the invocation succeeded');
}

afterAll(() => {
  for (const f of opened) f.close();
});

it('runs the handler the template names with its environment and the runtime variables; the event and result cross as JSON', async () => {
  const f = fn(`export const handler = async (event, context) => ({ event, greeting: process.env.GREETING, name: process.env.AWS_LAMBDA_FUNCTION_NAME, memory: context.memoryLimitInMB, remaining: context.getRemainingTimeInMillis() > 4000, when: new Date(0) });`);
  const result = (await f.invoke({ n: 1 })) as Record<string, unknown>;
  expect(result).toEqual({ event: { n: 1 }, greeting: 'hello', name: f.definition.name, memory: '256', remaining: true, when: '1970-01-01T00:00:00.000Z' });
});

it('resolves the runtime-provided AWS SDK and nothing else of the project', async () => {
  const sdk = fn(`import { S3Client } from '@aws-sdk/client-s3'; export const handler = async () => typeof S3Client;`);
  expect(await sdk.invoke({})).toBe('function');
  const other = fn(`import { Kafka } from 'kafkajs'; export const handler = async () => typeof Kafka;`);
  expect(await failure(other.invoke({}))).toMatchObject({ errorType: 'Runtime.ImportModuleError', errorMessage: expect.stringContaining("Cannot find package 'kafkajs'") });
});

it('reports a crash at init as Lambda does, and tries init again in a fresh environment on the next invocation', async () => {
  const f = fn(`import { readFileSync } from 'node:fs'; readFileSync(new URL('../dist/native.wasm', import.meta.url)); export const handler = async () => 'never';`);
  const first = await failure(f.invoke({}));
  expect(first).toMatchObject({ errorType: 'Error', errorMessage: expect.stringMatching(/^ENOENT: no such file or directory, open '.*\/dist\/native\.wasm'$/) });
  expect(await failure(f.invoke({}))).toEqual(first);
  expect(f.coldStarts).toHaveLength(0);
  expect(await failure(fn(`export const other = 1;`).invoke({}))).toMatchObject({ errorType: 'Runtime.HandlerNotFound' });
  expect(await failure(fn(`export const handler = async () => {`).invoke({}))).toMatchObject({ errorType: 'Runtime.UserCodeSyntaxError' });
});

it("keeps an environment warm (module state carries over, a handled error included) and starts another only for concurrent invocations", async () => {
  const f = fn(`let calls = 0; const pid = process.pid; export const handler = async (event) => { calls++; if (event.fail) { const e = new Error('refused'); e.name = 'InvalidInput'; throw e; } await new Promise((r) => setTimeout(r, event.ms ?? 0)); return { calls, pid }; };`);
  const first = (await f.invoke({})) as { calls: number; pid: number };
  expect(await failure(f.invoke({ fail: true }))).toEqual({ errorType: 'InvalidInput', errorMessage: 'refused' });
  expect(await f.invoke({})).toEqual({ calls: 3, pid: first.pid });
  const concurrent = (await Promise.all([f.invoke({ ms: 300 }), f.invoke({ ms: 300 })])) as { pid: number }[];
  expect(new Set(concurrent.map((r) => r.pid)).size).toBe(2);
  expect(f.coldStarts).toHaveLength(2);
});

it('ends an invocation at its timeout as Sandbox.Timedout, and the next one starts a fresh environment', async () => {
  const f = fn(`let calls = 0; export const handler = async (event) => { calls++; if (event.hang) await new Promise(() => setInterval(() => {}, 1000)); return calls; };`, { timeoutSeconds: 1 });
  expect(await failure(f.invoke({ hang: true }))).toEqual({ errorType: 'Sandbox.Timedout', errorMessage: 'Task timed out after 1.00 seconds' });
  expect(await f.invoke({})).toBe(1);
});

it('fails an unhandled rejection and a process exit as the runtime does', async () => {
  const rejecting = fn(`export const handler = async () => { Promise.reject(new Error('lost')); await new Promise((r) => setTimeout(r, 500)); return 'late'; };`);
  expect(await failure(rejecting.invoke({}))).toMatchObject({ errorType: 'Runtime.UnhandledPromiseRejection', errorMessage: 'lost' });
  const exiting = fn(`export const handler = async () => process.exit(3);`);
  expect(await failure(exiting.invoke({}))).toEqual({ errorType: 'Runtime.ExitError', errorMessage: 'Runtime exited with error: exit status 3' });
});

it('stops an environment that outgrows its MemorySize', async () => {
  const f = fn(`export const handler = async () => { const kept = []; for (;;) { kept.push(Buffer.alloc(16 * 1024 * 1024, 1)); await new Promise((r) => setTimeout(r, 5)); } };`, { memorySize: 128, timeoutSeconds: 20 });
  expect(await failure(f.invoke({}))).toMatchObject({ errorType: 'Runtime.OutOfMemory' });
});
