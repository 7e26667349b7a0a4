// Runs a state machine exactly as our CDK app synthesizes it, with aws-local-stepfunctions,
// each Lambda task mapped to the function's synthesized asset run as Lambda runs it
// (lab/lambda/local-function.ts: the bundle alone, the template's handler, environment,
// timeout and memory, on Node 22), against the lab. The tables, topics and event buses the
// functions' environments name are created in the lab's emulator.
import { randomUUID } from 'node:crypto';
import * as path from 'node:path';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { CfnElement, type Stack } from 'aws-cdk-lib';
import { StateMachine, type RunOptions as LibraryRunOptions, type StateMachineDefinition } from 'aws-local-stepfunctions';
import { isDistributedMap, runDistributedMap, standIn, unsupportedMapFields, withTaskTimeouts, type MapRun } from './distributed-map';
import { LAB_REGION, labStateDir, readLabInfo, useLabAws } from './estate';
import { synthesized } from './lab-app';
import { LambdaInvocationError, LocalFunction, type FunctionDefinition } from './lambda/local-function';
import { dataLimitExceeded } from './payload-quota';
import { labArn, TemplateResources, type CfnTemplate, type ResourceInLab } from './template-resources';

type RunInput = Parameters<StateMachine['run']>[0];
type LocalHandler = NonNullable<NonNullable<LibraryRunOptions['overrides']>['taskResourceLocalHandlers']>[string];
/** One entry of the library's execution event log (StateEntered, StateRetried, ExecutionFailed, ...). */
export type ExecutionEvent = ReturnType<StateMachine['run']>['eventLogs'] extends AsyncGenerator<infer E> ? E : never;

export interface LocalExecution {
  status: 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'ABORTED';
  output?: unknown;
  /** The failure's Error and Cause, as Step Functions reports them (for a Lambda error: its errorType, and its error as JSON). */
  error?: string;
  cause?: string;
  /** Names of the states entered, in order (states in Parallel branches and inline Map iterations included; a Distributed Map's children have their own, in mapRuns). */
  states: string[];
  events: ExecutionEvent[];
  /** The Distributed Map runs the execution started, each with its child executions. */
  mapRuns: MapRun[];
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
  /** Aborts the execution (StopExecution) as soon as the named state has exited: an execution that ends without its last steps. */
  abortAfter?: string;
}

export interface LocalWorkflow {
  /** Runs one execution to its end; rejects only when the harness itself cannot run it. */
  run(input: unknown, options?: RunOptions): Promise<LocalExecution>;
  /** The resources the workflow and its functions reference, by logical id, as created or stood in for in the lab. */
  resources: Record<string, ResourceInLab>;
}

export interface LocalWorkflowOptions {
  /**
   * Service-specific endpoints the functions' AWS SDK uses instead of the emulator, by the
   * SDK's environment variable suffix (e.g. { ROUTE_53: url } sets AWS_ENDPOINT_URL_ROUTE_53):
   * a fault-injecting proxy in front of the emulator.
   */
  awsEndpoints?: Record<string, string>;
  /** The lab's standing deployment: tables, buckets and topics kept across runs and processes (the CLI's --local), not fresh ones. */
  standing?: boolean;
}

const DEFAULT_WAIT_MS = 50;
const RETRY_INTERVAL_MS = 10;
const SERVICE_PREFIX = 'kafka-dr-';

type AslState = Record<string, any>;

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
  const topLevel = new Set(Object.values(definition.States as Record<string, AslState>));
  for (const [name, state] of states) {
    if (state.QueryLanguage === 'JSONata') problems.push(`state "${name}" uses JSONata`);
    if ([state, ...(state.Choices ?? []), ...(state.Catch ?? [])].some((s: AslState) => 'Assign' in s)) problems.push(`state "${name}" assigns variables`);
    if (isDistributedMap(state)) problems.push(...(topLevel.has(state) ? unsupportedMapFields(name, state) : [`Distributed Map "${name}" is nested; the local runner runs Distributed Maps at the top level only`]));
  }
  if (problems.length) throw new Error(`${where}: the local runner supports JSONPath states only, without variables, and the Distributed Maps it implements: ${problems.join('; ')}`);
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

