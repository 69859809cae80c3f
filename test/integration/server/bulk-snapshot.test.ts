/**
 * The bulk snapshot path (electron/sync/bulk.ts) against the real server (SQLite and PostgreSQL):
 * a fresh desktop that pulls the snapshot in bulk ends with exactly the rows of one that pulls it
 * row by row (tenants, search index, camera and user counts, cameras, users, roles and their
 * links), also when it already holds some of the rows; and a snapshot cut off between pages, or
 * in the middle of a page's write, resumes on the next sync (after a restart on the same folder)
 * and ends the same.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  openTestCore,
  customer,
  integrator,
  CHECKPOINT_WORKER_FILE,
  PULL_WORKER_FILE,
  type TestCore,
} from '../../support/core';
import type { SyncTransport } from '../../../electron/sync/transport';
import {
  ADMIN,
  backends,
  call,
  loginToken,
  RawClient,
  startTestServer,
  type TestServer,
} from './support';

const list = await backends();

/** Every synced column a desktop derives from a snapshot, the search index and the counters. */
function desktopRows(core: TestCore) {
  const all = (sql: string) => core.db.prepare(sql).all();
  return {
    tenants: all(
      `SELECT id, kind, parent_id, path, depth, name, name_key, contact_person, email, phone, address,
         time_zone, notes, own_disabled, disabled_by, module_overrides, business, camera_count,
         user_count, created_at, updated_at
       FROM tenants ORDER BY id`,
    ),
    search: all(
      `SELECT t.id FROM tenants_search s JOIN tenants t ON t.rowid = s.rowid
       WHERE tenants_search MATCH 'Bulk' ORDER BY t.id`,
    ),
    cameras: all(
      `SELECT id, customer_id, name, kind, address, model, enabled, recording, created_at, updated_at,
         xaddr, endpoint_ref, device_info, mac, profiles, stream_uri, recording_profile, username,
         pnp_cloud_id
       FROM cameras ORDER BY id`,
    ),
    users: all(
      `SELECT id, tenant_id, name, login, phone, user_type, active, is_owner, force_password_change,
         password_hash, created_at, updated_at FROM users ORDER BY id`,
    ),
    roles: all(
      'SELECT id, tenant_id, name, description, type, created_at, updated_at FROM roles ORDER BY id',
    ),
    roleUsers: all('SELECT role_id, user_id FROM role_users ORDER BY role_id, user_id'),
    roleCameras: all(
      'SELECT role_id, camera_id, rights FROM role_cameras ORDER BY role_id, camera_id',
    ),
  };
}

/** The search index agrees with its content table (FTS5 integrity check; throws otherwise). */
function checkSearchIndex(core: TestCore): void {
  core.db.prepare("INSERT INTO tenants_search (tenants_search) VALUES ('integrity-check')").run();
}

/** Counters equal what they count. */
function countsAreExact(core: TestCore): boolean {
  const wrong = core.db
    .prepare(
      `SELECT COUNT(*) AS n FROM tenants t
       WHERE camera_count != (SELECT COUNT(*) FROM cameras WHERE customer_id = t.id)
          OR user_count != (SELECT COUNT(*) FROM users WHERE tenant_id = t.id)`,
    )
    .get() as { n: number };
  return wrong.n === 0;
}

/** The indexes of `cameras` and `tenants` (a first pull sets some aside: db/first-pull-indexes.ts). */
function snapshotIndexes(core: TestCore) {
  return core.db
    .prepare(
      "SELECT name, sql FROM sqlite_schema WHERE type = 'index' AND tbl_name IN ('cameras', 'tenants') ORDER BY name",
    )
    .all();
}

/** The indexes (and the count trigger) a first pull sets aside (db/first-pull-indexes.ts), by name. */
const FIRST_PULL_ASIDE = [
  'cameras_count_ins',
  'cameras_endpoint_ref',
  'tenants_sort_kind',
  'tenants_sort_name',
  'tenants_sort_status',
];

/** The indexes set aside, by name. */
function setAside(core: TestCore): string[] {
  return core.db
    .prepare('SELECT name FROM deferred_indexes ORDER BY name')
    .pluck()
    .all() as string[];
}

