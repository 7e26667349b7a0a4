// The CLI's deployed path, against the emulator's APIs instead of the lab's in-process
// harness: the control plane found through a CloudFormation stack's outputs, `status`
// reading them, and an execution followed through Step Functions' own history (the
// emulator runs state machines of service integrations, not of Lambda functions).
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { CloudFormationClient, CreateStackCommand, DeleteStackCommand, waitUntilStackCreateComplete } from '@aws-sdk/client-cloudformation';
import { CreateTableCommand, DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { CreateStateMachineCommand, SFNClient } from '@aws-sdk/client-sfn';
import { startAndFollow } from '../../bin/cli/execution-history';
import type { StepEvent } from '../../bin/cli/control-plane';
import { localControlPlane } from '../../lab/local-control-plane';
import { withReverseFlow } from '../../lab/reverse-flow';
import { controlPlaneStackName, ControlPlaneOutput } from '#src/stack-outputs';
import { cli } from '../support/cli';
import { ensureTopic, labContext, sendRecords, spacedRecords, uniqueName } from '../support/lab';

/** The emulator's Step Functions runs executions only with this switch on (moto's parser backend). */
async function executeStateMachines(on: boolean): Promise<void> {
  const { lab } = await labContext();
  const response = await fetch(`${lab.moto.endpoint}/moto-api/config`, { method: 'POST', body: JSON.stringify({ stepfunctions: { execute_state_machine: on } }) });
  if (!response.ok) throw new Error(`moto config: HTTP ${response.status}`);
}

afterAll(() => executeStateMachines(false));

it('follows an execution through its history: attempts failed, retried and caught, a Wait across polls, the output', async () => {
  await labContext();
  await executeStateMachines(true);
  const table = uniqueName('cli-follow');
  const dynamodb = new DynamoDBClient({});
  await dynamodb.send(new CreateTableCommand({ TableName: table, KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }], AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }], BillingMode: 'PAY_PER_REQUEST' }));
  const put = (tableName: string) => ({ Type: 'Task', Resource: 'arn:aws:states:::dynamodb:putItem', Parameters: { TableName: tableName, Item: { pk: { S: 'followed' } } }, ResultPath: null });
  const definition = {
    StartAt: 'Missing',
    States: {
      Missing: { ...put(`${table}-missing`), Retry: [{ ErrorEquals: ['States.ALL'], IntervalSeconds: 1, MaxAttempts: 1 }], Catch: [{ ErrorEquals: ['States.ALL'], Next: 'Pause', ResultPath: '$.caught' }], Next: 'Pause' },
      Pause: { Type: 'Wait', Seconds: 2, Next: 'Write' },
      Write: { ...put(table), End: true },
    },
  };
  const sfn = new SFNClient({});
  const { stateMachineArn } = await sfn.send(new CreateStateMachineCommand({ name: uniqueName('cli-follow'), definition: JSON.stringify(definition), roleArn: 'arn:aws:iam::123456789012:role/lab' }));
  const steps: StepEvent[] = [];
  const outcome = await startAndFollow(sfn, stateMachineArn!, { order: 7 }, 'followed', (s) => steps.push(s), 300);

  expect(steps.map((s) => `${s.state} ${s.event}${s.error ? ` ${s.error}` : ''}`)).toEqual([
    'Missing entered',
    'Missing failed DynamoDB.ResourceNotFoundException',
    'Missing retried',
    'Missing failed DynamoDB.ResourceNotFoundException',
    'Missing exited',
    'Write entered',
    'Write exited',
  ]);
  expect(steps.find((s) => s.state === 'Write')!.at - steps.find((s) => s.event === 'exited')!.at).toBeGreaterThanOrEqual(2000);
  expect(outcome).toMatchObject({ executionName: 'followed', status: 'SUCCEEDED', output: { order: 7, caught: { Error: 'DynamoDB.ResourceNotFoundException' } } });
  expect((await dynamodb.send(new GetItemCommand({ TableName: table, Key: { pk: { S: 'followed' } } }))).Item).toEqual({ pk: { S: 'followed' } });
}, 120_000);

it('status and backups --config FILE find the control plane through its stack outputs, and say what to do when the stack is missing', async () => {
  const ctx = await labContext();
  const { config, lab } = ctx;
  const estate = withReverseFlow(config, lab);
  const file = path.join(mkdtempSync(path.join(tmpdir(), 'kafka-dr-cli-')), 'estate.json');
  writeFileSync(file, JSON.stringify(estate));
  const stackName = controlPlaneStackName(config.estate);

  const missing = `stack ${stackName} does not exist in us-east-1: deploy it (npx cdk deploy -c config=${file} --all)`;
  expect(await cli('status', '--config', file)).toMatchObject({ code: 1, stderr: expect.stringContaining(missing) });
  expect(await cli('backups', 'list', '--config', file)).toMatchObject({ code: 1, stderr: expect.stringContaining(missing) });

  // The standing lab deployment's table and bucket (created by --local), published as the deployed stack would; a backup in that bucket.
  const local = JSON.parse((await cli('status', '--local', '--json')).stdout);
  const cloudformation = new CloudFormationClient({});
  const plane = await localControlPlane(estate, { standing: true });
  const standingTable = plane.nameInLab(plane.stack.failover.stateTable, 'failover state table');
  const topic = uniqueName('cli-deployed');
  const dc1 = await ctx.kafkaFor('dc1');
  await ensureTopic(await ctx.adminFor('dc1'), topic, 2);
  await sendRecords(dc1, topic, spacedRecords(30, Date.now() - 10_000, 10));
  const backup = await plane.backup.run({ topics: [topic] });
  expect(backup.status).toBe('SUCCEEDED');
  const { backupId } = backup.output as { backupId: string };
  await cloudformation.send(
    new CreateStackCommand({
      StackName: stackName,
      TemplateBody: JSON.stringify({
        Resources: { Marker: { Type: 'AWS::SNS::Topic' } },
        Outputs: { [ControlPlaneOutput.FailoverStateTableName]: { Value: standingTable }, [ControlPlaneOutput.BackupBucketName]: { Value: plane.bucket.name } },
      }),
    }),
  );
  try {
    await waitUntilStackCreateComplete({ client: cloudformation, maxWaitTime: 60 }, { StackName: stackName });
    const deployed = await cli('status', '--config', file, '--json');
    const status = JSON.parse(deployed.stdout);
    expect(status).toMatchObject({ where: `stack ${stackName} in us-east-1`, activeCluster: local.activeCluster, lastFailover: local.lastFailover, flows: local.flows });
    expect(deployed.code).toBe(status.problems.length ? 1 : 0);
    const described = await cli('backups', 'describe', backupId, '--config', file, '--json');
    expect(described.code).toBe(0);
    expect(JSON.parse(described.stdout)).toMatchObject({ backupId, records: 30, topics: [{ name: topic, records: 30, partitionCount: 2 }] });
  } finally {
    await cloudformation.send(new DeleteStackCommand({ StackName: stackName }));
  }
}, 180_000);
