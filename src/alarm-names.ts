// Alarm names are a contract between the CDK alarms and the Lambdas that react to them
// (the failover trigger), so they live here, free of CDK.
import { flowSafeName, type FlowConfig } from '#src/config/schema';

/** `${estate}-kafka-dr-dc1-to-dc2-${what}`: every kafka-dr alarm name has this shape. */
export function flowAlarmName(estate: string, flow: Pick<FlowConfig, 'source' | 'target'>, what: string): string {
  return `${estate}-kafka-dr-${flowSafeName(flow)}-${what}`;
}

/** The composite alarm that says the flow's source (the primary) is gone. */
export function primaryDownAlarmName(estate: string, flow: Pick<FlowConfig, 'source' | 'target'>): string {
  return flowAlarmName(estate, flow, 'primary-down');
}

/**
 * dns.mode health-check: the alarm that is OK while `cluster` is the side clients must use
 * (its ActiveSide is 1) and in ALARM while it is not. The health check of the cluster's
 * failover record follows it. It is the switch, not an alert: the passive side's is always in ALARM.
 */
export function activeSideAlarmName(estate: string, cluster: string): string {
  return `${estate}-kafka-dr-${cluster}-not-active`;
}
