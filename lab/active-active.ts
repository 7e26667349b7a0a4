// The lab's active-active topology: both datacenters produce and consume, the flows run
// both ways (dc1 -> dc2, and the on-demand dc2 -> dc1 of lab/reverse-flow.ts), and each
// datacenter's clients bootstrap through a record of their own. The estate is what an
// estate file of that topology says, validated like a deployment's.
import { parseEstateConfig } from '#src/config/parse';
import type { EstateConfig } from '#src/config/schema';
import { LAB_ZONE, type LabInfo } from './estate';
import { withReverseFlow } from './reverse-flow';

/** Each datacenter's own bootstrap record. */
export const LAB_LOCAL_RECORDS = { dc1: `kafka-dc1.${LAB_ZONE}`, dc2: `kafka-dc2.${LAB_ZONE}` } as const;

export function activeActiveEstate(config: EstateConfig, lab: LabInfo): EstateConfig {
  const twoWay = withReverseFlow(config, lab);
  return parseEstateConfig({ ...twoWay, dns: { ...twoWay.dns, recordName: undefined, records: { ...LAB_LOCAL_RECORDS } } }, 'the lab estate as active-active');
}
