// The lab's reverse MM2 flow, dc2 -> dc1, which failback needs once clients run on dc2. It
// is started on demand (most tests need only dc1 -> dc2, and its Connect worker costs a
// JVM), on a worker of its own bound to dc1: see "The reverse flow" in lab/README.md.
// Also a switch for MM2's own consumer group offset sync on the dc1 -> dc2 flow, so tests
// can show kafka-dr works whether or not an estate has it on.
import * as path from 'node:path';
import { ConnectClient, ConnectError } from '#src/connect/client';
import { closing, estateAdmins } from '#src/kafka/connection';
import { sourceTopics } from '#src/probes/lag-probe';
import { SecretReader } from '#src/secrets';
import { parseEstateConfig } from '#src/config/parse';
import type { EstateConfig, FlowConfig } from '#src/config/schema';
import { flowsOf, type Flow } from '#src/flow';
import { labSh, type LabInfo } from './estate';
import { eventually } from './sample-estate';

const SYNC_ENABLED = 'sync.group.offsets.enabled';
const SYNC_INTERVAL = 'sync.group.offsets.interval.seconds';

/** Starts the dc2 -> dc1 flow (idempotent) and returns once its connectors and tasks run. */
export function startReverseFlow(): Promise<void> {
  return labSh('reverse-flow', 'up');
}

/** Deletes the dc2 -> dc1 connectors and stops their worker (idempotent). */
export function stopReverseFlow(): Promise<void> {
  return labSh('reverse-flow', 'down');
}

/**
 * The lab estate with its reverse flow, as the estate file would describe it, validated like a
 * deployment's: flows dc1 -> dc2 and dc2 -> dc1 (what failback needs). The reverse flow's
 * topics are the forward flow's minus benchmark fixtures "bench*" (lab/connectors/*-dc2-dc1.json);
 * "dc1.*" is left out by MM2's cycle detection, which kafka-dr's topic filter applies too.
 */
export function withReverseFlow(config: EstateConfig, lab: LabInfo): EstateConfig {
  const forward = config.flows.find((f) => f.source === 'dc1' && f.target === 'dc2');
  if (!forward) throw new Error('the lab estate has no dc1 -> dc2 flow to reverse');
  if (!lab.reverseConnect) {
    throw new Error(`${path.join(lab.stateDir, 'lab.json')} has no reverseConnect (written by an older lab.sh): run bash lab/lab.sh reverse-flow up`);
  }
  const reverse: FlowConfig = {
    ...forward,
    source: 'dc2',
    target: 'dc1',
    topics: { include: ['.*'], exclude: [...forward.topics.exclude, 'bench.*'] },
    replicationPolicy: { type: 'default', separator: '.' },
    mm2: { ...forward.mm2, connectUrl: lab.reverseConnect.url, connectors: lab.reverseConnect.connectors, configTopic: lab.reverseConnect.configTopic },
  };
  return parseEstateConfig({ ...config, flows: [forward, reverse] }, 'the lab estate with its reverse flow');
}

/** The reverse flow dc2 -> dc1 of withReverseFlow. */
export function reverseFlow(config: EstateConfig, lab: LabInfo): Flow {
  return flowsOf(withReverseFlow(config, lab))[1]!;
}

/** Connect REST calls the shared ConnectClient has no use for: a config PUT and its tasks' configs. */
async function connectRest<T>(method: 'GET' | 'PUT', url: string, body?: unknown): Promise<T> {
  const response = await fetch(url, {
    method,
    headers: { 'content-type': 'application/json', accept: 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(70_000),
  });
  const text = await response.text();
  if (!response.ok) throw new ConnectError(`Kafka Connect: ${method} ${url} failed with HTTP ${response.status}: ${text.slice(0, 500)}`, response.status);
  return JSON.parse(text) as T;
}

/**
 * Switches MM2's own group offset sync (sync.group.offsets.enabled) on the dc1 -> dc2
 * checkpoint connector, every second while on, and returns once the connector's tasks run
 * with the new setting. `false` restores the lab's standard config exactly, so `lab.sh up`
 * finds nothing to change.
 */
export async function setMm2GroupOffsetSync(lab: LabInfo, enabled: boolean): Promise<void> {
  const name = lab.connect.connectors.checkpoint;
  const base = `${lab.connect.url.replace(/\/$/, '')}/connectors/${encodeURIComponent(name)}`;
  const connect = new ConnectClient(lab.connect.url);
  // Through the shared client: its reads wait out the second or so a rebalancing worker refuses them.
  const current = await connect.config(name);
  const wanted: Record<string, string> = {
    ...Object.fromEntries(Object.entries(current).filter(([key]) => key !== SYNC_INTERVAL)),
    [SYNC_ENABLED]: String(enabled),
    ...(enabled ? { [SYNC_INTERVAL]: '1' } : {}),
  };
  const changed = Object.keys({ ...current, ...wanted }).some((k) => current[k] !== wanted[k]);
  // Only when it differs: Connect restarts a connector on every PUT, even an identical one.
  if (changed) await eventually(`Kafka Connect at ${lab.connect.url} to accept the new config of ${name}`, async () => (await connectRest('PUT', `${base}/config`, wanted), true), 60_000, 1000);
  await eventually(`${name} and its tasks RUNNING with ${SYNC_ENABLED}=${enabled}`, async () => {
    const [status, tasks] = await Promise.all([connect.status(name), connectRest<{ config: Record<string, string> }[]>('GET', `${base}/tasks`)]);
    const running = status.connector.state === 'RUNNING' && status.tasks.length === tasks.length && status.tasks.every((t) => t.state === 'RUNNING');
    return running && tasks.every((t) => t.config[SYNC_ENABLED] === String(enabled)) ? true : undefined;
  }, 90_000, 500);
}

/**
 * Deletes the topics the reverse flow replicates from dc2 (tests' topics: dc2 holds no
 * others) and their copies on dc1, so that a later reverse flow starts without a backlog:
 * after a copy is deleted, MM2 (whose Connect offsets say it was copied) never fills it again.
 */
export async function retireReverseTopics(config: EstateConfig, lab: LabInfo): Promise<void> {
  const flow = reverseFlow(config, lab);
  const admins = closing(estateAdmins(config.clusters, new SecretReader()));
  try {
    const dc2 = await admins('dc2');
    const topics = await sourceTopics(dc2, flow);
    if (topics.length === 0) return;
    await dc2.deleteTopics({ topics });
    const dc1 = await admins('dc1');
    const copies = new Set(topics.map((t) => `dc2.${t}`));
    const present = (await dc1.listTopics()).filter((t) => copies.has(t));
    if (present.length > 0) await dc1.deleteTopics({ topics: present });
  } finally {
    await admins.close();
  }
}
