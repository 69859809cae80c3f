import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { openCore } from '../../../electron/app/core';
import type { MethodInput, MethodName, MethodOutput } from '../../../shared/contract';
import type { ApiErrorBody } from '../../../shared/errors';
import type { SyncStatusView } from '../../../shared/sync-contract';
import type { SnapshotProgress } from '../../../electron/sync/engine';
import { ServerUnreachableError } from '../../../electron/sync/transport';
import { tempDataDir } from '../../support/host-process';
import { customer, integrator } from '../../support/core';
import { ADMIN, startTestServer, type TestServer } from '../server/support';

/** A core with compressed background-sync timing, driven through dispatch like a window. */
function openAppCore(dataDir = tempDataDir()) {
  const core = openCore({
    dataDir,
    host: 'browser',
    version: 'test',
    actor: 'tester',
    syncSchedule: { debounceMs: 50, intervalMs: 60_000, backoffBaseMs: 100, backoffMaxMs: 400 },
  });
  const statuses: SyncStatusView[] = [];
  core.events.on('event', (name: string, payload: unknown) => {
    if (name === 'sync.status') statuses.push(payload as SyncStatusView);
  });
  return {
    ...core,
    dataDir,
    statuses,
    async call<M extends MethodName>(method: M, input: MethodInput<M>): Promise<MethodOutput<M>> {
      const env = await core.dispatch(method, input);
      if (!env.ok) throw new Error(`${env.error.code}: ${env.error.message}`);
      return env.result as MethodOutput<M>;
    },
    async fail(method: MethodName, input: unknown): Promise<ApiErrorBody> {
      const env = await core.dispatch(method, input);
      if (env.ok) throw new Error(`${method} was expected to fail`);
      return env.error;
    },
  };
}
type AppCore = ReturnType<typeof openAppCore>;

