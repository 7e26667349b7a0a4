// How kafka-dr connects to a cluster of the estate: credentials from Secrets Manager,
// mapped to @platformatic/kafka's clients (admin, group-less fetcher, producer). One place
// knows how each auth type becomes client options.
import { Admin, Consumer, Producer, type ConsumerOptions } from '@platformatic/kafka';
import { generateAuthToken } from 'aws-msk-iam-sasl-signer-js';
import type { ClusterConfig } from '#src/config/schema';
import type { SecretReader } from '#src/secrets';

export interface ConnectionOptions {
  clientId?: string;
  /** Bounds connection and request time, so a vanished cluster fails fast instead of hanging a probe. */
  connectionTimeoutMs?: number;
  requestTimeoutMs?: number;
  retries?: number;
}

/** A cluster's TLS and SASL settings, credentials read (the lab's traffic clients are configured from them too). */
export interface ResolvedAuth {
  tls?: { ca?: string[]; cert?: string; key?: string };
  sasl?: { mechanism: 'scram-sha-512'; username: string; password: string } | { mechanism: 'oauthbearer'; token: () => Promise<string> };
}

export async function resolveAuth(cluster: ClusterConfig, secrets: SecretReader): Promise<ResolvedAuth> {
  const { auth } = cluster;
  if (auth.type === 'none') return {};
  const tls: NonNullable<ResolvedAuth['tls']> = {};
  if ('caSecretArn' in auth && auth.caSecretArn) tls.ca = [await secrets.string(auth.caSecretArn)];
  switch (auth.type) {
    case 'tls':
      return { tls };
    case 'mtls': {
      const cert = await secrets.json<{ certificate: string; privateKey: string }>(auth.clientCertificateSecretArn, ['certificate', 'privateKey']);
      return { tls: { ...tls, cert: cert.certificate, key: cert.privateKey } };
    }
    case 'sasl-scram-sha-512': {
      const creds = await secrets.json<{ username: string; password: string }>(auth.credentialsSecretArn, ['username', 'password']);
      return { tls, sasl: { mechanism: 'scram-sha-512', username: creds.username, password: creds.password } };
    }
    case 'msk-iam': {
      const region = cluster.region;
      if (!region) throw new Error(`cluster ${cluster.name} uses msk-iam auth but has no region in the estate file: set clusters[].region`);
      return { tls, sasl: { mechanism: 'oauthbearer', token: async () => (await generateAuthToken({ region })).token } };
    }
  }
}

async function platformaticOptions(cluster: ClusterConfig, secrets: SecretReader, options: ConnectionOptions) {
  const { tls, sasl } = await resolveAuth(cluster, secrets);
  return {
    clientId: options.clientId ?? 'kafka-dr',
    bootstrapBrokers: cluster.bootstrapServers,
    ...(tls ? { tls } : {}),
    ...(sasl?.mechanism === 'scram-sha-512' ? { sasl: { mechanism: 'SCRAM-SHA-512' as const, username: sasl.username, password: sasl.password } } : {}),
    ...(sasl?.mechanism === 'oauthbearer' ? { sasl: { mechanism: 'OAUTHBEARER' as const, token: sasl.token } } : {}),
    connectTimeout: options.connectionTimeoutMs ?? 3000,
    requestTimeout: options.requestTimeoutMs ?? 10000,
    retries: options.retries ?? 2,
  } satisfies Omit<ConsumerOptions<Buffer, Buffer, Buffer, Buffer>, 'groupId'>;
}

export async function adminFor(cluster: ClusterConfig, secrets: SecretReader, options: ConnectionOptions = {}): Promise<Admin> {
  return new Admin(await platformaticOptions(cluster, secrets, options));
}

/**
 * A @platformatic/kafka consumer for group-less Fetch requests (`consumer.fetch` at
 * chosen offsets, e.g. the bandwidth probe's timed transfer). It never joins `groupId`:
 * no group is created on the cluster, so MM2 has nothing to checkpoint.
 */
