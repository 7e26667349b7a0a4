// Kafka clients opened for one invocation and closed after it: a function must not trust a
// connection to a cluster that may have died (and come back) since its last invocation.
// Only functions that talk to Kafka import this module, so the others bundle no Kafka client.
import type { ClusterConfig } from '#src/config/schema';
import { estateClients, type ConnectionOptions, type EstateClients } from '#src/kafka/connection';
import { secrets } from './secrets';
import type { ClientOpener, Opened } from './workflow-step';

export function openKafkaClients(clusters: readonly ClusterConfig[], readerGroup: string, connection: ConnectionOptions): Opened<EstateClients> {
  return estateClients(clusters, secrets, readerGroup, connection);
}

/** A probe's: an unreachable cluster must cost seconds, not the whole Lambda timeout. */
const PROBE_CONNECTION: ConnectionOptions = { connectionTimeoutMs: 3000, requestTimeoutMs: 5000, retries: 1 };

/**
 * A scheduled or on-demand run's clients (lag and bandwidth probes, the audit, the drift sync): fresh connections, closed
 * when `run` ends. A run must not trust a connection to a cluster that may have died and come
 * back since the last one.
 */
export async function withProbeClients<T>(clusters: readonly ClusterConfig[], readerGroup: string, run: (clients: EstateClients) => Promise<T>): Promise<T> {
  const kafka = openKafkaClients(clusters, readerGroup, PROBE_CONNECTION);
  try {
    return await run(kafka.clients);
  } finally {
    await kafka.close();
  }
}

/**
 * The liveness probe's: one attempt, answered within its sample's timeout (connect and
 * request together are SAMPLE_TIMEOUT_SECONDS). A lost packet fails one sample, which the
 * alarms' M of N absorb; a retry would only make the sample late.
 */
export const LIVENESS_CONNECTION: ConnectionOptions = { connectionTimeoutMs: 2000, requestTimeoutMs: 3000, retries: 0 };

// Bounded so a dead cluster costs seconds; Step Functions retries the step on transient errors.
const STEP_CONNECTION: ConnectionOptions = { connectionTimeoutMs: 5000, requestTimeoutMs: 15000, retries: 2 };

/** A workflow step that reads or writes Kafka. */
export const withKafka: ClientOpener<EstateClients> = (config, readerGroup) => openKafkaClients(config.clusters, readerGroup, STEP_CONNECTION);
