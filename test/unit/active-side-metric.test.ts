// dns.mode health-check, the parts that decide without calling AWS: what a switch publishes
// and when (never two switches in one alarm period), which datapoints CloudWatch may not have
// evaluated yet, how a health check's observations read, and the setting naming the health
// checks. The calls themselves run against the lab (test/lab/failover-health-check.test.ts).
import type { HealthCheckObservation } from '@aws-sdk/client-route-53';
import { activeAlarmStates, activeSidePublication, activeSideValues, pendingPublication, publicationMinute, publishedSays, type PublishedSide } from '#src/dns/active-side-metric';
import { failoverAnswer } from '#src/dns/failover-answer';
import { healthCheckIdOf, healthOf, parseHealthCheckIds } from '#src/dns/health-check-status';

const target = { estate: 'payments', clusters: ['dc1', 'dc2'] };
const at = (iso: string) => new Date(iso);
const published = (iso: string, values: PublishedSide['values']): PublishedSide => ({ at: iso, values });

describe('what a switch publishes', () => {
  it('1 for the cluster clients must use, 0 for the other; the alarms that then say it: its own OK, the other ALARM', () => {
    expect(activeSideValues(target, 'dc2')).toEqual({ dc1: 0, dc2: 1 });
    expect(activeAlarmStates(target, 'dc2')).toEqual({ dc1: 'ALARM', dc2: 'OK' });
    expect(activeSidePublication(target, 'dc1', at('2026-01-01T10:05:00Z'))).toEqual({
      namespace: 'KafkaDR/ClientSwitch',
      metricName: 'ActiveSide',
      estate: 'payments',
      timestamp: '2026-01-01T10:05:00.000Z',
      values: { dc1: 1, dc2: 0 },
    });
  });

  it('refuses a cluster without a failover record', () => {
    expect(() => activeSideValues(target, 'dc3')).toThrow('dc3 has no failover record: dns.values has dc1, dc2');
  });
});

describe('the minute a switch is stamped with', () => {
  const now = at('2026-01-01T10:05:42Z');

  it('the current minute when it holds no datapoint (nothing published, or only before it)', () => {
    expect(publicationMinute(now, null).toISOString()).toBe('2026-01-01T10:05:00.000Z');
    expect(publicationMinute(now, published('2026-01-01T10:04:00.000Z', { dc1: 1, dc2: 0 })).toISOString()).toBe('2026-01-01T10:05:00.000Z');
  });

  it('the minute after the newest datapoint when the current minute or a later one holds one: never two switches in one alarm period', () => {
    expect(publicationMinute(now, published('2026-01-01T10:05:00.000Z', { dc1: 0, dc2: 1 })).toISOString()).toBe('2026-01-01T10:06:00.000Z');
    expect(publicationMinute(now, published('2026-01-01T10:06:00.000Z', { dc1: 1, dc2: 0 })).toISOString()).toBe('2026-01-01T10:07:00.000Z');
  });
});

describe('datapoints CloudWatch may not have evaluated yet', () => {
  const now = at('2026-01-01T10:05:42Z');

  it('are those of the previous minute or later; older ones the alarms have seen', () => {
    const recent = published('2026-01-01T10:04:00.000Z', { dc1: 0, dc2: 1 });
    expect(pendingPublication(recent, now)).toBe(recent);
    expect(pendingPublication(published('2026-01-01T10:06:00.000Z', { dc1: 0, dc2: 1 }), now)).not.toBeNull();
    expect(pendingPublication(published('2026-01-01T10:03:00.000Z', { dc1: 0, dc2: 1 }), now)).toBeNull();
    expect(pendingPublication(null, now)).toBeNull();
  });

  it('say a side only when every cluster has exactly its value in that minute', () => {
    expect(publishedSays(published('2026-01-01T10:05:00.000Z', { dc1: 0, dc2: 1 }), { dc1: 0, dc2: 1 })).toBe(true);
    expect(publishedSays(published('2026-01-01T10:05:00.000Z', { dc1: 'mixed', dc2: 1 }), { dc1: 0, dc2: 1 })).toBe(false);
    expect(publishedSays(published('2026-01-01T10:05:00.000Z', { dc1: null, dc2: 1 }), { dc1: 0, dc2: 1 })).toBe(false);
  });
});

describe('where Route 53 sends clients, given the health checks', () => {
  const dns = { values: { dc1: ['a'], dc2: ['b'] } } as never;

  it('the PRIMARY while healthy, else the SECONDARY if healthy, else the PRIMARY (fail open)', () => {
    expect(failoverAnswer(dns, () => true)).toBe('dc1');
    expect(failoverAnswer(dns, (c) => c === 'dc2')).toBe('dc2');
    expect(failoverAnswer(dns, () => false)).toBe('dc1');
  });
});

describe('a health check as its health checkers report it', () => {
  const observation = (status: string): HealthCheckObservation => ({ Region: 'us-east-1', IPAddress: '192.0.2.1', StatusReport: { Status: status, CheckedTime: new Date() } });

  it('is healthy when most observations report Success', () => {
    expect(healthOf([observation('Success: ok'), observation('Success: ok'), observation('Failure: no')])).toEqual({ healthy: true, successes: 2, observations: 3, status: 'Success: ok' });
    expect(healthOf([observation('Success: ok'), observation('Failure: alarm in ALARM')])).toEqual({ healthy: false, successes: 1, observations: 2, status: 'Failure: alarm in ALARM' });
  });

  it('is neither until a health checker has reported', () => {
    expect(healthOf([])).toEqual({ healthy: null, successes: 0, observations: 0 });
  });
});

describe('ACTIVE_SIDE_HEALTH_CHECKS', () => {
  it('reads {"<cluster>": "<health check id>"}', () => {
    const ids = parseHealthCheckIds('{"dc1":"abcdef01-2345-6789-abcd-ef0123456789","dc2":"fedcba98-7654-3210-fedc-ba9876543210"}');
    expect(healthCheckIdOf(ids, 'dc2')).toBe('fedcba98-7654-3210-fedc-ba9876543210');
    expect(() => healthCheckIdOf(ids, 'dc3')).toThrow('ACTIVE_SIDE_HEALTH_CHECKS has no health check for dc3 (it has dc1, dc2): redeploy the control plane after adding dc3 to dns.values');
  });

  it('says what is wrong with a value the stack did not write, and how to fix it', () => {
    expect(() => parseHealthCheckIds('{dc1')).toThrow(/^ACTIVE_SIDE_HEALTH_CHECKS is not JSON .*: redeploy the control plane, which sets it$/);
    expect(() => parseHealthCheckIds('{"dc1": 7}')).toThrow(/^ACTIVE_SIDE_HEALTH_CHECKS does not hold the health check id of each cluster's failover record: .*dc1.*; redeploy the control plane, which sets it$/s);
  });
});
