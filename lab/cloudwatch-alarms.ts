// CloudWatch's alarms, for chosen alarms of a synthesized template, in the lab's emulator:
// created there as CloudFormation would (PutMetricAlarm with the template's properties, then
// INSUFFICIENT_DATA, a new alarm's state: the emulator starts them at OK), and evaluated as
// CloudWatch would on a short beat (lab/alarm-evaluator.ts against the emulator's datapoints),
// each new state written with the real SetAlarmState. The emulator stores alarms but never
// evaluates them; whatever reads an alarm (DescribeAlarms, a Route 53 health check) then
// reads what CloudWatch would show, a beat late.
import { CloudWatchClient, DescribeAlarmsCommand, PutMetricAlarmCommand, SetAlarmStateCommand } from '@aws-sdk/client-cloudwatch';
import { TemplateAlarms, type AlarmStateValue } from './alarm-evaluator';
import type { CfnTemplate } from './template-resources';

export interface AlarmTransition {
  at: Date;
  name: string;
  state: AlarmStateValue;
  reason: string;
}

export interface LabAlarms {
  /** Every state written, in order. */
  readonly transitions: AlarmTransition[];
  /** The last evaluation's failure, if it failed. */
  readonly lastError: Error | undefined;
  /** CloudWatch's evaluation impaired: states stay as they are until resume(). */
  pause(): void;
  resume(): void;
  /** One evaluation now (the beat runs them too). */
  evaluate(): Promise<void>;
  close(): Promise<void>;
}

const INITIAL_REASON = 'Unchecked: Initial alarm creation';

/** Creates the template's alarms named `names` in the emulator and evaluates them every `intervalMs`. */
export async function labAlarms(template: CfnTemplate, names: string[], { intervalMs = 1000 } = {}): Promise<LabAlarms> {
  const resources = Object.fromEntries(Object.entries(template.Resources).filter(([, r]) => r.Type === 'AWS::CloudWatch::Alarm' && names.includes(r.Properties?.AlarmName)));
  const missing = names.filter((n) => !Object.values(resources).some((r) => r.Properties?.AlarmName === n));
  if (missing.length) throw new Error(`the template has no metric alarm ${missing.join(', ')}`);
  const cloudwatch = new CloudWatchClient({});
  for (const { Properties: p = {} } of Object.values(resources)) {
    await cloudwatch.send(
      new PutMetricAlarmCommand({
        AlarmName: p.AlarmName,
        AlarmDescription: p.AlarmDescription,
        Namespace: p.Namespace,
        MetricName: p.MetricName,
        Dimensions: p.Dimensions,
        Statistic: p.Statistic,
        Period: p.Period,
        Unit: p.Unit,
        EvaluationPeriods: p.EvaluationPeriods,
        DatapointsToAlarm: p.DatapointsToAlarm,
        Threshold: p.Threshold,
        ComparisonOperator: p.ComparisonOperator,
        TreatMissingData: p.TreatMissingData,
        ActionsEnabled: p.ActionsEnabled,
      }),
    );
    await cloudwatch.send(new SetAlarmStateCommand({ AlarmName: p.AlarmName, StateValue: 'INSUFFICIENT_DATA', StateReason: INITIAL_REASON }));
  }
  const evaluator = new TemplateAlarms({ Resources: resources } as never);

  let paused = false;
  let closed = false;
  let lastError: Error | undefined;
  const transitions: AlarmTransition[] = [];
  let running: Promise<void> = Promise.resolve();
  let inFlight = 0;
  const evaluateOnce = async () => {
    const evaluations = await evaluator.evaluate(cloudwatch);
    const current = await cloudwatch.send(new DescribeAlarmsCommand({ AlarmNames: names, AlarmTypes: ['MetricAlarm'] }));
    for (const evaluation of evaluations) {
      const now = current.MetricAlarms?.find((a) => a.AlarmName === evaluation.name)?.StateValue;
      if (now === evaluation.state) continue;
      const reason = `Threshold Crossed (lab evaluation): ${evaluation.reason}`.slice(0, 1023);
      await cloudwatch.send(new SetAlarmStateCommand({ AlarmName: evaluation.name, StateValue: evaluation.state, StateReason: reason }));
      transitions.push({ at: new Date(), name: evaluation.name, state: evaluation.state, reason });
    }
  };
  const evaluate = () => {
    inFlight++;
    running = running.then(evaluateOnce).finally(() => inFlight--).then(
      () => {
        lastError = undefined;
      },
      (err: Error) => {
        lastError = err;
      },
    );
    return running;
  };
  const beat = setInterval(() => {
    // A beat finds the previous evaluation still running: skip it, as a late beat.
    if (!paused && !closed && inFlight === 0) void evaluate();
  }, intervalMs);
  return {
    transitions,
    get lastError() {
      return lastError;
    },
    pause: () => {
      paused = true;
    },
    resume: () => {
      paused = false;
    },
    evaluate,
    async close() {
      closed = true;
      clearInterval(beat);
      await running;
    },
  };
}
