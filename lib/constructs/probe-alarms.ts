// The alarms on one replication flow, from the metrics the probes publish and the
// thresholds in the estate file, plus the composite "primary down" alarm the failover
// workflow starts from. docs/metrics-and-alarms.md describes each one for operators.
import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { Construct } from 'constructs';
import { CANARY_TOPIC, type EstateConfig, type FlowConfig } from '#src/config/schema';
import type { Flow } from '#src/flow';
import { flowAlarmName, primaryDownAlarmName } from '#src/alarm-names';
import { Metric, NEVER_SECONDS, type MetricSpec } from '#src/metrics';
import { probeMetric, type DimensionValues, type ProbeStatistic } from './probe-metrics';

/**
 * Periods a bandwidth alarm needs in a row: capacity is one timed transfer per period, so
 * a single low sample is noise; a link that stays short is not.
 */
const BANDWIDTH_PERIODS = 3;
/** One late canary is noise (a GC pause, a rebalance); two in a row is a stalled flow. */
const CANARY_PERIODS = 2;
/** As the issue sets it: RPO above the threshold in 2 of 2 periods. */
const RPO_PERIODS = 2;

export type FlowAlarmKey =
  | 'rpoHigh'
  | 'heartbeatStale'
  | 'canaryStale'
  | 'sourceUnreachable'
  | 'headroomLow'
  | 'catchUpSlow'
  | 'checkpointsStale';

export interface FlowAlarmDefinition {
  /** The last part of the alarm name: `${estate}-kafka-dr-${flow}-${suffix}`. */
  suffix: string;
  metric: MetricSpec;
  dimensions: DimensionValues;
  statistic: ProbeStatistic;
  comparison: 'above' | 'below';
  threshold: number;
  /** Evaluation periods; every one of them must breach (N of N). */
  periods: number;
  treatMissingData: cloudwatch.TreatMissingData;
  description: string;
}

/** What each alarm watches and when it fires, for one flow. Pure: no constructs. */
export function flowAlarmDefinitions(config: EstateConfig, flow: Flow): Record<FlowAlarmKey, FlowAlarmDefinition> {
  const t = config.probes.thresholds;
  const rate = config.probes.rateMinutes;
  const { name, source, target } = flow;
  const onFlow = { Flow: name };
  const span = (periods: number) => `${periods} consecutive probe period(s) of ${rate} min`;
  const connectors = `MM2 connectors on ${flow.mm2.connectUrl} (${flow.mm2.connectors.source}, ${flow.mm2.connectors.heartbeat})`;
  const missing = cloudwatch.TreatMissingData.MISSING;
  const primaryDown = `Part of the primary-down alarm ${primaryDownAlarmName(config.estate, flow)}.`;
  return {
    rpoHigh: {
      suffix: 'rpo-high',
      metric: Metric.Rpo,
      dimensions: onFlow,
      statistic: 'Maximum',
      comparison: 'above',
      threshold: t.rpoSeconds,
      periods: RPO_PERIODS,
      treatMissingData: missing,
      description:
        `RPO of ${name} above ${t.rpoSeconds} s for ${span(RPO_PERIODS)}: if ${source} were lost now, more than ${t.rpoSeconds} s of writes ` +
        `to the replicated topics would be lost. Check the ${connectors} for failed tasks, the link (Headroom, CatchUpEta on the dashboard) ` +
        `and the produce rate on ${source}. Do not start a planned switchover until RPO is back under the threshold.`,
    },
    heartbeatStale: {
      suffix: 'heartbeat-stale',
      metric: Metric.HeartbeatAge,
      dimensions: onFlow,
      statistic: 'Maximum',
      comparison: 'above',
      threshold: t.heartbeatStaleSeconds,
      periods: 1,
      treatMissingData: missing,
      description:
        `The newest MM2 heartbeat from ${source} on ${target} is older than ${t.heartbeatStaleSeconds} s: MM2 is not replicating ${name} ` +
        `(connector paused or failed, Connect workers down, or ${source} unreachable). Check the ${connectors} and the alarm ` +
        `${flowAlarmName(config.estate, flow, 'source-unreachable')}. ${primaryDown} No data (INSUFFICIENT_DATA) means the lag probe could not ` +
        `read ${target}: see its logs.`,
    },
    canaryStale: {
      suffix: 'canary-stale',
      metric: Metric.CanaryArrived,
      dimensions: onFlow,
      statistic: 'Maximum',
      comparison: 'below',
      threshold: 1,
      periods: CANARY_PERIODS,
      treatMissingData: missing,
      description:
        `The probe's canary record written to ${source} did not reach ${target} within ${t.canaryTimeoutSeconds} s for ${span(CANARY_PERIODS)}: ` +
        `records written to ${source} now are not arriving on ${target}. Check the ${connectors}, that MM2 replicates topic ${CANARY_TOPIC} and ${source}'s health. ` +
        primaryDown,
    },
    sourceUnreachable: {
      suffix: 'source-unreachable',
      metric: Metric.ClusterReachable,
      dimensions: { Cluster: source },
      // Maximum: only a period in which no probe reached the cluster counts, so one
      // failed metadata request cannot feed a failover.
      statistic: 'Maximum',
      comparison: 'below',
      threshold: 1,
      periods: t.unreachablePeriods,
      // A probe that cannot publish (crashing, no network) must not look healthy.
      treatMissingData: cloudwatch.TreatMissingData.BREACHING,
      description:
        `No probe reached ${source} (a metadata request within the probe timeout) for ${span(t.unreachablePeriods)}, ` +
        `or the probes published nothing (missing data counts as unreachable). Check ${source}'s brokers, the network path from the ` +
        `control plane VPC, the cluster's credentials secret and the lag probe's logs. With heartbeat-stale or canary-stale in alarm this ` +
        `raises ${primaryDownAlarmName(config.estate, flow)}.`,
    },
    headroomLow: {
      suffix: 'headroom-low',
      metric: Metric.Headroom,
      dimensions: onFlow,
      statistic: 'Minimum',
      comparison: 'below',
      threshold: t.minHeadroom,
      periods: BANDWIDTH_PERIODS,
      treatMissingData: missing,
      description:
        `Link capacity / peak demand of ${name} over the trailing ${config.probes.bandwidth.windowMinutes} min is below ${t.minHeadroom} ` +
        `for ${span(BANDWIDTH_PERIODS)}: the next demand peak can outgrow the link and RPO will rise. Add bandwidth between the ` +
        `datacenters, tune MM2 (tasks.max, producer batching and compression) or replicate fewer topics.`,
    },
    catchUpSlow: {
      suffix: 'catch-up-slow',
      metric: Metric.CatchUpEta,
      dimensions: onFlow,
      statistic: 'Maximum',
      comparison: 'above',
      threshold: t.catchUpEtaSeconds,
      periods: BANDWIDTH_PERIODS,
      treatMissingData: missing,
      description:
        `The replication backlog of ${name} would take more than ${t.catchUpEtaSeconds} s to drain at the measured capacity minus demand, ` +
        `for ${span(BANDWIDTH_PERIODS)} (${NEVER_SECONDS} s means it never drains: demand is at or above capacity). RPO keeps growing meanwhile. ` +
        `Check LinkCapacity, DemandBytes and ReplicatedBytes on the dashboard and the ${connectors}; reduce demand or add link capacity.`,
    },
    checkpointsStale: {
      suffix: 'checkpoints-stale',
      metric: Metric.StaleCheckpointGroups,
      dimensions: onFlow,
      statistic: 'Maximum',
      comparison: 'above',
      threshold: 0,
      periods: 1,
      treatMissingData: missing,
      description:
        `At least one consumer group's newest MM2 checkpoint for ${name} is older than ${t.checkpointStaleSeconds} s: after an unplanned ` +
        `failover that group would resume on ${target} from an older offset and re-read more records. CheckpointAge per Group shows which; ` +
        `check ${flow.mm2.connectors.checkpoint} on ${flow.mm2.connectUrl} and its groups filter.`,
    },
  };
}

