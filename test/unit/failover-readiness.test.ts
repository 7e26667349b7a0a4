// The scheduled readiness check's outcome: ready, not ready with the first reason, or not
// applicable; the FailoverReady sample it publishes; when people hear of it.
import { loadEstateConfigFile } from '#src/config/load';
import { announced, readinessCheckInput, readinessOf, readinessSamples, type Readiness } from '#src/failover/readiness';
import { parseFailoverRequest } from '#src/failover/request';
import { flowsOf } from '#src/flow';
import { Metric } from '#src/metrics';

const config = loadEstateConfigFile('config/estate.example.yaml');
const flow = flowsOf(config)[0]!;
const request = parseFailoverRequest(readinessCheckInput(config, flow), config, { name: 'readiness-1', startedAt: '2026-12-06T10:00:00.000Z' });
const at = new Date('2026-12-06T10:00:05.000Z');
const failed = { state: 'PreflightFailed', error: 'PreflightFailed', cause: 'preflight refused the failover, nothing was changed: target cluster dc2 is unreachable' };
const notApplicable = { state: 'PreflightFailed', error: 'FailoverNotApplicable', cause: 'dc2 already serves the clients' };

it('the schedule input is an unplanned dry run of the flow, accepted as a scheduled check', () => {
  expect(request).toMatchObject({ flow: flow.name, mode: 'unplanned', dryRun: true, scheduled: true, force: false });
  expect(request.reason).toBe('scheduled failover readiness check (failover.readiness: unplanned, every 60 minutes)');
});

it('ready, not ready with the failed step and its cause, or not applicable', () => {
  expect(readinessOf(request, undefined, at)).toEqual({ flow: flow.name, ready: true, reason: null, mode: 'unplanned', executionName: 'readiness-1', at: at.toISOString() });
  expect(readinessOf(request, failed, at)).toMatchObject({ ready: false, reason: `PreflightFailed: ${failed.cause}` });
  expect(readinessOf(request, notApplicable, at)).toMatchObject({ ready: null, reason: 'dc2 already serves the clients' });
});

it('publishes FailoverReady 1 or 0 at the check time, nothing when the check does not apply', () => {
  expect(readinessSamples(readinessOf(request, undefined, at))).toEqual([{ metric: Metric.FailoverReady, dimensions: { Flow: flow.name }, value: 1, timestamp: at }]);
  expect(readinessSamples(readinessOf(request, failed, at)).map((s) => s.value)).toEqual([0]);
  expect(readinessSamples(readinessOf(request, notApplicable, at))).toEqual([]);
});

it('a scheduled check is announced when readiness changes (and a first check only when not ready); any other execution always', () => {
  const ready = readinessOf(request, undefined, at);
  const notReady = readinessOf(request, failed, at);
  const na = readinessOf(request, notApplicable, at);
  const cases: [Readiness | null, Readiness, boolean][] = [
    [null, ready, false],
    [null, notReady, true],
    [ready, ready, false],
    [ready, notReady, true],
    [notReady, notReady, false],
    [notReady, ready, true],
    [na, notReady, true],
    [na, ready, false],
    [ready, na, false],
  ];
  for (const [previous, now, expected] of cases) expect({ previous: previous?.ready, now: now.ready, announced: announced(request, previous, now) }).toEqual({ previous: previous?.ready, now: now.ready, announced: expected });
  expect(announced({ scheduled: false }, ready, ready)).toBe(true);
});
