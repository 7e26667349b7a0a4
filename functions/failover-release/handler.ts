// Target of the EventBridge rule on the failover state machine's "Step Functions Execution
// Status Change" events (ABORTED, TIMED_OUT, FAILED): releases the lock an execution that
// ended without its Finish step left behind, and tells the on-call what may be half done.
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { SNSClient } from '@aws-sdk/client-sns';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { FAILOVER_EVENT_BUS, FAILOVER_STATE_TABLE, FAILOVER_TOPIC_ARN } from '#src/environment';
import { endedOutcome, parseExecutionEnded, releaseLockOf } from '#src/failover/execution-ended';
import { FailoverState } from '#src/failover/failover-state';
import { publishOutcome } from '#src/failover/notify';
import { requiredEnv } from '../runtime/env';
import { lambdaHandler, logger, tracer } from '../runtime/powertools';

const documents = DynamoDBDocumentClient.from(tracer.captureAWSv3Client(new DynamoDBClient({})));
const eventBridge = tracer.captureAWSv3Client(new EventBridgeClient({}));
const sns = tracer.captureAWSv3Client(new SNSClient({}));

async function failoverRelease(event: unknown) {
  const ended = parseExecutionEnded(event);
  const lock = await releaseLockOf(ended, new FailoverState(documents, requiredEnv(FAILOVER_STATE_TABLE)));
  const outcome = endedOutcome(ended, lock);
  logger.info('failover execution ended without Finish', { executionName: ended.executionName, status: ended.status, lockReleased: lock.released, lockHolder: lock.holder?.executionName });
  if (!outcome) return { executionName: ended.executionName, status: ended.status, lockReleased: false, notified: false };
  const published = await publishOutcome({ eventBridge, sns }, { eventBusName: requiredEnv(FAILOVER_EVENT_BUS), topicArn: requiredEnv(FAILOVER_TOPIC_ARN) }, outcome);
  return { executionName: ended.executionName, status: ended.status, lockReleased: lock.released, notified: true, summary: outcome.summary, ...published };
}

export const handler = lambdaHandler(failoverRelease);
