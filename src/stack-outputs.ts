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
} as const;

export type ControlPlaneOutputs = Partial<Record<keyof typeof ControlPlaneOutput, string>>;