export async function fetcherFor(cluster: ClusterConfig, secrets: SecretReader, groupId: string, options: ConnectionOptions = {}): Promise<Consumer> {
  return new Consumer({ ...(await platformaticOptions(cluster, secrets, options)), groupId });
}

/**
 * A @platformatic/kafka producer of Buffers (it writes a header whose value is null, as Kafka allows).
 * `idempotent`: acks=all, one request in flight, no duplicate from its own retries.
 */
export async function producerFor(cluster: ClusterConfig, secrets: SecretReader, options: ConnectionOptions & { idempotent?: boolean } = {}): Promise<Producer> {
  return new Producer({ ...(await platformaticOptions(cluster, secrets, options)), idempotent: options.idempotent ?? false });
}

/** One client per cluster of the estate, created on first use. */
export function perCluster<T>(clusters: readonly ClusterConfig[], create: (cluster: ClusterConfig) => Promise<T>): (name: string) => Promise<T> {
  const clients = new Map<string, Promise<T>>();
  return (name) => {
    let client = clients.get(name);
    if (!client) {
      const cluster = clusters.find((c) => c.name === name);
      if (!cluster) return Promise.reject(new Error(`unknown cluster "${name}": the estate has ${clusters.map((c) => c.name).join(', ')}`));
      client = create(cluster);
      clients.set(name, client);
    }
    return client;
  };
}

export function estateAdmins(clusters: readonly ClusterConfig[], secrets: SecretReader, options?: ConnectionOptions): (name: string) => Promise<Admin> {
  return perCluster(clusters, (c) => adminFor(c, secrets, options));
}

export function estateFetchers(clusters: readonly ClusterConfig[], secrets: SecretReader, groupId: string, options?: ConnectionOptions): (name: string) => Promise<Consumer> {
  return perCluster(clusters, (c) => fetcherFor(c, secrets, groupId, options));
}

export function estateProducers(clusters: readonly ClusterConfig[], secrets: SecretReader, options?: ConnectionOptions): (name: string) => Promise<Producer> {
  return perCluster(clusters, (c) => producerFor(c, secrets, { ...options, idempotent: true }));
}

/**
 * A per-cluster factory that remembers what it handed out, so that one run can close every
 * @platformatic/kafka client it opened (they keep their broker connections until closed).
 */
export function closing<T extends { close(): Promise<void> }>(factory: (name: string) => Promise<T>): ((name: string) => Promise<T>) & { close(): Promise<void> } {
  const opened = new Set<Promise<T>>();
  const get = (name: string) => {
    const client = factory(name);
    opened.add(client);
    return client;
  };
  const close = async () => {
    await Promise.allSettled([...opened].map(async (client) => (await client).close()));
  };
  return Object.assign(get, { close });
}

/** What kafka-dr uses on the estate's clusters: one client of each kind per cluster, created on first use. */
export interface EstateClients {
  admin: (cluster: string) => Promise<Admin>;
  /** Group-less Fetch (never joins its group). */
  fetcher: (cluster: string) => Promise<Consumer>;
  /** Idempotent: acks=all, no duplicate from its own retries. */
  producer: (cluster: string) => Promise<Producer>;
}

/** The estate's clients, and how to close every one of them opened. `readerGroup` is the fetchers' group id. */
export function estateClients(
  clusters: readonly ClusterConfig[],
  secrets: SecretReader,
  readerGroup: string,
  options?: ConnectionOptions,
): { clients: EstateClients; close(): Promise<void> } {
  const admin = closing(estateAdmins(clusters, secrets, options));
  const fetcher = closing(estateFetchers(clusters, secrets, readerGroup, options));
  const producer = closing(estateProducers(clusters, secrets, options));
  return {
    clients: { admin, fetcher, producer },
    close: async () => {
      await Promise.allSettled([admin.close(), fetcher.close(), producer.close()]);
    },
  };
}
