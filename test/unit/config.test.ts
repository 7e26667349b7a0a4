import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { estateJsonSchema } from '#src/config/json-schema';
import { parseEstateConfigText } from '#src/config/load';
import { EstateConfigError, parseEstateConfig } from '#src/config/parse';
import { flowName } from '#src/config/schema';

const exampleText = readFileSync('config/estate.example.yaml', 'utf8');
const example = (): Record<string, any> => parse(exampleText);

function problemsOf(mutate: (c: Record<string, any>) => void): { path: string; message: string }[] {
  const config = example();
  mutate(config);
  try {
    parseEstateConfig(config, 'test.yaml');
  } catch (err) {
    expect(err).toBeInstanceOf(EstateConfigError);
    return (err as EstateConfigError).problems;
  }
  throw new Error('expected the configuration to be rejected');
}

describe('estate configuration', () => {
  it('accepts the annotated example and fills defaults', () => {
    const config = parseEstateConfigText(exampleText, 'example');
    expect(config.flows.map(flowName)).toEqual(['dc1->dc2', 'dc2->dc1']);
    expect(config.flows[1]?.mm2.syncGroupOffsets).toBe(false);
    expect(config.probes.thresholds.minHeadroom).toBe(1.2);
  });

  it.each([
    ['a missing field', (c: any) => delete c.dns.hostedZoneId, '$.dns.hostedZoneId', /expected string/],
    ['a wrong type', (c: any) => (c.dns.ttl = '30'), '$.dns.ttl', /expected number/],
    ['an unknown cluster in a flow', (c: any) => (c.flows[0].target = 'dc9'), '$.flows[0].target', /unknown cluster "dc9": expected one of dc1, dc2/],
    ['an invalid topic regex', (c: any) => (c.flows[0].topics.include = ['orders(']), '$.flows[0].topics.include[0]', /invalid regular expression/],
    ['a TTL out of range', (c: any) => (c.dns.ttl = 0), '$.dns.ttl', /expected number to be >=1/],
    ['duplicate cluster names', (c: any) => (c.clusters[1].name = 'dc1'), '$.clusters[1].name', /duplicate cluster name "dc1"/],
    ['an unknown auth type', (c: any) => (c.clusters[0].auth = { type: 'kerberos' }), '$.clusters[0].auth.type', /Expected 'none' \| 'tls' \| 'mtls' \| 'sasl-scram-sha-512' \| 'msk-iam'/],
    ['a malformed secret ARN', (c: any) => (c.clusters[0].auth.credentialsSecretArn = 'my-secret'), '$.clusters[0].auth.credentialsSecretArn', /Secrets Manager secret ARN/],
    ['a flow onto itself', (c: any) => (c.flows[0].target = 'dc1'), '$.flows[0].target', /source and target are both "dc1"/],
    ['a duplicate flow', (c: any) => c.flows.push(c.flows[0]), '$.flows[2]', /duplicate flow dc1->dc2/],
    ['a CNAME with two values', (c: any) => c.dns.values.dc1.push('other.example.internal'), '$.dns.values.dc1', /exactly one value/],
    ['no DNS value for a flow side', (c: any) => delete c.dns.values.dc2, '$.dns.values.dc2', /missing the DNS value/],
    ['an unknown replication policy', (c: any) => (c.flows[0].replicationPolicy.type = 'prefix'), '$.flows[0].replicationPolicy.type', /expected one of "default"\|"identity"/],
    ['an unknown field (typo)', (c: any) => (c.dns.tll = 30), '$.dns', /Unrecognized key: "tll"/],
    ['a bad bootstrap server', (c: any) => (c.clusters[0].bootstrapServers = ['kafka-dc1']), '$.clusters[0].bootstrapServers[0]', /host:port/],
    ['a bad backup schedule', (c: any) => (c.backup.schedule = 'hourly'), '$.backup.schedule', /EventBridge schedule expression/],
    ['a bad object lock mode', (c: any) => (c.backup.objectLockMode = 'STRICT'), '$.backup.objectLockMode', /expected one of "GOVERNANCE"\|"COMPLIANCE"/],
    ['a flow that does not replicate the canary topic', (c: any) => (c.flows[0].topics.include = ['orders']), '$.flows[0].topics.include', /must replicate the probes' canary topic "kafka-dr-canary"/],
    ['a bad Connect URL', (c: any) => (c.flows[0].mm2.connectUrl = 'connect:8083'), '$.flows[0].mm2.connectUrl', /URL/i],
  ])('rejects %s with the path of the field', (_name, mutate, path, message) => {
    const problems = problemsOf(mutate);
    const problem = problems.find((p) => p.path === path);
    expect(problem).toBeDefined();
    expect(problem?.message).toMatch(message);
  });

  it('reports every bad field at once', () => {
    const problems = problemsOf((c) => {
      c.dns.ttl = -1;
      c.flows[0].source = 'nowhere';
      c.clusters[0].bootstrapServers = [];
    });
    expect(problems.map((p) => p.path).sort()).toEqual(['$.clusters[0].bootstrapServers', '$.dns.ttl', '$.flows[0].source']);
  });

  it('rejects text that is not YAML with a clear error', () => {
    expect(() => parseEstateConfigText('estate: [unclosed', 'broken.yaml')).toThrow(/invalid estate configuration broken.yaml:\n {2}\$: not valid YAML/);
  });

  it('generates the JSON Schema that documents the file from the same schema', () => {
    const schema = estateJsonSchema() as { properties: Record<string, any>; required: string[] };
    expect(schema.required).toEqual(expect.arrayContaining(['estate', 'clusters', 'flows', 'dns', 'failover']));
    expect(schema.properties.dns.properties.ttl).toMatchObject({ type: 'integer', minimum: 1, maximum: 86400 });
    const committed = JSON.parse(readFileSync('docs/estate-config.schema.json', 'utf8'));
    expect(committed).toEqual(schema);
  });
});
