import { describe, expect, it } from 'vitest';
import { progressLabel } from '../../../renderer/src/sync/progress';

describe("a first pull's progress in words", () => {
  it('gives the rows of the total and the percent, rounded down', () => {
    expect(progressLabel({ rows: 240_000, total: 600_002 })).toEqual({
      short: '240,000 of 600,002',
      text: '240,000 of 600,002 rows · 39 %',
      percent: 39,
    });
    expect(progressLabel({ rows: 0, total: 5 }).percent).toBe(0);
  });

  it('stops at 100 % when rows written meanwhile take it past the count', () => {
    expect(progressLabel({ rows: 1_010, total: 1_000 })).toMatchObject({ percent: 100 });
  });

  it('counts the rows alone from a server that gives no total (the bar moves without an end)', () => {
    expect(progressLabel({ rows: 1, total: null })).toEqual({
      short: '1 row so far',
      text: '1 row so far',
      percent: null,
    });
    expect(progressLabel({ rows: 12_345, total: 0 }).text).toBe('12,345 rows so far');
  });
});
