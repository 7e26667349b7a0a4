// A Route 53 Application Recovery Controller (ARC) cluster's routing control data plane, on
// 127.0.0.1: shared routing control states served by N regional endpoints, each its own
// listener, as a real cluster serves them from five Regions. No emulator implements this API,
// so the failover's `arc-routing-control` mode and its tests drive the real
// @aws-sdk/client-route53-recovery-cluster client against this instead of a mock. Tests can
// make an endpoint refuse connections or answer a modeled error, and read what reached it.
//
// It follows, on the wire, what the SDK sends and parses (AWS JSON 1.0: POST, X-Amz-Target
// ToggleCustomerAPI.<Operation>, errors as {"__type": "<namespace>#<name>", "message", ...}
// with the status of the model's httpError trait), and in behaviour:
// - the Routing Control (Recovery Cluster) API Reference,
//   https://docs.aws.amazon.com/routing-control/latest/APIReference/ (the four operations,
//   their errors, MaxResults defaulting to 500);
// - the ARC developer guide: "Viewing and updating routing control states"
//   (routing-control.update.html) and "Get and update routing control states using the API"
//   (routing-control.update.api.html): five Regional endpoints, each called with its own
//   Region; "Safety rules" and "Override safety rules to reroute traffic" (assertion rules,
//   SafetyRulesToOverride); "Quotas for routing control" (10 routing controls per
//   UpdateRoutingControlStates call);
// - AWS::Route53RecoveryControl::SafetyRule (AssertionRule, RuleConfig) for the rules' shape.
// Not modeled: gating rules, WaitPeriodMs, the 3 mutating calls per second quota (inject a
// ThrottlingException instead), and the signature itself (any credentials do, but they must be
// scoped to the endpoint's Region and the service, as AWS checks).
import { randomBytes, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export type RoutingControlState = 'On' | 'Off';

/**
 * The service model's errors and the HTTP status each carries (its httpError trait, in the
 * SDK's schemas too). The API reference's pages say 400 for most: the SDK is generated from the
 * model, and its retry tells transient errors (500, 503) and throttling (429) apart by these.
 */
const ERROR_STATUS = {
  AccessDeniedException: 403,
  ConflictException: 409,
  EndpointTemporarilyUnavailableException: 503,
  InternalServerException: 500,
  ResourceNotFoundException: 404,
  ServiceLimitExceededException: 402,
  ThrottlingException: 429,
  ValidationException: 400,
} as const;
export type ArcErrorName = keyof typeof ERROR_STATUS;

const ACCOUNT = '123456789012';
const ARN_PREFIX = `arn:aws:route53-recovery-control::${ACCOUNT}`;
const NAMESPACE = 'com.amazonaws.route53recoverycluster';
const TARGET_PREFIX = 'ToggleCustomerAPI.';
const CONTENT_TYPE = 'application/x-amz-json-1.0';
const SIGNING_NAME = 'route53-recovery-cluster';
/** The Regions a real cluster's five endpoints are in. */
const REGIONS = ['us-east-1', 'us-west-2', 'eu-west-1', 'ap-northeast-1', 'ap-southeast-2'];
const MAX_ENTRIES_PER_UPDATE = 10;
const DEFAULT_MAX_RESULTS = 500;
/** The model's Arn shape. */
const ARN = /^[A-Za-z0-9:./_-]{1,255}$/;

export interface ArcClusterSpec {
  controlPanels: { name: string; routingControls: { name: string; state: RoutingControlState }[] }[];
  safetyRules?: AssertionRuleSpec[];
  /** How many endpoints, 1 to 5 (default 5, as a real cluster has). */
  endpoints?: number;
}

/** An assertion rule as AWS::Route53RecoveryControl::SafetyRule declares it, its controls named within its control panel. */
export interface AssertionRuleSpec {
  name: string;
  controlPanel: string;
  assertedControls: string[];
  /** ATLEAST: at least `threshold` asserted controls On; AND: all; OR: one. `inverted` negates. */
  ruleConfig: { type: 'ATLEAST' | 'AND' | 'OR'; threshold: number; inverted?: boolean };
}

export interface ArcRequest {
  operation: string;
  input: unknown;
  /** The error type it was answered with; absent when it succeeded. */
  error?: string;
}

export interface ArcEndpoint {
  readonly url: string;
  readonly region: string;
  /** Every request that reached this endpoint, in order. */
  readonly requests: ArcRequest[];
  /** Closes the listener and drops open connections: clients get ECONNREFUSED. */
  unreachable(): Promise<void>;
  /** Answers the next `count` requests with this modeled error (and its status), changing nothing. */
  failNext(count: number, error: ArcErrorName, message?: string): void;
  /** Listening again, on the same port, with no failures pending. */
  restore(): Promise<void>;
}

export interface ArcCluster {
  endpoints: ArcEndpoint[];
  /** ARNs by name: names must be unique in the cluster (ARC asks it only within a control panel). */
  controlPanelArns: Record<string, string>;
  routingControlArns: Record<string, string>;
  safetyRuleArns: Record<string, string>;
  close(): Promise<void>;
}

interface RoutingControl {
  arn: string;
  name: string;
  panelArn: string;
  panelName: string;
  state: RoutingControlState;
}

interface SafetyRule {
  arn: string;
  name: string;
  asserted: string[];
  holds(onCount: number): boolean;
}

class ArcError extends Error {
  constructor(
    readonly type: string,
    readonly status: number,
    message: string,
    readonly members: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

const arcError = (name: ArcErrorName, message: string, members: Record<string, unknown> = {}) => new ArcError(name, ERROR_STATUS[name], message, members);

/** A ValidationException as coral words one: the field's place (see placeOf) and what is wrong with it. */
function invalid(at: string, message: string, reason = 'fieldValidationFailed'): ArcError {
  if (reason !== 'fieldValidationFailed') return arcError('ValidationException', message, { reason });
  return arcError('ValidationException', `1 validation error detected: ${message}`, { reason, fields: [{ name: at, message }] });
}

const hex = (bytes: number) => randomBytes(bytes).toString('hex');

/** Starts the cluster's endpoints; ARNs are new on every start. */
export async function startArcCluster(spec: ArcClusterSpec): Promise<ArcCluster> {
  const count = spec.endpoints ?? REGIONS.length;
  if (!Number.isInteger(count) || count < 1 || count > REGIONS.length) throw new Error(`an ARC cluster has 1 to ${REGIONS.length} endpoints, not ${count}`);
  const controls = new Map<string, RoutingControl>();
  const controlPanelArns: Record<string, string> = {};
  const routingControlArns: Record<string, string> = {};
  const safetyRuleArns: Record<string, string> = {};
  const unique = (names: Record<string, string>, name: string, what: string) => {
    if (Object.hasOwn(names, name)) throw new Error(`two ${what}s are named ${name}: the lab's ARC cluster needs names unique in the cluster`);
  };
  for (const panel of spec.controlPanels) {
    unique(controlPanelArns, panel.name, 'control panel');
    const panelArn = (controlPanelArns[panel.name] = `${ARN_PREFIX}:controlpanel/${hex(16)}`);
    for (const rc of panel.routingControls) {
      unique(routingControlArns, rc.name, 'routing control');
      const arn = (routingControlArns[rc.name] = `${panelArn}/routingcontrol/${hex(8)}`);
      controls.set(arn, { arn, name: rc.name, panelArn, panelName: panel.name, state: rc.state });
    }
  }
  const rules: SafetyRule[] = (spec.safetyRules ?? []).map((rule) => {
    const panelArn = controlPanelArns[rule.controlPanel];
    if (!panelArn) throw new Error(`safety rule ${rule.name}: no control panel ${rule.controlPanel}`);
    unique(safetyRuleArns, rule.name, 'safety rule');
    const asserted = rule.assertedControls.map((name) => {
      const arn = routingControlArns[name];
      if (!arn || controls.get(arn)?.panelArn !== panelArn) throw new Error(`safety rule ${rule.name}: no routing control ${name} in control panel ${rule.controlPanel}`);
      return arn;
    });
    const { type, threshold, inverted = false } = rule.ruleConfig;
    const needed = { ATLEAST: threshold, AND: asserted.length, OR: 1 }[type];
    return { arn: (safetyRuleArns[rule.name] = `${panelArn}/safetyrule/${hex(8)}`), name: rule.name, asserted, holds: (on) => (on >= needed) !== inverted };
  });

  const routingControl = (arn: string) => {
    const rc = controls.get(arn);
    if (!rc) throw arcError('ResourceNotFoundException', `Routing control ${arn} not found`, { resourceId: arn, resourceType: 'RoutingControl' });
    return rc;
  };

  /** All or nothing: the assertion rules touching the update must hold on the states it would produce. */
  const update = (entries: { arn: string; state: RoutingControlState }[], overrides: string[]) => {
    for (const e of entries) routingControl(e.arn);
    const next = new Map([...controls.values()].map((rc) => [rc.arn, rc.state]));
    for (const e of entries) next.set(e.arn, e.state);
    for (const rule of rules) {
      if (overrides.includes(rule.arn) || !entries.some((e) => rule.asserted.includes(e.arn))) continue;
      if (!rule.holds(rule.asserted.filter((arn) => next.get(arn) === 'On').length)) {
        throw arcError('ConflictException', `The update violates safety rule ${rule.name} (${rule.arn}); name it in SafetyRulesToOverride to override it`, { resourceId: rule.arn, resourceType: 'SafetyRule' });
      }
    }
    for (const e of entries) routingControl(e.arn).state = e.state;
  };

  const operations: Record<string, (input: Record<string, unknown>) => object | undefined> = {
    GetRoutingControlState: (input) => {
      const rc = routingControl(arnField(input, 'RoutingControlArn'));
      return { RoutingControlArn: rc.arn, RoutingControlState: rc.state, RoutingControlName: rc.name };
    },
    UpdateRoutingControlState: (input) => {
      update([entryOf(input)], overridesOf(input));
      return undefined;
    },
    UpdateRoutingControlStates: (input) => {
      const list = input.UpdateRoutingControlStateEntries;
      if (!Array.isArray(list)) throw invalid('updateRoutingControlStateEntries', `Value null at 'updateRoutingControlStateEntries' failed to satisfy constraint: Member must not be null`);
      if (list.length > MAX_ENTRIES_PER_UPDATE) {
        throw arcError('ServiceLimitExceededException', `An update can change at most ${MAX_ENTRIES_PER_UPDATE} routing control states; this one has ${list.length}`, {
          limitCode: 'RoutingControlsPerUpdateRoutingControlStates',
          serviceCode: SIGNING_NAME,
          resourceType: 'RoutingControl',
        });
      }
      update(list.map((e: unknown, i) => entryOf(isObject(e) ? e : {}, `updateRoutingControlStateEntries.${i + 1}.member.`)), overridesOf(input));
      return undefined;
    },
    ListRoutingControls: (input) => {
      const max = input.MaxResults ?? DEFAULT_MAX_RESULTS;
      if (typeof max !== 'number' || !Number.isInteger(max) || max < 1) throw invalid('maxResults', `Value '${String(max)}' at 'maxResults' failed to satisfy constraint: Member must have value greater than or equal to 1`);
      const panelArn = input.ControlPanelArn === undefined ? undefined : arnField(input, 'ControlPanelArn');
      if (panelArn !== undefined && !Object.values(controlPanelArns).includes(panelArn)) {
        throw arcError('ResourceNotFoundException', `Control panel ${panelArn} not found`, { resourceId: panelArn, resourceType: 'ControlPanel' });
      }
      const all = [...controls.values()].filter((rc) => panelArn === undefined || rc.panelArn === panelArn);
      // The token is the offset of the next page: opaque to clients, as the API wants.
      const start = input.NextToken === undefined ? 0 : Number(Buffer.from(String(input.NextToken), 'base64url').toString());
      if (!Number.isInteger(start) || start < 0 || start > all.length) throw invalid('nextToken', `Value '${String(input.NextToken)}' at 'nextToken' is not a token this cluster issued`);
      const end = start + max;
      return {
        RoutingControls: all.slice(start, end).map((rc) => ({
          ControlPanelArn: rc.panelArn,
          ControlPanelName: rc.panelName,
          RoutingControlArn: rc.arn,
          RoutingControlName: rc.name,
          RoutingControlState: rc.state,
          Owner: ACCOUNT,
        })),
        ...(end < all.length ? { NextToken: Buffer.from(String(end)).toString('base64url') } : {}),
      };
    },
  };

  const endpoints = await Promise.all(REGIONS.slice(0, count).map((region) => startEndpoint(region, operations)));
  return {
    endpoints,
    controlPanelArns,
    routingControlArns,
    safetyRuleArns,
    close: async () => {
      await Promise.all(endpoints.map((e) => e.unreachable()));
    },
  };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The body as JSON (the SDK sends {} for an empty input), or as the text it is when it is not. */
function parseJson(body: string): unknown {
  try {
    return JSON.parse(body || '{}');
  } catch {
    return body;
  }
}

/** A member's place as coral's validation messages write it: 'routingControlArn', 'updateRoutingControlStateEntries.1.member.routingControlArn'. */
const placeOf = (path: string, member: string) => `${path}${member[0]!.toLowerCase()}${member.slice(1)}`;

function arnField(input: Record<string, unknown>, member: string, path = ''): string {
  const value = input[member];
  const at = placeOf(path, member);
  if (value === undefined || value === null) throw invalid(at, `Value null at '${at}' failed to satisfy constraint: Member must not be null`);
  if (typeof value !== 'string' || !ARN.test(value)) throw invalid(at, `Value '${String(value)}' at '${at}' failed to satisfy constraint: Member must satisfy regular expression pattern: ^[A-Za-z0-9:.\\/_-]*$ and have length between 1 and 255`);
  return value;
}

function entryOf(input: Record<string, unknown>, path = ''): { arn: string; state: RoutingControlState } {
  const arn = arnField(input, 'RoutingControlArn', path);
  const state = input.RoutingControlState;
  const at = placeOf(path, 'RoutingControlState');
  if (state !== 'On' && state !== 'Off') throw invalid(at, `Value '${String(state ?? null)}' at '${at}' failed to satisfy constraint: Member must satisfy enum value set: [On, Off]`);
  return { arn, state };
}

function overridesOf(input: Record<string, unknown>): string[] {
  const value = input.SafetyRulesToOverride ?? [];
  if (!Array.isArray(value) || !value.every((arn) => typeof arn === 'string' && ARN.test(arn))) {
    throw invalid('safetyRulesToOverride', `Value at 'safetyRulesToOverride' failed to satisfy constraint: Member must be a list of ARNs`);
  }
  return value;
}

/** SigV4 as far as its scope: `Credential=<key>/<date>/<region>/<service>/aws4_request`. */
function checkScope(authorization: string | undefined, region: string): void {
  if (!authorization) throw new ArcError('MissingAuthenticationTokenException', 403, 'Missing Authentication Token');
  const scope = /Credential=[^/,]+\/\d{8}\/([^/,]+)\/([^/,]+)\/aws4_request/.exec(authorization);
  if (!scope) throw new ArcError('IncompleteSignatureException', 400, 'Authorization header requires a Signature Version 4 Credential scope');
  if (scope[1] !== region) throw new ArcError('InvalidSignatureException', 403, `Credential should be scoped to a valid region, not '${scope[1]}'. This endpoint is in ${region}.`);
  if (scope[2] !== SIGNING_NAME) throw new ArcError('InvalidSignatureException', 403, `Credential should be scoped to correct service: '${SIGNING_NAME}'.`);
}

async function startEndpoint(region: string, operations: Record<string, (input: Record<string, unknown>) => object | undefined>): Promise<ArcEndpoint> {
  const requests: ArcRequest[] = [];
  let failures: { count: number; error: ArcErrorName; message: string } | undefined;

  const answer = (req: IncomingMessage, res: ServerResponse, body: string) => {
    const target = String(req.headers['x-amz-target'] ?? '');
    const logged: ArcRequest = { operation: target.startsWith(TARGET_PREFIX) ? target.slice(TARGET_PREFIX.length) : target, input: parseJson(body) };
    requests.push(logged);
    let status = 200;
    let payload = '';
    try {
      if (failures && failures.count > 0) {
        failures.count--;
        throw arcError(failures.error, failures.message);
      }
      checkScope(req.headers.authorization, region);
      const operation = Object.hasOwn(operations, logged.operation) ? operations[logged.operation] : undefined;
      if (req.method !== 'POST' || !target.startsWith(TARGET_PREFIX) || !operation) throw invalid('X-Amz-Target', `Unknown operation ${req.method} ${target}`, 'unknownOperation');
      if (req.headers['content-type'] !== CONTENT_TYPE) throw invalid('Content-Type', `Expected Content-Type ${CONTENT_TYPE}, got ${req.headers['content-type']}`, 'cannotParse');
      if (!isObject(logged.input)) throw invalid('body', `The request body is not a JSON object: ${body.slice(0, 100)}`, 'cannotParse');
      const output = operation(logged.input);
      // Updates answer an empty body, as the API reference says.
      if (output) payload = JSON.stringify(output);
    } catch (err) {
      const error = err instanceof ArcError ? err : arcError('InternalServerException', (err as Error).message);
      logged.error = error.type;
      status = error.status;
      payload = JSON.stringify({ __type: `${NAMESPACE}#${error.type}`, message: error.message, ...error.members });
    }
    // No keep-alive: a client must meet an endpoint made unreachable as refused connections, not
    // as resets of a socket it opened before (which a race with its pool would make flaky).
    res.writeHead(status, { 'content-type': CONTENT_TYPE, 'x-amzn-requestid': randomUUID(), 'content-length': Buffer.byteLength(payload), connection: 'close' }).end(payload);
  };

  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => answer(req, res, Buffer.concat(chunks).toString('utf8')));
  });
  const listen = (port: number) =>
    new Promise<void>((resolve, reject) => {
      server.once('error', reject).listen(port, '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
  await listen(0);
  const port = (server.address() as AddressInfo).port;

  return {
    // The path of the endpoints DescribeCluster returns (https://<id>.route53-recovery-cluster.<region>.amazonaws.com/v1).
    url: `http://127.0.0.1:${port}/v1`,
    region,
    requests,
    unreachable: async () => {
      if (!server.listening) return;
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
    },
    failNext: (count, error, message = `${error} (injected by the lab on the ${region} endpoint)`) => {
      failures = { count, error, message };
    },
    restore: async () => {
      failures = undefined;
      if (!server.listening) await listen(port);
    },
  };
}
