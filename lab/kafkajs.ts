// The lab's traffic clients: kafkajs producers and consumer group members, as applications
// run them, reaching each cluster through the same credential path as kafka-dr's own
// @platformatic/kafka clients (config -> secret ARN -> Secrets Manager).
import { Kafka, logLevel } from 'kafkajs';
import type { ClusterConfig } from '#src/config/schema';
import { perCluster, resolveAuth, type ConnectionOptions } from '#src/kafka/connection';
import type { SecretReader } from '#src/secrets';

export async function connectTo(cluster: ClusterConfig, secrets: SecretReader, options: ConnectionOptions = {}): Promise<Kafka> {
  const { tls, sasl } = await resolveAuth(cluster, secrets);
  return new Kafka({
    clientId: options.clientId ?? 'kafka-dr',
    brokers: cluster.bootstrapServers,
    ssl: tls ?? false,
    ...(sasl?.mechanism === 'scram-sha-512' ? { sasl } : {}),
    ...(sasl?.mechanism === 'oauthbearer' ? { sasl: { mechanism: 'oauthbearer', oauthBearerProvider: async () => ({ value: await sasl.token() }) } } : {}),
    connectionTimeout: options.connectionTimeoutMs ?? 3000,
    requestTimeout: options.requestTimeoutMs ?? 10000,
    retry: { retries: options.retries ?? 2, initialRetryTime: 200, maxRetryTime: 2000 },
    // kafkajs logs retried, recovered errors too; failures that matter reach the caller as errors.
    logLevel: logLevel.NOTHING,
  });
}

export function estateKafka(clusters: readonly ClusterConfig[], secrets: SecretReader, options?: ConnectionOptions): (name: string) => Promise<Kafka> {
  return perCluster(clusters, (c) => connectTo(c, secrets, options));
}
