// Back up and restore: the schedule, the Object Lock vault (in its own stack in another region,
// beside the control plane, or in another account), the two state machines' states and
// transitions (read from the synthesized definitions), each function's exact access to the
// vault, and no backup resources at all when the estate configures no backup.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { App, type CfnElement } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import { buildApp } from '../../lib/app';
import { loadEstateConfigFile } from '#src/config/load';
import { parseEstateConfig } from '#src/config/parse';
import type { EstateConfig } from '#src/config/schema';
import { cfnLint } from '../support/cfn-lint';
import { allows, definitionOf, functionOf, joined, only, principalsAllowed, resourcesOf, statementsOf, synthControlPlane, type Asl } from '../support/template';

const config = loadEstateConfigFile('config/estate.example.yaml');
const backup = config.backup!;
const withBucket = (bucket: Record<string, string>, label: string) => parseEstateConfig({ ...config, backup: { ...backup, bucket } }, label);

const BACKUP_STEPS = ['backup-plan', 'backup-copy', 'backup-finish', 'backup-prune'];
const RESTORE_STEPS = ['restore-plan', 'restore-copy', 'restore-finish'];
const STEPS = [...BACKUP_STEPS, ...RESTORE_STEPS];
const TRANSIENT = ['TransientStepError', 'Lambda.ServiceException', 'Lambda.AWSLambdaException', 'Lambda.SdkClientException', 'Lambda.TooManyRequestsException'];
const EXECUTION_PAYLOAD = { 'input.$': '$', execution: { 'name.$': '$$.Execution.Name', 'startedAt.$': '$$.Execution.StartTime' } };

function synth(estate: EstateConfig) {
  const built = synthControlPlane(estate);
  const assembly = built.app.synth();
  const logicalId = (construct: { node: { defaultChild?: unknown } }) => built.controlPlane.getLogicalId(construct.node.defaultChild as CfnElement);
  return { ...built, assembly, logicalId };
}

/** Every Allow statement of the policies attached to `handlerDir`'s role. */
function statementsOfFunction(template: Template, handlerDir: string): any[] {
  const roleId = functionOf(template, handlerDir)[1].Properties.Role['Fn::GetAtt'][0];
  return Object.values(template.findResources('AWS::IAM::Policy'))
    .filter((p) => p.Properties.Roles.some((r: any) => r.Ref === roleId))
    .flatMap(statementsOf)
    .filter((s) => s.Effect === 'Allow');
}

/** `handlerDir`'s actions of `service` (e.g. "s3"), by resource, each list sorted. */
function grants(template: Template, handlerDir: string, service: string): Record<string, string[]> {
  const byResource: Record<string, Set<string>> = {};
  for (const statement of statementsOfFunction(template, handlerDir)) {
    const actions = [statement.Action].flat().filter((a: string) => a.startsWith(`${service}:`));
    if (actions.length === 0) continue;
    for (const resource of resourcesOf(statement)) for (const a of actions) (byResource[resource] ??= new Set()).add(a);
  }
  return Object.fromEntries(Object.entries(byResource).map(([r, a]) => [r, [...a].sort()]));
}

/** What each function may do in the vault bucket and the batch bucket, by resource ("<bucket ARN>" or "<bucket ARN>/<prefix>"). */
function expectedS3(bucketArn: string, batchBucketArn: string): Record<string, Record<string, string[]>> {
  const reads = { [`${bucketArn}/backups/*`]: ['s3:GetObject'], [`${bucketArn}/segments/*`]: ['s3:GetObject'], [bucketArn]: ['s3:ListBucket'] };
  return {
    'backup-plan': {
      [`${bucketArn}/runs/*`]: ['s3:GetObject', 's3:PutObject', 's3:PutObjectRetention'],
      [`${bucketArn}/backups/*`]: ['s3:GetObject'],
      [bucketArn]: ['s3:ListBucket'],
      [`${batchBucketArn}/backup/*`]: ['s3:PutObject'],
    },
    'backup-copy': { [`${bucketArn}/segments/*`]: ['s3:GetObject', 's3:PutObject', 's3:PutObjectRetention'] },
    'backup-finish': {
      [`${bucketArn}/backups/*`]: ['s3:GetObject', 's3:PutObject', 's3:PutObjectRetention'],
      [`${bucketArn}/runs/*`]: ['s3:GetObject'],
      [`${bucketArn}/segments/*`]: ['s3:PutObjectRetention'],
    },
    'backup-prune': {
      [`${bucketArn}/backups/*`]: ['s3:DeleteObject', 's3:DeleteObjectVersion', 's3:GetObject'],
      [`${bucketArn}/runs/*`]: ['s3:DeleteObject', 's3:DeleteObjectVersion'],
      [`${bucketArn}/segments/*`]: ['s3:DeleteObject', 's3:DeleteObjectVersion'],
      [bucketArn]: ['s3:ListBucket', 's3:ListBucketVersions'],
    },
    'restore-plan': { ...reads, [`${batchBucketArn}/restore/*`]: ['s3:PutObject'] },
    'restore-copy': reads,
    'restore-finish': reads,
  };
}

