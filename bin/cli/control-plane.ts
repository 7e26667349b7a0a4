// What the operator commands need from a control plane: the deployed one (AWS, found through
// the stack's outputs) or the lab's standing one (--local). Commands are written once
// against this; only how an execution runs and where alarms come from differ.
import type { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import type { Command } from 'commander';
import type { FlowAudit } from '#src/audit/audit';
import type { SyncRequest, SyncResult } from '#src/drift/sync-target';
import type { ClientSwitch } from '#src/dns/client-switch';
import type { FailoverState } from '#src/failover/failover-state';
import type { EstateConfig } from '#src/config/schema';

export type WorkflowName = 'failover' | 'backup' | 'restore';

/** A Task or Map state of an execution entered, left, or an attempt of it failed (then retried, or left through a catcher). */
export interface StepEvent {
  state: string;
  event: 'entered' | 'exited' | 'failed' | 'retried';
  /** Epoch milliseconds. */
  at: number;
  error?: string;
}

export interface ExecutionOutcome {
  executionName: string;
  status: 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'ABORTED';
  output?: unknown;
  error?: string;
  cause?: string;
}

export interface AlarmState {
  name: string;
  state: string;
  reason: string;
}

export interface ControlPlane {
  config: EstateConfig;
  /** For messages: "stack payments-kafka-dr-control-plane in eu-west-1", "the local lab". */
  where: string;
  cloudwatch: CloudWatchClient;
  /** How a failover moves the clients of `home` (dns.mode; null: the estate's one record), read by status. */
  clients: (home: string | null) => ClientSwitch;
  failoverState: FailoverState;
  /** Every kafka-dr alarm of the estate and its state. */
  alarms(): Promise<AlarmState[]>;
  /** Runs the flow's production checklist audit (the scheduled function, invoked now) and returns its findings. */
  audit(flow: string): Promise<FlowAudit>;
  /** Writes to a flow's target one kind of what MM2 does not carry (the drift sync function, invoked now). */
  syncDrift(request: SyncRequest): Promise<SyncResult>;
  /** The lab has no schedule: its probes run once before status reads their metrics. Absent when deployed. */
  probe?(): Promise<string[]>;
  /** Where the backup workflow writes: the stack output BackupBucketName and the bucket's region. Throws when the estate configures no backup. */
  backupBucket(): { name: string; region?: string };
  /** Starts the workflow's execution (or finds the one of that name and input) and follows it to its end. */
  execute(workflow: WorkflowName, input: unknown, executionName: string, onStep: (step: StepEvent) => void): Promise<ExecutionOutcome>;
}

export interface ControlPlaneOptions {
  config?: string;
  local?: boolean;
}

/** The options naming a control plane, which every command talking to one takes, with --json. */
export function controlPlaneOptions(command: Command): Command {
  return command
    .option('--config <file>', 'the estate file the control plane was deployed from (its stack outputs locate the workflows, the state table and the backup bucket; AWS credentials as usual)')
    .option('--local', 'the local lab\'s control plane (npm run lab:up), instead of a deployed one; needs a clone of kafka-dr with its dev dependencies')
    .option('--json', 'print the outcome as JSON on stdout (progress stays on stderr)');
}

/** The control plane the options name: `--local`, or the stack deployed from `--config FILE`. */
export async function controlPlaneOf(opts: ControlPlaneOptions): Promise<ControlPlane> {
  if (opts.local) return (await import('./local')).localControlPlaneAccess();
  if (!opts.config) throw new UsageError('name the estate file the control plane was deployed from (--config FILE), or use --local for the lab');
  return (await import('./deployed')).deployedControlPlane(opts.config);
}

/** Bad command-line use: exit code 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}
