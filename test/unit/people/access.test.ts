import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { ChainLink } from '../../../shared/access';
import type { ModuleId, ModuleOverrides, TenantKind } from '../../../shared/modules';
import type { AccessAction, RoleType } from '../../../shared/people';
import {
  explainAccess,
  explainSentence,
  describeReason,
  prepareCustomer,
  type AccessRole,
} from '../../../shared/user-access';

/*
 * An independent brute-force model of the rules, written from the words with its own
 * tables (not the catalog in shared/): a right needs its module on everywhere up the chain, a
 * role granting it, and a portal that the role's type opens, that the right is used in and that
 * is on.
 */
const RIGHT = {
  view: { bit: 1, module: 'live_video', portals: ['video_portal', 'mobile_app'] },
  share: { bit: 2, module: 'camera_sharing', portals: ['video_portal', 'mobile_app'] },
  ptz: { bit: 4, module: 'live_video', portals: ['video_portal', 'mobile_app'] },
  update_delete: { bit: 8, module: 'admin_portal', portals: ['admin_portal'] },
  save_clip: { bit: 16, module: 'clips', portals: ['video_portal', 'mobile_app'] },
} as const;
const PORTAL = {
  use_admin_portal: 'admin_portal',
  use_video_portal: 'video_portal',
  use_mobile_app: 'mobile_app',
} as const;
const TYPE_PORTALS: Record<RoleType, string[]> = {
  admin: ['admin_portal', 'video_portal'],
  guard: ['video_portal', 'mobile_app'],
};
const ACTIONS = [...Object.keys(RIGHT), ...Object.keys(PORTAL)] as AccessAction[];
const MODS = [
  'live_video',
  'camera_sharing',
  'admin_portal',
  'video_portal',
  'mobile_app',
  'clips',
];

interface Facts {
  chain: ChainLink[];
  disabledAt: string | null;
  active: boolean;
  roles: AccessRole[];
  camera: { id: string; customerId: string; enabled: boolean };
}

function moduleOn(chain: ChainLink[], m: string): boolean {
  return chain.every((l) => {
    const v = (l.overrides as Record<string, boolean | undefined>)[m];
    return v ?? (l.kind !== 'customer' || m !== 'add_pnp_camera');
  });
}

function model(f: Facts, action: AccessAction): { allowed: boolean; codes: string[] } {
  const customerId = f.chain[f.chain.length - 1]?.id ?? '';
  const codes: string[] = [];
  if (!f.active) codes.push('user_disabled');
  if (f.disabledAt) codes.push('tenant_disabled');
  if (action in PORTAL) {
    const p = PORTAL[action as keyof typeof PORTAL];
    if (!moduleOn(f.chain, p)) codes.push('module_off');
    if (f.roles.length === 0) codes.push('no_role');
    else if (!f.roles.some((r) => TYPE_PORTALS[r.type].includes(p))) codes.push('role_type');
    const allowed =
      f.active &&
      !f.disabledAt &&
      moduleOn(f.chain, p) &&
      f.roles.some((r) => TYPE_PORTALS[r.type].includes(p));
    return { allowed, codes };
  }
  const r = RIGHT[action as keyof typeof RIGHT];
  const own = f.camera.customerId === customerId;
  if (!own) codes.push('camera_other_customer');
  if (!f.camera.enabled && action !== 'update_delete') codes.push('camera_disabled');
  if (!moduleOn(f.chain, r.module)) codes.push('module_off');
  const granting = own
    ? f.roles.filter((x) => ((x.grants.get(f.camera.id) ?? 0) & r.bit) !== 0)
    : [];
  const candidates = new Set(
    granting.flatMap((g) =>
      TYPE_PORTALS[g.type].filter((p) => (r.portals as readonly string[]).includes(p)),
    ),
  );
  const open = [...candidates].filter((p) => moduleOn(f.chain, p));
  if (granting.length === 0) codes.push('no_grant');
  else if (candidates.size === 0) codes.push('role_type');
  else if (open.length === 0 && [...candidates].some((p) => p !== r.module))
    codes.push('portal_off');
  const allowed =
    f.active &&
    !f.disabledAt &&
    own &&
    (f.camera.enabled || action === 'update_delete') &&
    moduleOn(f.chain, r.module) &&
    open.length > 0;
  return { allowed, codes };
}