const KMS: Record<string, string[]> = {
  'backup-plan': ['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey'],
  'backup-copy': ['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey'],
  'backup-finish': ['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey'],
  'backup-prune': ['kms:Decrypt'],
  'restore-plan': ['kms:Decrypt'],
  'restore-copy': ['kms:Decrypt'],
  'restore-finish': ['kms:Decrypt'],
};

/** Deleting what Object Lock released: the prune step's job alone. */
const DELETES = ['s3:DeleteObject', 's3:DeleteObjectVersion'];
/** Un-protecting anything in a bucket, or configuring it. */
const DESTRUCTIVE = ['s3:BypassGovernanceRetention', 's3:PutBucketObjectLockConfiguration', 's3:PutLifecycleConfiguration', 's3:PutBucketPolicy', 's3:DeleteBucket'];

function stateMachineNamed(template: Template, name: string): [string, Asl, any] {
  const [id, machine] = only(template.findResources('AWS::StepFunctions::StateMachine', { Properties: { StateMachineName: name } }), `state machine ${name}`);
  return [id, definitionOf(machine), machine];
}

function expectTransientRetries(asl: Asl, tasks: string[]): void {
  const all = { ...asl.States, ...Object.values(asl.States).reduce((o, s) => ({ ...o, ...(s.ItemProcessor?.States ?? {}) }), {}) };
  const found = Object.entries(all).filter(([, s]) => (s as any).Type === 'Task');
  expect(found.map(([name]) => name).sort()).toEqual([...tasks].sort());
  for (const [name, task] of found as [string, any][]) {
    expect([name, task.Retry]).toEqual([name, [{ ErrorEquals: TRANSIENT, IntervalSeconds: 2, MaxAttempts: 4, BackoffRate: 2 }]]);
  }
}

/**
 * A Distributed Map over the plan's batch list in the batch bucket: each batch a Standard child
 * execution calling `step` until it says done, results written beside the list, then Finish;
 * a failed map run explained by batch-failures before `failed`.
 */
function expectBatchMap(asl: Asl, id: string, { idField, step, resource, done, batchBucket, explain, failed }: { idField: string; step: string; resource: string; done: string; batchBucket: string; explain: string; failed: string }): void {
  const map = asl.States[id]!;
  expect(map).toEqual({
    Type: 'Map',
    ItemReader: { Resource: 'arn:{AWS::Partition}:states:::s3:getObject', ReaderConfig: { InputType: 'JSON' }, Parameters: { Bucket: batchBucket, 'Key.$': '$.plan.batches.key' } },
    MaxConcurrency: backup.parallelism.concurrentInvocations,
    ItemSelector: { [`${idField}.$`]: `$.plan.${idField}`, 'partitions.$': '$$.Map.Item.Value.partitions' },
    ItemProcessor: expect.anything(),
    ResultWriter: { Resource: 'arn:{AWS::Partition}:states:::s3:putObject', Parameters: { Bucket: batchBucket, 'Prefix.$': '$.plan.batches.results' } },
    ResultPath: null,
    Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.mapFailure', Next: `Explain${id}` }],
    Next: 'Finish',
  });
  const iteration = map.ItemProcessor;
  expect(iteration.ProcessorConfig).toEqual({ Mode: 'DISTRIBUTED', ExecutionType: 'STANDARD' });
  expect(iteration.StartAt).toBe(step);
  expect(iteration.States[step]).toMatchObject({ Type: 'Task', Resource: resource, Parameters: { [`${idField}.$`]: `$.${idField}`, 'partitions.$': '$.partitions' }, ResultPath: '$.copy', Next: `${done}?` });
  expect(iteration.States[`${done}?`]).toEqual({ Type: 'Choice', Choices: [{ Variable: '$.copy.done', BooleanEquals: true, Next: done }], Default: step });
  expect(iteration.States[done]).toEqual({ Type: 'Succeed' });
  // The explanation's own failure goes the same way, in the same shape ($.failure: Error, Cause).
  expect(asl.States[`Explain${id}`]).toMatchObject({
    Type: 'Task',
    Resource: explain,
    Parameters: { 'results.$': '$.plan.batches.results', 'error.$': '$.mapFailure' },
    ResultPath: '$.failure',
    Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.failure', Next: failed }],
    Next: failed,
  });
}

