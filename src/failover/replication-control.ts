// Halting a flow's MM2 connectors through the Kafka Connect REST API, and proving it: a
// connector counts as halted only when it and every one of its tasks report the new state.
// Planned: PAUSE (tasks finish their batch and wait). Unplanned: STOP, because a task
// blocked on the dead source may never reach PAUSED, while Connect shuts stopped tasks
// down after its graceful timeout. Either target state is persisted by Connect, so a
// recovering source is not replicated again until an operator resumes the flow.
import type { FlowConfig } from '#src/config/schema';
import { ConnectError, type ConnectClient, type ConnectorStatus } from '#src/connect/client';
import type { FailoverMode } from './consumer-offsets';

export interface ConnectorHalt {
  connector: string;
  role: 'source' | 'checkpoint' | 'heartbeat';
  stateBefore: string;
  state: string;
  tasks: string[];
  halted: boolean;
}

/** Connect accepted the request but a task has not reached the state yet: retry the step shortly. */
export class ReplicationNotHaltedYet extends Error {
  constructor(target: string, pending: ConnectorHalt[]) {
    super(`waiting for MM2 connectors to report ${target}: ${pending.map((p) => `${p.connector} is ${p.state} (tasks ${p.tasks.join(', ') || 'none'})`).join('; ')}`);
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

/**
 * Pauses (planned) or stops (unplanned) the source, checkpoint and heartbeat connectors
 * (both PUTs are idempotent) and reads their status back. `dryRun` only reads. Throws
 * ReplicationNotHaltedYet while a task is still transitioning, ConnectError when Connect fails.
 */
export async function haltReplication(flow: FlowConfig, connect: ConnectClient, mode: FailoverMode, dryRun: boolean): Promise<ConnectorHalt[]> {
  const target = TARGET[mode];
  const roles = Object.entries(flow.mm2.connectors) as [ConnectorHalt['role'], string][];
  const results: ConnectorHalt[] = [];
  for (const [role, name] of roles) {
    let before: ConnectorStatus;
    try {
      before = await connect.status(name);
    } catch (err) {
      if (err instanceof ConnectError && err.status === 404) {
        throw new ConnectError(`MM2 ${role} connector ${name} of flow ${flow.source}->${flow.target} does not exist on ${connect.url}: set up the flow's connectors (or correct mm2.connectors in the estate file)`, 404);
      }
      throw err;
    }
    if (!dryRun && before.connector.state !== target) await (mode === 'planned' ? connect.pause(name) : connect.stop(name));
    const after = dryRun ? before : await connect.status(name);
    results.push({ connector: name, role, stateBefore: before.connector.state, state: after.connector.state, tasks: after.tasks.map((t) => `${t.id}:${t.state}`), halted: isHalted(mode, after) });
  }
  const pending = results.filter((r) => !r.halted);
  if (!dryRun && pending.length > 0) throw new ReplicationNotHaltedYet(target, pending);
  return results;
}
