// Back up and restore: the two Step Functions workflows, their six Lambdas, the state table,
// the schedule that starts a backup, and each function's access to the backup vault.
//
// Interface the backup and restore handlers honour (functions/backup-*, functions/restore-*):
//   env  BACKUP_BUCKET (the vault bucket; its region is config.backup.bucket.region or the
//        function's own), BACKUP_STATE_TABLE (partition key "pk")
//   env  BATCH_BUCKET (the batch lists and map run results, in the stack's own account and region)
//   backup:  Plan (backup-plan) -> Distributed Map CopyPartitions: Copy (backup-copy) until done -> Finish (backup-finish) -> Prune (backup-prune)
//   restore: Plan (restore-plan) -> DryRun? -> Distributed Map RestorePartitions: Restore (restore-copy) until done -> Finish (restore-finish)
//   A map run that fails goes to batch-failures, which names the failed batches' own errors.
import { Duration, RemovalPolicy, Stack, Validations, type CfnElement } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as cxapi from 'aws-cdk-lib/cx-api';
import { Construct } from 'constructs';
import { flattenCfnReference } from 'cdk-nag/lib/utils/flatten-cfn-reference';
import { authSecretArns, findCluster } from '#src/config/estate';
import { BACKUP_BUCKET, BACKUP_STATE_TABLE, BATCH_BUCKET } from '#src/environment';
import { batchBucket } from './batch-bucket';
import { backupVaultPlacement, BackupVault, remoteVaultAccess, vaultAccess, type BackupEstate, type BackupVaultAccess } from './backup-vault';
import { KafkaDrFunction, type EstateNetwork } from './kafka-dr-function';
import { kafkaDrTable } from './kafka-dr-table';
import { EXECUTION_PAYLOAD, lambdaStep, workflowStateMachine } from './workflow-state-machine';

export interface BackupWorkflowsProps {
  config: BackupEstate;
  network: EstateNetwork;
}

export type BackupStep = 'backup-plan' | 'backup-copy' | 'backup-finish' | 'backup-prune' | 'restore-plan' | 'restore-copy' | 'restore-finish';

/** A long backup or restore is continued by running it again; a day bounds one stuck on a dead cluster. */
const EXECUTION_TIMEOUT = Duration.hours(24);
/** A copy step's payload: the Map item (the run's id and the batch's partitions), whatever the loop added. */
const BATCH_PAYLOAD = (idField: string) => ({ [`${idField}.$`]: `$.${idField}`, 'partitions.$': '$.partitions' });
const KMS_WRITE = ['kms:GenerateDataKey', 'kms:Encrypt'];
const KMS_READ = ['kms:Decrypt'];
const LIST = ['s3:ListBucket'];

const LAMBDA_MAX_MEMORY_MB = 10240;

/**
 * A copy holds one open segment per partition of its batch, as decoded records (about twice
 * their encoded size), plus the encoded and compressed copies of the one it uploads, and
 * room for the runtime and clients.
 */
function copyMemoryMb(config: BackupEstate): number {
  const { segment, parallelism } = config.backup;
  const needed = Math.ceil((2 * parallelism.partitionsPerInvocation * segment.maxBytes + 3 * segment.maxBytes) / 2 ** 20) + 512;
  if (needed > LAMBDA_MAX_MEMORY_MB) {
    throw new Error(
      `backup.parallelism.partitionsPerInvocation (${parallelism.partitionsPerInvocation}) x backup.segment.maxBytes (${segment.maxBytes}) needs ${needed} MB in a copy Lambda, ` +
        `above Lambda's ${LAMBDA_MAX_MEMORY_MB} MB: lower one of them`,
    );
  }
  return Math.max(2048, needed);
}

