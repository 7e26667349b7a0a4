// The lab's ARC cluster (lab/arc-cluster.ts) driven by the real routing control data plane
// client, @aws-sdk/client-route53-recovery-cluster: every operation, safety rules and their
// override, errors as the SDK raises them, and endpoints that refuse connections or fail.
import {
  ConflictException,
  EndpointTemporarilyUnavailableException,
  GetRoutingControlStateCommand,
  ListRoutingControlsCommand,
  paginateListRoutingControls,
  ResourceNotFoundException,
  Route53RecoveryClusterClient,
  ServiceLimitExceededException,
  ThrottlingException,
  UpdateRoutingControlStateCommand,
  UpdateRoutingControlStatesCommand,
  ValidationException,
  type RoutingControl,
} from '@aws-sdk/client-route53-recovery-cluster';
import { startArcCluster, type ArcCluster, type ArcEndpoint } from '../../lab/arc-cluster';

let cluster: ArcCluster;
let clients: Route53RecoveryClusterClient[] = [];

/** A client of one endpoint, signing for its Region as ARC requires. */
function clientOf(endpoint: ArcEndpoint, options: { region?: string; maxAttempts?: number } = {}): Route53RecoveryClusterClient {
  const client = new Route53RecoveryClusterClient({
    endpoint: endpoint.url,
    region: options.region ?? endpoint.region,
    credentials: { accessKeyId: 'AKIDLAB', secretAccessKey: 'lab' },
    maxAttempts: options.maxAttempts ?? 1,
  });
  clients.push(client);
  return client;
}

const endpoint = (i: number) => cluster.endpoints[i]!;
const arn = (name: string) => cluster.routingControlArns[name]!;

async function stateOf(name: string, client = clientOf(endpoint(0))) {
  return (await client.send(new GetRoutingControlStateCommand({ RoutingControlArn: arn(name) }))).RoutingControlState;
}

async function rejection(promise: Promise<unknown>): Promise<any> {
  try {
    await promise;
  } catch (err) {
    return err;
  }
  throw new Error('the call succeeded');
}

beforeEach(async () => {
  cluster = await startArcCluster({
    controlPanels: [
      { name: 'kafka', routingControls: [{ name: 'dc1', state: 'On' }, { name: 'dc2', state: 'Off' }] },
      { name: 'canary', routingControls: [{ name: 'c1', state: 'Off' }, { name: 'c2', state: 'Off' }, { name: 'c3', state: 'On' }] },
    ],
    // Traffic must keep flowing to one cluster: never both Off.
    safetyRules: [{ name: 'one-serving', controlPanel: 'kafka', assertedControls: ['dc1', 'dc2'], ruleConfig: { type: 'ATLEAST', threshold: 1, inverted: false } }],
  });
});

afterEach(async () => {
  for (const c of clients) c.destroy();
  clients = [];
  await cluster.close();
});

it('serves one cluster from five endpoints in the Regions of a real one, with ARNs shaped as ARC shapes them', () => {
  expect(cluster.endpoints.map((e) => e.region)).toEqual(['us-east-1', 'us-west-2', 'eu-west-1', 'ap-northeast-1', 'ap-southeast-2']);
  expect(new Set(cluster.endpoints.map((e) => e.url)).size).toBe(5);
  const panel = cluster.controlPanelArns.kafka!;
  expect(panel).toMatch(/^arn:aws:route53-recovery-control::123456789012:controlpanel\/[0-9a-f]{32}$/);
  expect(arn('dc1')).toMatch(new RegExp(`^${panel}/routingcontrol/[0-9a-f]{16}$`));
  expect(cluster.safetyRuleArns['one-serving']).toMatch(new RegExp(`^${panel}/safetyrule/[0-9a-f]{16}$`));
});

it('gets a routing control state, and an update through one endpoint reads back through every other', async () => {
  const first = clientOf(endpoint(0));
  expect(await first.send(new GetRoutingControlStateCommand({ RoutingControlArn: arn('c1') }))).toMatchObject({ RoutingControlArn: arn('c1'), RoutingControlState: 'Off', RoutingControlName: 'c1' });
  await first.send(new UpdateRoutingControlStateCommand({ RoutingControlArn: arn('c1'), RoutingControlState: 'On' }));
  for (const e of cluster.endpoints) expect(await stateOf('c1', clientOf(e))).toBe('On');
  expect(endpoint(0).requests.slice(0, 2)).toEqual([
    { operation: 'GetRoutingControlState', input: { RoutingControlArn: arn('c1') } },
    { operation: 'UpdateRoutingControlState', input: { RoutingControlArn: arn('c1'), RoutingControlState: 'On' } },
  ]);
  expect(endpoint(1).requests).toEqual([{ operation: 'GetRoutingControlState', input: { RoutingControlArn: arn('c1') } }]);
});

