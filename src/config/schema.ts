// The estate configuration: one file describes the clusters, the MirrorMaker 2 flows
// between them, DNS, probes, failover policy and backups. This module is shared by the
// CDK app (validated at synth) and the Lambdas (validated at start), so it must not
// import CDK or Kafka.
import * as z from 'zod';
import {
  AVAILABILITY_ZONE,
  AVAILABILITY_ZONE_EXPECTED,
  AWS_ACCOUNT,
  AWS_ACCOUNT_EXPECTED,
  AWS_REGION,
  AWS_REGION_EXPECTED,
  ec2IdPattern,
  HOSTED_ZONE_ID_EXAMPLE,
  hostedZoneIdProblems,
  recoveryControlArnProblems,
  SECRET_ARN_EXAMPLE,
  secretArnProblems,
} from './aws-identifiers';
import { dnsNameProblems, HOST_PORT_EXAMPLE, hostPortProblems, HTTP_URL_EXAMPLE, httpUrlProblems, ipv4Problems, ipv6Problems } from './network-address';
import { scheduleExpressionProblems } from './schedule-expression';
import { topologyProblems } from './topology';

/** A message naming the offending value and what the field takes instead. */
const expecting = (what: string) => (issue: { input?: unknown }) => `${JSON.stringify(issue.input)}: expected ${what}`;

/**
 * A string with a syntax of its own (host:port, an ARN, a schedule). `shape` is the coarse
 * pattern the JSON Schema gives editors; `problems` parses the value and range-checks its
 * numbers, saying which part is wrong and what it should be. It words the shape's message
 * too, and runs alone once the shape holds, so each mistake is reported once.
 */
function parsedString(shape: RegExp, expected: string, problems: (value: string) => string[]) {
  return z
    .string()
    .regex(shape, { error: (issue) => problems(String(issue.input)).join('; ') || expecting(expected)(issue), abort: true })
    .superRefine((value, ctx) => {
      for (const message of problems(value)) ctx.addIssue({ code: 'custom', message, input: value });
    });
}

const clusterName = z
  .string()
  .regex(/^[a-z][a-z0-9-]{0,30}$/, { error: expecting('a cluster name: lowercase letters, digits and "-", starting with a letter, at most 31 characters (e.g. dc1)') });

const secretArn = parsedString(/^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:.+-[A-Za-z0-9]{6}$/, `a Secrets Manager secret ARN such as ${SECRET_ARN_EXAMPLE}`, secretArnProblems);

const hostPort = parsedString(/^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9._-]+):\d{1,5}$/, `host:port such as ${HOST_PORT_EXAMPLE}`, hostPortProblems);

/** A Java regex as MM2 takes it; we check it compiles as a JS regex, which covers the syntax operators use. */
const topicPattern = z.string().min(1, { error: 'expected a topic regex such as orders or payments\\..*' }).superRefine((pattern, ctx) => {
  try {
    new RegExp(`^(?:${pattern})$`);
  } catch (err) {
    const reason = (err as Error).message.split(': ').pop();
    ctx.addIssue({ code: 'custom', message: `"${pattern}" is an invalid regular expression (${reason}): expected a regex as MM2's topics takes it, such as orders or payments\\..*` });
  }
});

function safeRegex(pattern: string): RegExp | undefined {
  try {
    return new RegExp(`^(?:${pattern})$`);
  } catch {
    return undefined; // reported by topicPattern
  }
}

