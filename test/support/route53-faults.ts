// A proxy in front of the emulator's Route 53 that can answer ChangeResourceRecordSets with
// the errors Route 53 itself returns (its XML error response, the status it uses), so the
// functions' real SDK client, with its own retries, meets them. The functions reach it
// through AWS_ENDPOINT_URL_ROUTE_53 (the SDK's service-specific endpoint variable); every
// other request goes to the emulator unchanged.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { forwardTo, route53Error, type Route53Fault } from '../../lab/route53-proxy';

export interface Route53Faults {
  url: string;
  fault?: Route53Fault;
  /** ChangeResourceRecordSets requests received, refused or not. */
  changes: number;
  close(): Promise<void>;
}

const CHANGE = /^\/2013-04-01\/hostedzone\/[^/]+\/rrset\/?$/;

export async function route53Faults(emulator: string): Promise<Route53Faults> {
  const faults: Route53Faults = {
    url: '',
    changes: 0,
    close: () => {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      void (async () => {
        const fault = faults.fault;
        if (req.method === 'POST' && CHANGE.test(req.url ?? '')) {
          faults.changes++;
          if (fault && fault.times > 0) {
            fault.times--;
            route53Error(res, fault.status, fault.code);
            return;
          }
        }
        await forwardTo(emulator, req, Buffer.concat(chunks), res);
      })().catch((err: Error) => res.writeHead(502).end(`lab proxy: ${err.message}`));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  faults.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return faults;
}
