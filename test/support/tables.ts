// DynamoDB tables in the lab's emulator, shaped like the ones the stacks create.
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';

/** An on-demand table with a string partition key. */
export async function createTable(name: string, partitionKey: string): Promise<void> {
  await new DynamoDBClient({}).send(
    new CreateTableCommand({
      TableName: name,
      KeySchema: [{ AttributeName: partitionKey, KeyType: 'HASH' }],
      AttributeDefinitions: [{ AttributeName: partitionKey, AttributeType: 'S' }],
      BillingMode: 'PAY_PER_REQUEST',
    }),
  );
}
