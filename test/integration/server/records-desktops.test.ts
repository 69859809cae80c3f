/**
 * Two desktops (real cores on temporary folders) and the real server (SQLite and PostgreSQL):
 * users, roles and cameras made on one appear on the other; concurrent edits of different fields
 * of one user both survive; a delete beats an edit; a customer user made on a desktop signs in to
 * the server until its customer is disabled. Camera passwords never leave the desktop.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { openTestCore, customer, integrator, type TestCore } from '../../support/core';
import { ADMIN, backends, call, startTestServer, type TestServer } from './support';

const list = await backends();

/** The synced view of a desktop's users, roles and cameras: what must be equal everywhere. */
function recordsOf(core: TestCore) {
  const all = (sql: string) => core.db.prepare(sql).all();
  return {
    users: all(
      `SELECT id, tenant_id, name, login, phone, user_type, active, is_owner, force_password_change,
         password_hash IS NOT NULL AS has_password,
         (SELECT group_concat(role_id) FROM (SELECT role_id FROM role_users WHERE user_id = users.id ORDER BY role_id)) AS roles
       FROM users ORDER BY id`,
    ),
    roles: all(
      `SELECT id, tenant_id, name, description, type,
         (SELECT group_concat(camera_id || '=' || rights) FROM role_cameras WHERE role_id = roles.id) AS grants
       FROM roles ORDER BY id`,
    ),
    cameras: all(
      `SELECT id, customer_id, name, kind, address, model, enabled, recording, stream_uri, username
       FROM cameras ORDER BY id`,
    ),
  };
}

