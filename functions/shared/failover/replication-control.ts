// Pausing a flow's MM2 connectors through the Kafka Connect REST API, and proving it: a
// connector counts as paused only when it and every one of its tasks report PAUSED. In an
// unplanned failover this also stops a recovering source from replicating stale data later.
import type { FlowConfig } from '../../../lib/config/schema';
import { ConnectError, type ConnectClient, type ConnectorStatus } from '../connect/client';

export interface ConnectorPause {
  connector: string;
  role: 'source' | 'checkpoint' | 'heartbeat';
  stateBefore: string;
  state: string;
  tasks: string[];
  paused: boolean;
}

/** Connect has accepted the pause but a task has not reached PAUSED yet: retry the step shortly. */
export class ReplicationNotPausedYet extends Error {
  constructor(pending: ConnectorPause[]) {
    super(`waiting for MM2 connectors to report PAUSED: ${pending.map((p) => `${p.connector} is ${p.state} (tasks ${p.tasks.join(', ') || 'none'})`).join('; ')}`);
    this.name = 'ReplicationNotPausedYet';
  }
}

const isPaused = (s: ConnectorStatus) => s.connector.state === 'PAUSED' && s.tasks.every((t) => t.state === 'PAUSED');

function describe(role: ConnectorPause['role'], before: ConnectorStatus, after: ConnectorStatus): ConnectorPause {
  return { connector: after.name, role, stateBefore: before.connector.state, state: after.connector.state, tasks: after.tasks.map((t) => `${t.id}:${t.state}`), paused: isPaused(after) };
}

/**
 * Pauses the source, checkpoint and heartbeat connectors (PUT .../pause is idempotent)
 * and reads their status back. `dryRun` only reads. Throws ReplicationNotPausedYet while a
 * task is still transitioning, ConnectError when Connect fails.
 */
export async function pauseReplication(flow: FlowConfig, connect: ConnectClient, dryRun: boolean): Promise<ConnectorPause[]> {
  const roles = Object.entries(flow.mm2.connectors) as [ConnectorPause['role'], string][];
  const results: ConnectorPause[] = [];
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
    if (!dryRun && !isPaused(before)) await connect.pause(name);
    results.push(describe(role, before, dryRun ? before : await connect.status(name)));
  }
  const pending = results.filter((r) => !r.paused);
  if (!dryRun && pending.length > 0) throw new ReplicationNotPausedYet(pending);
  return results;
}
