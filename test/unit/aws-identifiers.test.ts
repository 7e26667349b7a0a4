import { AVAILABILITY_ZONE, AWS_REGION, ec2IdPattern, hostedZoneIdProblems, secretArnProblems } from '#src/config/aws-identifiers';

const ARN = 'arn:aws:secretsmanager:eu-central-1:111122223333:secret:kafka-dr/dc1-scram-AbCdEf';

describe('Secrets Manager secret ARNs', () => {
  it.each([ARN, 'arn:aws-cn:secretsmanager:cn-north-1:111122223333:secret:db_pass+v2=x.y@z-a1B2c3', 'arn:aws-us-gov:secretsmanager:us-gov-west-1:111122223333:secret:a-AbCdEf'])('accepts %s', (arn) => {
    expect(secretArnProblems(arn)).toEqual([]);
  });

  it.each([
    ['my-secret', '"my-secret": expected a Secrets Manager secret ARN such as arn:aws:secretsmanager:eu-central-1:111122223333:secret:kafka-dr/dc1-scram-AbCdEf'],
    [ARN.replace('arn:aws:', 'arn:amazon:'), 'the ARN\'s partition "amazon": expected aws, aws-cn or aws-us-gov'],
    [ARN.replace('secretsmanager', 'ssm'), 'the ARN\'s service "ssm": expected secretsmanager (a Secrets Manager secret)'],
    [ARN.replace('eu-central-1', 'eu-central'), 'the ARN\'s region "eu-central": expected an AWS region such as eu-west-1'],
    [ARN.replace('111122223333', '1111222233'), 'the ARN\'s account "1111222233": expected a 12-digit AWS account id'],
    [ARN.replace(':secret:', ':parameter:'), 'the ARN\'s resource type "parameter": expected secret'],
    [ARN.replace('-AbCdEf', ''), 'the secret name "kafka-dr/dc1-scram" lacks the "-" and 6 characters Secrets Manager appends to it: give the complete ARN'],
    [ARN.replace('kafka-dr/', 'kafka dr/'), 'the ARN\'s secret name "kafka dr/dc1-scram-AbCdEf": expected letters, digits and /_+=.@-'],
  ])('rejects %s, naming the part that is wrong', (arn, message) => {
    const problems = secretArnProblems(arn);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain(message);
  });

  it('reports every bad part at once', () => {
    expect(secretArnProblems('arn:aws:secretsmanager:eu-west:1234:secret:kafka-dr/dc1')).toHaveLength(3);
  });
});

describe('Route 53 hosted zone ids', () => {
  it.each(['Z0123456789ABCDEFGHIJ', 'Z2FDTNDATAQYW2', 'ABCDEFGHIJKLMNOPQRSTUV'])('accepts %s', (id) => {
    expect(hostedZoneIdProblems(id)).toEqual([]);
  });

  it.each([
    ['/hostedzone/Z0123456789ABC', '"/hostedzone/Z0123456789ABC": drop the "/hostedzone/" prefix: expected the id alone, Z0123456789ABC'],
    ['hostedzone/Z0123456789ABC', 'drop the "/hostedzone/" prefix'],
    ['z0123456789abc', '"z0123456789abc": expected upper case, as Route 53 writes hosted zone ids: Z0123456789ABC'],
    ['Z0123-456', '"Z0123-456": expected a Route 53 hosted zone id such as Z0123456789ABC: up to 32 upper-case letters and digits'],
    ['Z'.repeat(33), 'up to 32 upper-case letters and digits'],
  ])('rejects %s', (id, message) => {
    const problems = hostedZoneIdProblems(id);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain(message);
  });
});

describe('regions, zones and EC2 ids', () => {
  it.each([
    [AWS_REGION, 'eu-central-1', true],
    [AWS_REGION, 'us-gov-west-1', true],
    [AWS_REGION, 'eu-central', false],
    [AWS_REGION, 'EU-CENTRAL-1', false],
    [AVAILABILITY_ZONE, 'eu-central-1a', true],
    [AVAILABILITY_ZONE, 'euc1-az1', false],
    [AVAILABILITY_ZONE, 'eu-central-1', false],
    [ec2IdPattern('vpc'), 'vpc-0a1b2c3d', true],
    [ec2IdPattern('vpc'), 'vpc-0a1b2c3d4e5f60718', true],
    [ec2IdPattern('vpc'), 'vpc-0a1b2c3d4e', false],
    [ec2IdPattern('subnet'), 'subnet-0A1B2C3D', false],
    [ec2IdPattern('sg'), 'vpc-0a1b2c3d', false],
  ])('%s on %s: %s', (pattern, value, valid) => {
    expect(pattern.test(value)).toBe(valid);
  });
});
