// What one run of something on the local control plane used, in the units AWS bills: Lambda
// milliseconds per function, requests per service and operation (as the emulator received
// them), DynamoDB request units, custom metric identities (PutMetricData and Powertools'
// Embedded Metric Format), log bytes, Step Functions transitions and S3 bytes stored.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { Metrics, MetricResolution, type MetricUnit } from '@aws-lambda-powertools/metrics';
import { recordAwsRequests, type AwsRequest } from '../lab/aws-requests';
import type { LocalControlPlane } from '../lab/local-control-plane';
import type { LocalExecution } from '../lab/local-state-machine';

type Unit = (typeof MetricUnit)[keyof typeof MetricUnit];

/** Every quantity is additive, so a usage can be scaled and fitted field by field. */
export interface Usage {
  /** Invoked milliseconds and invocations, by handler directory. */
  lambdaMs: Record<string, number>;
  invocations: Record<string, number>;
  /** Requests by "service:operation" (S3: by billing class). */
  requests: Record<string, number>;
  dynamodbReadUnits: number;
  dynamodbWriteUnits: number;
  getMetricDataMetrics: number;
  /** Distinct metrics published (name and dimensions): what CloudWatch bills monthly. */
  customMetrics: number;
  /** Of those, the values sent by PutMetricData (the rest are Embedded Metric Format in the logs). */
  publishedDatums: number;
  /** The log bytes those PutMetricData values would take as Embedded Metric Format instead (Powertools' documents). */
  emfBytes: number;
  functionLogBytes: number;
  workflowLogBytes: number;
  transitions: number;
  s3BytesWritten: number;
}

const add = (into: Record<string, number>, key: string, n = 1) => (into[key] = (into[key] ?? 0) + n);

/** Request units as DynamoDB on demand bills them for small items (under 1 KB written, 4 KB read). */
function dynamodbUnits(request: AwsRequest): { read: number; write: number } {
  const body = (request.body ?? {}) as { TransactItems?: unknown[]; RequestItems?: Record<string, unknown> };
  const written = () => Object.values(body.RequestItems ?? {}).flatMap((writes) => writes as unknown[]).length;
  const read = () => Object.values(body.RequestItems ?? {}).reduce((n: number, table) => n + ((table as { Keys?: unknown[] }).Keys?.length ?? 0), 0);
  switch (request.operation) {
    case 'TransactWriteItems':
      return { read: 0, write: 2 * (body.TransactItems?.length ?? 0) };
    case 'TransactGetItems':
      return { read: 2 * (body.TransactItems?.length ?? 0), write: 0 };
    case 'BatchWriteItem':
      return { read: 0, write: written() };
    case 'BatchGetItem':
      return { read: read(), write: 0 };
    case 'PutItem':
    case 'UpdateItem':
    case 'DeleteItem':
      return { read: 0, write: 1 };
    default:
      return { read: 1, write: 0 };
  }
}

type Datum = { MetricName: string; Unit: string; Value: number; StorageResolution?: number; Dimensions?: { Name: string; Value: string }[] };
type PutMetricData = { Namespace: string; MetricData: Datum[] };

function putMetricDataIdentities(request: AwsRequest): string[] {
  const body = request.body as PutMetricData;
  return body.MetricData.map((d) => `${body.Namespace}/${d.MetricName}/${JSON.stringify(d.Dimensions ?? [])}`);
}

/** Powertools' own limit of metrics in one EMF document (it flushes at that many). */
const EMF_METRICS_PER_DOCUMENT = 99;

/** The bytes of the EMF documents Powertools Metrics would write for the same values: one per dimension set, per 99 metrics. */
function emfBytesOf(request: AwsRequest): number {
  const { Namespace, MetricData } = request.body as PutMetricData;
  const byDimensions = new Map<string, Datum[]>();
  for (const d of MetricData) {
    const key = JSON.stringify(d.Dimensions ?? []);
    byDimensions.set(key, [...(byDimensions.get(key) ?? []), d]);
  }
  let bytes = 0;
  for (const data of byDimensions.values()) {
    for (let i = 0; i < data.length; i += EMF_METRICS_PER_DOCUMENT) {
      const metrics = new Metrics({ namespace: Namespace, serviceName: 'kafka-dr' });
      metrics.addDimensions(Object.fromEntries((data[0]!.Dimensions ?? []).map((d) => [d.Name, d.Value])));
      for (const d of data.slice(i, i + EMF_METRICS_PER_DOCUMENT)) metrics.addMetric(d.MetricName, d.Unit as Unit, d.Value, d.StorageResolution === 1 ? MetricResolution.High : MetricResolution.Standard);
      bytes += JSON.stringify(metrics.serializeMetrics()).length + 1;
    }
  }
  return bytes;
}

/** The metrics of Embedded Metric Format documents among log lines (Powertools Metrics writes them to stdout). */
function emfIdentities(logText: string): string[] {
  const found: string[] = [];
  for (const line of logText.split('\n')) {
    const start = line.indexOf('{"');
    if (start < 0 || !line.includes('"_aws"')) continue;
    let doc: { _aws?: { CloudWatchMetrics?: { Namespace: string; Dimensions: string[][]; Metrics: { Name: string }[] }[] } } & Record<string, unknown>;
    try {
      doc = JSON.parse(line.slice(start));
    } catch {
      continue;
    }
    for (const directive of doc._aws?.CloudWatchMetrics ?? []) {
      for (const dims of directive.Dimensions) {
        const values = dims.map((d) => `${d}=${String(doc[d])}`).join(',');
        for (const m of directive.Metrics) found.push(`${directive.Namespace}/${m.Name}/${values}`);
      }
    }
  }
  return found;
}

