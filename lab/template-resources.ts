// A synthesized stack's resources as the lab can hold them: tables, topics, event buses and
// buckets created in the emulator (named per run so runs never collide, or once per lab for
// the lab's standing deployment that the CLI's --local reaches from process to process), state machines
// created in the emulator's Step Functions, Lambda functions and KMS keys as stand-in names and ARNs. Resolves the CloudFormation intrinsics CDK writes
// (Ref, Fn::GetAtt, Fn::Join, Fn::Sub) against them, and refuses anything else by name.
import { randomUUID } from 'node:crypto';
import { CreateTableCommand, DescribeTableCommand, DynamoDBClient, ResourceInUseException, UpdateTimeToLiveCommand, type CreateTableCommandInput } from '@aws-sdk/client-dynamodb';
import { CreateEventBusCommand, EventBridgeClient, ResourceAlreadyExistsException } from '@aws-sdk/client-eventbridge';
import { CreateHealthCheckCommand, Route53Client, type HealthCheckConfig } from '@aws-sdk/client-route-53';
import { CreateStateMachineCommand, ListStateMachinesCommand, SFNClient, StateMachineAlreadyExists, UpdateStateMachineCommand } from '@aws-sdk/client-sfn';
import { CreateTopicCommand, SNSClient } from '@aws-sdk/client-sns';
import {
  CreateBucketCommand,
  HeadBucketCommand,
  PutBucketEncryptionCommand,
  PutBucketVersioningCommand,
  PutObjectLockConfigurationCommand,
  S3Client,
  type ObjectLockConfiguration,
  type ServerSideEncryptionConfiguration,
} from '@aws-sdk/client-s3';
import { LAB_REGION } from './estate';

/** The emulator's account: ARNs it returns carry it, so the stand-ins do too. */
const LAB_ACCOUNT = '123456789012';

export interface TemplateResource {
  Type: string;
  Properties?: Record<string, any>;
}

export interface CfnTemplate {
  Resources: Record<string, TemplateResource>;
}

/** What a Ref or Fn::GetAtt of a resource resolves to in the lab. */
export interface ResourceInLab {
  name?: string;
  arn?: string;
  /** A state machine's definition (ASL, JSON), every CloudFormation token resolved. */
  definition?: string;
}

interface ResourceKind {
  /** Which of the resource's lab values its Ref returns. */
  ref: keyof ResourceInLab;
  attributes: Record<string, keyof ResourceInLab>;
  /**
   * Creates it in the emulator (or finds it there, for the standing deployment), or makes its stand-in. `name` is unique to this run or to the standing deployment;
   * `resolve` resolves the resource's own properties (materialising what they reference).
   */
  materialise(resource: TemplateResource, name: string, logicalId: string, resolve: (value: unknown) => Promise<any>): Promise<ResourceInLab>;
}

export function labArn(service: string, resource: string): string {
  return `arn:aws:${service}:${LAB_REGION}:${LAB_ACCOUNT}:${resource}`;
}

async function createTable(resource: TemplateResource, name: string): Promise<ResourceInLab> {
  const p = resource.Properties ?? {};
  // AWS::DynamoDB::GlobalTable (CDK's TableV2) has no table-level throughput to copy.
  if (resource.Type === 'AWS::DynamoDB::GlobalTable' && p.BillingMode !== 'PAY_PER_REQUEST') {
    throw new Error(`only on-demand (PAY_PER_REQUEST) global tables can be created in the lab, not ${p.BillingMode ?? 'PROVISIONED'}`);
  }
  const input: CreateTableCommandInput = {
    TableName: name,
    KeySchema: p.KeySchema,
    AttributeDefinitions: p.AttributeDefinitions,
    BillingMode: p.BillingMode ?? 'PROVISIONED',
    ProvisionedThroughput: p.ProvisionedThroughput,
    GlobalSecondaryIndexes: p.GlobalSecondaryIndexes,
    LocalSecondaryIndexes: p.LocalSecondaryIndexes,
  };
  const dynamodb = new DynamoDBClient({});
  try {
    const created = await dynamodb.send(new CreateTableCommand(input));
    // As CloudFormation does it: TTL is not part of CreateTable.
    if (p.TimeToLiveSpecification?.Enabled) await dynamodb.send(new UpdateTimeToLiveCommand({ TableName: name, TimeToLiveSpecification: p.TimeToLiveSpecification }));
    return { name, arn: created.TableDescription!.TableArn! };
  } catch (err) {
    if (!(err instanceof ResourceInUseException)) throw err;
    return { name, arn: (await dynamodb.send(new DescribeTableCommand({ TableName: name }))).Table!.TableArn! };
  }
}

