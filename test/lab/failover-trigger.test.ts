// The failover trigger and outcome notifications against the lab's emulator: outcomes
// are read back where subscribers get them (an SQS queue subscribed to the SNS topic, an
// SQS queue targeted by an EventBridge rule), and alarm events, given to the trigger
// function's bundle, start real executions of the control plane's failover state machine as
// created in the emulated Step Functions.
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { DescribeExecutionCommand, ListExecutionsCommand, SFNClient } from '@aws-sdk/client-sfn';
import { SNSClient } from '@aws-sdk/client-sns';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { FailoverState } from '#src/failover/failover-state';
import { publishOutcome, type FailoverOutcome } from '#src/failover/notify';
import { primaryDownAlarmName } from '#src/alarm-names';
import { labContext, uniqueName } from '../support/lab';
import { subscribers, type Subscribers } from '../support/outcomes';
import { labArn } from '../../lab/template-resources';
import { localControlPlane, type LocalControlPlane } from '../../lab/local-control-plane';

const LIMIT = 256 * 1024;

let sns: SNSClient;
let eventBridge: EventBridgeClient;

beforeAll(async () => {
  await labContext(); // points the AWS SDK at the lab's emulator
  sns = new SNSClient({});
  eventBridge = new EventBridgeClient({});
});

const outcome = (report: unknown): FailoverOutcome => ({
  executionName: uniqueName('failover'),
  flow: 'dc1->dc2',
  mode: 'unplanned',
  dryRun: false,
  status: 'SUCCEEDED',
  summary: 'dc1->dc2 failover succeeded: clients now on dc2; RPO estimate 1.2 s; 3 groups synced, 1 skipped',
  report,
});

describe('publishing a failover outcome', () => {
  it('delivers the summary and the whole report to SNS subscribers and as an EventBridge event', async () => {
    const to = await subscribers();
    const report = { groups: [{ group: 'orders-app', synced: true, partitions: 3 }], dns: { record: 'kafka.lab', value: 'dc2' } };
    const sent = outcome(report);
    const ids = await publishOutcome({ eventBridge, sns }, to, sent);

    const message = await to.nextMessage();
    expect(message.Subject).toBe('[kafka-dr] dc1->dc2 failover SUCCEEDED');
    expect(message.Message).toBe(`${sent.summary}\n\n${JSON.stringify(report, null, 2)}`);
    expect(message).toMatchObject({ MessageId: ids.messageId });

    const event = await to.nextEvent();
    expect(event).toMatchObject({ id: ids.eventId, source: 'kafka-dr', 'detail-type': 'Kafka DR Failover Succeeded' });
    expect(event.detail).toEqual(sent);
  });

  it('cuts a report over 256 KB to fit both services and says so, keeping the summary whole', async () => {
    const to = await subscribers();
    const report = { partitions: Array.from({ length: 4000 }, (_, p) => ({ topic: 'dc1.orders', partition: p, upstream: 123456789 + p, downstream: 123456700 + p, duplicates: p % 7 })) };
    const pretty = JSON.stringify(report, null, 2);
    expect(Buffer.byteLength(pretty)).toBeGreaterThan(LIMIT);
    const sent = { ...outcome(report), status: 'FAILED' as const, summary: 'dc1->dc2 failover FAILED at SyncOffsets: 12 groups not synced, DNS not repointed' };
    await publishOutcome({ eventBridge, sns }, to, sent);

    const message = await to.nextMessage();
    expect(message.Subject).toBe('[kafka-dr] dc1->dc2 failover FAILED');
    expect(Buffer.byteLength(message.Message)).toBeLessThanOrEqual(LIMIT);
    const [summary, note, excerpt] = message.Message.split('\n\n', 3) as [string, string, string];
    expect(summary).toBe(sent.summary);
    expect(note).toMatch(new RegExp(`^\\(report truncated: it is ${Buffer.byteLength(pretty)} bytes, over SNS's 256 KB message limit`));
    expect(pretty.startsWith(message.Message.slice(summary.length + note.length + 4))).toBe(true);
    expect(excerpt.length).toBeGreaterThan(200_000);

    const event = await to.nextEvent();
    expect(event['detail-type']).toBe('Kafka DR Failover Failed');
    expect(Buffer.byteLength(JSON.stringify(event.detail))).toBeLessThanOrEqual(LIMIT);
    expect(event.detail).toMatchObject({ executionName: sent.executionName, status: 'FAILED', summary: sent.summary, reportTruncated: expect.stringContaining("over EventBridge's 256 KB event limit") });
    expect(JSON.stringify(report).startsWith(event.detail.report as string)).toBe(true);
  });

  it('still notifies by SNS when the event bus is missing, then fails naming the bus', async () => {
    const to = await subscribers();
    const missingBus = uniqueName('no-such-bus');
    const sent = outcome({});
    await expect(publishOutcome({ eventBridge, sns }, { ...to, eventBusName: missingBus }, sent)).rejects.toThrow(
      new RegExp(`could not publish the SUCCEEDED outcome of failover ${sent.executionName} \\(dc1->dc2\\): the EventBridge event on bus ${missingBus}: .+ \\(the SNS message was delivered\\)$`),
    );
    expect((await to.nextMessage()).Message.startsWith(sent.summary)).toBe(true);
  });
});

