import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { openTestCore, customer, integrator, type TestCore } from '../../support/core';
import { ADMIN, backends, snapshotOf, startTestServer, type TestServer } from './support';

const list = await backends();

describe.each(list)('desktop outbox and sync client against the server on %s', (backend) => {
  let server: TestServer;
  const cores: TestCore[] = [];
  const open = async (connect = true) => {
    const core = openTestCore();
    cores.push(core);
    if (connect) await core.sync.connect(server.url, ADMIN.email, ADMIN.password);
    return core;
  };
  beforeAll(async () => {
    server = await startTestServer(backend);
  });
  afterEach(() => {
    while (cores.length) cores.pop()?.close();
  });
  afterAll(async () => server?.close());

  it('records each change in the outbox in its own transaction, and syncs it to another desktop', async () => {
    const a = await open();
    const b = await open();
    const north = await a.call('tenants.create', integrator('North Sync'));
    const home = await a.call('tenants.create', customer('Sync Home', { parentId: north.id }));
    await a.call('modules.set', { tenantId: home.id, moduleId: 'archive', enabled: false });
    expect(a.sync.outbox.pending().map((e) => e.command)).toEqual([
      'tenants.create',
      'tenants.create',
      'modules.set',
    ]);
    expect(a.sync.status()).toMatchObject({ phase: 'pending', pending: 3 });
    expect((await a.sync.syncOnce()).ok).toBe(true);
    expect(a.sync.status()).toMatchObject({ phase: 'synced', pending: 0 });
    await b.sync.syncOnce();
    const seen = await b.call('tenants.get', { id: home.id });
    expect(seen).toMatchObject({ name: 'Sync Home', parentId: north.id });
    const modules = await b.call('modules.get', { tenantId: home.id });
    expect(modules.find((m) => m.id === 'archive')?.own).toBe(false);
    expect(snapshotOf(b)).toEqual(snapshotOf(a));
  });

  it('merges offline edits of two desktops per field and converges both', async () => {
    const a = await open();
    const b = await open();
    await a.sync.syncOnce();
    const c = await a.call('tenants.create', customer('Merge Home'));
    await a.sync.syncOnce();
    await b.sync.syncOnce();
    await a.call('tenants.update', { id: c.id, name: 'Merge Home A' });
    await b.call('tenants.update', { id: c.id, phone: '+1 555 010 9999' });
    await a.sync.syncOnce();
    await b.sync.syncOnce();
    await a.sync.syncOnce();
    const got = await a.call('tenants.get', { id: c.id });
    expect(got).toMatchObject({ name: 'Merge Home A', phone: '+1 555 010 9999' });
    expect(snapshotOf(b)).toEqual(snapshotOf(a));
  });

  it('shows a rejected mutation with its reason, undoes it locally and keeps syncing the rest', async () => {
    const a = await open();
    const b = await open();
    const doomed = await a.call('tenants.create', integrator('Doomed Co'));
    await a.sync.syncOnce();
    await b.sync.syncOnce();
    await a.call('tenants.delete', { id: doomed.id, confirmName: 'Doomed Co' });
    await a.sync.syncOnce();
    // b, offline meanwhile, adds a customer under the deleted integrator, then another elsewhere.
    const orphan = await b.call('tenants.create', customer('Orphan Home', { parentId: doomed.id }));
    const fine = await b.call('tenants.create', customer('Fine Home'));
    const report = await b.sync.syncOnce();
    expect(report).toMatchObject({ ok: true, rejected: 1 });
    const answered = b.sync.outbox.answered();
    expect(answered[0]).toMatchObject({
      status: 'rejected',
      code: 'DELETED',
      command: 'tenants.create',
    });
    expect(answered[0]?.message).toMatch(/deleted/);
    expect(b.tenancy.repo.get(orphan.id)).toBeUndefined();
    expect(b.tenancy.repo.get(doomed.id)).toBeUndefined();
    expect(b.tenancy.repo.get(fine.id)).toBeDefined();
    await a.sync.syncOnce();
    expect(snapshotOf(b)).toEqual(snapshotOf(a));
  });

  it('uploads a standalone desktop on its first connection, after a preview', async () => {
    const standalone = await open(false);
    const reg = await standalone.call('tenants.create', integrator('Standalone Region'));
    const shop = await standalone.call(
      'tenants.create',
      customer('Standalone Shop', { parentId: reg.id }),
    );
    await standalone.call('tenants.disable', { id: shop.id });
    expect(standalone.sync.outbox.pendingCount()).toBe(0); // nothing recorded before a server is set
    await standalone.sync.connect(server.url, ADMIN.email, ADMIN.password);
    expect(standalone.sync.uploadPreview()).toMatchObject({
      count: 2,
      names: ['Standalone Region', 'Standalone Shop'],
    });
    expect(standalone.sync.uploadLocal()).toBeGreaterThanOrEqual(3);
    expect((await standalone.sync.syncOnce()).rejected).toBe(0);
    const other = await open();
    await other.sync.syncOnce();
    expect(await other.call('tenants.get', { id: shop.id })).toMatchObject({
      status: 'disabled',
      parentId: reg.id,
    });
    expect(snapshotOf(other)).toEqual(snapshotOf(standalone));
  });

  it('reports offline when the server cannot be reached, keeping the outbox', async () => {
    const a = await open();
    await a.call('tenants.create', customer('Offline Home'));
    a.sync.state.set('serverUrl', 'http://127.0.0.1:9/');
    const r = await a.sync.syncOnce();
    expect(r.ok).toBe(false);
    expect(a.sync.status()).toMatchObject({ phase: 'offline', pending: 1 });
    a.sync.state.set('serverUrl', new URL(server.url).toString());
    expect((await a.sync.syncOnce()).ok).toBe(true);
    expect(a.sync.status()).toMatchObject({ phase: 'synced', pending: 0 });
  });
});
