// Halting a flow's MM2 connectors through the Kafka Connect REST API, and proving it.
// Planned: PAUSE (tasks finish their batch and wait); halted when the connector and every
// task report PAUSED. Unplanned: STOP, because a task blocked on the dead source may never
// reach PAUSED. Either target state is persisted by Connect, so a recovering source is not
// replicated again until an operator resumes the flow. Unplanned, that persisted STOPPED is
// the proof when the flow names Connect's config topic (mm2.configTopic): read there, it
// holds the moment the PUT returns, while the tasks take seconds more to shut down. Without
// it, or when the topic cannot be read, the proof is that no task runs any more.
import type { Consumer } from '@platformatic/kafka';
import type { FlowConfig } from '#src/config/schema';
import { ConnectError, type ConnectClient, type ConnectorStatus } from '#src/connect/client';
import { persistedTargetStates } from '#src/connect/target-states';
import type { FailoverMode } from './consumer-offsets';

export interface ConnectorHalt {
  connector: string;
  role: 'source' | 'checkpoint' | 'heartbeat';
  stateBefore: string;
  state: string;
  tasks: string[];
  halted: boolean;
  /** Unplanned: the target state persisted in Connect's config topic, when read there. */
  persisted?: string;
  /** Why the persisted target state could not be read (mm2.configTopic set), when it could not. */
  persistedUnread?: string;
  /** What proved the halt: the persisted target state, or the tasks' reported states. */
  verifiedBy: 'config topic' | 'tasks';
}

export interface ReplicationControlClients {
  connect: ConnectClient;
  /** Group-less fetcher of a cluster, to read Connect's config topic. */
  fetcher: (cluster: string) => Promise<Consumer>;
}

/** Connect accepted the request but a task has not reached the state yet: retry the step shortly. */
export class ReplicationNotHaltedYet extends Error {
  constructor(target: string, pending: ConnectorHalt[]) {
    const where = (p: ConnectorHalt) => (p.verifiedBy === 'config topic' ? `persisted ${p.persisted}` : `${p.state} (tasks ${p.tasks.join(', ') || 'none'})`);
    super(`waiting for MM2 connectors to report ${target}: ${pending.map((p) => `${p.connector} is ${where(p)}`).join('; ')}`);
    this.name = 'ReplicationNotHaltedYet';
  }
}

const TARGET = { planned: 'PAUSED', unplanned: 'STOPPED' } as const;

/**
 * Planned: the connector and every task PAUSED. Unplanned: no task left running. A stopping
 * connector whose own instance is still closing its clients of the dead source can report
 * RUNNING for a while with no task; STOPPED is already persisted, and only tasks copy data.
 */
function isHalted(mode: FailoverMode, s: ConnectorStatus): boolean {
  const target = TARGET[mode];
  if (mode === 'planned') return s.connector.state === target && s.tasks.every((t) => t.state === target);
  return s.tasks.every((t) => t.state === target);
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
 * Pauses (planned) or stops (unplanned) the source, checkpoint and heartbeat connectors
 * (both PUTs are idempotent) and reads their state back. `dryRun` only reads. Throws
 * ReplicationNotHaltedYet while a task is still transitioning, ConnectError when Connect fails.
 */
export async function haltReplication(flow: FlowConfig, clients: ReplicationControlClients, mode: FailoverMode, dryRun: boolean): Promise<ConnectorHalt[]> {
  const { connect } = clients;
  const target = TARGET[mode];
  const roles = Object.entries(flow.mm2.connectors) as [ConnectorHalt['role'], string][];
  const connectors = await Promise.all(
    roles.map(async ([role, name]) => {
      try {
        return { role, name, before: await connect.status(name) };
      } catch (err) {
        if (err instanceof ConnectError && err.status === 404) {
          throw new ConnectError(`MM2 ${role} connector ${name} of flow ${flow.source}->${flow.target} does not exist on ${connect.url}: set up the flow's connectors (or correct mm2.connectors in the estate file)`, 404);
        }
        throw err;
      }
    }),
  );
  // All three at once: Connect's herder stops a connector whose source died on its one
  // thread, waiting its graceful timeout (5 s) on clients of the dead cluster, and a request
  // that arrives meanwhile waits too. Sent together, they are run in one herder tick and
  // every target state is written before any connector is stopped.
  if (!dryRun) {
    await Promise.all(connectors.filter((c) => c.before.connector.state !== target).map((c) => (mode === 'planned' ? connect.pause(c.name) : connect.stop(c.name))));
  }
  const results = await Promise.all(
    connectors.map(async ({ role, name, before }): Promise<ConnectorHalt> => {
      const after = dryRun ? before : await connect.status(name);
      return { connector: name, role, stateBefore: before.connector.state, state: after.connector.state, tasks: after.tasks.map((t) => `${t.id}:${t.state}`), halted: isHalted(mode, after), verifiedBy: 'tasks' };
    }),
  );
  // Read after every PUT returned: each answered once its target state was written.
  const { configTopic } = flow.mm2;
  const persisted = !dryRun && mode === 'unplanned' && configTopic ? await persistedStates(configTopic, clients) : undefined;
  for (const r of results) {
    if (persisted instanceof Map) {
      r.persisted = persisted.get(r.connector) ?? 'none';
      r.verifiedBy = 'config topic';
      r.halted = r.persisted === target;
    } else if (persisted) {
      r.persistedUnread = persisted.unread;
    }
  }
  const pending = results.filter((r) => !r.halted);
  if (!dryRun && pending.length > 0) throw new ReplicationNotHaltedYet(target, pending);
  return results;
}
