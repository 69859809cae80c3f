import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { ClockDriftError, HybridClock, compareHlc, parseHlc } from '../../../shared/sync/hlc';
import { mergeFields } from '../../../shared/sync/merge';

describe('hybrid logical clock', () => {
  it('issues strictly increasing timestamps even when the wall clock stands still or goes back', () => {
    let wall = 1_000;
    const clock = new HybridClock('node-a', () => wall);
    const a = clock.tick();
    wall = 500;
    const b = clock.tick();
    const c = clock.tick();
    expect(compareHlc(a, b)).toBe(-1);
    expect(compareHlc(b, c)).toBe(-1);
    expect(parseHlc(c)).toMatchObject({ wallMs: 1000, counter: 2, node: 'node-a' });
  });

  it('orders a local event after every remote one it has seen', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 1e6 }),
        fc.integer({ min: 0, max: 50_000 }),
        (wall, skew) => {
          const local = new HybridClock('a', () => wall);
          const remote = new HybridClock('b', () => wall + skew).tick();
          local.receive(remote);
          expect(compareHlc(local.tick(), remote)).toBe(1);
        },
      ),
    );
  });

  it('refuses a remote timestamp too far in the future', () => {
    const clock = new HybridClock('a', () => 0, 60_000);
    const future = new HybridClock('b', () => 3_600_000).tick();
    expect(() => clock.receive(future)).toThrow(ClockDriftError);
  });
});

describe('per-field last-writer-wins', () => {
  it('keeps the newer write of each field, whatever the order the writes arrive in', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            at: fc.integer({ min: 1, max: 1000 }),
            field: fc.constantFrom('name', 'phone', 'email'),
            value: fc.string(),
          }),
          { minLength: 1, maxLength: 20 },
        ),
        (writes) => {
          const ts = (w: { at: number }, i: number) =>
            `${String(w.at).padStart(15, '0')}-${String(i).padStart(6, '0')}-n`;
          const run = (order: number[]) => {
            let clock = {};
            const row: Record<string, string> = {};
            for (const i of order) {
              const w = writes[i];
              if (!w) continue;
              const m = mergeFields<Record<string, string>>(clock, ts(w, i), {
                [w.field]: w.value,
              });
              Object.assign(row, m.apply);
              clock = m.clock;
            }
            return row;
          };
          const forward = writes.map((_, i) => i);
          expect(run([...forward].reverse())).toEqual(run(forward));
        },
      ),
    );
  });
});
