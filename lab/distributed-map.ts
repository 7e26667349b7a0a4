// A Distributed Map state as Step Functions runs it, for the local runner, which
// aws-local-stepfunctions does not: the item list read from S3 (the emulator, with the SDK),
// each item a child execution of the ItemProcessor with a history of its own, at most
// MaxConcurrency at once, the map run failed past its tolerated failures (the children still
// running aborted), and its results written to S3 in the layout Step Functions uses
// (<prefix>/<map run id>/manifest.json naming SUCCEEDED_n.json and FAILED_n.json). What this
// runner does not implement it refuses by name rather than ignore.
import { randomUUID } from 'node:crypto';
import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { StateMachine, type StateMachineDefinition } from 'aws-local-stepfunctions';
import { dataLimitExceeded } from './payload-quota';

type AslState = Record<string, any>;
type Json = Parameters<StateMachine['run']>[0];
type RunOptions = NonNullable<Parameters<StateMachine['run']>[1]>;
type Context = NonNullable<RunOptions['context']>;

/** The parent execution's context ($$) as the runner gives it. */
export interface ExecutionContext extends Context {
  Execution: { Id: string; Name: string };
  StateMachine: { Id: string; Name: string };
}

/** Unlimited (MaxConcurrency 0) runs this many children at once here, as the library's inline Map does. */
const LOCAL_CONCURRENCY_CAP = 40;

export interface ChildExecution {
  name: string;
  arn: string;
  status: 'SUCCEEDED' | 'FAILED' | 'ABORTED';
  input: unknown;
  output?: unknown;
  error?: string;
  cause?: string;
  /** Names of the states entered, in order. */
  states: string[];
  /** How many events its history holds (Step Functions caps one execution's at 25,000). */
  historyEvents: number;
  /** The events' size as JSON: what logging at level ALL, execution data included, delivers to CloudWatch Logs. */
  historyBytes: number;
  startedAt: Date;
  stoppedAt: Date;
}

export interface MapRun {
  /** The Distributed Map state. */
  state: string;
  arn: string;
  status: 'SUCCEEDED' | 'FAILED';
  children: ChildExecution[];
  /** Where its results were written, when the state has a ResultWriter. */
  results?: { bucket: string; manifest: string };
}

/** What the state needs of the execution it runs in. */
export interface MapRunScope {
  context: ExecutionContext;
  /** Overrides for the children (the same local task handlers, Wait and Retry overrides). */
  overrides: RunOptions['overrides'];
}

/** The library matches Retry and Catch on the error's name, and reports its message as the Cause. */
export class DistributedMapError extends Error {
  constructor(error: string, cause: string) {
    super(cause);
    this.name = error;
  }
}

export const isDistributedMap = (state: AslState): boolean => state.Type === 'Map' && state.ItemProcessor?.ProcessorConfig?.Mode === 'DISTRIBUTED';

/** Why the runner cannot run this Distributed Map as Step Functions would; empty when it can. */
export function unsupportedMapFields(name: string, state: AslState): string[] {
  const problems: string[] = [];
  const reader = state.ItemReader as AslState | undefined;
  if (!reader) problems.push(`Distributed Map "${name}" reads its items from the state input; the local runner reads them from S3 only (ItemReader)`);
  else {
    if (reader.Resource !== 'arn:aws:states:::s3:getObject' && !String(reader.Resource).endsWith(':states:::s3:getObject')) problems.push(`Distributed Map "${name}" reads items with ${reader.Resource}; the local runner supports s3:getObject`);
    if (!['JSON', 'JSONL'].includes(reader.ReaderConfig?.InputType)) problems.push(`Distributed Map "${name}" reads ${reader.ReaderConfig?.InputType} items; the local runner supports JSON and JSONL`);
  }
  for (const field of ['ItemBatcher', 'ItemsPath', 'Parameters', 'ResultSelector', 'ToleratedFailurePercentagePath', 'ToleratedFailureCountPath', 'MaxConcurrencyPath']) {
    if (field in state) problems.push(`Distributed Map "${name}" uses ${field}, which the local runner does not implement`);
  }
  if (state.ResultWriter && !state.ResultWriter.Parameters) problems.push(`Distributed Map "${name}" has a ResultWriter without a bucket; the local runner writes results to S3 only`);
  if (state.ResultWriter?.WriterConfig) problems.push(`Distributed Map "${name}" formats its results (WriterConfig), which the local runner does not implement`);
  return problems;
}

/** What Step Functions gives a Task without TimeoutSeconds (99999999 s), as far as Node's timers reach (2^31 - 1 ms). */
export const UNBOUNDED_TASK_SECONDS = Math.floor((2 ** 31 - 1) / 1000);

/**
 * The Task that stands in for the Distributed Map in the parent's definition: the local
 * handler of that name runs the map; path fields, Retry, Catch and transitions stay.
 */