const awsRegion = z.string().regex(AWS_REGION, { error: expecting(AWS_REGION_EXPECTED) });
// YAML reads an unquoted account id as a number, dropping any leading zero: say so.
const awsAccount = z
  .string({ error: (issue) => (typeof issue.input === 'number' ? `${issue.input}: expected ${AWS_ACCOUNT_EXPECTED} in quotes, such as "111122223333" (YAML reads it unquoted as a number)` : undefined) })
  .regex(AWS_ACCOUNT, { error: expecting(AWS_ACCOUNT_EXPECTED) });

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
    connectUrl: z
      .url({ protocol: /^https?$/, error: (issue) => httpUrlProblems(String(issue.input)).join('; ') || expecting(`an http(s) URL such as ${HTTP_URL_EXAMPLE}`)(issue), abort: true })
      .superRefine((url, ctx) => {
        for (const message of httpUrlProblems(url)) ctx.addIssue({ code: 'custom', message, input: url });
      })
      .describe('the Kafka Connect REST endpoint running this flow\'s MM2 connectors'),
    authSecretArn: secretArn.optional().describe('basic auth for the Connect REST API: {"username","password"}'),
    connectors: z
      .object({ source: z.string().min(1), checkpoint: z.string().min(1), heartbeat: z.string().min(1) })
      .strict(),
    emitCheckpoints: z.boolean().default(true),
    syncGroupOffsets: z.boolean().default(false).describe('MM2 sync.group.offsets.enabled; kafka-dr syncs offsets itself at failover'),
    offsetSyncsTopicLocation: z.enum(['source', 'target']).default('source'),
    configTopic: z
      .object({
        cluster: clusterName.describe('the cluster the Connect worker group stores its topics on (its bootstrap.servers)'),
        topic: z.string().min(1).describe("the worker group's config.storage.topic"),
      })
      .strict()
      .optional()
      .describe(
        "where Kafka Connect persists this flow's connectors' target states. Given, an unplanned failover verifies that the connectors' target states (checkpoint STOPPED, source and heartbeat PAUSED) are persisted there and goes on, instead of waiting for the tasks blocked on the dead source to shut down (seconds)",
      ),
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

/** What a record of each type holds: Route 53 refuses any other value, but only when a failover publishes it. */
const DNS_RECORD_VALUES: Record<'CNAME' | 'A' | 'AAAA', { takes: string; problems: (value: string) => string[] }> = {
  CNAME: { takes: 'a CNAME record takes a DNS name', problems: (value) => dnsNameProblems(value) },
  A: { takes: 'an A record takes IPv4 addresses', problems: ipv4Problems },
  AAAA: { takes: 'an AAAA record takes IPv6 addresses', problems: ipv6Problems },
};

const recordName = parsedString(/^([A-Za-z0-9_*-]+\.)+[A-Za-z0-9-]+\.?$/, 'a fully qualified DNS name such as kafka.payments.example.internal', (name) =>
  dnsNameProblems(name, { wildcard: true }),
);

const recoveryControlArn = (kind: 'cluster' | 'controlpanel' | 'routingcontrol') =>
  parsedString(/^arn:[^:]+:[^:]*:[^:]*:[^:]*:.+$/, `a ${kind} ARN`, recoveryControlArnProblems(kind));

/** Where the clients' switch lives in Route 53 Application Recovery Controller (dns.mode arc-routing-control). */
export const arcSchema = z
  .object({
    clusterArn: recoveryControlArn('cluster')
      .optional()
      .describe('an existing ARC cluster (clusters bill by the hour; several estates can share one); omit to let the stack create one'),
    endpoints: z
      .array(
        z
          .object({
            url: parsedString(/^[A-Za-z][A-Za-z0-9+.-]*:\/\/.+$/, `an http(s) URL such as ${HTTP_URL_EXAMPLE}`, httpUrlProblems),
            region: awsRegion,
          })
          .strict(),
      )
      .min(1)
      .optional()
      .describe(
        "the cluster's regional data-plane endpoints (aws route53-recovery-control-config describe-cluster --region us-west-2 lists them); a failover tries them in turn. Required with clusterArn; the stack reads them itself when it creates the cluster",
      ),
    controlPanelArn: recoveryControlArn('controlpanel').optional().describe('the control panel to create the routing controls and the safety rule in; omit to let the stack create one'),
    routingControls: z
      .record(clusterName, recoveryControlArn('routingcontrol'))
      .optional()
      .describe('existing routing controls, one per cluster of dns.values; omit to let the stack create them with a safety rule that keeps at least one on'),
  })
  .strict();

export const DNS_MODES = {
  upsert: 'one record, repointed by an UPSERT through the Route 53 API (its control plane, hosted in us-east-1)',
  'arc-routing-control':
    'failover records whose health checks follow Application Recovery Controller routing controls, switched through the ARC cluster\'s regional data-plane endpoints: no control-plane call during a failover',
  'health-check':
    "failover records whose health checks follow a CloudWatch alarm on kafka-dr's ActiveSide metric, switched by publishing that metric in the control plane's region (CloudWatch's data plane); cheaper than ARC, slower to take effect",
} as const;

