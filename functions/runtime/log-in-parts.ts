// Lists too long for one log line: CloudWatch Logs cuts an event at 256 KB, so a failover's
// complete offset plan (5,000 groups, 50,000 partitions: megabytes) would be lost but for its
// first part. Each list is logged in parts of at most PART_BYTES of JSON, numbered, with the
// same context fields on every part.
import { toJson } from '#src/json';
import { logger } from './powertools';

const PART_BYTES = 128 * 1024;

/** One line per part of each list: `${message}: ${list}`, with part (1-based) and parts. */
export function logInParts(message: string, context: Record<string, unknown>, lists: Record<string, readonly unknown[]>): void {
  for (const [name, items] of Object.entries(lists)) {
    const parts: unknown[][] = [];
    let part: unknown[] = [];
    let bytes = 0;
    for (const item of items) {
      const json = toJson(item);
      const size = JSON.stringify(json).length;
      if (bytes + size > PART_BYTES && part.length > 0) {
        parts.push(part);
        part = [];
        bytes = 0;
      }
      part.push(json);
      bytes += size;
    }
    parts.push(part);
    parts.forEach((part, i) => logger.info(`${message}: ${name}`, { ...context, part: i + 1, parts: parts.length, items: items.length, [name]: part }));
  }
}