it('updates several states in one call, all or nothing', async () => {
  const client = clientOf(endpoint(2));
  // The failover: dc2 On and dc1 Off together, which the safety rule allows.
  await client.send(new UpdateRoutingControlStatesCommand({ UpdateRoutingControlStateEntries: [{ RoutingControlArn: arn('dc1'), RoutingControlState: 'Off' }, { RoutingControlArn: arn('dc2'), RoutingControlState: 'On' }] }));
  expect([await stateOf('dc1'), await stateOf('dc2')]).toEqual(['Off', 'On']);

  const missing = arn('c1').replace(/[0-9a-f]{16}$/, '0123456789abcdef');
  const err = await rejection(client.send(new UpdateRoutingControlStatesCommand({ UpdateRoutingControlStateEntries: [{ RoutingControlArn: arn('c1'), RoutingControlState: 'On' }, { RoutingControlArn: missing, RoutingControlState: 'On' }] })));
  expect(err).toBeInstanceOf(ResourceNotFoundException);
  expect(err).toMatchObject({ resourceId: missing, $metadata: { httpStatusCode: 404 } });
  expect(await stateOf('c1')).toBe('Off');
});

it('lists routing controls with their control panel and owner, filtered by control panel, a page at a time', async () => {
  const client = clientOf(endpoint(0));
  const all = await client.send(new ListRoutingControlsCommand({}));
  expect(all.NextToken).toBeUndefined();
  expect(all.RoutingControls!.map((rc) => rc.RoutingControlName)).toEqual(['dc1', 'dc2', 'c1', 'c2', 'c3']);
  expect(all.RoutingControls![0]).toEqual({
    ControlPanelArn: cluster.controlPanelArns.kafka,
    ControlPanelName: 'kafka',
    RoutingControlArn: arn('dc1'),
    RoutingControlName: 'dc1',
    RoutingControlState: 'On',
    Owner: '123456789012',
  });

  const first = await client.send(new ListRoutingControlsCommand({ ControlPanelArn: cluster.controlPanelArns.canary, MaxResults: 2 }));
  expect(first.RoutingControls!.map((rc) => rc.RoutingControlName)).toEqual(['c1', 'c2']);
  const second = await client.send(new ListRoutingControlsCommand({ ControlPanelArn: cluster.controlPanelArns.canary, MaxResults: 2, NextToken: first.NextToken }));
  expect(second.RoutingControls!.map((rc) => [rc.RoutingControlName, rc.RoutingControlState])).toEqual([['c3', 'On']]);
  expect(second.NextToken).toBeUndefined();

  const paged: RoutingControl[] = [];
  for await (const page of paginateListRoutingControls({ client, pageSize: 1 }, {})) paged.push(...page.RoutingControls!);
  expect(paged.map((rc) => rc.RoutingControlName)).toEqual(['dc1', 'dc2', 'c1', 'c2', 'c3']);

  const err = await rejection(client.send(new ListRoutingControlsCommand({ ControlPanelArn: `${cluster.controlPanelArns.kafka!.slice(0, -4)}0000` })));
  expect(err).toBeInstanceOf(ResourceNotFoundException);
});