function decide(f: Facts, action: AccessAction) {
  const self = f.chain[f.chain.length - 1];
  return explainAccess({
    customer: prepareCustomer(f.chain, f.disabledAt),
    user: { id: 'u', name: 'Ann', active: f.active, customerId: self?.id ?? '' },
    roles: f.roles,
    action,
    camera: { ...f.camera, name: 'Front door' },
  });
}

const link = (id: string, kind: TenantKind, overrides: ModuleOverrides = {}): ChainLink => ({
  id,
  name: id === 'int' ? 'North Region' : id === 'cus' ? 'Smith Home' : 'Partner',
  kind,
  overrides,
});
const role = (id: string, type: RoleType, mask: number, camera = 'cam'): AccessRole => ({
  id,
  name: id,
  type,
  grants: new Map(mask ? [[camera, mask]] : []),
});

describe('explainAccess, exhaustively on a three-level fixture', () => {
  it('agrees with the brute-force model on every combination', () => {
    const roleSets: AccessRole[][] = [
      [],
      [role('Admins', 'admin', 31)],
      [role('Guards', 'guard', 31)],
      [role('Viewers', 'admin', 1), role('Deleters', 'guard', 8)],
    ];
    let checked = 0;
    for (let combo = 0; combo < 3 ** MODS.length; combo++) {
      const atInt: ModuleOverrides = {};
      const atCus: ModuleOverrides = {};
      let c = combo;
      for (const m of MODS) {
        const where = c % 3;
        c = Math.floor(c / 3);
        if (where === 1) atCus[m as ModuleId] = false;
        if (where === 2) atInt[m as ModuleId] = false;
      }
      const chain = [
        link('root', 'root'),
        link('int', 'integrator', atInt),
        link('cus', 'customer', atCus),
      ];
      for (const active of [true, false])
        for (const disabledAt of [null, 'cus', 'int'])
          for (const enabled of [true, false])
            for (const customerId of ['cus', 'other'])
              for (const roles of roleSets) {
                const f: Facts = {
                  chain,
                  disabledAt,
                  active,
                  roles,
                  camera: { id: 'cam', customerId, enabled },
                };
                for (const action of ACTIONS) {
                  const d = decide(f, action);
                  const m = model(f, action);
                  if (
                    d.allowed !== m.allowed ||
                    d.reasons.map((r) => r.code).join() !== m.codes.join()
                  )
                    expect({
                      combo,
                      active,
                      disabledAt,
                      enabled,
                      customerId,
                      roles: roles.map((r) => r.name),
                      action,
                      got: d,
                    }).toEqual({ expected: m });
                  checked++;
                }
              }
    }
    expect(checked).toBe(729 * 2 * 3 * 2 * 2 * 4 * ACTIONS.length);
  });
});