/** What each function may do in the vault: no one deletes, no one bypasses governance retention. */
const VAULT_ACCESS: Record<BackupStep, { objects: Record<string, string[]>; bucket?: string[]; kms: string[] }> = {
  // Object Lock headers on PutObject need s3:PutObjectRetention on the object too.
  'backup-plan': { objects: { 'runs/*': ['s3:PutObject', 's3:PutObjectRetention', 's3:GetObject'], 'backups/*': ['s3:GetObject'] }, bucket: LIST, kms: [...KMS_WRITE, ...KMS_READ] },
  // GetObject: a segment an interrupted invocation uploaded but did not record is read back and adopted.
  'backup-copy': { objects: { 'segments/*': ['s3:PutObject', 's3:PutObjectRetention', 's3:GetObject'] }, kms: [...KMS_WRITE, ...KMS_READ] },
  'backup-finish': {
    objects: { 'backups/*': ['s3:PutObject', 's3:PutObjectRetention', 's3:GetObject'], 'runs/*': ['s3:GetObject'], 'segments/*': ['s3:PutObjectRetention'] },
    kms: [...KMS_WRITE, ...KMS_READ],
  },
  // Deletes versions Object Lock has released (never bypassing it): expired manifests, their runs' snapshots, segments no live manifest lists.
  'backup-prune': {
    objects: { 'backups/*': ['s3:GetObject', 's3:DeleteObject', 's3:DeleteObjectVersion'], 'runs/*': ['s3:DeleteObject', 's3:DeleteObjectVersion'], 'segments/*': ['s3:DeleteObject', 's3:DeleteObjectVersion'] },
    bucket: ['s3:ListBucket', 's3:ListBucketVersions'],
    kms: KMS_READ,
  },
  'restore-plan': { objects: { 'backups/*': ['s3:GetObject'], 'segments/*': ['s3:GetObject'] }, bucket: LIST, kms: KMS_READ },
  'restore-copy': { objects: { 'backups/*': ['s3:GetObject'], 'segments/*': ['s3:GetObject'] }, bucket: LIST, kms: KMS_READ },
  'restore-finish': { objects: { 'backups/*': ['s3:GetObject'], 'segments/*': ['s3:GetObject'] }, bucket: LIST, kms: KMS_READ },
};

/** Why a wildcard resource of a vault policy is as narrow as it can be (cdk-nag AwsSolutions-IAM5). */
const WILDCARD_REASONS: [RegExp, string][] = [
  [/\/segments\/\*$/, 'segment objects are named by backup, topic, partition and offset, known only at run time'],
  [/\/runs\/\*$/, 'run objects are named by the backup id, known only at run time'],
  [/\/backups\/\*$/, 'manifests are named by the backup id, known only at run time'],
  [/:key\/\*$/, 'the vault key lives in its own stack, its id unknown here; the kms:ResourceAliases condition narrows the statement to that key'],
];

export class BackupWorkflows extends Construct {
  readonly backup: sfn.StateMachine;
  readonly restore: sfn.StateMachine;
  readonly stateTable: dynamodb.Table;
  readonly schedule: events.Rule;
  /** The vault, when it lives in this stack (else in <estate>-kafka-dr-backup-vault). */
  readonly vault?: BackupVault;
  readonly bucketName: string;
  /** The plans' batch lists and the map runs' results. */
  readonly batchBucket: s3.Bucket;
  readonly steps: Record<BackupStep, KafkaDrFunction>;
  /** Explains a failed map run of either workflow from its results. */
  readonly batchFailures: KafkaDrFunction;

