// The estate configuration: one file describes the clusters, the MirrorMaker 2 flows
// between them, DNS, probes, failover policy and backups. This module is shared by the
// CDK app (validated at synth) and the Lambdas (validated at start), so it must not
// import CDK or Kafka.
import * as z from 'zod';

const clusterName = z
  .string()
  .regex(/^[a-z][a-z0-9-]{0,30}$/, 'a cluster name: lowercase letters, digits and "-", starting with a letter, at most 31 characters');

const secretArn = z
  .string()
  .regex(/^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:.+$/, 'a Secrets Manager secret ARN (arn:aws:secretsmanager:REGION:ACCOUNT:secret:NAME)');

const hostPort = z
  .string()
  .regex(/^[A-Za-z0-9.-]+:\d{1,5}$/, 'host:port');

/** A Java regex as MM2 takes it; we check it compiles as a JS regex, which covers the syntax operators use. */
const topicPattern = z.string().min(1).superRefine((pattern, ctx) => {
  try {
    new RegExp(`^(?:${pattern})$`);
  } catch (err) {
    ctx.addIssue({ code: 'custom', message: `an invalid regular expression: ${(err as Error).message}` });
  }
});

function safeRegex(pattern: string): RegExp | undefined {
  try {
    return new RegExp(`^(?:${pattern})$`);
  } catch {
    return undefined; // reported by topicPattern
  }
}

const awsRegion = z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d$/, 'an AWS region such as eu-west-1');
const awsAccount = z.string().regex(/^\d{12}$/, 'a 12-digit AWS account id');

/**
 * How the probes and workflows authenticate to a cluster. Secrets hold:
 * SCRAM `{"username","password"}`, CA a PEM string, mTLS `{"certificate","privateKey"}` in PEM.
 */
export const clusterAuthSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('none') }).strict().describe('PLAINTEXT: for the local lab only'),
  z.object({ type: z.literal('tls'), caSecretArn: secretArn.optional() }).strict(),
  z.object({ type: z.literal('mtls'), caSecretArn: secretArn.optional(), clientCertificateSecretArn: secretArn }).strict(),
  z.object({ type: z.literal('sasl-scram-sha-512'), credentialsSecretArn: secretArn, caSecretArn: secretArn.optional() }).strict(),
  z.object({ type: z.literal('msk-iam') }).strict().describe('Amazon MSK IAM: the Lambda role signs the connection'),
]);

export const clusterSchema = z
  .object({
    name: clusterName.describe('the datacenter alias, as MM2 uses it (e.g. dc1)'),
    region: awsRegion.optional().describe('the AWS region nearest to this datacenter'),
    bootstrapServers: z.array(hostPort).min(1),
    auth: clusterAuthSchema,
  })
  .strict();

export const replicationPolicySchema = z
  .object({
    type: z.enum(['default', 'identity']).describe('default: MM2 DefaultReplicationPolicy (remote topics are "<source><separator><topic>"); identity: IdentityReplicationPolicy (same names)'),
    separator: z.string().min(1).max(5).default('.'),
  })
  .strict();

export const mm2Schema = z
  .object({
    connectUrl: z.url({ protocol: /^https?$/ }).describe('the Kafka Connect REST endpoint running this flow\'s MM2 connectors'),
    authSecretArn: secretArn.optional().describe('basic auth for the Connect REST API: {"username","password"}'),
    connectors: z
      .object({ source: z.string().min(1), checkpoint: z.string().min(1), heartbeat: z.string().min(1) })
      .strict(),
    emitCheckpoints: z.boolean().default(true),
    syncGroupOffsets: z.boolean().default(false).describe('MM2 sync.group.offsets.enabled; kafka-dr syncs offsets itself at failover'),
    offsetSyncsTopicLocation: z.enum(['source', 'target']).default('source'),
  })
  .strict();

export const flowSchema = z
  .object({
    source: clusterName,
    target: clusterName,
    topics: z
      .object({
        include: z.array(topicPattern).min(1),
        exclude: z.array(topicPattern).default([]),
      })
      .strict(),
    replicationPolicy: replicationPolicySchema.default({ type: 'default', separator: '.' }),
    mm2: mm2Schema,
  })
  .strict();

export const dnsSchema = z
  .object({
    hostedZoneId: z.string().regex(/^[A-Z0-9]{1,32}$/, 'a Route 53 hosted zone id such as Z0123456789ABC (without /hostedzone/)'),
    recordName: z.string().regex(/^([a-z0-9-_*]+\.)+[a-z0-9-]+\.?$/i, 'a fully qualified DNS name'),
    type: z.enum(['CNAME', 'A', 'AAAA']),
    ttl: z.number().int().min(1).max(86400).describe('seconds; keep it short (30-60) so clients follow a failover quickly'),
    values: z
      .record(clusterName, z.array(z.string().min(1)).min(1))
      .describe('the record value(s) to publish when each cluster is the active side'),
  })
  .strict();

