// dns.mode health-check: the synthesized failover workflow switches clients by publishing
// kafka-dr's ActiveSide metric in the control plane's region; the not-active alarms follow
// (evaluated as CloudWatch would by lab/cloudwatch-alarms.ts, written into the emulator with
// SetAlarmState), the failover records' CLOUDWATCH_METRIC health checks follow the alarms
// (Route 53's health checkers: lab/route53-health-checkers.ts, in front of the
// emulator's Route 53, which the Lambdas reach through AWS_ENDPOINT_URL_ROUTE_53), and the
// DNS step waits until both agree. No record set is written. A dry run shows the exact
// PutMetricData and publishes nothing; a re-run writes nothing; a switch back within the
// minute is published at the next one; when Route 53's API cannot be read the switch
// completes on the alarms and says the health checks are unconfirmed; when CloudWatch never
// evaluates the alarms the failover stops in DnsRepointFailed with offsets synced.
import { CloudWatchClient, DescribeAlarmsCommand } from '@aws-sdk/client-cloudwatch';
import { Route53Client } from '@aws-sdk/client-route-53';
import { activeSideAlarmName } from '#src/alarm-names';
import { floorMinute, latestPublished, readActiveSideAlarms, type ActiveSideTarget } from '#src/dns/active-side-metric';
import { flowsOf } from '#src/flow';
import { heartbeatAgeOrNull } from '#src/probes/heartbeat-age';
import { readHealthCheck } from '#src/dns/health-check-status';
import type { ExecutionState } from '#src/failover/execution-state';
import { labHealthCheckSwitching } from '../../lab/client-switching';
import { failoverRig, failureReport, groupOffsets, inputOf, stoppedApplication, type FailoverRig } from '../support/failover';
import { eventually, labContext, uniqueName } from '../support/lab';
import { route53Faults, type Route53Faults } from '../support/route53-faults';

const FLOW = 'dc1->dc2';
let faults: Route53Faults;
let switching: Awaited<ReturnType<typeof labHealthCheckSwitching>>;
let rig: FailoverRig;
let target: ActiveSideTarget;
const cloudwatch = new CloudWatchClient({});
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Each cluster's health check as Route 53's API reports it: healthy when most checkers say Success. */
async function healthChecks(): Promise<Record<string, boolean>> {
  const route53 = new Route53Client({ endpoint: switching.checkers.url });
  const out: Record<string, boolean> = {};
  for (const [cluster, id] of Object.entries(switching.healthCheckIds())) {
    out[cluster] = (await readHealthCheck(route53, id)).healthy === true;
  }
  return out;
}

const alarmStates = () => readActiveSideAlarms(cloudwatch, target);

/**
 * Clients on dc1 (switched by hand, what the runbook does, until the alarms say it) and MM2's
 * heartbeats fresh on dc2 (a planned switchover's preflight asks; the last test paused MM2).
 */
async function onDc1AndReplicating(): Promise<void> {
  await switching.reset('dc1', 'kafka-dr lab test: by hand');
  const flow = flowsOf(switching.config)[0]!;
  const admin = await rig.ctx.clients.admin('dc2');
  await eventually('a fresh MM2 heartbeat on dc2', async () => ((await heartbeatAgeOrNull(admin, flow, Date.now())) ?? Infinity) < 5000 || undefined, 60_000, 500);
}

beforeAll(async () => {
  const { lab, config } = await labContext();
  faults = await route53Faults(lab.moto.endpoint);
  switching = await labHealthCheckSwitching(config, { route53Upstream: faults.url });
  target = { estate: switching.config.estate, clusters: Object.keys(switching.config.dns.values) };
  rig = await failoverRig(switching.config, { awsEndpoints: switching.awsEndpoints });
  await switching.attach(rig.plane.template);
  await rig.restore();
  await onDc1AndReplicating();
  await switching.freshMinute();
}, 300_000);

// Every test starts with clients on dc1 (the first finds them there). A reset that published
// waits for a fresh minute; a test that switches after a switch of the workflow's waits too:
// the lab's workflow polls every 200 ms, and its 30 polls do not last the minute a deferred
// switch waits (in AWS, they last 5).
beforeEach(onDc1AndReplicating, 300_000);

afterEach(async () => {
  switching.checkers.statusFault = undefined;
  switching.alarms().resume();
  await rig.restore();
});

afterAll(async () => {
  await switching?.close();
  await faults?.close();
});

