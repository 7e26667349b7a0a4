// The failover workflow of the local control plane (lab/local-control-plane.ts: as the CDK
// app synthesizes it, its functions' bundles run as Lambda runs them), plus what tests read back: where the bootstrap record points,
// the connectors' states, and a client of the cluster a consumer reaching the record would
// get. `restore` puts the lab back for the next test: connectors resumed, record on dc1,
// no active side or lock recorded.
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { Route53Client } from '@aws-sdk/client-route-53';
import { DeleteCommand, DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Kafka } from 'kafkajs';
import { ConnectClient } from '#src/connect/client';
import { recordCluster as recordClusterOf, resetReplication } from '../../lab/bootstrap-record';
import type { EstateConfig } from '#src/config/schema';
import type { ExecutionState } from '#src/failover/execution-state';
import { committedOffsetList } from '#src/kafka/group-offsets';
import { partitionCounts } from '#src/kafka/partition-state';
import { consumeCommitting, produceContinuously } from '../../lab/traffic';
import { ensureTopic, eventually, labContext, uniqueName, type LabContext } from './lab';
import type { LabInfo } from '../../lab/estate';
import { localControlPlane, type LocalControlPlane } from '../../lab/local-control-plane';
import { retireReverseTopics, startReverseFlow, stopReverseFlow } from '../../lab/reverse-flow';
import type { LocalExecution, LocalWorkflow, RunOptions } from '../../lab/local-state-machine';

/** Waits until MM2 has created the topic's replica (default policy) on the target with all its partitions. */
export async function replicaCreated(ctx: LabContext, topic: string, partitions: number, flow = { source: 'dc1', target: 'dc2' }): Promise<void> {
  const admin = await ctx.adminFor(flow.target);
  const replica = `${flow.source}.${topic}`;
  await eventually(`${replica} on ${flow.target}`, async () => ((await partitionCounts(admin, [replica])).get(replica) === partitions ? true : undefined), 90_000, 500);
}

export interface FailoverRig {
  ctx: LabContext;
  /** The control plane the workflow runs in: its functions, and its resources as created in the lab. */
  plane: LocalControlPlane;
  config: EstateConfig;
  workflow: LocalWorkflow;
  /** The failover state table as created in the emulator. */
  stateTable: string;
  run(input: Record<string, unknown>, name?: string, options?: Pick<RunOptions, 'abortAfter'>): Promise<LocalExecution>;
  /** Invokes one of the control plane's functions (by handler directory) as Lambda would. */
  invoke(handlerDir: string, event: unknown): Promise<unknown>;
  /** The cluster the bootstrap record (of `home`'s clients, with dns.records) points at, read through the Route 53 API (the emulator serves no DNS). */
  recordCluster(home?: string | null): Promise<string | null>;
  /** A client of that cluster: what a consumer bootstrapping from the record reaches. */
  kafkaBehindRecord(home?: string | null): Promise<Kafka>;
  connectorStates(): Promise<Record<string, string>>;
  restore(): Promise<void>;
}

export async function failoverRig(config?: EstateConfig, options: Parameters<typeof localControlPlane>[1] = {}): Promise<FailoverRig> {
  const ctx = await labContext();
  const estate = config ?? ctx.config;
  const plane = await localControlPlane(estate, options);
  const workflow = plane.failover;
  const stateTable = plane.nameInLab(plane.stack.failover.stateTable, 'failover state table');
  const route53 = new Route53Client({});
  const documents = DynamoDBDocumentClient.from(new DynamoDBClient({}));
  const recordCluster = (home: string | null = null) => recordClusterOf(route53, estate, home);
  const connects = estate.flows.map((f) => ({ client: new ConnectClient(f.mm2.connectUrl), names: Object.values(f.mm2.connectors) }));
  return {
    ctx,
    plane,
    config: estate,
    workflow,
    stateTable,
    // Connect takes a few seconds to move tasks to PAUSED: that retry keeps its real pace.
    run: (input, name, options) => workflow.run(input, { ...options, name, waitTimeMs: 200, retryIntervalMs: { HaltReplication: 2000 } }),
    invoke: (handlerDir, event) => plane.invoke(handlerDir, event),
    recordCluster,
    async kafkaBehindRecord(home = null) {
      const cluster = await recordCluster(home);
      if (!cluster) throw new Error('the bootstrap record points at no configured cluster');
      return ctx.kafkaFor(cluster);
    },
    async connectorStates() {
      const states: Record<string, string> = {};
      for (const { client, names } of connects) {
        for (const name of names) {
          const status = await client.status(name).catch(() => undefined);
          if (status) states[name] = [status.connector.state, ...status.tasks.map((t) => t.state)].join(' ');
        }
      }
      return states;
    },
    async restore() {
      await resetReplication(route53, estate, 'dc1', 'kafka-dr lab test: back to dc1');
      for (const pk of ['active', 'lock', ...Object.keys(estate.dns.records ?? {}).map((home) => `active#${home}`)]) await documents.send(new DeleteCommand({ TableName: stateTable, Key: { pk } }));
    },
  };
}

