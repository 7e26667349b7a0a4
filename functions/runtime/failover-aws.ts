// The AWS side of failing over, shared by the workflow's steps, the trigger and the lock
// release: traced clients (one per execution environment), the state table and where
// outcomes are published.
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { Route53Client } from '@aws-sdk/client-route-53';
import { SNSClient } from '@aws-sdk/client-sns';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { FAILOVER_EVENT_BUS, FAILOVER_STATE_TABLE, FAILOVER_TOPIC_ARN } from '#src/environment';
import { FailoverState } from '#src/failover/failover-state';
import { requiredEnv } from './env';
import { tracer } from './powertools';

export const failoverAws = {
  route53: tracer.captureAWSv3Client(new Route53Client({})),
  cloudwatch: tracer.captureAWSv3Client(new CloudWatchClient({})),
  eventBridge: tracer.captureAWSv3Client(new EventBridgeClient({})),
  sns: tracer.captureAWSv3Client(new SNSClient({})),
  documents: DynamoDBDocumentClient.from(tracer.captureAWSv3Client(new DynamoDBClient({}))),
};

/** The failover state table (lock, active side). */
export const failoverState = () => new FailoverState(failoverAws.documents, requiredEnv(FAILOVER_STATE_TABLE));

/** Where failover outcomes go: the event bus and the SNS topic. */
export const outcomeTarget = () => ({ eventBusName: requiredEnv(FAILOVER_EVENT_BUS), topicArn: requiredEnv(FAILOVER_TOPIC_ARN) });
