// What the kafka-dr state machines share (failover, backup, restore): Lambda steps retried on
// the errors worth retrying, the execution payload the first step gets, and a state machine
// that logs every execution in full and is traced, with the cdk-nag findings its role
// carries by design acknowledged once.
import { Duration, Stack, Validations } from 'aws-cdk-lib';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import type { Construct } from 'constructs';
import type { EstateConfig } from '#src/config/schema';
import type { KafkaDrFunction } from './kafka-dr-function';

/** Errors the steps throw for conditions worth retrying (src/transient-error.ts), and Lambda's own. */
export const TRANSIENT_ERRORS = ['TransientStepError', 'Lambda.ServiceException', 'Lambda.AWSLambdaException', 'Lambda.SdkClientException', 'Lambda.TooManyRequestsException'];

/** The first step's payload: the execution input as given, and which execution this is (for locks and ids). */
export const EXECUTION_PAYLOAD = { 'input.$': '$', execution: { 'name.$': '$$.Execution.Name', 'startedAt.$': '$$.Execution.StartTime' } };

/** A Lambda step: the payload as given, the handler's return value at `resultPath` (default: it replaces the state). */
export function lambdaStep(scope: Construct, id: string, fn: KafkaDrFunction, payload: Record<string, unknown>, resultPath?: string): tasks.LambdaInvoke {
  const step = new tasks.LambdaInvoke(scope, id, {
    lambdaFunction: fn.function,
    payload: sfn.TaskInput.fromObject(payload),
    payloadResponseOnly: true,
    resultPath,
    retryOnServiceExceptions: false,
  });
  step.addRetry({ errors: TRANSIENT_ERRORS, interval: Duration.seconds(2), maxAttempts: 4, backoffRate: 2 });
  return step;
}

export interface WorkflowStateMachineProps {
  stateMachineName: string;
  definition: sfn.IChainable;
  timeout: Duration;
  config: EstateConfig;
  /** The functions the definition invokes. */
  steps: KafkaDrFunction[];
}

/** The state machine `id` (JSONPath, X-Ray, every execution logged with its data to `<id>Logs`). */
export function workflowStateMachine(scope: Construct, id: string, props: WorkflowStateMachineProps): sfn.StateMachine {
  const stateMachine = new sfn.StateMachine(scope, id, {
    stateMachineName: props.stateMachineName,
    definitionBody: sfn.DefinitionBody.fromChainable(props.definition),
    tracingEnabled: true,
    timeout: props.timeout,
    logs: {
      destination: new logs.LogGroup(scope, `${id}Logs`, { retention: props.config.logRetentionDays as logs.RetentionDays }),
      level: sfn.LogLevel.ALL,
      includeExecutionData: true,
    },
  });
  const policy = stateMachine.role.node.findChild('DefaultPolicy');
  Validations.of(policy).acknowledge({
    id: 'AwsSolutions-IAM5[Resource::*]',
    reason: 'Step Functions log delivery and X-Ray actions support no resource-level permissions',
  });
  const stack = Stack.of(scope);
  for (const fn of new Set(props.steps)) {
    Validations.of(policy).acknowledge({
      id: `AwsSolutions-IAM5[Resource::<${stack.getLogicalId(fn.function.node.defaultChild as never)}.Arn>:*]`,
      reason: 'CDK grants invoke on every version of the step functions (:*); they are the workflow\'s own Lambdas',
    });
  }
  return stateMachine;
}
