// The automatic trigger: decides what a "CloudWatch Alarm State Change" event of a flow's
// primary-down composite alarm should do — start an unplanned failover, or only tell the
// on-call why not. A wrong start costs a failover, a wrong refusal costs an outage, so
// every refusal names its reason and what the operator can do instead.
//
// The execution name is derived from the state change alone (alarm name + state
// timestamp): EventBridge delivers at least once, and Step Functions refuses a second
// execution of the same name, so a duplicate delivery cannot start a second failover.
import { createHash } from 'node:crypto';
import * as z from 'zod';
import { primaryDownAlarmName } from '#src/alarm-names';
import type { EstateConfig } from '#src/config/schema';
import { flowsOf } from '#src/flow';
import type { ActiveSide } from './failover-state';

export interface FailoverStartInput {
  flow: string;
  mode: 'unplanned';
  dryRun: false;
  force: false;
  reason: string;
  trigger: { alarmName: string; stateChangedAt: string; eventId: string };
}

export type TriggerDecision =
  | { action: 'start'; executionName: string; input: FailoverStartInput }
  /** notify-only mode, cooldown, already active on target, not ALARM, unknown alarm. `flow` and `executionName` when the event says. */
  | { action: 'notify'; why: string; flow?: string; executionName?: string };

// Only the fields the decision reads; anything else in the event is ignored.
const alarmStateChangeSchema = z.object({
  id: z.string().min(1),
  detail: z.object({
    alarmName: z.string().min(1),
    state: z.object({ value: z.string(), timestamp: z.string().min(1), reason: z.string().optional() }),
  }),
});

/** Step Functions execution names: 1-80 characters of [A-Za-z0-9-_]. */
const EXECUTION_NAME_MAX = 80;

/** `actives`: the state table's record of each bootstrap record (FailoverState.activeSide), those it has. */
export function decideOnAlarm(event: unknown, config: EstateConfig, actives: readonly ActiveSide[], now: Date): TriggerDecision {
  const parsed = alarmStateChangeSchema.safeParse(event);
  if (!parsed.success) {
    const fields = parsed.error.issues.map((i) => i.path.join('.') || '(event)').join(', ');
    return { action: 'notify', why: `ignored an event that is not a CloudWatch Alarm State Change (missing or bad: ${fields}): check the EventBridge rule's pattern` };
  }
  const { id: eventId, detail } = parsed.data;
  const { alarmName, state } = detail;
  const executionName = failoverExecutionName(alarmName, state.timestamp);
  const flows = flowsOf(config);
  const flow = flows.find((f) => primaryDownAlarmName(config.estate, f) === alarmName);
  if (!flow) {
    const known = flows.map((f) => primaryDownAlarmName(config.estate, f)).join(', ');
    return { action: 'notify', executionName, why: `unknown alarm ${alarmName}: the primary-down alarms of estate ${config.estate} are ${known}; check the EventBridge rule's pattern` };
  }
  const { name } = flow;
  // With a record per datacenter, losing the source concerns its own clients' record.
  const active = actives.find((a) => a.home === (config.dns.records ? flow.source : null)) ?? null;
  const notify = (why: string): TriggerDecision => ({ action: 'notify', flow: name, executionName, why });
  if (state.value !== 'ALARM') {
    return notify(`${alarmName} changed to ${state.value} at ${state.timestamp}: only ALARM starts a failover`);
  }
  const down = `${alarmName} says ${flow.source} (the source of ${name}) is down since ${state.timestamp}`;
  if (config.failover.mode === 'notify-only') {
    return notify(`${down}; failover.mode is notify-only: confirm ${flow.source} is lost, then start the unplanned failover to ${flow.target} by hand`);
  }
  if (active?.cluster === flow.target) {
    return notify(`${down}, but ${flow.target} is already the active side (since ${active.since}, execution ${active.executionName}): nothing to fail over`);
  }
  if (active) {
    const until = new Date(Date.parse(active.since) + config.failover.cooldownMinutes * 60_000);
    if (until > now) {
      return notify(
        `${down}; automatic failover suppressed by cooldown until ${until.toISOString()} (failover.cooldownMinutes ${config.failover.cooldownMinutes} after execution ` +
          `${active.executionName} made ${active.cluster} active at ${active.since}): start the failover by hand if it cannot wait`,
      );
    }
  }
  return {
    action: 'start',
    executionName,
    input: {
      flow: name,
      mode: 'unplanned',
      dryRun: false,
      force: false,
      reason: `${down}${state.reason ? ` (${state.reason})` : ''}`,
      trigger: { alarmName, stateChangedAt: state.timestamp, eventId },
    },
  };
}

/**
 * `<alarm name>-<state timestamp as 20240101T120000000Z>`, sanitized for Step Functions. A
 * name over 80 characters keeps a readable prefix of the alarm name, a hash of both parts
 * (so two long alarm names never collide) and the timestamp.
 */
export function failoverExecutionName(alarmName: string, stateTimestamp: string): string {
  const sanitize = (s: string) => s.replace(/[^A-Za-z0-9_-]/g, '-');
  const at = new Date(stateTimestamp);
  const when = Number.isNaN(at.getTime()) ? sanitize(stateTimestamp) : at.toISOString().replace(/[-:.]/g, '');
  const full = `${sanitize(alarmName)}-${when}`;
  if (full.length <= EXECUTION_NAME_MAX) return full;
  const hash = createHash('sha256').update(`${alarmName}\n${stateTimestamp}`).digest('hex').slice(0, 8);
  const tail = `-${hash}-${when.slice(0, 30)}`;
  return `${sanitize(alarmName).slice(0, EXECUTION_NAME_MAX - tail.length)}${tail}`;
}
