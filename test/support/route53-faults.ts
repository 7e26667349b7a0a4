// A proxy in front of the emulator's Route 53 that can answer ChangeResourceRecordSets with
// the errors Route 53 itself returns (its XML error response, the status it uses), so the
// functions' real SDK client, with its own retries, meets them. The functions reach it
// through AWS_ENDPOINT_URL_ROUTE_53 (the SDK's service-specific endpoint variable); every
// other request goes to the emulator unchanged.
// Error format: Route 53 API reference, "Common Errors" (ErrorResponse/Error/Type, Code, Message).
import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Route53Fault {
  code: string;
  status: number;
  /** How many changes to refuse before letting them through; Infinity refuses every one. */
  times: number;
}

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
            const type = fault.status >= 500 ? 'Receiver' : 'Sender';
            const body = `<?xml version="1.0"?>\n<ErrorResponse xmlns="https://route53.amazonaws.com/doc/2013-04-01/"><Error><Type>${type}</Type><Code>${fault.code}</Code><Message>${fault.code} (injected by the lab)</Message></Error><RequestId>${randomUUID()}</RequestId></ErrorResponse>`;
            res.writeHead(fault.status, { 'content-type': 'text/xml', 'x-amzn-requestid': randomUUID() }).end(body);
            return;
          }
        }
        const headers = Object.fromEntries(Object.entries(req.headers).filter(([k, v]) => k !== 'host' && typeof v === 'string')) as Record<string, string>;
        const upstream = await fetch(new URL(req.url!, emulator), { method: req.method, headers, ...(chunks.length ? { body: Buffer.concat(chunks) } : {}) });
        res.writeHead(upstream.status, Object.fromEntries([...upstream.headers].filter(([k]) => !['content-length', 'transfer-encoding', 'content-encoding'].includes(k)))).end(Buffer.from(await upstream.arrayBuffer()));
      })().catch((err: Error) => res.writeHead(502).end(`lab proxy: ${err.message}`));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  faults.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return faults;
}
