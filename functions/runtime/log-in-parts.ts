// Lists too long for one log line: CloudWatch Logs cuts an event at 256 KB, so a failover's
// complete offset plan (5,000 groups, 50,000 partitions: megabytes) would be lost but for its
// first part. Each list is logged in parts of at most PART_BYTES of JSON, numbered, with the
// same context fields on every part.
import { toJson } from '#src/json';
import { partsBySize } from '#src/parts';
import { logger } from './powertools';

const PART_BYTES = 128 * 1024;

/** One line per part of each list: `${message}: ${list}`, with part (1-based) and parts. */
export function logInParts(message: string, context: Record<string, unknown>, lists: Record<string, readonly unknown[]>): void {
  for (const [name, items] of Object.entries(lists)) {
    const parts = partsBySize(items.map(toJson), PART_BYTES, (json) => JSON.stringify(json).length);
    parts.forEach((part, i) => logger.info(`${message}: ${name}`, { ...context, part: i + 1, parts: parts.length, items: items.length, [name]: part }));
  }
}