const table: ResourceKind = { ref: 'name', attributes: { Arn: 'arn' }, materialise: createTable };

/** S3's rules: 3-63 characters, lowercase letters, digits and "-", a letter or digit at each end. */
function bucketNameFrom(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9-]/g, '').slice(-63).replace(/^-+/, '');
}

/**
 * The bucket with the template's Object Lock default retention, versioning and default
 * encryption (its KMS key a stand-in: the emulator records the key id without using it).
 * Access logging and the bucket policy are left out: the emulator enforces neither.
 */
async function createBucket(resource: TemplateResource, runName: string, resolve: (value: unknown) => Promise<any>): Promise<ResourceInLab> {
  const p = resource.Properties ?? {};
  const name = bucketNameFrom(runName);
  const s3 = new S3Client({ forcePathStyle: true });
  // The standing deployment's bucket was configured when it was created (us-east-1 answers a second CreateBucket with success).
  const exists = await s3.send(new HeadBucketCommand({ Bucket: name })).then(
    () => true,
    (err: Error) => (err.name === 'NotFound' ? false : Promise.reject(err)),
  );
  if (exists) return { name, arn: `arn:aws:s3:::${name}` };
  await s3.send(new CreateBucketCommand({ Bucket: name, ObjectLockEnabledForBucket: p.ObjectLockEnabled === true }));
  if (p.VersioningConfiguration) await s3.send(new PutBucketVersioningCommand({ Bucket: name, VersioningConfiguration: { Status: p.VersioningConfiguration.Status } }));
  if (p.ObjectLockConfiguration) {
    await s3.send(new PutObjectLockConfigurationCommand({ Bucket: name, ObjectLockConfiguration: p.ObjectLockConfiguration as ObjectLockConfiguration }));
  }
  if (p.BucketEncryption) {
    const rules = ((await resolve(p.BucketEncryption.ServerSideEncryptionConfiguration)) as any[]).map((r) => ({
      ApplyServerSideEncryptionByDefault: r.ServerSideEncryptionByDefault,
      BucketKeyEnabled: r.BucketKeyEnabled,
    }));
    await s3.send(new PutBucketEncryptionCommand({ Bucket: name, ServerSideEncryptionConfiguration: { Rules: rules } as ServerSideEncryptionConfiguration }));
  }
  return { name, arn: `arn:aws:s3:::${name}` };
}

const kinds: Record<string, ResourceKind> = {
  'AWS::DynamoDB::Table': table,
  'AWS::DynamoDB::GlobalTable': table,
  'AWS::SNS::Topic': {
    ref: 'arn',
    attributes: { TopicArn: 'arn', TopicName: 'name' },
    async materialise(resource, name) {
      const fifo = resource.Properties?.FifoTopic === true;
      const topicName = fifo ? `${name}.fifo` : name;
      const created = await new SNSClient({}).send(new CreateTopicCommand({ Name: topicName, Attributes: fifo ? { FifoTopic: 'true' } : undefined }));
      return { name: topicName, arn: created.TopicArn! };
    },
  },
  'AWS::Events::EventBus': {
    ref: 'name',
    attributes: { Arn: 'arn', Name: 'name' },
    async materialise(_, name) {
      try {
        const created = await new EventBridgeClient({}).send(new CreateEventBusCommand({ Name: name }));
        return { name, arn: created.EventBusArn! };
      } catch (err) {
        if (!(err instanceof ResourceAlreadyExistsException)) throw err;
        return { name, arn: labArn('events', `event-bus/${name}`) };
      }
    },
  },
  'AWS::S3::Bucket': { ref: 'name', attributes: { Arn: 'arn' }, materialise: (resource, name, _, resolve) => createBucket(resource, name, resolve) },
  // The repository has no KMS client and the emulator's S3 does not call KMS: a stand-in key.
  'AWS::KMS::Key': {
    ref: 'name',
    attributes: { Arn: 'arn', KeyId: 'name' },
    materialise: async () => {
      const keyId = randomUUID();
      return { name: keyId, arn: labArn('kms', `key/${keyId}`) };
    },
  },
  'AWS::KMS::Alias': {
    ref: 'name',
    attributes: {},
    materialise: async (resource) => ({ name: resource.Properties?.AliasName, arn: labArn('kms', resource.Properties?.AliasName) }),
  },
  // Created through the Route 53 API as CloudFormation would (the client honours
  // AWS_ENDPOINT_URL_ROUTE_53, so a lab stand-in in front of the emulator sees them created).
  'AWS::Route53::HealthCheck': {
    ref: 'name',
    attributes: { HealthCheckId: 'name' },
    async materialise(resource, name, _, resolve) {
      const config = (await resolve(resource.Properties?.HealthCheckConfig)) as HealthCheckConfig;
      const created = await new Route53Client({}).send(new CreateHealthCheckCommand({ CallerReference: name, HealthCheckConfig: config }));
      return { name: created.HealthCheck!.Id! };
    },
  },
  // Run from their assets by lab/lambda: a recognisable ARN is all they need.
  'AWS::Lambda::Function': {
    ref: 'name',
    attributes: { Arn: 'arn' },
    materialise: async (_, __, logicalId) => ({ name: logicalId, arn: labArn('lambda', `function:${logicalId}`) }),
  },
  // Created in the emulator with its definition, so that a function starting it (the
  // failover trigger) starts a real execution there; the lab runs the workflow itself locally.
  'AWS::StepFunctions::StateMachine': {
    ref: 'arn',
    attributes: { Arn: 'arn', Name: 'name' },
    materialise: async (resource, name, logicalId, resolve) => createStateMachine(name, await stateMachineDefinition(resource, logicalId, resolve)),
  },
};

