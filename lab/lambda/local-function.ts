// A Lambda function of the synthesized template, run as Lambda runs it: its asset alone in a
// task root outside the project (so nothing but the bundle and the runtime's AWS SDK
// resolves), the template's handler string, environment, timeout and memory, on Node 22,
// one process per execution environment. An environment is kept warm between invocations
// (module-level state carries over, as in AWS) and another is started when every warm one
// is busy. A crash at init, an error, a timeout, a runtime exit or running out of memory
// comes back as the Lambda service reports it to Step Functions: errorType, errorMessage.
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { appendFileSync, copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { projectRoot } from '../../lib/paths';

export interface FunctionDefinition {
  logicalId: string;
  name: string;
  arn: string;
  /** The template's Runtime (only nodejs22.x is run here). */
  runtime: string;
  /** The template's Handler, e.g. "index.handler". */
  handler: string;
  /** The synthesized asset: what `cdk deploy` zips and uploads. */
  assetDir: string;
  timeoutSeconds: number;
  memorySize: number;
  /** The template's environment, resolved. */
  environment: Record<string, string>;
  /** The template's LoggingConfig.LogFormat. */
  logFormat?: string;
}

export interface LocalFunctionOptions {
  region: string;
  /** What stands in for the execution role and the AWS endpoints in the lab (AWS_ENDPOINT_URL, credentials, ...). */
  labEnvironment: Record<string, string>;
  /** Where each environment's stdout and stderr go (CloudWatch Logs in AWS): <logDir>/<function name>.log. */
  logDir: string;
}

/** What the Lambda service returns for a failed invocation (the FunctionError payload). */
export interface LambdaErrorPayload {
  errorType: string;
  errorMessage: string;
  trace?: string[];
}

export class LambdaInvocationError extends Error {
  constructor(readonly payload: LambdaErrorPayload) {
    super(payload.errorMessage);
    this.name = payload.errorType;
  }
}

export interface InvokeOptions {
  /** This invocation's timeout in place of the template's (forces work to continue in the next invocation). */
  timeoutSeconds?: number;
}

const RUNTIME = 'nodejs22.x';
const INIT_TIMEOUT_MS = 10_000; // Lambda's limit on the init phase
const MEMORY_POLL_MS = 200;
/** Where each execution environment writes a V8 CPU profile when it ends (LAB_CPU_PROFILE_DIR): where a function's time goes. */
const CPU_PROFILE_DIR = process.env.LAB_CPU_PROFILE_DIR;
const BOOTSTRAP = path.join(path.dirname(fileURLToPath(import.meta.url)), 'bootstrap.mjs');

/** The lab's Node 22 (the `node` dev dependency), as the nodejs22.x runtime would run it. */
function runtimeNode(): string {
  const pinned = path.join(projectRoot, 'node_modules', 'node', 'bin', 'node');
  if (existsSync(pinned)) return pinned;
  if (process.versions.node.startsWith('22.')) return process.execPath;
  throw new Error(`no Node 22 to run the functions as nodejs22.x: run npm ci (the node dev dependency installs it); this is Node ${process.versions.node}`);
}

/**
 * Outside the project, so that resolution from the task root never reaches the project's
 * node_modules: <root>/node_modules holds only @aws-sdk (what the runtime provides), and
 * each asset is copied to <root>/<asset>/task.
 */
function runtimeRoot(): string {
  const root = path.join(tmpdir(), `kafka-dr-lambda-${createHash('sha256').update(projectRoot).digest('hex').slice(0, 12)}`);
  const sdk = path.join(root, 'node_modules', '@aws-sdk');
  if (!existsSync(sdk)) {
    mkdirSync(path.dirname(sdk), { recursive: true });
    try {
      symlinkSync(path.join(projectRoot, 'node_modules', '@aws-sdk'), sdk, 'dir');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
  }
  return root;
}

/** The asset's files in a task root of their own (copied once per asset: assets are immutable, named by hash). */
function taskRoot(assetDir: string): string {
  const task = path.join(runtimeRoot(), path.basename(assetDir), 'task');
  if (existsSync(task)) return task;
  const building = `${task}-${randomBytes(4).toString('hex')}`;
  mkdirSync(building, { recursive: true });
  for (const file of readdirSync(assetDir)) copyFileSync(path.join(assetDir, file), path.join(building, file));
  try {
    renameSync(building, task);
  } catch {
    rmSync(building, { recursive: true, force: true }); // another process got there first
  }
  return task;
}

/** The heap Lambda gives a function of `memorySize` MB: the rest is for the runtime and buffers. */
export const lambdaHeapMb = (memorySize: number): number => Math.floor(memorySize * 0.9);

function rssMb(pid: number): number | undefined {
  try {
    const kb = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    return kb ? Number(kb) / 1024 : undefined;
  } catch {
    return undefined;
  }
}

type Reply = { type: 'init'; ok: true; initMs: number } | { type: 'init'; ok: false; error: LambdaErrorPayload } | { type: 'result'; id: string; payload: string } | { type: 'error'; id: string; error: LambdaErrorPayload };

/** One execution environment: a process that inits once and then serves invocations one at a time. */
class ExecutionEnvironment {
  readonly child: ChildProcess;
  readonly ready: Promise<number>;
  private waiting?: { resolve: (reply: Reply) => void; id?: string };
  private exited?: string;
  /** The most resident memory seen while it ran an invocation (sampled every MEMORY_POLL_MS). */
  maxRssMb = 0;

  constructor(
    private readonly fn: FunctionDefinition,
    env: Record<string, string>,
    private readonly log: (line: string) => void,
  ) {
    this.child = spawn(runtimeNode(), [`--max-old-space-size=${lambdaHeapMb(fn.memorySize)}`, ...(CPU_PROFILE_DIR ? ['--cpu-prof', `--cpu-prof-dir=${CPU_PROFILE_DIR}`] : []), BOOTSTRAP], { cwd: env.LAMBDA_TASK_ROOT, env, stdio: ['ignore', 'pipe', 'pipe', 'ipc'] });
    for (const stream of [this.child.stdout!, this.child.stderr!]) {
      stream.setEncoding('utf8');
      stream.on('data', (chunk: string) => this.log(chunk));
    }
    this.child.on('message', (reply: Reply) => {
      const waiting = this.waiting;
      if (!waiting || (reply.type !== 'init' && reply.id !== waiting.id)) return;
      this.waiting = undefined;
      waiting.resolve(reply);
    });
    this.child.on('exit', (code, signal) => {
      this.exited ??= signal ? `signal: ${signal === 'SIGKILL' ? 'killed' : signal}` : `exit status ${code}`;
      this.waiting?.resolve({ type: 'error', id: this.waiting.id ?? '', error: { errorType: 'Runtime.ExitError', errorMessage: `Runtime exited with error: ${this.exited}` } });
      this.waiting = undefined;
    });
    this.ready = this.reply(undefined, INIT_TIMEOUT_MS, 'init').then((reply) => {
      if (reply.type === 'init' && reply.ok) return reply.initMs;
      throw new LambdaInvocationError(reply.type === 'init' || reply.type === 'error' ? (reply as { error: LambdaErrorPayload }).error : { errorType: 'Runtime.Unknown', errorMessage: 'no init reply' });
    });
  }

  get alive(): boolean {
    return this.exited === undefined && this.child.exitCode === null;
  }

  /** Waits for the reply to `id` (or init), killing the environment at the deadline or when it outgrows its memory. */
  private reply(id: string | undefined, timeoutMs: number, phase: string): Promise<Reply> {
    this.hold(true);
    return new Promise<Reply>((resolve) => {
      const done = (reply: Reply) => {
        clearTimeout(timer);
        clearInterval(memory);
        this.hold(false);
        resolve(reply);
      };
      this.waiting = { resolve: done, id };
      const fail = (error: LambdaErrorPayload) => {
        this.waiting = undefined;
        this.kill();
        done({ type: 'error', id: id ?? '', error });
      };
      const timer = setTimeout(() => fail({ errorType: 'Sandbox.Timedout', errorMessage: `Task timed out after ${(timeoutMs / 1000).toFixed(2)} seconds${phase === 'init' ? ' (init)' : ''}` }), timeoutMs);
      const memory = setInterval(() => {
        const rss = rssMb(this.child.pid!);
        if (rss !== undefined) this.maxRssMb = Math.max(this.maxRssMb, rss);
        if (rss !== undefined && rss > this.fn.memorySize) fail({ errorType: 'Runtime.OutOfMemory', errorMessage: `Runtime exited with error: signal: killed (${rss.toFixed(0)} MB used, MemorySize ${this.fn.memorySize} MB)` });
      }, MEMORY_POLL_MS);
    });
  }

  /** An idle environment must not keep the lab's process alive; a busy one must. */
  private hold(busy: boolean): void {
    const handles = [this.child, this.child.channel, this.child.stdout, this.child.stderr] as ({ ref(): void; unref(): void } | null | undefined)[];
    for (const h of handles) {
      if (busy) h?.ref();
      else h?.unref();
    }
  }

  async invoke(event: unknown, timeoutSeconds: number): Promise<unknown> {
    const id = randomUUID();
    const deadlineMs = Date.now() + timeoutSeconds * 1000;
    const traceId = `Root=1-${Math.floor(Date.now() / 1000).toString(16)}-${randomBytes(12).toString('hex')};Parent=${randomBytes(8).toString('hex')};Sampled=0`;
    const replied = this.reply(id, timeoutSeconds * 1000, 'invoke');
    this.child.send({ id, event, deadlineMs, requestId: id, traceId, functionArn: this.fn.arn });
    const reply = await replied;
    if (reply.type === 'result') return JSON.parse(reply.payload);
    if (reply.type === 'error') throw new LambdaInvocationError(reply.error);
    throw new LambdaInvocationError({ errorType: 'Runtime.Unknown', errorMessage: `unexpected reply ${reply.type}` });
  }

  kill(): void {
    if (!this.alive) return;
    this.exited = 'signal: killed'; // dead from now on, before the exit event arrives
    this.child.kill('SIGKILL');
  }

  /** Stops an environment at the end: a profiled one is disconnected, so that it exits and Node writes its profile (SIGKILL would lose it). */
  end(): void {
    if (!CPU_PROFILE_DIR || !this.alive) return this.kill();
    this.exited = 'ended';
    this.child.disconnect();
  }
}

const everyFunction = new Set<LocalFunction>();

/**
 * Ends every environment this module started. A test file calls it at its end, so that none
 * outlives the file: not even one still serving the task of an execution it aborted (Lambda
 * runs that task to its end), which kept a Jest worker from exiting.
 */
export function endFunctions(): void {
  for (const fn of everyFunction) fn.end();
}
process.once('exit', endFunctions);

export interface ColdStart {
  initMs: number;
}

export class LocalFunction {
  private readonly idle: ExecutionEnvironment[] = [];
  private readonly all = new Set<ExecutionEnvironment>();
  private readonly taskRoot: string;
  private recent: string[] = [];
  /** Where the function's environments write their logs (its CloudWatch Logs log group in AWS). */
  readonly logFile: string;
  /** Each environment's init, in the order they were started. */
  readonly coldStarts: ColdStart[] = [];
  invocations = 0;
  /** Time spent in invocations, init excluded: what Lambda bills as duration (the cost model reads it). */
  invokedMs = 0;
  /** The most any of its environments held during an invocation: Lambda's "Max Memory Used", against definition.memorySize. */
  maxMemoryUsedMb = 0;

  constructor(
    readonly definition: FunctionDefinition,
    private readonly options: LocalFunctionOptions,
  ) {
    if (definition.runtime !== RUNTIME) throw new Error(`function ${definition.logicalId}: runtime ${definition.runtime}; the lab runs ${RUNTIME} only`);
    if (!existsSync(definition.assetDir) || readdirSync(definition.assetDir).length === 0) {
      throw new Error(`function ${definition.logicalId}: no asset at ${definition.assetDir}: synthesize the app with bundling (the lab runs what cdk deploy uploads)`);
    }
    this.taskRoot = taskRoot(definition.assetDir);
    mkdirSync(options.logDir, { recursive: true });
    this.logFile = path.join(options.logDir, `${definition.name}.log`);
    everyFunction.add(this);
  }

  /** The environment as Lambda builds it: the template's variables, then the runtime's reserved ones, then the lab's stand-ins for AWS. */
  private environment(): Record<string, string> {
    const fn = this.definition;
    const root = path.dirname(path.dirname(this.taskRoot));
    return {
      ...fn.environment,
      _HANDLER: fn.handler,
      LAMBDA_TASK_ROOT: this.taskRoot,
      LAMBDA_RUNTIME_DIR: path.dirname(BOOTSTRAP),
      AWS_EXECUTION_ENV: `AWS_Lambda_${RUNTIME}`,
      AWS_LAMBDA_FUNCTION_NAME: fn.name,
      AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
      AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(fn.memorySize),
      AWS_LAMBDA_LOG_GROUP_NAME: `/aws/lambda/${fn.name}`,
      AWS_LAMBDA_LOG_STREAM_NAME: `${new Date().toISOString().slice(0, 10).replaceAll('-', '/')}/[$LATEST]${randomBytes(16).toString('hex')}`,
      ...(fn.logFormat ? { AWS_LAMBDA_LOG_FORMAT: fn.logFormat } : {}),
      AWS_REGION: this.options.region,
      AWS_DEFAULT_REGION: this.options.region,
      AWS_XRAY_DAEMON_ADDRESS: '127.0.0.1:2000',
      AWS_XRAY_CONTEXT_MISSING: 'LOG_ERROR',
      NODE_PATH: [path.join(root, 'node_modules'), this.taskRoot].join(':'),
      PATH: '/usr/local/bin:/usr/bin:/bin',
      LANG: 'en_US.UTF-8',
      TZ: ':UTC',
      ...this.options.labEnvironment,
    };
  }

  private logLine = (chunk: string) => {
    appendFileSync(this.logFile, chunk);
    this.recent = [...this.recent, ...chunk.split('\n').filter(Boolean)].slice(-40);
  };

  /** The last lines the function's environments wrote (its CloudWatch Logs in AWS). */
  recentLogs(): string[] {
    return [...this.recent];
  }

  async invoke(event: unknown, options: InvokeOptions = {}): Promise<unknown> {
    this.invocations++;
    let env = this.idle.pop();
    if (!env || !env.alive) {
      env = new ExecutionEnvironment(this.definition, this.environment(), this.logLine);
      this.all.add(env);
      // An init that fails is retried by the next invocation in a fresh environment, as Lambda does.
      try {
        this.coldStarts.push({ initMs: await env.ready });
      } catch (err) {
        this.discard(env);
        throw err;
      }
    }
    const started = performance.now();
    try {
      const result = await env.invoke(event, options.timeoutSeconds ?? this.definition.timeoutSeconds);
      this.idle.push(env);
      return result;
    } catch (err) {
      // A handled error keeps the environment warm; a crash, timeout or OOM took it down.
      if (env.alive) this.idle.push(env);
      else this.discard(env);
      throw err;
    } finally {
      this.invokedMs += performance.now() - started;
      this.maxMemoryUsedMb = Math.max(this.maxMemoryUsedMb, env.maxRssMb);
    }
  }

  private discard(env: ExecutionEnvironment): void {
    env.kill();
    this.all.delete(env);
  }

  /** Ends every environment as the lab's process exits. */
  end(): void {
    for (const env of this.all) env.end();
    this.close(); // forgets them; a disconnected one is no longer alive, so it is not killed
  }

  /** Kills every environment, mid-invocation or idle (a crash, as far as they are concerned); the next invocation starts a fresh one. */
  close(): void {
    for (const env of this.all) env.kill();
    this.all.clear();
    this.idle.length = 0;
  }
}
