// The arc-routing-control switch against the lab's ARC cluster (lab/arc-cluster.ts), driven
// by the real SDK client: endpoints tried in turn, answers not retried elsewhere, a re-run
// that writes nothing, and where Route 53 sends clients for each combination of states.
import { GetRoutingControlStateCommand, Route53RecoveryClusterClient } from '@aws-sdk/client-route53-recovery-cluster';
import { arcClientFactory, routingControlSwitch, servedCluster, parseRoutingControlSet, RoutingControlRefused, RoutingControlsUnreachable, switchRoutingControls, type RoutingControlSet } from '#src/dns/routing-controls';
import { startArcCluster, type ArcCluster } from '../../lab/arc-cluster';

const dns = {
  mode: 'arc-routing-control' as const,
  hostedZoneId: 'Z1',
  recordName: 'kafka.lab.internal',
  type: 'CNAME' as const,
  ttl: 30,
  values: { dc1: ['dc1.lab.internal'], dc2: ['dc2.lab.internal'] },
};

let arc: ArcCluster;
let set: RoutingControlSet;
const clientFor = arcClientFactory();

async function stateOf(cluster: 'dc1' | 'dc2'): Promise<string | undefined> {
  const endpoint = arc.endpoints.at(-1);
  const client = new Route53RecoveryClusterClient({ endpoint: endpoint!.url, region: endpoint!.region, credentials: { accessKeyId: 'lab', secretAccessKey: 'lab' } });
  return (await client.send(new GetRoutingControlStateCommand({ RoutingControlArn: set.routingControls[cluster] }))).RoutingControlState;
}

const updates = () => arc.endpoints.map((e) => e.requests.filter((r) => r.operation.startsWith('Update')).length);

beforeEach(async () => {
  process.env.AWS_ACCESS_KEY_ID ??= 'lab';
  process.env.AWS_SECRET_ACCESS_KEY ??= 'lab';
  arc = await startArcCluster({
    controlPanels: [{ name: 'kafka', routingControls: [{ name: 'dc1', state: 'On' }, { name: 'dc2', state: 'Off' }] }],
    safetyRules: [{ name: 'one-side-on', controlPanel: 'kafka', assertedControls: ['dc1', 'dc2'], ruleConfig: { type: 'ATLEAST', threshold: 1 } }],
  });
  set = { endpoints: arc.endpoints.map(({ url, region }) => ({ url, region })), routingControls: { dc1: arc.routingControlArns.dc1!, dc2: arc.routingControlArns.dc2! } };
});

afterEach(() => arc.close());

it('turns the target on and the source off in one call, and a re-run writes nothing', async () => {
  const first = await switchRoutingControls(set, clientFor, 'dc2');
  expect(first).toMatchObject({ changed: true, before: { dc1: 'On', dc2: 'Off' }, after: { dc1: 'Off', dc2: 'On' }, endpoint: set.endpoints[0]!.url, failures: [] });
  expect([await stateOf('dc1'), await stateOf('dc2')]).toEqual(['Off', 'On']);
  const batch = arc.endpoints[0]!.requests.find((r) => r.operation === 'UpdateRoutingControlStates');
  expect((batch?.input as { UpdateRoutingControlStateEntries: unknown[] }).UpdateRoutingControlStateEntries).toHaveLength(2);

  const again = await switchRoutingControls(set, clientFor, 'dc2');
  expect(again).toMatchObject({ changed: false, before: { dc1: 'Off', dc2: 'On' } });
  expect(updates()).toEqual([1, 0, 0, 0, 0]);
});

it('moves to the next endpoint when one refuses connections or keeps failing, and says so', async () => {
  await arc.endpoints[0]!.unreachable();
  arc.endpoints[1]!.failNext(1000, 'EndpointTemporarilyUnavailableException');
  const switched = await switchRoutingControls(set, clientFor, 'dc2');
  expect(switched.changed).toBe(true);
  expect(switched.endpoint).toBe(set.endpoints[2]!.url);
  expect(switched.failures.map((f) => f.endpoint)).toEqual([set.endpoints[0]!.url, set.endpoints[1]!.url, set.endpoints[0]!.url, set.endpoints[1]!.url]);
  expect(switched.failures[1]!.error).toMatch(/^EndpointTemporarilyUnavailableException/);
  expect(await stateOf('dc2')).toBe('On');
});