describe('safety rules', () => {
  it('refuse an update whose result breaks an assertion rule, naming the rule, and change nothing', async () => {
    const client = clientOf(endpoint(0));
    const rule = cluster.safetyRuleArns['one-serving']!;
    const single = await rejection(client.send(new UpdateRoutingControlStateCommand({ RoutingControlArn: arn('dc1'), RoutingControlState: 'Off' })));
    expect(single).toBeInstanceOf(ConflictException);
    expect(single).toMatchObject({ name: 'ConflictException', resourceId: rule, $fault: 'client', $metadata: { httpStatusCode: 409 } });
    expect(single.message).toContain('one-serving');

    const batch = await rejection(client.send(new UpdateRoutingControlStatesCommand({ UpdateRoutingControlStateEntries: [{ RoutingControlArn: arn('dc1'), RoutingControlState: 'Off' }, { RoutingControlArn: arn('c1'), RoutingControlState: 'On' }] })));
    expect(batch).toBeInstanceOf(ConflictException);
    expect([await stateOf('dc1'), await stateOf('dc2'), await stateOf('c1')]).toEqual(['On', 'Off', 'Off']);
  });

  it('are bypassed by the ones named in SafetyRulesToOverride', async () => {
    const client = clientOf(endpoint(0));
    const rule = cluster.safetyRuleArns['one-serving']!;
    await client.send(new UpdateRoutingControlStateCommand({ RoutingControlArn: arn('dc1'), RoutingControlState: 'Off', SafetyRulesToOverride: [rule] }));
    expect(await stateOf('dc1')).toBe('Off');
    // Both Off: any further change to them is checked again, and passes once one is On.
    await client.send(new UpdateRoutingControlStatesCommand({ UpdateRoutingControlStateEntries: [{ RoutingControlArn: arn('dc2'), RoutingControlState: 'On' }] }));
    expect(await stateOf('dc2')).toBe('On');
  });

  it('only judge updates of the routing controls they assert', async () => {
    const client = clientOf(endpoint(0));
    await client.send(new UpdateRoutingControlStateCommand({ RoutingControlArn: arn('dc1'), RoutingControlState: 'Off', SafetyRulesToOverride: [cluster.safetyRuleArns['one-serving']!] }));
    await client.send(new UpdateRoutingControlStateCommand({ RoutingControlArn: arn('c2'), RoutingControlState: 'On' }));
    expect(await stateOf('c2')).toBe('On');
  });

  it('follow RuleConfig: ATLEAST n, AND, OR, inverted', async () => {
    await cluster.close();
    const three = [{ name: 'a', state: 'On' as const }, { name: 'b', state: 'On' as const }, { name: 'c', state: 'On' as const }];
    cluster = await startArcCluster({
      controlPanels: [{ name: 'p', routingControls: three }],
      safetyRules: [{ name: 'two-of-three', controlPanel: 'p', assertedControls: ['a', 'b', 'c'], ruleConfig: { type: 'ATLEAST', threshold: 2 } }],
      endpoints: 1,
    });
    const client = clientOf(endpoint(0));
    const set = (entries: [string, 'On' | 'Off'][]) => client.send(new UpdateRoutingControlStatesCommand({ UpdateRoutingControlStateEntries: entries.map(([name, state]) => ({ RoutingControlArn: arn(name), RoutingControlState: state })) }));
    await set([['a', 'Off']]);
    expect(await rejection(set([['b', 'Off']]))).toBeInstanceOf(ConflictException);
    await set([['a', 'On'], ['b', 'Off']]);

    for (const [ruleConfig, allowed] of [
      [{ type: 'AND', threshold: 0 }, false],
      [{ type: 'OR', threshold: 0 }, true],
      [{ type: 'OR', threshold: 0, inverted: true }, false],
    ] as const) {
      await cluster.close();
      cluster = await startArcCluster({ controlPanels: [{ name: 'p', routingControls: three }], safetyRules: [{ name: 'rule', controlPanel: 'p', assertedControls: ['a', 'b'], ruleConfig }], endpoints: 1 });
      const update = clientOf(endpoint(0)).send(new UpdateRoutingControlStateCommand({ RoutingControlArn: arn('a'), RoutingControlState: 'Off' }));
      if (allowed) await update;
      else expect(await rejection(update)).toBeInstanceOf(ConflictException);
    }
  });
});