describe('the failover trigger function, run from its bundle', () => {
  const sfn = new SFNClient({});
  const dynamodb = new DynamoDBClient({});
  let plane: LocalControlPlane;
  let table: string;
  let stateMachineArn: string;
  let to: Subscribers;

  beforeAll(async () => {
    const { config } = await labContext();
    // The control plane's own state table, topic and failover state machine (created in the emulator).
    plane = await localControlPlane(config);
    const { failover } = plane.stack;
    table = plane.nameInLab(failover.stateTable, 'failover state table');
    stateMachineArn = labArn('states', `stateMachine:${plane.nameInLab(failover.stateMachine, 'failover state machine')}`);
    const topicArn = labArn('sns', plane.nameInLab(failover.topic, 'failover topic'));
    to = await subscribers({ topicArn, eventBusName: 'default', detailTypes: ['Kafka DR Failover Refused'] });
  });

  const invoke = async (event: unknown): Promise<Record<string, unknown>> => (await plane.invoke('failover-trigger', event)) as Record<string, unknown>;

  async function primaryDownEvent(value: string) {
    const { config } = await labContext();
    return {
      version: '0',
      id: uniqueName('event'),
      'detail-type': 'CloudWatch Alarm State Change',
      source: 'aws.cloudwatch',
      time: new Date().toISOString(),
      region: 'us-east-1',
      detail: { alarmName: primaryDownAlarmName(config.estate, config.flows[0]!), state: { value, reason: 'dc1 unreachable and replication stale', timestamp: new Date().toISOString() } },
    };
  }

  const executions = async () => (await sfn.send(new ListExecutionsCommand({ stateMachineArn }))).executions ?? [];

  it('starts one failover execution per alarm state change: a duplicate delivery is reported, not started', async () => {
    const event = await primaryDownEvent('ALARM');
    const first = await invoke(event);
    expect(first).toMatchObject({ action: 'started', executionArn: expect.stringContaining(':execution:') });
    const second = await invoke({ ...event, id: uniqueName('redelivery') });
    expect(second).toEqual({ action: 'duplicate', executionName: first.executionName });

    const started = await executions();
    expect(started.map((e) => e.name)).toEqual([first.executionName]);
    const input = JSON.parse((await sfn.send(new DescribeExecutionCommand({ executionArn: started[0]!.executionArn }))).input!);
    expect(input).toEqual({
      flow: 'dc1->dc2',
      mode: 'unplanned',
      dryRun: false,
      force: false,
      reason: expect.stringContaining('dc1 (the source of dc1->dc2) is down since'),
      trigger: { alarmName: event.detail.alarmName, stateChangedAt: event.detail.state.timestamp, eventId: event.id },
    });
  });

  it('tells the on-call why it did not fail over, by SNS and as a Refused event', async () => {
    await new FailoverState(DynamoDBDocumentClient.from(dynamodb), table).recordActiveSide({
      cluster: 'dc2',
      home: null,
      flow: 'dc1->dc2',
      executionName: 'manual-failover-1',
      mode: 'planned',
      since: '2026-01-01T00:00:00.000Z',
    });
    const before = (await executions()).length;
    const event = await primaryDownEvent('ALARM');
    const result = await invoke(event);
    expect(result).toMatchObject({ action: 'notified', why: expect.stringContaining('dc2 is already the active side (since 2026-01-01T00:00:00.000Z, execution manual-failover-1)') });
    expect(await executions()).toHaveLength(before);

    const message = await to.nextMessage();
    expect(message.Subject).toBe('[kafka-dr] dc1->dc2 failover REFUSED');
    expect(message.Message.split('\n\n')[0]).toBe(`dc1->dc2: automatic failover not started: ${result.why}`);
    const refused = await to.nextEvent();
    expect(refused).toMatchObject({ id: result.eventId, 'detail-type': 'Kafka DR Failover Refused' });
    expect(refused.detail).toMatchObject({ flow: 'dc1->dc2', status: 'REFUSED', report: { why: result.why, event } });
  });
});
