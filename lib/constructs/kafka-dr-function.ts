// The defaults every kafka-dr Lambda gets, in one place: esbuild bundle (ESM, minified,
// source maps) carrying the validated estate configuration, ARM64 on nodejs22.x, an
// explicit log group with retention, X-Ray, Powertools settings, the estate's VPC, and read
// access to exactly the secrets the function names.
import * as path from 'node:path';
import { Duration, Validations, type Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { LogLevel, NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import type { EstateConfig } from '#src/config/schema';
import { ESTATE_CONFIG, ESTATE_NAME } from '#src/environment';
import { METRICS_NAMESPACE } from '#src/metrics';
import { projectRoot } from '../paths';
import { sourceFingerprint } from './source-fingerprint';

/** The estate's network, resolved once per stack and shared by its functions. */
export interface EstateNetwork {
  vpc: ec2.IVpc;
  subnets: ec2.ISubnet[];
  securityGroups: ec2.ISecurityGroup[];
}

export function importEstateNetwork(scope: Construct, config: EstateConfig): EstateNetwork {
  const { network } = config;
  return {
    vpc: ec2.Vpc.fromVpcAttributes(scope, 'EstateVpc', { vpcId: network.vpcId, availabilityZones: network.availabilityZones }),
    subnets: network.subnetIds.map((id) => ec2.Subnet.fromSubnetId(scope, `Subnet-${id}`, id)),
    securityGroups: network.securityGroupIds.map((id) => ec2.SecurityGroup.fromSecurityGroupId(scope, `SecurityGroup-${id}`, id)),
  };
}

export interface KafkaDrFunctionProps {
  /** Folder under functions/ that holds this function's handler.ts. */
  handlerDir: string;
  description: string;
  config: EstateConfig;
  network: EstateNetwork;
  /** Secrets the function may read (complete ARNs); nothing else is granted. */
  secretArns: readonly string[];
  timeout?: Duration;
  memorySize?: number;
  environment?: Record<string, string>;
}

export class KafkaDrFunction extends Construct {
  readonly function: NodejsFunction;
  readonly logGroup: logs.LogGroup;
  /** The function's execution role (created with it). */
  readonly role: iam.IRole;

  constructor(scope: Construct, id: string, props: KafkaDrFunctionProps) {
    super(scope, id);
    this.logGroup = new logs.LogGroup(this, 'Logs', {
      retention: props.config.logRetentionDays as logs.RetentionDays,
    });
    this.function = new NodejsFunction(this, 'Function', {
      entry: path.join(projectRoot, 'functions', props.handlerDir, 'handler.ts'),
      handler: 'handler',
      description: props.description,
      runtime: lambda.Runtime.NODEJS_22_X,
      architecture: lambda.Architecture.ARM_64,
      memorySize: props.memorySize ?? 256,
      timeout: props.timeout ?? Duration.seconds(60),
      tracing: lambda.Tracing.ACTIVE,
      logGroup: this.logGroup,
      loggingFormat: lambda.LoggingFormat.JSON,
      vpc: props.network.vpc,
      vpcSubnets: { subnets: props.network.subnets },
      securityGroups: props.network.securityGroups,
      environment: {
        POWERTOOLS_SERVICE_NAME: `kafka-dr-${props.handlerDir}`,
        POWERTOOLS_METRICS_NAMESPACE: METRICS_NAMESPACE,
        [ESTATE_NAME.name]: props.config.estate,
        NODE_OPTIONS: '--enable-source-maps',
        ...props.environment,
      },
      bundling: {
        format: OutputFormat.ESM,
        target: 'node22',
        minify: true,
        sourceMap: true,
        mainFields: ['module', 'main'],
        // CommonJS dependencies (aws-xray-sdk-core) call require(); give the ESM bundle one.
        banner: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);",
        // The estate configuration travels inside the bundle (no 4 KB environment limit)
        // and is validated again when the function starts.
        define: { [`process.env.${ESTATE_CONFIG.name}`]: JSON.stringify(JSON.stringify(props.config)) },
        // The nodejs22.x runtime provides the AWS SDK v3.
        externalModules: ['@aws-sdk/*'],
        // @platformatic/kafka's CRC32C and compression come from a wasm module that the
        // package's default entry reads from ../dist/native.wasm beside itself: outside
        // the bundle, so the function died at import. Its `bundled` entry carries the same
        // module inline, made for bundlers; nothing to copy, nothing to resolve at run time.
        esbuildArgs: { '--alias:@platformatic/wasm-utils': '@platformatic/wasm-utils/bundled' },
        assetHash: sourceFingerprint(),
        // 18 size summaries per synth bury what matters; errors still show (bench/cold-start reports sizes).
        logLevel: LogLevel.ERROR,
      },
    });
    if (!this.function.role) throw new Error(`${this.node.path}: the function has no execution role`);
    this.role = this.function.role;
    for (const [i, arn] of [...new Set(props.secretArns)].entries()) {
      secretsmanager.Secret.fromSecretCompleteArn(this, `Secret${i}`, arn).grantRead(this.function);
    }
    // Acknowledged on this function's default policy only, so that a wildcard another
    // policy adds is still reported and needs its own reason.
    const defaultPolicy = this.role.node.tryFindChild('DefaultPolicy');
    if (defaultPolicy) {
      Validations.of(defaultPolicy).acknowledge({
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason: 'X-Ray PutTraceSegments/PutTelemetryRecords (active tracing) support no resource-level permissions',
      });
    }
  }
}

/**
 * cdk-nag findings every stack of KafkaDrFunctions carries by design, acknowledged once
 * per stack with the reason.
 */
export function acknowledgeLambdaDefaults(stack: Stack): void {
  const acknowledgements = [
    {
      id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
      reason: 'the AWS-maintained minimum for a Lambda writing its own logs',
    },
    {
      id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole]',
      reason: 'the AWS-maintained minimum for a Lambda attached to the estate VPC (ENI management)',
    },
    {
      id: 'AwsSolutions-L1',
      reason: 'kafka-dr pins nodejs22.x: the project, its tests and the bundle target Node 22',
    },
  ];
  for (const a of acknowledgements) Validations.of(stack).acknowledge(a);
}
