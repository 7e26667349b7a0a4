// Fail over: the failover state machine's states and transitions (read from the synthesized
// definition), its trigger on the primary-down alarms, the state table, the outcome topic
// and the workflow functions' permissions, synthesized from the annotated example estate.
import type { CfnElement } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { primaryDownAlarmName } from '#src/alarm-names';
import { loadEstateConfigFile } from '#src/config/load';
import { parseEstateConfig } from '#src/config/parse';
import type { EstateConfig } from '#src/config/schema';
import { readinessCheckInput } from '#src/failover/readiness';
import { EXPIRES_AT } from '#src/failover/state-expiry';
import { parseFailoverRequest } from '#src/failover/request';
import { flowsOf } from '#src/flow';
import { definitionOf, functionOf, joined, only, principalsAllowed, reachable, resourcesAllowed, statementsOf, successors, synthControlPlane, type Asl, type AslState, type Rule } from '../support/template';

const config = loadEstateConfigFile('config/estate.example.yaml');

const STEP_FUNCTIONS = ['failover-begin', 'failover-preflight', 'failover-drain', 'failover-replication', 'failover-offsets', 'failover-dns', 'failover-finish'];
const WORKFLOW_FUNCTIONS = [...STEP_FUNCTIONS, 'failover-trigger', 'failover-release'];

/** Synthesizes the app (cdk-nag included) without bundling the handlers: app.test.ts covers bundling. */
function synth(estate: EstateConfig) {
  const { controlPlane, template } = synthControlPlane(estate);
  const { failover } = controlPlane;
  const logicalId = (construct: { node: { defaultChild?: unknown } }) => controlPlane.getLogicalId(construct.node.defaultChild as CfnElement);
  return { template, stateMachineId: logicalId(failover.stateMachine), tableId: logicalId(failover.stateTable), topicId: logicalId(failover.topic) };
}


const FORCED: Rule = { Variable: '$.request.force', BooleanEquals: true };
/** A Choice rule that is only taken when the operator forced the failover. */
const requiresForce = (rule: Rule): boolean => (rule.Variable === FORCED.Variable && rule.BooleanEquals === true) || (rule.And ?? []).some(requiresForce);

function valueAt(data: any, jsonPath: string): any {
  return jsonPath.replace(/^\$\.?/, '').split('.').filter(Boolean).reduce((o, key) => o?.[key], data);
}

function matches(rule: Rule, data: any): boolean {
  if (rule.Or) return rule.Or.some((r: Rule) => matches(r, data));
  if (rule.And) return rule.And.every((r: Rule) => matches(r, data));
  if (rule.Not) return !matches(rule.Not, data);
  if ('BooleanEquals' in rule) return valueAt(data, rule.Variable) === rule.BooleanEquals;
  if ('StringEquals' in rule) return valueAt(data, rule.Variable) === rule.StringEquals;
  throw new Error(`this test does not evaluate the Choice rule ${JSON.stringify(rule)}`);
}

/**
 * The states an execution goes through from `from` to the Fail or Succeed state it ends in,
 * applying Pass results and Choice rules to `data` and taking every Task's Next (its call succeeds).
 */
function pathFrom(asl: Asl, from: string, data: any): string[] {
  const visited: string[] = [];
  for (let name: string | undefined = from; name !== undefined; ) {
    if (visited.length > 50) throw new Error(`no end after ${visited.join(' -> ')}`);
    visited.push(name);
    const state: AslState = asl.States[name]!;
    if (state.Type === 'Pass' && state.Result !== undefined) {
      const keys = state.ResultPath.replace(/^\$\./, '').split('.');
      const parent = keys.slice(0, -1).reduce((o: any, key: string) => (o[key] ??= {}), data);
      parent[keys.at(-1)!] = state.Result;
    }
    name = state.Type === 'Choice' ? (state.Choices!.find((r) => matches(r, data))?.Next ?? state.Default) : state.Next;
  }
  return visited;
}