export const probesSchema = z
  .object({
    rateMinutes: z.number().int().min(1).max(60).default(1),
    thresholds: z
      .object({
        rpoSeconds: z.number().positive().default(60),
        heartbeatStaleSeconds: z.number().positive().default(60),
        checkpointStaleSeconds: z.number().positive().default(120),
        canaryTimeoutSeconds: z.number().positive().max(60).default(10),
        unreachablePeriods: z.number().int().min(1).max(60).default(3),
        minHeadroom: z.number().min(1).default(1.2),
        catchUpEtaSeconds: z.number().positive().default(900),
      })
      .strict()
      .prefault({}),
    bandwidth: z
      .object({
        windowMinutes: z.number().int().min(5).max(1440).default(60),
        transferBytes: z.number().int().min(64 * 1024).max(64 * 1024 * 1024).default(4 * 1024 * 1024),
      })
      .strict()
      .prefault({}),
  })
  .strict();

export const failoverSchema = z
  .object({
    mode: z.enum(['automatic', 'notify-only']).describe('automatic: the primary-down alarm starts an unplanned failover; notify-only: it only notifies'),
    cooldownMinutes: z.number().int().min(0).max(1440).default(30),
    drainTimeoutSeconds: z.number().int().min(10).max(3600).default(300),
    notificationEmails: z.array(z.email()).default([]),
  })
  .strict();

export const backupSchema = z
  .object({
    schedule: z
      .string()
      .regex(/^(rate\(\d+ (minute|minutes|hour|hours|day|days)\)|cron\(.+\))$/, 'an EventBridge schedule expression: rate(N unit) or cron(...)'),
    cluster: clusterName.describe('the cluster the backup reads from'),
    topics: z.array(topicPattern).min(1),
    bucket: z
      .object({
        region: awsRegion.optional().describe('defaults to the control plane region; use another region to keep backups outside both datacenters'),
        account: awsAccount.optional(),
      })
      .strict()
      .prefault({}),
    retentionDays: z.number().int().min(1).max(36500),
    objectLockMode: z.enum(['GOVERNANCE', 'COMPLIANCE']),
    segment: z
      .object({
        maxBytes: z.number().int().min(1024 * 1024).max(512 * 1024 * 1024).default(64 * 1024 * 1024),
        maxAgeSeconds: z.number().int().min(60).max(86400).default(3600),
      })
      .strict()
      .prefault({}),
    compression: z.enum(['zstd', 'none']).default('zstd').describe('how segment payloads are compressed'),
    parallelism: z
      .object({
        partitionsPerInvocation: z.number().int().min(1).max(256).default(16).describe('partitions one backup or restore Lambda invocation works on, concurrently'),
        concurrentInvocations: z.number().int().min(1).max(40).default(8).describe('Map iterations running at once'),
      })
      .strict()
      .prefault({}),
  })
  .strict();

export const networkSchema = z
  .object({
    vpcId: z.string().regex(/^vpc-[0-9a-f]{8,17}$/, 'a VPC id such as vpc-0123456789abcdef0'),
    availabilityZones: z.array(z.string().min(1)).min(1),
    subnetIds: z.array(z.string().regex(/^subnet-[0-9a-f]{8,17}$/, 'a subnet id such as subnet-0123456789abcdef0')).min(1),
    securityGroupIds: z.array(z.string().regex(/^sg-[0-9a-f]{8,17}$/, 'a security group id such as sg-0123456789abcdef0')).min(1),
  })
  .strict();