export const dnsSchema = z
  .object({
    mode: z
      .enum(Object.keys(DNS_MODES) as [keyof typeof DNS_MODES, ...(keyof typeof DNS_MODES)[]])
      .default('upsert')
      .describe(`how a failover switches clients: ${Object.entries(DNS_MODES).map(([mode, what]) => `${mode}: ${what}`).join('; ')}`),
    arc: arcSchema.optional().describe('with mode arc-routing-control: the ARC cluster, control panel and routing controls'),
    hostedZoneId: parsedString(/^[A-Z0-9]{1,32}$/, `a Route 53 hosted zone id such as ${HOSTED_ZONE_ID_EXAMPLE} (without /hostedzone/)`, hostedZoneIdProblems),
    recordName: recordName.optional().describe("the bootstrap record all clients use (active-passive, fan-in); or give dns.records instead"),
    records: z
      .record(clusterName, recordName)
      .optional()
      .describe(
        "active-active: each datacenter's own bootstrap record, which its local clients use (dc1: kafka-dc1.example.internal). A failover of a flow moves one datacenter's clients: the source's, or the target's own coming home. dns.mode upsert only",
      ),
    type: z.enum(['CNAME', 'A', 'AAAA']),
    ttl: z.number().int().min(1).max(86400).describe('seconds; keep it short (30-60) so clients follow a failover quickly'),
    values: z
      .record(clusterName, z.array(z.string().min(1)).min(1))
      .describe('the record value(s) to publish when each cluster is the active side: a DNS name for CNAME, IPv4 addresses for A, IPv6 for AAAA'),
  })
  .strict();

/** Which topics or groups get metrics of their own: each is a billed custom metric, and estates have thousands. */
const perDimensionMetricsSchema = (what: string, worst: string) =>
  z
    .object({
      publish: z
        .enum(['all', 'top', 'none'])
        .default('all')
        .describe(`which ${what} get metrics of their own: all, the \`top\` ${worst}, or none; the flow's own metrics are always published`),
      top: z.number().int().min(1).max(1000).default(20).describe(`how many ${what} \`publish: top\` publishes`),
    })
    .strict()
    .prefault({});

export const probesSchema = z
  .object({
    rateMinutes: z.number().int().min(1).max(60).default(1),
    lagProbeMemoryMb: z
      .number()
      .int()
      .min(256)
      .max(10240)
      .default(256)
      .describe('memory of the lag probe, MB: one run held 193 MiB at 10,000 partitions per flow, 221 MiB at 15,000 and 397 MiB at 50,000 (bench/lag-probe.bench.ts); give it 512 past 15,000 and 1024 toward 50,000'),
    liveness: z
      .object({
        // A divisor of the minute the liveness probe's schedule runs for, so every run samples on the same grid.
        sampleSeconds: z
          .literal([5, 10, 15, 30])
          .default(5)
          .describe('how often the liveness probe checks each flow (source and target reachable, MM2 heartbeat age); its alarms use the shortest CloudWatch period holding two samples'),
      })
      .strict()
      .prefault({}),
    thresholds: z
      .object({
        rpoSeconds: z.number().positive().default(60),
        // MM2 emits a heartbeat every second: 15 s of silence is replication stopped, not jitter, and leaves primary-down within 30 s.
        heartbeatStaleSeconds: z.number().positive().default(15),
        checkpointStaleSeconds: z.number().positive().default(120),
        canaryTimeoutSeconds: z.number().positive().max(60).default(10),
        // At least 2: one liveness period holds only two samples, and a late schedule can leave one empty.
        unreachablePeriods: z.number().int().min(2).max(60).default(2).describe('liveness alarm periods in a row in which no sample reached the source before source-unreachable fires'),
        minHeadroom: z.number().min(1).default(1.2),
        catchUpEtaSeconds: z.number().positive().default(900),
      })
      .strict()
      .prefault({}),
    topicMetrics: perDimensionMetricsSchema('topics', 'with the highest RPO (then the most unreplicated records)'),
    groupMetrics: perDimensionMetricsSchema('consumer groups', 'with the oldest checkpoints'),
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
    notificationEmails: z.array(z.email({ error: expecting('an email address such as kafka-oncall@example.com') })).default([]),
    readiness: z
      .object({
        rateMinutes: z.number().int().min(5).max(1440).default(60).describe('how often each flow gets a scheduled dry-run failover, which publishes FailoverReady'),
        mode: z.enum(['planned', 'unplanned']).default('unplanned').describe('the failover it rehearses; unplanned is what a lost datacenter needs'),
      })
      .strict()
      .prefault({})
      .describe('the scheduled failover readiness check: a dry run per flow, changing nothing'),
  })
  .strict();

