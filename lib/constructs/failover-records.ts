// The two failover records of dns.recordName that the health-checked client switching modes
// (arc-routing-control, health-check) publish: the first cluster of dns.values PRIMARY, the
// second SECONDARY, each behind a health check of its own. Route 53 answers with the PRIMARY
// while its health check is healthy, else with the SECONDARY if healthy, else with the
// PRIMARY (it fails open). What each health check follows is the mode's.
import * as route53 from 'aws-cdk-lib/aws-route53';
import type { Construct } from 'constructs';
import type { EstateConfig } from '#src/config/schema';
import { singleRecordName } from '#src/dns/bootstrap-record';

export interface ClusterHealthCheck {
  /** The health check's construct id: a change of it replaces the health check. */
  id: string;
  config: route53.CfnHealthCheck.HealthCheckConfigProperty;
}

export interface FailoverRecords {
  healthChecks: Record<string, route53.CfnHealthCheck>;
  records: Record<string, route53.CfnRecordSet>;
  /** Each cluster's health check id (a token). */
  healthCheckIds: Record<string, string>;
}

export function failoverRecords(scope: Construct, config: EstateConfig, healthCheckOf: (cluster: string) => ClusterHealthCheck): FailoverRecords {
  const { dns, estate } = config;
  const out: FailoverRecords = { healthChecks: {}, records: {}, healthCheckIds: {} };
  Object.entries(dns.values).forEach(([cluster, values], i) => {
    const { id, config: healthCheckConfig } = healthCheckOf(cluster);
    const healthCheck = new route53.CfnHealthCheck(scope, id, {
      healthCheckConfig,
      healthCheckTags: [{ key: 'Name', value: `${estate}-kafka-dr-${cluster}` }],
    });
    out.healthChecks[cluster] = healthCheck;
    out.healthCheckIds[cluster] = healthCheck.attrHealthCheckId;
    out.records[cluster] = new route53.CfnRecordSet(scope, `Record-${cluster}`, {
      hostedZoneId: dns.hostedZoneId,
      name: singleRecordName(dns),
      type: dns.type,
      ttl: String(dns.ttl),
      resourceRecords: [...values],
      setIdentifier: cluster,
      failover: i === 0 ? 'PRIMARY' : 'SECONDARY',
      healthCheckId: healthCheck.attrHealthCheckId,
    });
  });
  return out;
}