  constructor(scope: Construct, id: string, props: BackupWorkflowsProps) {
    super(scope, id);
    // ResultWriterV2 renders only under its feature flag (without it CDK renders the deprecated writer).
    this.node.setContext(cxapi.STEPFUNCTIONS_USE_DISTRIBUTED_MAP_RESULT_WRITER_V2, true);
    const { config, network } = props;
    const placement = backupVaultPlacement(config);
    if (!placement) throw new Error(`${this.node.path}: the estate configures no backup`);
    let access: BackupVaultAccess;
    if (placement.separate) {
      access = remoteVaultAccess(this, config, placement);
    } else {
      this.vault = new BackupVault(this, 'Vault', { config });
      access = vaultAccess(this.vault);
    }
    this.bucketName = access.bucket.bucketName;

    // Unfinished runs and restores must outlive a stack update: RETAIN.
    this.stateTable = kafkaDrTable(this, 'StateTable', 'pk', RemovalPolicy.RETAIN);
    this.batchBucket = batchBucket(this, 'Batches');
    const environment = { [BACKUP_BUCKET.name]: this.bucketName, [BACKUP_STATE_TABLE.name]: this.stateTable.tableName, [BATCH_BUCKET.name]: this.batchBucket.bucketName };
    // A backup reads its one cluster; a restore writes to whichever cluster the execution names.
    const backupSecrets = authSecretArns(findCluster(config, config.backup.cluster).auth);
    const restoreSecrets = [...new Set(config.clusters.flatMap((c) => authSecretArns(c.auth)))];
    const step = (handlerDir: BackupStep, description: string, copies = false) =>
      new KafkaDrFunction(this, handlerDir, {
        handlerDir,
        description,
        config,
        network,
        secretArns: handlerDir.startsWith('backup-') ? backupSecrets : restoreSecrets,
        // Copies work until their deadline nears and continue in the next invocation. Plan,
        // finish and prune walk every partition (prune every segment version): at 50,000
        // partitions the lab's finish and prune took nearly 5 minutes each (bench/backup-scale.bench.ts).
        timeout: Duration.minutes(15),
        memorySize: copies ? copyMemoryMb(config) : 1024,
        environment,
      });
    this.steps = {
      'backup-plan': step('backup-plan', 'Backup: snapshots the partitions\' end offsets, configs and group offsets, or resumes the unfinished run'),
      'backup-copy': step('backup-copy', 'Backup: copies a batch of partitions into segment objects until its deadline nears', true),
      'backup-finish': step('backup-finish', 'Backup: writes the manifest, extends the retention of inherited segments, moves the head'),
      'backup-prune': step('backup-prune', 'Backup: deletes expired backups through their manifests, and segments no live manifest lists'),
      'restore-plan': step('restore-plan', 'Restore: checks the request against the manifest, creates the target topics, records where they started'),
      'restore-copy': step('restore-copy', 'Restore: produces a batch of partitions\' backed-up records to the target until its deadline nears', true),
      'restore-finish': step('restore-finish', 'Restore: restores consumer group offsets if asked, reads the restored counts back'),
    };
    for (const [handlerDir, fn] of Object.entries(this.steps) as [BackupStep, KafkaDrFunction][]) {
      this.stateTable.grantReadWriteData(fn.function);
      this.grantVault(fn, access, VAULT_ACCESS[handlerDir]);
    }
    this.grantBatches(this.steps['backup-plan'], ['s3:PutObject'], 'backup/*');
    this.grantBatches(this.steps['restore-plan'], ['s3:PutObject'], 'restore/*');
    this.batchFailures = new KafkaDrFunction(this, 'batch-failures', {
      handlerDir: 'batch-failures',
      description: 'Backup and restore: reads a failed map run\'s results and names the failed batches, their partitions and errors',
      config,
      network,
      secretArns: [],
      timeout: Duration.minutes(1),
      memorySize: 512,
      environment: { [BATCH_BUCKET.name]: this.batchBucket.bucketName },
    });
    this.grantBatches(this.batchFailures, ['s3:GetObject'], '*/results/*');
    this.batchFailures.function.addToRolePolicy(new iam.PolicyStatement({ actions: ['s3:ListBucket'], resources: [this.batchBucket.bucketArn] }));

    const maxConcurrency = config.backup.parallelism.concurrentInvocations;
    this.backup = workflowStateMachine(this, 'Backup', {
      stateMachineName: `${config.estate}-kafka-dr-backup`,
      definition: this.backupDefinition(maxConcurrency),
      timeout: EXECUTION_TIMEOUT,
      config,
      steps: [this.steps['backup-plan'], this.steps['backup-copy'], this.steps['backup-finish'], this.steps['backup-prune'], this.batchFailures],
    });
    this.restore = workflowStateMachine(this, 'Restore', {
      stateMachineName: `${config.estate}-kafka-dr-restore`,
      definition: this.restoreDefinition(maxConcurrency),
      timeout: EXECUTION_TIMEOUT,
      config,
      steps: [this.steps['restore-plan'], this.steps['restore-copy'], this.steps['restore-finish'], this.batchFailures],
    });

    for (const stateMachine of [this.backup, this.restore]) this.acknowledgeMapGrants(stateMachine);

    this.schedule = new events.Rule(this, 'Schedule', {
      description: `kafka-dr ${config.estate}: starts a backup of cluster ${config.backup.cluster}`,
      schedule: events.Schedule.expression(config.backup.schedule),
      targets: [new targets.SfnStateMachine(this.backup, { input: events.RuleTargetInput.fromObject({}) })],
    });
  }

