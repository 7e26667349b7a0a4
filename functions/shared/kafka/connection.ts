// Builds a kafkajs client for a cluster of the estate, with credentials from Secrets
// Manager. One place knows how each auth type maps to kafkajs options.
import { generateAuthToken } from 'aws-msk-iam-sasl-signer-js';
import { Kafka, logLevel, type KafkaConfig, type SASLOptions } from 'kafkajs';
import type { ClusterAuth, ClusterConfig } from '../../../lib/config/schema';
import type { SecretReader } from '../secrets';

export interface ConnectionOptions {
  clientId?: string;
  /** Bounds connection and request time, so a vanished cluster fails fast instead of hanging a probe. */
  connectionTimeoutMs?: number;
  requestTimeoutMs?: number;
  retries?: number;
}

type TlsOptions = Exclude<KafkaConfig['ssl'], boolean | undefined>;

async function tlsOptions(auth: ClusterAuth, secrets: SecretReader): Promise<TlsOptions> {
  const tls: TlsOptions = {};
  if ('caSecretArn' in auth && auth.caSecretArn) tls.ca = [await secrets.string(auth.caSecretArn)];
  if (auth.type === 'mtls') {
    const cert = await secrets.json<{ certificate: string; privateKey: string }>(auth.clientCertificateSecretArn, ['certificate', 'privateKey']);
    tls.cert = cert.certificate;
    tls.key = cert.privateKey;
  }
  return tls;
}

async function saslOptions(cluster: ClusterConfig, secrets: SecretReader): Promise<SASLOptions | undefined> {
  const { auth } = cluster;
  if (auth.type === 'sasl-scram-sha-512') {
    const creds = await secrets.json<{ username: string; password: string }>(auth.credentialsSecretArn, ['username', 'password']);
    return { mechanism: 'scram-sha-512', username: creds.username, password: creds.password };
  }
  if (auth.type === 'msk-iam') {
    if (!cluster.region) throw new Error(`cluster ${cluster.name} uses msk-iam auth but has no region in the estate file: set clusters[].region`);
    const region = cluster.region;
    return {
      mechanism: 'oauthbearer',
      oauthBearerProvider: async () => ({ value: (await generateAuthToken({ region })).token }),
    };
  }
  return undefined;
}

export async function kafkaConfigFor(cluster: ClusterConfig, secrets: SecretReader, options: ConnectionOptions = {}): Promise<KafkaConfig> {
  const { auth } = cluster;
  const sasl = await saslOptions(cluster, secrets);
  return {
    clientId: options.clientId ?? 'kafka-dr',
    brokers: cluster.bootstrapServers,
    ssl: auth.type === 'none' ? false : await tlsOptions(auth, secrets),
    ...(sasl ? { sasl } : {}),
    connectionTimeout: options.connectionTimeoutMs ?? 3000,
    requestTimeout: options.requestTimeoutMs ?? 10000,
    retry: { retries: options.retries ?? 2, initialRetryTime: 200, maxRetryTime: 2000 },
    // kafkajs logs retried, recovered errors too; failures that matter reach the caller as errors.
    logLevel: logLevel.NOTHING,
  };
}

export async function connectTo(cluster: ClusterConfig, secrets: SecretReader, options?: ConnectionOptions): Promise<Kafka> {
  return new Kafka(await kafkaConfigFor(cluster, secrets, options));
}

/** One client per cluster of the estate, created on first use. */
export function estateKafka(clusters: readonly ClusterConfig[], secrets: SecretReader, options?: ConnectionOptions): (name: string) => Promise<Kafka> {
  const clients = new Map<string, Promise<Kafka>>();
  return (name) => {
    let client = clients.get(name);
    if (!client) {
      const cluster = clusters.find((c) => c.name === name);
      if (!cluster) return Promise.reject(new Error(`unknown cluster "${name}": the estate has ${clusters.map((c) => c.name).join(', ')}`));
      client = connectTo(cluster, secrets, options);
      clients.set(name, client);
    }
    return client;
  };
}
