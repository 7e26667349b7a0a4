// Switches clients to the target the way dns.mode says ("repoint": an UPSERT of the
// bootstrap record, ARC routing controls flipped through the cluster's data-plane endpoints,
// or kafka-dr's ActiveSide metric published for the health checks' alarms), then, called from
// the state machine's Wait loop, follows the switch until it has taken effect and reads it
// back ("status"). Clients resolve the new answer once their cached one's TTL runs out.
import type { ClientSwitchResult } from '#src/dns/client-switch';
import type { ExecutionState } from '#src/failover/execution-state';
import { movedHome } from '#src/failover/execution-state';
import { clientSwitch } from '../runtime/failover-aws';
import { failoverStep, logger } from '../runtime/failover-step';
import { withoutKafka } from '../runtime/workflow-step';

export class DnsChangeTimedOut extends Error {
  constructor(changeId: string, polls: number) {
    super(`Route 53 change ${changeId} was not INSYNC after ${polls} polls: check the hosted zone in the Route 53 console; the change itself was accepted`);
    this.name = 'DnsChangeTimedOut';
  }
}

export class ClientSwitchTimedOut extends Error {
  constructor(mode: string, target: string, polls: number, pending: string | undefined) {
    super(`the ${mode} switch of clients to ${target} had not taken effect after ${polls} polls (${pending ?? 'still waiting'}): clients may still be sent to the source; check it and switch them by hand if needed (runbook (e))`);
    this.name = 'ClientSwitchTimedOut';
  }
}

export class DnsReadBackMismatch extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DnsReadBackMismatch';
  }
}

/** With the state machine's 10-second Wait, about five minutes; Route 53 is usually INSYNC within 60 s, a one-minute alarm evaluated within two. */
const MAX_POLLS = 30;

interface DnsEvent extends ExecutionState {
  action: 'repoint' | 'status';
}

export const handler = failoverStep(withoutKafka, async ({ action, request, steps }: DnsEvent, kit) => {
  const clients = clientSwitch(kit.config, movedHome(steps));
  if (action === 'repoint') {
    if (request.dryRun) return { dryRun: true, mode: clients.mode, changeId: null, ...(await clients.preview(request.target)) };
    const switched = await clients.switchTo(request.target, `kafka-dr ${request.flow} ${request.mode} failover, execution ${request.executionName}: ${request.reason}`.slice(0, 256));
    logger.info('clients switched', { flow: request.flow, ...switched });
    return switched;
  }
  const changeId = (steps.repointDns as Partial<ClientSwitchResult> | undefined)?.changeId ?? null;
  const polls = ((steps.dnsChange as { polls?: number } | undefined)?.polls ?? 0) + 1;
  // A dry run wrote nothing: nothing to wait for; where clients are sent is the read-back.
  if (request.dryRun) return { inSync: true, polls, changeId, dryRun: true, readBack: await clients.side() };
  const { settled, readBack, contradiction, pending } = await clients.settled(request.target, { changeId });
  if (!settled) {
    if (polls >= MAX_POLLS) throw changeId ? new DnsChangeTimedOut(changeId, polls) : new ClientSwitchTimedOut(clients.mode, request.target, polls, pending);
    return { inSync: false, polls, changeId, ...(pending ? { pending } : {}) };
  }
  if (contradiction) throw new DnsReadBackMismatch(contradiction);
  return { inSync: true, polls, changeId, readBack };
});