describe('backup and restore (example estate: the vault in a third region)', () => {
  const { controlPlane, backupVault, template, assembly, logicalId } = synth(config);
  const workflows = controlPlane.backup!;
  const vault = Template.fromStack(backupVault!);
  const bucketName = `payments-kafka-dr-backups-111122223333-${backup.bucket.region}`;
  const bucketArn = `arn:{AWS::Partition}:s3:::${bucketName}`;
  const [backupId, backupAsl, backupMachine] = stateMachineNamed(template, 'payments-kafka-dr-backup');
  const [restoreId, restoreAsl, restoreMachine] = stateMachineNamed(template, 'payments-kafka-dr-restore');
  const lambda = (handlerDir: string) => `{${functionOf(template, handlerDir)[0]}}`;
  const batchBucketId = logicalId(workflows.batchBucket);

  it('synthesizes with no unacknowledged cdk-nag finding, and templates cfn-lint accepts', () => {
    expect(assembly.stacks.map((s) => s.stackName).sort()).toEqual(['payments-kafka-dr-backup-vault', 'payments-kafka-dr-control-plane']);
    expect(cfnLint(assembly.directory, assembly.stacks.map((s) => s.templateFile))).toBe('exit 0');
  });

  describe('the schedule', () => {
    it('starts the backup state machine with {} on the configured schedule, and nothing else', () => {
      const rules = template.findResources('AWS::Events::Rule', { Properties: { Targets: [{ Arn: { Ref: backupId } }] } });
      const [, rule] = only(rules, 'backup schedule');
      expect(rule.Properties).toMatchObject({ ScheduleExpression: backup.schedule, State: 'ENABLED' });
      expect(rule.Properties.Targets).toEqual([expect.objectContaining({ Arn: { Ref: backupId }, Input: '{}' })]);
      const roleId = rule.Properties.Targets[0].RoleArn['Fn::GetAtt'][0];
      const roleStatements = Object.values(template.findResources('AWS::IAM::Policy'))
        .filter((p) => p.Properties.Roles.some((r: any) => r.Ref === roleId))
        .flatMap(statementsOf);
      expect(roleStatements).toEqual([expect.objectContaining({ Action: 'states:StartExecution', Resource: { Ref: backupId } })]);
      // Nothing starts a restore but the operator (and the restore's own map run, its children).
      expect(principalsAllowed(template, 'states:StartExecution', (r) => r === `{${restoreId}}`)).toEqual([logicalId(workflows.restore.role)]);
    });
  });

  describe('the vault, in its own stack in the bucket region', () => {
    const [bucketId, bucket] = only(vault.findResources('AWS::S3::Bucket', { Properties: { BucketName: bucketName } }), 'backup bucket');
    const [keyId, key] = only(vault.findResources('AWS::KMS::Key'), 'vault key');

    it('deploys to the configured region and account, before the control plane that writes to it', () => {
      expect(backupVault!.region).toBe(backup.bucket.region);
      expect(backupVault!.account).toBe('111122223333');
      expect(controlPlane.dependencies).toContain(backupVault);
      // The control plane's only bucket is the batch bucket: no record ever lands in it.
      expect(Object.keys(template.findResources('AWS::S3::Bucket'))).toEqual([batchBucketId]);
      expect(template.findResources('AWS::KMS::Key')).toEqual({});
    });

    it('keeps every object under Object Lock by default, with the configured mode and retention, versioned, and outliving the stack', () => {
      expect(bucket).toMatchObject({ DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
      expect(bucket.Properties).toMatchObject({
        ObjectLockEnabled: true,
        ObjectLockConfiguration: { ObjectLockEnabled: 'Enabled', Rule: { DefaultRetention: { Mode: backup.objectLockMode, Days: backup.retentionDays } } },
        VersioningConfiguration: { Status: 'Enabled' },
      });
    });

    it('encrypts with its own rotated KMS key (bucket keys on), kept when the stack goes, named by alias', () => {
      expect(bucket.Properties.BucketEncryption).toEqual({
        ServerSideEncryptionConfiguration: [{ BucketKeyEnabled: true, ServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: { 'Fn::GetAtt': [keyId, 'Arn'] } } }],
      });
      expect(key).toMatchObject({ DeletionPolicy: 'Retain', Properties: { EnableKeyRotation: true } });
      vault.hasResourceProperties('AWS::KMS::Alias', { AliasName: 'alias/payments-kafka-dr-backups', TargetKeyId: { 'Fn::GetAtt': [keyId, 'Arn'] } });
    });

    it('blocks public access and refuses requests without TLS', () => {
      expect(bucket.Properties.PublicAccessBlockConfiguration).toEqual({ BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true });
      const [, policy] = only(vault.findResources('AWS::S3::BucketPolicy', { Properties: { Bucket: { Ref: bucketId } } }), 'bucket policy');
      expect(statementsOf(policy)).toContainEqual(expect.objectContaining({ Effect: 'Deny', Action: 's3:*', Principal: { AWS: '*' }, Condition: { Bool: { 'aws:SecureTransport': 'false' } } }));
    });

    it('logs access to a separate bucket, delivered through its policy (no ACL), kept as long as the backups', () => {
      const logsId = bucket.Properties.LoggingConfiguration.DestinationBucketName.Ref;
      const logs = vault.toJSON().Resources[logsId];
      expect(logsId).not.toBe(bucketId);
      expect(logs.Properties.AccessControl).toBeUndefined();
      expect(logs.Properties.LifecycleConfiguration.Rules).toEqual([{ ExpirationInDays: backup.retentionDays, Status: 'Enabled' }]);
      const [, policy] = only(vault.findResources('AWS::S3::BucketPolicy', { Properties: { Bucket: { Ref: logsId } } }), 'access log bucket policy');
      expect(statementsOf(policy)).toContainEqual(expect.objectContaining({ Effect: 'Allow', Principal: { Service: 'logging.s3.amazonaws.com' }, Action: 's3:PutObject' }));
    });

    it('lets no other account in when the vault is in the control plane\'s account', () => {
      const [, policy] = only(vault.findResources('AWS::S3::BucketPolicy', { Properties: { Bucket: { Ref: bucketId } } }), 'bucket policy');
      expect(statementsOf(policy).filter((s) => s.Effect === 'Allow')).toEqual([]);
      expect(key.Properties.KeyPolicy.Statement).toHaveLength(1);
    });
  });

  describe('the functions', () => {
    const tableId = logicalId(workflows.stateTable);

    it.each(STEPS)('runs %s told the vault bucket by name and the state table, sized for its work', (handlerDir) => {
      const [, fn] = functionOf(template, handlerDir);
      const copies = handlerDir.endsWith('-copy');
      // Copies: 2 x 16 partitions x 64 MiB held, 3 x 64 MiB for the segment in flight, 512 MB for the runtime.
      expect(fn.Properties).toMatchObject({ Timeout: 900, MemorySize: copies ? 2752 : 1024, Runtime: 'nodejs22.x' });
      expect(fn.Properties.Environment.Variables).toMatchObject({ BACKUP_BUCKET: bucketName, BACKUP_STATE_TABLE: { Ref: tableId } });
    });

    it('refuses, at synth, a batch of partitions whose open segments would not fit in a copy Lambda', () => {
      const tooBig = { ...config, backup: { ...config.backup!, parallelism: { ...config.backup!.parallelism, partitionsPerInvocation: 128 } } };
      expect(() => buildApp(tooBig, new App({ context: { 'aws:cdk:bundling-stacks': [] } }))).toThrow(/partitionsPerInvocation \(128\) x backup.segment.maxBytes \(67108864\) needs 17088 MB in a copy Lambda, above Lambda's 10240 MB: lower one of them/);
    });

    it('keeps unfinished runs and restores in a table that outlives the stack', () => {
      expect(template.toJSON().Resources[tableId]).toMatchObject({
        Type: 'AWS::DynamoDB::Table',
        DeletionPolicy: 'Retain',
        Properties: { KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }], BillingMode: 'PAY_PER_REQUEST', PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true } },
      });
      const onTable = (r: string) => r.startsWith(`{${tableId}}`);
      for (const action of ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem', 'dynamodb:Query']) {
        expect([action, principalsAllowed(template, action, onTable)]).toEqual([action, [...STEPS].sort()]);
      }
    });

    it('lets backups read the backed-up cluster\'s secrets only, and restores those of the clusters they may write to', () => {
      const secretsOf = (handlerDir: string) => Object.keys(grants(template, handlerDir, 'secretsmanager')).sort();
      const dc1 = config.clusters.find((c) => c.name === backup.cluster)!.auth as { credentialsSecretArn: string; caSecretArn: string };
      for (const handlerDir of BACKUP_STEPS) expect([handlerDir, secretsOf(handlerDir)]).toEqual([handlerDir, [dc1.caSecretArn, dc1.credentialsSecretArn].sort()]);
      const all = config.clusters.flatMap((c) => { const a = c.auth as { credentialsSecretArn: string; caSecretArn: string }; return [a.credentialsSecretArn, a.caSecretArn]; }).sort();
      for (const handlerDir of RESTORE_STEPS) expect([handlerDir, secretsOf(handlerDir)]).toEqual([handlerDir, all]);
    });
  });

  describe('least privilege in the vault', () => {
    it.each(STEPS)('gives %s exactly its S3 actions on its prefixes', (handlerDir) => {
      expect(grants(template, handlerDir, 's3')).toEqual(expectedS3(bucketArn, `{${batchBucketId}}`)[handlerDir]);
    });

    it.each(STEPS)('gives %s exactly its KMS actions, on the vault key only (by its alias: its id is unknown here)', (handlerDir) => {
      const statements = statementsOfFunction(template, handlerDir).filter((s) => [s.Action].flat().some((a: string) => a.startsWith('kms:')));
      expect(statements).toHaveLength(1);
      expect([statements[0].Action].flat().sort()).toEqual(KMS[handlerDir]);
      expect(resourcesOf(statements[0])).toEqual([`arn:{AWS::Partition}:kms:${backup.bucket.region}:111122223333:key/*`]);
      expect(statements[0].Condition).toEqual({ 'ForAnyValue:StringEquals': { 'kms:ResourceAliases': 'alias/payments-kafka-dr-backups' } });
    });

    it('lets only the prune step delete objects, and nothing bypass governance retention or reconfigure a bucket', () => {
      const statements = Object.values(template.findResources('AWS::IAM::Policy')).flatMap(statementsOf);
      for (const action of DESTRUCTIVE) expect([action, statements.filter((s) => allows(s, action))]).toEqual([action, []]);
      for (const action of DELETES) expect([action, principalsAllowed(template, action, () => true)]).toEqual([action, ['backup-prune']]);
    });

    it('acknowledges each vault wildcard on the function\'s own policy: another wildcard still fails synth', () => {
      const { app: bad, controlPlane: stack } = buildApp(config, new App({ outdir: mkdtempSync(path.join(tmpdir(), 'kafka-dr-backup-')), context: { 'aws:cdk:bundling-stacks': [] } }));
      const copy = stack.backup!.steps['backup-copy'];
      new iam.Policy(copy, 'Extra', { roles: [copy.role], statements: [new iam.PolicyStatement({ actions: ['s3:DeleteObject'], resources: [`arn:aws:s3:::${bucketName}/segments/*`] })] });
      expect(() => bad.synth()).toThrow(/AwsSolutions-IAM5\[Resource::arn:aws:s3:::payments-kafka-dr-backups-111122223333-eu-north-1\/segments\/\*\]/);
    });
  });

  it.each([
    ['backup', backupMachine, backupAsl],
    ['restore', restoreMachine, restoreAsl],
  ])('traces the %s state machine, logs every execution with its data, bounds it to a day, in JSONPath', (_, machine, asl) => {
    expect(machine.Properties.TracingConfiguration).toEqual({ Enabled: true });
    expect(machine.Properties.LoggingConfiguration).toMatchObject({ Level: 'ALL', IncludeExecutionData: true });
    expect(asl.TimeoutSeconds).toBe(86400);
    expect(JSON.stringify(asl)).not.toContain('QueryLanguage');
  });

  describe('the batch bucket', () => {
    const bucket = template.toJSON().Resources[batchBucketId];
    const onBatches = (r: string) => r.includes(`{${batchBucketId}}`);

    it('is the control plane\'s own, encrypted, private, TLS only, and expires what it holds after two weeks', () => {
      expect(bucket.Properties).toMatchObject({
        BucketEncryption: { ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] },
        PublicAccessBlockConfiguration: { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true },
        LifecycleConfiguration: { Rules: [{ ExpirationInDays: 14, Status: 'Enabled' }] },
      });
      expect(JSON.stringify(template.findResources('AWS::S3::BucketPolicy'))).toContain('aws:SecureTransport');
    });

    it('is written by the plans (their own prefixes) and the map runs, read by the map runs and batch-failures, and nothing else', () => {
      expect(principalsAllowed(template, 's3:PutObject', onBatches).sort()).toEqual(['backup-plan', logicalId(workflows.backup.role), 'restore-plan', logicalId(workflows.restore.role)].sort());
      expect(principalsAllowed(template, 's3:GetObject', onBatches).sort()).toEqual(['batch-failures', logicalId(workflows.backup.role), logicalId(workflows.restore.role)].sort());
      expect(principalsAllowed(template, 's3:DeleteObject', onBatches)).toEqual([]);
    });

    it('tells batch-failures the batch bucket alone: no vault, no secret, no table', () => {
      const [, fn] = functionOf(template, 'batch-failures');
      expect(fn.Properties.Environment.Variables).toMatchObject({ BATCH_BUCKET: { Ref: batchBucketId } });
      expect(fn.Properties.Environment.Variables.BACKUP_BUCKET).toBeUndefined();
      expect(grants(template, 'batch-failures', 's3')).toEqual({ [`{${batchBucketId}}/*/results/*`]: ['s3:GetObject'], [`{${batchBucketId}}`]: ['s3:ListBucket'] });
      expect(grants(template, 'batch-failures', 'secretsmanager')).toEqual({});
      expect(grants(template, 'batch-failures', 'dynamodb')).toEqual({});
      expect(grants(template, 'batch-failures', 'kms')).toEqual({});
    });
  });

  describe('the backup state machine', () => {
    const states = backupAsl.States;

    it('plans with the execution input and identity, ending a bad input in InvalidInput and other errors in PlanFailed', () => {
      expect(backupAsl.StartAt).toBe('Plan');
      expect(states.Plan).toMatchObject({ Type: 'Task', Resource: lambda('backup-plan'), Parameters: EXECUTION_PAYLOAD, ResultPath: '$.plan', Next: 'AnythingToCopy?' });
      expect(states.Plan!.Catch).toEqual([
        { ErrorEquals: ['InvalidBackupInput'], Next: 'InvalidInput' },
        { ErrorEquals: ['States.ALL'], Next: 'PlanFailed' },
      ]);
    });

    it('starts no map run when no partition has anything new to copy', () => {
      expect(states['AnythingToCopy?']).toEqual({ Type: 'Choice', Choices: [{ Variable: '$.plan.batches.count', NumericGreaterThan: 0, Next: 'CopyPartitions' }], Default: 'Finish' });
    });

    it('copies the planned batches, each a child execution until done, at most the configured number at once; a failed run ends in CopyFailed naming the batches\' errors', () => {
      expectBatchMap(backupAsl, 'CopyPartitions', { idField: 'backupId', step: 'Copy', resource: lambda('backup-copy'), done: 'BatchCopied', batchBucket: `{${batchBucketId}}`, explain: lambda('batch-failures'), failed: 'CopyFailed' });
      expect(states.CopyFailed).toEqual({ Type: 'Fail', Error: 'CopyFailed', CausePath: '$.failure.Cause' });
    });

    it('finishes with the backup id and succeeds with the finish result; a finish error ends in FinishFailed', () => {
      expect(states.Finish).toMatchObject({ Type: 'Task', Resource: lambda('backup-finish'), Parameters: { 'backupId.$': '$.plan.backupId' }, ResultPath: '$.backup', Next: 'Prune' });
      expect(states.Finish!.Catch).toEqual([{ ErrorEquals: ['States.ALL'], Next: 'FinishFailed' }]);
      expect(states.BackupSucceeded).toEqual({ Type: 'Succeed', OutputPath: '$.backup' });
    });

    it('prunes after the manifest is written, its result in the backup\'s; a prune error ends in PruneFailed', () => {
      expect(states.Prune).toMatchObject({ Type: 'Task', Resource: lambda('backup-prune'), ResultPath: '$.backup.prune', Next: 'BackupSucceeded' });
      expect(states.Prune!.Catch).toEqual([{ ErrorEquals: ['States.ALL'], Next: 'PruneFailed' }]);
    });

    it.each(['InvalidInput', 'PlanFailed', 'FinishFailed', 'PruneFailed'])('ends in Fail %s with that error and the cause', (name) => {
      expect(states[name]).toEqual({ Type: 'Fail', Error: name, CausePath: '$.Cause' });
    });

    it('retries every step on transient errors with backoff', () => {
      expectTransientRetries(backupAsl, ['Plan', 'Copy', 'ExplainCopyPartitions', 'Finish', 'Prune']);
    });
  });

  describe('the restore state machine', () => {
    const states = restoreAsl.States;

    it('plans with the execution input and identity, each refusal ending in its own named state', () => {
      expect(restoreAsl.StartAt).toBe('Plan');
      expect(states.Plan).toMatchObject({ Type: 'Task', Resource: lambda('restore-plan'), Parameters: EXECUTION_PAYLOAD, ResultPath: '$.plan', Next: 'DryRun?' });
      expect(states.Plan!.Catch).toEqual([
        { ErrorEquals: ['InvalidRestoreInput'], Next: 'InvalidInput' },
        { ErrorEquals: ['RestoreRefused'], Next: 'RestoreRefused' },
        { ErrorEquals: ['CorruptManifest'], Next: 'CorruptBackup' },
        { ErrorEquals: ['States.ALL'], Next: 'PlanFailed' },
      ]);
    });

    it('reports a dry run and stops there', () => {
      expect(states['DryRun?']).toEqual({ Type: 'Choice', Choices: [{ Variable: '$.plan.dryRun', BooleanEquals: true, Next: 'DryRunReported' }], Default: 'AnythingToRestore?' });
      expect(states['AnythingToRestore?']).toEqual({ Type: 'Choice', Choices: [{ Variable: '$.plan.batches.count', NumericGreaterThan: 0, Next: 'RestorePartitions' }], Default: 'Finish' });
      expect(states.DryRunReported).toEqual({ Type: 'Succeed', OutputPath: '$.plan.report' });
    });

    it('restores the planned batches, each a child execution until done; a batch that met a corrupt segment ends in CorruptBackup, any other failure in RestoreFailed', () => {
      expectBatchMap(restoreAsl, 'RestorePartitions', { idField: 'restoreId', step: 'Restore', resource: lambda('restore-copy'), done: 'BatchRestored', batchBucket: `{${batchBucketId}}`, explain: lambda('batch-failures'), failed: 'CorruptSegment?' });
      expect(states['CorruptSegment?']).toEqual({ Type: 'Choice', Choices: [{ Variable: '$.failure.Error', StringEquals: 'CorruptSegment', Next: 'CorruptSegmentFound' }], Default: 'RestoreFailed' });
      expect(states.CorruptSegmentFound).toEqual({ Type: 'Fail', Error: 'CorruptBackup', CausePath: '$.failure.Cause' });
      expect(states.RestoreFailed).toEqual({ Type: 'Fail', Error: 'RestoreFailed', CausePath: '$.failure.Cause' });
    });

    it('finishes with the restore id and succeeds with the report; a finish error ends in FinishFailed', () => {
      expect(states.Finish).toMatchObject({ Type: 'Task', Resource: lambda('restore-finish'), Parameters: { 'restoreId.$': '$.plan.restoreId' }, ResultPath: '$.report', Next: 'RestoreSucceeded' });
      expect(states.Finish!.Catch).toEqual([{ ErrorEquals: ['States.ALL'], Next: 'FinishFailed' }]);
      expect(states.RestoreSucceeded).toEqual({ Type: 'Succeed', OutputPath: '$.report' });
    });

    it.each(['InvalidInput', 'RestoreRefused', 'CorruptBackup', 'PlanFailed', 'FinishFailed'])('ends in Fail %s with that error and the cause', (name) => {
      expect(states[name]).toEqual({ Type: 'Fail', Error: name, CausePath: '$.Cause' });
    });

    it('retries every step on transient errors with backoff', () => {
      expectTransientRetries(restoreAsl, ['Plan', 'Restore', 'ExplainRestorePartitions', 'Finish']);
    });
  });
});

