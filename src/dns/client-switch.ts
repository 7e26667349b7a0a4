// How a failover moves clients, per dns.mode, behind one interface: where clients are sent
// now, what a switch would write, the switch itself (a re-run changes nothing) and the
// read-back that says it took effect. The failover's DNS step, its preflight and
// `kafka-dr status` all see the active side through this. The upsert mode is here; the
// others are in their own modules (routing-controls.ts, active-side-switch.ts).
import type { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import type { Route53Client } from '@aws-sdk/client-route-53';
import type { EstateConfig } from '#src/config/schema';
import { activeSideSwitch } from './active-side-switch';
import { changeInSync, clusterOf, desiredRecord, holdsValues, readBootstrapRecord, recordDns, repointBootstrapRecord, type BootstrapRecord, type RecordDns } from './bootstrap-record';
import type { HealthCheckIds } from './health-check-status';
import { routingControlSwitch, type ArcClientFor, type RoutingControlSet } from './routing-controls';

type Dns = EstateConfig['dns'];
export type DnsMode = Dns['mode'];

export interface ClientSide {
  /** The cluster clients are sent to; null when the mode's state names none of the estate's. */
  cluster: string | null;
  mode: DnsMode;
  /** What was read, for people: the record's values or each routing control's state. */
  seen: string;
}

/** What a switch wrote (or would write). Plain JSON: it lands in the execution's state. */
export interface ClientSwitchResult {
  mode: DnsMode;
  cluster: string;
  /** False when clients were already sent there: nothing was written. */
  changed: boolean;
  /** The Route 53 change to follow to INSYNC (upsert); null when there is none to wait for. */
  changeId: string | null;
  before: unknown;
  after: unknown;
  /** Where the write went, and which endpoints failed before it (arc-routing-control). */
  endpoint?: string;
  failures?: unknown[];
  /** The exact write, when the mode's before/after are its effect (health-check: the PutMetricData). */
  writes?: unknown;
}

export interface Settled {
  settled: boolean;
  /** What the read-back found, once settled. */
  readBack?: unknown;
  /** Set when the read-back contradicts the switch: another writer changed it. */
  contradiction?: string;
  /** While not settled: what the switch is waiting for, for people. */
  pending?: string;
}

export interface ClientSwitch {
  readonly mode: DnsMode;
  side(): Promise<ClientSide>;
  preview(cluster: string): Promise<{ before: unknown; after: unknown; writes?: unknown }>;
  switchTo(cluster: string, comment: string): Promise<ClientSwitchResult>;
  settled(cluster: string, switched: Pick<ClientSwitchResult, 'changeId'>): Promise<Settled>;
}

export function upsertSwitch(dns: RecordDns, route53: Route53Client): ClientSwitch {
  const describe = (record: BootstrapRecord | null) => `bootstrap record ${dns.recordName} ${record ? `-> ${record.values.join(', ')}` : 'absent'}`;
  return {
    mode: 'upsert',
    async side() {
      const record = await readBootstrapRecord(route53, dns);
      return { cluster: clusterOf(dns, record), mode: 'upsert', seen: describe(record) };
    },
    async preview(cluster) {
      return { before: await readBootstrapRecord(route53, dns), after: desiredRecord(dns, cluster) };
    },
    async switchTo(cluster, comment) {
      const repoint = await repointBootstrapRecord(route53, dns, cluster, comment);
      return { mode: 'upsert', cluster, changed: repoint.changeId !== null, changeId: repoint.changeId, before: repoint.before, after: repoint.after };
    },
    async settled(cluster, { changeId }) {
      if (changeId && !(await changeInSync(route53, changeId))) return { settled: false };
      const record = await readBootstrapRecord(route53, dns);
      const want = desiredRecord(dns, cluster);
      if (!holdsValues(record, want.values)) {
        return { settled: true, readBack: record, contradiction: `${describe(record)} after the change, expected ${want.values.join(', ')}: another writer changed it; check the hosted zone ${dns.hostedZoneId}` };
      }
      return { settled: true, readBack: record };
    },
  };
}

export interface ClientSwitchApis {
  route53: Route53Client;
  /** CloudWatch in the control plane's region; used only in health-check mode. */
  cloudwatch: CloudWatchClient;
  /** Read only in arc-routing-control mode. */
  routingControlSet: () => RoutingControlSet;
  arcClientFor: ArcClientFor;
  /** Read only in health-check mode. */
  healthCheckIds: () => HealthCheckIds;
}

/** The switch dns.mode names, of the record of `home`'s clients (null: the estate's one record). */
export function clientSwitchOf(config: Pick<EstateConfig, 'estate' | 'dns'>, apis: ClientSwitchApis, home: string | null = null): ClientSwitch {
  const { dns } = config;
  switch (dns.mode) {
    case 'upsert':
      return upsertSwitch(recordDns(dns, home), apis.route53);
    case 'arc-routing-control':
      return routingControlSwitch(dns, apis.routingControlSet(), apis.arcClientFor);
    case 'health-check':
      return activeSideSwitch(config, apis);
  }
}
