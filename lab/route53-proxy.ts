// What the lab's proxies in front of the emulator's Route 53 share: relaying a request
// upstream, and refusing one as Route 53 does.
// Error format: Route 53 API reference, "Common Errors" (ErrorResponse/Error/Type, Code, Message).
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';

export interface Route53Fault {
  code: string;
  status: number;
  /** How many changes to refuse before letting them through; Infinity refuses every one. */
  times: number;
}

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