/** The ASL of the state machine, every CloudFormation token resolved against the lab (as created in the emulator). */
async function definitionOf(resources: TemplateResources, logicalId: string): Promise<StateMachineDefinition> {
  await resources.resolve({ Ref: logicalId }, `state machine ${logicalId}`);
  return JSON.parse(resources.inLab[logicalId]!.definition!) as StateMachineDefinition;
}

/** The directory `cdk deploy` would zip for the function: the assembly's asset.<hash> its Code names. */
function assetDirOf(properties: Record<string, any>, assemblyDir: string, where: string): string {
  const key = properties.Code?.S3Key;
  if (typeof key !== 'string' || !key.endsWith('.zip')) throw new Error(`${where}: its Code is not a synthesized asset (S3Key ${JSON.stringify(key)})`);
  return path.join(assemblyDir, `asset.${key.slice(0, -'.zip'.length)}`);
}

/** A KafkaDrFunction (found by the Powertools service name the construct gives it) as the template defines it. */
async function functionDefinition(resources: TemplateResources, logicalId: string, assemblyDir: string): Promise<FunctionDefinition & { handlerDir: string }> {
  const where = `function ${logicalId}`;
  const properties = resources.resource(logicalId).Properties ?? {};
  const service = properties.Environment?.Variables?.POWERTOOLS_SERVICE_NAME;
  if (typeof service !== 'string' || !service.startsWith(SERVICE_PREFIX)) throw new Error(`${where} is not a KafkaDrFunction (POWERTOOLS_SERVICE_NAME ${JSON.stringify(service)})`);
  await resources.resolve({ Ref: logicalId }, where);
  const { name, arn } = resources.inLab[logicalId]!;
  return {
    logicalId,
    handlerDir: service.slice(SERVICE_PREFIX.length),
    name: name!,
    arn: arn!,
    runtime: properties.Runtime,
    handler: properties.Handler,
    assetDir: assetDirOf(properties, assemblyDir, where),
    timeoutSeconds: properties.Timeout ?? 3,
    memorySize: properties.MemorySize ?? 128,
    environment: (await resources.resolve(properties.Environment?.Variables ?? {}, `environment of ${where}`)) as Record<string, string>,
    logFormat: properties.LoggingConfig?.LogFormat,
  };
}

/**
 * A Lambda task as Step Functions runs it: the library matches Retry/Catch ErrorEquals
 * against the error's name and reports its message as the Cause, so name = errorType and
 * message = the error payload the Lambda service returns, as JSON.
 */
function taskHandler(fn: LocalFunction, timeoutSeconds?: number): LocalHandler {
  return async (input) => {
    try {
      return (await fn.invoke(input, { timeoutSeconds })) as Awaited<ReturnType<LocalHandler>>;
    } catch (err) {
      if (!(err instanceof LambdaInvocationError)) throw err;
      throw Object.assign(new Error(JSON.stringify(err.payload)), { name: err.name });
    }
  };
}

const causeText = (cause: unknown) => (cause === undefined || typeof cause === 'string' ? cause : JSON.stringify(cause));

/**
 * Prepares `stateMachine` of `stack` to run locally: synthesizes the stack's app (bundling its
 * functions), resolves the definition and creates what it and its functions reference in the
 * lab's emulator. Each function starts its first execution environment when first invoked.
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
  /** The synthesized template the workflows and functions run from. */
  template: CfnTemplate;
  /** Invokes the stack's function whose handler lives in functions/<handlerDir>, as Lambda would; a failed invocation throws a LambdaInvocationError (errorType as its name). */
  invoke(handlerDir: string, event: unknown): Promise<unknown>;
  /** The stack's functions started so far, by handler directory: their cold starts, invocations and logs. */
  functions(): Promise<Map<string, LocalFunction>>;
  resources: Record<string, ResourceInLab>;
}

/** The stack's functions, each started on first use, shared by its workflows and direct invocations. */
class StackFunctions {
  private readonly started = new Map<string, Promise<{ handlerDir: string; fn: LocalFunction }>>();

