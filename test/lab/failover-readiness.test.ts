// The scheduled failover readiness check, as deployed: the execution input is the one the
// synthesized schedule rule carries, run by the failover state machine as defined, on the
// functions' bundles, against the lab. Read back: FailoverReady from CloudWatch, the outcome
// from the failover state table, the notification from a queue subscribed to the outcome
// topic, the failover-not-ready alarm evaluated as synthesized. The failure is real: the
// flow's checkpoint connector deleted through Connect's REST API, then recreated.
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { Route53Client } from '@aws-sdk/client-route-53';
import { flowAlarmName } from '#src/alarm-names';
import { recordDns } from '#src/dns/bootstrap-record';
import { upsertSwitch } from '#src/dns/client-switch';
import { ConnectClient } from '#src/connect/client';
import { FailoverState } from '#src/failover/failover-state';
import type { Readiness } from '#src/failover/readiness';
import { Metric } from '#src/metrics';
import type { ControlPlane } from '../../bin/cli/control-plane';
import { estateStatus } from '../../bin/cli/status';
import { withReverseFlow } from '../../lab/reverse-flow';
import { labArn } from '../../lab/template-resources';
import { latestMetric } from '../support/cloudwatch';
import { failoverRig, failureReport, scheduledInput, type FailoverRig } from '../support/failover';
import { eventually, labContext, uniqueName } from '../support/lab';
import { deleteConnector, putConnectorConfig } from '../support/connectors';
import { subscribers, type Subscribers } from '../support/outcomes';

const FORWARD = 'dc1->dc2';
let rig: FailoverRig;
let state: FailoverState;
let outcomes: Subscribers;

beforeAll(async () => {
  const ctx = await labContext();
  // Both flows: dc2 -> dc1 is the one a readiness check does not apply to while dc1 serves the clients.
  rig = await failoverRig(withReverseFlow(ctx.config, ctx.lab));
  // Clients on dc1, as the bootstrap record says (a fresh lab has none yet): dc2->dc1 does not apply.
  await rig.restore();
  state = new FailoverState(DynamoDBDocumentClient.from(new DynamoDBClient({})), rig.stateTable);
  const topicArn = labArn('sns', rig.plane.nameInLab(rig.plane.stack.failover.topic, 'outcome topic'));
  outcomes = await subscribers({ topicArn, eventBusName: 'default', detailTypes: ['Kafka DR Failover Succeeded', 'Kafka DR Failover Failed'] });
}, 300_000);

/** Runs the flow's scheduled check; what it published and recorded, read back. */
async function check(flow: string) {
  // One check per second at most: CloudWatch keeps one datapoint per second.
  await new Promise((r) => setTimeout(r, 1000 - (Date.now() % 1000)));
  const since = new Date();
  const name = uniqueName('readiness');
  const execution = await rig.run(scheduledInput(rig, flow), name);
  const report = execution.status === 'SUCCEEDED' ? (execution.output as Record<string, unknown>) : failureReport(execution);
  return {
    name,
    execution,
    report: report as { readiness?: Readiness; notification: unknown },
    published: await latestMetric(Metric.FailoverReady, { Flow: flow }, since),
    recorded: await state.readiness(flow),
  };
}

/** The control plane as `kafka-dr status` reads it: this rig's state table and the lab's record and metrics. */
function statusPlane(): ControlPlane {
  const unused = () => Promise.reject(new Error('not used by status'));
  return {
    config: rig.config,
    where: 'the readiness test',
    cloudwatch: new CloudWatchClient({}),
    clients: (home) => upsertSwitch(recordDns(rig.config.dns, home), new Route53Client({})),
    failoverState: state,
    alarms: async () => [],
    audit: unused,
    syncDrift: unused,
    backupBucket: () => ({ name: 'unused' }),
    execute: unused,
  };
}

async function alarmState(flow: string): Promise<string | undefined> {
  const [source, target] = flow.split('->') as [string, string];
  const name = flowAlarmName(rig.config.estate, { source, target }, 'failover-not-ready');
  // The evaluation window ends at the last whole second: let the check's datapoint's second end.
  await new Promise((r) => setTimeout(r, 1100));
  const evaluations = await rig.plane.alarms.evaluate(new CloudWatchClient({}));
  return evaluations.find((e) => e.name === name)?.state;
}

