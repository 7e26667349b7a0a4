// Network addresses as the estate names them: brokers' host:port, DNS names, IP addresses and
// HTTP endpoints. They are parsed and their numbers range-checked because a pattern accepts
// port 99999 or 10.0.0.300, and the mistake would surface only when a probe first connects
// or, for a DNS value, when a failover publishes it. Each function returns what is wrong,
// one message per mistake, naming the offending part and what is expected; empty when fine.

export const HOST_PORT_EXAMPLE = 'kafka-1.dc1.internal:9092';
export const HTTP_URL_EXAMPLE = 'http://connect.dc2.internal:8083';

/** A broker address: `host:port`, `IPv4:port` or `[IPv6]:port`. */
export function hostPortProblems(value: string): string[] {
  const bracketed = /^\[([^\]]*)\]:([^:]*)$/.exec(value);
  if (bracketed) {
    const [, host = '', port = ''] = bracketed;
    return [...ipv6Problems(host), ...portProblems(port)].map((p) => `"${value}": ${p}`);
  }
  if (value.includes('://')) return [`"${value}": expected host:port such as ${HOST_PORT_EXAMPLE}, without a scheme`];
  const colon = value.lastIndexOf(':');
  if (colon < 0) return [`"${value}": expected host:port such as ${HOST_PORT_EXAMPLE} (the port is required)`];
  const host = value.slice(0, colon);
  if (host.includes(':')) return [`"${value}": expected host:port; write an IPv6 address in brackets, such as [fd00::1]:9092`];
  const hostProblems = /^[\d.]+$/.test(host) ? ipv4Problems(host) : dnsNameProblems(host);
  return [...hostProblems, ...portProblems(value.slice(colon + 1))].map((p) => `"${value}": ${p}`);
}

export function portProblems(port: string): string[] {
  const n = /^\d{1,5}$/.test(port) ? Number(port) : NaN;
  return n >= 1 && n <= 65535 ? [] : [`port "${port}": expected 1-65535`];
}

/**
 * A DNS name (a host, a record name or a CNAME target); `*` is accepted as a whole label for
 * record names only. Lengths are RFC 1035's, which Route 53 enforces.
 */
export function dnsNameProblems(name: string, options: { wildcard?: boolean } = {}): string[] {
  const expected = 'expected a DNS name such as kafka-1.dc1.internal';
  if (name === '') return [`the host is empty: ${expected}`];
  const bare = name.endsWith('.') ? name.slice(0, -1) : name;
  if (bare.length > 253) return [`"${name}" has ${bare.length} characters: a DNS name has at most 253`];
  const problems: string[] = [];
  for (const label of bare.split('.')) {
    if (label === '') {
      problems.push(`"${name}" has an empty label (".." or a leading "."): ${expected}`);
    } else if (label.length > 63) {
      problems.push(`"${name}": the label "${label}" has ${label.length} characters: a DNS label has at most 63`);
    } else if (!/^[A-Za-z0-9_-]+$/.test(label) && !(options.wildcard && label === '*')) {
      problems.push(`"${name}": the label "${label}" has other characters than letters, digits, "-" and "_": ${expected}${options.wildcard ? '' : ' (no scheme, port or path)'}`);
    }
  }
  return [...new Set(problems)];
}

/** Dotted-quad IPv4, each number 0-255 written without leading zeros (which some resolvers read as octal). */
export function ipv4Problems(address: string): string[] {
  const parts = address.split('.');
  if (parts.length !== 4 || parts.some((p) => !/^\d{1,3}$/.test(p))) return [`"${address}": expected an IPv4 address such as 10.0.1.20`];
  return parts.flatMap((p) => {
    if (Number(p) > 255) return [`"${address}": "${p}" is out of range: expected 0-255`];
    if (p.length > 1 && p.startsWith('0')) return [`"${address}": "${p}" has a leading zero: expected ${Number(p)}`];
    return [];
  });
}

/** IPv6 as an address literal: the WHATWG URL parser is the validator every runtime already ships. */
export function ipv6Problems(address: string): string[] {
  const problem = [`"${address}": expected an IPv6 address such as fd00::1`];
  if (!/^[0-9A-Fa-f:.]+$/.test(address) || !address.includes(':')) return problem;
  try {
    new URL(`http://[${address}]/`);
    return [];
  } catch {
    return problem;
  }
}

/**
 * The base URL of an HTTP API that paths are appended to: http or https, a host, a port in
 * range, and nothing a client would mangle or leak (credentials, query, fragment).
 */
export function httpUrlProblems(value: string): string[] {
  const expected = `expected an http(s) URL such as ${HTTP_URL_EXAMPLE}`;
  const scheme = /^([A-Za-z][A-Za-z0-9+.-]*):\/\//.exec(value)?.[1];
  if (scheme === undefined) return [`"${value}": ${expected} (it starts with http:// or https://)`];
  if (!/^https?$/i.test(scheme)) return [`"${value}": scheme "${scheme}": ${expected}`];
  // Checked before the URL parser, which rejects 99999 without saying why and accepts 0.
  const port = /^[^:]+:\/\/(?:[^@/?#]*@)?(?:\[[^\]]*\]|[^:/?#]*):([^/?#]+)/.exec(value)?.[1];
  const portProblem = port === undefined ? undefined : portProblems(port)[0];
  if (portProblem) return [`"${value}": ${portProblem}, in an http(s) URL such as ${HTTP_URL_EXAMPLE}`];
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return [`"${value}": not a valid URL: ${expected}`];
  }
  const problems: string[] = [];
  if (url.username || url.password) problems.push(`"${value}": remove the user name and password from the URL (it is logged): keep credentials in a Secrets Manager secret`);
  if (url.search || url.hash) problems.push(`"${value}": remove "${url.search}${url.hash}": ${expected}, without query or fragment, as paths are appended to it`);
  return problems;
}
