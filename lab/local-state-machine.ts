// Runs a state machine exactly as our CDK app synthesizes it, with aws-local-stepfunctions,
// each Lambda task mapped to the function's real handler (functions/<dir>/handler.ts)
// imported in-process, against the lab. The functions get their template environment, with
// the tables, topics and event buses it names created in the lab's emulator.
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import type { Context } from 'aws-lambda';
import { CfnElement, type Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { StateMachine, type RunOptions as LibraryRunOptions, type StateMachineDefinition } from 'aws-local-stepfunctions';
import { readLabInfo, useLabAws } from './estate';
import { ESTATE_CONFIG_ENV } from '../lib/config/env';
import type { EstateConfig } from '../lib/config/schema';
import { projectRoot } from '../lib/paths';
import { labArn, TemplateResources, type CfnTemplate, type ResourceInLab } from './template-resources';

type RunInput = Parameters<StateMachine['run']>[0];
type LocalHandler = NonNullable<NonNullable<LibraryRunOptions['overrides']>['taskResourceLocalHandlers']>[string];
/** One entry of the library's execution event log (StateEntered, StateRetried, ExecutionFailed, ...). */
export type ExecutionEvent = ReturnType<StateMachine['run']>['eventLogs'] extends AsyncGenerator<infer E> ? E : never;

export interface LocalExecution {
  status: 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT';
  output?: unknown;
  /** The failure's Error and Cause, as Step Functions reports them (for a Lambda error: its errorType, and its error as JSON). */
  error?: string;
  cause?: string;
  /** Names of the states entered, in order (states in Parallel branches and Map iterations included). */
  states: string[];
  events: ExecutionEvent[];
}

export interface RunOptions {
  /** $$.Execution.Name (the execution's Id ends with it); a UUID when not given. */
  name?: string;
  /** How long every Wait state waits, in milliseconds, whatever its definition says. */
  waitTimeMs?: number;
  /** Wait states and retry intervals as the definition says (real time, as deployed), instead of the short test defaults; waitTimeMs and retryIntervalMs still apply. */
  asDefined?: boolean;
  /** Retry pauses of the named states, in milliseconds, where a test needs real time to pass (default 10 ms for every state). */
  retryIntervalMs?: Record<string, number>;
  /**
   * The timeout, in seconds, `context.getRemainingTimeInMillis()` counts down from in each
   * invocation of the named functions (by handler directory, e.g. 'backup-copy'), in place
   * of the template's: forces the work that continues in the next invocation.
   */
  functionTimeoutSeconds?: Record<string, number>;
  /** Called with each event as the execution goes (the CLI's progress). */
  onEvent?: (event: ExecutionEvent) => void;
}

export interface LocalWorkflow {
  /** Runs one execution to its end; rejects only when the harness itself cannot run it. */
  run(input: unknown, options?: RunOptions): Promise<LocalExecution>;
  /** The resources the workflow and its functions reference, by logical id, as created or stood in for in the lab. */
  resources: Record<string, ResourceInLab>;
}

export interface LocalWorkflowOptions {
  /** The estate the functions run with (deployed bundles carry it; here it goes in KAFKA_DR_CONFIG). */
  config?: EstateConfig;
  /** The lab's standing deployment: tables, buckets and topics kept across runs and processes (the CLI's --local), not fresh ones. */
  standing?: boolean;
}

const DEFAULT_WAIT_MS = 50;
const RETRY_INTERVAL_MS = 10;
const SERVICE_PREFIX = 'kafka-dr-';

type AslState = Record<string, any>;
type LambdaHandler = (event: unknown, context: Context) => Promise<unknown>;

interface LambdaTask {
  logicalId: string;
  /** Its folder under functions/. */
  handlerDir: string;
  name: string;
  arn: string;
  handlerFile: string;
  timeoutSeconds: number;
  memorySize: number;
  environment: Record<string, string>;
}

/** Every state, those of Parallel branches and Map iterations included. */
function* allStates(machine: { States: Record<string, AslState> }): Generator<[string, AslState]> {
  for (const [name, state] of Object.entries(machine.States)) {
    yield [name, state];
    for (const nested of [...(state.Branches ?? []), state.Iterator, state.ItemProcessor]) if (nested) yield* allStates(nested);
  }
}

/** What aws-local-stepfunctions would silently ignore, so a test would pass on a workflow that does not run in AWS as tested. */
function refuseUnsupported(definition: AslState, states: [string, AslState][], where: string): void {
  const problems = definition.QueryLanguage === 'JSONata' ? ['the state machine uses JSONata'] : [];
  for (const [name, state] of states) {
    if (state.QueryLanguage === 'JSONata') problems.push(`state "${name}" uses JSONata`);
    if ([state, ...(state.Choices ?? []), ...(state.Catch ?? [])].some((s: AslState) => 'Assign' in s)) problems.push(`state "${name}" assigns variables`);
    if (state.ItemProcessor?.ProcessorConfig?.Mode === 'DISTRIBUTED') problems.push(`state "${name}" is a Distributed Map`);
  }
  if (problems.length) throw new Error(`${where}: the local runner supports JSONPath states only, without variables or Distributed Map: ${problems.join('; ')}`);
}

function stateMachineLogicalId(stack: Stack, template: CfnTemplate, stateMachine: sfn.StateMachine | string): string {
  let logicalId = typeof stateMachine === 'string' ? stateMachine : undefined;
  if (!logicalId || !template.Resources[logicalId]) {
    const construct =
      typeof stateMachine === 'string'
        ? stack.node.findAll().find((c) => c.node.path === stateMachine || c.node.path === `${stack.node.path}/${stateMachine}`)
        : stateMachine;
    const resource = construct?.node.defaultChild;
    logicalId = resource instanceof CfnElement ? stack.getLogicalId(resource) : undefined;
  }
  if (!logicalId || template.Resources[logicalId]?.Type !== 'AWS::StepFunctions::StateMachine') {
    const known = Object.entries(template.Resources).filter(([, r]) => r.Type === 'AWS::StepFunctions::StateMachine');
    throw new Error(`stack ${stack.stackName} has no state machine ${typeof stateMachine === 'string' ? stateMachine : stateMachine.node.path}; it has: ${known.map(([id]) => id).join(', ') || 'none'}`);
  }
  return logicalId;
}

/** The ASL of the state machine, every CloudFormation token resolved against the lab. */
async function definitionOf(resources: TemplateResources, logicalId: string): Promise<StateMachineDefinition> {
  const where = `definition of state machine ${logicalId}`;
  const { DefinitionString, DefinitionSubstitutions = {} } = resources.resource(logicalId).Properties ?? {};
  if (DefinitionString === undefined) throw new Error(`${where}: no DefinitionString (the local runner reads the definition CDK writes from a chainable or file)`);
  const text = (await resources.resolve(DefinitionString, where)) as string;
  const substitutions = (await resources.resolve(DefinitionSubstitutions, `${where} (DefinitionSubstitutions)`)) as Record<string, string>;
  return JSON.parse(text.replace(/\$\{([^}]+)\}/g, (token: string, key: string) => substitutions[key] ?? token)) as StateMachineDefinition;
}

