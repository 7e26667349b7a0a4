// The lab's alarm evaluator: CloudWatch's M-of-N and missing-data rules, composite rules,
// and the alarms read from the template the CDK app synthesizes.
import { evaluateMetricAlarm, parseAlarmRule, TemplateAlarms, type MetricAlarmDefinition } from '../../lab/alarm-evaluator';
import { primaryDownAlarmName } from '#src/alarm-names';
import { loadEstateConfigFile } from '#src/config/load';
import { synthControlPlane } from '../support/template';

const alarm = (over: Partial<MetricAlarmDefinition> = {}): MetricAlarmDefinition => ({
  name: 'a',
  namespace: 'KafkaDR',
  metricName: 'M',
  dimensions: [],
  statistic: 'Maximum',
  periodSeconds: 60,
  evaluationPeriods: 3,
  datapointsToAlarm: 3,
  threshold: 5,
  comparison: 'GreaterThanThreshold',
  treatMissingData: 'missing',
  ...over,
});

describe('metric alarms', () => {
  it('fires only when M of the N periods breach', () => {
    expect(evaluateMetricAlarm(alarm(), [6, 7, 8]).state).toBe('ALARM');
    expect(evaluateMetricAlarm(alarm(), [6, 5, 8]).state).toBe('OK');
    expect(evaluateMetricAlarm(alarm({ datapointsToAlarm: 2 }), [6, 5, 8]).state).toBe('ALARM');
    expect(evaluateMetricAlarm(alarm({ comparison: 'LessThanThreshold', threshold: 1 }), [0, 0, 0]).state).toBe('ALARM');
  });

  it('treats missing data as the alarm says', () => {
    expect(evaluateMetricAlarm(alarm(), [undefined, undefined, undefined]).state).toBe('INSUFFICIENT_DATA');
    expect(evaluateMetricAlarm(alarm({ treatMissingData: 'breaching' }), [undefined, undefined, undefined]).state).toBe('ALARM');
    expect(evaluateMetricAlarm(alarm({ treatMissingData: 'breaching' }), [6, undefined, 7]).state).toBe('ALARM');
    expect(evaluateMetricAlarm(alarm({ treatMissingData: 'notBreaching' }), [undefined, undefined, undefined]).state).toBe('OK');
    expect(evaluateMetricAlarm(alarm({ treatMissingData: 'ignore' }), [undefined, undefined, undefined], 'ALARM').state).toBe('ALARM');
    // Missing periods do not count towards M when data is merely missing.
    expect(evaluateMetricAlarm(alarm(), [6, undefined, 7]).state).toBe('OK');
  });
});

describe('composite rules', () => {
  it('parses AND, OR, NOT and parentheses with AND binding tighter', () => {
    expect(parseAlarmRule('ALARM("a") OR ALARM("b") AND NOT OK("c")')).toEqual({
      kind: 'or',
      rules: [
        { kind: 'state', state: 'ALARM', alarm: 'a' },
        { kind: 'and', rules: [{ kind: 'state', state: 'ALARM', alarm: 'b' }, { kind: 'not', rule: { kind: 'state', state: 'OK', alarm: 'c' } }] },
      ],
    });
    expect(() => parseAlarmRule('ALARM("a") AND')).toThrow(/unexpected end/);
  });

  it('reads every alarm of the synthesized control plane, the primary-down rule with alarm names', () => {
    const config = loadEstateConfigFile('config/estate.example.yaml');
    const alarms = new TemplateAlarms(synthControlPlane(config).template.toJSON() as never);
    const [flow] = config.flows;
    const primaryDown = alarms.compositeAlarms.find((a) => a.name === primaryDownAlarmName(config.estate, flow!));
    expect(primaryDown?.ruleText).toMatch(/^\(?ALARM\("[^"]+-source-unreachable"\) AND \(ALARM\("[^"]+-heartbeat-stale"\) OR ALARM\("[^"]+-canary-stale"\)\)\)?$/);
    const unreachable = alarms.metricAlarms.find((a) => a.name.endsWith('-source-unreachable'))!;
    // On the liveness probe's 10 s periods (two samples 5 s apart each).
    expect(unreachable).toMatchObject({ treatMissingData: 'breaching', evaluationPeriods: config.probes.thresholds.unreachablePeriods, periodSeconds: 10 });
  });
});
