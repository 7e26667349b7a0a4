// The control plane stack's name and outputs: a contract between the CDK app and the
// operator CLI, which finds the state machines and the failover state table through them.
// No CDK here.

export function controlPlaneStackName(estate: string): string {
  return `${estate}-kafka-dr-control-plane`;
}

export const ControlPlaneOutput = {
  FailoverStateMachineArn: 'FailoverStateMachineArn',
  FailoverStateTableName: 'FailoverStateTableName',
  BackupStateMachineArn: 'BackupStateMachineArn',
  RestoreStateMachineArn: 'RestoreStateMachineArn',
  BackupBucketName: 'BackupBucketName',
  /** The production checklist audit's function: kafka-dr audit invokes it. */
  AuditFunctionName: 'AuditFunctionName',
  /** What MM2 does not carry (ACLs, quotas, topic configs), written to a flow's target: kafka-dr sync invokes it. */
  DriftSyncFunctionName: 'DriftSyncFunctionName',
  /** dns.mode arc-routing-control: the ARC_ROUTING_CONTROLS value the failover's Lambdas get, for `kafka-dr status`. */
  ArcRoutingControls: 'ArcRoutingControls',
  /** dns.mode health-check: the ACTIVE_SIDE_HEALTH_CHECKS value the failover's Lambdas get, for `kafka-dr status`. */
  ActiveSideHealthChecks: 'ActiveSideHealthChecks',
} as const;

export type ControlPlaneOutputs = Partial<Record<keyof typeof ControlPlaneOutput, string>>;
