import { afterEach, describe, expect, it } from 'vitest';
import { CAMERA_RIGHT_IDS } from '../../../shared/people';
import { cellOf } from '../../../shared/user-access';
import { openTestCore, customer, integrator, type TestCore } from '../../support/core';

let core: TestCore;
afterEach(() => core?.close());

async function camera(customerId: string, name: string) {
  return core.call('cameras.addManual', {
    customerId,
    name,
    streamUrl: `rtsp://192.0.2.10:554/${encodeURIComponent(name)}`,
  });
}

describe('users', () => {
  it('makes the first user the owner, refuses a duplicate login and a malformed email', async () => {
    core = openTestCore();
    const c = await core.call('tenants.create', customer('Smith Home'));
    const ann = await core.call('users.create', {
      tenantId: c.id,
      name: 'Ann Smith',
      login: 'Ann@Example.com',
      phone: '+1 555 010 2030',
    });
    expect(ann).toMatchObject({
      isOwner: true,
      login: 'ann@example.com',
      active: true,
      available: true,
    });
    const bob = await core.call('users.create', {
      tenantId: c.id,
      name: 'Bob',
      login: 'bob@example.com',
    });
    expect(bob.isOwner).toBe(false);

    const other = await core.call('tenants.create', customer('Other Shop'));
    const dup = await core.fail('users.create', {
      tenantId: other.id,
      name: 'X',
      login: 'ANN@example.com',
    });
    expect(dup.fields?.[0]).toMatchObject({ field: 'login' });
    expect(dup.message).toBe(
      'ann@example.com is already the login of a user of Smith Home. Logins are unique across the installation.',
    );
    const bad = await core.fail('users.create', {
      tenantId: c.id,
      name: 'X',
      login: 'not-an-email',
    });
    expect(bad.fields?.[0]).toMatchObject({
      field: 'login',
      message: 'Enter an email address like name@example.com.',
    });
    expect((await core.call('users.list', { tenantId: c.id })).map((u) => u.name)).toEqual([
      'Ann Smith',
      'Bob',
    ]);
    expect((await core.call('tenants.get', { id: c.id })).userCount).toBe(2);
  });

  it('moves the owner flag, and refuses to disable or remove the owner', async () => {
    core = openTestCore();
    const c = await core.call('tenants.create', customer('Smith Home'));
    const ann = await core.call('users.create', {
      tenantId: c.id,
      name: 'Ann',
      login: 'ann@example.com',
    });
    const bob = await core.call('users.create', {
      tenantId: c.id,
      name: 'Bob',
      login: 'bob@example.com',
    });
    expect((await core.fail('users.delete', { id: ann.id })).message).toContain(
      'Ann is the owner of Smith Home: a customer always has one owner',
    );
    expect((await core.fail('users.setActive', { id: ann.id, active: false })).code).toBe('OWNER');
    await core.call('users.setOwner', { id: bob.id });
    const users = await core.call('users.list', { tenantId: c.id });
    expect(users.filter((u) => u.isOwner).map((u) => u.name)).toEqual(['Bob']);
    await core.call('users.delete', { id: ann.id });
    expect((await core.call('users.list', { tenantId: c.id })).map((u) => u.name)).toEqual(['Bob']);
    const audit = await core.call('audit.list', { tenantId: c.id });
    expect(audit.map((a) => a.operation)).toEqual(
      expect.arrayContaining(['user.create', 'user.owner', 'user.delete']),
    );
    expect(audit.find((a) => a.operation === 'user.owner')?.summary).toBe(
      'Made Bob the owner of Smith Home instead of Ann',
    );
  });

  it('stores only a scrypt hash of the password, never returns or audits it, and queues reset emails', async () => {
    core = openTestCore();
    const c = await core.call('tenants.create', customer('Smith Home'));
    const secret = 'correct horse battery';
    const ann = await core.call('users.create', {
      tenantId: c.id,
      name: 'Ann',
      login: 'ann@example.com',
      password: secret,
    });
    expect(ann.hasPassword).toBe(true);
    expect(JSON.stringify(ann)).not.toContain('scrypt');
    const row = core.db.prepare('SELECT password_hash FROM users WHERE id = ?').get(ann.id) as {
      password_hash: string;
    };
    expect(row.password_hash).toMatch(/^scrypt\$16384\$8\$1\$/);
    const { verifyPassword } = await import('../../../electron/people/password');
    expect(await verifyPassword(secret, row.password_hash)).toBe(true);
    expect(await verifyPassword('wrong password!', row.password_hash)).toBe(false);

    expect(
      (await core.fail('users.setPassword', { id: ann.id, password: 'short' })).fields?.[0],
    ).toMatchObject({
      field: 'password',
    });
    const updated = await core.call('users.setPassword', {
      id: ann.id,
      password: 'another long secret',
      forcePasswordChange: true,
    });
    expect(updated.forcePasswordChange).toBe(true);
    const reset = await core.call('users.sendPasswordReset', { id: ann.id });
    expect(reset).toMatchObject({ status: 'queued', email: 'ann@example.com' });
    expect((await core.call('users.get', { id: ann.id })).pendingResets).toBe(1);

    // Nothing secret anywhere in the database or the audit log.
    const dump = JSON.stringify(core.db.prepare('SELECT * FROM audit').all());
    expect(dump).not.toContain(secret);
    expect(dump).not.toContain('another long secret');
    expect(dump).not.toContain('scrypt$');
    expect(JSON.stringify(core.db.prepare('SELECT * FROM password_resets').all())).not.toContain(
      'secret',
    );
  });

  it('shows users of a disabled customer (or under a disabled integrator) as Blocked with the reason', async () => {
    core = openTestCore();
    const north = await core.call('tenants.create', integrator('North Region'));
    const c = await core.call('tenants.create', customer('Smith Home', { parentId: north.id }));
    const ann = await core.call('users.create', {
      tenantId: c.id,
      name: 'Ann',
      login: 'ann@example.com',
    });
    const bob = await core.call('users.create', {
      tenantId: c.id,
      name: 'Bob',
      login: 'bob@example.com',
    });
    await core.call('users.setActive', { id: bob.id, active: false });

    await core.call('tenants.disable', { id: north.id });
    const users = await core.call('users.list', { tenantId: c.id });
    expect(users.map((u) => [u.name, u.available, u.blockedBy?.name])).toEqual([
      ['Ann', false, 'North Region'],
      ['Bob', false, 'North Region'],
    ]);
    expect((await core.call('users.list', { tenantId: c.id, status: 'blocked' })).length).toBe(2);
    const refused = await core.fail('users.setActive', { id: bob.id, active: true });
    expect(refused).toMatchObject({ code: 'TENANT_DISABLED' });
    expect(refused.message).toContain('disabled through integrator North Region');
    const explain = await core.call('access.explain', {
      userId: ann.id,
      action: 'use_video_portal',
    });
    expect(explain.reasons[0]).toMatchObject({
      code: 'tenant_disabled',
      at: { name: 'North Region' },
    });

    await core.call('tenants.enable', { id: north.id, mode: 'enable_all_cameras' });
    await core.call('users.setActive', { id: bob.id, active: true });
    expect((await core.call('users.list', { tenantId: c.id, status: 'active' })).length).toBe(2);
  });

  it('gives integrators managers of type Program or Billing administrator, without roles', async () => {
    core = openTestCore();
    const north = await core.call('tenants.create', integrator('North Region'));
    const m = await core.call('users.create', {
      tenantId: north.id,
      name: 'Mia',
      login: 'mia@north.example',
      type: 'billing_admin',
    });
    expect(m).toMatchObject({ type: 'billing_admin', isOwner: false });
    const c = await core.call('tenants.create', customer('Smith Home'));
    expect(
      (
        await core.fail('users.create', {
          tenantId: c.id,
          name: 'X',
          login: 'x@example.com',
          type: 'program_admin',
        })
      ).fields?.[0]?.field,
    ).toBe('type');
    expect(
      (await core.fail('roles.create', { tenantId: north.id, name: 'R', type: 'admin' })).message,
    ).toContain('Roles belong to customers');
  });
});

