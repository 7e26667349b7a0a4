// Changing the lab's MM2 connectors as an operator would, through Connect's REST API. A
// worker refuses changes during a rebalance (409), which MM2 causes whenever a new topic
// changes its tasks: each change is repeated until Connect takes it.
import pRetry, { AbortError } from 'p-retry';

const REBALANCE_RETRY = { retries: 10, minTimeout: 300, factor: 1.5 };

async function change(url: string, path: string, init: RequestInit, accepted: (status: number) => boolean): Promise<void> {
  await pRetry(
    async () => {
      const response = await fetch(`${url}${path}`, init);
      if (accepted(response.status)) return;
      const error = new Error(`${init.method} ${path} on ${url}: HTTP ${response.status} ${await response.text()}`);
      throw response.status === 409 ? error : new AbortError(error);
    },
    REBALANCE_RETRY,
  );
}

/** Creates the connector or replaces its configuration (PUT /connectors/<name>/config). */
export function putConnectorConfig(url: string, connector: string, config: Record<string, string>): Promise<void> {
  return change(url, `/connectors/${encodeURIComponent(connector)}/config`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify(config) }, (s) => s < 300);
}

/** Deletes the connector and returns once Connect no longer knows it: a DELETE is applied through its config topic, after the answer. */
export async function deleteConnector(url: string, connector: string): Promise<void> {
  const path = `/connectors/${encodeURIComponent(connector)}`;
  await change(url, path, { method: 'DELETE' }, (s) => s < 300 || s === 404);
  await pRetry(async () => {
    const status = (await fetch(`${url}${path}/status`)).status;
    if (status !== 404) throw new Error(`${connector} still known to ${url} (status HTTP ${status})`);
  }, REBALANCE_RETRY);
}
