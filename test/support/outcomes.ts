// Where failover outcomes are read back as their subscribers get them: an SQS queue
// subscribed to the SNS topic, and an SQS queue targeted by an EventBridge rule on the bus.
import { CreateEventBusCommand, EventBridgeClient, PutRuleCommand, PutTargetsCommand } from '@aws-sdk/client-eventbridge';
import { CreateTopicCommand, SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import { CreateQueueCommand, GetQueueAttributesCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { eventually, labContext, uniqueName } from './lab';

async function queue(sqs: SQSClient): Promise<{ url: string; arn: string }> {
  const url = (await sqs.send(new CreateQueueCommand({ QueueName: uniqueName('kafka-dr-test') }))).QueueUrl!;
  const attributes = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['QueueArn'] }));
  return { url, arn: attributes.Attributes!.QueueArn! };
}

/** What subscribers of a failover's outcomes receive: an SNS topic and an event bus, each feeding a queue. */
export interface Subscribers {
  topicArn: string;
  eventBusName: string;
  /** The next SNS notification (the standard JSON envelope, so Subject is visible). */
  nextMessage(): Promise<{ Subject: string; Message: string }>;
  /** The next EventBridge event from source kafka-dr. */
  nextEvent(): Promise<{ id: string; source: string; 'detail-type': string; detail: Record<string, unknown> }>;
}

/**
 * Queues subscribed to a new topic and bus, or to the given ones (the control plane's
 * topic and the default bus, where `detailTypes` keeps other tests' events out).
 */
export async function subscribers(existing?: { topicArn: string; eventBusName: string; detailTypes: string[] }): Promise<Subscribers> {
  await labContext(); // points the AWS SDK at the lab's emulator
  const [sqs, sns, eventBridge] = [new SQSClient({}), new SNSClient({}), new EventBridgeClient({})];
  const topicArn = existing?.topicArn ?? (await sns.send(new CreateTopicCommand({ Name: uniqueName('kafka-dr-failover') }))).TopicArn!;
  const messages = await queue(sqs);
  await sns.send(new SubscribeCommand({ TopicArn: topicArn, Protocol: 'sqs', Endpoint: messages.arn }));
  const eventBusName = existing?.eventBusName ?? uniqueName('kafka-dr-bus');
  if (!existing) await eventBridge.send(new CreateEventBusCommand({ Name: eventBusName }));
  const events = await queue(sqs);
  const rule = uniqueName('kafka-dr-outcomes');
  const pattern = { source: ['kafka-dr'], ...(existing ? { 'detail-type': existing.detailTypes } : {}) };
  await eventBridge.send(new PutRuleCommand({ Name: rule, EventBusName: eventBusName, EventPattern: JSON.stringify(pattern) }));
  await eventBridge.send(new PutTargetsCommand({ Rule: rule, EventBusName: eventBusName, Targets: [{ Id: 'queue', Arn: events.arn }] }));
  const next = (url: string, what: string) =>
    eventually(what, async () => {
      const out = await sqs.send(new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 1, WaitTimeSeconds: 1 }));
      const body = out.Messages?.[0]?.Body;
      return body === undefined ? undefined : JSON.parse(body);
    }, 15_000, 100);
  return {
    topicArn,
    eventBusName,
    nextMessage: () => next(messages.url, `an SNS notification on ${topicArn}`),
    nextEvent: () => next(events.url, `an event on bus ${eventBusName}`),
  };
}
