// The AWS identifiers an estate names: regions, accounts, availability zones, EC2 resource
// ids, Secrets Manager ARNs and Route 53 hosted zone ids. Synth needs no credentials, so
// nothing looks them up: a malformed one would fail the deploy, or worse, deploy and be
// refused at run time (an IAM policy that matches no secret). Messages name the part that
// is wrong and what is expected.

export const AWS_REGION = /^[a-z]{2}(-[a-z]+)+-\d$/;
export const AWS_REGION_EXPECTED = 'an AWS region such as eu-west-1';

export const AWS_ACCOUNT = /^\d{12}$/;
export const AWS_ACCOUNT_EXPECTED = 'a 12-digit AWS account id';

/** An availability zone name (eu-central-1a), which a VPC import takes; zone ids (euc1-az1) differ per account. */
export const AVAILABILITY_ZONE = /^[a-z]{2}(-[a-z]+)+-\d[a-z]$/;
export const AVAILABILITY_ZONE_EXPECTED = 'an availability zone name such as eu-central-1a (a name, not a zone id such as euc1-az1)';

/** vpc-, subnet- and sg- ids: the prefix and 8 (older) or 17 hexadecimal digits. */
export function ec2IdPattern(prefix: string): RegExp {
  return new RegExp(`^${prefix}-(?:[0-9a-f]{8}|[0-9a-f]{17})$`);
}

export const SECRET_ARN_EXAMPLE = 'arn:aws:secretsmanager:eu-central-1:111122223333:secret:kafka-dr/dc1-scram-AbCdEf';

/**
 * A complete Secrets Manager secret ARN. The Lambdas are granted the ARN as given, so a
 * partial one (without the "-" and 6 characters Secrets Manager appends to the name) would
 * deploy and then be denied every read.
 */
export function secretArnProblems(arn: string): string[] {
  const parts = arn.split(':');
  const [prefix, partition = '', service = '', region = '', account = '', type = '', ...nameParts] = parts;
  if (prefix !== 'arn' || parts.length < 7) return [`"${arn}": expected a Secrets Manager secret ARN such as ${SECRET_ARN_EXAMPLE}`];
  const name = nameParts.join(':');
  const problems: string[] = [];
  if (!/^aws(-[a-z]+)*$/.test(partition)) problems.push(`the ARN's partition "${partition}": expected aws, aws-cn or aws-us-gov`);
  if (service !== 'secretsmanager') problems.push(`the ARN's service "${service}": expected secretsmanager (a Secrets Manager secret)`);
  if (!AWS_REGION.test(region)) problems.push(`the ARN's region "${region}": expected ${AWS_REGION_EXPECTED}`);
  if (!AWS_ACCOUNT.test(account)) problems.push(`the ARN's account "${account}": expected ${AWS_ACCOUNT_EXPECTED}`);
  if (type !== 'secret') problems.push(`the ARN's resource type "${type}": expected secret, as in ${SECRET_ARN_EXAMPLE}`);
  if (!/^[A-Za-z0-9/_+=.@-]{1,512}$/.test(name)) {
    problems.push(`the ARN's secret name "${name}": expected letters, digits and /_+=.@- (at most 512)`);
  } else if (!/^.+-[A-Za-z0-9]{6}$/.test(name)) {
    problems.push(
      `the secret name "${name}" lacks the "-" and 6 characters Secrets Manager appends to it: give the complete ARN (aws secretsmanager describe-secret --secret-id ${name} shows it), as IAM matches the Lambdas' read permission against it`,
    );
  }
  return problems;
}

export const HOSTED_ZONE_ID_EXAMPLE = 'Z0123456789ABC';

/** A Route 53 hosted zone id as the Route 53 API takes it: without the /hostedzone/ prefix some outputs carry. */
export function hostedZoneIdProblems(id: string): string[] {
  const bare = id.replace(/^\/?hostedzone\//i, '');
  if (bare !== id) return [`"${id}": drop the "/hostedzone/" prefix: expected the id alone, ${bare}`];
  if (/^[A-Za-z0-9]{1,32}$/.test(id) && id !== id.toUpperCase()) return [`"${id}": expected upper case, as Route 53 writes hosted zone ids: ${id.toUpperCase()}`];
  if (!/^[A-Z0-9]{1,32}$/.test(id)) return [`"${id}": expected a Route 53 hosted zone id such as ${HOSTED_ZONE_ID_EXAMPLE}: up to 32 upper-case letters and digits`];
  return [];
}

export const ROUTING_CONTROL_ARN_EXAMPLE = 'arn:aws:route53-recovery-control::111122223333:controlpanel/0123456789abcdef0123456789abcdef/routingcontrol/0123456789abcdef';

const RECOVERY_CONTROL_EXAMPLES = {
  cluster: 'arn:aws:route53-recovery-control::111122223333:cluster/01234567-89ab-cdef-0123-456789abcdef',
  controlpanel: 'arn:aws:route53-recovery-control::111122223333:controlpanel/0123456789abcdef0123456789abcdef',
  routingcontrol: ROUTING_CONTROL_ARN_EXAMPLE,
} as const;

/**
 * An ARN of Route 53 Application Recovery Controller's routing control configuration. Its
 * resources are global: the ARN has no region, and a routing control's ARN extends its
 * control panel's.
 */
export function recoveryControlArnProblems(kind: keyof typeof RECOVERY_CONTROL_EXAMPLES) {
  const example = RECOVERY_CONTROL_EXAMPLES[kind];
  return (arn: string): string[] => {
    const [prefix, partition = '', service = '', region = '', account = '', ...rest] = arn.split(':');
    const resource = rest.join(':');
    if (prefix !== 'arn' || rest.length === 0) return [`"${arn}": expected a ${kind} ARN such as ${example}`];
    const problems: string[] = [];
    if (!/^aws(-[a-z]+)*$/.test(partition)) problems.push(`the ARN's partition "${partition}": expected aws, aws-cn or aws-us-gov`);
    if (service !== 'route53-recovery-control') problems.push(`the ARN's service "${service}": expected route53-recovery-control (Application Recovery Controller)`);
    if (region !== '') problems.push(`the ARN's region "${region}": recovery control ARNs have none (…-control::${account}:…)`);
    if (!AWS_ACCOUNT.test(account)) problems.push(`the ARN's account "${account}": expected ${AWS_ACCOUNT_EXPECTED}`);
    const shape = { cluster: /^cluster\/[A-Za-z0-9-]+$/, controlpanel: /^controlpanel\/[A-Za-z0-9]+$/, routingcontrol: /^controlpanel\/[A-Za-z0-9]+\/routingcontrol\/[A-Za-z0-9]+$/ }[kind];
    if (!shape.test(resource)) problems.push(`the ARN's resource "${resource}": expected ${example.split(':').slice(5).join(':')}`);
    return problems;
  };
}
