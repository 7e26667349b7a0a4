// The Kafka Connect client of a flow's MM2 connectors, with Connect's basic auth when the
// flow names a secret for it.
import { ConnectClient } from '#src/connect/client';
import type { Flow } from '#src/flow';
import { secrets } from './secrets';

export async function connectClientFor(flow: Flow): Promise<ConnectClient> {
  const basicAuth = flow.mm2.authSecretArn ? await secrets.json<{ username: string; password: string }>(flow.mm2.authSecretArn, ['username', 'password']) : undefined;
  return new ConnectClient(flow.mm2.connectUrl, { basicAuth, timeoutMs: 10000 });
}