describe('the failover workflow (example estate)', () => {
  const { template, stateMachineId, tableId, topicId } = synth(config);
  /** The one role EventBridge assumes to start the readiness checks, from the rules that start them. */
  const readinessRoleId = (): string => {
    const roles = Object.values(template.findResources('AWS::Events::Rule')).flatMap((r) => (r.Properties.Targets ?? []).filter((t: any) => t.Arn.Ref === stateMachineId).map((t: any) => t.RoleArn['Fn::GetAtt'][0]));
    expect(new Set(roles).size).toBe(1);
    return roles[0];
  };
  const [, stateMachine] = only(template.findResources('AWS::StepFunctions::StateMachine', { Properties: { StateMachineName: `${config.estate}-kafka-dr-failover` } }), 'failover state machine');
  const asl = definitionOf(stateMachine);
  const states = asl.States;
  const lambda = (handlerDir: string) => `{${functionOf(template, handlerDir)[0]}}`;

  describe('the state machine', () => {
    it('is the one the construct exposes, traced with X-Ray, logging everything to a log group kept for the estate retention', () => {
      expect(template.findResources('AWS::StepFunctions::StateMachine')).toHaveProperty([stateMachineId]);
      expect(stateMachine.Properties.TracingConfiguration).toEqual({ Enabled: true });
      expect(stateMachine.Properties.LoggingConfiguration).toMatchObject({ Level: 'ALL', IncludeExecutionData: true });
      const [destination] = stateMachine.Properties.LoggingConfiguration.Destinations;
      const logGroupId = destination.CloudWatchLogsLogGroup.LogGroupArn['Fn::GetAtt'][0];
      expect(template.toJSON().Resources[logGroupId]).toMatchObject({ Type: 'AWS::Logs::LogGroup', Properties: { RetentionInDays: config.logRetentionDays } });
    });

    it('times out, leaving time for the planned drain', () => {
      expect(asl.TimeoutSeconds).toBeGreaterThan(config.failover.drainTimeoutSeconds);
    });

    it.each([
      ['Begin', 'failover-begin', 'Preflight', undefined],
      ['Preflight', 'failover-preflight', 'PlannedOrUnplanned', '$.steps.preflight'],
      ['CheckDrain', 'failover-drain', 'Drained', '$.steps.drain'],
      ['HaltReplication', 'failover-replication', 'SyncOffsets', '$.steps.haltReplication'],
      ['SyncOffsets', 'failover-offsets', 'OffsetsSynced', '$.steps.syncOffsets'],
      ['RepointDns', 'failover-dns', 'CheckDnsChange', '$.steps.repointDns'],
      ['CheckDnsChange', 'failover-dns', 'DnsInSync', '$.steps.dnsChange'],
      ['Finish', 'failover-finish', 'FailoverSucceeded', '$.report'],
    ])('%s calls %s, then goes on to %s (its result at %s)', (name, handlerDir, next, resultPath) => {
      expect(states[name]).toMatchObject({ Type: 'Task', Resource: lambda(handlerDir), Next: next });
      expect(states[name]!.ResultPath).toBe(resultPath);
    });

    it('tells the DNS step which of its two jobs each call is', () => {
      expect(states.RepointDns!.Parameters.action).toBe('repoint');
      expect(states.CheckDnsChange!.Parameters.action).toBe('status');
    });

    it('starts with Begin and branches on the mode after Preflight: planned drains first, unplanned pauses replication at once', () => {
      expect(asl.StartAt).toBe('Begin');
      expect(states.PlannedOrUnplanned).toEqual({ Type: 'Choice', Choices: [{ Variable: '$.request.mode', StringEquals: 'planned', Next: 'CheckDrain' }], Default: 'HaltReplication' });
    });

    it('polls the drain until drained (or on a dry run), then pauses replication', () => {
      expect(states.Drained).toEqual({
        Type: 'Choice',
        Choices: [{ Or: [{ Variable: '$.steps.drain.drained', BooleanEquals: true }, { Variable: '$.request.dryRun', BooleanEquals: true }], Next: 'HaltReplication' }],
        Default: 'WaitForDrain',
      });
      expect(states.WaitForDrain).toMatchObject({ Type: 'Wait', Next: 'CheckDrain' });
      expect(states.WaitForDrain!.Seconds).toBeGreaterThan(0);
    });

    it('repoints DNS only when the offsets are synced, on a dry run (which changes nothing) or when forced', () => {
      expect(states.OffsetsSynced).toMatchObject({
        Type: 'Choice',
        Choices: [{ Or: [{ Variable: '$.steps.syncOffsets.synced', BooleanEquals: true }, { Variable: '$.request.dryRun', BooleanEquals: true }, FORCED], Next: 'RepointDns' }],
      });
    });

    it('follows the DNS change until INSYNC, then finishes and succeeds', () => {
      expect(states.DnsInSync).toEqual({ Type: 'Choice', Choices: [{ Variable: '$.steps.dnsChange.inSync', BooleanEquals: true, Next: 'Finish' }], Default: 'WaitForDnsSync' });
      expect(states.WaitForDnsSync).toMatchObject({ Type: 'Wait', Next: 'CheckDnsChange' });
      expect(states.WaitForDnsSync!.Seconds).toBeGreaterThan(0);
      expect(states.FailoverSucceeded!.Type).toBe('Succeed');
    });

    it('retries every Lambda step on TransientStepError with backoff, and HaltReplication also on ReplicationNotHaltedYet', () => {
      const tasks = Object.entries(states).filter(([, s]) => s.Type === 'Task');
      expect(tasks.map(([name]) => name).sort()).toEqual(['Begin', 'CheckDnsChange', 'CheckDrain', 'Finish', 'HaltReplication', 'Preflight', 'RepointDns', 'ReportFailure', 'SyncOffsets']);
      for (const [name, task] of tasks) {
        expect([name, STEP_FUNCTIONS.map(lambda)]).toEqual([name, expect.arrayContaining([task.Resource])]);
        const transient = task.Retry?.find((r) => r.ErrorEquals.includes('TransientStepError'));
        expect([name, transient]).toEqual([name, expect.objectContaining({ MaxAttempts: expect.any(Number), IntervalSeconds: expect.any(Number) })]);
        expect([name, transient!.MaxAttempts! > 1 && transient!.BackoffRate! > 1]).toEqual([name, true]);
      }
      expect(states.HaltReplication!.Retry).toContainEqual(expect.objectContaining({ ErrorEquals: ['ReplicationNotHaltedYet'] }));
    });

    it.each([
      ['Preflight', 'PreflightFailed'],
      ['CheckDrain', 'DrainFailed'],
      ['HaltReplication', 'HaltReplicationFailed'],
      ['SyncOffsets', 'OffsetSyncFailed'],
      ['RepointDns', 'DnsRepointFailed'],
      ['CheckDnsChange', 'DnsRepointFailed'],
    ])('catches any error of %s, reports it, and ends in Fail %s', (step, failure) => {
      const catchers = states[step]!.Catch!;
      // SyncOffsets keeps its error apart: a forced failover goes past it, and the report says so.
      const resultPath = step === 'SyncOffsets' ? '$.forcedPast' : '$.failure.error';
      expect(catchers).toEqual([{ ErrorEquals: ['States.ALL'], ResultPath: resultPath, Next: expect.any(String) }]);
      const data = { request: { mode: 'planned', dryRun: false, force: false }, steps: {}, forcedPast: { Error: 'SomeError' }, failure: { error: { Error: 'SomeError' } } };
      const visited = pathFrom(asl, catchers[0]!.Next, data);
      expect(visited.slice(-3)).toEqual(['ReportFailure', 'WhichFailure', failure]);
      expect(visited).toContain(`Mark${failure}`);
      expect(states[failure]).toMatchObject({ Type: 'Fail', Error: failure });
    });

    it('reports a failure with the finish step, and ends in the named Fail state even when reporting fails', () => {
      const report = states.ReportFailure!;
      expect(report).toMatchObject({ Resource: lambda('failover-finish'), Parameters: { 'failure.$': '$.failure' } });
      expect(report.Catch).toEqual([{ ErrorEquals: ['States.ALL'], ResultPath: '$.reportError', Next: 'ReportUnpublished' }]);
      // The summary the Fail state's cause reads is built even without the report.
      expect(states.ReportUnpublished).toMatchObject({ Type: 'Pass', ResultPath: '$.report', Next: report.Next });
      expect(states.ReportUnpublished!.Parameters).toHaveProperty(['summary.$']);
    });

    it('ends a bad input in Fail InvalidInput and a second failover in Fail AlreadyRunning, before taking any step', () => {
      expect(states.Begin!.Catch).toEqual(
        expect.arrayContaining([
          { ErrorEquals: ['InvalidFailoverInput'], Next: 'InvalidInput' },
          { ErrorEquals: ['FailoverAlreadyRunning'], Next: 'AlreadyRunning' },
        ]),
      );
      expect(states.Begin!.Catch!.at(-1)!.ErrorEquals).toEqual(['States.ALL']);
      expect(states.InvalidInput).toMatchObject({ Type: 'Fail', Error: 'InvalidInput' });
      expect(states.AlreadyRunning).toMatchObject({ Type: 'Fail', Error: 'AlreadyRunning' });
    });

    describe('never repoints DNS to a side whose offsets failed to sync, unless the operator forces it', () => {
      it('enters RepointDns only from OffsetsSynced and from the force decision after a sync error', () => {
        const into = Object.entries(states).filter(([, s]) => successors(s).includes('RepointDns')).map(([name]) => name);
        expect(into.sort()).toEqual(['ForceAfterSyncError', 'OffsetsSynced']);
      });

      it('after a SyncOffsets error, reaches RepointDns only through a Choice on $.request.force == true', () => {
        const onError = states.SyncOffsets!.Catch![0]!.Next;
        expect(reachable(asl, onError, (rule) => !requiresForce(rule))).not.toContain('RepointDns');
        expect(states[onError]).toMatchObject({ Type: 'Choice', Choices: [{ ...FORCED, Next: 'RepointDns' }] });
      });

      it('from OffsetsSynced\'s otherwise branch (offsets not synced), never reaches RepointDns', () => {
        expect(reachable(asl, states.OffsetsSynced!.Default!)).not.toContain('RepointDns');
        expect(pathFrom(asl, 'OffsetsSynced', { request: { dryRun: false, force: false }, steps: { syncOffsets: { synced: false } } }).at(-1)).toBe('OffsetSyncFailed');
      });
    });
  });

  describe('the trigger', () => {
    const [triggerId, trigger] = functionOf(template, 'failover-trigger');

    it('runs on each flow\'s primary-down alarm entering ALARM', () => {
      const [ruleId, rule] = only(template.findResources('AWS::Events::Rule', { Properties: { EventPattern: { source: ['aws.cloudwatch'] } } }), 'primary-down rule');
      const alarmNames = config.flows.map((f) => primaryDownAlarmName(config.estate, f));
      expect(rule.Properties.EventPattern).toEqual({
        source: ['aws.cloudwatch'],
        'detail-type': ['CloudWatch Alarm State Change'],
        detail: { alarmName: alarmNames, state: { value: ['ALARM'] } },
      });
      for (const name of alarmNames) expect(Object.keys(template.findResources('AWS::CloudWatch::CompositeAlarm', { Properties: { AlarmName: name } }))).toHaveLength(1);
      expect(rule.Properties.Targets).toEqual([expect.objectContaining({ Arn: { 'Fn::GetAtt': [triggerId, 'Arn'] } })]);
      template.hasResourceProperties('AWS::Lambda::Permission', {
        Action: 'lambda:InvokeFunction',
        FunctionName: { 'Fn::GetAtt': [triggerId, 'Arn'] },
        Principal: 'events.amazonaws.com',
        SourceArn: { 'Fn::GetAtt': [ruleId, 'Arn'] },
      });
    });

    it('starts executions of the failover state machine, and of no other', () => {
      expect(trigger.Properties.Environment.Variables.FAILOVER_STATE_MACHINE_ARN).toEqual({ Ref: stateMachineId });
      expect(resourcesAllowed(template, 'failover-trigger', 'states:StartExecution')).toEqual([`{${stateMachineId}}`]);
      // Besides the trigger, only EventBridge's role for the readiness schedules (below).
      expect(principalsAllowed(template, 'states:StartExecution', (r) => r === `{${stateMachineId}}`)).toEqual([readinessRoleId(), 'failover-trigger'].sort());
    });
  });

  describe('the readiness check (failover.readiness)', () => {
    const scheduled = () => Object.entries(template.findResources('AWS::Events::Rule')).filter(([, r]) => r.Properties.ScheduleExpression && r.Properties.Targets.some((t: any) => t.Arn.Ref === stateMachineId));

    it('starts a dry run of each flow on its schedule, with the input the request parser accepts as a scheduled check', () => {
      const rules = scheduled();
      expect(rules).toHaveLength(config.flows.length);
      for (const [flow, [, rule]] of flowsOf(config).map((f, i) => [f, rules[i]!] as const)) {
        expect(rule.Properties.ScheduleExpression).toBe('rate(1 hour)');
        const [target] = rule.Properties.Targets;
        expect(target.RoleArn).toEqual({ 'Fn::GetAtt': [readinessRoleId(), 'Arn'] });
        const input = JSON.parse(target.Input);
        expect(input).toEqual(readinessCheckInput(config, flow));
        expect(parseFailoverRequest(input, config, { name: 'scheduled', startedAt: '2026-12-06T00:00:00Z' })).toMatchObject({ flow: flow.name, mode: 'unplanned', dryRun: true, scheduled: true });
      }
    });

    it('lets failover-finish alone of the workflow put metrics, in the KafkaDR namespace only', () => {
      const putters = principalsAllowed(template, 'cloudwatch:PutMetricData');
      expect(putters.filter((p) => WORKFLOW_FUNCTIONS.includes(p))).toEqual(['failover-finish']);
      expect(
        Object.values(template.findResources('AWS::IAM::Policy'))
          .flatMap(statementsOf)
          .filter((st) => [st.Action].flat().includes('cloudwatch:PutMetricData'))
          .every((st) => st.Condition?.StringEquals?.['cloudwatch:namespace'] === 'KafkaDR'),
      ).toBe(true);
    });

    it('follows failover.readiness: rate and mode', () => {
      const estate = parseEstateConfig({ ...config, failover: { ...config.failover, readiness: { rateMinutes: 240, mode: 'planned' } } } as unknown, 'test');
      const other = synth(estate);
      const rules = Object.values(other.template.findResources('AWS::Events::Rule')).filter((r) => r.Properties.ScheduleExpression && r.Properties.Targets.some((t: any) => t.Arn.Ref === other.stateMachineId));
      expect(rules.map((r) => r.Properties.ScheduleExpression)).toEqual(estate.flows.map(() => 'rate(4 hours)'));
      expect(rules.map((r) => JSON.parse(r.Properties.Targets[0].Input).mode)).toEqual(estate.flows.map(() => 'planned'));
    });
  });

  describe('the lock an execution left behind', () => {
    const [releaseId] = functionOf(template, 'failover-release');

    it('is released when a failover execution, and no other, ends ABORTED, TIMED_OUT or FAILED', () => {
      const [ruleId, rule] = only(template.findResources('AWS::Events::Rule', { Properties: { EventPattern: { source: ['aws.states'] } } }), 'execution-ended rule');
      expect(rule.Properties.EventPattern).toEqual({
        source: ['aws.states'],
        'detail-type': ['Step Functions Execution Status Change'],
        detail: { stateMachineArn: [{ Ref: stateMachineId }], status: ['ABORTED', 'TIMED_OUT', 'FAILED'] },
      });
      expect(rule.Properties.Targets).toEqual([expect.objectContaining({ Arn: { 'Fn::GetAtt': [releaseId, 'Arn'] }, RetryPolicy: { MaximumRetryAttempts: 2 } })]);
      template.hasResourceProperties('AWS::Lambda::Permission', {
        Action: 'lambda:InvokeFunction',
        FunctionName: { 'Fn::GetAtt': [releaseId, 'Arn'] },
        Principal: 'events.amazonaws.com',
        SourceArn: { 'Fn::GetAtt': [ruleId, 'Arn'] },
      });
    });
  });

  describe('the state table and the outcome topic', () => {
    it('keeps the lock and the active side in an encrypted table with PITR that outlives the stack, with TTL for what only an execution needs', () => {
      const table = template.toJSON().Resources[tableId];
      expect(table).toMatchObject({
        Type: 'AWS::DynamoDB::Table',
        DeletionPolicy: 'Retain',
        UpdateReplacePolicy: 'Retain',
        Properties: {
          KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
          AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
          PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
          SSESpecification: { SSEEnabled: true },
          TimeToLiveSpecification: { AttributeName: EXPIRES_AT, Enabled: true },
        },
      });
    });

    it('encrypts the topic with KMS and refuses publishing without TLS', () => {
      const topic = template.toJSON().Resources[topicId];
      expect(topic.Type).toBe('AWS::SNS::Topic');
      expect(joined(topic.Properties.KmsMasterKeyId)).toMatch(/alias\/aws\/sns$/);
      const [, policy] = only(template.findResources('AWS::SNS::TopicPolicy', { Properties: { Topics: [{ Ref: topicId }] } }), 'topic policy');
      expect(statementsOf(policy)).toContainEqual(
        expect.objectContaining({ Effect: 'Deny', Principal: '*', Action: 'sns:Publish', Condition: { Bool: { 'aws:SecureTransport': 'false' } }, Resource: { Ref: topicId } }),
      );
    });

    it('subscribes the notification email', () => {
      expect(emailSubscriptions(template, topicId)).toEqual(config.failover.notificationEmails);
    });
  });

  describe('least privilege', () => {
    it('knows every failover function of the stack', () => {
      const failoverFunctions = Object.values(template.findResources('AWS::Lambda::Function'))
        .map((f) => f.Properties.Environment.Variables.POWERTOOLS_SERVICE_NAME.replace(/^kafka-dr-/, ''))
        .filter((name) => name.startsWith('failover-'));
      expect(failoverFunctions.sort()).toEqual([...WORKFLOW_FUNCTIONS].sort());
    });

    it('lets only the DNS step change record sets, and only in the configured hosted zone', () => {
      expect(principalsAllowed(template, 'route53:ChangeResourceRecordSets')).toEqual(['failover-dns']);
      expect(resourcesAllowed(template, 'failover-dns', 'route53:ChangeResourceRecordSets')).toEqual([`arn:{AWS::Partition}:route53:::hostedzone/${config.dns.hostedZoneId}`]);
    });

    it('lets only begin, finish and release write the state table, and drain put its snapshot; preflight, drain and the trigger read it', () => {
      const onTable = (r: string) => r.startsWith(`{${tableId}}`);
      for (const write of ['dynamodb:UpdateItem', 'dynamodb:DeleteItem', 'dynamodb:BatchWriteItem']) {
        expect([write, principalsAllowed(template, write, onTable)]).toEqual([write, ['failover-begin', 'failover-finish', 'failover-release']]);
      }
      expect(principalsAllowed(template, 'dynamodb:PutItem', onTable)).toEqual(['failover-begin', 'failover-drain', 'failover-finish', 'failover-release']);
      expect(principalsAllowed(template, 'dynamodb:GetItem', onTable)).toEqual(['failover-begin', 'failover-drain', 'failover-finish', 'failover-preflight', 'failover-release', 'failover-trigger']);
    });

    it('lets only finish, release and the trigger publish outcomes, to the topic and the default event bus', () => {
      expect(principalsAllowed(template, 'sns:Publish')).toEqual(['failover-finish', 'failover-release', 'failover-trigger']);
      expect(principalsAllowed(template, 'events:PutEvents')).toEqual(['failover-finish', 'failover-release', 'failover-trigger']);
      for (const handlerDir of ['failover-finish', 'failover-release', 'failover-trigger']) {
        expect(resourcesAllowed(template, handlerDir, 'sns:Publish')).toEqual([`{${topicId}}`]);
        expect(resourcesAllowed(template, handlerDir, 'events:PutEvents')).toEqual([`arn:{AWS::Partition}:events:${config.controlPlane.region}:${config.controlPlane.account}:event-bus/default`]);
      }
    });


    it.each(WORKFLOW_FUNCTIONS)('runs %s on nodejs22.x in the estate VPC, told where the state table, topic and event bus are', (handlerDir) => {
      const [, fn] = functionOf(template, handlerDir);
      expect(fn.Properties.Runtime).toBe('nodejs22.x');
      expect(fn.Properties.VpcConfig).toEqual({ SubnetIds: config.network.subnetIds, SecurityGroupIds: config.network.securityGroupIds });
      expect(fn.Properties.Environment.Variables).toMatchObject({ FAILOVER_STATE_TABLE: { Ref: tableId }, FAILOVER_TOPIC_ARN: { Ref: topicId }, FAILOVER_EVENT_BUS: 'default' });
    });
  });
});

function emailSubscriptions(template: Template, topicId: string): string[] {
  return Object.values(template.findResources('AWS::SNS::Subscription', { Properties: { Protocol: 'email', TopicArn: { Ref: topicId } } }))
    .map((s) => s.Properties.Endpoint)
    .sort();
}

describe('the failover workflow (two notification emails)', () => {
  const emails = ['dr-leads@example.com', 'kafka-oncall@example.com'];
  const modified = parseEstateConfig({ ...config, failover: { ...config.failover, notificationEmails: emails } }, 'two notification emails');
  const { template, topicId } = synth(modified);

  it('subscribes each email to the outcome topic', () => {
    expect(emailSubscriptions(template, topicId)).toEqual(emails);
  });
});
