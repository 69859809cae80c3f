/**
 * A push is applied in chunks, one transaction each, with a savepoint per mutation
 * (server/sync/chunk.ts): a rejected mutation undoes only itself, every mutation keeps its own
 * result and idempotency record, and sequence numbers follow the order of the batch.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PushChunk } from '../../../server/sync/chunk';
import {
  ADMIN,
  RawClient,
  backends,
  customerArgs,
  integratorArgs,
  loginToken,
  startTestServer,
  type TestServer,
} from './support';

const list = await backends();

describe.each(list)('batched push on %s', (backend) => {
  let server: TestServer;
  let token: string;
  beforeAll(async () => {
    server = await startTestServer(backend);
    token = await loginToken(server.url, ADMIN.email, ADMIN.password);
  });
  afterAll(async () => server?.close());

  const storedResults = (clientId: string) =>
    server.db.all<{ mutation_id: number; status: string; code: string | null; seq: number | null }>(
      'SELECT mutation_id, status, code, seq FROM mutation_results WHERE client_id = ? ORDER BY mutation_id',
      [clientId],
    );

  it('applies the mutations around a rejected one, each with its own result, once', async () => {
    const a = new RawClient(server.url, token);
    const batch = [
      a.mutation('tenants.create', integratorArgs('sp-int', 'Savepoint Integrator')),
      a.mutation('tenants.create', customerArgs('sp-before', 'Before Ltd', 'sp-int')),
      // Rejected: a second "Before Ltd" under the same integrator.
      a.mutation('tenants.create', customerArgs('sp-clash', 'before ltd', 'sp-int')),
      a.mutation('tenants.create', customerArgs('sp-after', 'After Ltd', 'sp-int')),
      a.mutation('tenants.update', { id: 'sp-before', phone: '+1 555 0100' }),
    ];
    const first = await a.push(batch);
    expect(first.status).toBe(200);
    expect(first.body.results.map((r) => [r.id, r.status, r.code])).toEqual([
      [batch[0]?.id, 'applied', undefined],
      [batch[1]?.id, 'applied', undefined],
      [batch[2]?.id, 'rejected', 'VALIDATION'],
      [batch[3]?.id, 'applied', undefined],
      [batch[4]?.id, 'applied', undefined],
    ]);
    expect(first.body.results[2]?.message).toMatch(/already exists under Savepoint Integrator/);

    const rows = await server.db.all<{ id: string; phone: string }>(
      "SELECT id, phone FROM tenants WHERE id LIKE 'sp-%' ORDER BY id",
    );
    expect(rows).toEqual([
      { id: 'sp-after', phone: '' },
      { id: 'sp-before', phone: '+1 555 0100' },
      { id: 'sp-int', phone: '' },
    ]);
    const stored = await storedResults(a.clientId);
    expect(stored.map((r) => [r.status, r.code])).toEqual([
      ['applied', null],
      ['applied', null],
      ['rejected', 'VALIDATION'],
      ['applied', null],
      ['applied', null],
    ]);
    // Consecutive sequence numbers in the batch's order; none for the rejected one.
    const seqs = stored.map((r) => r.seq);
    const base = Number(seqs[0]);
    expect(seqs).toEqual([base, base + 1, null, base + 2, base + 3]);
    const log = await server.db.all<{ seq: number; tenant_id: string }>(
      'SELECT seq, tenant_id FROM change_log WHERE seq >= ? AND seq <= ? ORDER BY seq',
      [base, base + 3],
    );
    expect(log.map((l) => [Number(l.seq), l.tenant_id])).toEqual([
      [base, 'sp-int'],
      [base + 1, 'sp-before'],
      [base + 2, 'sp-after'],
      [base + 3, 'sp-before'],
    ]);

    // The same batch again: every mutation a duplicate, answered as the first time, nothing new.
    const head = await server.db.get<{ value: number }>('SELECT value FROM sync_seq WHERE id = 1');
    const again = await a.push(batch);
    expect(again.body.results).toEqual(first.body.results.map((r) => ({ ...r, duplicate: true })));
    expect(await server.db.get('SELECT value FROM sync_seq WHERE id = 1')).toEqual(head);
    expect(await storedResults(a.clientId)).toEqual(stored);
  });

  it('pins a collision of deferred creates on the mutation that made it', async () => {
    const a = new RawClient(server.url, token);
    // An id with a slash gives a path that a later create under "co" would also get:
    // /root/co/x/. The name checks cannot see it; the unique path index does.
    const batch = [
      a.mutation('tenants.create', integratorArgs('co', 'Collision Integrator')),
      a.mutation('tenants.create', customerArgs('co/x', 'Slash Ltd')),
      a.mutation('tenants.create', customerArgs('x', 'Below Ltd', 'co')),
      a.mutation('tenants.create', customerArgs('co-after', 'After Collision Ltd')),
    ];
    const r = await a.push(batch);
    expect(r.body.results.map((x) => [x.status, x.code])).toEqual([
      ['applied', undefined],
      ['applied', undefined],
      ['rejected', 'CONFLICT'],
      ['applied', undefined],
    ]);
    const ids = await server.db.all<{ id: string }>(
      "SELECT id FROM tenants WHERE id IN ('co', 'co/x', 'x', 'co-after') ORDER BY id",
    );
    expect(ids.map((x) => x.id)).toEqual(['co', 'co-after', 'co/x']);
    const again = await a.push(batch);
    expect(again.body.results.every((x) => x.duplicate)).toBe(true);
  });

  it('answers a batch larger than a chunk in order, rejections at any place', async () => {
    const a = new RawClient(server.url, token);
    await a.run('tenants.create', integratorArgs('big-int', 'Big Batch Integrator'));
    const batch = Array.from({ length: 450 }, (_, i) =>
      i % 97 === 5
        ? a.mutation('tenants.update', { id: `big-missing-${i}`, phone: '+1 555 0101' })
        : a.mutation('tenants.create', customerArgs(`big-${i}`, `Big ${i}`, 'big-int')),
    );
    const r = await a.push(batch);
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    expect(r.body.results.map((x) => x.id)).toEqual(batch.map((m) => m.id));
    const rejected = r.body.results.filter((x) => x.status === 'rejected');
    expect(rejected.map((x) => x.code)).toEqual(Array(5).fill('NOT_FOUND'));
    const n = await server.db.get<{ n: number }>(
      "SELECT COUNT(*) AS n FROM tenants WHERE parent_id = 'big-int'",
    );
    expect(Number(n?.n)).toBe(445);
    expect(await storedResults(a.clientId)).toHaveLength(451);
  });

  it('rolls a mutation that failed after writing back to its savepoint, and goes on', async () => {
    const now = new Date().toISOString();
    const row = (id: string, name: string) => ({
      id,
      kind: 'customer' as const,
      parent_id: 'root',
      path: `/root/${id}/`,
      depth: 1,
      name,
      name_key: name.toLowerCase(),
      contact_person: '',
      email: '',
      phone: '',
      address: '',
      time_zone: 'UTC',
      notes: '',
      own_disabled: 0,
      disabled_by: null,
      module_overrides: '{}',
      business: null,
      field_clock: '{}',
      created_at: now,
      updated_at: now,
    });
    let failure: unknown;
    await server.db.transaction(async (tx) => {
      const chunk = new PushChunk(tx, true);
      chunk.begin(0);
      await chunk.store.insert(row('spt-kept', 'Kept One'));
      chunk.begin(1);
      // A deferred create, a direct write, then a write that fails (the same primary key).
      await chunk.store.insert(row('spt-undone', 'Undone One'));
      await chunk.store.update('root', { notes: 'touched by an undone mutation' });
      try {
        await chunk.tx.run(
          "INSERT INTO tenants (id, kind, parent_id, path, depth, name, name_key, created_at, updated_at) VALUES ('spt-kept', 'customer', 'root', '/root/other/', 1, 'Other', 'other', '', '')",
        );
      } catch (err) {
        failure = err;
        await chunk.undo();
      }
      chunk.begin(2);
      await chunk.store.insert(row('spt-after', 'After One'));
      await chunk.finish();
    });
    expect(failure).toBeDefined();
    const ids = await server.db.all<{ id: string }>(
      "SELECT id FROM tenants WHERE id LIKE 'spt-%' ORDER BY id",
    );
    expect(ids.map((r) => r.id)).toEqual(['spt-after', 'spt-kept']);
    const root = await server.db.get<{ notes: string }>(
      "SELECT notes FROM tenants WHERE id = 'root'",
    );
    expect(root?.notes).toBe('');
  });
});
