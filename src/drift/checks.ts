// Every kind of drift, checked the same way by the audit, the sync and the failover preflight.
import { aclDrift } from './acl-drift';
import { configDrift } from './config-drift';
import type { DriftCheck, DriftKind } from './drift';
import { quotaDrift } from './quota-drift';

export const DRIFT_CHECKS: { [K in DriftKind]: DriftCheck<unknown> } = {
  acls: aclDrift as DriftCheck<unknown>,
  quotas: quotaDrift as DriftCheck<unknown>,
  configs: configDrift as DriftCheck<unknown>,
};
