// A setting the CDK constructs give a Lambda in its environment (src/environment.ts names them).
import type { LambdaSetting } from '#src/environment';

export function requiredEnv(setting: LambdaSetting): string {
  const value = process.env[setting.name] ?? setting.fallback;
  if (!value) throw new Error(`${setting.name} is not set: the function needs ${setting.what} (set by kafka-dr's CDK app)`);
  return value;
}