describe('backup and restore (the vault beside the control plane)', () => {
  const { backupVault, template, assembly, logicalId, controlPlane } = synth(withBucket({}, 'vault beside the control plane'));
  const vault = controlPlane.backup!.vault!;
  const bucketId = logicalId(vault.bucket);
  const keyId = logicalId(vault.key);

  it('creates no vault stack; the control plane holds the bucket, cdk-nag and cfn-lint clean', () => {
    expect(backupVault).toBeUndefined();
    expect(assembly.stacks.map((s) => s.stackName)).toEqual(['payments-kafka-dr-control-plane']);
    expect(cfnLint(assembly.directory, assembly.stacks.map((s) => s.templateFile))).toBe('exit 0');
    expect(template.toJSON().Resources[bucketId].Properties).toMatchObject({
      ObjectLockEnabled: true,
      ObjectLockConfiguration: { Rule: { DefaultRetention: { Mode: backup.objectLockMode, Days: backup.retentionDays } } },
    });
    expect(template.toJSON().Resources[bucketId].Properties.BucketName).toBeUndefined();
  });

  it.each(STEPS)('tells %s the bucket by reference and grants it exactly its S3 actions', (handlerDir) => {
    expect(functionOf(template, handlerDir)[1].Properties.Environment.Variables.BACKUP_BUCKET).toEqual({ Ref: bucketId });
    expect(grants(template, handlerDir, 's3')).toEqual(expectedS3(`{${bucketId}}`, `{${logicalId(controlPlane.backup!.batchBucket)}}`)[handlerDir]);
  });

  it.each(STEPS)('grants %s its KMS actions on the vault key itself', (handlerDir) => {
    expect(grants(template, handlerDir, 'kms')).toEqual({ [`{${keyId}}`]: KMS[handlerDir] });
  });
});

