// A proxy in front of the emulator's Route 53 that can answer ChangeResourceRecordSets with
// the errors Route 53 itself returns (its XML error response, the status it uses), so the
// functions' real SDK client, with its own retries, meets them. The functions reach it
// through AWS_ENDPOINT_URL_ROUTE_53 (the SDK's service-specific endpoint variable); every
// other request goes to the emulator unchanged.
// Error format: Route 53 API reference, "Common Errors" (ErrorResponse/Error/Type, Code, Message).
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
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

/** Answers as Route 53 does when it refuses a request: its status and XML error response. */
export function route53Error(res: ServerResponse, status: number, code: string): void {
  const type = status >= 500 ? 'Receiver' : 'Sender';
  const body = `<?xml version="1.0"?>\n<ErrorResponse xmlns="https://route53.amazonaws.com/doc/2013-04-01/"><Error><Type>${type}</Type><Code>${code}</Code><Message>${code} (injected by the lab)</Message></Error><RequestId>${randomUUID()}</RequestId></ErrorResponse>`;
  res.writeHead(status, { 'content-type': 'text/xml', 'x-amzn-requestid': randomUUID() }).end(body);
}

/** Sends the request (its body read as `body`) on to `upstream`; resolves with the upstream's answer, already relayed to `res`. */
export async function forwardTo(upstream: string, req: IncomingMessage, body: Buffer, res: ServerResponse): Promise<{ status: number; body: Buffer }> {
  const headers = Object.fromEntries(Object.entries(req.headers).filter(([k, v]) => k !== 'host' && typeof v === 'string')) as Record<string, string>;
  const answer = await fetch(new URL(req.url!, upstream), { method: req.method, headers, ...(body.length ? { body } : {}) });
  const answered = Buffer.from(await answer.arrayBuffer());
  res.writeHead(answer.status, Object.fromEntries([...answer.headers].filter(([k]) => !['content-length', 'transfer-encoding', 'content-encoding'].includes(k)))).end(answered);
  return { status: answer.status, body: answered };
}

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
