// dns.mode arc-routing-control: the synthesized failover workflow switches clients by
// flipping ARC routing controls through the cluster's data-plane endpoints (the lab's ARC
// cluster, lab/arc-cluster.ts, driven by the real SDK client in the bundles), never calling
// the Route 53 API. Endpoints that refuse connections or keep failing are passed over; when
// none answers the failover stops in DnsRepointFailed with offsets synced and clients where
// they were. A dry run shows the exact switch; a re-run of the step writes nothing.
import { GetRoutingControlStateCommand, Route53RecoveryClusterClient } from '@aws-sdk/client-route53-recovery-cluster';
import { ListResourceRecordSetsCommand, Route53Client } from '@aws-sdk/client-route-53';
import type { ArcCluster } from '../../lab/arc-cluster';
import { labArcSwitching, type LabClientSwitching } from '../../lab/client-switching';
import { failoverRig, failureReport, groupOffsets, inputOf, stoppedApplication, type FailoverRig } from '../support/failover';
import { labContext, uniqueName } from '../support/lab';

const FLOW = 'dc1->dc2';
let switching: LabClientSwitching & { arc: ArcCluster };
let arc: ArcCluster;
let rig: FailoverRig;
let controls: Record<string, string>;
const route53 = new Route53Client({});

/** Each control's state, read through the real SDK client on the last endpoint (the tests fail the first ones). */
async function controlStates(): Promise<Record<'dc1' | 'dc2', string | undefined>> {
  const endpoint = arc.endpoints.at(-1)!;
  const client = new Route53RecoveryClusterClient({ endpoint: endpoint.url, region: endpoint.region });
  const read = async (arn: string) => (await client.send(new GetRoutingControlStateCommand({ RoutingControlArn: arn }))).RoutingControlState;
  return { dc1: await read(controls.dc1!), dc2: await read(controls.dc2!) };
}
/** Updates each endpoint took (answered without an error). */
const updatesPerEndpoint = () => arc.endpoints.map((e) => e.requests.filter((r) => r.operation.startsWith('UpdateRoutingControlState') && !r.error).length);
const bootstrapRecord = async () => (await route53.send(new ListResourceRecordSetsCommand({ HostedZoneId: rig.config.dns.hostedZoneId }))).ResourceRecordSets;

beforeAll(async () => {
  // The lab estate taking the lab's ARC cluster, its control panel and routing controls.
  switching = await labArcSwitching((await labContext()).config);
  arc = switching.arc;
  controls = switching.config.dns.arc!.routingControls!;
  rig = await failoverRig(switching.config);
  await rig.restore();
}, 300_000);

afterEach(async () => {
  for (const endpoint of arc.endpoints) await endpoint.restore();
  await switching.reset('dc1', 'kafka-dr lab test: back to dc1');
  for (const endpoint of arc.endpoints) endpoint.requests.length = 0;
  await rig.restore();
});

afterAll(() => switching.close());

it('dry run: preflight reads the routing controls, the report shows the exact switch, nothing is written', async () => {
  const result = await rig.run({ flow: FLOW, mode: 'planned', dryRun: true, reason: 'test: ARC rehearsal' }, uniqueName('arc-dry'));
  expect({ status: result.status, error: result.error, cause: result.cause }).toEqual({ status: 'SUCCEEDED' });
  const report = result.output as any;
  expect(report.steps.preflight.clients).toEqual({ cluster: 'dc1', mode: 'arc-routing-control', seen: 'routing controls dc1 On, dc2 Off' });
  expect(report.steps.repointDns).toMatchObject({ dryRun: true, mode: 'arc-routing-control', changeId: null, before: { dc1: 'On', dc2: 'Off' }, after: { dc1: 'Off', dc2: 'On' } });
  expect(updatesPerEndpoint()).toEqual([0, 0, 0, 0, 0]);
  expect(await controlStates()).toEqual({ dc1: 'On', dc2: 'Off' });
});

