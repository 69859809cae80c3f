import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { COMMAND_NAMES } from '../../../shared/sync/commands';
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

describe.each(list)('accounts, sessions and tenant isolation on %s', (backend) => {
  let server: TestServer;
  let root: RawClient;
  let aToken: string;
  beforeAll(async () => {
    server = await startTestServer(backend, { loginAttemptsPerMinute: 5 });
    root = new RawClient(server.url, await loginToken(server.url, ADMIN.email, ADMIN.password));
    await root.run('tenants.create', integratorArgs('int-a', 'Integrator A'));
    await root.run('tenants.create', integratorArgs('int-b', 'Integrator B'));
    await root.run('tenants.create', customerArgs('cust-a', 'Customer A', 'int-a'));
    await root.run('tenants.create', customerArgs('cust-b', 'Customer B', 'int-b'));
    await root.run('tenants.create', integratorArgs('int-b-sub', 'B Sub', 'int-b'));
    for (const [email, tenantId, role] of [
      ['a-admin@example.com', 'int-a', 'administrator'],
      ['b-admin@example.com', 'int-b', 'administrator'],
      ['a-installer@example.com', 'int-a', 'installer'],
      ['a-support@example.com', 'int-a', 'support'],
      ['user-b@example.com', 'cust-b', 'customer'],
    ] as const) {
      const r = await call(
        server.url,
        'POST',
        '/v1/accounts',
        { email, password: 'long-enough-pw', tenantId, role },
        root.token,
      );
      expect(r.status).toBe(201);
    }
    aToken = await loginToken(server.url, 'a-admin@example.com', 'long-enough-pw');
  });
  afterAll(async () => server?.close());

  it('refuses a wrong password, then rate-limits the attempts', async () => {
    const attempt = () =>
      call(server.url, 'POST', '/v1/auth/login', {
        email: 'nobody@example.com',
        password: 'wrong',
      });
    const statuses = [];
    for (let i = 0; i < 7; i++) statuses.push((await attempt()).status);
    expect(statuses.slice(0, 5)).toEqual([401, 401, 401, 401, 401]);
    expect(statuses.slice(5)).toEqual([429, 429]);
  });

  it('refuses wrong, revoked and disabled-account tokens', async () => {
    expect((await call(server.url, 'GET', '/v1/auth/me', undefined, 'not-a-token')).status).toBe(
      401,
    );
    expect((await call(server.url, 'GET', '/v1/auth/me')).status).toBe(401);
    const t = await loginToken(server.url, 'a-installer@example.com', 'long-enough-pw');
    expect((await call(server.url, 'GET', '/v1/auth/me', undefined, t)).body).toMatchObject({
      role: 'installer',
    });
    expect((await call(server.url, 'POST', '/v1/auth/logout', {}, t)).status).toBe(200);
    expect((await call(server.url, 'GET', '/v1/auth/me', undefined, t)).status).toBe(401);
  });

  it('refuses an expired token', async () => {
    const short = await startTestServer(backend, { sessionTtlMs: 300 });
    try {
      const t = await loginToken(short.url, ADMIN.email, ADMIN.password);
      expect((await call(short.url, 'GET', '/v1/auth/me', undefined, t)).status).toBe(200);
      await new Promise((r) => setTimeout(r, 450));
      const r = await call(short.url, 'GET', '/v1/auth/me', undefined, t);
      expect(r.status).toBe(401);
      expect(r.body).toMatchObject({ code: 'UNAUTHORIZED' });
    } finally {
      await short.close();
    }
  });

  it('refuses a customer user of a disabled customer, or under a disabled integrator, with the reason', async () => {
    expect(
      (await loginToken(server.url, 'user-b@example.com', 'long-enough-pw')).length,
    ).toBeGreaterThan(10);
    await root.run('tenants.disable', { id: 'int-b' });
    const r = await call(server.url, 'POST', '/v1/auth/login', {
      email: 'user-b@example.com',
      password: 'long-enough-pw',
    });
    expect(r.status).toBe(403);
    expect(r.body).toMatchObject({ code: 'TENANT_DISABLED' });
    expect(JSON.stringify(r.body)).toContain('Integrator B');
    await root.run('tenants.enable', { id: 'int-b', mode: 'restore_previous' });
    await root.run('tenants.disable', { id: 'cust-b' });
    const r2 = await call(server.url, 'POST', '/v1/auth/login', {
      email: 'user-b@example.com',
      password: 'long-enough-pw',
    });
    expect(r2.body).toMatchObject({
      code: 'TENANT_DISABLED',
      message: expect.stringContaining('Customer B is disabled'),
    });
    await root.run('tenants.enable', { id: 'cust-b', mode: 'restore_previous' });
  });

  it('lets integrator A pull only its own subtree', async () => {
    const a = new RawClient(server.url, aToken);
    const { upserts } = await a.pullAll();
    expect([...upserts.keys()].sort()).toEqual(['cust-a', 'int-a']);
    const chain = (await a.pull()).body.chain.map((c) => c.id);
    expect(chain).toEqual(['root', 'int-a']);
    const refreshed = await a.pull('', [{ id: 'cust-b', subtree: true }, { id: 'int-b' }]);
    expect(
      refreshed.body.changes.filter((c) => c.op === 'upsert' && c.row.id.includes('b')),
    ).toEqual([]);
  });

  it('refuses every command of integrator A on integrator B, with real and guessed ids', async () => {
    const a = new RawClient(server.url, aToken);
    const targets = ['int-b', 'cust-b', 'int-b-sub', 'root', 'guessed-id-123'];
    const mutations = [];
    for (const id of targets) {
      mutations.push(
        a.mutation('tenants.create', customerArgs(`new-under-${id}`, `X ${id}`, id)),
        a.mutation('tenants.update', { id, name: 'Hacked' }),
        a.mutation('tenants.move', { id, newParentId: 'int-a' }),
        a.mutation('tenants.move', { id: 'cust-a', newParentId: id }),
        a.mutation('tenants.delete', { id }),
        a.mutation('tenants.disable', { id }),
        a.mutation('tenants.enable', { id, mode: 'enable_all_cameras' }),
        a.mutation('modules.set', { tenantId: id, moduleId: 'live_video', enabled: false }),
        a.mutation('business.set', {
          tenantId: id,
          settings: { storagePricePerGbMonth: 1, trafficPricePerGb: 1, currency: 'EUR', plans: [] },
        }),
        a.mutation('records.put', {
          kind: 'camera',
          id: `cam-under-${id}`,
          tenantId: id,
          fields: { name: 'Intruder', kind: 'rtsp', address: 'rtsp://10.0.0.1/s', model: '' },
        }),
        a.mutation('records.delete', { kind: 'user', id: `user-of-${id}` }),
      );
    }
    expect(new Set(mutations.map((m) => m.command))).toEqual(new Set(COMMAND_NAMES));
    const r = await a.push(mutations);
    expect(r.status).toBe(200);
    const applied = r.body.results.filter((x) => x.status !== 'rejected');
    expect(applied).toEqual([]);
    // Nothing of B changed.
    const b = await server.db.all<{
      id: string;
      name: string;
      parent_id: string;
      own_disabled: number;
    }>(
      "SELECT id, name, parent_id, own_disabled FROM tenants WHERE id IN ('int-b', 'cust-b', 'int-b-sub') ORDER BY id",
    );
    expect(b).toEqual([
      { id: 'cust-b', name: 'Customer B', parent_id: 'int-b', own_disabled: 0 },
      { id: 'int-b', name: 'Integrator B', parent_id: 'root', own_disabled: 0 },
      { id: 'int-b-sub', name: 'B Sub', parent_id: 'int-b', own_disabled: 0 },
    ]);
    expect(
      (
        await server.db.get<{ n: number }>(
          "SELECT COUNT(*) AS n FROM tenants WHERE id LIKE 'new-under-%'",
        )
      )?.n,
    ).toBe(0);
  });

  it('refuses account administration outside the subtree and by non-administrators', async () => {
    const r = await call(
      server.url,
      'POST',
      '/v1/accounts',
      {
        email: 'sneaky@example.com',
        password: 'long-enough-pw',
        tenantId: 'int-b',
        role: 'administrator',
      },
      aToken,
    );
    expect(r.status).toBe(404);
    const listed = await call<{ email: string }[]>(
      server.url,
      'GET',
      '/v1/accounts',
      undefined,
      aToken,
    );
    expect(listed.body.map((x) => x.email).sort()).toEqual([
      'a-admin@example.com',
      'a-installer@example.com',
      'a-support@example.com',
    ]);
    const support = await loginToken(server.url, 'a-support@example.com', 'long-enough-pw');
    expect((await call(server.url, 'GET', '/v1/accounts', undefined, support)).status).toBe(403);
  });

  it('limits installers to onboarding and support staff to reading', async () => {
    const inst = new RawClient(
      server.url,
      await loginToken(server.url, 'a-installer@example.com', 'long-enough-pw'),
    );
    expect(
      (await inst.run('tenants.create', customerArgs('cust-inst', 'Installed Home', 'int-a')))
        .status,
    ).toBe('applied');
    expect((await inst.run('tenants.delete', { id: 'cust-inst' })).code).toBe('FORBIDDEN');
    const sup = new RawClient(
      server.url,
      await loginToken(server.url, 'a-support@example.com', 'long-enough-pw'),
    );
    expect((await sup.run('tenants.update', { id: 'cust-a', notes: 'x' })).code).toBe('FORBIDDEN');
    expect((await sup.pullAll()).upserts.has('cust-inst')).toBe(true);
  });

  it('refuses a client id that belongs to another account', async () => {
    const a = new RawClient(server.url, aToken, 'shared-client-id');
    expect((await a.pull()).status).toBe(200);
    const b = new RawClient(
      server.url,
      await loginToken(server.url, 'b-admin@example.com', 'long-enough-pw'),
      'shared-client-id',
    );
    expect((await b.pull()).status).toBe(409);
  });
});
