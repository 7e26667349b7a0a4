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
import { livenessPeriodSeconds, SAMPLE_TIMEOUT_SECONDS } from '#src/probes/liveness-cadence';
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
/** The audit runs hourly: settings drift slowly, and a run reads every topic of both clusters. */
export const AUDIT_PERIOD_SECONDS = 3600;

export type FlowAlarmKey =
  | 'rpoHigh'
  | 'heartbeatStale'
  | 'canaryStale'
  | 'sourceUnreachable'
  | 'headroomLow'
  | 'catchUpSlow'
  | 'checkpointsStale'
  | 'auditCritical'
  | 'failoverNotReady';

export interface FlowAlarmDefinition {
  /** The last part of the alarm name: `${estate}-kafka-dr-${flow}-${suffix}`. */
  suffix: string;
  metric: MetricSpec;
  dimensions: DimensionValues;
  statistic: ProbeStatistic;
  comparison: 'above' | 'below';
  threshold: number;
  /** The liveness probe's high-resolution period for the alarms feeding primary-down, the probe rate for the others. */
  periodSeconds: number;
  /** Evaluation periods; every one of them must breach (N of N). */
  periods: number;
  treatMissingData: cloudwatch.TreatMissingData;
  description: string;
}

/** What each alarm watches and when it fires, for one flow. Pure: no constructs. */
export function flowAlarmDefinitions(config: EstateConfig, flow: Flow): Record<FlowAlarmKey, FlowAlarmDefinition> {
  const t = config.probes.thresholds;
  const rate = config.probes.rateMinutes;
  const probePeriod = rate * 60;
  const livenessPeriod = livenessPeriodSeconds(config.probes.liveness.sampleSeconds);
  const { name, source, target } = flow;
  const onFlow = { Flow: name };
  const span = (periods: number) => `${periods} consecutive probe period(s) of ${rate} min`;
  const livenessSpan = (periods: number) => `${periods} consecutive period(s) of ${livenessPeriod} s (liveness samples every ${config.probes.liveness.sampleSeconds} s)`;
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
      periodSeconds: probePeriod,
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
      // One period is enough: MM2 heartbeats every second, so a stale one means replication
      // stopped; and primary-down also needs source-unreachable, which one sample never raises.
      periodSeconds: livenessPeriod,
      periods: 1,
      treatMissingData: missing,
      description:
        `The newest MM2 heartbeat from ${source} on ${target} was older than ${t.heartbeatStaleSeconds} s in the last ${livenessPeriod} s: MM2 is not replicating ${name} ` +
        `(connector paused or failed, Connect workers down, or ${source} unreachable). Check the ${connectors} and the alarm ` +
        `${flowAlarmName(config.estate, flow, 'source-unreachable')}. ${primaryDown} No data (INSUFFICIENT_DATA) means the liveness probe could not ` +
        `read ${target}: see its logs.`,
    },
    canaryStale: {
      suffix: 'canary-stale',
      metric: Metric.CanaryArrived,
      dimensions: onFlow,
      statistic: 'Maximum',
      comparison: 'below',
      threshold: 1,
      periodSeconds: probePeriod,
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
      // Maximum over a period holding two samples: a period counts only when no sample in it
      // reached the cluster, so one failed sample cannot feed a failover.
      statistic: 'Maximum',
      comparison: 'below',
      threshold: 1,
      periodSeconds: livenessPeriod,
      periods: t.unreachablePeriods,
      // A probe that cannot publish (crashing, no network) must not look healthy.
      treatMissingData: cloudwatch.TreatMissingData.BREACHING,
      description:
        `No liveness sample reached ${source} (a metadata request within ${SAMPLE_TIMEOUT_SECONDS} s) for ${livenessSpan(t.unreachablePeriods)}, ` +
        `or the liveness probe published nothing (missing data counts as unreachable). Check ${source}'s brokers, the network path from the ` +
        `control plane VPC, the cluster's credentials secret and the liveness probe's logs. With heartbeat-stale or canary-stale in alarm this ` +
        `raises ${primaryDownAlarmName(config.estate, flow)}.`,
    },
    headroomLow: {
      suffix: 'headroom-low',
      metric: Metric.Headroom,
      dimensions: onFlow,
      statistic: 'Minimum',
      comparison: 'below',
      threshold: t.minHeadroom,
      periodSeconds: probePeriod,
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
      periodSeconds: probePeriod,
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
      periodSeconds: probePeriod,
      periods: 1,
      treatMissingData: missing,
      description:
        `At least one consumer group's newest MM2 checkpoint for ${name} is older than ${t.checkpointStaleSeconds} s: after an unplanned ` +
        `failover that group would resume on ${target} from an older offset and re-read more records. CheckpointAge per Group shows which; ` +
        `check ${flow.mm2.connectors.checkpoint} on ${flow.mm2.connectUrl} and its groups filter.`,
    },
    auditCritical: {
      suffix: 'audit-critical',
      metric: Metric.AuditFindings,
      dimensions: { ...onFlow, Severity: 'critical' },
      statistic: 'Maximum',
      comparison: 'above',
      threshold: 0,
      periodSeconds: AUDIT_PERIOD_SECONDS,
      periods: 1,
      treatMissingData: missing,
      description:
        `The production checklist audit of ${name} found something that would make a failover lose data or fail ` +
        `(MM2 checkpoints off, records crossing unencrypted, replicas with fewer partitions than their source). ` +
        `The audit function's last result and log list each finding with its evidence and fix; \`kafka-dr audit --flow ${name}\` runs it now.`,
    },
    failoverNotReady: {
      suffix: 'failover-not-ready',
      metric: Metric.FailoverReady,
      dimensions: onFlow,
      statistic: 'Minimum',
      comparison: 'below',
      threshold: 1,
      periodSeconds: config.failover.readiness.rateMinutes * 60,
      periods: 1,
      // No data: the check has not run yet, or does not apply (${target} already serves the clients).
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      description:
        `The scheduled dry-run failover of ${name} (${config.failover.readiness.mode}) failed: a failover would not succeed today. ` +
        `\`kafka-dr status\` shows the first reason (also in the dry run's execution output and in the notification sent when readiness changed); ` +
        `fix it, then \`kafka-dr failover --flow ${name} --${config.failover.readiness.mode} --dry-run\` rehearses it now. Clears at the next check that succeeds.`,
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
    const definitions = flowAlarmDefinitions(config, flow);

    const alarms: Partial<Record<FlowAlarmKey, cloudwatch.Alarm>> = {};
    for (const [key, d] of Object.entries(definitions) as [FlowAlarmKey, FlowAlarmDefinition][]) {
      alarms[key] = new cloudwatch.Alarm(this, d.suffix, {
        alarmName: flowAlarmName(config.estate, flow, d.suffix),
        alarmDescription: d.description,
        metric: probeMetric(d.metric, d.dimensions, { statistic: d.statistic, period: Duration.seconds(d.periodSeconds) }),
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
  const unreachableFor = config.probes.thresholds.unreachablePeriods * livenessPeriodSeconds(config.probes.liveness.sampleSeconds);
  const what =
    `${source} looks down: no liveness sample reached it for ${unreachableFor} s ` +
    `AND replication to ${target} has stopped (heartbeat stale or canary not arriving). `;
  const action =
    config.failover.mode === 'automatic'
      ? `failover.mode is automatic: this alarm's state change starts an unplanned failover to ${target}. Follow the execution ` +
        `and its report; check ${source} before any failback.`
      : `failover.mode is notify-only: confirm ${source} is really lost (not only the control plane's path to it), then start the ` +
        `unplanned failover to ${target} manually.`;
  return what + action;
}