  /** The wildcards CDK's Distributed Map grants carry (child executions, the batch bucket's objects), acknowledged with why. */
  private acknowledgeMapGrants(stateMachine: sfn.StateMachine): void {
    const stack = Stack.of(this);
    // CDK names the bucket's objects arn:<partition>:s3:::<bucket>/* here.
    const bucketId = stack.getLogicalId(this.batchBucket.node.defaultChild as CfnElement);
    for (const policy of [stateMachine.node.tryFindChild('DistributedMapPolicy'), stateMachine.role.node.tryFindChild('DefaultPolicy')]) {
      if (!(policy instanceof iam.Policy)) continue;
      const statements = (stack.resolve(policy.document.toJSON()) as { Statement?: { Resource?: unknown }[] }).Statement ?? [];
      for (const resource of statements.flatMap((st) => [st.Resource ?? []].flat())) {
        const flat = flattenCfnReference(resource);
        const reason = flat.endsWith(`<${bucketId}>/*`)
          ? 'the map run reads the batch list and writes its results under keys named by the backup or restore id and the execution, known only at run time'
          : /:execution:.*\*/.test(flat)
            ? 'the map run starts, describes and stops child executions of this state machine, named by Step Functions at run time'
            : undefined;
        if (reason) Validations.of(policy).acknowledge({ id: `AwsSolutions-IAM5[Resource::${flat}]`, reason });
      }
    }
  }

  /** `actions` on the batch bucket's objects under `pattern`, in a policy of its own with its wildcard acknowledged. */
  private grantBatches(fn: KafkaDrFunction, actions: string[], pattern: string): void {
    const resource = this.batchBucket.arnForObjects(pattern);
    const policy = new iam.Policy(fn, 'BatchPolicy', { roles: [fn.role], statements: [new iam.PolicyStatement({ actions, resources: [resource] })] });
    Validations.of(policy).acknowledge({
      id: `AwsSolutions-IAM5[Resource::${flattenCfnReference(Stack.of(this).resolve(resource))}]`,
      reason: 'batch lists and map run results are named by the backup or restore id and the execution, known only at run time',
    });
  }