/** The tenant ids the core announces as changed (the lists and screens refresh these). */
function changedTenants(core: TestCore): () => string[] {
  const ids = new Set<string>();
  core.events.on('event', (name: string, payload: { ids?: string[] }) => {
    if (name === 'tenants.changed') for (const id of payload.ids ?? []) ids.add(id);
  });
  return () => [...ids].sort();
}

/**
 * HTTP with small pages; `failAfter` pulls, every pull fails (the network is gone); `onPull` runs
 * as each page is asked for.
 */
function smallPages(
  core: TestCore,
  limit: number,
  failAfter = Infinity,
  onPull: () => void = () => undefined,
): { pulls: () => number } {
  const http = core.sync.httpTransport();
  let pulls = 0;
  const transport: SyncTransport = {
    push: (req) => http.push(req),
    pull: (req) => {
      pulls++;
      onPull();
      if (pulls > failAfter) return Promise.reject(new Error('the network went away'));
      return http.pull({ ...req, limit });
    },
  };
  core.sync.useTransport(transport);
  return { pulls: () => pulls };
}

describe.each(list)('bulk snapshot on %s', (backend) => {
  let server: TestServer;
  /** The active integrator's enabled customer whose path sorts last (siblings sort before). */
  let lastCustomer = '';
  const cores: TestCore[] = [];
  /** Folders a test made of its own (removed after it, whatever became of it). */
  const folders: string[] = [];
  const connected = async (dataDir?: string, worker = false) => {
    // The worker's path as in the app: pulls on the pull worker, checkpoints on their own thread.
    const core = openTestCore(
      dataDir,
      worker
        ? { pullWorkerFile: PULL_WORKER_FILE, checkpointWorkerFile: CHECKPOINT_WORKER_FILE }
        : {},
    );
    core.syncApp.close();
    cores.push(core);
    if (!dataDir) await core.sync.connect(server.url, ADMIN.email, ADMIN.password);
    return core;
  };

  beforeAll(async () => {
    server = await startTestServer(backend);
    // The server's data, made on a desktop: two integrators (one disabled), customers (one
    // disabled: its cameras do not record), module switches, cameras, roles with grants, users.
    const source = await connected();
    const active = await source.call('tenants.create', integrator('Bulk Integrator One'));
    const off = await source.call('tenants.create', integrator('Bulk Integrator Two'));
    let n = 0;
    for (const parent of [active, off]) {
      for (let c = 0; c < 6; c++) {
        const cust = await source.call(
          'tenants.create',
          customer(`Bulk Customer ${parent.name} ${c}`, { parentId: parent.id }),
        );
        const cams = [];
        for (let k = 0; k < 4; k++)
          cams.push(
            await source.call('cameras.addManual', {
              customerId: cust.id,
              name: `Bulk camera ${++n}`,
              streamUrl: `rtsp://10.9.${c}.${k}:554/stream1`,
              username: 'viewer',
              password: 'camera-secret-7',
            }),
          );
        const guard = await source.call('users.create', {
          tenantId: cust.id,
          name: `Guard ${n}`,
          login: `guard${n}@bulk.example`,
          phone: '',
          password: 'guard-password-1',
        });
        await source.call('users.create', {
          tenantId: cust.id,
          name: `Viewer ${n}`,
          login: `viewer${n}@bulk.example`,
          phone: '+49 30 1234',
        });
        await source.call('roles.create', {
          tenantId: cust.id,
          name: 'Guards',
          type: 'guard',
          userIds: [guard.id],
          cameras: cams
            .slice(0, 2)
            .map((cam) => ({ cameraId: cam.id, rights: ['view' as const, 'ptz' as const] })),
        });
        if (parent === active && c !== 1 && cust.id > lastCustomer) lastCustomer = cust.id;
        if (c === 1) await source.call('tenants.disable', { id: cust.id });
        if (c === 2)
          await source.call('modules.set', {
            tenantId: cust.id,
            moduleId: 'archive',
            enabled: false,
          });
      }
    }
    await source.call('tenants.disable', { id: off.id });
    expect(await source.sync.syncOnce()).toMatchObject({ ok: true });
    expect(source.sync.outbox.pendingCount()).toBe(0);
  }, 60_000);
  afterEach(() => {
    while (cores.length) cores.pop()?.close();
    while (folders.length) fs.rmSync(folders.pop() as string, { recursive: true, force: true });
  });
  afterAll(async () => server?.close());

  /** A fresh desktop's rows after a complete snapshot pulled row by row (pages of 7 rows). */
  const rowByRowSync = async () => {
    const core = await connected();
    core.sync.useBulkSnapshots(false);
    smallPages(core, 7);
    const changed = changedTenants(core);
    expect(await core.sync.syncOnce()).toMatchObject({ ok: true });
    checkSearchIndex(core);
    return { rows: desktopRows(core), changed: changed() };
  };
  const rowByRow = async () => (await rowByRowSync()).rows;

  it('gives a fresh desktop exactly the rows of the row-by-row path', async () => {
    const { rows: expected, changed: expectedChanged } = await rowByRowSync();
    expect(expected.cameras).toHaveLength(48);
    expect(expected.users).toHaveLength(24);
    expect(expected.roleCameras).toHaveLength(24);
    expect(
      expected.cameras.filter((c) => (c as { recording: number }).recording === 0),
    ).toHaveLength(4 + 24);

    // Pages of 7 written one a transaction, two a transaction, and all in one (the default's
    // batch holds the whole snapshot here); pages of 1,000.
    for (const [limit, batch] of [
      [7, 1],
      [7, 14],
      [7, null],
      [1000, null],
    ] as const) {
      const core = await connected();
      const indexes = snapshotIndexes(core);
      const cacheSize = () => core.db.pragma('cache_size', { simple: true }) as number;
      const own = cacheSize();
      const whilePulling: number[] = [];
      const asideWhilePulling = new Set<string>();
      smallPages(core, limit, Infinity, () => {
        whilePulling.push(cacheSize());
        for (const name of setAside(core)) asideWhilePulling.add(name);
      });
      if (batch) core.sync.useSnapshotBatchRows(batch);
      const changed = changedTenants(core);
      expect(await core.sync.syncOnce()).toMatchObject({ ok: true });
      // A larger page cache while pulling (negative: KiB), the connection's own afterwards.
      expect(Math.max(...whilePulling)).toBeLessThan(own);
      expect(cacheSize()).toBe(own);
      // The indexes of FIRST_PULL_ASIDE were set aside between batches (with several batches) and are
      // all back, as they were, once the pull is done.
      if (batch) expect([...asideWhilePulling].sort()).toEqual(FIRST_PULL_ASIDE);
      expect(setAside(core)).toEqual([]);
      expect(snapshotIndexes(core)).toEqual(indexes);
      checkSearchIndex(core);
      expect(countsAreExact(core)).toBe(true);
      expect(desktopRows(core)).toEqual(expected);
      // The screens are told of the same tenants.
      expect(changed()).toEqual(expectedChanged);
    }
  });

  it('pulls through the pull worker (reading ahead) to the same rows, also after a cut', async () => {
    const expected = await rowByRow();
    for (const limit of [7, 1000]) {
      const core = await connected(undefined, true);
      smallPages(core, limit);
      expect(await core.sync.syncOnce()).toMatchObject({ ok: true });
      checkSearchIndex(core);
      expect(countsAreExact(core)).toBe(true);
      expect(desktopRows(core)).toEqual(expected);
    }
    // Cut off after 9 pages, while the worker had read further ahead; the next sync goes on from
    // the committed cursor (answered from what was read ahead where it matches) and ends the same.
    const core = await connected(undefined, true);
    smallPages(core, 7, 9);
    expect((await core.sync.syncOnce()).ok).toBe(false);
    expect(core.sync.state.get('cursor')).toMatch(/^[sr]:/);
    smallPages(core, 7);
    expect(await core.sync.syncOnce()).toMatchObject({ ok: true });
    checkSearchIndex(core);
    expect(countsAreExact(core)).toBe(true);
    expect(desktopRows(core)).toEqual(expected);
  });

  it('writes cameras the pull worker packed as rows through the row-by-row path too', async () => {
    const expected = await rowByRow();
    // Row by row from the start: the packed cameras go back into their places in the page.
    const slow = await connected(undefined, true);
    slow.sync.useBulkSnapshots(false);
    smallPages(slow, 7);
    expect(await slow.sync.syncOnce()).toMatchObject({ ok: true });
    expect(desktopRows(slow)).toEqual(expected);
    // In bulk, onto a desktop that holds every row already (locally changed): each packed camera
    // is turned back into its record for the upsert, and the server's values win.
    const core = await connected(undefined, true);
    smallPages(core, 7);
    expect(await core.sync.syncOnce()).toMatchObject({ ok: true });
    core.sync.state.set('cursor', null);
    core.db.prepare("UPDATE cameras SET name = 'Renamed here', recording = 0, xaddr = NULL").run();
    smallPages(core, 1000);
    const again = await core.sync.syncOnce();
    expect(again).toMatchObject({ ok: true });
    expect(again.pulled).toBeGreaterThanOrEqual(expected.cameras.length + expected.tenants.length);
    checkSearchIndex(core);
    expect(countsAreExact(core)).toBe(true);
    expect(desktopRows(core)).toEqual(expected);
  });

  it('writes rows the desktop already holds through the row-by-row path, with the same result', async () => {
    const expected = await rowByRow();
    const core = await connected();
    smallPages(core, 7);
    expect(await core.sync.syncOnce()).toMatchObject({ ok: true });
    // A local edit that the server never heard of (recording off), then a snapshot again: the
    // rows are all here, so every page goes through the upserts, and the server's values win.
    core.sync.state.set('cursor', null);
    core.db.prepare("UPDATE tenants SET name = 'Renamed here' WHERE kind = 'customer'").run();
    core.db.prepare("UPDATE cameras SET name = 'Renamed here', recording = 0").run();
    expect(await core.sync.syncOnce()).toMatchObject({ ok: true });
    checkSearchIndex(core);
    expect(countsAreExact(core)).toBe(true);
    expect(desktopRows(core)).toEqual(expected);
  });

  it('resumes a snapshot cut off between pages, after a restart, and ends the same', async () => {
    const expected = await rowByRow();
    const first = await connected();
    const dataDir = first.dataDir;
    smallPages(first, 7, 9);
    const cut = await first.sync.syncOnce();
    expect(cut.ok).toBe(false);
    // What the cut-off snapshot wrote is consistent: committed pages only, with their counts and
    // search rows, and the cursor where the next page starts.
    checkSearchIndex(first);
    expect(countsAreExact(first)).toBe(true);
    expect(first.sync.state.get('cursor')).toMatch(/^[sr]:/);
    // A pull that fails half way builds the indexes it set aside.
    expect(setAside(first)).toEqual([]);
    expect(snapshotIndexes(first).map((i) => (i as { name: string }).name)).toContain(
      'cameras_customer',
    );
    first.close();
    cores.splice(cores.indexOf(first), 1);

    const again = await connected(dataDir);
    const resumed = smallPages(again, 7);
    expect(await again.sync.syncOnce()).toMatchObject({ ok: true });
    checkSearchIndex(again);
    expect(countsAreExact(again)).toBe(true);
    expect(desktopRows(again)).toEqual(expected);
    // It went on from its cursor: fewer pages than a whole snapshot.
    const whole = await connected();
    const counted = smallPages(whole, 7);
    expect(await whole.sync.syncOnce()).toMatchObject({ ok: true });
    expect(resumed.pulls()).toBeLessThan(counted.pulls());
  });

  it('builds the indexes a first pull set aside when a desktop killed during it opens again', async () => {
    const expected = await rowByRow();
    const reference = await connected();
    const indexes = snapshotIndexes(reference);
    const first = await connected();
    first.sync.useSnapshotBatchRows(7);
    // The files a desktop killed after its 9th batch leaves: the database as committed then
    // (VACUUM INTO copies the committed state, WAL included) and the folder's key.
    const killed = fs.mkdtempSync(path.join(os.tmpdir(), 'vms-bulk-killed-'));
    folders.push(killed);
    let pulls = 0;
    let asideWhenKilled: string[] = [];
    smallPages(first, 7, Infinity, () => {
      if (++pulls !== 10) return;
      asideWhenKilled = setAside(first);
      first.db.prepare('VACUUM INTO ?').run(path.join(killed, 'vms-admin.sqlite'));
    });
    expect(await first.sync.syncOnce()).toMatchObject({ ok: true });
    // Killed while the records came: the tenants' indexes were back already, the cameras' not.
    expect(asideWhenKilled).toEqual(['cameras_count_ins', 'cameras_endpoint_ref']);
    fs.copyFileSync(path.join(first.dataDir, 'secret.key'), path.join(killed, 'secret.key'));

    const again = await connected(killed);
    expect(setAside(again)).toEqual([]);
    expect(snapshotIndexes(again)).toEqual(indexes);
    expect(
      again.db
        .prepare("SELECT COUNT(*) FROM sqlite_schema WHERE name = 'cameras_count_ins'")
        .pluck()
        .get(),
    ).toBe(1);
    expect(countsAreExact(again)).toBe(true);
    // It goes on with the snapshot where the killed one stopped, and ends the same.
    smallPages(again, 7);
    expect(await again.sync.syncOnce()).toMatchObject({ ok: true });
    checkSearchIndex(again);
    expect(countsAreExact(again)).toBe(true);
    expect(snapshotIndexes(again)).toEqual(indexes);
    expect(desktopRows(again)).toEqual(expected);
  });

  it('remembers what a snapshot brought only where its end has rows to drop', async () => {
    const expected = await rowByRow();
    const seen = (core: TestCore) =>
      core.db.prepare('SELECT COUNT(*) FROM sync_snapshot_seen').pluck().get() as number;
    // Onto an empty desktop, cut off half way and resumed: nothing could be left out, nothing is
    // remembered, and it ends with the server's rows.
    const fresh = await connected();
    smallPages(fresh, 7, 9);
    expect((await fresh.sync.syncOnce()).ok).toBe(false);
    expect(fresh.sync.state.get('snapshotOntoEmpty')).toBe('1');
    expect(seen(fresh)).toBe(0);
    smallPages(fresh, 7);
    expect(await fresh.sync.syncOnce()).toMatchObject({ ok: true });
    expect(fresh.sync.state.get('snapshotOntoEmpty')).toBeNull();
    expect(desktopRows(fresh)).toEqual(expected);

    // Onto a desktop that holds rows the server no longer has (a customer with a camera, pushed
    // nowhere): the snapshot remembers what it brought, and its end drops the others.
    const held = await connected();
    smallPages(held, 1000);
    expect(await held.sync.syncOnce()).toMatchObject({ ok: true });
    const parent = (expected.tenants as { id: string; kind: string }[]).find(
      (t) => t.kind === 'integrator',
    );
    held.db
      .prepare(
        `INSERT INTO tenants (id, kind, parent_id, path, depth, name, name_key, created_at, updated_at)
         SELECT 'gone-on-server', 'customer', id, path || 'gone-on-server/', depth + 1,
           'Gone on the server', 'gone on the server', 'then', 'then' FROM tenants WHERE id = ?`,
      )
      .run(parent?.id);
    held.db
      .prepare(
        `INSERT INTO cameras (id, customer_id, name, kind, created_at, updated_at)
         VALUES ('camera-gone-on-server', 'gone-on-server', 'Gone', 'rtsp', 'then', 'then')`,
      )
      .run();
    held.sync.state.set('cursor', null);
    smallPages(held, 7, 9);
    expect((await held.sync.syncOnce()).ok).toBe(false);
    expect(held.sync.state.get('snapshotOntoEmpty')).toBeNull();
    expect(seen(held)).toBeGreaterThan(0);
    smallPages(held, 7);
    expect(await held.sync.syncOnce()).toMatchObject({ ok: true });
    expect(seen(held)).toBe(0);
    checkSearchIndex(held);
    expect(countsAreExact(held)).toBe(true);
    expect(desktopRows(held)).toEqual(expected);
  });

  it('rolls back a batch whose write fails half way, and ends the same on the next sync', async () => {
    const expected = await rowByRow();
    const core = await connected();
    const http = core.sync.httpTransport();
    // Two pages of 7 rows a transaction.
    core.sync.useSnapshotBatchRows(14);
    let pulls = 0;
    let cameraIds: string[] = [];
    const cursors: string[] = [];
    // The 6th page's write fails after its cameras went in (as if the process died there): a
    // trigger refuses one of its users, which the page writes after its cameras.
    core.sync.useTransport({
      push: (req) => http.push(req),
      pull: async (req) => {
        const res = await http.pull({ ...req, limit: 7 });
        cursors.push(res.cursor);
        if (++pulls !== 6) return res;
        const records = res.changes.flatMap((c) => (c.op === 'record' ? [c.record] : []));
        cameraIds = records.filter((r) => r.kind === 'camera').map((r) => r.id);
        const user = records.find((r) => r.kind === 'user');
        if (!user || !cameraIds.length) throw new Error('page 6 should bring cameras and users');
        core.db.exec(
          `CREATE TEMP TRIGGER die_mid_page BEFORE INSERT ON users WHEN NEW.id = '${user.id}'
           BEGIN SELECT RAISE(ABORT, 'the process died here'); END`,
        );
        return res;
      },
    });
    const failed = await core.sync.syncOnce();
    expect(failed.error).toContain('the process died here');
    // Nothing of that page (or of its batch) stayed; what the batches before it wrote is
    // consistent, and the cursor is where one of them ended.
    const here = core.db.prepare('SELECT COUNT(*) AS n FROM cameras WHERE id = ?');
    for (const id of cameraIds) expect(here.get(id)).toEqual({ n: 0 });
    expect(core.sync.state.get('cursor')).toMatch(/^[sr]:/);
    expect(cursors.slice(0, 5)).toContain(core.sync.state.get('cursor'));
    checkSearchIndex(core);
    expect(countsAreExact(core)).toBe(true);
    core.db.exec('DROP TRIGGER temp.die_mid_page');
    smallPages(core, 7);
    expect(await core.sync.syncOnce()).toMatchObject({ ok: true });
    checkSearchIndex(core);
    expect(countsAreExact(core)).toBe(true);
    expect(desktopRows(core)).toEqual(expected);
  });

  // A customer's account reads its records row by row (users without password hashes), the others
  // as runs of one kind (recordRuns): both bounded by the subtree.
  it.each(['customer', 'installer'] as const)(
    'keeps a record page inside the subtree whatever path a forged cursor names (%s)',
    async (role) => {
      const root = await loginToken(server.url, ADMIN.email, ADMIN.password);
      const email = `last-${role}-${backend}@bulk.example`;
      const made = await call(
        server.url,
        'POST',
        '/v1/accounts',
        { email, password: 'long-enough-pw', tenantId: lastCustomer, role },
        root,
      );
      expect(made.status).toBe(201);
      const one = new RawClient(server.url, await loginToken(server.url, email, 'long-enough-pw'));
      const first = await one.pull();
      const base = /^c:(\d+)$/.exec(first.body.cursor)?.[1];
      expect(base).toBeDefined();
      // A records cursor whose path sorts before the account's subtree, and before its sibling
      // customers', whose records must stay out of the answer.
      const forged = await one.pull(`r:${base ?? ''}:camera:0:/`);
      expect(forged.status).toBe(200);
      const tenants = new Set(
        first.body.changes.flatMap((c) => (c.op === 'upsert' ? [c.row.id] : [])),
      );
      const changes = forged.body.changes as { op: string; record?: { tenantId: string } }[];
      // Not even as deletes: the ids of the other subtree's records stay out too.
      expect(changes.filter((c) => c.op !== 'record')).toEqual([]);
      const records = changes.flatMap((c) => (c.record ? [c.record.tenantId] : []));
      expect(records.length).toBeGreaterThan(0);
      for (const tenantId of records) expect(tenants.has(tenantId)).toBe(true);
      expect([...tenants]).toEqual([lastCustomer]);
    },
  );
});
