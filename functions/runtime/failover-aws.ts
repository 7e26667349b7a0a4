// The AWS side of failing over, shared by the workflow's steps, the trigger and the lock
// release: traced clients (one per execution environment), the state table and where
// outcomes are published.
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { Route53Client } from '@aws-sdk/client-route-53';
import { SNSClient } from '@aws-sdk/client-sns';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { EstateConfig } from '#src/config/schema';
import { clientSwitchOf, type ClientSwitch } from '#src/dns/client-switch';
import { parseHealthCheckIds } from '#src/dns/health-check-status';
import { arcClientFactory, parseRoutingControlSet } from '#src/dns/routing-controls';
import { ACTIVE_SIDE_HEALTH_CHECKS, ARC_ROUTING_CONTROLS, FAILOVER_EVENT_BUS, FAILOVER_STATE_TABLE, FAILOVER_TOPIC_ARN } from '#src/environment';
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

const arcClientFor = arcClientFactory((client) => tracer.captureAWSv3Client(client));

/** How this estate's failover moves the clients of `home` (dns.mode); CloudWatch is the function's own region's, the control plane's. */
export const clientSwitch = (config: EstateConfig, home: string | null = null): ClientSwitch =>
  clientSwitchOf(
    config,
    {
    route53: failoverAws.route53,
    cloudwatch: failoverAws.cloudwatch,
    routingControlSet: () => parseRoutingControlSet(requiredEnv(ARC_ROUTING_CONTROLS)),
    arcClientFor,
    healthCheckIds: () => parseHealthCheckIds(requiredEnv(ACTIVE_SIDE_HEALTH_CHECKS)),
    },
    home,
  );
