// The clients' switch in Route 53 Application Recovery Controller (dns.mode
// arc-routing-control): one routing control per cluster, each behind the health check of
// that cluster's failover record. Every call goes to the ARC cluster's regional data-plane
// endpoints, never to a control plane: the endpoints are tried in the order given, and an
// endpoint that cannot answer (refused, timed out, throttled, temporarily unavailable)
// passes the call to the next. An answer (a safety rule refusing the change, an unknown
// routing control, access denied) is the same from every endpoint, so it ends the call.
import {
  GetRoutingControlStateCommand,
  Route53RecoveryClusterClient,
  type RoutingControlState,
  UpdateRoutingControlStatesCommand,
} from '@aws-sdk/client-route53-recovery-cluster';
import * as z from 'zod';
import { arcSchema, type EstateConfig } from '#src/config/schema';
import { ARC_ROUTING_CONTROLS } from '#src/environment';
import { parseJsonSetting } from '#src/json-setting';
import type { ClientSwitch } from './client-switch';
import { failoverAnswer } from './failover-answer';

const routingControlSetSchema = z
  .object({
    endpoints: arcSchema.shape.endpoints.unwrap(),
    routingControls: arcSchema.shape.routingControls.unwrap(),
  })
  .strict();

/** The endpoints to call and the routing control of each cluster. */
export type RoutingControlSet = z.infer<typeof routingControlSetSchema>;
export type ArcEndpoint = RoutingControlSet['endpoints'][number];
export type ControlStates = Record<string, RoutingControlState>;

export function parseRoutingControlSet(json: string): RoutingControlSet {
  return parseJsonSetting(ARC_ROUTING_CONTROLS, json, routingControlSetSchema);
}

/** What one endpoint answered when it could not serve a call. */
export interface EndpointFailure {
  endpoint: string;
  error: string;
}

export class RoutingControlsUnreachable extends Error {
  constructor(
    what: string,
    readonly failures: EndpointFailure[],
  ) {
    super(
      `${what}: no ARC cluster endpoint answered (${failures.map((f) => `${f.endpoint}: ${f.error}`).join('; ')}). ` +
        'ARC needs one healthy endpoint of its five regions: retry, or run the runbook\'s aws route53-recovery-cluster command against each endpoint',
    );
    this.name = 'RoutingControlsUnreachable';
  }
}

export class RoutingControlRefused extends Error {
  constructor(what: string, endpoint: string, cause: Error) {
    super(`${what}: ${endpoint} refused it with ${cause.name}: ${cause.message}`, { cause });
    this.name = 'RoutingControlRefused';
  }
}

/** The same answer from every endpoint: trying another would not help. By name: an error may come from another realm (a bundle, a VM context). */
const ANSWERS = new Set(['ConflictException', 'ValidationException', 'ResourceNotFoundException', 'AccessDeniedException']);

export interface Answered<T> {
  value: T;
  /** The endpoint that answered. */
  endpoint: string;
  /** Endpoints tried before it, and why they did not answer. */
  failures: EndpointFailure[];
}

export type ArcClientFor = (endpoint: ArcEndpoint) => Route53RecoveryClusterClient;

/**
 * One data-plane client per endpoint, kept for the process's life. A failing endpoint costs
 * at most one retry and a few seconds before the call moves on: the other regions answer
 * the same. `capture` lets the Lambdas trace the clients.
 */
export function arcClientFactory(capture: (client: Route53RecoveryClusterClient) => Route53RecoveryClusterClient = (client) => client): ArcClientFor {
  const clients = new Map<string, Route53RecoveryClusterClient>();
  return (endpoint) => {
    let client = clients.get(endpoint.url);
    if (!client) {
      client = capture(new Route53RecoveryClusterClient({ endpoint: endpoint.url, region: endpoint.region, maxAttempts: 2, requestHandler: { connectionTimeout: 2000, requestTimeout: 5000 } }));
      clients.set(endpoint.url, client);
    }
    return client;
  };
}

/** `call` on the first endpoint that answers. */
export async function onFirstEndpoint<T>(set: RoutingControlSet, clientFor: ArcClientFor, what: string, call: (client: Route53RecoveryClusterClient) => Promise<T>): Promise<Answered<T>> {
  const failures: EndpointFailure[] = [];
  for (const endpoint of set.endpoints) {
    try {
      return { value: await call(clientFor(endpoint)), endpoint: endpoint.url, failures };
    } catch (err) {
      if (ANSWERS.has((err as Error).name)) throw new RoutingControlRefused(what, endpoint.url, err as Error);
      failures.push({ endpoint: endpoint.url, error: `${(err as Error).name}: ${(err as Error).message}` });
    }
  }
  throw new RoutingControlsUnreachable(what, failures);
}