  constructor(
    private readonly resources: TemplateResources,
    private readonly assemblyDir: string,
    private readonly options: LocalWorkflowOptions,
  ) {}

  get(logicalId: string): Promise<{ handlerDir: string; fn: LocalFunction }> {
    let entry = this.started.get(logicalId);
    if (!entry) {
      entry = functionDefinition(this.resources, logicalId, this.assemblyDir).then((definition) => {
        const lab = readLabInfo();
        const endpoints = Object.fromEntries(Object.entries(this.options.awsEndpoints ?? {}).map(([service, url]) => [`AWS_ENDPOINT_URL_${service}`, url]));
        const fn = new LocalFunction(definition, {
          region: LAB_REGION,
          // In AWS the execution role's credentials and the services' own endpoints.
          labEnvironment: { AWS_ENDPOINT_URL: lab.moto.endpoint, AWS_ACCESS_KEY_ID: 'lab', AWS_SECRET_ACCESS_KEY: 'lab', ...endpoints },
          logDir: path.join(labStateDir(), 'lambda-logs'),
        });
        return { handlerDir: definition.handlerDir, fn };
      });
      this.started.set(logicalId, entry);
    }
    return entry;
  }

  async all(): Promise<Map<string, LocalFunction>> {
    return new Map((await Promise.all(this.started.values())).map(({ handlerDir, fn }) => [handlerDir, fn]));
  }
}

/** State machines and functions of one stack, run locally on shared resources. */
export async function localStack(stack: Stack, stateMachines: (sfn.StateMachine | string)[], options: LocalWorkflowOptions = {}): Promise<LocalStack> {
  useLabAws(readLabInfo());
  const artifact = synthesized(stack);
  const template = artifact.template as CfnTemplate;
  const resources = new TemplateResources(template, stack.stackName, options.standing);
  const functions = new StackFunctions(resources, artifact.assembly.directory, options);
  const workflows: LocalWorkflow[] = [];
  for (const stateMachine of stateMachines) workflows.push(await prepare(stack, template, resources, functions, stateMachine));
  const functionIds = Object.entries(template.Resources).filter(([, r]) => r.Type === 'AWS::Lambda::Function').map(([id]) => id);
  return {
    workflows,
    template,
    resources: resources.inLab,
    async invoke(handlerDir, event) {
      const id = functionIds.find((fid) => template.Resources[fid]!.Properties?.Environment?.Variables?.POWERTOOLS_SERVICE_NAME === `${SERVICE_PREFIX}${handlerDir}`);
      if (!id) throw new Error(`stack ${stack.stackName} has no function with its handler in functions/${handlerDir}`);
      return (await functions.get(id)).fn.invoke(event);
    },
    functions: () => functions.all(),
  };
}