it('fails naming every endpoint when none answers, and changes nothing', async () => {
  for (const endpoint of arc.endpoints) await endpoint.unreachable();
  const err = await switchRoutingControls(set, clientFor, 'dc2').catch((e: Error) => e);
  expect(err).toBeInstanceOf(RoutingControlsUnreachable);
  expect((err as RoutingControlsUnreachable).failures.map((f) => f.endpoint)).toEqual(set.endpoints.map((e) => e.url));
  expect((err as Error).message).toMatch(/no ARC cluster endpoint answered .*runbook/);
  for (const endpoint of arc.endpoints) await endpoint.restore();
  expect([await stateOf('dc1'), await stateOf('dc2')]).toEqual(['On', 'Off']);
});

it('takes a safety rule\'s refusal as the answer: no other endpoint is asked, nothing changes', async () => {
  await arc.close();
  arc = await startArcCluster({
    controlPanels: [{ name: 'kafka', routingControls: [{ name: 'dc1', state: 'On' }, { name: 'dc2', state: 'On' }] }],
    safetyRules: [{ name: 'both-sides-on', controlPanel: 'kafka', assertedControls: ['dc1', 'dc2'], ruleConfig: { type: 'ATLEAST', threshold: 2 } }],
  });
  set = { endpoints: arc.endpoints.map(({ url, region }) => ({ url, region })), routingControls: { dc1: arc.routingControlArns.dc1!, dc2: arc.routingControlArns.dc2! } };
  const err = await switchRoutingControls(set, clientFor, 'dc2').catch((e: Error) => e);
  expect(err).toBeInstanceOf(RoutingControlRefused);
  expect((err as Error).message).toMatch(/refused it with ConflictException: .*both-sides-on/);
  expect(updates()).toEqual([1, 0, 0, 0, 0]);
  expect([await stateOf('dc1'), await stateOf('dc2')]).toEqual(['On', 'On']);
});

it('sees where Route 53 sends clients: the PRIMARY while its control is on, else the SECONDARY, and the PRIMARY when both are off', async () => {
  expect(servedCluster(dns, { dc1: 'On', dc2: 'Off' })).toBe('dc1');
  expect(servedCluster(dns, { dc1: 'On', dc2: 'On' })).toBe('dc1');
  expect(servedCluster(dns, { dc1: 'Off', dc2: 'On' })).toBe('dc2');
  expect(servedCluster(dns, { dc1: 'Off', dc2: 'Off' })).toBe('dc1');

  const clients = routingControlSwitch(dns, set, clientFor);
  expect(await clients.side()).toEqual({ cluster: 'dc1', mode: 'arc-routing-control', seen: 'routing controls dc1 On, dc2 Off' });
  expect(await clients.preview('dc2')).toEqual({ before: { dc1: 'On', dc2: 'Off' }, after: { dc1: 'Off', dc2: 'On' } });
  expect(updates()).toEqual([0, 0, 0, 0, 0]);
  await clients.switchTo('dc2', 'test');
  expect(await clients.settled('dc2', { changeId: null })).toEqual({ settled: true, readBack: { dc1: 'Off', dc2: 'On' } });
  expect((await clients.settled('dc1', { changeId: null })).contradiction).toBe('routing controls dc1 Off, dc2 On after the switch, expected only dc1 On: another writer changed them');
});

it('refuses a routing control setting that is not what the stack writes, saying what to do', () => {
  expect(() => parseRoutingControlSet('{')).toThrow(/ARC_ROUTING_CONTROLS is not JSON .*redeploy the control plane/);
  expect(() => parseRoutingControlSet(JSON.stringify({ endpoints: [], routingControls: {} }))).toThrow(/ARC_ROUTING_CONTROLS does not hold .*endpoints/);
  expect(parseRoutingControlSet(JSON.stringify(set))).toEqual(set);
});