/** Each cluster's routing control state, read from one endpoint. */
export async function readControlStates(set: RoutingControlSet, clientFor: ArcClientFor): Promise<Answered<ControlStates>> {
  return onFirstEndpoint(set, clientFor, `reading the routing controls of ${Object.keys(set.routingControls).join(', ')}`, async (client) =>
    Object.fromEntries(
      await Promise.all(
        Object.entries(set.routingControls).map(async ([cluster, arn]) => {
          const out = await client.send(new GetRoutingControlStateCommand({ RoutingControlArn: arn }));
          if (!out.RoutingControlState) throw new Error(`the state of ${arn} came back empty`);
          return [cluster, out.RoutingControlState] as const;
        }),
      ),
    ),
  );
}

/** `cluster`'s control on, every other off. */
export function desiredStates(set: RoutingControlSet, cluster: string): ControlStates {
  if (!set.routingControls[cluster]) {
    throw new Error(`no routing control for cluster ${cluster}: ${ARC_ROUTING_CONTROLS.name} has ${Object.keys(set.routingControls).join(', ')}; redeploy the control plane after adding ${cluster} to dns.values`);
  }
  return Object.fromEntries(Object.keys(set.routingControls).map((c) => [c, c === cluster ? 'On' : 'Off']));
}

export const sameStates = (a: ControlStates, b: ControlStates) => Object.keys(b).every((c) => a[c] === b[c]);

export interface RoutingControlSwitch {
  cluster: string;
  before: ControlStates;
  after: ControlStates;
  /** False when the controls already read as wanted: nothing was written. */
  changed: boolean;
  endpoint: string;
  failures: EndpointFailure[];
}

/**
 * Turns `cluster`'s control on and the others off in one batch: a safety rule that keeps
 * one side on holds before and after, and there is no moment with both sides off.
 */
export async function switchRoutingControls(set: RoutingControlSet, clientFor: ArcClientFor, cluster: string): Promise<RoutingControlSwitch> {
  const after = desiredStates(set, cluster);
  const before = await readControlStates(set, clientFor);
  if (sameStates(before.value, after)) return { cluster, before: before.value, after, changed: false, endpoint: before.endpoint, failures: before.failures };
  const update = await onFirstEndpoint(set, clientFor, `turning ${cluster}'s routing control on and the others off`, (client) =>
    client.send(
      new UpdateRoutingControlStatesCommand({
        UpdateRoutingControlStateEntries: Object.entries(after).map(([c, state]) => ({ RoutingControlArn: set.routingControls[c], RoutingControlState: state })),
      }),
    ),
  );
  return { cluster, before: before.value, after, changed: true, endpoint: update.endpoint, failures: [...before.failures, ...update.failures] };
}

/** The cluster Route 53 answers with when each health check follows its cluster's routing control. */
export function servedCluster(dns: EstateConfig['dns'], states: ControlStates): string {
  return failoverAnswer(dns, (cluster) => states[cluster] === 'On');
}

const describeStates = (states: ControlStates) =>
  `routing controls ${Object.entries(states)
    .map(([cluster, state]) => `${cluster} ${state}`)
    .join(', ')}`;

export function routingControlSwitch(dns: EstateConfig['dns'], set: RoutingControlSet, clientFor: ArcClientFor): ClientSwitch {
  return {
    mode: 'arc-routing-control',
    async side() {
      const { value: states } = await readControlStates(set, clientFor);
      return { cluster: servedCluster(dns, states), mode: 'arc-routing-control', seen: describeStates(states) };
    },
    async preview(cluster) {
      return { before: (await readControlStates(set, clientFor)).value, after: desiredStates(set, cluster) };
    },
    async switchTo(cluster) {
      const { before, after, changed, endpoint, failures } = await switchRoutingControls(set, clientFor, cluster);
      return { mode: 'arc-routing-control', cluster, changed, changeId: null, before, after, endpoint, failures };
    },
    async settled(cluster) {
      const { value: states } = await readControlStates(set, clientFor);
      if (!sameStates(states, desiredStates(set, cluster))) {
        return { settled: true, readBack: states, contradiction: `${describeStates(states)} after the switch, expected only ${cluster} On: another writer changed them` };
      }
      return { settled: true, readBack: states };
    },
  };
}
