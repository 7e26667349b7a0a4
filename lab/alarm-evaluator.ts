// The alarms of a synthesized template, evaluated as CloudWatch would against the metrics in
// the lab's emulator (which stores metrics but never evaluates alarms): each metric alarm's
// namespace, metric, dimensions, statistic, period, M of N and missing-data treatment, and
// each composite alarm's rule. So the drill fires on exactly what a deployment would.
//
// One simplification, stated: CloudWatch evaluates on its own clock and period boundaries;
// here the N periods end at the moment of evaluation.
import { CloudWatchClient, GetMetricDataCommand } from '@aws-sdk/client-cloudwatch';

export type AlarmStateValue = 'OK' | 'ALARM' | 'INSUFFICIENT_DATA';

/** GetMetricData's limit of queries per request. */
const MAX_QUERIES = 500;

interface CfnResource {
  Type: string;
  Properties?: Record<string, any>;
}

export interface MetricAlarmDefinition {
  name: string;
  namespace: string;
  metricName: string;
  dimensions: Array<{ Name: string; Value: string }>;
  statistic: string;
  periodSeconds: number;
  evaluationPeriods: number;
  datapointsToAlarm: number;
  threshold: number;
  comparison: string;
  treatMissingData: 'missing' | 'breaching' | 'notBreaching' | 'ignore';
}

type Rule =
  | { kind: 'state'; state: AlarmStateValue; alarm: string }
  | { kind: 'and' | 'or'; rules: Rule[] }
  | { kind: 'not'; rule: Rule }
  | { kind: 'const'; value: boolean };

export interface CompositeAlarmDefinition {
  name: string;
  rule: Rule;
  /** The rule as written, alarm ARNs replaced by names. */
  ruleText: string;
}

export interface AlarmEvaluation {
  name: string;
  state: AlarmStateValue;
  reason: string;
}

const COMPARISONS: Record<string, (v: number, t: number) => boolean> = {
  GreaterThanThreshold: (v, t) => v > t,
  GreaterThanOrEqualToThreshold: (v, t) => v >= t,
  LessThanThreshold: (v, t) => v < t,
  LessThanOrEqualToThreshold: (v, t) => v <= t,
};

function literal(value: unknown, where: string): string {
  if (typeof value === 'string') return value;
  throw new Error(`${where}: ${JSON.stringify(value)} is not a literal; the evaluator reads alarms whose names and dimensions are plain strings`);
}

/** Pure: the state of a metric alarm given the datapoints of its last N periods (index 0 = oldest; undefined = no data). */
export function evaluateMetricAlarm(alarm: MetricAlarmDefinition, periods: Array<number | undefined>, previous: AlarmStateValue = 'INSUFFICIENT_DATA'): AlarmEvaluation {
  const breaches = COMPARISONS[alarm.comparison];
  if (!breaches) throw new Error(`alarm ${alarm.name}: comparison ${alarm.comparison} is not supported by the lab's evaluator`);
  const present = periods.filter((v): v is number => v !== undefined);
  const missing = periods.length - present.length;
  const described = periods.map((v) => (v === undefined ? '-' : String(v))).join(', ');
  if (present.length === 0) {
    switch (alarm.treatMissingData) {
      case 'breaching':
        return { name: alarm.name, state: 'ALARM', reason: `no data in ${periods.length} period(s), treated as breaching` };
      case 'notBreaching':
        return { name: alarm.name, state: 'OK', reason: `no data in ${periods.length} period(s), treated as not breaching` };
      case 'ignore':
        return { name: alarm.name, state: previous, reason: 'no data, state kept (ignore)' };
      case 'missing':
        return { name: alarm.name, state: 'INSUFFICIENT_DATA', reason: `no data in ${periods.length} period(s)` };
    }
  }
  const breaching = present.filter((v) => breaches(v, alarm.threshold)).length + (alarm.treatMissingData === 'breaching' ? missing : 0);
  const state = breaching >= alarm.datapointsToAlarm ? 'ALARM' : 'OK';
  return {
    name: alarm.name,
    state,
    reason: `${breaching} of ${periods.length} period(s) ${alarm.comparison} ${alarm.threshold} (needs ${alarm.datapointsToAlarm}); ${alarm.statistic} per ${alarm.periodSeconds} s: [${described}]`,
  };
}

