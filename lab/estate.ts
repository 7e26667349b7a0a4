// The lab as an estate: reads lab/.state/lab.json (written by lab.sh up), stores the dc1
// credentials and CA in the emulated Secrets Manager, creates the Route 53 zone, and
// returns an estate configuration validated by the same schema a deployment uses. So the
// lab exercises the real credential path: config -> secret ARN -> Secrets Manager -> client.
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { CreateHostedZoneCommand, ListHostedZonesByNameCommand, Route53Client } from '@aws-sdk/client-route-53';
import { CreateSecretCommand, DescribeSecretCommand, PutSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { parseEstateConfig } from '#src/config/parse';
import { CANARY_TOPIC, type EstateConfig } from '#src/config/schema';
import { flowOf, type Flow } from '#src/flow';
import { projectRoot } from '../lib/paths';

interface LabCluster {
  bootstrapServers: string;
  /** dc1 and dc2: node 1 and the broker-only nodes LAB_BROKERS added; absent from a lab.json written before them. */
  brokers?: number;
  securityProtocol: 'SASL_SSL' | 'PLAINTEXT';
  username?: string;
  password?: string;
  caPemPath?: string;
  /** Java client settings for Kafka's CLI tools (lab/kafka-run.sh --command-config). */
  clientPropertiesFile: string;
  logFile: string;
}

export interface LabInfo {
  kafkaVersion: string;
  clusters: { dc1: LabCluster; dc2: LabCluster };
  connect: { url: string; logFile: string; connectors: { source: string; checkpoint: string; heartbeat: string; identitySource: string }; configTopic: { cluster: string; topic: string } };
  /** The on-demand reverse flow dc2 -> dc1 (lab/reverse-flow.ts); absent from a lab.json written before it existed. */
  reverseConnect?: { url: string; connectors: { source: string; checkpoint: string; heartbeat: string }; configTopic: { cluster: string; topic: string } };
  /** The fan-in edge site dc3 and its flow dc3 -> dc2 (lab/fan-in.ts); absent from a lab.json written before it existed. */
  edge?: { cluster: LabCluster; connectors: { source: string; checkpoint: string; heartbeat: string } };
  moto: { endpoint: string; logFile: string };
  libsDir: string;
  stateDir: string;
}

export const LAB_REGION = 'us-east-1';
export const LAB_ZONE = 'lab.kafka-dr.internal';
export const LAB_BOOTSTRAP_RECORD = `kafka.${LAB_ZONE}`;

/** Runs bash lab/lab.sh with the arguments on this process's lab (e.g. "up" brings back what was killed). */
export async function labSh(...args: string[]): Promise<void> {
  try {
    // Generous: lab.sh waits up to 300 s for another up/down on the same lab to finish first.
    await promisify(execFile)('bash', [path.join(projectRoot, 'lab', 'lab.sh'), ...args], { env: { ...process.env, LAB_STATE: labStateDir() }, timeout: 600_000 });
  } catch (err) {
    const stderr = (err as { stderr?: string }).stderr?.trim();
    throw new Error(`bash lab/lab.sh ${args.join(' ')} failed for the lab in ${labStateDir()}:\n${stderr ? stderr.slice(-3000) : (err as Error).message}`);
  }
}

/** Kills a lab component abruptly, as losing its building would (lab.sh up brings it back). */
export function killLabComponent(component: 'dc1' | 'dc2' | 'connect' | 'moto'): void {
  const pid = Number(readFileSync(path.join(labStateDir(), 'pids', `${component}.pid`), 'utf8').trim());
  process.kill(pid, 'SIGKILL');
}

export function labStateDir(): string {
  return process.env.LAB_STATE ?? path.join(projectRoot, 'lab', '.state');
}

export function readLabInfo(): LabInfo {
  const file = path.join(labStateDir(), 'lab.json');
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as LabInfo;
  } catch (err) {
    throw new Error(`the lab is not up (${file}: ${(err as Error).message}): run npm run lab:up`);
  }
}

/** Points the AWS SDK of this process at the lab's emulator, with dummy credentials. */
export function useLabAws(lab: LabInfo): void {
  process.env.AWS_ENDPOINT_URL = lab.moto.endpoint;
  process.env.AWS_REGION = LAB_REGION;
  process.env.AWS_ACCESS_KEY_ID ??= 'lab';
  process.env.AWS_SECRET_ACCESS_KEY ??= 'lab';
}

async function putSecret(client: SecretsManagerClient, name: string, value: string): Promise<string> {
  try {
    const created = await client.send(new CreateSecretCommand({ Name: name, SecretString: value }));
    return created.ARN!;
  } catch (err) {
    if ((err as Error).name !== 'ResourceExistsException') throw err;
    await client.send(new PutSecretValueCommand({ SecretId: name, SecretString: value }));
    return (await client.send(new DescribeSecretCommand({ SecretId: name }))).ARN!;
  }
}