export function standIn(state: AslState, resource: string): AslState {
  const kept = Object.fromEntries(['Comment', 'InputPath', 'OutputPath', 'ResultPath', 'Retry', 'Catch', 'Next', 'End'].filter((f) => f in state).map((f) => [f, state[f]]));
  // A Map has no timeout of its own (the execution's applies).
  return { Type: 'Task', Resource: resource, TimeoutSeconds: UNBOUNDED_TASK_SECONDS, ...kept };
}

/**
 * The states with every Task bounded as in Step Functions: the library gives a Task without
 * TimeoutSeconds 60 s, where Step Functions lets it run (a Lambda's own timeout bounds it).
 */
export function withTaskTimeouts(states: Record<string, AslState>): Record<string, AslState> {
  const bounded = (state: AslState): AslState => {
    const nested = (machine: AslState) => ({ ...machine, States: withTaskTimeouts(machine.States) });
    if (state.Type === 'Task' && state.TimeoutSeconds === undefined && state.TimeoutSecondsPath === undefined) return { ...state, TimeoutSeconds: UNBOUNDED_TASK_SECONDS };
    if (state.Type === 'Parallel') return { ...state, Branches: state.Branches.map(nested) };
    if (state.Type === 'Map') return { ...state, ...(state.Iterator ? { Iterator: nested(state.Iterator) } : {}), ...(state.ItemProcessor ? { ItemProcessor: nested(state.ItemProcessor) } : {}) };
    return state;
  };
  return Object.fromEntries(Object.entries(states).map(([name, state]) => [name, bounded(state)]));
}

/** A payload template ("x.$" paths, intrinsic functions) resolved as a Pass state would, by the library itself. */
async function resolved(template: unknown, input: Json, context: Context): Promise<any> {
  const pass = new StateMachine({ StartAt: 'Resolve', States: { Resolve: { Type: 'Pass', Parameters: template, End: true } } } as StateMachineDefinition);
  return pass.run(input, { context }).result;
}

async function readItems(s3: S3Client, reader: AslState, input: Json, context: Context, where: string): Promise<unknown[]> {
  const { Bucket, Key, VersionId } = await resolved(reader.Parameters, input, context);
  const text = await (await s3.send(new GetObjectCommand({ Bucket, Key, VersionId }))).Body?.transformToString('utf8');
  if (text === undefined) throw new DistributedMapError('States.ItemReaderFailed', `${where}: s3://${Bucket}/${Key} came back without a body`);
  let items: unknown[];
  try {
    if (reader.ReaderConfig.InputType === 'JSONL') items = text.split('\n').filter((line) => line.trim() !== '').map((line) => JSON.parse(line) as unknown);
    else {
      const parsed = JSON.parse(text) as unknown;
      if (!Array.isArray(parsed)) throw new Error('not a JSON array');
      items = parsed;
    }
  } catch (err) {
    throw new DistributedMapError('States.ItemReaderFailed', `${where}: s3://${Bucket}/${Key} is not ${reader.ReaderConfig.InputType}: ${(err as Error).message}`);
  }
  const max = reader.ReaderConfig.MaxItems as number | undefined;
  return max ? items.slice(0, max) : items;
}

/** A child's entry in a results file, as Step Functions writes it. */
function resultEntry(child: ChildExecution, stateMachineArn: string): Record<string, unknown> {
  return {
    ExecutionArn: child.arn,
    Input: JSON.stringify(child.input),
    InputDetails: { Included: true },
    Name: child.name,
    ...(child.status === 'SUCCEEDED' ? { Output: JSON.stringify(child.output ?? null), OutputDetails: { Included: true } } : { Error: child.error, Cause: child.cause }),
    RedriveCount: 0,
    StartDate: child.startedAt.toISOString(),
    StateMachineArn: stateMachineArn,
    Status: child.status,
    StopDate: child.stoppedAt.toISOString(),
  };
}

async function writeResults(s3: S3Client, writer: AslState, input: Json, context: ExecutionContext, run: MapRun, runId: string): Promise<{ bucket: string; manifest: string }> {
  const { Bucket, Prefix } = await resolved(writer.Parameters, input, context);
  const dir = Prefix ? `${String(Prefix).replace(/\/$/, '')}/${runId}` : runId;
  const put = (key: string, body: unknown) => s3.send(new PutObjectCommand({ Bucket, Key: key, Body: JSON.stringify(body), ContentType: 'application/json' }));
  const files: Record<'FAILED' | 'PENDING' | 'SUCCEEDED', { Key: string; Size: number }[]> = { FAILED: [], PENDING: [], SUCCEEDED: [] };
  for (const status of ['SUCCEEDED', 'FAILED'] as const) {
    const entries = run.children.filter((c) => (status === 'SUCCEEDED' ? c.status === 'SUCCEEDED' : c.status !== 'SUCCEEDED')).map((c) => resultEntry(c, context.StateMachine.Id));
    if (entries.length === 0) continue;
    const key = `${dir}/${status}_0.json`;
    await put(key, entries);
    files[status].push({ Key: key, Size: Buffer.byteLength(JSON.stringify(entries)) });
  }
  const manifest = `${dir}/manifest.json`;
  await put(manifest, { DestinationBucket: Bucket, MapRunArn: run.arn, ResultFiles: files });
  return { bucket: Bucket, manifest };
}

