// Kafka Connect REST client for the MM2 connectors of a flow: pause, resume, stop, status
// and configuration. Errors name the Connect endpoint and connector and carry Connect's own message.
import pRetry from 'p-retry';

export type ConnectorState = 'RUNNING' | 'PAUSED' | 'STOPPED' | 'FAILED' | 'UNASSIGNED' | 'RESTARTING';

export interface ConnectorStatus {
  name: string;
  connector: { state: ConnectorState; worker_id: string; trace?: string };
  tasks: { id: number; state: ConnectorState; worker_id: string; trace?: string }[];
  type?: string;
}

export class ConnectError extends Error {
  constructor(
    message: string,
    /** HTTP status, or undefined when the endpoint could not be reached. */
    readonly status: number | undefined,
  ) {
    super(message);
    this.name = 'ConnectError';
  }

  /** 5xx, 409 (rebalance in progress) and network failures are worth retrying. */
  get transient(): boolean {
    return this.status === undefined || this.status >= 500 || this.status === 409;
  }
}

export interface ConnectClientOptions {
  /** {"username","password"} for Connect's basic auth, when it is enabled. */
  basicAuth?: { username: string; password: string };
  timeoutMs?: number;
}

/** A rebalance of the lab's one worker takes under a second; a real group's, a few. */
const READ_RETRY = { retries: 3, minTimeout: 500, factor: 2 };

export class ConnectClient {
  constructor(
    readonly url: string,
    private readonly options: ConnectClientOptions = {},
  ) {}

  status(connector: string): Promise<ConnectorStatus> {
    return this.read(connector, 'status') as Promise<ConnectorStatus>;
  }

  /** The connector's configuration as submitted (Connect's defaults are not filled in). */
  config(connector: string): Promise<Record<string, string>> {
    return this.read(connector, 'config') as Promise<Record<string, string>>;
  }

  /**
   * A GET, retried while Connect answers 409 or 5xx: a worker refuses reads for the second
   * or so of a rebalance, which MM2 causes whenever a new topic changes its tasks. A worker
   * that does not answer at all is reported at once.
   */
  private read(connector: string, action: string): Promise<unknown> {
    return pRetry(() => this.request('GET', connector, action), { ...READ_RETRY, shouldRetry: ({ error }) => error instanceof ConnectError && error.status !== undefined && error.transient });
  }

  async pause(connector: string): Promise<void> {
    await this.request('PUT', connector, 'pause');
  }

  async resume(connector: string): Promise<void> {
    await this.request('PUT', connector, 'resume');
  }

  /** Stops the connector and its tasks (Connect 3.5+): unlike pause, nothing keeps running. */
  async stop(connector: string): Promise<void> {
    await this.request('PUT', connector, 'stop');
  }

  /** The worker's version (GET /): one round trip to Connect, what the audit times. */
  async serverInfo(): Promise<{ version: string; commit: string }> {
    return (await this.request('GET', null, '')) as { version: string; commit: string };
  }

  /** `connector` null: the worker's root resource. */
  private async request(method: 'GET' | 'PUT', connector: string | null, action: string): Promise<unknown> {
    const target = `${this.url.replace(/\/$/, '')}/${connector === null ? '' : `connectors/${encodeURIComponent(connector)}/${action}`}`;
    const what = connector === null ? `${method} /` : `${method} ${action} of connector ${connector}`;
    const headers: Record<string, string> = { accept: 'application/json' };
    if (this.options.basicAuth) {
      const { username, password } = this.options.basicAuth;
      headers.authorization = `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;
    }
    let response: Response;
    try {
      response = await fetch(target, { method, headers, signal: AbortSignal.timeout(this.options.timeoutMs ?? 10000) });
    } catch (err) {
      throw new ConnectError(`Kafka Connect at ${this.url} unreachable for ${what}: ${(err as Error).message}`, undefined);
    }
    const text = await response.text();
    if (!response.ok) {
      let detail = text;
      try {
        detail = (JSON.parse(text) as { message?: string }).message ?? text;
      } catch {
        // Connect answered with something that is not JSON; report it as is.
      }
      const hint = response.status === 404 ? ' (check mm2.connectors in the estate file)' : '';
      throw new ConnectError(`Kafka Connect at ${this.url}: ${what} failed with HTTP ${response.status}: ${detail}${hint}`, response.status);
    }
    return text ? JSON.parse(text) : undefined;
  }
}
