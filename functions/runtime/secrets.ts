// One Secrets Manager reader per execution environment: values are cached between
// invocations, and the client is traced like every other AWS client.
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SecretReader } from '#src/secrets';
import { tracer } from './powertools';

export const secrets = new SecretReader(tracer.captureAWSv3Client(new SecretsManagerClient({})));