/** A KafkaDrFunction, found by the Powertools service name the construct gives it. */
async function lambdaTask(resources: TemplateResources, logicalId: string): Promise<LambdaTask> {
  const where = `function ${logicalId}`;
  const properties = resources.resource(logicalId).Properties ?? {};
  const variables = properties.Environment?.Variables ?? {};
  const service = variables.POWERTOOLS_SERVICE_NAME;
  if (typeof service !== 'string' || !service.startsWith(SERVICE_PREFIX)) {
    throw new Error(`${where} is not a KafkaDrFunction (POWERTOOLS_SERVICE_NAME ${JSON.stringify(service)}): the local runner finds handlers as functions/<handlerDir>/handler.ts`);
  }
  const handlerDir = service.slice(SERVICE_PREFIX.length);
  const handlerFile = path.join(projectRoot, 'functions', handlerDir, 'handler.ts');
  if (!existsSync(handlerFile)) throw new Error(`${where}: its handler ${path.relative(projectRoot, handlerFile)} does not exist`);
  const environment = (await resources.resolve(variables, `environment of ${where}`)) as Record<string, string>;
  // It configures the Lambda runtime's Node; here it would replace the test process's own in child processes.
  delete environment.NODE_OPTIONS;
  const { name, arn } = resources.inLab[logicalId]!;
  return { logicalId, handlerDir, name: name!, arn: arn!, handlerFile, timeoutSeconds: properties.Timeout ?? 3, memorySize: properties.MemorySize ?? 128, environment };
}

function lambdaContext(fn: LambdaTask, timeoutSeconds: number): Context {
  const deadline = Date.now() + timeoutSeconds * 1000;
  const callbackStyle = () => {
    throw new Error(`${fn.logicalId}: context.done/succeed/fail are not supported: return a promise from the handler`);
  };
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName: fn.name,
    functionVersion: '$LATEST',
    invokedFunctionArn: fn.arn,
    memoryLimitInMB: String(fn.memorySize),
    awsRequestId: randomUUID(),
    logGroupName: `/aws/lambda/${fn.name}`,
    logStreamName: `${new Date().toISOString().slice(0, 10).replaceAll('-', '/')}/[$LATEST]${randomUUID().replaceAll('-', '')}`,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: callbackStyle,
    fail: callbackStyle,
    succeed: callbackStyle,
  };
}

