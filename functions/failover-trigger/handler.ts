// Target of the EventBridge rule on each flow's primary-down alarm ("CloudWatch Alarm State
// Change"): starts the unplanned failover execution the alarm calls for, or tells the
// on-call why it did not (notify-only mode, cooldown, already failed over, ...).
import { ExecutionAlreadyExists, SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { bootstrapRecords } from '#src/dns/bootstrap-record';
import { FAILOVER_STATE_MACHINE_ARN } from '#src/environment';
import { publishOutcome } from '#src/failover/notify';
import { decideOnAlarm } from '#src/failover/trigger';
import { requiredEnv } from '../runtime/env';
import { estateConfig } from '../runtime/estate-config';
import { failoverAws, failoverState, outcomeTarget } from '../runtime/failover-aws';
import { lambdaHandler, logger, tracer } from '../runtime/powertools';

const sfn = tracer.captureAWSv3Client(new SFNClient({}));

async function failoverTrigger(event: unknown) {
  const config = estateConfig();
  const state = failoverState();
  const actives = await Promise.all(bootstrapRecords(config.dns).map((r) => state.activeSide(r.home)));
  const decision = decideOnAlarm(event, config, actives.filter((a) => a !== null), new Date());
  if (decision.action === 'start') {
    const { executionName, input } = decision;
    try {
      const started = await sfn.send(
        new StartExecutionCommand({
          stateMachineArn: requiredEnv(FAILOVER_STATE_MACHINE_ARN),
          name: executionName,
          input: JSON.stringify(input),
        }),
      );
      logger.info('failover started', { executionName, executionArn: started.executionArn, flow: input.flow, reason: input.reason });
      return { action: 'started', executionName, executionArn: started.executionArn };
    } catch (err) {
      if (!(err instanceof ExecutionAlreadyExists)) throw err;
      // EventBridge delivers at least once: the execution for this state change already exists.
      // (Step Functions answers a repeat with the same input, while the execution runs, with
      // that same execution instead: no second failover either way.)
      logger.info('duplicate alarm event: failover already started for this state change', { executionName, flow: input.flow });
      return { action: 'duplicate', executionName };
    }
  }
  const flow = decision.flow ?? 'unknown flow';
  logger.warn('failover not started', { flow, why: decision.why });
  const published = await publishOutcome(
    failoverAws,
    outcomeTarget(),
    {
      executionName: decision.executionName ?? 'none',
      flow,
      mode: 'unplanned',
      dryRun: false,
      status: 'REFUSED',
      summary: `${flow}: automatic failover not started: ${decision.why}`,
      report: { why: decision.why, event },
    },
  );
  return { action: 'notified', why: decision.why, ...published };
}

export const handler = lambdaHandler(failoverTrigger);