/**
 * Runs the Distributed Map `name` on `input` (its effective input): one child execution per
 * item, results written, the output Step Functions gives (the ResultWriter's details, or the
 * children's outputs in item order). A map run past its tolerated failures throws
 * States.ExceedToleratedFailureThreshold, after writing its results. `runs` gets the map run.
 */
export async function runDistributedMap(name: string, state: AslState, input: Json, scope: MapRunScope, runs: MapRun[]): Promise<Json> {
  const s3 = new S3Client({ forcePathStyle: true });
  const { context } = scope;
  const machineName = context.StateMachine.Name;
  const runId = randomUUID();
  const arn = context.StateMachine.Id.replace(':stateMachine:', ':mapRun:') + `/${state.Label ?? name}:${runId}`;
  const where = `Distributed Map "${name}"`;
  const items = await readItems(s3, state.ItemReader, input, context, where);
  const processor = state.ItemProcessor as AslState;
  const child = new StateMachine({ StartAt: processor.StartAt, States: withTaskTimeouts(processor.States) } as StateMachineDefinition);
  const run: MapRun = { state: name, arn, status: 'SUCCEEDED', children: [] };
  runs.push(run);

  const toleratedCount = (state.ToleratedFailureCount as number | undefined) ?? 0;
  const toleratedPercent = (state.ToleratedFailurePercentage as number | undefined) ?? 0;
  let failed = 0;
  const exceeded = () => failed > toleratedCount && (failed / items.length) * 100 > toleratedPercent;
  const running = new Set<() => void>();
  let next = 0;
  const children: ChildExecution[] = new Array(items.length);

  const runChild = async (index: number): Promise<void> => {
    const childInput = state.ItemSelector ? await resolved(state.ItemSelector, input, { ...context, Map: { Item: { Index: index, Value: items[index] } } } as Context) : items[index];
    const childName = randomUUID();
    const childArn = arn.replace(':mapRun:', ':execution:').replace(/:[^:]+$/, `:${childName}`);
    const startedAt = new Date();
    const execution = child.run(childInput as Json, {
      overrides: scope.overrides,
      context: { Execution: { Id: childArn, Name: childName }, StateMachine: { Id: `${context.StateMachine.Id}/${state.Label ?? name}`, Name: `${machineName}/${state.Label ?? name}` } },
    });
    running.add(execution.abort);
    const states: string[] = [];
    let historyEvents = 0;
    let historyBytes = 0;
    let failure: { Error?: string; Cause?: unknown } | undefined;
    const logged = (async () => {
      for await (const event of execution.eventLogs) {
        historyEvents++;
        historyBytes += JSON.stringify(event).length;
        if (event.type === 'StateEntered') states.push(event.state.name);
        if (event.type === 'ExecutionFailed') failure = event;
        const overQuota = dataLimitExceeded(event);
        if (overQuota && !failure) {
          failure = { Error: overQuota.error, Cause: overQuota.cause };
          execution.abort();
        }
      }
    })();
    const outcome = await execution.result.then(
      (output) => ({ output }),
      () => ({}),
    );
    await logged;
    running.delete(execution.abort);
    const base = { name: childName, arn: childArn, input: childInput, states, historyEvents, historyBytes, startedAt, stoppedAt: new Date() };
    children[index] =
      'output' in outcome
        ? { ...base, status: 'SUCCEEDED', output: outcome.output }
        : failure
          ? { ...base, status: 'FAILED', error: failure.Error, cause: typeof failure.Cause === 'string' ? failure.Cause : JSON.stringify(failure.Cause) }
          : { ...base, status: 'ABORTED' };
    if (children[index]!.status !== 'SUCCEEDED') failed++;
  };

  const limit = Math.min(state.MaxConcurrency || LOCAL_CONCURRENCY_CAP, LOCAL_CONCURRENCY_CAP);
  const worker = async () => {
    while (next < items.length && !exceeded()) await runChild(next++);
    // Past the threshold, Step Functions stops the children still running.
    if (exceeded()) for (const abort of running) abort();
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  run.children = children.filter(Boolean);
  if (exceeded()) run.status = 'FAILED';
  if (state.ResultWriter) run.results = await writeResults(s3, state.ResultWriter, input, context, run, runId);
  if (run.status === 'FAILED') {
    throw new DistributedMapError('States.ExceedToleratedFailureThreshold', `${where}: ${failed} of ${items.length} child executions failed, above the tolerated ${toleratedCount} (${toleratedPercent}%)`);
  }
  if (run.results) return { MapRunArn: arn, ResultWriterDetails: { Bucket: run.results.bucket, Key: run.results.manifest } };
  return run.children.map((c) => c.output ?? null) as Json;
}
