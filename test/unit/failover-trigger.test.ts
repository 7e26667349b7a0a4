import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import type { ActiveSide } from '#src/failover/failover-state';
import { outcomeSubject } from '#src/failover/notify';
import { decideOnAlarm, failoverExecutionName, type TriggerDecision } from '#src/failover/trigger';
import { primaryDownAlarmName } from '#src/alarm-names';
import { parseEstateConfig } from '#src/config/parse';
import type { EstateConfig } from '#src/config/schema';

const example = parse(readFileSync('config/estate.example.yaml', 'utf8'));
const estate = (failover: Partial<EstateConfig['failover']> = {}): EstateConfig =>
  parseEstateConfig({ ...example, failover: { ...example.failover, mode: 'automatic', cooldownMinutes: 30, ...failover } }, 'test');

const DC1_DOWN = primaryDownAlarmName('payments', { source: 'dc1', target: 'dc2' });
const CHANGED_AT = '2026-03-01T08:15:30.123+0000';
const NOW = new Date('2026-03-01T08:16:00.000Z');

/** A "CloudWatch Alarm State Change" event as EventBridge delivers it for a composite alarm. */
function alarmEvent(alarmName = DC1_DOWN, value = 'ALARM', timestamp = CHANGED_AT) {
  return {
    version: '0',
    id: 'c4c1c1c9-6542-e61b-6ef0-8c4d36933a92',
    'detail-type': 'CloudWatch Alarm State Change',
    source: 'aws.cloudwatch',
    account: '123456789012',
    time: '2026-03-01T08:15:30Z',
    region: 'eu-west-2',
    resources: [`arn:aws:cloudwatch:eu-west-2:123456789012:alarm:${alarmName}`],
    detail: {
      alarmName,
      state: { value, reason: 'arn:aws:cloudwatch:...:alarm:payments-kafka-dr-dc1-to-dc2-source-unreachable transitioned to ALARM', timestamp },
      previousState: { value: value === 'ALARM' ? 'OK' : 'ALARM', reason: '...', timestamp: '2026-02-28T20:00:00.000+0000' },
      configuration: { alarmRule: 'ALARM(a) AND ALARM(b)' },
    },
  };
}

const side = (cluster: string, since: string): ActiveSide => ({ cluster, home: null, flow: 'dc2->dc1', executionName: 'earlier-exec', mode: 'planned', since });
const why = (decision: TriggerDecision) => (decision.action === 'notify' ? decision.why : `started ${decision.executionName}`);
function startedName(decision: TriggerDecision): string {
  if (decision.action !== 'start') throw new Error(`expected a start, got a notification: ${decision.why}`);
  return decision.executionName;
}