it('planned switchover: offsets synced, then ActiveSide published once; the DNS step waits until the alarms and the health checks agree; no record set written', async () => {
  const app = await stoppedApplication(rig.ctx, 'hc-planned');
  const changes = faults.changes;
  const result = await rig.run({ flow: FLOW, mode: 'planned', reason: 'test: switchover through CloudWatch' }, uniqueName('hc-planned'));
  expect({ status: result.status, error: result.error, cause: result.cause }).toEqual({ status: 'SUCCEEDED' });
  const report = result.output as any;
  expect(report.steps.syncOffsets).toMatchObject({ synced: true, failed: [] });
  const switched = report.steps.repointDns;
  expect(switched).toMatchObject({ mode: 'health-check', changed: true, changeId: null, before: { dc1: 'OK', dc2: 'ALARM' }, after: { dc1: 'ALARM', dc2: 'OK' } });
  // A fresh minute: published at its start, not deferred.
  expect(switched.writes).toEqual({ namespace: 'KafkaDR/ClientSwitch', metricName: 'ActiveSide', estate: 'lab', timestamp: floorMinute(new Date(switched.writes.timestamp)).toISOString(), values: { dc1: 0, dc2: 1 } });
  const checkerView = (healthy: boolean) => ({ healthy, successes: healthy ? 8 : 0, observations: 8, status: expect.stringMatching(healthy ? /^Success: CloudWatch alarm .* is OK$/ : /^Failure: CloudWatch alarm .* is ALARM$/) });
  expect(report.steps.dnsChange).toMatchObject({ inSync: true, readBack: { alarms: { dc1: 'ALARM', dc2: 'OK' }, healthChecks: { dc1: checkerView(false), dc2: checkerView(true) } } });
  expect(report.steps.dnsChange.readBack.unconfirmed).toBeUndefined();
  const dnsMs = report.durationsMs.repointDns + report.durationsMs.dnsChange;
  console.log(`health-check switchover: ${report.totalMs} ms in all, the switch ${dnsMs} ms over ${report.steps.dnsChange.polls} polls; steps ${JSON.stringify(report.durationsMs)}`);

  // Read back through the real APIs: the datapoints, the alarms, the health checks; the record sets untouched.
  expect(await latestPublished(cloudwatch, target)).toEqual({ at: switched.writes.timestamp, values: { dc1: 0, dc2: 1 } });
  const described = await cloudwatch.send(new DescribeAlarmsCommand({ AlarmNames: target.clusters.map((c) => activeSideAlarmName('lab', c)) }));
  expect(Object.fromEntries((described.MetricAlarms ?? []).map((a) => [a.AlarmName, a.StateValue]))).toEqual({ [activeSideAlarmName('lab', 'dc1')]: 'ALARM', [activeSideAlarmName('lab', 'dc2')]: 'OK' });
  expect(await healthChecks()).toEqual({ dc1: false, dc2: true });
  expect(faults.changes).toBe(changes);
  expect(await groupOffsets(rig.ctx, 'dc2', app.group, `dc1.${app.topic}`)).toEqual(await groupOffsets(rig.ctx, 'dc1', app.group, app.topic));

  // A Lambda retried with the final state (a crash after the write) writes nothing.
  const final = inputOf(result, 'Finish');
  const again = (await rig.invoke('failover-dns', { action: 'repoint', ...final })) as any;
  expect(again).toMatchObject({ changed: false, before: { dc1: 'ALARM', dc2: 'OK' } });
  expect(again.writes).toBeUndefined();
  expect(await latestPublished(cloudwatch, target)).toEqual({ at: switched.writes.timestamp, values: { dc1: 0, dc2: 1 } });

  // The DNS step of a failback right after (the same minute): published at the next minute, alone in its period, and followed there.
  const back: ExecutionState = { ...final, request: { ...final.request, target: 'dc1', executionName: uniqueName('hc-back') } };
  const started = Date.now();
  const backSwitch = (await rig.invoke('failover-dns', { action: 'repoint', ...back })) as any;
  expect(backSwitch).toMatchObject({ changed: true, writes: { values: { dc1: 1, dc2: 0 }, timestamp: new Date(new Date(switched.writes.timestamp).getTime() + 60_000).toISOString() } });
  let status: any = { polls: 0 };
  while (!status.inSync) {
    if (Date.now() - started > 150_000) throw new Error(`the switch back never settled: ${JSON.stringify(status)}`);
    await sleep(1000);
    status = await rig.invoke('failover-dns', { action: 'status', ...back, steps: { ...back.steps, repointDns: backSwitch, dnsChange: { polls: 0 } } });
  }
  console.log(`switch back in the same minute: published for ${backSwitch.writes.timestamp}, settled after ${Date.now() - started} ms`);
  expect(status.readBack.alarms).toEqual({ dc1: 'OK', dc2: 'ALARM' });
  const flip = switching.alarms().transitions.find((t) => t.name === activeSideAlarmName('lab', 'dc1') && t.state === 'OK' && t.at.getTime() > started);
  expect(flip!.at.getTime()).toBeGreaterThanOrEqual(new Date(backSwitch.writes.timestamp).getTime());
  expect(await healthChecks()).toEqual({ dc1: true, dc2: false });
  expect(faults.changes).toBe(changes);
}, 300_000);

