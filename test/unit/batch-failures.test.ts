import { describe, expect, it } from '@jest/globals';
import { partitionRanges } from '#src/backup/batch-failures';

describe('the partitions of a failed batch, as the cause lists them', () => {
  it('writes consecutive partitions as a range, per topic, in partition order', () => {
    const batch = [5, 0, 1, 2, 3, 7, 8].map((partition) => ({ topic: 'orders', partition }));
    expect(partitionRanges([...batch, { topic: 'payments', partition: 4 }])).toBe('orders 0-3, 5, 7-8; payments 4');
  });

  it('writes a partition listed twice once', () => {
    expect(partitionRanges([{ topic: 't', partition: 2 }, { topic: 't', partition: 2 }, { topic: 't', partition: 3 }])).toBe('t 2-3');
  });
});
