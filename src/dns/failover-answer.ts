// Which failover record Route 53 answers with (the health-checked client switching modes,
// arc-routing-control and health-check): the first cluster of dns.values holds the PRIMARY
// record, the second the SECONDARY.
import type { EstateConfig } from '#src/config/schema';

/**
 * The cluster Route 53 answers with: the PRIMARY record's (the first of dns.values) while
 * its health check is healthy, else the SECONDARY's if healthy, and the PRIMARY's again when
 * neither is (Route 53 fails open).
 */
export function failoverAnswer(dns: EstateConfig['dns'], healthy: (cluster: string) => boolean): string {
  const [primary, secondary] = Object.keys(dns.values) as [string, string | undefined];
  if (healthy(primary)) return primary;
  return secondary && healthy(secondary) ? secondary : primary;
}