export interface FlowAlarmsProps {
  config: EstateConfig;
  flow: Flow;
}

/** The alarms of one flow. */
export class FlowAlarms extends Construct {
  readonly alarms: Record<FlowAlarmKey, cloudwatch.Alarm>;
  /** Source unreachable AND (heartbeat stale OR canary stale). */
  readonly primaryDown: cloudwatch.CompositeAlarm;
  /** The composite alarm's name, as a plain string (for EventBridge patterns). */
  readonly primaryDownAlarmName: string;

  constructor(scope: Construct, id: string, props: FlowAlarmsProps) {
    super(scope, id);
    const { config, flow } = props;
    const period = Duration.minutes(config.probes.rateMinutes);
    const definitions = flowAlarmDefinitions(config, flow);

    const alarms: Partial<Record<FlowAlarmKey, cloudwatch.Alarm>> = {};
    for (const [key, d] of Object.entries(definitions) as [FlowAlarmKey, FlowAlarmDefinition][]) {
      alarms[key] = new cloudwatch.Alarm(this, d.suffix, {
        alarmName: flowAlarmName(config.estate, flow, d.suffix),
        alarmDescription: d.description,
        metric: probeMetric(d.metric, d.dimensions, { statistic: d.statistic, period }),
        threshold: d.threshold,
        comparisonOperator:
          d.comparison === 'above' ? cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD : cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
        evaluationPeriods: d.periods,
        datapointsToAlarm: d.periods,
        treatMissingData: d.treatMissingData,
      });
    }
    this.alarms = alarms as Record<FlowAlarmKey, cloudwatch.Alarm>;

    const inAlarm = (key: FlowAlarmKey) => cloudwatch.AlarmRule.fromAlarm(this.alarms[key], cloudwatch.AlarmState.ALARM);
    this.primaryDownAlarmName = primaryDownAlarmName(config.estate, flow);
    this.primaryDown = new cloudwatch.CompositeAlarm(this, 'primary-down', {
      compositeAlarmName: this.primaryDownAlarmName,
      alarmDescription: primaryDownDescription(config, flow),
      alarmRule: cloudwatch.AlarmRule.allOf(inAlarm('sourceUnreachable'), cloudwatch.AlarmRule.anyOf(inAlarm('heartbeatStale'), inAlarm('canaryStale'))),
    });
  }

  /** Every alarm of the flow, the composite first. */
  get all(): cloudwatch.IAlarm[] {
    return [this.primaryDown, ...Object.values(this.alarms)];
  }
}

function primaryDownDescription(config: EstateConfig, flow: FlowConfig): string {
  const { source, target } = flow;
  const what =
    `${source} looks down: unreachable from the control plane for ${config.probes.thresholds.unreachablePeriods} probe period(s) ` +
    `AND replication to ${target} has stopped (heartbeat stale or canary not arriving). `;
  const action =
    config.failover.mode === 'automatic'
      ? `failover.mode is automatic: this alarm's state change starts an unplanned failover to ${target}. Follow the execution ` +
        `and its report; check ${source} before any failback.`
      : `failover.mode is notify-only: confirm ${source} is really lost (not only the control plane's path to it), then start the ` +
        `unplanned failover to ${target} manually.`;
  return what + action;
}