async function hostedZone(client: Route53Client): Promise<string> {
  const found = await client.send(new ListHostedZonesByNameCommand({ DNSName: LAB_ZONE }));
  const existing = found.HostedZones?.find((z) => z.Name === `${LAB_ZONE}.`);
  const id =
    existing?.Id ??
    (await client.send(new CreateHostedZoneCommand({ Name: LAB_ZONE, CallerReference: `kafka-dr-lab-${Date.now()}` }))).HostedZone!.Id!;
  return id.replace('/hostedzone/', '');
}

/** The lab's estate, with its secrets and hosted zone in place in the emulator. */
export async function labEstate(lab: LabInfo = readLabInfo()): Promise<EstateConfig> {
  useLabAws(lab);
  const secrets = new SecretsManagerClient({});
  const dc1 = lab.clusters.dc1;
  const credentialsSecretArn = await putSecret(secrets, 'kafka-dr/lab/dc1-scram', JSON.stringify({ username: dc1.username, password: dc1.password }));
  const caSecretArn = await putSecret(secrets, 'kafka-dr/lab/dc1-ca', readFileSync(dc1.caPemPath!, 'utf8'));
  const hostedZoneId = await hostedZone(new Route53Client({}));
  const { source, checkpoint, heartbeat } = lab.connect.connectors;
  return parseEstateConfig(
    {
      estate: 'lab',
      controlPlane: { account: '123456789012', region: LAB_REGION },
      network: { vpcId: 'vpc-00000000', availabilityZones: ['us-east-1a'], subnetIds: ['subnet-00000000'], securityGroupIds: ['sg-00000000'] },
      clusters: [
        { name: 'dc1', bootstrapServers: [dc1.bootstrapServers], auth: { type: 'sasl-scram-sha-512', credentialsSecretArn, caSecretArn } },
        { name: 'dc2', bootstrapServers: [lab.clusters.dc2.bootstrapServers], auth: { type: 'none' } },
      ],
      flows: [
        {
          source: 'dc1',
          target: 'dc2',
          // ident-* topics are replicated by the lab's identity-policy connector instead (identityFlow);
          // wide-* topics (thousands of partitions, for the backup scale test) are not replicated at all.
          topics: { include: ['.*'], exclude: ['__.*', '.*\\.internal', 'heartbeats', 'mm2-.*', 'connect-.*', 'ident-.*', 'wide-.*'] },
          replicationPolicy: { type: 'default', separator: '.' },
          mm2: { connectUrl: lab.connect.url, connectors: { source, checkpoint, heartbeat }, emitCheckpoints: true, syncGroupOffsets: false, configTopic: lab.connect.configTopic },
        },
      ],
      dns: {
        hostedZoneId,
        recordName: LAB_BOOTSTRAP_RECORD,
        type: 'CNAME',
        ttl: 30,
        values: { dc1: [`dc1.${LAB_ZONE}`], dc2: [`dc2.${LAB_ZONE}`] },
      },
      // Short thresholds so the lab shows staleness in seconds, not minutes.
      probes: { rateMinutes: 1, thresholds: { rpoSeconds: 5, heartbeatStaleSeconds: 5, checkpointStaleSeconds: 30, canaryTimeoutSeconds: 10 } },
      failover: { mode: 'automatic', cooldownMinutes: 0 },
      // Small segments and a one-day lock so tests see rotation and the lab's bucket stays small.
      backup: {
        schedule: 'rate(1 hour)',
        cluster: 'dc1',
        topics: ['orders'],
        retentionDays: 1,
        objectLockMode: 'GOVERNANCE',
        segment: { maxBytes: 1048576, maxAgeSeconds: 60 },
        parallelism: { partitionsPerInvocation: 4, concurrentInvocations: 4 },
      },
    },
    'the lab estate',
  );
}

/** The lab's second view of dc1 -> dc2: topics "ident-*" replicated under MM2's IdentityReplicationPolicy. */
export function identityFlow(config: EstateConfig, lab: LabInfo): Flow {
  const [flow] = config.flows;
  if (!flow) throw new Error('the lab estate has no flow');
  return flowOf({
    ...flow,
    topics: { include: ['ident-.*', CANARY_TOPIC], exclude: [] },
    replicationPolicy: { type: 'identity', separator: '.' },
    mm2: { ...flow.mm2, connectors: { ...flow.mm2.connectors, source: lab.connect.connectors.identitySource } },
  });
}