it('ready: the scheduled unplanned dry run of dc1->dc2 succeeds, publishes FailoverReady 1, records it, and announces nothing', async () => {
  const ready = await check(FORWARD);
  expect({ status: ready.execution.status, error: ready.execution.error, cause: ready.execution.cause }).toEqual({ status: 'SUCCEEDED' });
  expect(ready.published).toBe(1);
  expect(ready.recorded).toEqual({ flow: FORWARD, ready: true, reason: null, mode: 'unplanned', executionName: ready.name, at: expect.any(String) });
  // The first check of a fresh state table, and ready: nobody is told.
  expect(ready.report.notification).toBeNull();
});

it('does not apply to dc2->dc1 while dc1 serves the clients: ended at preflight, nothing published, recorded as not applicable', async () => {
  const reverse = await check('dc2->dc1');
  expect({ status: reverse.execution.status, error: reverse.execution.error }).toEqual({ status: 'FAILED', error: 'PreflightFailed' });
  expect(reverse.published).toBeUndefined();
  expect(reverse.recorded).toMatchObject({ flow: 'dc2->dc1', ready: null, reason: expect.stringMatching(/^dc1 already serves the clients .*: a failover of dc2->dc1 has nothing to move/) });
  expect(reverse.report.notification).toBeNull();
});

it('not ready: with the checkpoint connector gone, FailoverReady 0, the first reason recorded, one notification, the alarm in ALARM; once recreated, ready again and announced', async () => {
  const connect = new ConnectClient(rig.config.flows[0]!.mm2.connectUrl);
  const { checkpoint } = rig.config.flows[0]!.mm2.connectors;
  const original = await connect.config(checkpoint);
  const recreate = async () => {
    await putConnectorConfig(connect.url, checkpoint, original);
    // Without consumer groups to checkpoint, MM2's checkpoint connector runs no task.
    await eventually(`${checkpoint} and its tasks RUNNING`, async () => {
      const s = await connect.status(checkpoint).catch(() => undefined);
      return s?.connector.state === 'RUNNING' && s.tasks.every((t) => t.state === 'RUNNING') ? true : undefined;
    }, 60_000, 500);
  };
  await deleteConnector(connect.url, checkpoint);
  try {
    const broken = await check(FORWARD);
    expect({ status: broken.execution.status, error: broken.execution.error }).toEqual({ status: 'FAILED', error: 'PreflightFailed' });
    expect(broken.published).toBe(0);
    expect(broken.recorded).toMatchObject({ ready: false, reason: expect.stringMatching(new RegExp(`^PreflightFailed: .*replication ${FORWARD} is not set up: connector ${checkpoint} does not exist`)) });
    // The first message the topic delivered: the checks before (ready, not applicable) sent none.
    const message = await outcomes.nextMessage();
    expect(message.Subject).toBe(`[kafka-dr] ${FORWARD} failover dry run FAILED`);
    expect(message.Message).toContain(`connector ${checkpoint} does not exist`);
    expect(await alarmState(FORWARD)).toBe('ALARM');
    // What the operator sees: kafka-dr status over this control plane's state table.
    const status = await estateStatus(statusPlane());
    expect(status.flows.find((f) => f.flow === FORWARD)!.readiness).toEqual(broken.recorded);
    expect(status.problems).toContainEqual(expect.stringMatching(new RegExp(`^flow ${FORWARD}: a failover would not succeed \\(readiness check ${broken.name} at .*\\): PreflightFailed: `)));

    // Still broken an hour later: the metric again, no second notification (the next one below is the recovery).
    const again = await check(FORWARD);
    expect({ published: again.published, notification: again.report.notification }).toEqual({ published: 0, notification: null });
  } finally {
    await recreate();
  }
  const fixed = await check(FORWARD);
  expect(fixed.execution.status).toBe('SUCCEEDED');
  expect(fixed.published).toBe(1);
  expect(fixed.recorded).toMatchObject({ ready: true, reason: null });
  // The next one: the repeated failure sent none.
  const recovered = await outcomes.nextMessage();
  expect(recovered.Subject).toBe(`[kafka-dr] ${FORWARD} failover dry run SUCCEEDED`);
});