export const estateConfigSchema = z
  .object({
    estate: z.string().regex(/^[A-Za-z][A-Za-z0-9-]{0,40}$/, 'an estate name: letters, digits and "-", starting with a letter').describe('names the stacks and the resources they create'),
    controlPlane: z
      .object({ account: awsAccount.optional(), region: awsRegion.describe('deploy beside the standby datacenter: the control plane must survive the loss of the primary') })
      .strict(),
    network: networkSchema,
    clusters: z.array(clusterSchema).min(2),
    flows: z.array(flowSchema).min(1),
    dns: dnsSchema,
    probes: probesSchema.prefault({}),
    failover: failoverSchema,
    backup: backupSchema.optional(),
    logRetentionDays: z.number().int().min(1).max(3653).default(30),
  })
  .strict()
  .superRefine((config, ctx) => {
    const names = config.clusters.map((c) => c.name);
    names.forEach((name, i) => {
      if (names.indexOf(name) !== i) {
        ctx.addIssue({ code: 'custom', path: ['clusters', i, 'name'], message: `duplicate cluster name "${name}": each cluster needs its own name` });
      }
    });
    const known = new Set(names);
    const flowNames = new Set<string>();
    config.flows.forEach((flow, i) => {
      for (const side of ['source', 'target'] as const) {
        if (!known.has(flow[side])) {
          ctx.addIssue({ code: 'custom', path: ['flows', i, side], message: `unknown cluster "${flow[side]}": expected one of ${names.join(', ')}` });
        }
      }
      if (flow.source === flow.target) {
        ctx.addIssue({ code: 'custom', path: ['flows', i, 'target'], message: `a flow must replicate to another cluster, but source and target are both "${flow.source}"` });
      }
      const matches = (patterns: string[]) => patterns.some((p) => safeRegex(p)?.test(CANARY_TOPIC));
      if (!matches(flow.topics.include) || matches(flow.topics.exclude)) {
        ctx.addIssue({
          code: 'custom',
          path: ['flows', i, 'topics', 'include'],
          message: `must replicate the probes' canary topic "${CANARY_TOPIC}": add it to topics.include (and to MM2's topics) so replication freshness can be measured`,
        });
      }
      const name = flowName(flow);
      if (flowNames.has(name)) {
        ctx.addIssue({ code: 'custom', path: ['flows', i], message: `duplicate flow ${name}: one flow per source and target` });
      }
      flowNames.add(name);
    });
    for (const flow of config.flows) {
      for (const side of [flow.source, flow.target]) {
        if (known.has(side) && !config.dns.values[side]) {
          ctx.addIssue({ code: 'custom', path: ['dns', 'values', side], message: `missing the DNS value to publish when "${side}" is active` });
        }
      }
    }
    for (const cluster of Object.keys(config.dns.values)) {
      if (!known.has(cluster)) {
        ctx.addIssue({ code: 'custom', path: ['dns', 'values', cluster], message: `unknown cluster "${cluster}": expected one of ${names.join(', ')}` });
      }
    }
    if (config.dns.type === 'CNAME') {
      for (const [cluster, values] of Object.entries(config.dns.values)) {
        if (values.length !== 1) {
          ctx.addIssue({ code: 'custom', path: ['dns', 'values', cluster], message: `a CNAME record takes exactly one value, got ${values.length}` });
        }
      }
    }
    // CloudWatch evaluates an alarm whose period is under an hour over at most one day:
    // the source-unreachable alarm spans unreachablePeriods probe periods.
    const { rateMinutes, thresholds } = config.probes;
    if (rateMinutes < 60 && rateMinutes * thresholds.unreachablePeriods > 24 * 60) {
      ctx.addIssue({
        code: 'custom',
        path: ['probes', 'thresholds', 'unreachablePeriods'],
        message: `at most ${Math.floor((24 * 60) / rateMinutes)} with rateMinutes ${rateMinutes}: CloudWatch evaluates an alarm with a period under one hour over at most one day (${thresholds.unreachablePeriods} × ${rateMinutes} min is longer)`,
      });
    }
    if (config.backup && !known.has(config.backup.cluster)) {
      ctx.addIssue({ code: 'custom', path: ['backup', 'cluster'], message: `unknown cluster "${config.backup.cluster}": expected one of ${names.join(', ')}` });
    }
  });

export type EstateConfig = z.output<typeof estateConfigSchema>;
export type EstateConfigInput = z.input<typeof estateConfigSchema>;
export type ClusterConfig = z.output<typeof clusterSchema>;
export type ClusterAuth = z.output<typeof clusterAuthSchema>;
export type FlowConfig = z.output<typeof flowSchema>;

/**
 * The topic the lag probe writes its canary records to on each flow's source; MM2 must
 * replicate it (the flow's topic filter has to include it) for the canary to cross.
 */
export const CANARY_TOPIC = 'kafka-dr-canary';

/**
 * The topic the bandwidth probe keeps on each flow's source and reads a fixed payload
 * from to time the link. It is not replicated data: the probes never count it as demand
 * or lag (MM2 need not replicate it; operators may exclude it from the flow's topics).
 */
export const LINK_PROBE_TOPIC = 'kafka-dr-link-probe';

/** The name operators use for a flow everywhere (config, metrics, logs, executions): "dc1->dc2". */
export function flowName(flow: Pick<FlowConfig, 'source' | 'target'>): string {
  return `${flow.source}->${flow.target}`;
}

/** A flow's name where ">" is not allowed (resource and alarm names, construct ids): "dc1-to-dc2". */
export function flowSafeName(flow: Pick<FlowConfig, 'source' | 'target'>): string {
  return `${flow.source}-to-${flow.target}`;
}
