// Settings the CDK constructs give a Lambda in its environment (a Lambda imports no CDK).

export function requiredEnv(name: string, what: string, fallback?: string): string {
  const value = process.env[name] ?? fallback;
  if (!value) throw new Error(`${name} is not set: the function needs ${what} (set by kafka-dr's CDK app)`);
  return value;
}
