// Halting a flow's MM2 connectors through the Kafka Connect REST API, and proving it.
// Planned: PAUSE (tasks finish their batch and wait); halted when the connector and every
// task report PAUSED. Unplanned: PAUSE the source and heartbeat connectors and STOP the
// checkpoint connector (see targetOf). Either target state is persisted by Connect, so a
// recovering source is not replicated again until an operator resumes the flow. Unplanned,
// the persisted state is the proof when the flow names Connect's config topic
// (mm2.configTopic): read there, it holds the moment the PUT returns, while tasks blocked on
// the dead source take seconds more to halt. Without it, or when the topic cannot be read,
// the tasks' states are.
import type { Consumer } from '@platformatic/kafka';
import type { FlowConfig } from '#src/config/schema';
import { ConnectError, type ConnectClient, type ConnectorStatus } from '#src/connect/client';
import { persistedTargetStates } from '#src/connect/target-states';
import type { FailoverMode } from './consumer-offsets';

export interface ConnectorHalt {
  connector: string;
  role: 'source' | 'checkpoint' | 'heartbeat';
  /** The target state the connector is halted into. */
  target: HaltTarget;
  stateBefore: string;
  state: string;
  tasks: string[];
  halted: boolean;
  /** Unplanned: the target state persisted in Connect's config topic, when read there. */
  persisted?: string;
  /** Why the persisted target state could not be read (mm2.configTopic set), when it could not. */
  persistedUnread?: string;
  /** What proved the halt: the persisted target state (and, for a stop with the source alive, its tasks gone), or the tasks' reported states. */
  verifiedBy: 'config topic' | 'config topic and tasks' | 'tasks';
}

export interface ReplicationControlClients {
  connect: ConnectClient;
  /** Group-less fetcher of a cluster, to read Connect's config topic. */
  fetcher: (cluster: string) => Promise<Consumer>;
}

/** Connect accepted the request but a task has not reached the state yet: retry the step shortly. */
export class ReplicationNotHaltedYet extends Error {
  constructor(pending: ConnectorHalt[]) {
    const where = (p: ConnectorHalt) => (p.verifiedBy === 'config topic' ? `persisted ${p.persisted}` : `${p.state} (tasks ${p.tasks.join(', ') || 'none'})`);
    super(`waiting for MM2 connectors to halt: ${pending.map((p) => `${p.connector} is ${where(p)}, not yet ${p.target}`).join('; ')}`);
    this.name = 'ReplicationNotHaltedYet';
  }
}

export type HaltTarget = 'PAUSED' | 'STOPPED';

/**
 * Unplanned, only the checkpoint connector is stopped. A paused checkpoint task finishes the
 * poll it is in and keeps running its scheduled group offset sync: with a live source it
 * wrote checkpoints after the PAUSE returned, and SyncOffsets had read older ones (lab).
 * STOP ends the poll. But Connect's herder runs every STOP on its one thread, and stopping a
 * connector whose source died waits its graceful timeout (5 s) on clients of the dead
 * cluster, so a second STOP that reaches the herder after the first waits too (the lab saw it
 * in half its runs). A PAUSE is written from the REST thread, and a paused source or
 * heartbeat task does not poll again, a worker restart included.
 */
function targetOf(mode: FailoverMode, role: ConnectorHalt['role']): HaltTarget {
  return mode === 'unplanned' && role === 'checkpoint' ? 'STOPPED' : 'PAUSED';
}

/** A STOPPED connector is held at least as firmly as a PAUSED one (an earlier unplanned failover left it so). */
const holds = (target: HaltTarget, state: string | undefined): boolean => state === target || state === 'STOPPED';

/**
 * PAUSED: the connector and every task PAUSED. STOPPED: no task left running. A stopping
 * connector whose own instance is still closing its clients of the dead source can report
 * RUNNING for a while with no task; STOPPED is already persisted, and only tasks copy data.
 */
function isHalted(target: HaltTarget, s: ConnectorStatus): boolean {
  if (target === 'STOPPED' || s.connector.state === 'STOPPED') return s.tasks.every((t) => t.state === 'STOPPED');
  return s.connector.state === 'PAUSED' && s.tasks.every((t) => t.state === 'PAUSED');
}