/**
 * A handler's error as Step Functions sees a Lambda's: the library matches Retry/Catch
 * ErrorEquals against `name` and reports `message` as the Cause, so name = errorType and
 * message = the error JSON the Lambda runtime returns.
 */
class LambdaFunctionError extends Error {
  constructor(thrown: unknown) {
    const error = thrown instanceof Error ? thrown : new Error(String(thrown));
    super(JSON.stringify({ errorType: error.name, errorMessage: error.message, trace: error.stack?.split('\n') ?? [] }));
    this.name = error.name;
  }
}

function invoker(fn: LambdaTask, handler: LambdaHandler, timeoutSeconds = fn.timeoutSeconds): LocalHandler {
  return async (input) => {
    // Functions share this process: each runs with its own values of the variables they share.
    Object.assign(process.env, fn.environment);
    try {
      // The payload crosses JSON both ways, as it does between Step Functions and Lambda.
      return JSON.parse(JSON.stringify((await handler(input, lambdaContext(fn, timeoutSeconds))) ?? null));
    } catch (err) {
      throw new LambdaFunctionError(err);
    }
  };
}

/** Imports with the function's variables set (modules read them at import), leaving the union of all functions' in process.env. */
async function importHandler(fn: LambdaTask): Promise<LambdaHandler> {
  Object.assign(process.env, fn.environment);
  const module = (await import(fn.handlerFile)) as { handler?: unknown };
  if (typeof module.handler !== 'function') throw new Error(`function ${fn.logicalId}: ${path.relative(projectRoot, fn.handlerFile)} exports no handler`);
  return module.handler as LambdaHandler;
}

const causeText = (cause: unknown) => (cause === undefined || typeof cause === 'string' ? cause : JSON.stringify(cause));

/**
 * Prepares `stateMachine` of `stack` to run locally: resolves its definition, creates what
 * it and its functions reference in the lab's emulator, sets the functions' environment in
 * this process and imports their handlers.
 */
export async function localWorkflow(stack: Stack, stateMachine: sfn.StateMachine | string, options: LocalWorkflowOptions = {}): Promise<LocalWorkflow> {
  const [workflow] = await localWorkflows(stack, [stateMachine], options);
  return workflow!;
}

/** As localWorkflow, for state machines of one stack that share its resources (the same tables and buckets in the lab). */
export async function localWorkflows(stack: Stack, stateMachines: (sfn.StateMachine | string)[], options: LocalWorkflowOptions = {}): Promise<LocalWorkflow[]> {
  return (await localStack(stack, stateMachines, options)).workflows;
}

export interface LocalStack {
  workflows: LocalWorkflow[];
  /** Invokes the stack's function whose handler lives in functions/<handlerDir>, as Lambda would (its template environment, a context with its timeout). */
  invoke(handlerDir: string, event: unknown): Promise<unknown>;
  resources: Record<string, ResourceInLab>;
}

/** State machines and functions of one stack, run locally on shared resources. */
export async function localStack(stack: Stack, stateMachines: (sfn.StateMachine | string)[], options: LocalWorkflowOptions = {}): Promise<LocalStack> {
  useLabAws(readLabInfo());
  const template = Template.fromStack(stack).toJSON() as CfnTemplate;
  const resources = new TemplateResources(template, stack.stackName, options.standing);
  if (options.config) process.env[ESTATE_CONFIG_ENV] = JSON.stringify(options.config);
  // No X-Ray daemon in the lab; the steps' INFO logs would bury the test output.
  process.env.POWERTOOLS_TRACE_ENABLED ??= 'false';
  process.env.POWERTOOLS_LOG_LEVEL ??= 'WARN';
  // Embedded-metric lines on stdout are for CloudWatch Logs; published metrics go to the emulator regardless.
  process.env.POWERTOOLS_METRICS_DISABLED ??= 'true';
  const workflows: LocalWorkflow[] = [];
  for (const stateMachine of stateMachines) workflows.push(await prepare(stack, template, resources, stateMachine));
  const invokers = new Map<string, Promise<LocalHandler>>();
  const functionIds = Object.entries(template.Resources).filter(([, r]) => r.Type === 'AWS::Lambda::Function').map(([id]) => id);
  const invokerOf = async (handlerDir: string): Promise<LocalHandler> => {
    const id = functionIds.find((fid) => template.Resources[fid]!.Properties?.Environment?.Variables?.POWERTOOLS_SERVICE_NAME === `${SERVICE_PREFIX}${handlerDir}`);
    if (!id) throw new Error(`stack ${stack.stackName} has no function with its handler in functions/${handlerDir}`);
    await resources.resolve({ Ref: id }, `function ${id}`);
    const fn = await lambdaTask(resources, id);
    return invoker(fn, await importHandler(fn));
  };
  return {
    workflows,
    resources: resources.inLab,
    async invoke(handlerDir, event) {
      let invoke = invokers.get(handlerDir);
      if (!invoke) invokers.set(handlerDir, (invoke = invokerOf(handlerDir)));
      return (await invoke)(event as never);
    },
  };
}

