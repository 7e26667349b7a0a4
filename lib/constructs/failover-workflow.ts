// Fail over: the Step Functions workflow that moves clients from a flow's source to its
// target (and back, over the reverse flow), its Lambdas, the state table holding the lock
// and the active side, the outcome topic, the trigger on each flow's primary-down alarm, and
// each flow's scheduled readiness check (a dry run).
//
// Interface the failover handlers honour (functions/failover-*):
//   env  FAILOVER_STATE_TABLE (partition key "pk": items "lock" and "active"),
//        FAILOVER_TOPIC_ARN, FAILOVER_EVENT_BUS, FAILOVER_STATE_MACHINE_ARN (trigger only)
//   the state: { request, steps: { <step>: result } }, each step's result under $.steps
import { Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { primaryDownAlarmName } from '#src/alarm-names';
import { ENDED_WITHOUT_FINISH, EXECUTION_STATUS_CHANGE } from '#src/failover/execution-ended';
import { estateSecretArns } from '#src/config/estate';
import { FAILOVER_EVENT_BUS, FAILOVER_STATE_MACHINE_ARN, FAILOVER_STATE_TABLE, FAILOVER_TOPIC_ARN, type LambdaSetting } from '#src/environment';
import type { EstateConfig } from '#src/config/schema';
import { readinessCheckInput } from '#src/failover/readiness';
import { EXPIRES_AT } from '#src/failover/state-expiry';
import { flowsOf } from '#src/flow';
import { METRICS_NAMESPACE } from '#src/metrics';
import { kafkaDrTable } from './kafka-dr-table';
import { KafkaDrFunction, type EstateNetwork } from './kafka-dr-function';
import { EXECUTION_PAYLOAD, lambdaStep, workflowStateMachine } from './workflow-state-machine';

/** What a health-checked client switching mode gives the DNS step and preflight: the setting they read, the grants they need. */
export interface ClientSwitchingResources {
  readonly lambdaSetting: LambdaSetting;
  /** The setting's value (JSON, tokens resolved at deploy). */
  readonly setting: string;
  grantRead(...roles: iam.IRole[]): void;
  grantSwitch(role: iam.IRole): void;
}

export interface FailoverWorkflowProps {
  config: EstateConfig;
  network: EstateNetwork;
  /** dns.mode arc-routing-control or health-check: what the DNS step switches and preflight reads. */
  clientSwitching?: ClientSwitchingResources;
}

/** Waits of the workflow's polling loops. */
const DRAIN_POLL = Duration.seconds(5);
const DNS_POLL = Duration.seconds(10);

/** The named failed states after the lock is taken (Begin ends in InvalidInput, AlreadyRunning or BeginFailed; Finish in FinishFailed). */
export const FAILURE_STATES = ['PreflightFailed', 'DrainFailed', 'HaltReplicationFailed', 'OffsetSyncFailed', 'DnsRepointFailed'] as const;
type FailureState = (typeof FAILURE_STATES)[number];

export class FailoverWorkflow extends Construct {
  readonly stateMachine: sfn.StateMachine;
  readonly stateTable: dynamodb.Table;
  readonly topic: sns.Topic;
  readonly trigger: KafkaDrFunction;
  /** Releases the lock of an execution that ended without its Finish step. */
  readonly release: KafkaDrFunction;
  readonly steps: Record<'begin' | 'preflight' | 'drain' | 'replication' | 'offsets' | 'dns' | 'finish', KafkaDrFunction>;

  constructor(scope: Construct, id: string, props: FailoverWorkflowProps) {
    super(scope, id);
    const { config, network } = props;
    const stack = Stack.of(this);

    // The lock and the active side must outlive a stack update: RETAIN.
    this.stateTable = kafkaDrTable(this, 'StateTable', 'pk', RemovalPolicy.RETAIN, EXPIRES_AT);
    this.topic = new sns.Topic(this, 'Outcomes', {
      displayName: `kafka-dr ${config.estate} failover`,
      masterKey: kms.Alias.fromAliasName(this, 'SnsKey', 'alias/aws/sns'),
      enforceSSL: true,
    });
    for (const email of config.failover.notificationEmails) this.topic.addSubscription(new subscriptions.EmailSubscription(email));
    const eventBus = events.EventBus.fromEventBusName(this, 'DefaultBus', 'default');

    const environment = {
      [FAILOVER_STATE_TABLE.name]: this.stateTable.tableName,
      [FAILOVER_TOPIC_ARN.name]: this.topic.topicArn,
      [FAILOVER_EVENT_BUS.name]: eventBus.eventBusName,
    };
    const secretArns = estateSecretArns(config);
    // Only the steps that talk to Kafka or Connect read the estate's secrets.
    const step = (handlerDir: string, description: string, timeout: Duration, memorySize = 512, readsSecrets = true) =>
      new KafkaDrFunction(this, handlerDir, { handlerDir, description, config, network, secretArns: readsSecrets ? secretArns : [], timeout, memorySize, environment });
    this.steps = {
      begin: step('failover-begin', 'Failover: validates the execution input and takes the estate failover lock', Duration.seconds(30), 256, false),
      preflight: step('failover-preflight', 'Failover: preflight checks and the RPO estimate', Duration.seconds(120)),
      drain: step('failover-drain', 'Failover (planned): checks that replication and checkpoints have drained', Duration.seconds(120)),
      replication: step('failover-replication', 'Failover: pauses the flow\'s MM2 connectors through Kafka Connect and verifies their tasks', Duration.seconds(60), 256),
      offsets: step('failover-offsets', 'Failover: translates and commits consumer group offsets on the target, read back', Duration.minutes(10), 1536),
      dns: step('failover-dns', 'Failover: repoints the Route 53 bootstrap record and follows the change to INSYNC', Duration.seconds(60), 256, false),
      finish: step('failover-finish', 'Failover: records the active side, publishes the report, releases the lock', Duration.seconds(60), 256, false),
    };
    this.stateTable.grantReadWriteData(this.steps.begin.function);
    this.stateTable.grantReadWriteData(this.steps.finish.function);
    // Its drain snapshot: written once, read by each later look; finish deletes it.
    this.stateTable.grant(this.steps.drain.function, 'dynamodb:PutItem', 'dynamodb:GetItem');
    this.stateTable.grantReadData(this.steps.preflight.function);
    for (const fn of [this.steps.finish]) {
      this.topic.grantPublish(fn.function);
      eventBus.grantPutEventsTo(fn.function);
    }

    const zoneArn = `arn:${stack.partition}:route53:::hostedzone/${config.dns.hostedZoneId}`;
    const { clientSwitching } = props;
    if (clientSwitching) {
      // The switch and its read-back go through the mode's own API (the routing controls, or
      // the ActiveSide metric, its alarms and health checks): the failover records are the
      // stack's, and neither step reads or writes a record set.
      for (const fn of [this.steps.dns, this.steps.preflight]) fn.function.addEnvironment(clientSwitching.lambdaSetting.name, clientSwitching.setting);
      clientSwitching.grantRead(this.steps.dns.role, this.steps.preflight.role);
      clientSwitching.grantSwitch(this.steps.dns.role);
    } else {
      this.steps.dns.role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['route53:ChangeResourceRecordSets', 'route53:ListResourceRecordSets'], resources: [zoneArn] }));
      this.steps.dns.role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['route53:GetChange'], resources: [`arn:${stack.partition}:route53:::change/*`] }));
      this.steps.preflight.role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['route53:ListResourceRecordSets'], resources: [zoneArn] }));
    }
    const readMetrics = new iam.Policy(this, 'ReadMetricsPolicy', {
      roles: [this.steps.preflight.role],
      statements: [new iam.PolicyStatement({ actions: ['cloudwatch:GetMetricData'], resources: ['*'] })],
    });
    Validations.of(readMetrics).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason: 'cloudwatch:GetMetricData supports no resource-level permissions; preflight reads the probes\' last RPO when the source is gone',
    });
    for (const fn of [this.steps.dns, this.steps.preflight]) {
      Validations.of(fn.role.node.findChild('DefaultPolicy')).acknowledge({
        id: 'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:route53:::change/*]',
        reason: 'Route 53 change ids are only known after the change is made; GetChange is read-only',
      });
    }

    this.stateMachine = workflowStateMachine(this, 'StateMachine', {
      stateMachineName: `${config.estate}-kafka-dr-failover`,
      definition: this.definition(),
      timeout: Duration.seconds(config.failover.drainTimeoutSeconds + 3600),
      config,
      steps: Object.values(this.steps),
    });

    this.trigger = new KafkaDrFunction(this, 'failover-trigger', {
      handlerDir: 'failover-trigger',
      description: 'On a flow\'s primary-down alarm: starts the unplanned failover (automatic mode) or notifies why not',
      config,
      network,
      secretArns: [],
      timeout: Duration.seconds(30),
      environment: { ...environment, [FAILOVER_STATE_MACHINE_ARN.name]: this.stateMachine.stateMachineArn },
    });
    this.stateTable.grantReadData(this.trigger.function);
    this.stateMachine.grantStartExecution(this.trigger.function);
    this.topic.grantPublish(this.trigger.function);
    eventBus.grantPutEventsTo(this.trigger.function);
    new events.Rule(this, 'PrimaryDownRule', {
      description: `kafka-dr ${config.estate}: a flow's primary-down alarm entering ALARM ${config.failover.mode === 'automatic' ? 'starts an unplanned failover' : 'notifies (failover.mode notify-only)'}`,
      eventPattern: {
        source: ['aws.cloudwatch'],
        detailType: ['CloudWatch Alarm State Change'],
        detail: { alarmName: config.flows.map((f) => primaryDownAlarmName(config.estate, f)), state: { value: ['ALARM'] } },
      },
      targets: [new targets.LambdaFunction(this.trigger.function, { retryAttempts: 2 })],
    });

    // The readiness check: a dry run per flow on a schedule; Finish publishes FailoverReady.
    for (const flow of flowsOf(config)) {
      new events.Rule(this, `ReadinessSchedule-${flow.safeName}`, {
        description: `kafka-dr ${config.estate}: the ${flow.name} failover readiness check (a dry run, ${config.failover.readiness.mode})`,
        schedule: events.Schedule.rate(Duration.minutes(config.failover.readiness.rateMinutes)),
        targets: [new targets.SfnStateMachine(this.stateMachine, { input: events.RuleTargetInput.fromObject(readinessCheckInput(config, flow)), retryAttempts: 2 })],
      });
    }
    const publishReadiness = new iam.Policy(this, 'PublishReadinessPolicy', {
      roles: [this.steps.finish.role],
      statements: [new iam.PolicyStatement({ actions: ['cloudwatch:PutMetricData'], resources: ['*'], conditions: { StringEquals: { 'cloudwatch:namespace': METRICS_NAMESPACE } } })],
    });
    Validations.of(publishReadiness).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason: `cloudwatch:PutMetricData supports no resource-level permissions; the cloudwatch:namespace condition limits it to ${METRICS_NAMESPACE} (FailoverReady)`,
    });

    // Aborted, timed out or failed past Finish: Finish never released the lock.
    this.release = new KafkaDrFunction(this, 'failover-release', {
      handlerDir: 'failover-release',
      description: 'When a failover execution ends without its Finish step: releases the lock it holds and notifies',
      config,
      network,
      secretArns: [],
      timeout: Duration.seconds(30),
      environment,
    });
    this.stateTable.grantReadWriteData(this.release.function);
    this.topic.grantPublish(this.release.function);
    eventBus.grantPutEventsTo(this.release.function);
    new events.Rule(this, 'ExecutionEndedRule', {
      description: `kafka-dr ${config.estate}: a failover execution ending ${ENDED_WITHOUT_FINISH.join(', ')} releases the lock it may have left behind`,
      eventPattern: {
        source: ['aws.states'],
        detailType: [EXECUTION_STATUS_CHANGE],
        detail: { stateMachineArn: [this.stateMachine.stateMachineArn], status: [...ENDED_WITHOUT_FINISH] },
      },
      targets: [new targets.LambdaFunction(this.release.function, { retryAttempts: 2 })],
    });
  }

  private definition(): sfn.IChainable {
    const state = { 'request.$': '$.request', 'steps.$': '$.steps', 'forcedPast.$': '$.forcedPast' };

    // Every failure after the lock is taken goes through the same reporting path, then
    // ends in its own named state.
    const whichFailure = new sfn.Choice(this, 'WhichFailure');
    for (const name of FAILURE_STATES) whichFailure.when(sfn.Condition.stringEquals('$.failure.state', name), new sfn.Fail(this, name, { error: name, causePath: '$.report.summary' }));
    whichFailure.otherwise(new sfn.Fail(this, 'Failed', { error: 'Failed', causePath: '$.report.summary' }));
    const reportFailure = lambdaStep(this, 'ReportFailure', this.steps.finish, { ...state, 'failure.$': '$.failure' }, '$.report');
    // The named failed state still ends the execution when the report could not be published.
    const unreported = new sfn.Pass(this, 'ReportUnpublished', {
      parameters: { 'summary.$': "States.Format('{} (the failure report could not be published: {})', $.failure.state, $.reportError.Cause)" },
      resultPath: '$.report',
    }).next(whichFailure);
    reportFailure.addCatch(unreported, { resultPath: '$.reportError' }).next(whichFailure);
    const failure = {} as Record<FailureState, sfn.Pass>;
    for (const name of FAILURE_STATES) {
      failure[name] = new sfn.Pass(this, `Mark${name}`, { result: sfn.Result.fromString(name), resultPath: '$.failure.state' });
      failure[name].next(reportFailure);
    }
    const onError = (task: sfn.TaskStateBase, name: FailureState) => task.addCatch(failure[name], { errors: ['States.ALL'], resultPath: '$.failure.error' });

    const begin = lambdaStep(this, 'Begin', this.steps.begin, EXECUTION_PAYLOAD);
    begin.addCatch(new sfn.Fail(this, 'InvalidInput', { error: 'InvalidInput', causePath: '$.Cause' }), { errors: ['InvalidFailoverInput'] });
    begin.addCatch(new sfn.Fail(this, 'AlreadyRunning', { error: 'AlreadyRunning', causePath: '$.Cause' }), { errors: ['FailoverAlreadyRunning'] });
    begin.addCatch(new sfn.Fail(this, 'BeginFailed', { error: 'BeginFailed', causePath: '$.Cause' }), { errors: ['States.ALL'] });

    const preflight = lambdaStep(this, 'Preflight', this.steps.preflight, state, '$.steps.preflight');
    onError(preflight, 'PreflightFailed');
    const drain = lambdaStep(this, 'CheckDrain', this.steps.drain, state, '$.steps.drain');
    onError(drain, 'DrainFailed');
    const pause = lambdaStep(this, 'HaltReplication', this.steps.replication, state, '$.steps.haltReplication');
    pause.addRetry({ errors: ['ReplicationNotHaltedYet'], interval: Duration.seconds(2), maxAttempts: 15, backoffRate: 1 });
    onError(pause, 'HaltReplicationFailed');
    const syncOffsets = lambdaStep(this, 'SyncOffsets', this.steps.offsets, state, '$.steps.syncOffsets');
    const repoint = lambdaStep(this, 'RepointDns', this.steps.dns, { action: 'repoint', ...state }, '$.steps.repointDns');
    onError(repoint, 'DnsRepointFailed');
    const checkDns = lambdaStep(this, 'CheckDnsChange', this.steps.dns, { action: 'status', ...state }, '$.steps.dnsChange');
    onError(checkDns, 'DnsRepointFailed');
    const finish = lambdaStep(this, 'Finish', this.steps.finish, state, '$.report');
    const succeeded = new sfn.Succeed(this, 'FailoverSucceeded', { outputPath: '$.report' });

    // DNS is never repointed to a side whose offsets were not synced, unless the operator forces it.
    const forced = sfn.Condition.booleanEquals('$.request.force', true);
    syncOffsets.addCatch(
      new sfn.Choice(this, 'ForceAfterSyncError')
        .when(forced, repoint)
        .otherwise(new sfn.Pass(this, 'OffsetSyncError', { inputPath: '$.forcedPast', resultPath: '$.failure.error' }).next(failure.OffsetSyncFailed)),
      { errors: ['States.ALL'], resultPath: '$.forcedPast' },
    );
    const offsetsSynced = new sfn.Choice(this, 'OffsetsSynced')
      .when(sfn.Condition.or(sfn.Condition.booleanEquals('$.steps.syncOffsets.synced', true), sfn.Condition.booleanEquals('$.request.dryRun', true), forced), repoint)
      .otherwise(
        new sfn.Pass(this, 'OffsetSyncIncomplete', {
          result: sfn.Result.fromObject({ Error: 'OffsetSyncIncomplete', Cause: 'some consumer groups failed to commit or read back differently: see steps.syncOffsets' }),
          resultPath: '$.failure.error',
        }).next(failure.OffsetSyncFailed),
      );
    const waitForDns = new sfn.Wait(this, 'WaitForDnsSync', { time: sfn.WaitTime.duration(DNS_POLL) });
    const dnsInSync = new sfn.Choice(this, 'DnsInSync').when(sfn.Condition.booleanEquals('$.steps.dnsChange.inSync', true), finish).otherwise(waitForDns);
    waitForDns.next(checkDns);
    const waitForDrain = new sfn.Wait(this, 'WaitForDrain', { time: sfn.WaitTime.duration(DRAIN_POLL) });
    const drained = new sfn.Choice(this, 'Drained')
      .when(sfn.Condition.or(sfn.Condition.booleanEquals('$.steps.drain.drained', true), sfn.Condition.booleanEquals('$.request.dryRun', true)), pause)
      .otherwise(waitForDrain);
    waitForDrain.next(drain);

    finish.addCatch(new sfn.Fail(this, 'FinishFailed', { error: 'FinishFailed', causePath: '$.finishError.Cause' }), { errors: ['States.ALL'], resultPath: '$.finishError' });
    pause.next(syncOffsets).next(offsetsSynced);
    repoint.next(checkDns).next(dnsInSync);
    finish.next(succeeded);
    drain.next(drained);
    return begin.next(preflight).next(new sfn.Choice(this, 'PlannedOrUnplanned').when(sfn.Condition.stringEquals('$.request.mode', 'planned'), drain).otherwise(pause));
  }
}
