// AWS list prices the cost model multiplies by: us-east-1, on demand, no free tier, in USD.
// They are inputs, not measurements: from the services' public pricing pages
// (aws.amazon.com/<service>/pricing), as of the last check below. Update them here.
export const PRICES_CHECKED = '2025-06, us-east-1';

export const PRICE = {
  lambdaRequest: 0.2 / 1e6,
  /** Per GB-second, by the function's architecture. */
  lambdaGbSecond: { arm64: 0.0000133334, x86_64: 0.0000166667 } as Record<string, number>,
  /** Standard workflows bill each state transition. */
  stepFunctionsTransition: 0.025 / 1000,
  /** Per custom metric per month, by tier: the first 10,000, the next 240,000, the next 750,000, the rest. */
  customMetricTiers: [
    [10_000, 0.3],
    [240_000, 0.1],
    [750_000, 0.05],
    [Infinity, 0.02],
  ] as const,
  putMetricDataRequest: 0.01 / 1000,
  /** GetMetricData bills the metrics requested, not the requests. */
  getMetricDataMetric: 0.01 / 1000,
  /** Per alarm metric per month. */
  alarm: { standard: 0.1, highResolution: 0.3, composite: 0.5 },
  dashboard: 3,
  logsIngestedGb: 0.5,
  s3StorageGbMonth: 0.023,
  /** PUT, COPY, POST, LIST; GET, HEAD and the rest; DELETE is free. */
  s3Request: { write: 0.005 / 1000, read: 0.0004 / 1000 },
  kmsKeyMonth: 1,
  kmsRequest: 0.03 / 10_000,
  /** On-demand request units (one per KB written; a transactional write costs two). */
  dynamodbRequestUnit: { write: 0.625 / 1e6, read: 0.125 / 1e6 },
  secretsManagerRequest: 0.05 / 10_000,
  xrayTraceRecorded: 5 / 1e6,
} as const;

/** The monthly price of `count` custom metrics, tier by tier. */
export function customMetricsMonthly(count: number): number {
  let left = count;
  let price = 0;
  for (const [size, each] of PRICE.customMetricTiers) {
    const inTier = Math.min(left, size);
    price += inTier * each;
    left -= inTier;
    if (left <= 0) break;
  }
  return price;
}