describe('explainAccess, property-based against the model', () => {
  const overrides = fc.dictionary(
    fc.constantFrom(...MODS, 'add_pnp_camera'),
    fc.boolean(),
  ) as fc.Arbitrary<ModuleOverrides>;
  const facts = fc
    .record({
      integrators: fc.array(overrides, { maxLength: 4 }),
      rootOv: overrides,
      customerOv: overrides,
      disabledIdx: fc.option(fc.nat({ max: 5 }), { nil: null }),
      active: fc.boolean(),
      roles: fc.array(
        fc.record({
          type: fc.constantFrom<RoleType>('admin', 'guard'),
          grants: fc.array(
            fc.tuple(fc.constantFrom('c1', 'c2', 'c3'), fc.integer({ min: 1, max: 31 })),
            { maxLength: 3 },
          ),
        }),
        { maxLength: 3 },
      ),
      camera: fc.record({
        id: fc.constantFrom('c1', 'c2', 'c3'),
        customerId: fc.constantFrom('cus', 'cus', 'cus', 'other'),
        enabled: fc.boolean(),
      }),
    })
    .map(({ integrators, rootOv, customerOv, disabledIdx, active, roles, camera }): Facts => {
      const chain = [
        { id: 'root', name: 'Partner', kind: 'root' as const, overrides: rootOv },
        ...integrators.map((o, i) => ({
          id: `i${i}`,
          name: `Integrator ${i}`,
          kind: 'integrator' as const,
          overrides: o,
        })),
        { id: 'cus', name: 'Smith Home', kind: 'customer' as const, overrides: customerOv },
      ];
      const disabledLink = disabledIdx === null ? undefined : chain.slice(1)[disabledIdx];
      return {
        chain,
        disabledAt: disabledLink?.id ?? null,
        active,
        roles: roles.map((r, i) => ({
          id: `r${i}`,
          name: `Role ${i}`,
          type: r.type,
          grants: new Map(r.grants),
        })),
        camera,
      };
    });

  it('gives the same answer and the same reasons as the model', () => {
    fc.assert(
      fc.property(facts, fc.constantFrom(...ACTIONS), (f, action) => {
        const d = decide(f, action);
        const m = model(f, action);
        expect(d.allowed).toBe(m.allowed);
        expect(d.reasons.map((r) => r.code)).toEqual(m.codes);
        expect(d.allowed).toBe(d.reasons.length === 0);
        // Every reason reads as a sentence.
        for (const r of d.reasons) expect(describeReason(r)).toMatch(/\.$/);
      }),
      { numRuns: 3000 },
    );
  });

  it('names every tenant that switches the module off, customer first', () => {
    fc.assert(
      fc.property(facts, (f) => {
        const d = decide(f, 'share');
        const off = d.reasons.find((r) => r.code === 'module_off');
        const expected = [...f.chain]
          .reverse()
          .filter((l) => !moduleOn([l], 'camera_sharing'))
          .map((l) => l.id);
        expect(off && off.code === 'module_off' ? off.at.map((t) => t.id) : []).toEqual(expected);
      }),
      { numRuns: 1000 },
    );
  });
});

describe('explanations', () => {
  const chain = [
    link('root', 'root'),
    link('int', 'integrator', { camera_sharing: false }),
    link('cus', 'customer'),
  ];
  const base: Facts = {
    chain,
    disabledAt: null,
    active: true,
    roles: [role('Staff', 'admin', 31)],
    camera: { id: 'cam', customerId: 'cus', enabled: true },
  };

  it('says Share is off because Camera sharing is switched off at the integrator', () => {
    expect(explainSentence(decide(base, 'share'))).toBe(
      'Share is off because Camera sharing is switched off at integrator North Region.',
    );
    expect(explainSentence(decide(base, 'view'))).toBe(
      'View is on: granted by Staff in the Video portal.',
    );
  });

  it('lists the whole chain of reasons, not just the first', () => {
    const d = decide(
      { ...base, active: false, disabledAt: 'int', camera: { ...base.camera, enabled: false } },
      'share',
    );
    expect(d.reasons.map(describeReason)).toEqual([
      "Ann's account is disabled.",
      'Customer Smith Home is disabled through integrator North Region.',
      'Camera Front door is switched off.',
      'Camera sharing is switched off at integrator North Region.',
    ]);
  });

  it('explains a Guard role that grants Update/Delete: Guards have no Admin portal', () => {
    const d = decide({ ...base, roles: [role('Night guards', 'guard', 8)] }, 'update_delete');
    expect(d.allowed).toBe(false);
    expect(describeReason(d.reasons[0] ?? { code: 'no_role', user: '' })).toBe(
      'Update/Delete needs the Admin portal, which Guard roles (Night guards) do not open.',
    );
  });

  it('explains a Guard whose Video portal and mobile app are both off', () => {
    const f = {
      ...base,
      chain: [
        link('root', 'root'),
        link('cus', 'customer', { video_portal: false, mobile_app: false }),
      ],
      roles: [role('G', 'guard', 1)],
    };
    expect(describeReason(decide(f, 'view').reasons[0] ?? { code: 'no_role', user: '' })).toBe(
      'View is used in the Video portal or Mobile app: Video portal is switched off at customer Smith Home; Mobile app is switched off at customer Smith Home.',
    );
  });
});
