// Repoints the Route 53 bootstrap record to the target ("repoint"), then, called from the
// state machine's Wait loop, follows the change until INSYNC and reads the record back
// ("status"). Clients resolve the new value once their cached answer's TTL runs out.
import { changeInSync, desiredRecord, readBootstrapRecord, repointBootstrapRecord } from '#src/dns/bootstrap-record';
import type { ExecutionState } from '#src/failover/execution-state';
import { failoverStep, logger } from '../runtime/failover-step';
import { withoutKafka } from '../runtime/workflow-step';

export class DnsChangeTimedOut extends Error {
  constructor(changeId: string, polls: number) {
    super(`Route 53 change ${changeId} was not INSYNC after ${polls} polls: check the hosted zone in the Route 53 console; the change itself was accepted`);
    this.name = 'DnsChangeTimedOut';
  }
}

export class DnsReadBackMismatch extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DnsReadBackMismatch';
  }
}

/** With the state machine's 10-second Wait, about five minutes; Route 53 is usually INSYNC within 60 s. */
const MAX_POLLS = 30;

interface DnsEvent extends ExecutionState {
  action: 'repoint' | 'status';
}

export const handler = failoverStep(withoutKafka, async ({ action, request, steps }: DnsEvent, kit) => {
  const { dns } = kit.config;
  if (action === 'repoint') {
    if (request.dryRun) {
      return { dryRun: true, changeId: null, before: await readBootstrapRecord(kit.aws.route53, dns), after: desiredRecord(dns, request.target) };
    }
    const repoint = await repointBootstrapRecord(kit.aws.route53, dns, request.target, `kafka-dr ${request.flow} ${request.mode} failover, execution ${request.executionName}: ${request.reason}`.slice(0, 256));
    logger.info('bootstrap record repointed', { flow: request.flow, ...repoint });
    return repoint;
  }
  const changeId = (steps.repointDns as { changeId?: string | null } | undefined)?.changeId;
  const polls = ((steps.dnsChange as { polls?: number } | undefined)?.polls ?? 0) + 1;
  const inSync = !changeId || (await changeInSync(kit.aws.route53, changeId));
  if (!inSync) {
    if (polls >= MAX_POLLS && changeId) throw new DnsChangeTimedOut(changeId, polls);
    return { inSync, polls, changeId };
  }
  const record = await readBootstrapRecord(kit.aws.route53, dns);
  const want = desiredRecord(dns, request.target);
  if (!request.dryRun && JSON.stringify([...(record?.values ?? [])].sort()) !== JSON.stringify([...want.values].sort())) {
    throw new DnsReadBackMismatch(`${dns.recordName} reads ${JSON.stringify(record?.values ?? null)} after the change, expected ${JSON.stringify(want.values)}: another writer changed it; check the hosted zone ${dns.hostedZoneId}`);
  }
  return { inSync, polls, changeId, record };
});
