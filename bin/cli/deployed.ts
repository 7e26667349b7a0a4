// The control plane as deployed: found through its stack's outputs in the control plane's
// region (controlPlane.region of the estate file), with the operator's AWS credentials.
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { CloudWatchClient, DescribeAlarmsCommand } from '@aws-sdk/client-cloudwatch';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { Route53Client } from '@aws-sdk/client-route-53';
import { activeSideAlarmName } from '#src/alarm-names';
import { clientSwitchOf } from '#src/dns/client-switch';
import { parseHealthCheckIds } from '#src/dns/health-check-status';
import { arcClientFactory, parseRoutingControlSet } from '#src/dns/routing-controls';
import { SFNClient } from '@aws-sdk/client-sfn';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { FlowAudit } from '#src/audit/audit';
import type { SyncResult } from '#src/drift/sync-target';
import { FailoverState } from '#src/failover/failover-state';
import { loadEstateConfigFile } from '#src/config/load';
import { ControlPlaneOutput, controlPlaneStackName, type ControlPlaneOutputs } from '#src/stack-outputs';
import type { AlarmState, ControlPlane, WorkflowName } from './control-plane';
import { startAndFollow } from './execution-history';

const WORKFLOW_OUTPUT: Record<WorkflowName, keyof typeof ControlPlaneOutput> = {
  failover: 'FailoverStateMachineArn',
  backup: 'BackupStateMachineArn',
  restore: 'RestoreStateMachineArn',
};

async function stackOutputs(region: string, stackName: string, configFile: string): Promise<ControlPlaneOutputs> {
  const cfn = new CloudFormationClient({ region });
  const stack = await cfn.send(new DescribeStacksCommand({ StackName: stackName })).then(
    (out) => out.Stacks?.[0],
    (err: Error) => {
      if (err.name === 'ValidationError') throw new Error(`stack ${stackName} does not exist in ${region}: deploy it (npx cdk deploy -c config=${configFile} --all), or use --local for the lab`);
      throw err;
    },
  );
  return Object.fromEntries((stack?.Outputs ?? []).map((o) => [o.OutputKey, o.OutputValue])) as ControlPlaneOutputs;
}

export async function deployedControlPlane(configFile: string): Promise<ControlPlane> {
  const config = loadEstateConfigFile(configFile);
  const { region } = config.controlPlane;
  const stackName = controlPlaneStackName(config.estate);
  const outputs = await stackOutputs(region, stackName, configFile);
  const output = (key: keyof typeof ControlPlaneOutput) => {
    const value = outputs[key];
    if (!value) {
      const why = ['BackupStateMachineArn', 'RestoreStateMachineArn', 'BackupBucketName'].includes(key) ? 'the estate file configures no backup' : 'it was deployed by an older kafka-dr';
      throw new Error(`stack ${stackName} in ${region} has no output ${key} (${why}): redeploy it (npx cdk deploy -c config=${configFile} --all)`);
    }
    return value;
  };
  const cloudwatch = new CloudWatchClient({ region });
  const sfn = new SFNClient({ region });
  const lambda = new LambdaClient({ region });
  /** Invokes the function a stack output names and returns what it returned; its error, when it failed. */
  const invoke = async <T>(key: keyof typeof ControlPlaneOutput, event: unknown, what: string): Promise<T> => {
    const functionName = output(key);
    const out = await lambda.send(new InvokeCommand({ FunctionName: functionName, Payload: JSON.stringify(event) }));
    const payload = out.Payload ? new TextDecoder().decode(out.Payload) : '';
    if (out.FunctionError) throw new Error(`${what} (function ${functionName}) failed: ${(JSON.parse(payload || '{}') as { errorMessage?: string }).errorMessage ?? payload}`);
    return JSON.parse(payload) as T;
  };
  return {
    config,
    where: `stack ${stackName} in ${region}`,
    cloudwatch,
    clients: (home) =>
      clientSwitchOf(
        config,
        {
          route53: new Route53Client({ region }),
          cloudwatch,
          routingControlSet: () => parseRoutingControlSet(output('ArcRoutingControls')),
          arcClientFor: arcClientFactory(),
          healthCheckIds: () => parseHealthCheckIds(output('ActiveSideHealthChecks')),
        },
        home,
      ),
    failoverState: new FailoverState(DynamoDBDocumentClient.from(new DynamoDBClient({ region })), output('FailoverStateTableName')),
    async alarms() {
      // dns.mode health-check's not-active alarms are the clients' switch, not alerts (the
      // passive side's is always in ALARM): status shows them as where clients are sent.
      const switchAlarms = new Set(config.dns.mode === 'health-check' ? Object.keys(config.dns.values).map((c) => activeSideAlarmName(config.estate, c)) : []);
      const alarms: AlarmState[] = [];
      let NextToken: string | undefined;
      do {
        const page = await cloudwatch.send(new DescribeAlarmsCommand({ AlarmNamePrefix: `${config.estate}-kafka-dr-`, AlarmTypes: ['MetricAlarm', 'CompositeAlarm'], NextToken }));
        for (const a of [...(page.MetricAlarms ?? []), ...(page.CompositeAlarms ?? [])]) {
          if (!switchAlarms.has(a.AlarmName ?? '')) alarms.push({ name: a.AlarmName ?? '?', state: a.StateValue ?? '?', reason: a.StateReason ?? '' });
        }
        NextToken = page.NextToken;
      } while (NextToken);
      return alarms;
    },
    audit: (flow) => invoke<FlowAudit>('AuditFunctionName', { flow }, `the audit of ${flow}`),
    syncDrift: (request) => invoke<SyncResult>('DriftSyncFunctionName', request, `the ${request.kind} sync of ${request.flow}`),
    backupBucket: () => ({ name: output('BackupBucketName'), region: config.backup?.bucket.region ?? region }),
    execute: (workflow, input, name, onStep) => startAndFollow(sfn, output(WORKFLOW_OUTPUT[workflow]), input, name, onStep),
  };
}