/** Each connector's persisted target state in the flow's Connect config topic, or why it could not be read. */
async function persistedStates(configTopic: NonNullable<FlowConfig['mm2']['configTopic']>, clients: ReplicationControlClients): Promise<Map<string, string> | { unread: string }> {
  try {
    return await persistedTargetStates(await clients.fetcher(configTopic.cluster), configTopic.topic);
  } catch (err) {
    return { unread: `reading ${configTopic.topic} on ${configTopic.cluster} failed (${(err as Error).message}): verified by the tasks instead` };
  }
}

/**
 * Halts the source, checkpoint and heartbeat connectors (every PUT is idempotent) and reads
 * their state back. `dryRun` only reads. Throws ReplicationNotHaltedYet while a task is still
 * transitioning, ConnectError when Connect fails. `sourceAnswered`: whether the source answered
 * preflight. A live source lets a stopping checkpoint task finish the poll it is in and write
 * one more checkpoint after STOP is persisted (the lab saw it land after SyncOffsets had read
 * the checkpoints), so then its tasks must be gone too; a dead one gives it nothing to write.
 */
export async function haltReplication(flow: FlowConfig, clients: ReplicationControlClients, mode: FailoverMode, dryRun: boolean, sourceAnswered = true): Promise<ConnectorHalt[]> {
  const { connect } = clients;
  const roles = Object.entries(flow.mm2.connectors) as [ConnectorHalt['role'], string][];
  const connectors = await Promise.all(
    roles.map(async ([role, name]) => {
      try {
        return { role, name, target: targetOf(mode, role), before: await connect.status(name) };
      } catch (err) {
        if (err instanceof ConnectError && err.status === 404) {
          throw new ConnectError(`MM2 ${role} connector ${name} of flow ${flow.source}->${flow.target} does not exist on ${connect.url}: set up the flow's connectors (or correct mm2.connectors in the estate file)`, 404);
        }
        throw err;
      }
    }),
  );
  // All at once: with one STOP among them, none waits behind another in Connect's herder.
  if (!dryRun) {
    await Promise.all(connectors.filter((c) => !holds(c.target, c.before.connector.state)).map((c) => (c.target === 'PAUSED' ? connect.pause(c.name) : connect.stop(c.name))));
  }
  const results = await Promise.all(
    connectors.map(async ({ role, name, target, before }): Promise<ConnectorHalt> => {
      const after = dryRun ? before : await connect.status(name);
      return { connector: name, role, target, stateBefore: before.connector.state, state: after.connector.state, tasks: after.tasks.map((t) => `${t.id}:${t.state}`), halted: isHalted(target, after), verifiedBy: 'tasks' };
    }),
  );
  // Read after every PUT returned: each answered once its target state was written.
  const { configTopic } = flow.mm2;
  const persisted = !dryRun && mode === 'unplanned' && configTopic ? await persistedStates(configTopic, clients) : undefined;
  for (const r of results) {
    if (persisted instanceof Map) {
      const tasksToo = r.target === 'STOPPED' && sourceAnswered;
      r.persisted = persisted.get(r.connector) ?? 'none';
      r.verifiedBy = tasksToo ? 'config topic and tasks' : 'config topic';
      r.halted = holds(r.target, r.persisted) && (!tasksToo || r.halted);
    } else if (persisted) {
      r.persistedUnread = persisted.unread;
    }
  }
  const pending = results.filter((r) => !r.halted);
  if (!dryRun && pending.length > 0) throw new ReplicationNotHaltedYet(pending);
  return results;
}

export interface ConnectorResume {
  connector: string;
  role: ConnectorHalt['role'];
  stateBefore: string;
  /** Whether a resume was sent: the connector was PAUSED or STOPPED, and this is no dry run. */
  resumed: boolean;
}

/**
 * Active-active, clients coming home: the flow back to where they came from was halted when
 * they left, and they now write at home what the other datacenter's clients read through it.
 * Resumes its connectors (idempotent: a running one is left alone); `dryRun` only reads.
 */
export async function resumeReplication(flow: FlowConfig, connect: ConnectClient, dryRun: boolean): Promise<ConnectorResume[]> {
  const roles = Object.entries(flow.mm2.connectors) as [ConnectorHalt['role'], string][];
  return Promise.all(
    roles.map(async ([role, name]) => {
      const before = (await connect.status(name)).connector.state;
      const halted = before === 'PAUSED' || before === 'STOPPED';
      if (halted && !dryRun) await connect.resume(name);
      return { connector: name, role, stateBefore: before, resumed: halted && !dryRun };
    }),
  );
}
