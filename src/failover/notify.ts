// Publishes how a failover ended, twice: an EventBridge event for automation (runbooks,
// chat ops, ticketing rules) and an SNS message for people (email, pager). Both services
// cap a message at 256 KB, and a report of thousands of partitions can be bigger: the
// summary always goes out whole, the report is cut and the cut is said.
import { PutEventsCommand, type EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { PublishCommand, type SNSClient } from '@aws-sdk/client-sns';

export interface FailoverOutcome {
  executionName: string;
  flow: string;
  mode: 'planned' | 'unplanned';
  dryRun: boolean;
  status: 'SUCCEEDED' | 'FAILED' | 'REFUSED';
  /** One line an on-call person reads first, e.g. "dc1->dc2 failover succeeded: clients now on dc2; RPO estimate 1.2 s; 3 groups synced, 1 skipped". */
  summary: string;
  /** The full JSON report. */
  report: unknown;
}

export const OUTCOME_SOURCE = 'kafka-dr';

const DETAIL_TYPES = {
  SUCCEEDED: 'Kafka DR Failover Succeeded',
  FAILED: 'Kafka DR Failover Failed',
  REFUSED: 'Kafka DR Failover Refused',
} as const;

/** EventBridge's limit on one entry (source, detail type and detail together) and SNS's on one message. */
const MESSAGE_LIMIT_BYTES = 256 * 1024;
/** Room for the entry fields EventBridge counts besides detail (time, bus name) and for rounding. */
const EVENT_ENVELOPE_BYTES = 1024;
const SUBJECT_LIMIT_CHARS = 100;

export async function publishOutcome(
  clients: { eventBridge: EventBridgeClient; sns: SNSClient },
  target: { eventBusName: string; topicArn: string },
  outcome: FailoverOutcome,
): Promise<{ eventId: string; messageId: string }> {
  // Both go out even if one fails: the on-call must hear of a failover whatever happened to the event.
  const [event, message] = await Promise.allSettled([putEvent(clients.eventBridge, target.eventBusName, outcome), publishMessage(clients.sns, target.topicArn, outcome)]);
  const failures = [
    ...(event.status === 'rejected' ? [`the EventBridge event on bus ${target.eventBusName}: ${(event.reason as Error).message}`] : []),
    ...(message.status === 'rejected' ? [`the SNS message to ${target.topicArn}: ${(message.reason as Error).message}`] : []),
  ];
  if (event.status === 'rejected' || message.status === 'rejected') {
    const delivered = event.status === 'fulfilled' ? ' (the EventBridge event was delivered)' : message.status === 'fulfilled' ? ' (the SNS message was delivered)' : '';
    throw new Error(`could not publish the ${outcome.status} outcome of failover ${outcome.executionName} (${outcome.flow}): ${failures.join('; ')}${delivered}`);
  }
  return { eventId: event.value, messageId: message.value };
}

async function putEvent(client: EventBridgeClient, eventBusName: string, outcome: FailoverOutcome): Promise<string> {
  const detailType = DETAIL_TYPES[outcome.status];
  const limit = MESSAGE_LIMIT_BYTES - EVENT_ENVELOPE_BYTES - Buffer.byteLength(OUTCOME_SOURCE) - Buffer.byteLength(detailType);
  const whole = JSON.stringify(outcome);
  const detail =
    Buffer.byteLength(whole) <= limit
      ? whole
      : fitted(JSON.stringify(outcome.report), limit, (excerpt, reportBytes) =>
          JSON.stringify({
            ...outcome,
            report: excerpt,
            reportTruncated: `the report is ${reportBytes} bytes of JSON, over EventBridge's 256 KB event limit: "report" holds its first ${excerpt.length} characters as text; the full report is in the execution's output`,
          }),
        );
  const out = await client.send(new PutEventsCommand({ Entries: [{ Source: OUTCOME_SOURCE, DetailType: detailType, Detail: detail, EventBusName: eventBusName }] }));
  const [entry] = out.Entries ?? [];
  if (out.FailedEntryCount || !entry?.EventId) {
    throw new Error(`PutEvents rejected the entry (${entry?.ErrorCode ?? 'no error code'}: ${entry?.ErrorMessage ?? 'no message'}): check the bus exists and the function may put events on it`);
  }
  return entry.EventId;
}

async function publishMessage(client: SNSClient, topicArn: string, outcome: FailoverOutcome): Promise<string> {
  const pretty = JSON.stringify(outcome.report, null, 2) ?? 'null';
  const whole = `${outcome.summary}\n\n${pretty}`;
  const message =
    Buffer.byteLength(whole) <= MESSAGE_LIMIT_BYTES
      ? whole
      : fitted(
          pretty,
          MESSAGE_LIMIT_BYTES,
          (excerpt, reportBytes) =>
            `${outcome.summary}\n\n(report truncated: it is ${reportBytes} bytes, over SNS's 256 KB message limit; the first ${excerpt.length} characters follow, the full report is in the execution's output)\n\n${excerpt}`,
        );
  const out = await client.send(new PublishCommand({ TopicArn: topicArn, Subject: outcomeSubject(outcome), Message: message }));
  if (!out.MessageId) throw new Error('SNS returned no message id');
  return out.MessageId;
}

/** "[kafka-dr] dc1->dc2 failover SUCCEEDED": SNS takes at most 100 printable ASCII characters, on one line. */
export function outcomeSubject(outcome: Pick<FailoverOutcome, 'flow' | 'mode' | 'dryRun' | 'status'>): string {
  const text = `[kafka-dr] ${outcome.flow} ${outcome.mode === 'planned' ? 'planned switchover' : 'failover'}${outcome.dryRun ? ' dry run' : ''} ${outcome.status}`;
  return text.replace(/[^\x20-\x7e]/g, '?').slice(0, SUBJECT_LIMIT_CHARS);
}

/** render(the longest prefix of `text` that keeps the rendering within `limitBytes`, text's size). */
function fitted(text: string, limitBytes: number, render: (excerpt: string, textBytes: number) => string): string {
  const textBytes = Buffer.byteLength(text);
  let keep = text.length;
  for (;;) {
    const rendered = render(text.slice(0, keep), textBytes);
    const over = Buffer.byteLength(rendered) - limitBytes;
    if (over <= 0) return rendered;
    // Each character dropped shortens the rendering by at least one byte.
    if (keep === 0) throw new Error(`the outcome's summary alone is over the ${limitBytes}-byte limit: shorten it`);
    keep = Math.max(0, keep - over);
  }
}
