// The local workflow harness on a stack of its own: the definition CDK synthesizes runs with
// the real replication-status handler against the lab, the table, topic and event bus its
// function names exist in the emulator, Wait and Retry are fast, and a handler's error is
// matched by its name as Step Functions matches a Lambda's errorType.
import { DescribeTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DescribeEventBusCommand, EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { GetTopicAttributesCommand, SNSClient } from '@aws-sdk/client-sns';
import { Duration, Stack, type CfnElement } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import type { Construct } from 'constructs';
import { estateSecretArns } from '#src/config/estate';
import type { EstateConfig } from '#src/config/schema';
import { importEstateNetwork, KafkaDrFunction } from '../../lib/constructs/kafka-dr-function';
import { labContext } from '../support/lab';
import { labApp } from '../../lab/lab-app';
import { localStack, localWorkflow, type LocalExecution, type LocalStack, type LocalWorkflow } from '../../lab/local-state-machine';

const REPORT = 'Report replication';
const WAIT = 'Let MM2 settle';

function statusCheckStack(config: EstateConfig) {
  const app = labApp(config);
  const stack = new Stack(app, 'LocalSfnHarness');
  const network = importEstateNetwork(stack, config);
  const statusFunction = (id: string, environment: Record<string, string>) =>
    new KafkaDrFunction(stack, id, {
      handlerDir: 'replication-status',
      description: 'replication status, for the local workflow harness',
      config,
      network,
      secretArns: estateSecretArns(config),
      environment,
    }).function;

  const table = new dynamodb.Table(stack, 'StatusReports', {
    partitionKey: { name: 'flow', type: dynamodb.AttributeType.STRING },
    billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
  });
  const topic = new sns.Topic(stack, 'StatusNotices');
  const bus = new events.EventBus(stack, 'StatusEvents');
  const start = new sfn.Pass(stack, 'Start', {
    parameters: { 'flow.$': '$.flow', 'execution.$': '$$.Execution.Name', 'executionId.$': '$$.Execution.Id', table: table.tableName },
  });
  const report = new tasks.LambdaInvoke(stack, REPORT, {
    lambdaFunction: statusFunction('ReplicationStatus', { STATUS_TABLE: table.tableName, STATUS_TOPIC: topic.topicArn, STATUS_BUS: bus.eventBusName }),
    payloadResponseOnly: true,
    payload: sfn.TaskInput.fromObject({ flow: sfn.JsonPath.stringAt('$.flow') }),
    resultPath: '$.report',
  })
    .addRetry({ errors: ['Error'], maxAttempts: 2, interval: Duration.seconds(30) })
    // Listed first so that matching by name, not by position, is what picks the Fail state.
    .addCatch(new sfn.Fail(stack, 'Estate configuration invalid'), { errors: ['EstateConfigError'] })
    .addCatch(new sfn.Fail(stack, 'Replication report failed', { errorPath: '$.failure.Error', causePath: '$.failure.Cause' }), {
      errors: ['Error'],
      resultPath: '$.failure',
    });
  const reachable = (cluster: string) => sfn.Condition.booleanEquals(`$.report.flows[0].reachable.${cluster}`, true);
  const verdict = new sfn.Choice(stack, 'Both clusters reachable?')
    .when(sfn.Condition.and(reachable('dc1'), reachable('dc2')), new sfn.Succeed(stack, 'Replication healthy'))
    .otherwise(new sfn.Fail(stack, 'Cluster unreachable', { error: 'ClusterUnreachable' }));
  const statusCheck = new sfn.StateMachine(stack, 'StatusCheck', {
    definitionBody: sfn.DefinitionBody.fromChainable(
      start.next(new sfn.Wait(stack, WAIT, { time: sfn.WaitTime.duration(Duration.minutes(5)) })).next(report).next(verdict),
    ),
  });

  const archive = new sqs.Queue(stack, 'Archive', { enforceSSL: true });
  const archiving = new sfn.StateMachine(stack, 'Archiving', {
    definitionBody: sfn.DefinitionBody.fromChainable(
      new tasks.LambdaInvoke(stack, 'Archive status', {
        lambdaFunction: statusFunction('ArchivingStatus', { ARCHIVE_QUEUE: archive.queueUrl }),
        payloadResponseOnly: true,
      }),
    ),
  });
  // A Parallel whose branch doubles its input, guarded by a Catch of States.ALL.
  const duplicating = new sfn.StateMachine(stack, 'Duplicating', {
    definitionBody: sfn.DefinitionBody.fromChainable(
      new sfn.Parallel(stack, 'Guarded')
        .branch(new sfn.Pass(stack, 'Duplicate', { parameters: { 'first.$': '$.data', 'second.$': '$.data' } }))
        .addCatch(new sfn.Pass(stack, 'Caught'), { errors: ['States.ALL'] })
        .next(new sfn.Succeed(stack, 'Done')),
    ),
  });
  return { stack, statusCheck, archiving, duplicating, table, topic, bus };
}

const logicalId = (construct: Construct) => built.stack.getLogicalId(construct.node.defaultChild as CfnElement);

/** Milliseconds between entering `state` and entering the next one. */
function timeIn(execution: LocalExecution, state: string): number {
  const entered = execution.events.flatMap((e) => (e.type === 'StateEntered' ? [e] : []));
  const i = entered.findIndex((e) => e.state.name === state);
  return entered[i + 1]!.timestamp - entered[i]!.timestamp;
}

let built: ReturnType<typeof statusCheckStack>;
let local: LocalStack;
let workflow: LocalWorkflow;
let duplicating: LocalWorkflow;

beforeAll(async () => {
  const { config } = await labContext();
  built = statusCheckStack(config);
  local = await localStack(built.stack, [built.statusCheck, built.duplicating]);
  [workflow, duplicating] = local.workflows as [LocalWorkflow, LocalWorkflow];
});

/** The environment the status function runs with, from its template. */
const statusEnvironment = async () => (await local.functions()).get('replication-status')!.definition.environment;

it('runs the synthesized definition, its task on the function\'s bundle against the lab, with the execution name and a fast Wait', async () => {
  const execution = await workflow.run({ flow: 'dc1->dc2' }, { name: 'status-check-1' });
  expect(execution.status).toBe('SUCCEEDED');
  expect(execution.states).toEqual(['Start', WAIT, REPORT, 'Both clusters reachable?', 'Replication healthy']);
  const output = execution.output as Record<string, any>;
  expect(output).toMatchObject({ flow: 'dc1->dc2', execution: 'status-check-1', table: workflow.resources[logicalId(built.table)]!.name });
  expect(output.executionId).toMatch(/^arn:aws:states:us-east-1:123456789012:execution:.+:status-check-1$/);
  expect(output.report.flows).toHaveLength(1);
  expect(output.report.flows[0]).toMatchObject({ flow: 'dc1->dc2', reachable: { dc1: true, dc2: true }, errors: [] });
  expect(output.report.flows[0].heartbeat.ageMs).toBeLessThan(15_000);
  expect(timeIn(execution, WAIT)).toBeLessThan(1_000); // the definition says 5 minutes
});

it('creates the table, topic and event bus the function names in the emulator, and gives the function their names', async () => {
  const table = workflow.resources[logicalId(built.table)]!;
  expect(table.name).toMatch(new RegExp(`^LocalSfnHarness-${logicalId(built.table)}-[0-9a-f]{8}$`));
  const environment = await statusEnvironment();
  expect(environment.STATUS_TABLE).toBe(table.name);
  const { Table } = await new DynamoDBClient({}).send(new DescribeTableCommand({ TableName: table.name }));
  expect(Table).toMatchObject({
    TableArn: table.arn,
    TableStatus: 'ACTIVE',
    KeySchema: [{ AttributeName: 'flow', KeyType: 'HASH' }],
    BillingModeSummary: { BillingMode: 'PAY_PER_REQUEST' },
  });

  const topicArn = workflow.resources[logicalId(built.topic)]!.arn!;
  expect(environment.STATUS_TOPIC).toBe(topicArn);
  const { Attributes } = await new SNSClient({}).send(new GetTopicAttributesCommand({ TopicArn: topicArn }));
  expect(Attributes?.TopicArn).toBe(topicArn);

  const bus = workflow.resources[logicalId(built.bus)]!;
  expect(environment.STATUS_BUS).toBe(bus.name);
  expect((await new EventBridgeClient({}).send(new DescribeEventBusCommand({ Name: bus.name }))).Arn).toBe(bus.arn);
});

it("matches a handler's error by its name, like a Lambda errorType: retried, then caught into the named Fail state with error and cause", async () => {
  const execution = await workflow.run({ flow: 'dc9->dc2' }, { waitTimeMs: 1_000 });
  expect(execution.status).toBe('FAILED');
  expect(execution.states).toEqual(['Start', WAIT, REPORT, 'Replication report failed']);
  expect(execution.events.flatMap((e) => (e.type === 'StateRetried' ? [e.state.name] : []))).toEqual([REPORT, REPORT]);
  expect(execution.error).toBe('Error');
  expect(JSON.parse(execution.cause!)).toMatchObject({ errorType: 'Error', errorMessage: 'unknown flow "dc9->dc2": the estate has dc1->dc2' });
  expect(timeIn(execution, WAIT)).toBeGreaterThanOrEqual(1_000);
  // Two retries with a 30 s interval in the definition: overridden to milliseconds.
  expect(timeIn(execution, REPORT)).toBeLessThan(2_000);
});

it('finds the state machine by construct path or logical id, and names the ones the stack has when it cannot', async () => {
  const id = logicalId(built.statusCheck);
  for (const ref of ['StatusCheck', 'LocalSfnHarness/StatusCheck', id]) {
    expect((await localWorkflow(built.stack, ref)).resources[id]?.arn).toMatch(new RegExp(`^arn:aws:states:us-east-1:123456789012:stateMachine:LocalSfnHarness-${id}-[0-9a-f]{8}$`));
  }
  await expect(localWorkflow(built.stack, 'Failover')).rejects.toThrow(`stack LocalSfnHarness has no state machine Failover; it has: ${id}, ${logicalId(built.archiving)}`);
});

it('refuses, by name, a reference the lab cannot provide', async () => {
  await expect(localWorkflow(built.stack, built.archiving)).rejects.toThrow(
    /environment of function ArchivingStatusFunction\w+: Archive\w+ is a AWS::SQS::Queue; the lab supports references to AWS::DynamoDB::Table/,
  );
});

it('fails an execution whose state passes on more than 256 KiB with States.DataLimitExceeded, which a Catch of States.ALL does not stop', async () => {
  const within = await duplicating.run({ data: 'x'.repeat(100_000) });
  expect(within.status).toBe('SUCCEEDED');
  const over = await duplicating.run({ data: 'x'.repeat(150_000) });
  expect({ status: over.status, error: over.error }).toEqual({ status: 'FAILED', error: 'States.DataLimitExceeded' });
  expect(over.cause).toMatch(/^The state\/task 'Duplicate' returned a result with a size exceeding the maximum number of bytes service limit \(300024 bytes; the quota is 262144\)\.$/);
  expect(over.states).not.toContain('Caught');
  expect(over.states).not.toContain('Done');
});
