import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parse } from 'yaml';
import { estateJsonSchema } from '#src/config/json-schema';
import { loadEstateConfigFile, parseEstateConfigText } from '#src/config/load';
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
  it('accepts a bootstrap record per datacenter (active-active) in place of the one record', () => {
    const config = example();
    delete config.dns.recordName;
    config.dns.records = { dc1: 'kafka-dc1.example.internal', dc2: 'kafka-dc2.example.internal' };
    expect(parseEstateConfig(config, 'test.yaml').dns).toMatchObject({ records: { dc1: 'kafka-dc1.example.internal', dc2: 'kafka-dc2.example.internal' } });
  });

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
    ['an invalid topic regex', (c: any) => (c.flows[0].topics.include = ['orders(']), '$.flows[0].topics.include[0]', /"orders\(" is an invalid regular expression \(Unterminated group\): expected a regex as MM2's topics takes it/],
    ['a TTL out of range', (c: any) => (c.dns.ttl = 0), '$.dns.ttl', /expected number to be >=1/],
    ['duplicate cluster names', (c: any) => (c.clusters[1].name = 'dc1'), '$.clusters[1].name', /duplicate cluster name "dc1"/],
    ['an unknown auth type', (c: any) => (c.clusters[0].auth = { type: 'kerberos' }), '$.clusters[0].auth.type', /Expected 'none' \| 'tls' \| 'mtls' \| 'sasl-scram-sha-512' \| 'msk-iam'/],
    ['a malformed secret ARN', (c: any) => (c.clusters[0].auth.credentialsSecretArn = 'my-secret'), '$.clusters[0].auth.credentialsSecretArn', /"my-secret": expected a Secrets Manager secret ARN such as arn:aws:secretsmanager:/],
    ['a flow onto itself', (c: any) => (c.flows[0].target = 'dc1'), '$.flows[0].target', /source and target are both "dc1"/],
    ['a duplicate flow', (c: any) => c.flows.push(c.flows[0]), '$.flows[2]', /duplicate flow dc1->dc2/],
    ['a CNAME with two values', (c: any) => c.dns.values.dc1.push('other.example.internal'), '$.dns.values.dc1', /exactly one value/],
    ['no DNS value for a flow side', (c: any) => delete c.dns.values.dc2, '$.dns.values.dc2', /missing the DNS value/],
    ['an unknown replication policy', (c: any) => (c.flows[0].replicationPolicy.type = 'prefix'), '$.flows[0].replicationPolicy.type', /expected one of "default"\|"identity"/],
    ['an unknown field (typo)', (c: any) => (c.dns.tll = 30), '$.dns', /Unrecognized key: "tll"/],
    ['a bad bootstrap server', (c: any) => (c.clusters[0].bootstrapServers = ['kafka-dc1']), '$.clusters[0].bootstrapServers[0]', /expected host:port such as kafka-1.dc1.internal:9092/],
    ['a bad backup schedule', (c: any) => (c.backup.schedule = 'hourly'), '$.backup.schedule', /expected an EventBridge schedule expression such as rate\(1 hour\)/],
    ['a bad object lock mode', (c: any) => (c.backup.objectLockMode = 'STRICT'), '$.backup.objectLockMode', /expected one of "GOVERNANCE"\|"COMPLIANCE"/],
    ['a flow that does not replicate the canary topic', (c: any) => (c.flows[0].topics.include = ['orders']), '$.flows[0].topics.include', /must replicate the probes' canary topic "kafka-dr-canary"/],
    ['a bad Connect URL', (c: any) => (c.flows[0].mm2.connectUrl = 'connect:8083'), '$.flows[0].mm2.connectUrl', /expected an http\(s\) URL such as http:\/\/connect.dc2.internal:8083/],
    [
      'the identity policy on a two-way pair (records would loop)',
      (c: any) => (c.flows[0].replicationPolicy.type = 'identity'),
      '$.flows[0].replicationPolicy.type',
      /^dc1->dc2 and dc2->dc1 replicate both ways: under the identity policy .* use the default policy \(replicas named "dc1\.<topic>"\) on both$/,
    ],
    [
      'two flows into one target under the identity policy (fan-in names overlap)',
      (c: any) => {
        c.clusters.push({ ...c.clusters[0], name: 'dc3' });
        c.dns.values.dc3 = ['kafka.dc3.example.internal'];
        c.flows = [c.flows[0], { ...c.flows[0], source: 'dc3' }].map((f: any) => ({ ...f, replicationPolicy: { type: 'identity', separator: '.' } }));
      },
      '$.flows[0].replicationPolicy.type',
      /^dc1->dc2 and dc3->dc2 all copy into dc2 under the identity policy: a topic both sources hold \(at least the probes' canary\) would land in one topic on dc2/,
    ],
    [
      "a cluster name holding the flow's separator (MM2 would misread replicas' sources)",
      (c: any) => {
        Object.assign(c, JSON.parse(JSON.stringify(c).replaceAll('dc2', 'us-east')));
        c.flows[0].replicationPolicy = { type: 'default', separator: '-' };
      },
      '$.flows[0].replicationPolicy.type',
      /^cluster name "us-east" contains dc1->us-east's separator "-": MM2 takes a replica's source to be what precedes the first separator, so it would read "us-east-orders" as a topic of "us"/,
    ],
    [
      'both one record and per-datacenter records',
      (c: any) => (c.dns.records = { dc1: 'kafka-dc1.example.internal', dc2: 'kafka-dc2.example.internal' }),
      '$.dns.records',
      /^give dns.recordName \(one bootstrap record for all clients\) or dns.records \(one per datacenter\), not both$/,
    ],
    ['no bootstrap record at all', (c: any) => delete c.dns.recordName, '$.dns.recordName', /^missing the bootstrap record: dns.recordName .* or dns.records/],
    [
      'per-datacenter records missing a flow source\'s',
      (c: any) => {
        delete c.dns.recordName;
        c.dns.records = { dc1: 'kafka-dc1.example.internal' };
      },
      '$.dns.records.dc2',
      /^missing the record of dc2's clients: a failover of a flow from dc2 moves them$/,
    ],
    [
      'two datacenters sharing one record',
      (c: any) => {
        delete c.dns.recordName;
        c.dns.records = { dc1: 'kafka.example.internal', dc2: 'KAFKA.example.internal.' };
      },
      '$.dns.records.dc2',
      /^KAFKA.example.internal. is also the record of dc1: each datacenter's clients need a record of their own$/,
    ],
    [
      'per-datacenter records with a failover-record mode',
      (c: any) => {
        delete c.dns.recordName;
        c.dns.records = { dc1: 'kafka-dc1.example.internal', dc2: 'kafka-dc2.example.internal' };
        c.dns.mode = 'health-check';
      },
      '$.dns.records',
      /^per-datacenter records are switched by UPSERT: dns.mode health-check switches one record's PRIMARY\/SECONDARY pair/,
    ],
  ])('rejects %s with the path of the field', (_name, mutate, path, message) => {
    const problems = problemsOf(mutate);
    const problem = problems.find((p) => p.path === path);
    expect(problem).toBeDefined();
    expect(problem?.message).toMatch(message);
  });

  // Strings that hold numbers or AWS expressions are parsed and range-checked, and each
  // field's message says what it expects: the exact message and path, and nothing else.
  it.each([
    ['a port over 65535', (c: any) => (c.clusters[0].bootstrapServers[1] = 'kafka-dc1-2.example.internal:65536'), '$.clusters[0].bootstrapServers[1]', '"kafka-dc1-2.example.internal:65536": port "65536": expected 1-65535'],
    ['port 0', (c: any) => (c.clusters[1].bootstrapServers = ['10.0.2.20:0']), '$.clusters[1].bootstrapServers[0]', '"10.0.2.20:0": port "0": expected 1-65535'],
    ['a broker IPv4 address out of range', (c: any) => (c.clusters[1].bootstrapServers = ['10.0.2.256:9092']), '$.clusters[1].bootstrapServers[0]', '"10.0.2.256:9092": "10.0.2.256": "256" is out of range: expected 0-255'],
    ['a broker URL instead of host:port', (c: any) => (c.clusters[1].bootstrapServers = ['SASL_SSL://kafka:9096']), '$.clusters[1].bootstrapServers[0]', '"SASL_SSL://kafka:9096": expected host:port such as kafka-1.dc1.internal:9092, without a scheme'],
    ['a rate of 0', (c: any) => (c.backup.schedule = 'rate(0 minutes)'), '$.backup.schedule', 'rate(0 minutes) value "0": expected a whole number of 1 or more'],
    ['a plural unit for 1', (c: any) => (c.backup.schedule = 'rate(1 minutes)'), '$.backup.schedule', 'rate(1 minutes) unit "minutes": expected "minute" with the value 1, as in rate(1 minute)'],
    ['a singular unit for 5', (c: any) => (c.backup.schedule = 'rate(5 hour)'), '$.backup.schedule', 'rate(5 hour) unit "hour": expected "hours" with the value 5, as in rate(5 hours)'],
    ['an unknown rate unit', (c: any) => (c.backup.schedule = 'rate(2 weeks)'), '$.backup.schedule', 'rate(2 weeks) unit "weeks": expected minute(s), hour(s) or day(s)'],
    ['cron minutes out of range', (c: any) => (c.backup.schedule = 'cron(61 * * * ? *)'), '$.backup.schedule', 'cron(61 * * * ? *) minutes field "61": expected 0-59'],
    ['cron hours out of range', (c: any) => (c.backup.schedule = 'cron(0 24 * * ? *)'), '$.backup.schedule', 'cron(0 24 * * ? *) hours field "24": expected 0-23'],
    ['a cron with day-of-month and day-of-week', (c: any) => (c.backup.schedule = 'cron(0 3 1 * MON *)'), '$.backup.schedule', 'cron(0 3 1 * MON *): day-of-month "1" and day-of-week "MON" are both set: EventBridge takes one, put ? in the other (e.g. cron(0 3 ? * MON *) or cron(0 3 1 * ? *))'],
    ['a five-field cron', (c: any) => (c.backup.schedule = 'cron(0 3 * * *)'), '$.backup.schedule', 'cron(0 3 * * *) has 5 field(s): expected 6, MINUTES HOURS DAY-OF-MONTH MONTH DAY-OF-WEEK YEAR, such as cron(0 3 * * ? *) (a Unix crontab has 5: add the year, e.g. *, and put ? in day-of-month or day-of-week)'],
    ['a cron year out of range', (c: any) => (c.backup.schedule = 'cron(0 3 * * ? 2200)'), '$.backup.schedule', 'cron(0 3 * * ? 2200) year field "2200": expected 1970-2199'],
    ['an ftp Connect URL', (c: any) => (c.flows[0].mm2.connectUrl = 'ftp://connect:8083'), '$.flows[0].mm2.connectUrl', '"ftp://connect:8083": scheme "ftp": expected an http(s) URL such as http://connect.dc2.internal:8083'],
    ['a Connect URL without scheme', (c: any) => (c.flows[1].mm2.connectUrl = 'connect:8083'), '$.flows[1].mm2.connectUrl', '"connect:8083": expected an http(s) URL such as http://connect.dc2.internal:8083 (it starts with http:// or https://)'],
    ['a Connect URL port out of range', (c: any) => (c.flows[0].mm2.connectUrl = 'http://connect:80830'), '$.flows[0].mm2.connectUrl', '"http://connect:80830": port "80830": expected 1-65535, in an http(s) URL such as http://connect.dc2.internal:8083'],
    ['credentials in the Connect URL', (c: any) => (c.flows[0].mm2.connectUrl = 'https://admin:pw@connect:8083'), '$.flows[0].mm2.connectUrl', '"https://admin:pw@connect:8083": remove the user name and password from the URL (it is logged): keep credentials in a Secrets Manager secret'],
    ['a partial secret ARN', (c: any) => (c.clusters[0].auth.caSecretArn = 'arn:aws:secretsmanager:eu-central-1:111122223333:secret:kafka-dr/dc1-ca'), '$.clusters[0].auth.caSecretArn', 'the secret name "kafka-dr/dc1-ca" lacks the "-" and 6 characters Secrets Manager appends to it: give the complete ARN (aws secretsmanager describe-secret --secret-id kafka-dr/dc1-ca shows it), as IAM matches the Lambdas\' read permission against it'],
    ['a secret ARN with a bad region', (c: any) => (c.flows[0].mm2.authSecretArn = 'arn:aws:secretsmanager:eu-central:111122223333:secret:kafka-dr/connect-dc2-AbCdEf'), '$.flows[0].mm2.authSecretArn', 'the ARN\'s region "eu-central": expected an AWS region such as eu-west-1'],
    ['a secret ARN with a short account', (c: any) => (c.clusters[1].auth.credentialsSecretArn = 'arn:aws:secretsmanager:eu-central-1:11112222333:secret:kafka-dr/dc2-scram-AbCdEf'), '$.clusters[1].auth.credentialsSecretArn', 'the ARN\'s account "11112222333": expected a 12-digit AWS account id'],
    ['a hosted zone id with its prefix', (c: any) => (c.dns.hostedZoneId = '/hostedzone/Z0123456789ABCDEFGHIJ'), '$.dns.hostedZoneId', '"/hostedzone/Z0123456789ABCDEFGHIJ": drop the "/hostedzone/" prefix: expected the id alone, Z0123456789ABCDEFGHIJ'],
    ['a lower-case hosted zone id', (c: any) => (c.dns.hostedZoneId = 'z0123456789abc'), '$.dns.hostedZoneId', '"z0123456789abc": expected upper case, as Route 53 writes hosted zone ids: Z0123456789ABC'],
    ['a record name with a long label', (c: any) => (c.dns.recordName = `${'k'.repeat(64)}.example.internal`), '$.dns.recordName', `"${'k'.repeat(64)}.example.internal": the label "${'k'.repeat(64)}" has 64 characters: a DNS label has at most 63`],
    ['a CNAME value with a port', (c: any) => (c.dns.values.dc1 = ['kafka-dc1-1.example.internal:9096']), '$.dns.values.dc1[0]', '"kafka-dc1-1.example.internal:9096": the label "internal:9096" has other characters than letters, digits, "-" and "_": expected a DNS name such as kafka-1.dc1.internal (no scheme, port or path) (a CNAME record takes a DNS name)'],
    ['an A value out of range', (c: any) => Object.assign(c.dns, { type: 'A', values: { dc1: ['10.0.1.20', '10.0.1.300'], dc2: ['10.0.2.20'] } }), '$.dns.values.dc1[1]', '"10.0.1.300": "300" is out of range: expected 0-255 (an A record takes IPv4 addresses)'],
    ['an A value that is a name', (c: any) => Object.assign(c.dns, { type: 'A', values: { dc1: ['10.0.1.20'], dc2: ['kafka-dc2-1.example.internal'] } }), '$.dns.values.dc2[0]', '"kafka-dc2-1.example.internal": expected an IPv4 address such as 10.0.1.20 (an A record takes IPv4 addresses)'],
    ['an AAAA value that is IPv4', (c: any) => Object.assign(c.dns, { type: 'AAAA', values: { dc1: ['fd00::1'], dc2: ['10.0.2.20'] } }), '$.dns.values.dc2[0]', '"10.0.2.20": expected an IPv6 address such as fd00::1 (an AAAA record takes IPv6 addresses)'],
    ['a DNS value for a badly named cluster', (c: any) => (c.dns.values.DC3 = ['x.example.internal']), '$.dns.values.DC3', 'the key "DC3": expected a cluster name: lowercase letters, digits and "-", starting with a letter, at most 31 characters (e.g. dc1)'],
    ['an unquoted account id', (c: any) => (c.controlPlane.account = 111122223333), '$.controlPlane.account', '111122223333: expected a 12-digit AWS account id in quotes, such as "111122223333" (YAML reads it unquoted as a number)'],
    ['a short account id', (c: any) => (c.backup.bucket.account = '1234'), '$.backup.bucket.account', '"1234": expected a 12-digit AWS account id'],
    ['a region without its number', (c: any) => (c.backup.bucket.region = 'eu-north'), '$.backup.bucket.region', '"eu-north": expected an AWS region such as eu-west-1'],
    ['an availability zone id', (c: any) => (c.network.availabilityZones = ['euc1-az1']), '$.network.availabilityZones[0]', '"euc1-az1": expected an availability zone name such as eu-central-1a (a name, not a zone id such as euc1-az1)'],
    ['an availability zone of another region', (c: any) => (c.network.availabilityZones[1] = 'eu-west-1b'), '$.network.availabilityZones[1]', '"eu-west-1b" is not in the control plane\'s region eu-central-1: expected a zone such as eu-central-1a'],
    ['a VPC id of 10 hex digits', (c: any) => (c.network.vpcId = 'vpc-0a1b2c3d4e'), '$.network.vpcId', '"vpc-0a1b2c3d4e": expected a VPC id: vpc- and 8 or 17 hexadecimal digits, such as vpc-0123456789abcdef0'],
    ['a subnet id in upper case', (c: any) => (c.network.subnetIds[0] = 'subnet-0A1B2C3D'), '$.network.subnetIds[0]', '"subnet-0A1B2C3D": expected a subnet id: subnet- and 8 or 17 hexadecimal digits, such as subnet-0123456789abcdef0'],
    ['a security group name', (c: any) => (c.network.securityGroupIds[0] = 'kafka-dr'), '$.network.securityGroupIds[0]', '"kafka-dr": expected a security group id: sg- and 8 or 17 hexadecimal digits, such as sg-0123456789abcdef0'],
    ['a bad email', (c: any) => (c.failover.notificationEmails = ['oncall']), '$.failover.notificationEmails[0]', '"oncall": expected an email address such as kafka-oncall@example.com'],
    ['a bad cluster name', (c: any) => c.clusters.push({ ...c.clusters[1], name: 'DC3' }), '$.clusters[2].name', '"DC3": expected a cluster name: lowercase letters, digits and "-", starting with a letter, at most 31 characters (e.g. dc1)'],
    ['a bad estate name', (c: any) => (c.estate = '1payments'), '$.estate', '"1payments": expected an estate name: letters, digits and "-", starting with a letter, at most 41 characters (e.g. payments)'],
  ])('rejects %s, saying what is expected', (_name, mutate, path, message) => {
    expect(problemsOf(mutate)).toEqual([{ path, message }]);
  });

  it.each([
    ['bootstrap servers by IPv4 and IPv6', (c: any) => (c.clusters[1].bootstrapServers = ['10.0.2.20:9092', '[fd00::20]:9092'])],
    ['the extreme ports', (c: any) => (c.clusters[1].bootstrapServers = ['kafka:1', 'kafka:65535'])],
    ['a rate in days', (c: any) => (c.backup.schedule = 'rate(1 day)')],
    ['a weekday cron', (c: any) => (c.backup.schedule = 'cron(0/30 8-17 ? * MON-FRI *)')],
    ['a monthly cron', (c: any) => (c.backup.schedule = 'cron(0 3 L * ? *)')],
    ['a Connect URL with a path', (c: any) => (c.flows[0].mm2.connectUrl = 'https://gateway.example.internal/connect/')],
    ['an A record', (c: any) => Object.assign(c.dns, { type: 'A', values: { dc1: ['10.0.1.20', '10.0.1.21'], dc2: ['10.0.2.20'] } })],
    ['an AAAA record', (c: any) => Object.assign(c.dns, { type: 'AAAA', values: { dc1: ['fd00::1'], dc2: ['fd00::2'] } })],
    ['an 8-digit VPC id', (c: any) => (c.network.vpcId = 'vpc-0a1b2c3d')],
    ['no account (environment-agnostic)', (c: any) => delete c.controlPlane.account],
  ])('accepts %s', (_name, mutate) => {
    const config = example();
    mutate(config);
    expect(() => parseEstateConfig(config, 'test.yaml')).not.toThrow();
  });

  describe('dns.mode arc-routing-control', () => {
    const account = '111122223333';
    const panel = `arn:aws:route53-recovery-control::${account}:controlpanel/0123456789abcdef0123456789abcdef`;
    const controls = { dc1: `${panel}/routingcontrol/00000000000000a1`, dc2: `${panel}/routingcontrol/00000000000000a2` };
    const taken = {
      clusterArn: `arn:aws:route53-recovery-control::${account}:cluster/01234567-89ab-cdef-0123-456789abcdef`,
      endpoints: [{ url: 'https://host-aaaaaa.us-west-2.example.aws', region: 'us-west-2' }],
      controlPanelArn: panel,
      routingControls: controls,
    };
    const arc = (value: unknown) => (c: any) => Object.assign(c.dns, { mode: 'arc-routing-control', arc: value });

    it.each([
      ['everything created by the stack', arc({})],
      ['an existing cluster, the rest created', arc({ clusterArn: taken.clusterArn, endpoints: taken.endpoints })],
      ['everything taken from the file', arc(taken)],
    ])('accepts %s', (_name, mutate) => {
      const config = example();
      mutate(config);
      expect(parseEstateConfig(config, 'test.yaml').dns).toMatchObject({ mode: 'arc-routing-control' });
    });

    it('defaults to upsert', () => {
      expect(parseEstateConfigText(exampleText, 'example').dns.mode).toBe('upsert');
    });

    it.each([
      ['no dns.arc', arc(undefined), '$.dns.arc', 'dns.mode arc-routing-control needs dns.arc: {} lets the stack create the ARC cluster, control panel and routing controls'],
      ['dns.arc in upsert mode', (c: any) => (c.dns.arc = {}), '$.dns.arc', 'dns.arc is used only with dns.mode arc-routing-control (the mode is upsert): set the mode or remove dns.arc'],
      ['a cluster without its endpoints', arc({ clusterArn: taken.clusterArn }), '$.dns.arc.endpoints', expect.stringContaining(`describe-cluster --cluster-arn ${taken.clusterArn} --region us-west-2`)],
      ['routing controls without their cluster', arc({ routingControls: controls }), '$.dns.arc.clusterArn', expect.stringContaining('give its clusterArn too')],
      ['a routing control missing', arc({ ...taken, routingControls: { dc1: controls.dc1 } }), '$.dns.arc.routingControls.dc2', 'missing the routing control of "dc2", which dns.values publishes'],
      ['a routing control of another panel', arc({ ...taken, routingControls: { ...controls, dc1: controls.dc1.replace('controlpanel/0123', 'controlpanel/9999') } }), '$.dns.arc.routingControls.dc1', expect.stringContaining('is not in the control panel')],
      ['a routing control ARN with a region', arc({ ...taken, routingControls: { ...controls, dc2: controls.dc2.replace('control::', 'control:us-west-2:') } }), '$.dns.arc.routingControls.dc2', expect.stringContaining('recovery control ARNs have none')],
      ['a control panel ARN in the cluster field', arc({ ...taken, clusterArn: panel }), '$.dns.arc.clusterArn', expect.stringContaining("the ARN's resource \"controlpanel/")],
      ['a third cluster', (c: any) => { arc({})(c); c.dns.values.dc3 = ['kafka-dc3.example.internal']; c.clusters.push({ ...c.clusters[1], name: 'dc3' }); }, '$.dns.values', 'arc-routing-control publishes a PRIMARY and a SECONDARY failover record: expected exactly two clusters in dns.values, got 3'],
    ])('rejects %s', (_name, mutate, path, message) => {
      expect(problemsOf(mutate)).toEqual([{ path, message }]);
    });
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

  it('rejects a non-mapping value handed over as JSON (a Lambda\'s bundled estate)', () => {
    expect(() => parseEstateConfig([], 'KAFKA_DR_CONFIG')).toThrow(
      "$: expected a mapping of the estate's settings (estate, controlPlane, network, clusters, flows, dns, failover, ...), got a list: see config/estate.example.yaml",
    );
  });
});

/** Nests anchors 9 deep: a few hundred bytes that expand to 9^9 strings. */
const BILLION_LAUGHS = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]', ...'bcdefghi'.split('').map((k, i) => `${k}: &${k} [${Array(9).fill(`*${'abcdefghi'[i]}`).join(',')}]`)].join('\n');
const ALIAS_BOMB = 'too many aliases (*name) to expand: aliases of anchors that hold aliases grow the document exponentially (a "billion laughs" document): write the values out, or use fewer aliases';