describe.each(list)('users, roles and cameras between two desktops on %s', (backend) => {
  let server: TestServer;
  const cores: TestCore[] = [];
  const desktop = async () => {
    const core = openTestCore();
    cores.push(core);
    await core.sync.connect(server.url, ADMIN.email, ADMIN.password);
    expect((await core.sync.syncOnce()).ok).toBe(true);
    return core;
  };
  const sync = async (...cs: TestCore[]) => {
    for (const c of cs) expect(await c.sync.syncOnce()).toMatchObject({ ok: true });
  };
  beforeAll(async () => {
    server = await startTestServer(backend);
  });
  afterEach(() => {
    while (cores.length) cores.pop()?.close();
  });
  afterAll(async () => server?.close());

  it('brings users, roles (members, grants) and cameras to the other desktop, without camera passwords', async () => {
    const a = await desktop();
    const b = await desktop();
    const c = await a.call('tenants.create', customer('Records Co'));
    const cam = await a.call('cameras.addManual', {
      customerId: c.id,
      name: 'Front door',
      streamUrl: 'rtsp://10.1.2.3:554/stream1',
      username: 'viewer',
      password: 'camera-secret-42',
    });
    const owner = await a.call('users.create', {
      tenantId: c.id,
      name: 'Olive Owner',
      login: 'olive@records.example',
      phone: '',
      password: 'olive-password-1',
    });
    const guard = await a.call('users.create', {
      tenantId: c.id,
      name: 'Gus Guard',
      login: 'gus@records.example',
      phone: '',
    });
    const role = await a.call('roles.create', {
      tenantId: c.id,
      name: 'Guards',
      type: 'guard',
      userIds: [guard.id],
      cameras: [{ cameraId: cam.id, rights: ['view', 'ptz'] }],
    });
    await sync(a, b);
    expect(recordsOf(b)).toEqual(recordsOf(a));
    expect(recordsOf(b).users).toHaveLength(2);
    const onB = await b.call('cameras.get', { id: cam.id });
    expect(onB).toMatchObject({ name: 'Front door', username: 'viewer', hasCredentials: false });
    expect(await a.call('cameras.get', { id: cam.id })).toMatchObject({ hasCredentials: true });
    const stored = await server.db.all<{ data: string }>('SELECT data FROM records');
    expect(JSON.stringify(stored)).not.toContain('camera-secret-42');
    expect((await b.call('users.get', { id: owner.id })).isOwner).toBe(true);
    expect((await b.call('roles.get', { id: role.id })).users.map((u) => u.id)).toEqual([guard.id]);

    // Edits and deletes made on B come back to A.
    await b.call('cameras.update', { id: cam.id, name: 'Front gate' });
    await b.call('cameras.setEnabled', { id: cam.id, enabled: false });
    await b.call('roles.update', { id: role.id, userIds: [guard.id, owner.id] });
    await sync(b, a);
    expect(recordsOf(a)).toEqual(recordsOf(b));
    expect(await a.call('cameras.get', { id: cam.id })).toMatchObject({
      name: 'Front gate',
      enabled: false,
      hasCredentials: true,
    });
    await b.call('roles.delete', { id: role.id, detachUsers: true });
    await b.call('cameras.remove', { id: cam.id });
    await sync(b, a);
    expect(recordsOf(a)).toEqual(recordsOf(b));
    expect(recordsOf(a).cameras).toEqual([]);

    // A third desktop starts from the snapshot.
    const fresh = await desktop();
    expect(recordsOf(fresh)).toEqual(recordsOf(a));
  });

  it("stops and starts recording of a customer's cameras as another desktop disables and enables it (all its cameras, or each as it was)", async () => {
    const a = await desktop();
    const b = await desktop();
    const region = await a.call('tenants.create', integrator('Recording Region'));
    const shop = await a.call(
      'tenants.create',
      customer('Recording Shop', { parentId: region.id }),
    );
    const other = await a.call('tenants.create', customer('Recording Other'));
    const cam = (customerId: string, name: string) =>
      a.call('cameras.addManual', {
        customerId,
        name,
        streamUrl: `rtsp://10.9.8.${name.length}:554/live`,
        username: 'viewer',
        password: 'pw',
      });
    const front = await cam(shop.id, 'Front');
    const back = await cam(shop.id, 'Back door');
    const elsewhere = await cam(other.id, 'Elsewhere');
    await sync(a, b);
    const recording = (core: TestCore) =>
      Object.fromEntries(
        (
          core.db.prepare('SELECT id, enabled, recording FROM cameras ORDER BY id').all() as {
            id: string;
            enabled: number;
            recording: number;
          }[]
        ).map((c) => [c.id, `${c.enabled}/${c.recording}`]),
      );
    expect(recording(b)).toEqual({ [front.id]: '1/1', [back.id]: '1/1', [elsewhere.id]: '1/1' });

    // A disable above the customer, made on A: B's copies stop recording at its next pull.
    await a.call('tenants.disable', { id: region.id });
    await sync(a, b);
    expect(recording(b)).toEqual({ [front.id]: '1/0', [back.id]: '1/0', [elsewhere.id]: '1/1' });
    // Pulls that bring nothing leave it so.
    for (let i = 0; i < 2; i++)
      expect(await b.sync.syncOnce()).toMatchObject({ ok: true, pulled: 0 });
    expect(recording(b)).toEqual(recording(a));

    // Enabled again (on A): every camera of the subtree records again on B.
    await a.call('cameras.setEnabled', { id: back.id, enabled: false });
    await a.call('tenants.enable', { id: region.id, mode: 'enable_all_cameras' });
    await sync(a, b);
    expect(recording(a)).toEqual({ [front.id]: '1/1', [back.id]: '1/1', [elsewhere.id]: '1/1' });
    expect(recording(b)).toEqual(recording(a));
    expect(await b.sync.syncOnce()).toMatchObject({ ok: true, pulled: 0 });
    expect(recording(b)).toEqual(recording(a));

    // Enabled again keeping each camera's previous state: one switched off stays off.
    await a.call('tenants.disable', { id: shop.id });
    await a.call('cameras.setEnabled', { id: front.id, enabled: false });
    await a.call('tenants.enable', { id: shop.id, mode: 'restore_previous' });
    await sync(a, b);
    expect(recording(a)).toEqual({ [front.id]: '0/0', [back.id]: '1/1', [elsewhere.id]: '1/1' });
    expect(recording(b)).toEqual(recording(a));
  });

  it('keeps concurrent edits of different fields of one user, and lets a delete beat an edit', async () => {
    const a = await desktop();
    const b = await desktop();
    const c = await a.call('tenants.create', customer('Concurrent Co'));
    await a.call('users.create', {
      tenantId: c.id,
      name: 'Owner First',
      login: 'first@concurrent.example',
      phone: '',
    });
    const u = await a.call('users.create', {
      tenantId: c.id,
      name: 'Pat Person',
      login: 'pat@concurrent.example',
      phone: '',
    });
    await sync(a, b);
    // Both offline: A renames, B changes the phone and forces a password change.
    await a.call('users.update', { id: u.id, name: 'Patricia Person' });
    await b.call('users.update', { id: u.id, phone: '+1 555 010 2222', forcePasswordChange: true });
    await sync(a, b, a);
    for (const core of [a, b])
      expect(await core.call('users.get', { id: u.id })).toMatchObject({
        name: 'Patricia Person',
        phone: '+1 555 010 2222',
        forcePasswordChange: true,
      });
    expect(recordsOf(a)).toEqual(recordsOf(b));

    // A deletes while B edits: the delete wins, B's edit is rejected and B drops the user.
    await a.call('users.delete', { id: u.id });
    await b.call('users.update', { id: u.id, name: 'Too Late' });
    await sync(a, b);
    expect(b.sync.outbox.answered().map((e) => e.code)).toContain('DELETED');
    await sync(b);
    expect(await b.fail('users.get', { id: u.id })).toMatchObject({ code: 'NOT_FOUND' });
    expect(recordsOf(a)).toEqual(recordsOf(b));
  });

  it('gives back the records a refused move took down with a tenant deleted elsewhere', async () => {
    const a = await desktop();
    const b = await desktop();
    const from = await a.call('tenants.create', { ...integrator('From Int') });
    const to = await a.call('tenants.create', { ...integrator('To Int') });
    const c = await a.call('tenants.create', customer('Wanderer Co', { parentId: from.id }));
    const u = await a.call('users.create', {
      tenantId: c.id,
      name: 'Wanda',
      login: 'wanda@wanderer.example',
      phone: '',
    });
    await sync(a, b);
    // Offline: A moves the customer under "To Int", B deletes "To Int" and syncs first.
    await a.call('tenants.move', { id: c.id, newParentId: to.id });
    await b.call('tenants.delete', { id: to.id, confirmName: 'To Int' });
    await sync(b, a);
    expect(a.sync.outbox.answered().map((e) => e.code)).toContain('DELETED');
    expect(await a.call('users.get', { id: u.id })).toMatchObject({ tenantId: c.id });
    expect(recordsOf(a)).toEqual(recordsOf(b));
  });

  it('signs in a customer user made on a desktop, until the customer is disabled', async () => {
    const a = await desktop();
    const c = await a.call('tenants.create', customer('Sign-in Co'));
    await a.call('users.create', {
      tenantId: c.id,
      name: 'Sam Signin',
      login: 'sam@signin.example',
      phone: '',
      password: 'sam-password-12',
    });
    await sync(a);
    const login = () =>
      call(server.url, 'POST', '/v1/auth/login', {
        email: 'sam@signin.example',
        password: 'sam-password-12',
      });
    expect(await login()).toMatchObject({
      status: 200,
      body: { account: { role: 'customer', tenantId: c.id } },
    });
    await a.call('tenants.disable', { id: c.id });
    await sync(a);
    expect(await login()).toMatchObject({
      status: 403,
      body: { code: 'TENANT_DISABLED', message: expect.stringContaining('Sign-in Co is disabled') },
    });
  });
});
