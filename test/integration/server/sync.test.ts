import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LAST_SEEN_STEP_MS } from '../../../server/sync/service';
import { PULL_NEXT_HEADER } from '../../../shared/sync/protocol';
import { tenantChangeJsonSql, toSyncTenant, type ServerTenant } from '../../../server/sync/store';
import {
  ADMIN,
  RawClient,
  backends,
  call,
  customerArgs,
  integratorArgs,
  loginToken,
  startTestServer,
  type TestServer,
} from './support';

const list = await backends();

describe.each(list)('sync protocol on %s', (backend) => {
  let server: TestServer;
  let token: string;
  beforeAll(async () => {
    server = await startTestServer(backend);
    token = await loginToken(server.url, ADMIN.email, ADMIN.password);
  });
  afterAll(async () => server?.close());

  it('answers health and readiness', async () => {
    expect((await call(server.url, 'GET', '/health')).status).toBe(200);
    expect((await call(server.url, 'GET', '/ready')).body).toEqual({ ok: true });
  });

  it('applies a pushed create once, however often it is pushed, and pulls it back', async () => {
    const a = new RawClient(server.url, token);
    const m = a.mutation('tenants.create', customerArgs('c-once', 'Once Ltd'));
    const first = await a.push([m]);
    expect(first.body.results).toEqual([{ id: m.id, status: 'applied' }]);
    const again = await a.push([m, m]);
    expect(again.body.results.map((r) => r.duplicate)).toEqual([true, true]);
    const b = new RawClient(server.url, token);
    const { upserts } = await b.pullAll();
    expect([...upserts.values()].filter((r) => r.name === 'Once Ltd')).toHaveLength(1);
    const rows = await server.db.all<{ n: number }>(
      'SELECT COUNT(*) AS n FROM mutation_results WHERE client_id = ?',
      [a.clientId],
    );
    expect(rows[0]?.n).toBe(1);
  });

  it('merges concurrent edits per field by HLC, and reports what was overwritten', async () => {
    const a = new RawClient(server.url, token);
    const b = new RawClient(server.url, token);
    await a.run('tenants.create', customerArgs('c-lww', 'LWW Home'));
    const older = a.hlc();
    const newer = b.hlc(1000);
    expect(
      await b.run(
        'tenants.update',
        { id: 'c-lww', phone: '+1 555 000 0002', address: 'B street' },
        newer,
      ),
    ).toMatchObject({ status: 'applied' });
    const late = await a.run(
      'tenants.update',
      { id: 'c-lww', phone: '+1 555 000 0001', notes: 'from A' },
      older,
    );
    expect(late.status).toBe('applied');
    expect(late.overwritten).toEqual([{ field: 'phone', by: newer }]);
    const { upserts } = await new RawClient(server.url, token).pullAll();
    expect(upserts.get('c-lww')).toMatchObject({
      phone: '+1 555 000 0002',
      address: 'B street',
      notes: 'from A',
    });
  });

  it('lets a delete beat a concurrent edit, rejects the edit permanently and keeps going', async () => {
    const a = new RawClient(server.url, token);
    const b = new RawClient(server.url, token);
    await a.run('tenants.create', integratorArgs('i-del', 'Deleted Co'));
    await a.run('tenants.create', customerArgs('c-del-child', 'Child', 'i-del'));
    const editHlc = b.hlc(1000); // newer than the delete: still loses
    expect(await a.run('tenants.delete', { id: 'i-del' })).toMatchObject({ status: 'applied' });
    const r = await b.push([
      b.mutation('tenants.update', { id: 'i-del', name: 'Renamed' }, editHlc),
      b.mutation('tenants.update', { id: 'c-del-child', name: 'Renamed child' }),
      b.mutation('tenants.create', customerArgs('c-after', 'After the rejects')),
    ]);
    expect(r.body.results.map((x) => [x.status, x.code])).toEqual([
      ['rejected', 'DELETED'],
      ['rejected', 'DELETED'],
      ['applied', undefined],
    ]);
    expect(r.body.results[0]?.message).toMatch(/deleted by someone else/);
    // The tombstone stays: a create cannot bring the id back.
    expect((await a.run('tenants.create', customerArgs('c-del-child', 'Back'))).code).toBe(
      'CONFLICT',
    );
  });

  it('re-runs the disable cascade on the server and sends it as row changes', async () => {
    const a = new RawClient(server.url, token);
    await a.run('tenants.create', integratorArgs('i-cas', 'Cascade Co'));
    await a.run('tenants.create', integratorArgs('i-cas-sub', 'Cascade Sub', 'i-cas'));
    await a.run('tenants.create', customerArgs('c-cas', 'Cascade Home', 'i-cas-sub'));
    const reader = new RawClient(server.url, token);
    const { cursor } = await reader.pullAll();
    await a.run('tenants.disable', { id: 'i-cas' });
    const after = await reader.pullAll(cursor);
    expect([...after.upserts.keys()].sort()).toEqual(['c-cas', 'i-cas', 'i-cas-sub']);
    expect(after.upserts.get('c-cas')?.disabledBy).toBe('i-cas');
    expect((await a.run('tenants.create', customerArgs('c-cas2', 'New', 'i-cas-sub'))).code).toBe(
      'PARENT_DISABLED',
    );
    expect(
      (await a.run('tenants.enable', { id: 'i-cas-sub', mode: 'restore_previous' })).code,
    ).toBe('PARENT_DISABLED');
    await a.run('tenants.enable', { id: 'i-cas', mode: 'restore_previous' });
    const back = await reader.pullAll(after.cursor);
    expect(back.upserts.get('c-cas')?.disabledBy).toBeNull();
  });

  it('refuses a move into its own subtree and a duplicate name', async () => {
    const a = new RawClient(server.url, token);
    await a.run('tenants.create', integratorArgs('i-mv', 'Mover'));
    await a.run('tenants.create', integratorArgs('i-mv-sub', 'Mover Sub', 'i-mv'));
    expect((await a.run('tenants.move', { id: 'i-mv', newParentId: 'i-mv-sub' })).code).toBe(
      'CYCLE',
    );
    await a.run('tenants.create', customerArgs('c-dup1', 'Same Name'));
    const dup = await a.run('tenants.create', customerArgs('c-dup2', ' same name '));
    expect(dup).toMatchObject({ status: 'rejected', code: 'VALIDATION' });
    expect(dup.message).toMatch(/already exists/);
  });

  it('refuses mutations stamped too far in the future, without blocking the next ones', async () => {
    const a = new RawClient(server.url, token);
    const r = await a.push([
      a.mutation('tenants.create', customerArgs('c-future', 'Future'), a.hlc(3_600_000)),
      a.mutation('tenants.create', customerArgs('c-present', 'Present')),
    ]);
    expect(r.body.results.map((x) => x.code ?? x.status)).toEqual(['CLOCK_DRIFT', 'applied']);
  });

  it('moves a tenant out of an account subtree: that client drops it at its next pull', async () => {
    const a = new RawClient(server.url, token);
    await a.run('tenants.create', integratorArgs('i-north', 'North'));
    await a.run('tenants.create', integratorArgs('i-south', 'South'));
    await a.run('tenants.create', customerArgs('c-moving', 'Moving Home', 'i-north'));
    await a.run('tenants.create', customerArgs('c-staying', 'Staying Home', 'i-north'));
    const created = await call(
      server.url,
      'POST',
      '/v1/accounts',
      {
        email: 'north@example.com',
        password: 'north-password-1',
        tenantId: 'i-north',
        role: 'administrator',
      },
      token,
    );
    expect(created.status).toBe(201);
    const north = new RawClient(
      server.url,
      await loginToken(server.url, 'north@example.com', 'north-password-1'),
    );
    const first = await north.pullAll();
    expect([...first.upserts.keys()].sort()).toEqual(['c-moving', 'c-staying', 'i-north']);
    await a.run('tenants.move', { id: 'c-moving', newParentId: 'i-south' });
    const next = await north.pullAll(first.cursor);
    expect([...next.deletes]).toEqual(['c-moving']);
    expect(next.upserts.size).toBe(0);
  });

  it('gives an unknown client, or a cursor from before a reset, a full snapshot', async () => {
    const a = new RawClient(server.url, token);
    const fresh = await a.pull('c:999999999');
    expect(fresh.body.snapshot).toBe(true);
    const all = await a.pullAll('');
    expect(all.upserts.size).toBeGreaterThan(3);
    const again = await a.pull('c:999999999');
    expect(again.body.snapshot).toBe(true);
  });

  it('writes down when it last saw a client at most once a minute, not at every pull', async () => {
    let nowMs = Date.parse('2026-12-03T10:00:00.000Z');
    const clocked = await startTestServer(backend, { now: () => new Date(nowMs) });
    try {
      const c = new RawClient(
        clocked.url,
        await loginToken(clocked.url, ADMIN.email, ADMIN.password),
        undefined,
        () => nowMs,
      );
      const seen = () =>
        clocked.db.get<{ first_seen_at: string; last_seen_at: string }>(
          'SELECT first_seen_at, last_seen_at FROM sync_clients WHERE client_id = ?',
          [c.clientId],
        );
      expect((await c.pull()).status).toBe(200);
      const first = '2026-12-03T10:00:00.000Z';
      expect(await seen()).toEqual({ first_seen_at: first, last_seen_at: first });
      nowMs += LAST_SEEN_STEP_MS - 1000;
      expect((await c.pull()).status).toBe(200);
      await c.run('tenants.create', customerArgs('c-seen', 'Seen Ltd'));
      expect(await seen()).toEqual({ first_seen_at: first, last_seen_at: first });
      nowMs += 2000;
      expect((await c.pull()).status).toBe(200);
      expect(await seen()).toEqual({
        first_seen_at: first,
        last_seen_at: new Date(nowMs).toISOString(),
      });
    } finally {
      await clocked.close();
    }
  });

  it('says where the next page starts in a header ahead of the body, only when more follows', async () => {
    const a = new RawClient(server.url, token);
    for (const n of [1, 2, 3])
      await a.run('tenants.create', customerArgs(`c-next-${n}`, `Next Header ${n}`));
    let cursor = '';
    let pages = 0;
    for (let i = 0; i < 100; i++) {
      const res = await fetch(`${server.url}/v1/sync/pull`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify({ clientId: 'next-header-client', cursor, limit: 2 }),
      });
      const body = (await res.json()) as { cursor: string; more: boolean };
      const next = res.headers.get(PULL_NEXT_HEADER);
      if (body.more) expect(next === null ? null : decodeURIComponent(next)).toBe(body.cursor);
      else expect(next).toBeNull();
      pages++;
      cursor = body.cursor;
      if (!body.more) break;
    }
    expect(pages).toBeGreaterThan(2);
  });

  it('builds a snapshot tenant in the database exactly as toSyncTenant does', async () => {
    const a = new RawClient(server.url, token);
    const odd = 'Quote " backslash \\ tab \t newline \n é 東京 😀';
    const results = await a.push([
      a.mutation('tenants.create', integratorArgs('i-json', `${odd} partner`)),
      a.mutation('tenants.create', customerArgs('c-json', odd, 'i-json')),
      a.mutation('tenants.update', { id: 'c-json', notes: odd, phone: '+49 (30) 1234' }),
      a.mutation('modules.set', { tenantId: 'c-json', moduleId: 'archive', enabled: false }),
      a.mutation('business.set', {
        tenantId: 'i-json',
        settings: { storagePricePerGbMonth: 1.5, trafficPricePerGb: 0, currency: 'EUR', plans: [] },
      }),
      a.mutation('tenants.disable', { id: 'c-json' }),
    ]);
    expect(results.body).toMatchObject({ results: Array(6).fill({ status: 'applied' }) });
    const rows = await server.db.all<ServerTenant & { built: string | Buffer }>(
      `SELECT *, ${tenantChangeJsonSql(server.db.dialect)} AS built FROM tenants`,
    );
    expect(rows.length).toBeGreaterThan(2);
    for (const { built, ...row } of rows)
      expect(JSON.parse(built.toString())).toEqual({ op: 'upsert', row: toSyncTenant(row) });
    const odd1 = rows.find((r) => r.id === 'c-json');
    expect(odd1).toMatchObject({ own_disabled: 1 });
    expect(JSON.parse((odd1?.built ?? '').toString())).toMatchObject({
      row: { name: odd, notes: odd, ownDisabled: true, moduleOverrides: { archive: false } },
    });
    const partner = rows.find((r) => r.id === 'i-json');
    expect(JSON.parse((partner?.built ?? '').toString())).toMatchObject({
      row: { business: { storagePricePerGbMonth: 1.5, currency: 'EUR' } },
    });
  });

  it('refuses malformed, oversized and unknown input with a clear 4xx, writing nothing', async () => {
    const a = new RawClient(server.url, token);
    const before = await server.db.get<{ value: number }>('SELECT value FROM sync_seq');
    const bad = [
      await call(server.url, 'POST', '/v1/sync/push', undefined, token, '{"clientId": "x",'),
      await a.push([{ id: 1, command: 'tenants.explode', args: {}, hlc: a.hlc() }]),
      await a.push([{ id: 'one', command: 'tenants.delete', args: { id: 5 }, hlc: 'yesterday' }]),
      await a.push([
        a.mutation('tenants.create', { ...customerArgs('c-bad', 'Bad'), email: 'nope' }),
      ]),
      await call(
        server.url,
        'POST',
        '/v1/sync/push',
        undefined,
        token,
        JSON.stringify({ clientId: a.clientId, mutations: [], pad: 'x'.repeat(9_000_000) }),
      ),
      await call(server.url, 'POST', '/v1/sync/pull', { clientId: 'short' }, token),
    ];
    expect(bad.map((r) => r.status)).toEqual([400, 400, 400, 400, 413, 400]);
    for (const r of bad)
      expect(r.body).toMatchObject({ code: expect.any(String), message: expect.any(String) });
    expect(JSON.stringify(bad[1]?.body)).toMatch(/command/);
    const after = await server.db.get<{ value: number }>('SELECT value FROM sync_seq');
    expect(after?.value).toBe(before?.value);
    expect((await call(server.url, 'POST', '/v1/nothing', {}, token)).status).toBe(404);
  });
});
