// The control plane: everything that must keep running when the primary datacenter is
// gone. Deployed in the standby's region (controlPlane.region in the estate file).
import { CfnOutput, Duration, Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { ControlPlaneOutput } from '#src/stack-outputs';
import { estateSecretArns } from '#src/config/estate';
import type { EstateConfig } from '#src/config/schema';
import { acknowledgeLambdaDefaults, importEstateNetwork, KafkaDrFunction } from './constructs/kafka-dr-function';
import { BackupWorkflows } from './constructs/backup-workflows';
import { ActiveSideSwitching } from './constructs/active-side-switching';
import { ArcRoutingControl } from './constructs/arc-routing-control';
import type { BackupEstate } from './constructs/backup-vault';
import { FailoverWorkflow } from './constructs/failover-workflow';
import { ReplicationProbes } from './constructs/replication-probes';

export interface ControlPlaneStackProps extends StackProps {
  config: EstateConfig;
}

export class ControlPlaneStack extends Stack {
  readonly replicationStatus: KafkaDrFunction;
  /** `kafka-dr sync`: ACLs, quotas and topic configs written to a flow's target, on demand. */
  readonly driftSync: KafkaDrFunction;
  /** Watch: probes, alarms (incl. each flow's primary-down composite alarm) and dashboard. */
  readonly probes: ReplicationProbes;
  /** Fail over and fail back: the state machine, its trigger on each primary-down alarm, the lock. */
  readonly failover: FailoverWorkflow;
  /** dns.mode arc-routing-control: the routing controls a failover flips, their health checks and the failover records. */
  readonly arcRoutingControl?: ArcRoutingControl;
  /** dns.mode health-check: the ActiveSide alarms a failover switches, their health checks and the failover records. */
  readonly activeSideSwitching?: ActiveSideSwitching;
  /** Back up and restore (when the estate configures backup): the workflows, their schedule, the vault or access to it. */
  readonly backup?: BackupWorkflows;

  constructor(scope: Construct, id: string, props: ControlPlaneStackProps) {
    super(scope, id, props);
    const { config } = props;
    const network = importEstateNetwork(this, config);

    this.replicationStatus = new KafkaDrFunction(this, 'ReplicationStatus', {
      handlerDir: 'replication-status',
      description: 'Reports, per MM2 flow, the mirrored topics and the age of the newest heartbeat and checkpoints',
      config,
      network,
      secretArns: estateSecretArns(config),
      timeout: Duration.seconds(60),
    });

    this.driftSync = new KafkaDrFunction(this, 'DriftSync', {
      handlerDir: 'drift-sync',
      description: "Writes to a MM2 flow's target what MM2 does not carry from its source (ACLs, client quotas, replicas' topic configs) and reads it back",
      config,
      network,
      secretArns: estateSecretArns(config),
      timeout: Duration.seconds(60),
    });

    this.probes = new ReplicationProbes(this, 'Probes', { config, network });
    if (config.dns.mode === 'arc-routing-control') this.arcRoutingControl = new ArcRoutingControl(this, 'ClientSwitching', { config });
    if (config.dns.mode === 'health-check') this.activeSideSwitching = new ActiveSideSwitching(this, 'ActiveSideSwitching', { config });
    this.failover = new FailoverWorkflow(this, 'Failover', { config, network, clientSwitching: this.arcRoutingControl ?? this.activeSideSwitching });
    // What the operator CLI (`kafka-dr status|audit|sync|failover|failback|backup|restore`) reads.
    const output = (id: keyof typeof ControlPlaneOutput, value: string, description: string) => new CfnOutput(this, ControlPlaneOutput[id], { value, description });
    output('FailoverStateMachineArn', this.failover.stateMachine.stateMachineArn, 'the failover workflow: kafka-dr failover / failback start it');
    output('FailoverStateTableName', this.failover.stateTable.tableName, 'the failover lock and the active side: kafka-dr status reads it');
    output('AuditFunctionName', this.probes.audit.function.functionName, 'the production checklist audit: kafka-dr audit invokes it');
    output('DriftSyncFunctionName', this.driftSync.function.functionName, 'what MM2 does not carry, written to a flow\'s target: kafka-dr sync invokes it');
    if (this.arcRoutingControl) output('ArcRoutingControls', this.arcRoutingControl.setting, 'the ARC endpoints and each cluster\'s routing control (ARC_ROUTING_CONTROLS): kafka-dr status reads it');
    if (this.activeSideSwitching) {
      output('ActiveSideHealthChecks', this.activeSideSwitching.setting, "each cluster's CLOUDWATCH_METRIC health check (ACTIVE_SIDE_HEALTH_CHECKS): kafka-dr status reads it");
    }
    if (config.backup) {
      this.backup = new BackupWorkflows(this, 'Backup', { config: config as BackupEstate, network });
      output('BackupStateMachineArn', this.backup.backup.stateMachineArn, 'the backup workflow: kafka-dr backup now starts it');
      output('RestoreStateMachineArn', this.backup.restore.stateMachineArn, 'the restore workflow: kafka-dr restore starts it');
      output('BackupBucketName', this.backup.bucketName, 'the backup bucket: kafka-dr backups list|describe|validate read it');
    }

    acknowledgeLambdaDefaults(this);
  }
}