describe('backup and restore (the vault in another account)', () => {
  const { backupVault } = synth(withBucket({ region: 'eu-north-1', account: '444455556666' }, 'vault in another account'));
  const vault = Template.fromStack(backupVault!);

  it('names the bucket for its account and region, and lets the control plane\'s account read, write, extend retention and delete what Object Lock released', () => {
    const [bucketId] = only(vault.findResources('AWS::S3::Bucket', { Properties: { BucketName: 'payments-kafka-dr-backups-444455556666-eu-north-1' } }), 'backup bucket');
    expect(backupVault!.account).toBe('444455556666');
    const [, policy] = only(vault.findResources('AWS::S3::BucketPolicy', { Properties: { Bucket: { Ref: bucketId } } }), 'bucket policy');
    const allowed = statementsOf(policy).filter((s) => s.Effect === 'Allow');
    expect(allowed.map((s) => joined(s.Principal.AWS))).toEqual(['arn:{AWS::Partition}:iam::111122223333:root', 'arn:{AWS::Partition}:iam::111122223333:root']);
    expect(allowed.flatMap((s) => [s.Action].flat()).sort()).toEqual(['s3:DeleteObject', 's3:DeleteObjectVersion', 's3:GetObject', 's3:ListBucket', 's3:ListBucketVersions', 's3:PutObject', 's3:PutObjectRetention']);
    const [, key] = only(vault.findResources('AWS::KMS::Key'), 'vault key');
    const trusted = key.Properties.KeyPolicy.Statement.filter((s: any) => joined(s.Principal.AWS).includes('111122223333'));
    expect(trusted.flatMap((s: any) => [s.Action].flat()).sort()).toEqual(['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey']);
  });

  it('refuses a vault in another account when the control plane\'s account is not set', () => {
    const agnostic = parseEstateConfig({ ...config, controlPlane: { region: config.controlPlane.region }, backup: { ...backup, bucket: { account: '444455556666' } } }, 'agnostic');
    expect(() => synthControlPlane(agnostic)).toThrow('backup.bucket.account is 444455556666 but controlPlane.account is not set');
  });
});

