import { afterEach, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { openTestCore, customer, integrator, type TestCore } from '../support/core';

let core: TestCore;
afterEach(() => core?.close());

async function camerasOf(c: TestCore, customerId: string) {
  return (await c.call('cameras.list', { customerId })).map((x) => ({
    name: x.name,
    enabled: x.enabled,
    recording: x.recording,
  }));
}

async function addCams(c: TestCore, customerId: string, names: string[]) {
  const out = [];
  for (const name of names)
    out.push(
      await c.call('cameras.addManual', {
        customerId,
        name,
        streamUrl: `rtsp://192.0.2.1/${name}`,
      }),
    );
  return out;
}

describe('Disable / Enable cascade', () => {
  it('disabling a customer stops every camera and blocks it; enabling all cameras switches individually disabled ones on', async () => {
    core = openTestCore();
    const c = await core.call('tenants.create', customer('Home'));
    const [front, garage] = await addCams(core, c.id, ['front', 'garage']);
    await core.call('cameras.setEnabled', { id: garage?.id ?? '', enabled: false });
    const impact = await core.call('tenants.impact', { id: c.id });
    expect(impact).toMatchObject({
      cameras: 2,
      recordingCameras: 1,
      individuallyDisabledCameraCount: 1,
    });
    const disabled = await core.call('tenants.disable', { id: c.id });
    expect(disabled).toMatchObject({ status: 'disabled', ownDisabled: true, disabledBy: null });
    expect(await camerasOf(core, c.id)).toEqual([
      { name: 'front', enabled: true, recording: false },
      { name: 'garage', enabled: false, recording: false },
    ]);
    const err = await core.fail('cameras.setEnabled', { id: front?.id, enabled: true });
    expect(err).toMatchObject({ code: 'TENANT_DISABLED' });
    expect(err.message).toContain('Enable the customer first');
    await core.call('tenants.enable', { id: c.id, mode: 'enable_all_cameras' });
    expect(await camerasOf(core, c.id)).toEqual([
      { name: 'front', enabled: true, recording: true },
      { name: 'garage', enabled: true, recording: true },
    ]);
  });

  it('restore_previous keeps each camera as it was', async () => {
    core = openTestCore();
    const c = await core.call('tenants.create', customer('Home'));
    const [, garage] = await addCams(core, c.id, ['front', 'garage']);
    await core.call('cameras.setEnabled', { id: garage?.id ?? '', enabled: false });
    await core.call('tenants.disable', { id: c.id });
    await core.call('tenants.enable', { id: c.id, mode: 'restore_previous' });
    expect(await camerasOf(core, c.id)).toEqual([
      { name: 'front', enabled: true, recording: true },
      { name: 'garage', enabled: false, recording: false },
    ]);
  });

  it('an integrator disables its whole subtree, and a nested disable survives the outer enable', async () => {
    core = openTestCore();
    const north = await core.call('tenants.create', integrator('North'));
    const retail = await core.call('tenants.create', integrator('Retail', { parentId: north.id }));
    const a = await core.call('tenants.create', customer('A', { parentId: north.id }));
    const b = await core.call('tenants.create', customer('B', { parentId: retail.id }));
    await addCams(core, a.id, ['a1']);
    await addCams(core, b.id, ['b1', 'b2']);
    await core.call('tenants.disable', { id: retail.id });
    await core.call('tenants.disable', { id: north.id });
    expect((await core.call('tenants.get', { id: a.id })).disabledBy).toEqual({
      id: north.id,
      name: 'North',
    });
    // B's nearest disabled ancestor is Retail.
    expect((await core.call('tenants.get', { id: b.id })).disabledBy).toEqual({
      id: retail.id,
      name: 'Retail',
    });
    expect(
      (await core.fail('tenants.enable', { id: retail.id, mode: 'enable_all_cameras' })).code,
    ).toBe('PARENT_DISABLED');
    await core.call('tenants.enable', { id: north.id, mode: 'enable_all_cameras' });
    expect((await core.call('tenants.get', { id: a.id })).status).toBe('active');
    expect((await camerasOf(core, a.id))[0]?.recording).toBe(true);
    expect((await core.call('tenants.get', { id: b.id })).disabledBy).toEqual({
      id: retail.id,
      name: 'Retail',
    });
    expect((await camerasOf(core, b.id)).every((x) => !x.recording)).toBe(true);
    await core.call('tenants.enable', { id: retail.id, mode: 'restore_previous' });
    expect((await camerasOf(core, b.id)).every((x) => x.recording)).toBe(true);
  });

  it('moving a customer under a disabled integrator disables it, and out again enables it', async () => {
    core = openTestCore();
    const off = await core.call('tenants.create', integrator('Off'));
    const c = await core.call('tenants.create', customer('Home'));
    await addCams(core, c.id, ['cam']);
    await core.call('tenants.disable', { id: off.id });
    await core.call('tenants.move', { id: c.id, newParentId: off.id });
    expect((await core.call('tenants.get', { id: c.id })).disabledBy?.id).toBe(off.id);
    expect((await camerasOf(core, c.id))[0]?.recording).toBe(false);
    await core.call('tenants.move', { id: c.id, newParentId: 'root' });
    expect((await core.call('tenants.get', { id: c.id })).status).toBe('active');
    expect((await camerasOf(core, c.id))[0]?.recording).toBe(true);
  });

  it('a failure in the middle of a cascade leaves all or nothing', async () => {
    core = openTestCore();
    const c = await core.call('tenants.create', customer('Home'));
    await addCams(core, c.id, ['one', 'two', 'three']);
    // Make the second camera update fail inside the disable transaction.
    core.db.exec(
      `CREATE TRIGGER boom BEFORE UPDATE OF recording ON cameras WHEN NEW.name = 'two' BEGIN SELECT RAISE(ABORT, 'disk on fire'); END;`,
    );
    const err = await core.fail('tenants.disable', { id: c.id });
    expect(['CONFLICT', 'INTERNAL']).toContain(err.code);
    expect((await core.call('tenants.get', { id: c.id })).status).toBe('active');
    expect((await camerasOf(core, c.id)).every((x) => x.recording)).toBe(true);
    expect(await core.call('audit.list', { operation: 'tenant.disable' })).toHaveLength(0);
  });

  it('delete asks for the exact name and removes the subtree with everything in it', async () => {
    core = openTestCore();
    const north = await core.call('tenants.create', integrator('North'));
    const a = await core.call('tenants.create', customer('A', { parentId: north.id }));
    await addCams(core, a.id, ['x', 'y']);
    const impact = await core.call('tenants.impact', { id: north.id });
    expect(impact).toMatchObject({ tenants: 1, customers: 1, integrators: 0, cameras: 2 });
    expect(
      (await core.fail('tenants.delete', { id: north.id, confirmName: 'north' })).fields?.[0]
        ?.field,
    ).toBe('confirmName');
    await core.call('tenants.delete', { id: north.id, confirmName: 'North' });
    expect((await core.call('tenants.list', {})).total).toBe(0);
    expect((core.db.prepare('SELECT COUNT(*) AS n FROM cameras').get() as { n: number }).n).toBe(0);
    const [entry] = await core.call('audit.list', { operation: 'tenant.delete' });
    expect(entry?.summary).toContain('1 sub-tenant(s)');
    expect(entry?.summary).toContain('2 camera(s)');
  });

  it('recording always equals own switch AND no disabled tenant above, after random operations', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.oneof(
            fc.record({ op: fc.constant('disable' as const), t: fc.nat(4) }),
            fc.record({ op: fc.constant('enable' as const), t: fc.nat(4), all: fc.boolean() }),
            fc.record({ op: fc.constant('camera' as const), c: fc.nat(5), on: fc.boolean() }),
            fc.record({ op: fc.constant('move' as const), t: fc.nat(4), to: fc.nat(4) }),
          ),
          { maxLength: 25 },
        ),
        async (ops) => {
          const c = openTestCore();
          try {
            const i1 = await c.call('tenants.create', integrator('I1'));
            const i2 = await c.call('tenants.create', integrator('I2', { parentId: i1.id }));
            const i3 = await c.call('tenants.create', integrator('I3'));
            const c1 = await c.call('tenants.create', customer('C1', { parentId: i2.id }));
            const c2 = await c.call('tenants.create', customer('C2', { parentId: i1.id }));
            const tenants = [i1.id, i2.id, i3.id, c1.id, c2.id];
            const integrators = ['root', i1.id, i2.id, i3.id];
            const cams = [
              ...(await addCams(c, c1.id, ['a', 'b', 'c'])),
              ...(await addCams(c, c2.id, ['d', 'e', 'f'])),
            ];
            for (const o of ops) {
              if (o.op === 'disable') await c.dispatch('tenants.disable', { id: tenants[o.t] });
              if (o.op === 'enable')
                await c.dispatch('tenants.enable', {
                  id: tenants[o.t],
                  mode: o.all ? 'enable_all_cameras' : 'restore_previous',
                });
              if (o.op === 'camera')
                await c.dispatch('cameras.setEnabled', { id: cams[o.c]?.id, enabled: o.on });
              if (o.op === 'move')
                await c.dispatch('tenants.move', {
                  id: tenants[o.t],
                  newParentId: integrators[o.to % integrators.length],
                });
            }
            // Check the materialized state against a recomputation from the tree itself.
            const rows = c.db
              .prepare('SELECT id, parent_id, own_disabled, disabled_by FROM tenants')
              .all() as {
              id: string;
              parent_id: string | null;
              own_disabled: number;
              disabled_by: string | null;
            }[];
            const byId = new Map(rows.map((r) => [r.id, r]));
            const nearest = (id: string | null): string | null => {
              for (
                let cur = id ? byId.get(id) : undefined;
                cur;
                cur = cur.parent_id ? byId.get(cur.parent_id) : undefined
              ) {
                if (cur.own_disabled) return cur.id;
              }
              return null;
            };
            for (const r of rows) if (r.disabled_by !== nearest(r.id)) return false;
            const camRows = c.db
              .prepare('SELECT customer_id, enabled, recording FROM cameras')
              .all() as { customer_id: string; enabled: number; recording: number }[];
            return camRows.every(
              (cam) =>
                cam.recording === (cam.enabled === 1 && nearest(cam.customer_id) === null ? 1 : 0),
            );
          } finally {
            c.close();
          }
        },
      ),
      { numRuns: 40 },
    );
  });
});
