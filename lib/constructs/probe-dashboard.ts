// The estate's replication dashboard: per flow, freshness (RPO, heartbeat, canary), lag,
// the link (demand, replicated, capacity, headroom, catch-up ETA), reachability,
// checkpoints and the flow's alarms.
import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { Construct } from 'constructs';
import type { EstateConfig } from '#src/config/schema';
import { flowsOf, type Flow } from '#src/flow';
import { Metric, type MetricSpec } from '#src/metrics';
import type { FlowAlarms } from './probe-alarms';
import { probeMetric, type DimensionValues, type ProbeStatistic } from './probe-metrics';

const WIDTH = 8;
const HEIGHT = 6;

export interface ProbeDashboardProps {
  config: EstateConfig;
  /** The alarms of each configured flow, keyed by flow name. */
  alarms: Record<string, FlowAlarms>;
}

export class ProbeDashboard extends Construct {
  readonly dashboard: cloudwatch.Dashboard;

  constructor(scope: Construct, id: string, props: ProbeDashboardProps) {
    super(scope, id);
    const { config } = props;
    this.dashboard = new cloudwatch.Dashboard(this, 'Dashboard', {
      dashboardName: `${config.estate}-kafka-dr`,
      defaultInterval: Duration.hours(3),
    });
    this.dashboard.addWidgets(
      new cloudwatch.TextWidget({
        markdown:
          `# kafka-dr: estate ${config.estate}\nLiveness sampled every ${config.probes.liveness.sampleSeconds} s, replication probes every ${config.probes.rateMinutes} min. ` +
          'Metrics and alarms are described in docs/metrics-and-alarms.md.',
        width: 24,
        height: 2,
      }),
    );
    for (const flow of flowsOf(config)) {
      const alarms = props.alarms[flow.name];
      if (!alarms) throw new Error(`no alarms for flow ${flow.name}`);
      for (const row of flowRows(config, flow, alarms)) this.dashboard.addWidgets(...row);
    }
  }
}

function flowRows(config: EstateConfig, flow: Flow, alarms: FlowAlarms): cloudwatch.IWidget[][] {
  const t = config.probes.thresholds;
  const period = Duration.minutes(config.probes.rateMinutes);
  const { name } = flow;
  const metric = (spec: MetricSpec, label: string, statistic: ProbeStatistic = 'Maximum', dimensions: DimensionValues = { Flow: name }) =>
    probeMetric(spec, dimensions, { statistic, period, label });
  const graph = (title: string, left: cloudwatch.IMetric[], extra: Partial<cloudwatch.GraphWidgetProps> = {}) =>
    new cloudwatch.GraphWidget({ title: `${name}: ${title}`, left, width: WIDTH, height: HEIGHT, leftYAxis: { min: 0 }, ...extra });
  const limit = (value: number, label: string): cloudwatch.HorizontalAnnotation => ({ value, label, color: cloudwatch.Color.RED });

  return [
    [new cloudwatch.TextWidget({ markdown: `## Flow ${name} (${flow.source} to ${flow.target})`, width: 24, height: 1 })],
    [
      graph('RPO and unreplicated records', [metric(Metric.Rpo, 'RPO (s)')], {
        right: [metric(Metric.UnreplicatedRecords, 'unreplicated records')],
        rightYAxis: { min: 0 },
        leftAnnotations: [limit(t.rpoSeconds, `RPO alarm ${t.rpoSeconds} s`)],
      }),
      graph('heartbeat age and canary latency (s)', [metric(Metric.HeartbeatAge, 'heartbeat age'), metric(Metric.CanaryLatency, 'canary latency')], {
        leftAnnotations: [limit(t.heartbeatStaleSeconds, `heartbeat stale ${t.heartbeatStaleSeconds} s`)],
      }),
      graph('max partition lag (records)', [metric(Metric.MaxPartitionLag, 'max partition lag')]),
    ],
    [
      graph(
        'demand vs replicated vs link capacity (bytes/s)',
        [
          metric(Metric.DemandBytes, 'demand', 'Average'),
          metric(Metric.PeakDemandBytes, `peak demand (${config.probes.bandwidth.windowMinutes} min)`),
          metric(Metric.ReplicatedBytes, 'replicated', 'Average'),
          metric(Metric.LinkCapacity, 'link capacity', 'Average'),
        ],
      ),
      graph('headroom (capacity / peak demand)', [metric(Metric.Headroom, 'headroom', 'Minimum')], {
        leftAnnotations: [limit(t.minHeadroom, `min headroom ${t.minHeadroom}`), { value: 1, label: 'link saturated at peak', color: cloudwatch.Color.ORANGE }],
      }),
      // A backlog that never drains is published as NEVER_SECONDS: cap the axis so it
      // shows as off the chart instead of flattening everything else.
      graph('catch-up ETA (s)', [metric(Metric.CatchUpEta, 'catch-up ETA')], {
        leftYAxis: { min: 0, max: t.catchUpEtaSeconds * 4, label: 'off the chart: never drains' },
        leftAnnotations: [limit(t.catchUpEtaSeconds, `catch-up alarm ${t.catchUpEtaSeconds} s`)],
      }),
    ],
    [
      graph(
        'cluster reachable (1 = some probe reached it)',
        [flow.source, flow.target].map((cluster) => metric(Metric.ClusterReachable, cluster, 'Maximum', { Cluster: cluster })),
        { leftYAxis: { min: 0, max: 1 } },
      ),
      graph('stale checkpoint groups', [metric(Metric.StaleCheckpointGroups, 'groups with a stale checkpoint')]),
      new cloudwatch.AlarmStatusWidget({ title: `${name}: alarms`, alarms: alarms.all, width: WIDTH, height: HEIGHT }),
    ],
  ];
}
