// The Route 53 bootstrap record clients connect through: read it, repoint it to a
// cluster's value (UPSERT, skipped when it already points there, so a re-run changes
// nothing), and follow the change until Route 53 reports it INSYNC. Waiting between
// polls is the caller's (a Step Functions Wait state), never a sleep here.
import {
  ChangeResourceRecordSetsCommand,
  GetChangeCommand,
  ListResourceRecordSetsCommand,
  type ResourceRecordSet,
  type Route53Client,
} from '@aws-sdk/client-route-53';
import type { EstateConfig } from '#src/config/schema';

type Dns = EstateConfig['dns'];

/** Whose clients a bootstrap record serves: one datacenter's own (dns.records), or all clients (dns.recordName, home null). */
export interface ClientsRecord {
  home: string | null;
  name: string;
}

/** The estate's bootstrap records: its one record, or one per datacenter. */
export function bootstrapRecords(dns: Dns): ClientsRecord[] {
  if (dns.records) return Object.entries(dns.records).map(([home, name]) => ({ home, name }));
  return [{ home: null, name: singleRecordName(dns) }];
}

/** The one record of an estate without dns.records (the schema requires one or the other). */
export function singleRecordName(dns: Pick<Dns, 'recordName'>): string {
  if (dns.recordName === undefined) throw new Error('the estate has per-datacenter records (dns.records), not one dns.recordName');
  return dns.recordName;
}

/** The DNS settings of one record: what reading and repointing it take. */
export type RecordDns = Pick<Dns, 'hostedZoneId' | 'type' | 'ttl' | 'values'> & { recordName: string };

/** The settings of the record of `home`'s clients (null: the one record). */
export function recordDns(dns: Dns, home: string | null): RecordDns {
  const name = home === null ? singleRecordName(dns) : dns.records?.[home];
  if (name === undefined) throw new Error(`no bootstrap record for ${home}'s clients: add dns.records.${home} to the estate file`);
  return { hostedZoneId: dns.hostedZoneId, type: dns.type, ttl: dns.ttl, values: dns.values, recordName: name };
}

export interface BootstrapRecord {
  name: string;
  type: string;
  ttl: number | null;
  values: string[];
}

export interface Repoint {
  cluster: string;
  before: BootstrapRecord | null;
  after: BootstrapRecord;
  /** null when the record already pointed at the cluster: nothing was written. */
  changeId: string | null;
}

const fqdn = (name: string) => (name.endsWith('.') ? name : `${name}.`);

/** The record as it must read when `cluster` is the active side. */
export function desiredRecord(dns: RecordDns, cluster: string): BootstrapRecord {
  const values = dns.values[cluster];
  if (!values) throw new Error(`no DNS value for cluster ${cluster}: add dns.values.${cluster} to the estate file`);
  return { name: fqdn(dns.recordName), type: dns.type, ttl: dns.ttl, values: [...values] };
}

/** Whether the record holds exactly `values`, in any order. */
export const holdsValues = (record: BootstrapRecord | null, values: string[]) =>
  record !== null && JSON.stringify([...record.values].sort()) === JSON.stringify([...values].sort());

/** The cluster whose configured value the record holds, or null (absent, or pointing elsewhere). */
export function clusterOf(dns: Pick<Dns, 'values'>, record: BootstrapRecord | null): string | null {
  return Object.entries(dns.values).find(([, values]) => holdsValues(record, values))?.[0] ?? null;
}

export async function readBootstrapRecord(route53: Route53Client, dns: RecordDns): Promise<BootstrapRecord | null> {
  const out = await route53.send(
    new ListResourceRecordSetsCommand({ HostedZoneId: dns.hostedZoneId, StartRecordName: dns.recordName, StartRecordType: dns.type, MaxItems: 1 }),
  );
  const found: ResourceRecordSet | undefined = out.ResourceRecordSets?.find((r) => r.Name === fqdn(dns.recordName) && r.Type === dns.type);
  if (!found) return null;
  return { name: fqdn(dns.recordName), type: dns.type, ttl: found.TTL ?? null, values: (found.ResourceRecords ?? []).flatMap((r) => (r.Value ? [r.Value] : [])) };
}

const samePointing = (a: BootstrapRecord | null, b: BootstrapRecord) =>
  a !== null && a.ttl === b.ttl && holdsValues(a, b.values);

export async function repointBootstrapRecord(route53: Route53Client, dns: RecordDns, cluster: string, comment: string): Promise<Repoint> {
  const after = desiredRecord(dns, cluster);
  const before = await readBootstrapRecord(route53, dns);
  if (samePointing(before, after)) return { cluster, before, after, changeId: null };
  const out = await route53.send(
    new ChangeResourceRecordSetsCommand({
      HostedZoneId: dns.hostedZoneId,
      ChangeBatch: {
        Comment: comment,
        Changes: [{ Action: 'UPSERT', ResourceRecordSet: { Name: after.name, Type: dns.type, TTL: dns.ttl, ResourceRecords: after.values.map((Value) => ({ Value })) } }],
      },
    }),
  );
  const changeId = out.ChangeInfo?.Id;
  if (!changeId) throw new Error(`Route 53 accepted the change of ${after.name} in zone ${dns.hostedZoneId} but returned no change id to follow`);
  return { cluster, before, after, changeId };
}

export async function changeInSync(route53: Route53Client, changeId: string): Promise<boolean> {
  const out = await route53.send(new GetChangeCommand({ Id: changeId }));
  return out.ChangeInfo?.Status === 'INSYNC';
}