describe('reading an estate file', () => {
  // Made while the tests are collected: the tables below name files in it.
  const dir = mkdtempSync(path.join(tmpdir(), 'kafka-dr-config-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  function problemsReading(file: string): { path: string; message: string }[] {
    try {
      loadEstateConfigFile(file);
    } catch (err) {
      expect(err).toBeInstanceOf(EstateConfigError);
      return (err as EstateConfigError).problems;
    }
    throw new Error(`expected ${file} to be rejected`);
  }

  function fileWith(name: string, text: string): string {
    const file = path.join(dir, name);
    writeFileSync(file, text);
    return file;
  }

  it('reads the annotated example', () => {
    expect(loadEstateConfigFile('config/estate.example.yaml').estate).toBe('payments');
  });

  // Every way of failing ends as an EstateConfigError on $ that says what to do.
  it.each([
    ['a billion laughs document', () => fileWith('lol.yaml', BILLION_LAUGHS), ALIAS_BOMB],
    ['an estate with an alias bomb inside', () => fileWith('estate-lol.yaml', `${exampleText}\n${BILLION_LAUGHS.replace('a: &a', 'x: &a')}`), ALIAS_BOMB],
    ['an alias without anchor', () => fileWith('alias.yaml', 'estate: *name\n'), 'the alias *name refers to no anchor: define &name on a value before the alias'],
    ['an empty file', () => fileWith('empty.yaml', ''), "the file has no settings (it is empty or only comments): expected a mapping of the estate's settings, as in config/estate.example.yaml"],
    ['a file of comments', () => fileWith('comments.yaml', '# estate: payments\n'), 'the file has no settings (it is empty or only comments)'],
    ['a document separator alone', () => fileWith('separator.yaml', '---\n'), 'the file has no settings (it is empty or only comments)'],
    ['a list', () => fileWith('list.yaml', '- estate: payments\n'), "the document is a list: expected a mapping of the estate's settings (estate: NAME, controlPlane: ..., clusters: ...), as in config/estate.example.yaml"],
    ['a single value', () => fileWith('scalar.yaml', 'payments\n'), "the document is a single value: expected a mapping of the estate's settings"],
    ['a YAML syntax error', () => fileWith('syntax.yaml', 'estate: [unclosed\n'), 'not valid YAML/JSON: Flow sequence in block collection must be sufficiently indented and end with a ] at line 2, column 1'],
    ['a JSON syntax error', () => fileWith('syntax.json', '{"estate": "payments",, }'), 'not valid YAML/JSON: '],
    ['a duplicate key', () => fileWith('duplicate.yaml', 'estate: a\nestate: b\n'), 'not valid YAML/JSON: Map keys must be unique at line 2, column 1: give each key once per mapping'],
    ['two documents', () => fileWith('two.yaml', 'estate: a\n---\nestate: b\n'), 'not valid YAML/JSON: Source contains multiple documents at line 2, column 1: an estate file holds one document: remove the second "---" and what follows, or merge it into the first'],
    ['tabs as indentation', () => fileWith('tabs.yaml', 'dns:\n\tttl: 30\n'), 'indent with spaces, not tabs'],
    ['a CloudFormation tag', () => fileWith('tag.yaml', 'estate: !Ref Estate\n'), 'not valid YAML/JSON: Unresolved tag: !Ref at line 1, column 9: remove the tag: the estate file takes plain values (CloudFormation tags such as !Ref mean nothing here)'],
    ['a missing file', () => path.join(dir, 'missing.yaml'), `cannot read the file: ${path.join(dir, 'missing.yaml')} does not exist: check the path (relative paths start at ${process.cwd()})`],
    ['a directory', () => dir, `cannot read the file: ${dir} is a directory: name the estate file itself, such as config/estate.example.yaml`],
  ])('rejects %s with an EstateConfigError on $', (_name, file, message) => {
    const problems = problemsReading(file());
    expect(problems.length).toBeGreaterThan(0);
    for (const problem of problems) expect(problem.path).toBe('$');
    expect(problems[0]?.message).toContain(message);
  });

  it('rejects a file this user cannot read', () => {
    const file = fileWith('unreadable.yaml', exampleText);
    chmodSync(file, 0o000);
    // root reads any file: the CLI then runs as nobody (setpriv, util-linux), for whom the
    // directory is open and the file is not.
    const asNobody = process.getuid?.() === 0 ? ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups', '--', process.execPath] : [process.execPath];
    chmodSync(dir, 0o755);
    const [command, ...args] = asNobody;
    const result = spawnSync(command!, [...args, path.resolve('node_modules/tsx/dist/cli.mjs'), 'bin/kafka-dr.ts', 'config', 'validate', file, '--json'], {
      encoding: 'utf8',
      timeout: 60_000,
      env: { ...process.env, HOME: tmpdir() },
    });
    expect({ status: result.status, stdout: JSON.parse(result.stdout || 'null') }).toEqual({
      status: 1,
      stdout: { valid: false, problems: [{ path: '$', message: `cannot read the file: permission denied on ${file}: make it readable by this user` }] },
    });
  });

  it('says what is wrong in the message of the error, as synth prints it', () => {
    expect(() => loadEstateConfigFile(fileWith('lol-message.yaml', BILLION_LAUGHS))).toThrow(`invalid estate configuration ${path.join(dir, 'lol-message.yaml')}:\n  $: ${ALIAS_BOMB}`);
  });

  describe('config validate --json', () => {
    const validate = (file: string) =>
      spawnSync(process.execPath, [path.resolve('node_modules/tsx/dist/cli.mjs'), 'bin/kafka-dr.ts', 'config', 'validate', file, '--json'], { encoding: 'utf8', timeout: 60_000 });

    it('prints the problems of a billion laughs document as JSON and exits 1', () => {
      const result = validate(fileWith('cli-lol.yaml', BILLION_LAUGHS));
      expect({ status: result.status, stdout: JSON.parse(result.stdout) }).toEqual({ status: 1, stdout: { valid: false, problems: [{ path: '$', message: ALIAS_BOMB }] } });
    });

    it('prints a missing file as a problem', () => {
      const result = validate(path.join(dir, 'nowhere.yaml'));
      expect(result.status).toBe(1);
      expect(JSON.parse(result.stdout)).toEqual({ valid: false, problems: [{ path: '$', message: expect.stringContaining('does not exist: check the path') }] });
    });

    it('prints a bad field with its path', () => {
      const result = validate(fileWith('cli-rate.yaml', exampleText.replace('schedule: rate(1 hour)', 'schedule: rate(0 minutes)')));
      expect(result.status).toBe(1);
      expect(JSON.parse(result.stdout)).toEqual({ valid: false, problems: [{ path: '$.backup.schedule', message: 'rate(0 minutes) value "0": expected a whole number of 1 or more' }] });
    });

    it('finds the annotated example valid', () => {
      const result = validate('config/estate.example.yaml');
      expect({ status: result.status, stdout: JSON.parse(result.stdout) }).toEqual({ status: 0, stdout: { valid: true, estate: 'payments' } });
    });
  });
});

describe('the JSON Schema', () => {
  it('generates the JSON Schema that documents the file from the same schema', () => {
    const schema = estateJsonSchema() as { properties: Record<string, any>; required: string[] };
    expect(schema.required).toEqual(expect.arrayContaining(['estate', 'clusters', 'flows', 'dns', 'failover']));
    expect(schema.properties.dns.properties.ttl).toMatchObject({ type: 'integer', minimum: 1, maximum: 86400 });
    const committed = JSON.parse(readFileSync('docs/estate-config.schema.json', 'utf8'));
    expect(committed).toEqual(schema);
  });
});