/**
 * A rig over both flows of the lab, dc2 -> dc1 started with no backlog from earlier runs on
 * this lab, clients back home; `retire` stops that flow, deletes what it copied and puts the
 * lab back. `estate`: the two-way estate (withReverseFlow, activeActiveEstate).
 */
export async function twoWayRig(estate: (config: EstateConfig, lab: LabInfo) => EstateConfig): Promise<FailoverRig & { retire(): Promise<void> }> {
  const ctx = await labContext();
  await retireReverseTopics(ctx.config, ctx.lab);
  await startReverseFlow();
  const rig = await failoverRig(estate(ctx.config, ctx.lab));
  await rig.restore();
  return {
    ...rig,
    async retire() {
      await stopReverseFlow();
      await retireReverseTopics(ctx.config, ctx.lab);
      await rig.restore();
    },
  };
}

/** The execution input the synthesized readiness schedule of `flow` starts the failover state machine with. */
export function scheduledInput(rig: Pick<FailoverRig, 'plane'>, flow: string): Record<string, unknown> {
  const machine = rig.plane.stack.getLogicalId(rig.plane.stack.failover.stateMachine.node.defaultChild as never);
  const inputs = Object.values(rig.plane.template.Resources)
    .filter((r) => r.Type === 'AWS::Events::Rule' && r.Properties?.ScheduleExpression)
    .flatMap((r) => (r.Properties!.Targets as { Arn: { Ref?: string }; Input: string }[]).filter((t) => t.Arn.Ref === machine).map((t) => JSON.parse(t.Input) as Record<string, unknown>));
  const input = inputs.find((i) => i.flow === flow);
  if (!input) throw new Error(`no readiness schedule for ${flow} in the template`);
  return input;
}

/** The report ReportFailure published for a failed execution (a failed execution has no output). */
export function failureReport(execution: LocalExecution): any {
  const exited = execution.events.find((e) => e.type === 'StateExited' && e.state.name === 'ReportFailure');
  if (!exited || exited.type !== 'StateExited') throw new Error(`ReportFailure did not run: ${execution.states.join(' > ')}`);
  return (exited.state.output as any).report;
}

/** The state machine's input to a state (the execution state a step received), from the execution's events. */
export function inputOf(execution: LocalExecution, state: string): ExecutionState {
  const entered = execution.events.findLast((e) => e.type === 'StateEntered' && e.state.name === state);
  if (!entered || entered.type !== 'StateEntered') throw new Error(`the execution never entered ${state}: ${execution.states.join(' > ')}`);
  return entered.state.input as unknown as ExecutionState;
}

/**
 * An application on dc1, stopped: a topic of two partitions written (producers stopped), read
 * in part by a consumer group that committed (consumers stopped), and replicated to dc2.
 */
export async function stoppedApplication(ctx: LabContext, prefix: string) {
  const topic = uniqueName(prefix);
  const group = uniqueName(`${prefix}-app`);
  const dc1 = await ctx.kafkaFor('dc1');
  await ensureTopic(await ctx.adminFor('dc1'), topic, 2);
  const producing = await produceContinuously(dc1, topic, prefix);
  await producing.atLeast(200);
  await producing.stop();
  await replicaCreated(ctx, topic, 2);
  const reading = await consumeCommitting(dc1, group, [topic]);
  await reading.until(120);
  await reading.stop();
  return { topic, group, ledger: producing.ledger, consumed: reading.consumed };
}

/** The group's committed offsets of `topic` on `cluster`, [partition, offset] sorted: where it resumes there. */
export async function groupOffsets(ctx: LabContext, cluster: string, group: string, topic: string): Promise<[number, bigint][]> {
  return (await committedOffsetList(await ctx.adminFor(cluster), [group])).filter((c) => c.topic === topic).map((c): [number, bigint] => [c.partition, c.offset]).sort();
}
