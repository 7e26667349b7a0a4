// A Lambda's estate configuration: bundled as JSON by the CDK construct (or set in the
// environment by the lab), validated once per container. A bad configuration fails the
// cold start with every bad field listed.
import { parseEstateConfig } from '#src/config/parse';
import type { EstateConfig } from '#src/config/schema';
import { ESTATE_CONFIG } from '#src/environment';

let cached: EstateConfig | undefined;

export function estateConfig(): EstateConfig {
  if (!cached) {
    // Written out, not process.env[ESTATE_CONFIG.name]: esbuild's define, which puts the
    // estate into the bundle, replaces only this exact expression.
    const raw = process.env.KAFKA_DR_CONFIG;
    if (!raw) throw new Error(`${ESTATE_CONFIG.name} is not set: the function was not deployed by kafka-dr's CDK app`);
    cached = parseEstateConfig(JSON.parse(raw), ESTATE_CONFIG.name);
  }
  return cached;
}
