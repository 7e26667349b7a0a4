import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { App, type CfnElement, type Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { buildApp } from '../../lib/app';
import { ESTATE_CONFIG } from '#src/environment';
import { loadEstateConfigFile } from '#src/config/load';
import { ControlPlaneOutput } from '#src/stack-outputs';
import { labPythonTool } from '../support/lab-tools';

const config = loadEstateConfigFile('config/estate.example.yaml');
const newApp = () => new App({ outdir: mkdtempSync(path.join(tmpdir(), 'kafka-dr-cdk-')) });

describe('the CDK app', () => {
  const { app, controlPlane } = buildApp(config, newApp());
  const assembly = app.synth();
  const template = Template.fromStack(controlPlane);

  it('deploys the control plane in the configured (standby) region and account', () => {
    expect(controlPlane.region).toBe('eu-central-1');
    expect(controlPlane.account).toBe('111122223333');
  });

  it('outputs what the operator CLI finds the control plane by: the state machines, the failover state table, the backup bucket, the audit and drift sync functions', () => {
    const ref = (construct: { node: { defaultChild?: unknown } }) => ({ Ref: controlPlane.getLogicalId(construct.node.defaultChild as CfnElement) });
    const outputs = template.toJSON().Outputs as Record<string, { Value: unknown }>;
    expect(Object.fromEntries(Object.entries(outputs).map(([k, o]) => [k, o.Value]))).toEqual({
      FailoverStateMachineArn: ref(controlPlane.failover.stateMachine),
      FailoverStateTableName: ref(controlPlane.failover.stateTable),
      AuditFunctionName: ref(controlPlane.probes.audit.function),
      DriftSyncFunctionName: ref(controlPlane.driftSync.function),
      BackupStateMachineArn: ref(controlPlane.backup!.backup),
      RestoreStateMachineArn: ref(controlPlane.backup!.restore),
      BackupBucketName: expect.anything(),
    });
    // ArcRoutingControls only with dns.mode arc-routing-control (test/infra/arc-routing-control.test.ts),
    // ActiveSideHealthChecks only with health-check (test/infra/active-side-switching.test.ts).
    const modeOutputs: string[] = [ControlPlaneOutput.ArcRoutingControls, ControlPlaneOutput.ActiveSideHealthChecks];
    expect(Object.keys(outputs).sort()).toEqual(Object.values(ControlPlaneOutput).filter((o) => !modeOutputs.includes(o)).sort());
  });

  it('gives every function the shared Lambda defaults', () => {
    const functions = template.findResources('AWS::Lambda::Function');
    expect(Object.keys(functions).length).toBeGreaterThan(0);
    for (const fn of Object.values(functions)) {
      expect(fn.Properties).toMatchObject({
        Runtime: 'nodejs22.x',
        Architectures: ['arm64'],
        TracingConfig: { Mode: 'Active' },
        LoggingConfig: { LogFormat: 'JSON', LogGroup: { Ref: expect.any(String) } },
        VpcConfig: {
          SubnetIds: config.network.subnetIds,
          SecurityGroupIds: config.network.securityGroupIds,
        },
        Environment: {
          Variables: expect.objectContaining({
            POWERTOOLS_SERVICE_NAME: expect.stringMatching(/^kafka-dr-/),
            POWERTOOLS_METRICS_NAMESPACE: 'KafkaDR',
            NODE_OPTIONS: '--enable-source-maps',
          }),
        },
      });
      // The configuration travels in the bundle, never in the (4 KB, visible) environment.
      expect(fn.Properties.Environment.Variables[ESTATE_CONFIG.name]).toBeUndefined();
    }
    template.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: config.logRetentionDays });
  });

  it('grants read access to exactly the secrets the estate names', () => {
    const statements = Object.values(template.findResources('AWS::IAM::Policy')).flatMap((p) => p.Properties.PolicyDocument.Statement);
    const secretStatements = statements.filter((s: { Action: string | string[] }) => [s.Action].flat().some((a) => a.startsWith('secretsmanager:')));
    const resources = secretStatements.flatMap((s: { Resource: string | string[] }) => [s.Resource].flat());
    const expected = [
      ...config.clusters.flatMap((c) => ('credentialsSecretArn' in c.auth ? [c.auth.credentialsSecretArn, c.auth.caSecretArn] : [])),
      config.flows[0]!.mm2.authSecretArn,
    ];
    expect(new Set(resources)).toEqual(new Set(expected));
    for (const s of secretStatements) expect([s.Action].flat().sort()).toEqual(['secretsmanager:DescribeSecret', 'secretsmanager:GetSecretValue']);
  });

  it('bundles each handler as a minified ESM bundle with a source map', () => {
    const assetDirs = readdirSync(assembly.directory).filter((d) => d.startsWith('asset.'));
    expect(assetDirs.length).toBeGreaterThan(0);
    for (const dir of assetDirs) expect(readdirSync(path.join(assembly.directory, dir)).sort()).toEqual(['index.mjs', 'index.mjs.map']);
  });

  it('passes cdk-nag AwsSolutions with no unacknowledged finding (synth would have thrown)', () => {
    expect(assembly.stacks.length).toBeGreaterThan(0);
  });

  it('fails synth on an unacknowledged cdk-nag finding (the check is live)', () => {
    const { app: bad, controlPlane: stack } = buildApp(config, newApp());
    new s3.Bucket(stack as Stack, 'UnencryptedLoggingLessBucket');
    expect(() => bad.synth()).toThrow(/AwsSolutions-S1'/);
  });

  it('synthesizes templates that cfn-lint accepts', () => {
    const templates = readdirSync(assembly.directory).filter((f) => f.endsWith('.template.json'));
    const lint = spawnSync(labPythonTool('cfn-lint'), templates.map((t) => path.join(assembly.directory, t)), { encoding: 'utf8' });
    expect(`${lint.stdout}${lint.stderr}`).toBe('');
    expect(lint.status).toBe(0);
  });

  it('refuses to synthesize a bad estate file, naming the field', () => {
    const run = spawnSync('npx', ['tsx', 'bin/app.ts'], {
      encoding: 'utf8',
      env: { ...process.env, CDK_CONTEXT_JSON: JSON.stringify({ config: 'test/fixtures/bad-estate.yaml' }), CDK_OUTDIR: mkdtempSync(path.join(tmpdir(), 'kafka-dr-bad-')) },
    });
    expect(run.status).toBe(1);
    expect(run.stderr).toContain('$.flows[0].target: unknown cluster "dc3"');
  });
});

describe('cfn-lint itself', () => {
  it('rejects an invalid template (the lint is live)', () => {
    const broken = { Resources: { Bucket: { Type: 'AWS::S3::Bucket', Properties: { ObjectLockEnabled: true, ObjectLockConfiguration: { ObjectLockEnabled: 'Nope' } } } } };
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'kafka-dr-lint-')), 'broken.json');
    writeFileSync(file, JSON.stringify(broken));
    const lint = spawnSync(labPythonTool('cfn-lint'), [file], { encoding: 'utf8' });
    expect(lint.status).not.toBe(0);
    expect(lint.stdout).toMatch(/E3\d{3}/);
  });
});