describe('errors as the service returns them', () => {
  it('an unknown routing control is a ResourceNotFoundException naming it', async () => {
    const missing = arn('dc1').replace(/[0-9a-f]{16}$/, 'ffffffffffffffff');
    const err = await rejection(clientOf(endpoint(0)).send(new GetRoutingControlStateCommand({ RoutingControlArn: missing })));
    expect(err).toBeInstanceOf(ResourceNotFoundException);
    expect(err).toMatchObject({ resourceId: missing, resourceType: 'RoutingControl' });
  });

  it('a state other than On or Off is a ValidationException naming the field', async () => {
    const client = clientOf(endpoint(0));
    const err = await rejection(client.send(new UpdateRoutingControlStateCommand({ RoutingControlArn: arn('c1'), RoutingControlState: 'ON' as 'On' })));
    expect(err).toBeInstanceOf(ValidationException);
    expect(err).toMatchObject({ reason: 'fieldValidationFailed', fields: [{ name: 'routingControlState' }], $metadata: { httpStatusCode: 400 } });
    const inBatch = await rejection(client.send(new UpdateRoutingControlStatesCommand({ UpdateRoutingControlStateEntries: [{ RoutingControlArn: arn('c1'), RoutingControlState: 'On' }, { RoutingControlArn: arn('c2'), RoutingControlState: 'off' as 'Off' }] })));
    expect(inBatch).toMatchObject({ name: 'ValidationException', fields: [{ name: 'updateRoutingControlStateEntries.2.member.routingControlState' }] });
    expect(await stateOf('c1')).toBe('Off');
  });

  it('more than 10 routing controls in one update is a ServiceLimitExceededException (the ARC quota)', async () => {
    const entries = Array.from({ length: 11 }, () => ({ RoutingControlArn: arn('c1'), RoutingControlState: 'On' as const }));
    const err = await rejection(clientOf(endpoint(0)).send(new UpdateRoutingControlStatesCommand({ UpdateRoutingControlStateEntries: entries })));
    expect(err).toBeInstanceOf(ServiceLimitExceededException);
    expect(err.$metadata.httpStatusCode).toBe(402);
  });

  it('a request signed for another Region than the endpoint is refused', async () => {
    const err = await rejection(clientOf(endpoint(0), { region: endpoint(1).region }).send(new GetRoutingControlStateCommand({ RoutingControlArn: arn('dc1') })));
    expect(err).toMatchObject({ name: 'InvalidSignatureException', $metadata: { httpStatusCode: 403 } });
  });
});

describe('endpoint faults', () => {
  it('an unreachable endpoint refuses connections while the others serve; restored, it serves again', async () => {
    await endpoint(0).unreachable();
    const err = await rejection(clientOf(endpoint(0)).send(new GetRoutingControlStateCommand({ RoutingControlArn: arn('dc1') })));
    // Node's own error. Under Jest's VM modules it comes from another realm, so the SDK's retry
    // wraps it ("AWS SDK error wrapper for Error: connect ECONNREFUSED ...") and drops its code:
    // only the message is the same in and out of Jest.
    expect(err.message).toContain('connect ECONNREFUSED 127.0.0.1');
    expect(err.$metadata.httpStatusCode).toBeUndefined();
    await clientOf(endpoint(1)).send(new UpdateRoutingControlStateCommand({ RoutingControlArn: arn('c1'), RoutingControlState: 'On' }));
    expect(endpoint(0).requests).toEqual([]);

    await endpoint(0).restore();
    expect(await stateOf('c1', clientOf(endpoint(0)))).toBe('On');
  });

  it('an endpoint answers the injected modeled error for its next requests, changing nothing, then serves again', async () => {
    const client = clientOf(endpoint(3));
    endpoint(3).failNext(2, 'EndpointTemporarilyUnavailableException');
    const update = () => client.send(new UpdateRoutingControlStateCommand({ RoutingControlArn: arn('c1'), RoutingControlState: 'On' }));
    for (let i = 0; i < 2; i++) {
      const err = await rejection(update());
      expect(err).toBeInstanceOf(EndpointTemporarilyUnavailableException);
      expect(err).toMatchObject({ $fault: 'server', $metadata: { httpStatusCode: 503 } });
    }
    expect(await stateOf('c1')).toBe('Off');
    await update();
    expect(await stateOf('c1')).toBe('On');
    expect(endpoint(3).requests.map((r) => r.error)).toEqual(['EndpointTemporarilyUnavailableException', 'EndpointTemporarilyUnavailableException', undefined]);

    endpoint(4).failNext(1, 'ThrottlingException', 'Rate exceeded');
    const throttled = await rejection(clientOf(endpoint(4)).send(new GetRoutingControlStateCommand({ RoutingControlArn: arn('c1') })));
    expect(throttled).toBeInstanceOf(ThrottlingException);
    expect(throttled).toMatchObject({ message: 'Rate exceeded', $metadata: { httpStatusCode: 429 } });
    endpoint(4).failNext(5, 'ThrottlingException');
    await endpoint(4).restore();
    expect(await stateOf('c1', clientOf(endpoint(4)))).toBe('On');
  });

  it("the SDK's standard retry meets an EndpointTemporarilyUnavailableException as a transient error and retries the same endpoint", async () => {
    endpoint(0).failNext(1, 'EndpointTemporarilyUnavailableException');
    const out = await clientOf(endpoint(0), { maxAttempts: 3 }).send(new GetRoutingControlStateCommand({ RoutingControlArn: arn('dc1') }));
    expect(out).toMatchObject({ RoutingControlState: 'On', $metadata: { attempts: 2 } });
    expect(endpoint(0).requests.map((r) => r.error)).toEqual(['EndpointTemporarilyUnavailableException', undefined]);
  });
});