it("Route 53's API refusing GetHealthCheckStatus: the switch completes on the alarms and reports the health checks unconfirmed", async () => {
  await switching.freshMinute();
  await stoppedApplication(rig.ctx, 'hc-r53-down');
  switching.checkers.statusFault = { code: 'ServiceUnavailable', status: 503, times: Infinity };
  const requests = switching.checkers.statusRequests;
  const result = await rig.run({ flow: FLOW, mode: 'planned', reason: "test: switchover while Route 53's API is impaired" }, uniqueName('hc-r53-down'));
  expect({ status: result.status, error: result.error, cause: result.cause }).toEqual({ status: 'SUCCEEDED' });
  const report = result.output as any;
  expect(report.steps.repointDns).toMatchObject({ changed: true, writes: { values: { dc1: 0, dc2: 1 } } });
  const readBack = report.steps.dnsChange.readBack;
  expect(readBack.alarms).toEqual({ dc1: 'ALARM', dc2: 'OK' });
  for (const cluster of ['dc1', 'dc2']) expect(readBack.healthChecks[cluster]).toEqual({ id: switching.healthCheckIds()[cluster], error: expect.stringContaining('ServiceUnavailable') });
  expect(readBack.unconfirmed).toMatch(/^Route 53's GetHealthCheckStatus failed for dc1, dc2: the alarms their health checks follow agree/);
  expect(switching.checkers.statusRequests).toBeGreaterThan(requests);
  // Route 53's health checkers themselves kept following the alarms.
  switching.checkers.statusFault = undefined;
  expect(await healthChecks()).toEqual({ dc1: false, dc2: true });
}, 300_000);

it('dry run: preflight reads the alarms, the report shows the exact PutMetricData, nothing is published', async () => {
  const [newest, changes] = [await latestPublished(cloudwatch, target), faults.changes];
  const result = await rig.run({ flow: FLOW, mode: 'planned', dryRun: true, reason: 'test: health-check rehearsal' }, uniqueName('hc-dry'));
  expect({ status: result.status, error: result.error, cause: result.cause }).toEqual({ status: 'SUCCEEDED' });
  const report = result.output as any;
  const seen = `ActiveSide alarms ${activeSideAlarmName('lab', 'dc1')} OK, ${activeSideAlarmName('lab', 'dc2')} ALARM`;
  expect(report.steps.preflight.clients).toEqual({ cluster: 'dc1', mode: 'health-check', seen });
  expect(report.steps.repointDns).toEqual({
    dryRun: true,
    mode: 'health-check',
    changeId: null,
    before: { dc1: 'OK', dc2: 'ALARM' },
    after: { dc1: 'ALARM', dc2: 'OK' },
    writes: { namespace: 'KafkaDR/ClientSwitch', metricName: 'ActiveSide', estate: 'lab', timestamp: expect.stringMatching(/:00\.000Z$/), values: { dc1: 0, dc2: 1 } },
    finishedAt: expect.any(String),
  });
  expect(report.steps.dnsChange).toMatchObject({ inSync: true, polls: 1, dryRun: true, readBack: { cluster: 'dc1', mode: 'health-check', seen } });
  expect(await latestPublished(cloudwatch, target)).toEqual(newest);
  expect(await alarmStates()).toEqual({ dc1: 'OK', dc2: 'ALARM' });
  expect(await healthChecks()).toEqual({ dc1: true, dc2: false });
  expect(faults.changes).toBe(changes);
});

it('CloudWatch never evaluates the alarms: DnsRepointFailed after the polls, offsets synced, clients where they were', async () => {
  const app = await stoppedApplication(rig.ctx, 'hc-stuck');
  switching.alarms().pause();
  const changes = faults.changes;
  const result = await rig.run({ flow: FLOW, mode: 'planned', reason: 'test: alarm evaluation impaired' }, uniqueName('hc-stuck'));
  expect({ status: result.status, error: result.error }).toEqual({ status: 'FAILED', error: 'DnsRepointFailed' });
  expect(result.cause).toContain(`alarm ${activeSideAlarmName('lab', 'dc1')} is OK, expected ALARM`);
  const report = failureReport(result);
  expect(report.failure).toMatchObject({ state: 'DnsRepointFailed', error: 'ClientSwitchTimedOut', cause: expect.stringMatching(/^the health-check switch of clients to dc2 had not taken effect after 30 polls/) });
  expect(report.done).toEqual(['begin', 'preflight', 'drain', 'haltReplication', 'syncOffsets', 'repointDns', 'dnsChange']);
  expect(report.notDone).toEqual([]);
  // The last poll that answered: still waiting for the alarms.
  expect(report.steps.dnsChange).toMatchObject({ inSync: false, polls: 29, pending: expect.stringContaining('expected ALARM') });
  expect(report.steps.syncOffsets.synced).toBe(true);
  expect(report.steps.repointDns).toMatchObject({ changed: true, writes: { values: { dc1: 0, dc2: 1 } } });
  expect(report.lockReleased).toBe(true);
  expect(await groupOffsets(rig.ctx, 'dc2', app.group, `dc1.${app.topic}`)).toEqual(await groupOffsets(rig.ctx, 'dc1', app.group, app.topic));
  // Published but never evaluated: the alarms and health checks still send clients to dc1.
  expect(await alarmStates()).toEqual({ dc1: 'OK', dc2: 'ALARM' });
  expect(await healthChecks()).toEqual({ dc1: true, dc2: false });
  expect(faults.changes).toBe(changes);
}, 300_000);