async function prepare(stack: Stack, template: CfnTemplate, resources: TemplateResources, functions: StackFunctions, stateMachine: sfn.StateMachine | string): Promise<LocalWorkflow> {
  const machineId = stateMachineLogicalId(stack, template, stateMachine);
  const definition = await definitionOf(resources, machineId);
  const states = [...allStates(definition)];
  refuseUnsupported(definition, states, `state machine ${machineId}`);

  const lambdaByArn = new Map(
    Object.entries(resources.inLab)
      .filter(([id]) => resources.resource(id).Type === 'AWS::Lambda::Function')
      .map(([id, r]) => [r.arn!, id]),
  );
  const taskFunctions = new Map<string, { handlerDir: string; fn: LocalFunction }>();
  for (const [name, state] of states.filter(([, s]) => s.Type === 'Task')) {
    const functionId = lambdaByArn.get(state.Resource);
    if (!functionId) {
      throw new Error(`state machine ${machineId}, state "${name}": resource ${state.Resource} is not a Lambda function of stack ${stack.stackName}; the local runner runs Lambda tasks only (LambdaInvoke with payloadResponseOnly)`);
    }
    taskFunctions.set(name, await functions.get(functionId));
  }
  const localHandlers = (timeouts: Record<string, number> = {}) => {
    const dirs = [...new Set([...taskFunctions.values()].map((f) => f.handlerDir))];
    const unknown = Object.keys(timeouts).filter((dir) => !dirs.includes(dir));
    if (unknown.length) throw new Error(`functionTimeoutSeconds names ${unknown.join(', ')}, not a function of state machine ${machineId} (${dirs.join(', ')})`);
    return Object.fromEntries([...taskFunctions].map(([state, { handlerDir, fn }]) => [state, taskHandler(fn, timeouts[handlerDir])]));
  };

  // Each Distributed Map runs through a stand-in Task whose local handler runs the map (lab/distributed-map.ts).
  const distributedMaps = Object.entries(definition.States as Record<string, AslState>).filter(([, state]) => isDistributedMap(state));
  const runnable = {
    ...definition,
    States: { ...withTaskTimeouts(definition.States as Record<string, AslState>), ...Object.fromEntries(distributedMaps.map(([name, state]) => [name, standIn(state, labArn('lambda', `function:kafka-dr-lab-distributed-map`))])) },
  } as StateMachineDefinition;
  const machine = new StateMachine(runnable);
  const waitStates = states.filter(([, s]) => s.Type === 'Wait').map(([name]) => name);
  const retryIntervalOverrides = Object.fromEntries(states.filter(([, s]) => s.Retry).map(([name]) => [name, RETRY_INTERVAL_MS]));
  const { name: machineName, arn: machineArn } = resources.inLab[machineId]!;
  if (!machineName || !machineArn) throw new Error(`state machine ${machineId} has no name or ARN in the lab`);

  return {
    resources: resources.inLab,
    async run(input, runOptions = {}) {
      const name = runOptions.name ?? randomUUID();
      const overrides = {
        taskResourceLocalHandlers: localHandlers(runOptions.functionTimeoutSeconds),
        waitTimeOverrides: runOptions.asDefined && runOptions.waitTimeMs === undefined ? {} : Object.fromEntries(waitStates.map((s) => [s, runOptions.waitTimeMs ?? DEFAULT_WAIT_MS])),
        retryIntervalOverrides: { ...(runOptions.asDefined ? {} : retryIntervalOverrides), ...runOptions.retryIntervalMs },
      };
      // The library sets Execution.Input and StartTime itself.
      const context = { Execution: { Id: labArn('states', `execution:${machineName}:${name}`), Name: name }, StateMachine: { Id: machineArn, Name: machineName } };
      const mapRuns: MapRun[] = [];
      for (const [mapName, state] of distributedMaps) {
        overrides.taskResourceLocalHandlers[mapName] = (mapInput) => runDistributedMap(mapName, state, mapInput, { context, overrides }, mapRuns);
      }
      const execution = machine.run(input as RunInput, { overrides, context });
      const events: ExecutionEvent[] = [];
      let overQuota: ReturnType<typeof dataLimitExceeded>;
      const logged = (async () => {
        for await (const event of execution.eventLogs) {
          events.push(event);
          runOptions.onEvent?.(event);
          overQuota ??= dataLimitExceeded(event);
          if (overQuota || (event.type === 'StateExited' && event.state.name === runOptions.abortAfter)) execution.abort();
        }
      })();
      const outcome = await execution.result.then(
        (output) => ({ output }),
        (error: unknown) => ({ error }),
      );
      await logged;
      const states = events.flatMap((e) => (e.type === 'StateEntered' ? [e.state.name] : []));
      if (overQuota) return { status: 'FAILED', ...overQuota, states, events, mapRuns };
      if ('output' in outcome) return { status: 'SUCCEEDED', output: outcome.output, states, events, mapRuns };
      const failed = events.find((e) => e.type === 'ExecutionFailed');
      if (failed) return { status: 'FAILED', error: failed.Error, cause: causeText(failed.Cause), states, events, mapRuns };
      if (events.some((e) => e.type === 'ExecutionTimeout')) return { status: 'TIMED_OUT', error: 'States.Timeout', states, events, mapRuns };
      if (events.some((e) => e.type === 'ExecutionAborted')) return { status: 'ABORTED', states, events, mapRuns };
      throw outcome.error;
    },
  };
}