describe('roles and effective access', () => {
  it('refuses a role granting rights on another customer’s camera, and rolls the whole change back', async () => {
    core = openTestCore();
    const a = await core.call('tenants.create', customer('Smith Home'));
    const b = await core.call('tenants.create', customer('Other Shop'));
    const foreign = await camera(b.id, 'Their door');
    const err = await core.fail('roles.create', {
      tenantId: a.id,
      name: 'Staff',
      type: 'admin',
      cameras: [{ cameraId: foreign.id, rights: ['view'] }],
    });
    expect(err.fields?.[0]).toMatchObject({
      field: 'cameras.0.cameraId',
      message:
        "Camera Their door belongs to Other Shop, not to Smith Home: a role grants rights only on its own customer's cameras.",
    });
    expect(await core.call('roles.list', { tenantId: a.id })).toEqual([]);
    // The database refuses it too, whatever code path tries.
    core.db
      .prepare(
        "INSERT INTO roles (id, tenant_id, name, created_at, updated_at) VALUES ('r1', ?, 'R', '', '')",
      )
      .run(a.id);
    expect(() =>
      core.db
        .prepare("INSERT INTO role_cameras (role_id, camera_id, rights) VALUES ('r1', ?, 1)")
        .run(foreign.id),
    ).toThrow(/different customers/);
  });

  it('asks before deleting a role in use, then detaches it', async () => {
    core = openTestCore();
    const c = await core.call('tenants.create', customer('Smith Home'));
    const ann = await core.call('users.create', {
      tenantId: c.id,
      name: 'Ann',
      login: 'ann@example.com',
    });
    const role = await core.call('roles.create', {
      tenantId: c.id,
      name: 'Staff',
      type: 'admin',
      userIds: [ann.id],
    });
    expect(
      (await core.fail('roles.create', { tenantId: c.id, name: ' staff ', type: 'guard' }))
        .fields?.[0]?.field,
    ).toBe('name');
    const inUse = await core.fail('roles.delete', { id: role.id });
    expect(inUse).toMatchObject({
      code: 'ROLE_IN_USE',
      message:
        'Role Staff is assigned to 1 user(s) (Ann). Confirm to take it away from them and delete it.',
    });
    await core.call('roles.delete', { id: role.id, detachUsers: true });
    expect((await core.call('users.get', { id: ann.id })).roles).toEqual([]);
    expect(
      (await core.call('audit.list', { tenantId: c.id, operation: 'role.delete' }))[0]?.summary,
    ).toBe('Deleted role Staff, detached from 1 user(s)');
  });

  it('unions the roles’ rights, limited by modules up the chain, with explanations', async () => {
    core = openTestCore();
    const north = await core.call('tenants.create', integrator('North Region'));
    const c = await core.call('tenants.create', customer('Smith Home', { parentId: north.id }));
    const door = await camera(c.id, 'Front door');
    const garage = await camera(c.id, 'Garage');
    const ann = await core.call('users.create', {
      tenantId: c.id,
      name: 'Ann',
      login: 'ann@example.com',
    });
    await core.call('roles.create', {
      tenantId: c.id,
      name: 'Viewers',
      type: 'guard',
      userIds: [ann.id],
      cameras: [{ cameraId: door.id, rights: ['view', 'share'] }],
    });
    await core.call('roles.create', {
      tenantId: c.id,
      name: 'Admins',
      type: 'admin',
      userIds: [ann.id],
      cameras: [{ cameraId: garage.id, rights: ['view', 'update_delete', 'save_clip'] }],
    });
    const granted = async () =>
      (await core.call('access.matrix', { userId: ann.id })).cameras.flatMap((cam) =>
        CAMERA_RIGHT_IDS.filter((_, i) => cam.cells[i] === 'granted').map(
          (right) => `${cam.id === door.id ? 'door' : 'garage'}:${right}`,
        ),
      );
    expect(await granted()).toEqual([
      'door:view',
      'door:share',
      'garage:view',
      'garage:update_delete',
      'garage:save_clip',
    ]);

    await core.call('modules.set', {
      tenantId: north.id,
      moduleId: 'camera_sharing',
      enabled: false,
    });
    expect(await granted()).toEqual([
      'door:view',
      'garage:view',
      'garage:update_delete',
      'garage:save_clip',
    ]);
    const share = await core.call('access.explain', {
      userId: ann.id,
      action: 'share',
      cameraId: door.id,
    });
    expect(share.reasons).toEqual([
      {
        code: 'module_off',
        module: 'camera_sharing',
        at: [{ id: north.id, name: 'North Region', kind: 'integrator' }],
      },
    ]);
    const { explainSentence } = await import('../../../shared/user-access');
    expect(explainSentence(share)).toBe(
      'Share is off because Camera sharing is switched off at integrator North Region.',
    );

    await core.call('cameras.setEnabled', { id: garage.id, enabled: false });
    expect(await granted()).toEqual(['door:view', 'garage:update_delete']);
    const matrix = await core.call('access.matrix', { userId: ann.id });
    expect(matrix.portals.map((p) => [p.action, p.allowed])).toEqual([
      ['use_admin_portal', true],
      ['use_video_portal', true],
      ['use_mobile_app', true],
    ]);
    expect(
      (await core.fail('access.explain', { userId: ann.id, action: 'view' })).fields?.[0]?.field,
    ).toBe('cameraId');
  });

  it('shows in each matrix cell what access.explain answers for it, and explains on demand', async () => {
    core = openTestCore();
    const north = await core.call('tenants.create', integrator('North Region'));
    const c = await core.call('tenants.create', customer('Smith Home', { parentId: north.id }));
    const door = await camera(c.id, 'Front door');
    const yard = await camera(c.id, 'Yard');
    await camera(c.id, 'Lobby');
    const other = await core.call('tenants.create', customer('Other Shop'));
    const theirs = await camera(other.id, 'Their door');
    const ann = await core.call('users.create', {
      tenantId: c.id,
      name: 'Ann',
      login: 'ann@example.com',
    });
    await core.call('roles.create', {
      tenantId: c.id,
      name: 'viewers',
      type: 'guard',
      userIds: [ann.id],
      cameras: [
        { cameraId: door.id, rights: ['view', 'update_delete'] },
        { cameraId: yard.id, rights: ['view', 'ptz'] },
      ],
    });
    await core.call('roles.create', {
      tenantId: c.id,
      name: 'Admins',
      type: 'admin',
      userIds: [ann.id],
      cameras: [{ cameraId: door.id, rights: ['view', 'share', 'save_clip'] }],
    });
    for (const [name, type] of [
      ['bravo', 'guard'],
      ['Clerks', 'admin'],
    ] as const)
      await core.call('roles.create', {
        tenantId: c.id,
        name,
        type,
        userIds: [ann.id],
        cameras: [{ cameraId: door.id, rights: ['view'] }],
      });
    await core.call('modules.set', { tenantId: north.id, moduleId: 'clips', enabled: false });
    await core.call('cameras.setEnabled', { id: yard.id, enabled: false });

    const matrix = await core.call('access.matrix', { userId: ann.id });
    expect(matrix.cameras.map((cam) => [cam.name, cam.cells])).toEqual([
      ['Front door', ['granted', 'granted', 'no_grant', 'blocked', 'blocked']],
      ['Lobby', ['no_grant', 'no_grant', 'no_grant', 'no_grant', 'blocked']],
      ['Yard', ['blocked', 'blocked', 'blocked', 'no_grant', 'blocked']],
    ]);
    for (const cam of matrix.cameras)
      for (const [i, right] of CAMERA_RIGHT_IDS.entries()) {
        const d = await core.call('access.explain', {
          userId: ann.id,
          action: right,
          cameraId: cam.id,
        });
        expect([cam.name, right, cellOf(d)]).toEqual([cam.name, right, cam.cells[i]]);
      }

    // Four roles grant View on the door: named in name order, whatever their case.
    const view = await core.call('access.explain', {
      userId: ann.id,
      action: 'view',
      cameraId: door.id,
    });
    expect(view.grantedBy.map((r) => r.name)).toEqual(['Admins', 'bravo', 'Clerks', 'viewers']);
    expect(view.portals).toEqual(['video_portal', 'mobile_app']);
    const elsewhere = await core.call('access.explain', {
      userId: ann.id,
      action: 'view',
      cameraId: theirs.id,
    });
    expect(elsewhere.reasons.map((r) => r.code)).toEqual(['camera_other_customer', 'no_grant']);
    expect(
      (await core.call('access.explain', { userId: ann.id, action: 'use_mobile_app' })).grantedBy,
    ).toEqual([
      expect.objectContaining({ name: 'bravo', type: 'guard' }),
      expect.objectContaining({ name: 'viewers', type: 'guard' }),
    ]);

    const missing = await core.fail('access.explain', {
      userId: ann.id,
      action: 'view',
      cameraId: 'no-such-camera',
    });
    expect(missing.fields?.[0]).toMatchObject({ field: 'cameraId' });
    expect(
      await core.fail('access.explain', { userId: 'no-such-user', action: 'use_admin_portal' }),
    ).toMatchObject({ code: 'NOT_FOUND' });
    const mia = await core.call('users.create', {
      tenantId: north.id,
      name: 'Mia',
      login: 'mia@north.example',
    });
    expect(
      (await core.fail('access.explain', { userId: mia.id, action: 'view', cameraId: door.id }))
        .message,
    ).toBe(
      'Mia is a program administrator of integrator North Region: camera rights apply to customer users, through roles.',
    );
  });

  it('reports the setup steps so the wizard resumes where it was left', async () => {
    core = openTestCore();
    const c = await core.call('tenants.create', customer('Smith Home'));
    expect((await core.call('setup.status', { customerId: c.id })).next).toBe('users');
    const ann = await core.call('users.create', {
      tenantId: c.id,
      name: 'Ann',
      login: 'ann@example.com',
    });
    expect((await core.call('setup.status', { customerId: c.id })).next).toBe('roles');
    const role = await core.call('roles.create', {
      tenantId: c.id,
      name: 'Staff',
      type: 'admin',
      userIds: [ann.id],
    });
    const status = await core.call('setup.status', { customerId: c.id });
    expect(status).toMatchObject({ next: 'cameras', cameraCount: 0 });
    const cam = await camera(c.id, 'Door');
    await core.call('roles.update', {
      id: role.id,
      cameras: [{ cameraId: cam.id, rights: ['view'] }],
    });
    expect((await core.call('setup.status', { customerId: c.id })).next).toBeNull();
  });
});
