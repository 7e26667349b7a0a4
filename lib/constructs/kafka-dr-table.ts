// The DynamoDB tables kafka-dr keeps its state in: on demand, encrypted, point-in-time
// recovery on, a string partition key. Whether a table outlives the stack is the caller's call,
// and so is a TTL attribute (items that carry one are deleted by DynamoDB after that time).
import type { RemovalPolicy } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type { Construct } from 'constructs';

export function kafkaDrTable(scope: Construct, id: string, partitionKey: string, removalPolicy: RemovalPolicy, timeToLiveAttribute?: string): dynamodb.Table {
  return new dynamodb.Table(scope, id, {
    partitionKey: { name: partitionKey, type: dynamodb.AttributeType.STRING },
    timeToLiveAttribute,
    billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
    pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
    encryption: dynamodb.TableEncryption.AWS_MANAGED,
    removalPolicy,
  });
}