/** What was appended to a log file after `offset` (a function that never logged has none). */
function readFrom(file: string, offset: number): string {
  if (!existsSync(file)) return '';
  return readFileSync(file).subarray(offset).toString('utf8');
}

/** The transitions and logged event bytes of executions, their Distributed Map children included. */
export function workflowUsage(executions: readonly LocalExecution[]): Pick<Usage, 'transitions' | 'workflowLogBytes'> {
  let transitions = 0;
  let workflowLogBytes = 0;
  for (const execution of executions) {
    transitions += execution.states.length;
    workflowLogBytes += execution.events.reduce((n, e) => n + JSON.stringify(e).length, 0);
    for (const child of execution.mapRuns.flatMap((run) => run.children)) {
      transitions += child.states.length;
      workflowLogBytes += child.historyBytes;
    }
  }
  return { transitions, workflowLogBytes };
}

/** Runs `work` once and measures what it used: every AWS request the emulator received meanwhile, every function's invocations. */
export async function metered<T>(plane: LocalControlPlane, work: () => Promise<T>, executions: (result: T) => LocalExecution[] = () => []): Promise<{ result: T; usage: Usage }> {
  const snapshot = async () => new Map([...(await plane.functions())].map(([dir, fn]) => [dir, { ms: fn.invokedMs, invocations: fn.invocations, logOffset: statSync(fn.logFile, { throwIfNoEntry: false })?.size ?? 0 }]));
  const before = await snapshot();
  const recording = await recordAwsRequests();
  const result = await work();
  const requests = await recording.stop();
  const usage: Usage = { lambdaMs: {}, invocations: {}, requests: {}, dynamodbReadUnits: 0, dynamodbWriteUnits: 0, getMetricDataMetrics: 0, customMetrics: 0, publishedDatums: 0, emfBytes: 0, functionLogBytes: 0, s3BytesWritten: 0, ...workflowUsage(executions(result)) };
  const metrics = new Set<string>();
  for (const [dir, fn] of await plane.functions()) {
    const was = before.get(dir) ?? { ms: 0, invocations: 0, logOffset: 0 };
    if (fn.invocations === was.invocations) continue;
    add(usage.lambdaMs, dir, fn.invokedMs - was.ms);
    add(usage.invocations, dir, fn.invocations - was.invocations);
    const logged = readFrom(fn.logFile, was.logOffset);
    usage.functionLogBytes += Buffer.byteLength(logged);
    for (const id of emfIdentities(logged)) metrics.add(id);
  }
  for (const request of requests) {
    add(usage.requests, `${request.service}:${request.operation}`);
    if (request.service === 'dynamodb') {
      const units = dynamodbUnits(request);
      usage.dynamodbReadUnits += units.read;
      usage.dynamodbWriteUnits += units.write;
    }
    if (request.operation === 'PutMetricData') {
      const ids = putMetricDataIdentities(request);
      usage.publishedDatums += ids.length;
      usage.emfBytes += emfBytesOf(request);
      for (const id of ids) metrics.add(id);
    }
    if (request.operation === 'GetMetricData') usage.getMetricDataMetrics += (request.body as { MetricDataQueries: unknown[] }).MetricDataQueries.length;
    if (request.service === 's3' && request.operation === 'PUT') usage.s3BytesWritten += request.contentLength ?? 0;
  }
  usage.customMetrics = metrics.size;
  return { result, usage };
}

/** Every quantity of two usages combined by `f` (a per-key quantity: key by key, 0 where one lacks it). */
function fieldwise(u1: Usage, u2: Usage, f: (a: number, b: number) => number): Usage {
  const combined: Record<string, unknown> = {};
  for (const [field, a] of Object.entries(u1)) {
    const b = u2[field as keyof Usage];
    if (typeof a === 'number') combined[field] = f(a, b as number);
    else {
      const [ra, rb] = [a, b as Record<string, number>];
      combined[field] = Object.fromEntries([...new Set([...Object.keys(ra), ...Object.keys(rb)])].map((k) => [k, f(ra[k] ?? 0, rb[k] ?? 0)]));
    }
  }
  return combined as unknown as Usage;
}

/** A usage at `x`, on the line through two measured ones (at x1 and x2); no quantity goes below zero. */
export function interpolated(at1: { x: number; usage: Usage }, at2: { x: number; usage: Usage }, x: number): Usage {
  const t = at2.x === at1.x ? 0 : (x - at1.x) / (at2.x - at1.x);
  return fieldwise(at1.usage, at2.usage, (a, b) => Math.max(0, a + (b - a) * t));
}

/** The mean of several runs' usages. */
export function mean(usages: readonly Usage[]): Usage {
  const sum = usages.slice(1).reduce((acc, u) => fieldwise(acc, u, (a, b) => a + b), usages[0]!);
  return fieldwise(sum, sum, (a) => a / usages.length);
}
