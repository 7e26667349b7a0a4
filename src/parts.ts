// Splitting a list into parts that each stay under a size limit (a log event, a DynamoDB item):
// in order, as many items a part as fit; an item larger than the limit is a part of its own.
export function partsBySize<T>(items: readonly T[], maxBytes: number, sizeOf: (item: T) => number): T[][] {
  const parts: T[][] = [];
  let part: T[] = [];
  let bytes = 0;
  for (const item of items) {
    const size = sizeOf(item);
    if (bytes + size > maxBytes && part.length > 0) {
      parts.push(part);
      part = [];
      bytes = 0;
    }
    part.push(item);
    bytes += size;
  }
  parts.push(part);
  return parts;
}
