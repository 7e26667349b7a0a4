// Kafka clients opened for one invocation and closed after it: a function must not trust a
// connection to a cluster that may have died (and come back) since its last invocation.
// Only functions that talk to Kafka import this module, so the others bundle no Kafka client.
import type { Admin, Consumer } from '@platformatic/kafka';
import type { Kafka } from 'kafkajs';
import type { ClusterConfig } from '#src/config/schema';
import { closing, estateAdmins, estateFetchers, estateKafka, type ConnectionOptions } from '#src/kafka/connection';
import { secrets } from './secrets';
import type { ClientOpener, Opened } from './workflow-step';

export interface KafkaClients {
  admin: (cluster: string) => Promise<Admin>;
  kafka: (cluster: string) => Promise<Kafka>;
  /** Group-less Fetch (never joins its group). */
  fetcher: (cluster: string) => Promise<Consumer>;
}

export function openKafkaClients(clusters: readonly ClusterConfig[], readerGroup: string, connection: ConnectionOptions): Opened<KafkaClients> {
  const admin = closing(estateAdmins(clusters, secrets, connection));
  const fetcher = closing(estateFetchers(clusters, secrets, readerGroup, connection));
  return {
    clients: { admin, fetcher, kafka: estateKafka(clusters, secrets, connection) },
    close: async () => {
      await Promise.allSettled([admin.close(), fetcher.close()]);
    },
  };
}

/** A probe's: an unreachable cluster must cost seconds, not the whole Lambda timeout. */
export const PROBE_CONNECTION: ConnectionOptions = { connectionTimeoutMs: 3000, requestTimeoutMs: 5000, retries: 1 };

// Bounded so a dead cluster costs seconds; Step Functions retries the step on transient errors.
const STEP_CONNECTION: ConnectionOptions = { connectionTimeoutMs: 5000, requestTimeoutMs: 15000, retries: 2 };

/** A workflow step that reads or writes Kafka. */
export const withKafka: ClientOpener<KafkaClients> = (config, readerGroup) => openKafkaClients(config.clusters, readerGroup, STEP_CONNECTION);
