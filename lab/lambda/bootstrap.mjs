// The Lambda nodejs22.x runtime's part, in one execution environment of the lab: loads the
// handler the template names (_HANDLER, "index.handler": LAMBDA_TASK_ROOT/index.{mjs,js,cjs}
// and its export), reports the init outcome, then answers invocations one at a time over
// the IPC channel. Errors leave as the runtime reports them: errorType, errorMessage,
// trace (Runtime.ImportModuleError, Runtime.HandlerNotFound, Runtime.UserCodeSyntaxError,
// Runtime.UnhandledPromiseRejection, or the thrown error's name).
// Plain JavaScript: the runtime is not ours to compile, and it runs under the bare Node.
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';

const send = (message) => new Promise((resolve) => process.send(message, resolve));

function lambdaError(thrown, errorType) {
  const error = thrown instanceof Error ? thrown : new Error(String(thrown));
  return { errorType: errorType ?? error.name, errorMessage: error.message, trace: error.stack?.split('\n') ?? [] };
}

async function loadHandler() {
  const spec = process.env._HANDLER ?? '';
  const dot = spec.lastIndexOf('.');
  if (dot <= 0) throw Object.assign(new Error(`Bad handler ${spec}: expected module.export`), { lambdaType: 'Runtime.MalformedHandlerName' });
  const moduleName = spec.slice(0, dot);
  const exportName = spec.slice(dot + 1);
  const root = process.env.LAMBDA_TASK_ROOT;
  const file = ['.mjs', '.js', '.cjs'].map((ext) => path.join(root, moduleName + ext)).find((f) => existsSync(f));
  if (!file) throw Object.assign(new Error(`Cannot find module '${moduleName}'`), { lambdaType: 'Runtime.ImportModuleError' });
  let module;
  try {
    module = await import(pathToFileURL(file).href);
  } catch (err) {
    if (err instanceof SyntaxError) err.lambdaType = 'Runtime.UserCodeSyntaxError';
    else if (err?.code === 'ERR_MODULE_NOT_FOUND' || err?.code === 'MODULE_NOT_FOUND') err.lambdaType = 'Runtime.ImportModuleError';
    throw err;
  }
  const handler = module[exportName];
  if (typeof handler !== 'function') throw Object.assign(new Error(`${moduleName}.${exportName} is undefined or not exported`), { lambdaType: 'Runtime.HandlerNotFound' });
  return handler;
}

let current; // the invocation in progress: an unhandled error fails it, as in Lambda

function context(invocation) {
  const unsupported = () => {
    throw new Error('context.done/succeed/fail: kafka-dr handlers return a promise');
  };
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName: process.env.AWS_LAMBDA_FUNCTION_NAME,
    functionVersion: process.env.AWS_LAMBDA_FUNCTION_VERSION,
    invokedFunctionArn: invocation.functionArn,
    memoryLimitInMB: process.env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE,
    awsRequestId: invocation.requestId,
    logGroupName: process.env.AWS_LAMBDA_LOG_GROUP_NAME,
    logStreamName: process.env.AWS_LAMBDA_LOG_STREAM_NAME,
    getRemainingTimeInMillis: () => Math.max(0, invocation.deadlineMs - Date.now()),
    done: unsupported,
    fail: unsupported,
    succeed: unsupported,
  };
}

async function fatal(thrown, errorType) {
  const error = lambdaError(thrown, errorType);
  console.error(JSON.stringify({ level: 'ERROR', ...error }));
  if (current) await send({ type: 'error', id: current.id, error });
  process.exit(128);
}
process.on('unhandledRejection', (reason) => fatal(reason, 'Runtime.UnhandledPromiseRejection'));
process.on('uncaughtException', (err) => fatal(err));
// The lab's process is gone: nobody will invoke this environment again.
process.on('disconnect', () => process.exit(0));

const started = performance.now();
let handler;
try {
  handler = await loadHandler();
} catch (err) {
  await send({ type: 'init', ok: false, error: lambdaError(err, err?.lambdaType) });
  process.exit(129);
}
await send({ type: 'init', ok: true, initMs: performance.now() - started });

process.on('message', async (invocation) => {
  current = invocation;
  process.env._X_AMZN_TRACE_ID = invocation.traceId;
  let reply;
  try {
    // The payload crosses JSON both ways, as it does between the Lambda service and the runtime.
    const result = await handler(invocation.event, context(invocation));
    reply = { type: 'result', id: invocation.id, payload: JSON.stringify(result ?? null) };
  } catch (err) {
    reply = { type: 'error', id: invocation.id, error: lambdaError(err) };
  }
  current = undefined;
  await send(reply);
});