/** Parses a composite alarm rule as CloudWatch writes it: ALARM("x") AND (OK("y") OR NOT ALARM("z")), TRUE, FALSE. */
export function parseAlarmRule(text: string): Rule {
  const tokens = text.match(/\(|\)|"(?:[^"\\]|\\.)*"|[A-Za-z_]+/g) ?? [];
  let at = 0;
  const peek = () => tokens[at];
  const expect = (token: string) => {
    if (tokens[at] !== token) throw new Error(`alarm rule ${JSON.stringify(text)}: expected ${token} at token ${at}, found ${tokens[at] ?? 'the end'}`);
    at++;
  };
  const list = (kind: 'and' | 'or', next: () => Rule): Rule => {
    const rules = [next()];
    while (peek() === kind.toUpperCase()) {
      at++;
      rules.push(next());
    }
    return rules.length === 1 ? rules[0]! : { kind, rules };
  };
  const factor = (): Rule => {
    const token = tokens[at++];
    if (token === 'NOT') return { kind: 'not', rule: factor() };
    if (token === 'TRUE' || token === 'FALSE') return { kind: 'const', value: token === 'TRUE' };
    if (token === '(') {
      const rule = expression();
      expect(')');
      return rule;
    }
    if (token === 'ALARM' || token === 'OK' || token === 'INSUFFICIENT_DATA') {
      expect('(');
      const name = tokens[at++];
      if (!name?.startsWith('"')) throw new Error(`alarm rule ${JSON.stringify(text)}: ${token}( must name an alarm in quotes`);
      expect(')');
      return { kind: 'state', state: token, alarm: JSON.parse(name) as string };
    }
    throw new Error(`alarm rule ${JSON.stringify(text)}: unexpected ${token ?? 'end'}`);
  };
  const expression = (): Rule => list('or', () => list('and', factor));
  const rule = expression();
  if (at !== tokens.length) throw new Error(`alarm rule ${JSON.stringify(text)}: unexpected ${tokens[at]} after the rule`);
  return rule;
}

function holds(rule: Rule, states: ReadonlyMap<string, AlarmStateValue>): boolean {
  switch (rule.kind) {
    case 'const':
      return rule.value;
    case 'not':
      return !holds(rule.rule, states);
    case 'and':
      return rule.rules.every((r) => holds(r, states));
    case 'or':
      return rule.rules.some((r) => holds(r, states));
    case 'state': {
      const state = states.get(rule.alarm);
      if (state === undefined) throw new Error(`the composite rule names alarm ${rule.alarm}, which the template does not define`);
      return state === rule.state;
    }
  }
}

/** The metric and composite alarms of a synthesized template (CloudFormation JSON). */
export class TemplateAlarms {
  readonly metricAlarms: MetricAlarmDefinition[] = [];
  readonly compositeAlarms: CompositeAlarmDefinition[] = [];
  private readonly states = new Map<string, AlarmStateValue>();

  constructor(template: { Resources: Record<string, CfnResource> }) {
    const nameOf = new Map<string, string>();
    for (const [id, r] of Object.entries(template.Resources)) {
      if (r.Type === 'AWS::CloudWatch::Alarm' || r.Type === 'AWS::CloudWatch::CompositeAlarm') nameOf.set(id, literal(r.Properties?.AlarmName, `alarm ${id}`));
    }
    for (const [id, r] of Object.entries(template.Resources)) {
      const p = r.Properties ?? {};
      if (r.Type === 'AWS::CloudWatch::Alarm') {
        if (p.Metrics) throw new Error(`alarm ${id}: metric math alarms are not supported by the lab's evaluator`);
        this.metricAlarms.push({
          name: nameOf.get(id)!,
          namespace: literal(p.Namespace, `alarm ${id} namespace`),
          metricName: literal(p.MetricName, `alarm ${id} metric`),
          dimensions: (p.Dimensions ?? []).map((d: { Name: unknown; Value: unknown }) => ({ Name: literal(d.Name, `alarm ${id}`), Value: literal(d.Value, `alarm ${id}`) })),
          statistic: literal(p.Statistic ?? p.ExtendedStatistic, `alarm ${id} statistic`),
          periodSeconds: p.Period,
          evaluationPeriods: p.EvaluationPeriods,
          datapointsToAlarm: p.DatapointsToAlarm ?? p.EvaluationPeriods,
          threshold: p.Threshold,
          comparison: p.ComparisonOperator,
          treatMissingData: p.TreatMissingData ?? 'missing',
        });
      } else if (r.Type === 'AWS::CloudWatch::CompositeAlarm') {
        const ruleText = this.ruleText(p.AlarmRule, nameOf, `composite alarm ${id}`);
        this.compositeAlarms.push({ name: nameOf.get(id)!, rule: parseAlarmRule(ruleText), ruleText });
      }
    }
  }

  /** The rule with every alarm reference (Fn::GetAtt Arn or Ref) written as the alarm's name. */
  private ruleText(value: unknown, nameOf: Map<string, string>, where: string): string {
    if (typeof value === 'string') return value;
    const v = value as Record<string, any>;
    const ref = v['Fn::GetAtt']?.[0] ?? v.Ref;
    if (typeof ref === 'string') {
      const name = nameOf.get(ref);
      if (!name) throw new Error(`${where}: its rule references ${ref}, which is not an alarm of the template`);
      return name;
    }
    if (v['Fn::Join']) {
      const [separator, parts] = v['Fn::Join'] as [string, unknown[]];
      return parts.map((part) => this.ruleText(part, nameOf, where)).join(separator);
    }
    throw new Error(`${where}: cannot read ${JSON.stringify(value)} in its rule`);
  }

