// Where the lab's clients are sent, and putting the lab back where a rehearsal starts. The
// emulator serves no DNS: the record is read through the Route 53 API, as a resolver would.
import type { Route53Client } from '@aws-sdk/client-route-53';
import { ConnectClient } from '#src/connect/client';
import { bootstrapRecords, clusterOf, readBootstrapRecord, recordDns, repointBootstrapRecord } from '#src/dns/bootstrap-record';
import type { EstateConfig } from '#src/config/schema';

/** The cluster the bootstrap record of `home`'s clients (null: the one record) points at; null when it points at none of the estate's. */
export async function recordCluster(route53: Route53Client, config: EstateConfig, home: string | null = null): Promise<string | null> {
  return clusterOf(config.dns, await readBootstrapRecord(route53, recordDns(config.dns, home)));
}

/** Every flow's MM2 connectors resumed (a failover paused or stopped them). */
export async function resumeReplication(config: EstateConfig): Promise<void> {
  for (const flow of config.flows) {
    const connect = new ConnectClient(flow.mm2.connectUrl);
    for (const connector of Object.values(flow.mm2.connectors)) await connect.resume(connector).catch(() => undefined);
  }
}

/** Replication resumed and the record back on `cluster`; per-datacenter records each back on their own datacenter. */
export async function resetReplication(route53: Route53Client, config: EstateConfig, cluster: string, comment: string): Promise<void> {
  await resumeReplication(config);
  for (const { home } of bootstrapRecords(config.dns)) await repointBootstrapRecord(route53, recordDns(config.dns, home), home ?? cluster, comment);
}