export const backupSchema = z
  .object({
    schedule: parsedString(/^(rate\(\s*\d+\s+(minutes?|hours?|days?)\s*\)|cron\(.+\))$/, 'an EventBridge schedule expression such as rate(1 hour) or cron(0 3 * * ? *)', scheduleExpressionProblems).describe(
      'an EventBridge schedule expression: rate(VALUE UNIT) or cron(MINUTES HOURS DAY-OF-MONTH MONTH DAY-OF-WEEK YEAR)',
    ),
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
    vpcId: z.string().regex(ec2IdPattern('vpc'), { error: expecting('a VPC id: vpc- and 8 or 17 hexadecimal digits, such as vpc-0123456789abcdef0') }),
    availabilityZones: z.array(z.string().regex(AVAILABILITY_ZONE, { error: expecting(AVAILABILITY_ZONE_EXPECTED) })).min(1).describe("in the control plane's region"),
    subnetIds: z.array(z.string().regex(ec2IdPattern('subnet'), { error: expecting('a subnet id: subnet- and 8 or 17 hexadecimal digits, such as subnet-0123456789abcdef0') })).min(1),
    securityGroupIds: z.array(z.string().regex(ec2IdPattern('sg'), { error: expecting('a security group id: sg- and 8 or 17 hexadecimal digits, such as sg-0123456789abcdef0') })).min(1),
  })
  .strict();

/** One bootstrap record for all clients, or one per datacenter (active-active) that a failover moves one at a time. */
function recordProblems(config: Pick<z.infer<typeof dnsSchema>, 'mode' | 'recordName' | 'records' | 'values'> & { flows: Pick<FlowConfig, 'source'>[] }, ctx: z.RefinementCtx) {
  const { recordName: single, records, mode } = config;
  if (single !== undefined && records !== undefined) {
    ctx.addIssue({ code: 'custom', path: ['dns', 'records'], message: 'give dns.recordName (one bootstrap record for all clients) or dns.records (one per datacenter), not both' });
    return;
  }
  if (single === undefined && records === undefined) {
    ctx.addIssue({ code: 'custom', path: ['dns', 'recordName'], message: 'missing the bootstrap record: dns.recordName (one for all clients) or dns.records (one per datacenter, active-active)' });
    return;
  }
  if (!records) return;
  if (mode !== 'upsert') {
    ctx.addIssue({
      code: 'custom',
      path: ['dns', 'records'],
      message: `per-datacenter records are switched by UPSERT: dns.mode ${mode} switches one record's PRIMARY/SECONDARY pair; use dns.mode upsert, or one dns.recordName`,
    });
  }
  const byName = new Map<string, string>();
  for (const [home, name] of Object.entries(records)) {
    const key = name.toLowerCase().replace(/\.$/, '');
    const other = byName.get(key);
    if (other) ctx.addIssue({ code: 'custom', path: ['dns', 'records', home], message: `${name} is also the record of ${other}: each datacenter's clients need a record of their own` });
    byName.set(key, home);
    if (!config.values[home]) ctx.addIssue({ code: 'custom', path: ['dns', 'records', home], message: `"${home}" has no value in dns.values: expected records for clusters of dns.values (${Object.keys(config.values).join(', ')})` });
  }
  for (const source of new Set(config.flows.map((f) => f.source))) {
    if (!records[source]) {
      ctx.addIssue({ code: 'custom', path: ['dns', 'records', source], message: `missing the record of ${source}'s clients: a failover of a flow from ${source} moves them` });
    }
  }
}

