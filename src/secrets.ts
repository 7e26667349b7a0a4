// Secrets Manager access for cluster and Connect credentials. Values are cached for the
// life of a Lambda container and never logged.
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';

export class SecretReader {
  private readonly cache = new Map<string, Promise<string>>();

  constructor(private readonly client: SecretsManagerClient = new SecretsManagerClient({})) {}

  string(arn: string): Promise<string> {
    let value = this.cache.get(arn);
    if (!value) {
      value = this.fetch(arn);
      this.cache.set(arn, value);
      // A failed read must be retried on the next call, not served from the cache.
      value.catch(() => this.cache.delete(arn));
    }
    return value;
  }

  async json<T extends Record<string, unknown>>(arn: string, fields: readonly (keyof T & string)[]): Promise<T> {
    let parsed: unknown;
    try {
      parsed = JSON.parse(await this.string(arn));
    } catch (err) {
      if (err instanceof SyntaxError) throw new Error(`secret ${arn} is not JSON: store it as {${fields.map((f) => `"${f}"`).join(', ')}}`);
      throw err;
    }
    const missing = fields.filter((f) => typeof (parsed as Record<string, unknown>)?.[f] !== 'string');
    if (missing.length > 0) {
      throw new Error(`secret ${arn} lacks the string field(s) ${missing.join(', ')}: store it as {${fields.map((f) => `"${f}"`).join(', ')}}`);
    }
    return parsed as T;
  }

  private async fetch(arn: string): Promise<string> {
    try {
      const out = await this.client.send(new GetSecretValueCommand({ SecretId: arn }));
      if (out.SecretString === undefined) throw new Error('it has no SecretString (binary secrets are not supported)');
      return out.SecretString;
    } catch (err) {
      throw new Error(`cannot read secret ${arn}: ${(err as Error).message}`);
    }
  }
}