describe('backup bucket names', () => {
  it('refuses an estate name that would make the vault bucket name longer than S3 allows, saying what to do', () => {
    const long = parseEstateConfig({ ...config, estate: 'a-very-long-estate-name-for-payments-ab' }, 'long estate');
    expect(() => synthControlPlane(long)).toThrow(/would be 80 characters, over S3's 63: shorten the estate name \(39 characters\)/);
  });
});

describe('no backup configured', () => {
  const { controlPlane, backupVault, template } = synth(parseEstateConfig({ ...config, backup: undefined }, 'no backup'));

  it('creates no backup workflows, functions, vault or schedule', () => {
    expect(controlPlane.backup).toBeUndefined();
    expect(backupVault).toBeUndefined();
    const functions = Object.values(template.findResources('AWS::Lambda::Function')).map((f) => f.Properties.Environment.Variables.POWERTOOLS_SERVICE_NAME);
    expect(functions.filter((name: string) => /backup|restore/.test(name))).toEqual([]);
    expect(Object.values(template.findResources('AWS::StepFunctions::StateMachine')).map((m) => m.Properties.StateMachineName)).toEqual(['payments-kafka-dr-failover']);
    expect(template.findResources('AWS::S3::Bucket')).toEqual({});
    expect(template.findResources('AWS::KMS::Key')).toEqual({});
  });
});
