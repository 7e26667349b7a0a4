// Lookups over a validated estate. The schema guarantees names resolve, so a miss here is
// a caller's bad input (an execution naming a flow that is not configured).
import { flowsOf, type Flow } from '#src/flow';
import type { ClusterAuth, ClusterConfig, EstateConfig } from './schema';

export function findCluster(config: EstateConfig, name: string): ClusterConfig {
  const cluster = config.clusters.find((c) => c.name === name);
  if (!cluster) throw new Error(`unknown cluster "${name}": the estate has ${config.clusters.map((c) => c.name).join(', ')}`);
  return cluster;
}

export function findFlow(config: EstateConfig, name: string): Flow {
  const flows = flowsOf(config);
  const flow = flows.find((f) => f.name === name);
  if (!flow) throw new Error(`unknown flow "${name}": the estate has ${flows.map((f) => f.name).join(', ')}`);
  return flow;
}

export function authSecretArns(auth: ClusterAuth): string[] {
  switch (auth.type) {
    case 'none':
    case 'msk-iam':
      return [];
    case 'tls':
      return auth.caSecretArn ? [auth.caSecretArn] : [];
    case 'mtls':
      return [auth.clientCertificateSecretArn, ...(auth.caSecretArn ? [auth.caSecretArn] : [])];
    case 'sasl-scram-sha-512':
      return [auth.credentialsSecretArn, ...(auth.caSecretArn ? [auth.caSecretArn] : [])];
  }
}

/** Every secret a function that talks to all clusters and all Connect endpoints needs. */
export function estateSecretArns(config: EstateConfig): string[] {
  const arns = [
    ...config.clusters.flatMap((c) => authSecretArns(c.auth)),
    ...config.flows.flatMap((f) => (f.mm2.authSecretArn ? [f.mm2.authSecretArn] : [])),
  ];
  return [...new Set(arns)];
}
