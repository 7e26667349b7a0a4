// What Route 53's health checkers report for the failover records' health checks (dns.mode
// health-check): GetHealthCheckStatus, one HealthCheckObservation per health checker, each with
// a StatusReport (Route 53 API reference: GetHealthCheckStatus, HealthCheckObservation,
// StatusReport). StatusReport.Status is a description that starts with "Success" or "Failure";
// a health check counts as healthy when most observations report Success.
//
// This is Route 53's API, served from its control plane in us-east-1: the mode never writes
// to it and reads it only to confirm that a switch has reached the health checks. The API
// reference calls GetHealthCheckStatus a diagnostic call, not for high query rates: one call
// per health check per poll of the failover's Wait loop, each bounded in time.
import { GetHealthCheckStatusCommand, type HealthCheckObservation, type Route53Client } from '@aws-sdk/client-route-53';
import * as z from 'zod';
import { ACTIVE_SIDE_HEALTH_CHECKS } from '#src/environment';
import { parseJsonSetting } from '#src/json-setting';

/** Each cluster's health check id. */
export type HealthCheckIds = Record<string, string>;

const healthCheckIdsSchema = z.record(z.string().min(1), z.string().min(1).max(64));

export function parseHealthCheckIds(json: string): HealthCheckIds {
  return parseJsonSetting(ACTIVE_SIDE_HEALTH_CHECKS, json, healthCheckIdsSchema);
}

/** The id of `cluster`'s health check; throws when the setting has none. */
export function healthCheckIdOf(ids: HealthCheckIds, cluster: string): string {
  const id = ids[cluster];
  if (!id) throw new Error(`${ACTIVE_SIDE_HEALTH_CHECKS.name} has no health check for ${cluster} (it has ${Object.keys(ids).join(', ') || 'none'}): redeploy the control plane after adding ${cluster} to dns.values`);
  return id;
}

export interface HealthCheckView {
  id: string;
  /** Null until a health checker has reported. */
  healthy: boolean | null;
  successes: number;
  observations: number;
  /** One report, for people. */
  status?: string;
}

/** Healthy when most observations report Success; null when there is none. */
export function healthOf(observations: HealthCheckObservation[]): Pick<HealthCheckView, 'healthy' | 'successes' | 'observations' | 'status'> {
  const successes = observations.filter((o) => o.StatusReport?.Status?.startsWith('Success')).length;
  const healthy = observations.length === 0 ? null : successes * 2 > observations.length;
  const status = observations.find((o) => o.StatusReport?.Status?.startsWith(healthy ? 'Success' : 'Failure'))?.StatusReport?.Status;
  return { healthy, successes, observations: observations.length, ...(status ? { status } : {}) };
}

/** How long one GetHealthCheckStatus may take before the read counts as failed. */
const READ_TIMEOUT_MS = 5000;

export async function readHealthCheck(route53: Route53Client, id: string): Promise<HealthCheckView> {
  const out = await route53.send(new GetHealthCheckStatusCommand({ HealthCheckId: id }), { abortSignal: AbortSignal.timeout(READ_TIMEOUT_MS) });
  return { id, ...healthOf(out.HealthCheckObservations ?? []) };
}
