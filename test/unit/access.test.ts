import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { effectiveModules, isModuleEffective, type ChainLink } from '../../shared/access';
import {
  MODULES,
  MODULE_IDS,
  type ModuleId,
  type ModuleOverrides,
  type TenantKind,
} from '../../shared/modules';

/** Independent model: a module is in effect when no link's explicit-or-default switch is off. */
function model(chain: ChainLink[], id: ModuleId): boolean {
  for (const link of chain) {
    const explicit = link.overrides[id];
    const def = link.kind === 'customer' ? id !== 'add_pnp_camera' : true;
    if (!(explicit ?? def)) return false;
  }
  return true;
}

const link = (id: string, kind: TenantKind, overrides: ModuleOverrides = {}): ChainLink => ({
  id,
  name: id.toUpperCase(),
  kind,
  overrides,
});

describe('effectiveModules', () => {
  it('gives a new customer every module except Add P&P camera', () => {
    const states = effectiveModules([link('root', 'root'), link('c', 'customer')]);
    expect(states.filter((s) => !s.effective).map((s) => s.id)).toEqual(['add_pnp_camera']);
    expect(states).toHaveLength(MODULES.length);
  });

  it('names the nearest ancestor that locks a module', () => {
    const chain = [
      link('root', 'root'),
      link('a', 'integrator', { clips: false }),
      link('b', 'integrator', { clips: false }),
      link('c', 'customer'),
    ];
    const clips = effectiveModules(chain).find((s) => s.id === 'clips');
    expect(clips).toEqual({
      id: 'clips',
      own: true,
      effective: false,
      lockedBy: { id: 'b', name: 'B', kind: 'integrator' },
    });
  });

  it('is exhaustive-correct over every toggle combination of a three-level tree for two modules', () => {
    const ids: ModuleId[] = ['camera_sharing', 'add_pnp_camera'];
    const values = [undefined, true, false] as const;
    let cases = 0;
    for (const id of ids)
      for (const r of values)
        for (const i of values)
          for (const c of values) {
            const ov = (v: boolean | undefined): ModuleOverrides =>
              v === undefined ? {} : { [id]: v };
            const chain = [
              link('root', 'root', ov(r)),
              link('i', 'integrator', ov(i)),
              link('c', 'customer', ov(c)),
            ];
            const state = effectiveModules(chain).find((s) => s.id === id);
            expect(state?.effective).toBe(model(chain, id));
            expect(isModuleEffective(chain, id)).toBe(model(chain, id));
            const lockedAbove = model(chain.slice(0, 2), id) === false;
            expect(state?.lockedBy !== null).toBe(lockedAbove);
            cases++;
          }
    expect(cases).toBe(54);
  });

  it('matches the model on random trees and toggle sets', () => {
    const overrides = fc.dictionary(
      fc.constantFrom(...MODULE_IDS),
      fc.boolean(),
    ) as fc.Arbitrary<ModuleOverrides>;
    const chainArb = fc
      .tuple(overrides, fc.array(overrides, { maxLength: 7 }), overrides, fc.boolean())
      .map(([root, mids, last, lastIsCustomer]) => [
        link('root', 'root', root),
        ...mids.map((o, i) => link(`i${i}`, 'integrator', o)),
        link('leaf', lastIsCustomer ? 'customer' : 'integrator', last),
      ]);
    fc.assert(
      fc.property(chainArb, (chain) => {
        for (const s of effectiveModules(chain)) {
          if (s.effective !== model(chain, s.id)) return false;
          // A lock is reported exactly when an ancestor alone would switch it off.
          if ((s.lockedBy !== null) !== !model(chain.slice(0, -1), s.id)) return false;
          if (s.lockedBy && s.lockedBy.id === 'leaf') return false;
        }
        return true;
      }),
      { numRuns: 2000 },
    );
  });
});
