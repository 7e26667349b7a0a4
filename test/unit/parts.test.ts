import { describe, expect, it } from '@jest/globals';
import { partsBySize } from '#src/parts';

describe('parts by size', () => {
  it('fills each part in order up to the limit, and gives an item over the limit a part of its own', () => {
    const sizes = [4, 4, 3, 12, 1, 9];
    expect(partsBySize(sizes, 10, (n) => n)).toEqual([[4, 4], [3], [12], [1, 9]]);
  });

  it('makes one empty part of an empty list (a list that was looked at, and held nothing)', () => {
    expect(partsBySize([], 10, () => 1)).toEqual([[]]);
  });
});
