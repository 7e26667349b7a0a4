/** A value as JSON data: bigints (Kafka offsets) become numbers, which hold them exactly below 2^53. */
export function toJson<T>(value: T): unknown {
  return JSON.parse(JSON.stringify(value, (_, v: unknown) => (typeof v === 'bigint' ? Number(v) : v)));
}
