import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { ChainLink } from '../../../shared/access';
import type { ModuleId, ModuleOverrides } from '../../../shared/modules';
import { CAMERA_RIGHTS, type RoleType } from '../../../shared/people';
import {
  accessMatrix,
  cellOf,
  explainAccess,
  matrixCell,
  prepareCustomer,
  userAccessCells,
  type AccessCamera,
  type AccessRole,
  type AccessUser,
} from '../../../shared/user-access';

/*
 * The matrix computes its cells without building explanations; explainAccess stays the one
 * statement of the rules. These tests hold every cell of the fast path to
 * cellOf(explainAccess(...)) for the same user, right and camera.
 */

const CAMERA_IDS = ['c0', 'c1', 'c2', 'c3', 'c4', 'c5'];

/** Modules that matter to camera rights and portals, plus one that does not. */
const overrides = fc.dictionary(
  fc.constantFrom<ModuleId>(
    'live_video',
    'camera_sharing',
    'admin_portal',
    'video_portal',
    'mobile_app',
    'clips',
    'add_pnp_camera',
  ),
  // Mostly on: with every module off, every cell would be blocked and the test would say little.
  fc.integer({ min: 0, max: 3 }).map((n) => n > 0),
  { maxKeys: 2 },
) as fc.Arbitrary<ModuleOverrides>;

const oneInFive = fc.integer({ min: 0, max: 4 }).map((n) => n === 0);

const world = fc
  .record({
    integrators: fc.array(overrides, { maxLength: 3 }),
    rootOv: overrides,
    customerOv: overrides,
    disabledIdx: fc.option(fc.nat({ max: 4 }), { nil: null, freq: 4 }),
    roles: fc.array(
      fc.record({
        type: fc.constantFrom<RoleType>('admin', 'guard'),
        grants: fc.array(
          fc.tuple(fc.constantFrom(...CAMERA_IDS), fc.integer({ min: 0, max: 31 })),
          { maxLength: 6 },
        ),
      }),
      { maxLength: 4 },
    ),
    users: fc.array(
      fc.record({
        active: oneInFive.map((b) => !b),
        foreign: oneInFive,
        roles: fc.array(fc.nat({ max: 3 }), { maxLength: 3 }),
      }),
      { minLength: 1, maxLength: 5 },
    ),
    cameras: fc.array(fc.record({ enabled: oneInFive.map((b) => !b), foreign: oneInFive }), {
      minLength: 1,
      maxLength: CAMERA_IDS.length,
    }),
  })
  .map((w) => {
    const chain: ChainLink[] = [
      { id: 'root', name: 'Partner', kind: 'root', overrides: w.rootOv },
      ...w.integrators.map((o, i) => ({
        id: `i${i}`,
        name: `Integrator ${i}`,
        kind: 'integrator' as const,
        overrides: o,
      })),
      { id: 'cus', name: 'Smith Home', kind: 'customer', overrides: w.customerOv },
    ];
    const disabled = w.disabledIdx === null ? undefined : chain.slice(1)[w.disabledIdx];
    const roles: AccessRole[] = w.roles.map((r, i) => ({
      id: `r${i}`,
      name: `Role ${i}`,
      type: r.type,
      grants: new Map(r.grants),
    }));
    const users = w.users.map((u, i) => ({
      user: {
        id: `u${i}`,
        name: `User ${i}`,
        active: u.active,
        customerId: u.foreign ? 'other' : 'cus',
      } satisfies AccessUser,
      roles: [...new Set(u.roles)].flatMap((k) => roles[k] ?? []),
    }));
    const cameras: AccessCamera[] = w.cameras.map((c, i) => ({
      id: CAMERA_IDS[i] ?? `c${i}`,
      name: `Camera ${i}`,
      customerId: c.foreign ? 'other' : 'cus',
      enabled: c.enabled,
    }));
    return { customer: prepareCustomer(chain, disabled?.id ?? null), users, cameras };
  });

describe('the access matrix', () => {
  it('shows in every cell what explainAccess decides for that user, right and camera', () => {
    let granted = 0;
    let noGrant = 0;
    let blocked = 0;
    fc.assert(
      fc.property(world, ({ customer, users, cameras }) => {
        const m = accessMatrix(customer, users, cameras);
        expect(m.codes.length).toBe(users.length * cameras.length * CAMERA_RIGHTS.length);
        users.forEach(({ user, roles }, u) => {
          const rows = userAccessCells(customer, user, roles, cameras);
          cameras.forEach((camera, c) =>
            CAMERA_RIGHTS.forEach(({ id }, r) => {
              const d = explainAccess({ customer, user, roles, action: id, camera });
              const expected = cellOf(d);
              expect(matrixCell(m, u, c, r)).toBe(expected);
              expect(rows[c]?.[r]).toBe(expected);
              expect(expected === 'granted').toBe(d.allowed);
              if (expected === 'granted') granted++;
              else if (expected === 'no_grant') noGrant++;
              else blocked++;
            }),
          );
        });
      }),
      { numRuns: 1000 },
    );
    // The generator reaches every kind of cell often, or the agreement above proves little.
    for (const n of [granted, noGrant, blocked]) expect(n).toBeGreaterThan(500);
  });

  it('calls a cell no_grant only when a role is all that is missing', () => {
    const chain: ChainLink[] = [
      { id: 'root', name: 'Partner', kind: 'root', overrides: {} },
      { id: 'cus', name: 'Smith Home', kind: 'customer', overrides: { clips: false } },
    ];
    const customer = prepareCustomer(chain, null);
    const user = { id: 'u', name: 'Ann', active: true, customerId: 'cus' };
    const cameras = [
      { id: 'door', name: 'Front door', customerId: 'cus', enabled: true },
      { id: 'yard', name: 'Yard', customerId: 'cus', enabled: false },
    ];
    const roles: AccessRole[] = [
      { id: 'g', name: 'Guards', type: 'guard', grants: new Map([['door', 1 | 8]]) },
    ];
    // Rights in CAMERA_RIGHTS order: view, share, ptz, update_delete, save_clip.
    expect(userAccessCells(customer, user, roles, cameras)).toEqual([
      // View granted; Share and PTZ not granted by any role; Update/Delete granted to a Guard
      // role, which has no Admin portal; Save clip's module is off.
      ['granted', 'no_grant', 'no_grant', 'blocked', 'blocked'],
      // The yard camera is off: only Update/Delete still applies, and no role grants it.
      ['blocked', 'blocked', 'blocked', 'no_grant', 'blocked'],
    ]);
    expect(userAccessCells(customer, { ...user, active: false }, roles, cameras).flat()).toEqual(
      Array<string>(10).fill('blocked'),
    );
  });
});