async function prepare(stack: Stack, template: CfnTemplate, resources: TemplateResources, stateMachine: sfn.StateMachine | string): Promise<LocalWorkflow> {
  const machineId = stateMachineLogicalId(stack, template, stateMachine);
  const definition = await definitionOf(resources, machineId);
  const states = [...allStates(definition)];
  refuseUnsupported(definition, states, `state machine ${machineId}`);

  const lambdaByArn = new Map(
    Object.entries(resources.inLab)
      .filter(([id]) => resources.resource(id).Type === 'AWS::Lambda::Function')
      .map(([id, r]) => [r.arn!, id]),
  );
  const taskFunctions = new Map<string, string>();
  for (const [name, state] of states.filter(([, s]) => s.Type === 'Task')) {
    const functionId = lambdaByArn.get(state.Resource);
    if (!functionId) {
      throw new Error(`state machine ${machineId}, state "${name}": resource ${state.Resource} is not a Lambda function of stack ${stack.stackName}; the local runner runs Lambda tasks only (LambdaInvoke with payloadResponseOnly)`);
    }
    taskFunctions.set(name, functionId);
  }

  const functions = new Map<string, LambdaTask>();
  for (const id of new Set(taskFunctions.values())) functions.set(id, await lambdaTask(resources, id));
  const handlers = new Map<string, LambdaHandler>();
  for (const fn of functions.values()) handlers.set(fn.logicalId, await importHandler(fn));
  const localHandlers = (timeouts: Record<string, number> = {}) => {
    const unknown = Object.keys(timeouts).filter((dir) => ![...functions.values()].some((fn) => fn.handlerDir === dir));
    if (unknown.length) throw new Error(`functionTimeoutSeconds names ${unknown.join(', ')}, not a function of state machine ${machineId} (${[...functions.values()].map((fn) => fn.handlerDir).join(', ')})`);
    return Object.fromEntries(
      [...taskFunctions].map(([state, id]) => {
        const fn = functions.get(id)!;
        return [state, invoker(fn, handlers.get(id)!, timeouts[fn.handlerDir])];
      }),
    );
  };

  const machine = new StateMachine(definition);
  const waitStates = states.filter(([, s]) => s.Type === 'Wait').map(([name]) => name);
  const retryIntervalOverrides = Object.fromEntries(states.filter(([, s]) => s.Retry).map(([name]) => [name, RETRY_INTERVAL_MS]));
  await resources.resolve({ Ref: machineId }, `state machine ${machineId}`);
  const { name: machineName, arn: machineArn } = resources.inLab[machineId]!;

  return {
    resources: resources.inLab,
    async run(input, runOptions = {}) {
      const name = runOptions.name ?? randomUUID();
      const execution = machine.run(input as RunInput, {
        overrides: {
          taskResourceLocalHandlers: localHandlers(runOptions.functionTimeoutSeconds),
          waitTimeOverrides: runOptions.asDefined && runOptions.waitTimeMs === undefined ? {} : Object.fromEntries(waitStates.map((s) => [s, runOptions.waitTimeMs ?? DEFAULT_WAIT_MS])),
          retryIntervalOverrides: { ...(runOptions.asDefined ? {} : retryIntervalOverrides), ...runOptions.retryIntervalMs },
        },
        // The library sets Execution.Input and StartTime itself.
        context: { Execution: { Id: labArn('states', `execution:${machineName}:${name}`), Name: name }, StateMachine: { Id: machineArn, Name: machineName } },
      });
      const events: ExecutionEvent[] = [];
      const logged = (async () => {
        for await (const event of execution.eventLogs) {
          events.push(event);
          runOptions.onEvent?.(event);
        }
      })();
      const outcome = await execution.result.then(
        (output) => ({ output }),
        (error: unknown) => ({ error }),
      );
      await logged;
      const states = events.flatMap((e) => (e.type === 'StateEntered' ? [e.state.name] : []));
      if ('output' in outcome) return { status: 'SUCCEEDED', output: outcome.output, states, events };
      const failed = events.find((e) => e.type === 'ExecutionFailed');
      if (failed) return { status: 'FAILED', error: failed.Error, cause: causeText(failed.Cause), states, events };
      if (events.some((e) => e.type === 'ExecutionTimeout')) return { status: 'TIMED_OUT', error: 'States.Timeout', states, events };
      throw outcome.error;
    },
  };
}
