// A TCP proxy on 127.0.0.1 that delays every chunk by a fixed time in each direction: a
// datacenter farther away, for what is judged from round-trip times (the audit's Connect
// placement and stretched-cluster advisory). Bytes pass unchanged, TLS included.
import { connect, createServer, type Server, type Socket } from 'node:net';

export interface LatencyProxy {
  /** host:port to connect to instead of the upstream. */
  address: string;
  /** The delay each way from now on, open connections included. */
  delayMs: number;
  close(): Promise<void>;
}

/** Writes each chunk `delay()` after it arrived; in order, as long as the delay does not shrink mid-stream. */
function delayed(from: Socket, to: Socket, delay: () => number): void {
  from.on('data', (chunk) => setTimeout(() => to.write(chunk), delay()));
  from.on('end', () => setTimeout(() => to.end(), delay()));
  from.on('error', () => to.destroy());
}

export async function latencyProxy(upstream: string, delayMs: number): Promise<LatencyProxy> {
  const [host, port] = [upstream.slice(0, upstream.lastIndexOf(':')), Number(upstream.slice(upstream.lastIndexOf(':') + 1))];
  const sockets = new Set<Socket>();
  const proxy = { delayMs };
  const server: Server = createServer((client) => {
    const remote = connect(port, host);
    for (const s of [client, remote]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
    }
    delayed(client, remote, () => proxy.delayMs);
    delayed(remote, client, () => proxy.delayMs);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port: listening } = server.address() as { port: number };
  return Object.assign(proxy, {
    address: `127.0.0.1:${listening}`,
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  });
}