  /** The function's vault permissions, in a policy of their own so each wildcard is acknowledged there. */
  private grantVault(fn: KafkaDrFunction, access: BackupVaultAccess, grants: (typeof VAULT_ACCESS)[BackupStep]): void {
    const byActions = new Map<string, string[]>();
    for (const [prefix, actions] of Object.entries(grants.objects)) {
      const key = actions.join(',');
      byActions.set(key, [...(byActions.get(key) ?? []), access.bucket.arnForObjects(prefix)]);
    }
    const statements = [...byActions].map(([actions, resources]) => new iam.PolicyStatement({ actions: actions.split(','), resources }));
    if (grants.bucket) statements.push(new iam.PolicyStatement({ actions: grants.bucket, resources: [access.bucket.bucketArn] }));
    statements.push(access.keyStatement(...grants.kms));
    const policy = new iam.Policy(fn, 'VaultPolicy', { roles: [fn.role], statements });

    const stack = Stack.of(this);
    for (const resource of statements.flatMap((s) => s.resources)) {
      const flat = flattenCfnReference(stack.resolve(resource));
      if (!flat.includes('*')) continue;
      const reason = WILDCARD_REASONS.find(([pattern]) => pattern.test(flat))?.[1];
      if (!reason) throw new Error(`${fn.node.path}: no reason recorded for the vault wildcard ${flat}`);
      Validations.of(policy).acknowledge({ id: `AwsSolutions-IAM5[Resource::${flat}]`, reason });
    }
  }

  /**
   * A Distributed Map over the plan's batch list ($.plan.batches): each batch is a child
   * execution, with a history of its own, that runs `step` (its result at $.copy) again and
   * again until it says done, then ends in Succeed `done` (after Choice `<done>?`). The map
   * run writes its results beside the list; when it fails, batch-failures reads them and
   * `failed` gets the failed batches' own error at $.failure.
   */
  private batches(scope: Construct, id: string, idField: string, maxConcurrency: number, step: sfn.TaskStateBase, done: string, failed: sfn.IChainable): sfn.DistributedMap {
    const untilDone = new sfn.Choice(scope, `${done}?`).when(sfn.Condition.booleanEquals('$.copy.done', true), new sfn.Succeed(scope, done)).otherwise(step);
    const map = new sfn.DistributedMap(scope, id, {
      itemReader: new sfn.S3JsonItemReader({ bucket: this.batchBucket, key: sfn.JsonPath.stringAt('$.plan.batches.key') }),
      itemSelector: { [`${idField}.$`]: `$.plan.${idField}`, 'partitions.$': '$$.Map.Item.Value.partitions' },
      maxConcurrency,
      // A copy continues in the next invocation for as long as its batch needs: longer than an Express child's 5 minutes.
      mapExecutionType: sfn.StateMachineType.STANDARD,
      resultWriterV2: new sfn.ResultWriterV2({ bucket: this.batchBucket, prefix: sfn.JsonPath.stringAt('$.plan.batches.results') }),
      resultPath: sfn.JsonPath.DISCARD,
    });
    map.itemProcessor(step.next(untilDone));
    const explain = lambdaStep(scope, `Explain${id}`, this.batchFailures, { 'results.$': '$.plan.batches.results', 'error.$': '$.mapFailure' }, '$.failure');
    explain.addCatch(failed, { resultPath: '$.failure' });
    map.addCatch(explain.next(failed), { resultPath: '$.mapFailure' });
    return map;
  }

  /** Choice `id`: on to the map when the plan has batches, else straight to `next`. */
  private ifBatches(scope: Construct, id: string, map: sfn.DistributedMap, next: sfn.IChainable): sfn.Choice {
    return new sfn.Choice(scope, id).when(sfn.Condition.numberGreaterThan('$.plan.batches.count', 0), map.next(next)).otherwise(next);
  }