/** The ASL CDK wrote, its tokens and DefinitionSubstitutions resolved. */
async function stateMachineDefinition(resource: TemplateResource, logicalId: string, resolve: (value: unknown) => Promise<any>): Promise<string> {
  const { DefinitionString, DefinitionSubstitutions = {} } = resource.Properties ?? {};
  if (DefinitionString === undefined) throw new Error(`state machine ${logicalId} has no DefinitionString (the lab reads the definition CDK writes from a chainable or file)`);
  const text = (await resolve(DefinitionString)) as string;
  const substitutions = (await resolve(DefinitionSubstitutions)) as Record<string, string>;
  return text.replace(/\$\{([^}]+)\}/g, (token: string, key: string) => substitutions[key] ?? token);
}

async function createStateMachine(name: string, definition: string): Promise<ResourceInLab> {
  const sfn = new SFNClient({});
  const roleArn = `arn:aws:iam::${LAB_ACCOUNT}:role/kafka-dr-lab-state-machine`;
  try {
    const { stateMachineArn } = await sfn.send(new CreateStateMachineCommand({ name, definition, roleArn }));
    return { name, arn: stateMachineArn!, definition };
  } catch (err) {
    // The standing deployment's, from an earlier process: brought up to this definition.
    if (!(err instanceof StateMachineAlreadyExists)) throw err;
    const existing = (await sfn.send(new ListStateMachinesCommand({}))).stateMachines?.find((m) => m.name === name);
    if (!existing) throw err;
    await sfn.send(new UpdateStateMachineCommand({ stateMachineArn: existing.stateMachineArn, definition }));
    return { name, arn: existing.stateMachineArn!, definition };
  }
}

const PSEUDO_PARAMETERS: Record<string, string> = {
  'AWS::Region': LAB_REGION,
  'AWS::AccountId': LAB_ACCOUNT,
  'AWS::Partition': 'aws',
  'AWS::URLSuffix': 'amazonaws.com',
};

type Reference = { logicalId: string; attribute?: string };

function getAttReference(value: unknown): Reference {
  const [logicalId, attribute] = typeof value === 'string' ? value.split(/\.(.*)/s) : (value as string[]);
  return { logicalId: logicalId!, attribute };
}

/** `${X}` / `${X.Attr}` in an Fn::Sub string; `${!X}` is a literal. */
const SUB_VARIABLE = /\$\{(!?)([^}]+)\}/g;

function subReferences(text: string, variables: Record<string, unknown>): Reference[] {
  return [...text.matchAll(SUB_VARIABLE)].filter(([, literal, name]) => !literal && !(name! in variables)).map(([, , name]) => getAttReference(name));
}

/** The intrinsic function an object is (a single Ref or Fn::* key), if it is one. */
function intrinsicOf(o: Record<string, unknown>): string | undefined {
  const keys = Object.keys(o);
  return keys.length === 1 && (keys[0] === 'Ref' || keys[0]!.startsWith('Fn::')) ? keys[0] : undefined;
}

/** Fn::Sub's text and variables, from either of its forms. */
function subArguments(sub: unknown): [string, Record<string, unknown>] {
  const [text, variables = {}] = typeof sub === 'string' ? [sub] : (sub as [string, Record<string, unknown>?]);
  return [text, variables];
}

export class TemplateResources {
  /** Every resource materialised so far, by logical id. */
  readonly inLab: Record<string, ResourceInLab> = {};
  private readonly pseudoParameters: Record<string, string>;
  private readonly nameSuffix: string;