it('planned switchover with two of five endpoints failing: offsets synced, then the routing controls flipped through the third, Route 53 untouched', async () => {
  const app = await stoppedApplication(rig.ctx, 'arc-planned');
  const recordBefore = await bootstrapRecord();
  await arc.endpoints[0]!.unreachable();
  arc.endpoints[1]!.failNext(1000, 'EndpointTemporarilyUnavailableException');

  const name = uniqueName('arc-planned');
  const result = await rig.run({ flow: FLOW, mode: 'planned', reason: 'test: switchover, two ARC regions impaired' }, name);
  expect({ status: result.status, error: result.error, cause: result.cause }).toEqual({ status: 'SUCCEEDED' });
  const report = result.output as any;
  console.log(`arc-routing-control switchover: ${report.totalMs} ms in all, steps ${JSON.stringify(report.durationsMs)}`);
  expect(report.steps.syncOffsets).toMatchObject({ synced: true, failed: [] });
  expect(report.steps.repointDns).toMatchObject({
    mode: 'arc-routing-control',
    changed: true,
    changeId: null,
    before: { dc1: 'On', dc2: 'Off' },
    after: { dc1: 'Off', dc2: 'On' },
    endpoint: arc.endpoints[2]!.url,
  });
  const failedEndpoints = new Set((report.steps.repointDns.failures as { endpoint: string }[]).map((f) => f.endpoint));
  expect(failedEndpoints).toEqual(new Set([arc.endpoints[0]!.url, arc.endpoints[1]!.url]));
  expect(report.steps.dnsChange).toMatchObject({ inSync: true, polls: 1, readBack: { dc1: 'Off', dc2: 'On' } });

  // Read back through the real API: the controls, the one batch that changed them, the record Route 53 still holds.
  expect(await controlStates()).toEqual({ dc1: 'Off', dc2: 'On' });
  expect(updatesPerEndpoint()).toEqual([0, 0, 1, 0, 0]);
  expect(await bootstrapRecord()).toEqual(recordBefore);
  // The group resumes on dc2 where it stopped on dc1: the offsets were committed before the switch.
  expect(await groupOffsets(rig.ctx, 'dc2', app.group, `dc1.${app.topic}`)).toEqual(await groupOffsets(rig.ctx, 'dc1', app.group, app.topic));
  expect((await groupOffsets(rig.ctx, 'dc1', app.group, app.topic)).length).toBe(2);

  // A Lambda retried with the final state (a crash after the write) writes nothing.
  const again = (await rig.invoke('failover-dns', { action: 'repoint', ...inputOf(result, 'Finish') })) as any;
  expect(again).toMatchObject({ changed: false, before: { dc1: 'Off', dc2: 'On' } });
  expect(updatesPerEndpoint().reduce((n, c) => n + c, 0)).toBe(1);
});

it('no endpoint answers: DnsRepointFailed naming each endpoint, offsets synced, clients where they were', async () => {
  await stoppedApplication(rig.ctx, 'arc-down');
  for (const endpoint of arc.endpoints) await endpoint.unreachable();
  const result = await rig.run({ flow: FLOW, mode: 'unplanned', reason: 'test: every ARC endpoint down' }, uniqueName('arc-down'));
  expect({ status: result.status, error: result.error }).toEqual({ status: 'FAILED', error: 'DnsRepointFailed' });
  for (const endpoint of arc.endpoints) expect(result.cause).toContain(endpoint.url);
  expect(result.cause).toContain('no ARC cluster endpoint answered');
  const report = failureReport(result);
  expect(report.steps.preflight.warnings).toEqual(expect.arrayContaining([expect.stringMatching(/^cannot read where clients are sent \(dns.mode arc-routing-control\): .*switch them by hand \(runbook \(e\)\)$/)]));
  expect(report.done).toEqual(['begin', 'preflight', 'haltReplication', 'syncOffsets']);
  expect(report.notDone).toEqual(['repointDns', 'dnsChange']);
  expect(report.steps.syncOffsets.synced).toBe(true);
  expect(report.lockReleased).toBe(true);
  for (const endpoint of arc.endpoints) await endpoint.restore();
  expect(await controlStates()).toEqual({ dc1: 'On', dc2: 'Off' });
});

it('a planned switchover waits while no endpoint answers: PreflightFailed, nothing changed', async () => {
  const connectorsBefore = await rig.connectorStates();
  for (const endpoint of arc.endpoints) await endpoint.unreachable();
  const result = await rig.run({ flow: FLOW, mode: 'planned', reason: 'test: ARC unreachable before a switchover' }, uniqueName('arc-planned-down'));
  expect({ status: result.status, error: result.error }).toEqual({ status: 'FAILED', error: 'PreflightFailed' });
  expect(result.cause).toMatch(/cannot read where clients are sent \(dns.mode arc-routing-control\): .*fix it before a planned switchover/);
  expect(result.states).not.toContain('HaltReplication');
  expect(Object.keys(await rig.connectorStates())).toEqual(Object.keys(connectorsBefore));
  for (const endpoint of arc.endpoints) await endpoint.restore();
  expect(await controlStates()).toEqual({ dc1: 'On', dc2: 'Off' });
});