  /** Every alarm's state now: metric alarms from the emulator's datapoints, then the composites. */
  async evaluate(cloudwatch: CloudWatchClient, now = new Date()): Promise<AlarmEvaluation[]> {
    const periods = await this.periods(cloudwatch, now);
    return this.evaluatePeriods((alarm) => periods.get(alarm)!);
  }

  /**
   * Every alarm's state given each metric alarm's last N period values (oldest first,
   * undefined = no data), then the composites: for timelines computed without the emulator.
   */
  evaluatePeriods(periods: (alarm: MetricAlarmDefinition) => Array<number | undefined>): AlarmEvaluation[] {
    const evaluations: AlarmEvaluation[] = [];
    for (const alarm of this.metricAlarms) {
      const evaluation = evaluateMetricAlarm(alarm, periods(alarm), this.states.get(alarm.name));
      this.states.set(alarm.name, evaluation.state);
      evaluations.push(evaluation);
    }
    for (const alarm of this.compositeAlarms) {
      const state = holds(alarm.rule, this.states) ? 'ALARM' : 'OK';
      this.states.set(alarm.name, state);
      evaluations.push({ name: alarm.name, state, reason: alarm.ruleText });
    }
    return evaluations;
  }

  /**
   * The statistic of each alarm's N periods ending at `now`, oldest first: one GetMetricData
   * per evaluation window (alarms sharing period and N share it), at most 500 queries each.
   */
  private async periods(cloudwatch: CloudWatchClient, now: Date): Promise<Map<MetricAlarmDefinition, Array<number | undefined>>> {
    const end = Math.floor(now.getTime() / 1000) * 1000;
    const windows = new Map<string, MetricAlarmDefinition[]>();
    for (const alarm of this.metricAlarms) {
      const key = `${alarm.periodSeconds}x${alarm.evaluationPeriods}`;
      windows.set(key, [...(windows.get(key) ?? []), alarm]);
    }
    const out = new Map<MetricAlarmDefinition, Array<number | undefined>>();
    for (const alarms of windows.values()) {
      const { periodSeconds, evaluationPeriods } = alarms[0]!;
      const periodMs = periodSeconds * 1000;
      const start = end - evaluationPeriods * periodMs;
      for (let i = 0; i < alarms.length; i += MAX_QUERIES) {
        const chunk = alarms.slice(i, i + MAX_QUERIES);
        const result = await cloudwatch.send(
          new GetMetricDataCommand({
            StartTime: new Date(start),
            EndTime: new Date(end),
            MetricDataQueries: chunk.map((alarm, q) => ({
              Id: `m${q}`,
              MetricStat: { Metric: { Namespace: alarm.namespace, MetricName: alarm.metricName, Dimensions: alarm.dimensions }, Period: periodSeconds, Stat: alarm.statistic },
            })),
          }),
        );
        chunk.forEach((alarm, q) => {
          const periods: Array<number | undefined> = Array.from({ length: evaluationPeriods });
          const series = result.MetricDataResults?.find((r) => r.Id === `m${q}`);
          (series?.Timestamps ?? []).forEach((timestamp, t) => {
            const index = Math.floor((timestamp.getTime() - start) / periodMs);
            if (index >= 0 && index < periods.length) periods[index] = series!.Values![t];
          });
          out.set(alarm, periods);
        });
      }
    }
    return out;
  }
}

export interface AlarmWatch {
  /** Evaluates no more; resolves once the evaluation under way has ended (rejects with its error when no onError was given). */
  stop(): Promise<void>;
}

/**
 * The alarms evaluated every `everyMs` until stopped, each evaluation handed to `seen` with
 * its instant: CloudWatch evaluates a 10-s alarm as each period completes, and a beat of a
 * second keeps "when it fired" exact to a second. A failed evaluation goes to `onError` and
 * the beat goes on; without `onError` it ends the watch.
 */
export function watchAlarms(alarms: TemplateAlarms, cloudwatch: CloudWatchClient, seen: (at: number, evaluations: AlarmEvaluation[]) => void, options: { everyMs?: number; onError?: (err: Error) => void } = {}): AlarmWatch {
  const everyMs = options.everyMs ?? 1000;
  let watching = true;
  const loop = (async () => {
    while (watching) {
      const at = Date.now();
      try {
        seen(at, await alarms.evaluate(cloudwatch, new Date(at)));
      } catch (err) {
        if (!options.onError) throw err;
        options.onError(err as Error);
      }
      await new Promise((r) => setTimeout(r, Math.max(0, at + everyMs - Date.now())));
    }
  })();
  return {
    stop: async () => {
      watching = false;
      await loop;
    },
  };
}