/** What each client switching mode needs besides the record. */
function dnsModeProblems(dns: z.infer<typeof dnsSchema>, ctx: z.RefinementCtx) {
  const { arc } = dns;
  const sides = Object.keys(dns.values);
  if (dns.mode !== 'upsert' && sides.length !== 2) {
    ctx.addIssue({ code: 'custom', path: ['dns', 'values'], message: `${dns.mode} publishes a PRIMARY and a SECONDARY failover record: expected exactly two clusters in dns.values, got ${sides.length}` });
  }
  if (dns.mode !== 'arc-routing-control') {
    if (arc) ctx.addIssue({ code: 'custom', path: ['dns', 'arc'], message: `dns.arc is used only with dns.mode arc-routing-control (the mode is ${dns.mode}): set the mode or remove dns.arc` });
    return;
  }
  if (!arc) {
    ctx.addIssue({ code: 'custom', path: ['dns', 'arc'], message: 'dns.mode arc-routing-control needs dns.arc: {} lets the stack create the ARC cluster, control panel and routing controls' });
    return;
  }
  if (arc.clusterArn && !arc.endpoints) {
    ctx.addIssue({ code: 'custom', path: ['dns', 'arc', 'endpoints'], message: `an existing ARC cluster needs its endpoints: list them from aws route53-recovery-control-config describe-cluster --cluster-arn ${arc.clusterArn} --region us-west-2` });
  }
  if (!arc.clusterArn && (arc.endpoints || arc.controlPanelArn || arc.routingControls)) {
    ctx.addIssue({ code: 'custom', path: ['dns', 'arc', 'clusterArn'], message: 'endpoints, a control panel or routing controls belong to an existing ARC cluster: give its clusterArn too' });
  }
  if (arc.routingControls) {
    const controlled = Object.keys(arc.routingControls);
    for (const side of sides.filter((s) => !controlled.includes(s))) {
      ctx.addIssue({ code: 'custom', path: ['dns', 'arc', 'routingControls', side], message: `missing the routing control of "${side}", which dns.values publishes` });
    }
    for (const side of controlled.filter((s) => !sides.includes(s))) {
      ctx.addIssue({ code: 'custom', path: ['dns', 'arc', 'routingControls', side], message: `"${side}" has no DNS value in dns.values: expected routing controls for ${sides.join(', ')}` });
    }
    if (arc.controlPanelArn) {
      for (const [side, arn] of Object.entries(arc.routingControls)) {
        if (recoveryControlArnProblems('routingcontrol')(arn).length === 0 && !arn.startsWith(`${arc.controlPanelArn}/`)) {
          ctx.addIssue({ code: 'custom', path: ['dns', 'arc', 'routingControls', side], message: `${arn} is not in the control panel ${arc.controlPanelArn}` });
        }
      }
    }
  }
}

function kindOf(value: unknown): string {
  if (value === null || value === undefined) return 'nothing';
  if (Array.isArray(value)) return 'a list';
  return `a ${typeof value}`;
}

export const estateConfigSchema = z
  .object({
    estate: z
      .string()
      .regex(/^[A-Za-z][A-Za-z0-9-]{0,40}$/, { error: expecting('an estate name: letters, digits and "-", starting with a letter, at most 41 characters (e.g. payments)') })
      .describe('names the stacks and the resources they create'),
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
  }, { error: (issue) => (issue.code === 'invalid_type' ? `expected a mapping of the estate's settings (estate, controlPlane, network, clusters, flows, dns, failover, ...), got ${kindOf(issue.input)}: see config/estate.example.yaml` : undefined) })
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
      const configCluster = flow.mm2.configTopic?.cluster;
      if (configCluster !== undefined && !known.has(configCluster)) {
        ctx.addIssue({ code: 'custom', path: ['flows', i, 'mm2', 'configTopic', 'cluster'], message: `unknown cluster "${configCluster}": expected one of ${names.join(', ')}` });
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
    for (const problem of topologyProblems(config.flows.map((f) => ({ ...f, name: flowName(f) })))) {
      ctx.addIssue({ code: 'custom', path: ['flows', problem.flow, problem.field, 'type'], message: problem.message });
    }
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
    recordProblems({ ...config.dns, flows: config.flows }, ctx);
    dnsModeProblems(config.dns, ctx);
    const recordValue = DNS_RECORD_VALUES[config.dns.type];
    for (const [cluster, values] of Object.entries(config.dns.values)) {
      values.forEach((value, j) => {
        for (const problem of recordValue.problems(value)) {
          ctx.addIssue({ code: 'custom', path: ['dns', 'values', cluster, j], message: `${problem} (${recordValue.takes})` });
        }
      });
    }
    // The Lambdas join subnets of the VPC in the control plane's region.
    config.network.availabilityZones.forEach((zone, i) => {
      if (AVAILABILITY_ZONE.test(zone) && zone.slice(0, -1) !== config.controlPlane.region) {
        ctx.addIssue({
          code: 'custom',
          path: ['network', 'availabilityZones', i],
          message: `"${zone}" is not in the control plane's region ${config.controlPlane.region}: expected a zone such as ${config.controlPlane.region}a`,
        });
      }
    });
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