  /** `standing`: one set of resources per lab (created when missing, else reused), not one per run. */
  constructor(
    private readonly template: CfnTemplate,
    private readonly stackName: string,
    standing = false,
  ) {
    this.nameSuffix = standing ? 'lab' : randomUUID().slice(0, 8);
    this.pseudoParameters = { ...PSEUDO_PARAMETERS, 'AWS::StackName': stackName };
  }

  resource(logicalId: string): TemplateResource {
    const resource = this.template.Resources[logicalId];
    if (!resource) throw new Error(`stack ${this.stackName} has no resource ${logicalId}`);
    return resource;
  }

  /**
   * `value` with every intrinsic resolved, after materialising the resources it references.
   * `where` names the value in errors (e.g. "environment of function X").
   */
  async resolve(value: unknown, where: string): Promise<unknown> {
    const wanted = [...new Set(this.references(value).map((r) => r.logicalId))].filter((id) => !(id in this.pseudoParameters) && !(id in this.inLab));
    await Promise.all(wanted.map((id) => this.materialise(id, where)));
    return this.substitute(value, where);
  }

  private async materialise(logicalId: string, where: string): Promise<void> {
    const resource = this.template.Resources[logicalId];
    const kind = resource && kinds[resource.Type];
    if (!kind) {
      const what = resource ? `a ${resource.Type}` : 'not a resource of the stack (a parameter or condition?)';
      throw new Error(`${where}: ${logicalId} is ${what}; the lab supports references to ${Object.keys(kinds).join(', ')}`);
    }
    try {
      const resolve = (value: unknown) => this.resolve(value, `properties of ${logicalId} (for ${where})`);
      this.inLab[logicalId] = await kind.materialise(resource, `${this.stackName}-${logicalId}-${this.nameSuffix}`, logicalId, resolve);
    } catch (err) {
      throw new Error(`${where}: could not create ${resource.Type} ${logicalId} in the lab's emulator: ${(err as Error).message}`, { cause: err });
    }
  }

  private references(value: unknown): Reference[] {
    if (Array.isArray(value)) return value.flatMap((v) => this.references(v));
    if (value === null || typeof value !== 'object') return [];
    const o = value as Record<string, any>;
    switch (intrinsicOf(o)) {
      case 'Ref':
        return [{ logicalId: o.Ref }];
      case 'Fn::GetAtt':
        return [getAttReference(o['Fn::GetAtt'])];
      case 'Fn::Sub': {
        const [text, variables] = subArguments(o['Fn::Sub']);
        return [...subReferences(text, variables), ...this.references(Object.values(variables))];
      }
      default:
        return Object.values(o).flatMap((v) => this.references(v));
    }
  }

  private lookup({ logicalId, attribute }: Reference, where: string, token: unknown): string {
    const pseudo = this.pseudoParameters[logicalId];
    if (pseudo !== undefined && attribute === undefined) return pseudo;
    const kind = kinds[this.resource(logicalId).Type]!;
    const field = attribute === undefined ? kind.ref : kind.attributes[attribute];
    const value = field && this.inLab[logicalId]?.[field];
    if (value === undefined) throw new Error(`${where}: cannot resolve ${JSON.stringify(token)} in the lab (${this.resource(logicalId).Type} supports Ref and ${Object.keys(kind.attributes).join(', ')})`);
    return value;
  }

  private substitute(value: unknown, where: string): unknown {
    if (Array.isArray(value)) return value.map((v) => this.substitute(v, where));
    if (value === null || typeof value !== 'object') return value;
    const o = value as Record<string, any>;
    const intrinsic = intrinsicOf(o);
    switch (intrinsic) {
      case undefined:
        return Object.fromEntries(Object.entries(o).map(([k, v]) => [k, this.substitute(v, where)]));
      case 'Ref':
        return this.lookup({ logicalId: o.Ref }, where, o);
      case 'Fn::GetAtt':
        return this.lookup(getAttReference(o['Fn::GetAtt']), where, o);
      case 'Fn::Join': {
        const [separator, parts] = o['Fn::Join'] as [string, unknown[]];
        return parts.map((p) => this.substitute(p, where)).join(separator);
      }
      case 'Fn::Sub': {
        const [text, variables] = subArguments(o['Fn::Sub']);
        const resolved = Object.fromEntries(Object.entries(variables).map(([k, v]) => [k, this.substitute(v, where)]));
        return text.replace(SUB_VARIABLE, (_, literal: string, name: string) =>
          literal ? `\${${name}}` : name in resolved ? String(resolved[name]) : this.lookup(getAttReference(name), where, o),
        );
      }
      default:
        throw new Error(`${where}: cannot resolve ${JSON.stringify(o)} in the lab: ${intrinsic} is not supported (Ref, Fn::GetAtt, Fn::Join and Fn::Sub are)`);
    }
  }
}
