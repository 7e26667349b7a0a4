// The AWS requests something made, as the emulator received them: moto's request recorder,
// read back and named by service and operation the way AWS bills them. The cost model
// counts what the deployed code really sends, not what we think it sends.
import { readLabInfo } from './estate';

export interface AwsRequest {
  /** The signing name: s3, dynamodb, monitoring (CloudWatch), states, kms, ... */
  service: string;
  /** The API operation, e.g. PutMetricData; for S3 (REST), its billing class and method: "PUT", "GET", "LIST", "HEAD", "DELETE". */
  operation: string;
  /** Sent from a Lambda execution environment (the SDK's user agent names it), not by the harness. */
  fromFunction: boolean;
  /** The JSON body of a JSON-protocol request (CloudWatch, DynamoDB, Step Functions, KMS). */
  body?: unknown;
  /** The bytes an S3 request carried (a PUT's object). */
  contentLength?: number;
}

export interface RecordedRequest {
  headers: Record<string, string>;
  method: string;
  url: string;
  body: string | null;
  body_encoded: boolean;
}

const recorder = (action: string) => `${readLabInfo().moto.endpoint}/moto-api/recorder/${action}`;

async function call(action: string, method = 'POST'): Promise<string> {
  const response = await fetch(recorder(action), { method });
  if (!response.ok) throw new Error(`moto's recorder refused ${action}: HTTP ${response.status} ${await response.text()}`);
  return response.text();
}

function header(headers: Record<string, string>, name: string): string | undefined {
  const key = Object.keys(headers).find((k) => k.toLowerCase() === name);
  return key === undefined ? undefined : headers[key];
}

function s3Operation(method: string, url: URL): string {
  const inBucket = url.pathname.split('/').filter(Boolean).length;
  if (method === 'GET' && (inBucket <= 1 || url.searchParams.has('list-type') || url.searchParams.has('versions'))) return 'LIST';
  return method;
}

export function namedRequest(recorded: RecordedRequest): AwsRequest {
  const { headers } = recorded;
  const service = /Credential=[^/]+\/[^/]+\/[^/]+\/([^/]+)\//.exec(header(headers, 'authorization') ?? '')?.[1] ?? 'unsigned';
  const fromFunction = (header(headers, 'user-agent') ?? '').includes('exec-env/AWS_Lambda');
  const url = new URL(recorded.url, 'http://lab');
  const text = recorded.body_encoded ? Buffer.from(recorded.body ?? '', 'base64').toString('utf8') : (recorded.body ?? '');
  const target = header(headers, 'x-amz-target');
  if (target) {
    const body = text ? (JSON.parse(text) as unknown) : undefined;
    return { service, operation: target.slice(target.lastIndexOf('.') + 1), fromFunction, body };
  }
  if (service === 's3') return { service, operation: s3Operation(recorded.method, url), fromFunction, contentLength: Number(header(headers, 'x-amz-decoded-content-length') ?? header(headers, 'content-length') ?? 0) };
  const action = new URLSearchParams(text).get('Action') ?? url.searchParams.get('Action');
  return { service, operation: action ?? `${recorded.method} ${url.pathname.replace(/\/[^/]*$/, '/*')}`, fromFunction };
}

/** Records every request the emulator receives from now until `stop`. */
export async function recordAwsRequests(): Promise<{ stop(): Promise<AwsRequest[]> }> {
  await call('stop-recording');
  await call('reset-recording');
  await call('start-recording');
  return {
    async stop() {
      await call('stop-recording');
      const text = await call('download-recording', 'GET');
      return text
        .split('\n')
        .filter(Boolean)
        .map((line) => namedRequest(JSON.parse(line) as RecordedRequest));
    },
  };
}