  private backupDefinition(maxConcurrency: number): sfn.IChainable {
    const scope = new Construct(this, 'BackupStates');
    const plan = lambdaStep(scope, 'Plan', this.steps['backup-plan'], EXECUTION_PAYLOAD, '$.plan');
    plan.addCatch(new sfn.Fail(scope, 'InvalidInput', { error: 'InvalidInput', causePath: '$.Cause' }), { errors: ['InvalidBackupInput'] });
    plan.addCatch(new sfn.Fail(scope, 'PlanFailed', { error: 'PlanFailed', causePath: '$.Cause' }), { errors: ['States.ALL'] });

    const finish = lambdaStep(scope, 'Finish', this.steps['backup-finish'], { 'backupId.$': '$.plan.backupId' }, '$.backup');
    finish.addCatch(new sfn.Fail(scope, 'FinishFailed', { error: 'FinishFailed', causePath: '$.Cause' }), { errors: ['States.ALL'] });
    // After the manifest: a prune that fails leaves the backup whole, and says so in its own state.
    const prune = lambdaStep(scope, 'Prune', this.steps['backup-prune'], {}, '$.backup.prune');
    prune.addCatch(new sfn.Fail(scope, 'PruneFailed', { error: 'PruneFailed', causePath: '$.Cause' }), { errors: ['States.ALL'] });
    const finished = finish.next(prune).next(new sfn.Succeed(scope, 'BackupSucceeded', { outputPath: '$.backup' }));

    const copyFailed = new sfn.Fail(scope, 'CopyFailed', { error: 'CopyFailed', causePath: '$.failure.Cause' });
    const copyPartitions = this.batches(scope, 'CopyPartitions', 'backupId', maxConcurrency, lambdaStep(scope, 'Copy', this.steps['backup-copy'], BATCH_PAYLOAD('backupId'), '$.copy'), 'BatchCopied', copyFailed);
    // Nothing new since the last backup: no map run at all.
    return plan.next(this.ifBatches(scope, 'AnythingToCopy?', copyPartitions, finished));
  }

  private restoreDefinition(maxConcurrency: number): sfn.IChainable {
    const scope = new Construct(this, 'RestoreStates');
    const corrupt = new sfn.Fail(scope, 'CorruptBackup', { error: 'CorruptBackup', causePath: '$.Cause' });
    const plan = lambdaStep(scope, 'Plan', this.steps['restore-plan'], EXECUTION_PAYLOAD, '$.plan');
    plan.addCatch(new sfn.Fail(scope, 'InvalidInput', { error: 'InvalidInput', causePath: '$.Cause' }), { errors: ['InvalidRestoreInput'] });
    plan.addCatch(new sfn.Fail(scope, 'RestoreRefused', { error: 'RestoreRefused', causePath: '$.Cause' }), { errors: ['RestoreRefused'] });
    plan.addCatch(corrupt, { errors: ['CorruptManifest'] });
    plan.addCatch(new sfn.Fail(scope, 'PlanFailed', { error: 'PlanFailed', causePath: '$.Cause' }), { errors: ['States.ALL'] });

    const finish = lambdaStep(scope, 'Finish', this.steps['restore-finish'], { 'restoreId.$': '$.plan.restoreId' }, '$.report');
    finish.addCatch(new sfn.Fail(scope, 'FinishFailed', { error: 'FinishFailed', causePath: '$.Cause' }), { errors: ['States.ALL'] });
    const finished = finish.next(new sfn.Succeed(scope, 'RestoreSucceeded', { outputPath: '$.report' }));

    const batchFailed = new sfn.Choice(scope, 'CorruptSegment?')
      .when(sfn.Condition.stringEquals('$.failure.Error', 'CorruptSegment'), new sfn.Fail(scope, 'CorruptSegmentFound', { error: 'CorruptBackup', causePath: '$.failure.Cause' }))
      .otherwise(new sfn.Fail(scope, 'RestoreFailed', { error: 'RestoreFailed', causePath: '$.failure.Cause' }));
    const restorePartitions = this.batches(scope, 'RestorePartitions', 'restoreId', maxConcurrency, lambdaStep(scope, 'Restore', this.steps['restore-copy'], BATCH_PAYLOAD('restoreId'), '$.copy'), 'BatchRestored', batchFailed);
    const dryRun = new sfn.Choice(scope, 'DryRun?')
      .when(sfn.Condition.booleanEquals('$.plan.dryRun', true), new sfn.Succeed(scope, 'DryRunReported', { outputPath: '$.plan.report' }))
      .otherwise(this.ifBatches(scope, 'AnythingToRestore?', restorePartitions, finished));
    return plan.next(dryRun);
  }
}
