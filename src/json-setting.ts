// A Lambda setting whose value is JSON the stack wrote (ARC_ROUTING_CONTROLS,
// ACTIVE_SIDE_HEALTH_CHECKS): parsed and checked against what the stack writes, and when
// it is not that, an error naming the setting and saying how to put it right.
import * as z from 'zod';
import type { LambdaSetting } from './environment';

export function parseJsonSetting<T extends z.ZodType>(setting: LambdaSetting, json: string, schema: T): z.output<T> {
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch (err) {
    throw new Error(`${setting.name} is not JSON (${(err as Error).message}): redeploy the control plane, which sets it`);
  }
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    throw new Error(`${setting.name} does not hold ${setting.what}: ${z.prettifyError(parsed.error)}; redeploy the control plane, which sets it`);
  }
  return parsed.data;
}
