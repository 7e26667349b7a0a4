// The lab's side of each dns.mode: the estate set to switch clients that way (with what the
// mode needs started on 127.0.0.1), the mode's own view of where clients are sent (read as
// kafka-dr reads it: the record, the routing controls), and putting clients back on a
// cluster between rehearsals.
import { Route53Client } from '@aws-sdk/client-route-53';
import { parseEstateConfig } from '#src/config/parse';
import type { EstateConfig } from '#src/config/schema';
import { repointBootstrapRecord } from '#src/dns/bootstrap-record';
import { upsertSwitch, type ClientSwitch, type DnsMode } from '#src/dns/client-switch';
import { arcClientFactory, routingControlSwitch, switchRoutingControls, type RoutingControlSet } from '#src/dns/routing-controls';
import { startArcCluster, type ArcCluster } from './arc-cluster';

export interface LabClientSwitching {
  /** The estate, switching clients in this mode. */
  config: EstateConfig;
  clients: ClientSwitch;
  /** Clients sent to `cluster` again, without a failover. */
  reset(cluster: string, comment: string): Promise<void>;
  close(): Promise<void>;
}

/** An ARC cluster of the lab's own (`arc`, for fault injection), as an estate that takes an existing cluster, control panel and routing controls; clients start on the PRIMARY. */
export async function labArcSwitching(base: EstateConfig): Promise<LabClientSwitching & { arc: ArcCluster }> {
  const [primary, secondary] = Object.keys(base.dns.values) as [string, string];
  const arc = await startArcCluster({
    controlPanels: [{ name: `${base.estate}-kafka-dr`, routingControls: [{ name: primary, state: 'On' }, { name: secondary, state: 'Off' }] }],
    safetyRules: [{ name: `${base.estate}-kafka-dr-at-least-one-on`, controlPanel: `${base.estate}-kafka-dr`, assertedControls: [primary, secondary], ruleConfig: { type: 'ATLEAST', threshold: 1 } }],
  });
  const set: RoutingControlSet = {
    endpoints: arc.endpoints.map(({ url, region }) => ({ url, region })),
    routingControls: { [primary]: arc.routingControlArns[primary]!, [secondary]: arc.routingControlArns[secondary]! },
  };
  const config = parseEstateConfig(
    {
      ...base,
      dns: {
        ...base.dns,
        mode: 'arc-routing-control',
        arc: { clusterArn: `arn:aws:route53-recovery-control::123456789012:cluster/${base.estate}-lab`, controlPanelArn: arc.controlPanelArns[`${base.estate}-kafka-dr`], ...set },
      },
    },
    `the ${base.estate} estate, switching clients with the lab's ARC cluster`,
  );
  const clientFor = arcClientFactory();
  return {
    arc,
    config,
    clients: routingControlSwitch(config.dns, set, clientFor),
    reset: async (cluster) => void (await switchRoutingControls(set, clientFor, cluster)),
    close: () => arc.close(),
  };
}

/** The modes the drill rehearses; health-check mode has its lab test (test/lab/failover-health-check.test.ts), not a drill. */
export const DRILL_DNS_MODES = ['upsert', 'arc-routing-control'] as const satisfies readonly DnsMode[];
export type DrillDnsMode = (typeof DRILL_DNS_MODES)[number];

export async function labClientSwitching(base: EstateConfig, mode: DrillDnsMode): Promise<LabClientSwitching> {
  switch (mode) {
    case 'upsert': {
      const route53 = new Route53Client({});
      return {
        config: base,
        clients: upsertSwitch(base.dns, route53),
        reset: async (cluster, comment) => void (await repointBootstrapRecord(route53, base.dns, cluster, comment)),
        close: async () => undefined,
      };
    }
    case 'arc-routing-control':
      return labArcSwitching(base);
  }
}