async function until<T>(
  read: () => T | Promise<T>,
  ok: (v: T) => boolean,
  ms = 10_000,
): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await read();
    if (ok(v)) return v;
    if (Date.now() > end) throw new Error(`timed out; last value ${JSON.stringify(v)}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe('sync in the app (API, background sync, status events) against a real server', () => {
  let server: TestServer;
  const cores: AppCore[] = [];
  const open = async (connect = true) => {
    const core = openAppCore();
    cores.push(core);
    if (connect)
      await core.call('sync.connect', {
        serverUrl: server.url,
        email: ADMIN.email,
        password: ADMIN.password,
      });
    return core;
  };
  /**
   * Pages of 5 rows, each written in a batch of its own: a snapshot's progress moves page by page.
   * Answers the progress seen after each batch.
   */
  const pageByPage = (core: AppCore): (SnapshotProgress | null)[] => {
    core.sync.usePullLimit(5);
    core.sync.useSnapshotBatchRows(1);
    const seen: (SnapshotProgress | null)[] = [];
    const pulled = core.sync.onPulled;
    core.sync.onPulled = () => {
      seen.push(core.sync.snapshotProgress());
      pulled?.();
    };
    return seen;
  };
  /** Logs in, and waits for the background sync that follows to finish. */
  const connectUntilSynced = async (core: AppCore) => {
    await core.call('sync.connect', {
      serverUrl: server.url,
      email: ADMIN.email,
      password: ADMIN.password,
    });
    await until(
      () => core.call('sync.status', {}),
      (s) => s.phase === 'synced' && s.lastSyncAt !== null && !s.syncing,
    );
  };
  beforeAll(async () => {
    server = await startTestServer('sqlite');
  });
  afterEach(() => {
    while (cores.length) cores.pop()?.close();
  });
  afterAll(async () => server?.close());

  it('starts standalone, connects, and a change goes pending then synced in the background', async () => {
    const a = await open(false);
    expect(await a.call('sync.status', {})).toMatchObject({
      phase: 'standalone',
      pending: 0,
      serverUrl: null,
      account: null,
    });
    expect(a.syncApp.scheduler.started).toBe(false);
    const res = await a.call('sync.connect', {
      serverUrl: server.url,
      email: ADMIN.email,
      password: ADMIN.password,
    });
    expect(res.upload.count).toBe(0);
    expect(res.status.account?.email).toBe(ADMIN.email);
    expect(res.status.serverUrl).toBe(new URL(server.url).toString());
    const synced = await until(
      () => a.call('sync.status', {}),
      (s) => s.phase === 'synced' && s.lastSyncAt !== null,
    );
    // The connect answer can reach a renderer after the pushed "synced" status: its revision says
    // it is older, so the renderer keeps the newer one (renderer/src/sync/status.ts).
    expect(res.status.lastSyncAt).toBeNull();
    expect(synced.revision).toBeGreaterThan(res.status.revision);
    const pushed = a.statuses.map((s) => s.revision);
    expect(pushed).toEqual([...new Set(pushed)].sort((x, y) => x - y));
    await until(
      () => a.statuses.at(-1),
      (s) => s?.lastSyncAt === synced.lastSyncAt,
    );
    const home = await a.call('tenants.create', customer('Background Home'));
    const pending = await a.call('sync.status', {});
    expect(pending).toMatchObject({ phase: 'pending', pending: 1 });
    const details = await a.call('sync.details', {});
    expect(details.pending).toEqual([
      expect.objectContaining({
        command: 'tenants.create',
        summary: 'Create customer “Background Home”',
      }),
    ]);
    await until(
      () => a.call('sync.status', {}),
      (s) => s.phase === 'synced' && s.pending === 0,
    );
    // The indicator was told: pending 1, then synced.
    await until(
      () => a.statuses,
      (list) => list.some((s) => s.pending === 1) && list.at(-1)?.phase === 'synced',
    );
    const b = await open();
    await b.call('sync.now', {});
    expect(await b.call('tenants.get', { id: home.id })).toMatchObject({ name: 'Background Home' });
  });

  it("shows a first pull's progress: the rows written so far of the rows the server said", async () => {
    const a = await open();
    for (let i = 0; i < 12; i++) await a.call('tenants.create', customer(`Progress ${i}`));
    await a.call('sync.now', {});
    const count = async (table: string) =>
      Number(
        (await server.db.get<{ n: number | string }>(`SELECT COUNT(*) AS n FROM ${table}`))?.n,
      );
    // The administrator's subtree is the whole tree: every tenant and record on the server.
    const total = (await count('tenants')) + (await count('records'));

    const b = await open(false);
    const seen = pageByPage(b);
    await connectUntilSynced(b);
    // Every page but the snapshot's last moved it on by its rows, out of the same total; the
    // last one ended it.
    const moving = seen.slice(0, -1);
    expect(moving.length).toBeGreaterThanOrEqual(Math.floor(total / 5) - 1);
    expect(moving.map((p) => p?.total)).toEqual(moving.map(() => total));
    expect(moving.map((p) => p?.rows)).toEqual(moving.map((_, i) => (i + 1) * 5));
    expect(seen.at(-1)).toBeNull();
    expect(b.sync.snapshotProgress()).toBeNull();
    // The indicator heard of it while the sync ran (the first batch is always told), and not after.
    expect(b.statuses.some((s) => s.syncing && s.progress?.total === total)).toBe(true);
    expect(b.statuses.at(-1)?.progress).toBeNull();
    expect((await b.call('sync.status', {})).progress).toBeNull();
  });

  it('takes a first pull cut short up where it stopped, its progress too (no total from an older server)', async () => {
    const a = await open();
    for (let i = 0; i < 12; i++) await a.call('tenants.create', customer(`Resumed ${i}`));
    await a.call('sync.now', {});
    const b = await open(false);
    const seen = pageByPage(b);
    // The network drops on the second page asked for (the first sync ends offline there); and
    // the server is an older one, which does not say how many rows a snapshot brings.
    let pulls = 0;
    b.sync.useTransport({
      push: (req) => b.sync.httpTransport().push(req),
      pull: async (req) => {
        if (++pulls === 2) throw new ServerUnreachableError('the cable came out');
        const { snapshotRows, ...older } = await b.sync.httpTransport().pull(req);
        if (req.cursor === '') expect(snapshotRows).toBeGreaterThan(0);
        return older;
      },
    });
    await connectUntilSynced(b);
    expect(pulls).toBeGreaterThan(2);
    // The offline status in between, and the page written before the cut kept: the progress went
    // on from it (5 rows, then 10, …), it did not start over.
    expect(b.statuses.some((s) => s.phase === 'offline')).toBe(true);
    const rows = seen.flatMap((p) => (p ? [p.rows] : []));
    expect(rows).toEqual(rows.map((_, i) => (i + 1) * 5));
    expect(seen.flatMap((p) => (p ? [p.total] : []))).toEqual(rows.map(() => null));
    expect(seen.at(-1)).toBeNull();
    const names = await b.call('tenants.list', { search: 'Resumed', limit: 50 });
    expect(names.total).toBe(12);
  });

  it('shows a rejected mutation with its reason', async () => {
    const a = await open();
    const b = await open();
    const doomed = await a.call('tenants.create', integrator('Rejecting Co'));
    await a.call('sync.now', {});
    await b.call('sync.now', {});
    // b goes offline (its loop stops), a deletes the integrator, b adds a customer under it.
    b.syncApp.scheduler.stop();
    await a.call('tenants.delete', { id: doomed.id, confirmName: 'Rejecting Co' });
    await a.call('sync.now', {});
    await b.call('tenants.create', customer('Too Late Home', { parentId: doomed.id }));
    const { report } = await b.call('sync.now', {});
    expect(report).toMatchObject({ ok: true, rejected: 1 });
    const details = await b.call('sync.details', {});
    expect(details.rejected[0]).toMatchObject({
      command: 'tenants.create',
      code: 'DELETED',
      summary: 'Create customer “Too Late Home”',
    });
    expect(details.rejected[0]?.reason).toMatch(/deleted/);
    expect(details.pending).toEqual([]);
    await b.call('sync.clearAnswered', {});
    expect((await b.call('sync.details', {})).rejected).toEqual([]);
  });

  it('lists an overwritten field with both values, who and when', async () => {
    const a = await open();
    const b = await open();
    const shop = await a.call('tenants.create', customer('Conflict Shop'));
    await a.call('sync.now', {});
    await b.call('sync.now', {});
    a.syncApp.scheduler.stop();
    b.syncApp.scheduler.stop();
    // b edits first (older clock) but syncs last: its phone loses to a's.
    await b.call('tenants.update', { id: shop.id, phone: '+1 555 0100' });
    await new Promise((r) => setTimeout(r, 5));
    await a.call('tenants.update', { id: shop.id, phone: '+1 555 0200' });
    await a.call('sync.now', {});
    await b.call('sync.now', {});
    const details = await b.call('sync.details', {});
    expect(details.overwritten).toEqual([
      expect.objectContaining({
        tenantName: 'Conflict Shop',
        field: 'phone',
        yourValue: '+1 555 0100',
        theirValue: '+1 555 0200',
        who: expect.stringMatching(/^another desktop/) as unknown,
        when: expect.any(String) as unknown,
      }),
    ]);
    expect((await b.call('tenants.get', { id: shop.id })).phone).toBe('+1 555 0200');
  });

  it('uploads local tenants on the first connection after a preview', async () => {
    const a = await open(false);
    const region = await a.call('tenants.create', integrator('Upload Region'));
    await a.call('tenants.create', customer('Upload Shop', { parentId: region.id }));
    const res = await a.call('sync.connect', {
      serverUrl: server.url,
      email: ADMIN.email,
      password: ADMIN.password,
    });
    expect(res.upload).toEqual({ count: 2, names: ['Upload Region', 'Upload Shop'] });
    // Nothing syncs (a snapshot would drop the local tenants) until the person decides.
    expect(a.syncApp.scheduler.started).toBe(false);
    expect(await a.call('sync.uploadPreview', {})).toMatchObject({ count: 2 });
    const up = await a.call('sync.uploadLocal', {});
    expect(up.queued).toBeGreaterThanOrEqual(2);
    await until(
      () => a.call('sync.status', {}),
      (s) => s.phase === 'synced',
    );
    const b = await open();
    await b.call('sync.now', {});
    expect(await b.call('tenants.get', { id: region.id })).toMatchObject({ name: 'Upload Region' });
  });

  it('logs out (keeps changes), logs back in, and forgets the server', async () => {
    const a = await open();
    await a.call('sync.now', {});
    const out = await a.call('sync.disconnect', {});
    expect(out.phase).toBe('signed-out');
    expect(a.syncApp.scheduler.started).toBe(false);
    await a.call('tenants.create', customer('Signed Out Home'));
    expect(await a.call('sync.status', {})).toMatchObject({ phase: 'signed-out', pending: 1 });
    expect((await a.fail('sync.now', {})).message).toMatch(/logged out/);
    await a.call('sync.connect', {
      serverUrl: server.url,
      email: ADMIN.email,
      password: ADMIN.password,
    });
    await until(
      () => a.call('sync.status', {}),
      (s) => s.phase === 'synced' && s.pending === 0,
    );
    const gone = await a.call('sync.disconnect', { forget: true });
    expect(gone).toMatchObject({ phase: 'standalone', serverUrl: null, account: null });
  });

  it('explains a wrong password, a bad address and a server that does not answer', async () => {
    const a = await open(false);
    const wrong = await a.fail('sync.connect', {
      serverUrl: server.url,
      email: ADMIN.email,
      password: 'not the password',
    });
    expect(wrong.code).toBe('UNAUTHORIZED');
    expect(wrong.fields?.[0]?.field).toBe('password');
    const ftp = await a.fail('sync.connect', {
      serverUrl: 'ftp://sync.example.com',
      email: ADMIN.email,
      password: 'x',
    });
    expect(ftp).toMatchObject({ code: 'VALIDATION', fields: [{ field: 'serverUrl' }] });
    expect(ftp.message).toMatch(/https:\/\//);
    const junk = await a.fail('sync.connect', {
      serverUrl: 'not a url',
      email: 'a@b.c',
      password: 'x',
    });
    expect(junk.message).toMatch(/not a server address/);
    const empty = await a.fail('sync.connect', { serverUrl: ' ', email: 'a@b.c', password: 'x' });
    expect(empty.message).toMatch(/Enter the server address/);
    const down = await a.fail('sync.connect', {
      serverUrl: 'http://127.0.0.1:9/',
      email: ADMIN.email,
      password: ADMIN.password,
    });
    expect(down).toMatchObject({ code: 'OFFLINE', fields: [{ field: 'serverUrl' }] });
    expect(down.message).toMatch(/No answer from http:\/\/127\.0\.0\.1:9/);
    expect(await a.call('sync.status', {})).toMatchObject({ phase: 'standalone' });
  });

  it('backs off exponentially while the server is unreachable, and stops its timer on close', async () => {
    const a = await open();
    await a.call('sync.now', {});
    a.sync.state.set('serverUrl', 'http://127.0.0.1:9/');
    await a.call('tenants.create', customer('Offline Home'));
    const s = await until(
      () => a.call('sync.status', {}),
      (v) => v.phase === 'offline',
    );
    expect(s.pending).toBe(1);
    expect(s.nextAttemptAt).not.toBeNull();
    const first = Date.parse(s.nextAttemptAt ?? '') - Date.now();
    expect(first).toBeLessThanOrEqual(400);
    a.sync.state.set('serverUrl', new URL(server.url).toString());
    await until(
      () => a.call('sync.status', {}),
      (v) => v.phase === 'synced' && v.pending === 0,
    );
    a.close();
    expect(a.syncApp.scheduler.started).toBe(false);
    expect(a.syncApp.scheduler.nextAttemptAt()).toBeNull();
  });
});