describe('the failover trigger decides on a primary-down alarm', () => {
  it('starts an unplanned failover of the alarm\'s flow, named from the state change', () => {
    const decision = decideOnAlarm(alarmEvent(), estate(), [], NOW);
    expect(decision).toEqual({
      action: 'start',
      executionName: 'payments-kafka-dr-dc1-to-dc2-primary-down-20260301T081530123Z',
      input: {
        flow: 'dc1->dc2',
        mode: 'unplanned',
        dryRun: false,
        force: false,
        reason: expect.stringContaining(`${DC1_DOWN} says dc1 (the source of dc1->dc2) is down since ${CHANGED_AT}`),
        trigger: { alarmName: DC1_DOWN, stateChangedAt: CHANGED_AT, eventId: 'c4c1c1c9-6542-e61b-6ef0-8c4d36933a92' },
      },
    });
  });

  it('picks the flow by alarm: the reverse flow\'s alarm fails over to dc1', () => {
    const decision = decideOnAlarm(alarmEvent(primaryDownAlarmName('payments', { source: 'dc2', target: 'dc1' })), estate(), [side('dc2', '2026-01-01T00:00:00Z')], NOW);
    expect(decision).toMatchObject({ action: 'start', input: { flow: 'dc2->dc1' } });
  });

  it('gives a duplicate delivery of the same state change the same execution name, and another state change another', () => {
    const first = startedName(decideOnAlarm(alarmEvent(), estate(), [], NOW));
    const redelivered = startedName(decideOnAlarm({ ...alarmEvent(), id: 'another-delivery-id' }, estate(), [], new Date(NOW.getTime() + 5000)));
    const later = startedName(decideOnAlarm(alarmEvent(DC1_DOWN, 'ALARM', '2026-03-01T09:00:00.000+0000'), estate(), [], NOW));
    expect(redelivered).toBe(first);
    expect(later).not.toBe(first);
  });

  it.each(['OK', 'INSUFFICIENT_DATA'])('only notifies when the alarm changes to %s', (value) => {
    const decision = decideOnAlarm(alarmEvent(DC1_DOWN, value), estate(), [], NOW);
    expect(decision).toMatchObject({ action: 'notify', flow: 'dc1->dc2', why: `${DC1_DOWN} changed to ${value} at ${CHANGED_AT}: only ALARM starts a failover` });
  });

  it('only notifies, naming the alarms it knows, for an alarm that is not a primary-down alarm of this estate', () => {
    for (const name of ['payments-kafka-dr-dc1-to-dc2-rpo', 'other-estate-kafka-dr-dc1-to-dc2-primary-down']) {
      const decision = decideOnAlarm(alarmEvent(name), estate(), [], NOW);
      expect(decision).toMatchObject({ action: 'notify', why: expect.stringContaining(`unknown alarm ${name}: the primary-down alarms of estate payments are ${DC1_DOWN}, payments-kafka-dr-dc2-to-dc1-primary-down`) });
      expect(decision).not.toHaveProperty('flow');
    }
  });

  it.each([
    ['nothing', undefined],
    ['null', null],
    ['a string', 'ALARM'],
    ['an event without detail', { id: 'x', 'detail-type': 'Scheduled Event', detail: {} }],
    ['an alarm event without a state timestamp', { id: 'x', detail: { alarmName: DC1_DOWN, state: { value: 'ALARM' } } }],
  ])('never throws on odd input (%s): it notifies with what was wrong', (_name, event) => {
    const decision = decideOnAlarm(event, estate(), [], NOW);
    expect(decision).toMatchObject({ action: 'notify', why: expect.stringMatching(/^ignored an event that is not a CloudWatch Alarm State Change \(missing or bad: .+\)/) });
  });

  it('only notifies in notify-only mode, saying what to do by hand', () => {
    const decision = decideOnAlarm(alarmEvent(), estate({ mode: 'notify-only' }), [], NOW);
    expect(decision).toMatchObject({
      action: 'notify',
      flow: 'dc1->dc2',
      why: expect.stringContaining('failover.mode is notify-only: confirm dc1 is lost, then start the unplanned failover to dc2 by hand'),
    });
  });

  it('only notifies when the flow\'s target is already the active side', () => {
    const decision = decideOnAlarm(alarmEvent(), estate(), [side('dc2', '2026-02-01T00:00:00.000Z')], NOW);
    expect(why(decision)).toContain('dc2 is already the active side (since 2026-02-01T00:00:00.000Z, execution earlier-exec): nothing to fail over');
  });

  it('suppresses a failover within the cooldown of the last one, and starts it once the cooldown is over', () => {
    const failedBackAt = '2026-03-01T08:00:00.000Z'; // 16 minutes before NOW, cooldown 30
    const within = decideOnAlarm(alarmEvent(), estate(), [side('dc1', failedBackAt)], NOW);
    expect(why(within)).toContain('automatic failover suppressed by cooldown until 2026-03-01T08:30:00.000Z');
    expect(why(within)).toContain('execution earlier-exec made dc1 active at 2026-03-01T08:00:00.000Z');
    expect(decideOnAlarm(alarmEvent(), estate(), [side('dc1', failedBackAt)], new Date('2026-03-01T08:30:00.001Z')).action).toBe('start');
    expect(decideOnAlarm(alarmEvent(), estate({ cooldownMinutes: 0 }), [side('dc1', failedBackAt)], NOW).action).toBe('start');
  });
});

describe('failover execution names', () => {
  const valid = /^[A-Za-z0-9_-]{1,80}$/;

  it('are the alarm name and the compact state time, for Step Functions', () => {
    expect(failoverExecutionName('lab-kafka-dr-dc1-to-dc2-primary-down', '2026-03-01T08:15:30.123+0000')).toBe('lab-kafka-dr-dc1-to-dc2-primary-down-20260301T081530123Z');
  });

  it('replace characters Step Functions refuses, even in a timestamp that does not parse', () => {
    const name = failoverExecutionName('odd alarm/name:é', 'not a time');
    expect(name).toBe('odd-alarm-name---not-a-time');
    expect(name).toMatch(valid);
  });

  it('keep a readable prefix, a hash and the time when too long, and stay distinct', () => {
    const long = (target: string) => primaryDownAlarmName('a-very-long-estate-name-for-payments-eu', { source: 'datacenter-frankfurt-primary', target });
    const a = failoverExecutionName(long('datacenter-london-standby-1'), CHANGED_AT);
    const b = failoverExecutionName(long('datacenter-london-standby-2'), CHANGED_AT);
    for (const name of [a, b]) {
      expect(name).toMatch(valid);
      expect(name.startsWith('a-very-long-estate-name-for-payments-eu-kafka-dr-')).toBe(true);
      expect(name.endsWith('-20260301T081530123Z')).toBe(true);
    }
    expect(a).not.toBe(b);
    expect(failoverExecutionName(long('datacenter-london-standby-1'), CHANGED_AT)).toBe(a);
  });
});

describe('failover outcome subjects', () => {
  it('fit SNS: one line of at most 100 printable ASCII characters', () => {
    expect(outcomeSubject({ flow: 'dc1->dc2', mode: 'unplanned', dryRun: false, status: 'SUCCEEDED' })).toBe('[kafka-dr] dc1->dc2 failover SUCCEEDED');
    expect(outcomeSubject({ flow: 'dc2->dc1', mode: 'planned', dryRun: true, status: 'FAILED' })).toBe('[kafka-dr] dc2->dc1 planned switchover dry run FAILED');
    const long = outcomeSubject({ flow: `${'x'.repeat(60)}->ü\n${'y'.repeat(60)}`, mode: 'unplanned', dryRun: false, status: 'REFUSED' });
    expect(long.length).toBe(100);
    expect(long).toMatch(/^[\x20-\x7e]+$/);
  });
});
