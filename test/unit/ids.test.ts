import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { createIdGenerator, idTime, newId, uuidV7 } from '../../shared/ids';
import { recordIdField } from '../../shared/sync/records';

const V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('record ids (UUID version 7)', () => {
  it('lays out time, version, counter, variant and random bits as RFC 9562 §5.7 does', () => {
    // The RFC's example time, 2022-02-22 19:22:22 UTC, is 0x017F22E279B0 ms.
    // The RFC's example UUID (appendix A.6): 017F22E2-79B0-7CC3-98C4-DC0C0C07398F.
    const random = Uint8Array.from([0x98, 0xc4, 0xdc, 0x0c, 0x0c, 0x07, 0x39, 0x8f]);
    const id = uuidV7(0x017f22e279b0, 0xcc3, random);
    expect(id).toBe('017f22e2-79b0-7cc3-98c4-dc0c0c07398f');
    // Variant bits are set whatever the random byte holds.
    expect(uuidV7(0, 0, new Uint8Array(8).fill(0xff)).charAt(19)).toBe('b');
    expect(uuidV7(0, 0, new Uint8Array(8)).charAt(19)).toBe('8');
    expect(idTime(id)).toBe(0x017f22e279b0);
    expect(id).toMatch(V7);
  });

  it('refuses a time or counter out of range', () => {
    const r = new Uint8Array(8);
    expect(() => uuidV7(-1, 0, r)).toThrow(RangeError);
    expect(() => uuidV7(2 ** 48, 0, r)).toThrow(RangeError);
    expect(() => uuidV7(1.5, 0, r)).toThrow(RangeError);
    expect(() => uuidV7(0, 0x1000, r)).toThrow(RangeError);
    expect(() => uuidV7(0, 0, new Uint8Array(7))).toThrow(RangeError);
  });

  it('makes ids that sort in the order they were made, at the time they were made', () => {
    const before = Date.now();
    const ids = Array.from({ length: 20_000 }, () => newId());
    const after = Date.now();
    expect(new Set(ids).size).toBe(ids.length);
    expect([...ids].sort()).toEqual(ids);
    for (const id of [ids[0], ids[ids.length - 1]]) {
      expect(id).toMatch(V7);
      const t = idTime(id ?? '') ?? 0;
      // A burst past 2,048 ids in one millisecond may run the time a few ms ahead.
      expect(t).toBeGreaterThanOrEqual(before);
      expect(t).toBeLessThanOrEqual(after + 20);
    }
    expect(recordIdField.safeParse(ids[0]).success).toBe(true);
  });

  it('keeps increasing when the clock stands still, goes back, or the counter runs out', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: -5_000, max: 5_000 }), { minLength: 1, maxLength: 300 }),
        fc.integer({ min: 0, max: 5_000 }),
        (steps, repeat) => {
          let wall = 1_700_000_000_000;
          const next = createIdGenerator(() => wall);
          let last = next();
          for (const step of steps) {
            wall += step;
            // Sometimes many ids in one millisecond: past the 12-bit counter.
            const n = step === 0 ? repeat : 1;
            for (let i = 0; i < n; i++) {
              const id = next();
              expect(id > last).toBe(true);
              last = id;
            }
          }
        },
      ),
      { numRuns: 200 },
    );
  });

  it('answers no time for an id that is not version 7', () => {
    expect(idTime('9b2e4c1a-3f5d-4e6b-8a7c-0d1e2f3a4b5c')).toBeNull();
    expect(idTime('bench-c000123')).toBeNull();
  });
});
