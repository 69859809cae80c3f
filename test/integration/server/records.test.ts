/**
 * Users, roles and cameras as sync records on the server (SQLite and PostgreSQL): per-field
 * last-writer-wins, delete beats edit, tenant isolation with real and guessed ids, cascades of
 * tenant deletes and moves, the schema upgrade of an existing database, and customer users
 * signing in with the hash the desktop made.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashPassword } from '../../../electron/people/password';
import { migrateServer } from '../../../server/db/schema';
import { recordChangeTextSql } from '../../../server/sync/records';
import {
  CAMERA_ROWS_FORMAT,
  cameraRecordRow,
  pullResponseOfWire,
  pullResponseSchema,
  pullWireResponseSchema,
} from '../../../shared/sync/protocol';
import type { SyncRecord } from '../../../shared/sync/records';
import { cameraFields } from '../../support/sync-records';
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

const userFields = (login: string, extra: Record<string, unknown> = {}) => ({
  name: `User ${login}`,
  login,
  phone: '',
  type: 'customer_user',
  active: true,
  isOwner: false,
  forcePasswordChange: false,
  passwordHash: null,
  roleIds: [],
  ...extra,
});

type Change =
  | { op: 'record'; record: SyncRecord }
  | { op: 'recordDelete'; kind: string; id: string }
  | { op: 'upsert' | 'delete' };

/**
 * Pulls until up to date; answers the records by `kind:id` (null when deleted). With `formats`,
 * the answers are read as the desktop's pull worker reads them (camera rows into records), and
 * `cameraRows` counts the rows that came.
 */
async function pullRecords(client: RawClient, cursor = '', formats?: string[]) {
  const records = new Map<string, SyncRecord | null>();
  let cameraRows = 0;
  for (let i = 0; i < 100; i++) {
    const r = await client.pull(cursor, [], undefined, formats);
    expect(r.status).toBe(200);
    const wire = pullWireResponseSchema.parse(r.body);
    for (const c of wire.changes) if (c.op === CAMERA_ROWS_FORMAT) cameraRows += c.rows.length;
    const changes = formats ? pullResponseOfWire(wire).changes : r.body.changes;
    for (const c of changes as unknown as Change[]) {
      if (c.op === 'record') records.set(`${c.record.kind}:${c.record.id}`, c.record);
      if (c.op === 'recordDelete') records.set(`${c.kind}:${c.id}`, null);
    }
    cursor = r.body.cursor;
    if (!r.body.more) break;
  }
  return { records, cursor, cameraRows };
}

describe.each(list)('records (users, roles, cameras) on %s', (backend) => {
  let server: TestServer;
  let root: RawClient;
  let aToken: string;
  beforeAll(async () => {
    server = await startTestServer(backend);
    root = new RawClient(server.url, await loginToken(server.url, ADMIN.email, ADMIN.password));
    await root.run('tenants.create', integratorArgs('int-a', 'Integrator A'));
    await root.run('tenants.create', integratorArgs('int-b', 'Integrator B'));
    await root.run('tenants.create', customerArgs('cust-a', 'Customer A', 'int-a'));
    await root.run('tenants.create', customerArgs('cust-b', 'Customer B', 'int-b'));
    const r = await call(
      server.url,
      'POST',
      '/v1/accounts',
      {
        email: 'a-admin@example.com',
        password: 'long-enough-pw',
        tenantId: 'int-a',
        role: 'administrator',
      },
      root.token,
    );
    expect(r.status).toBe(201);
    aToken = await loginToken(server.url, 'a-admin@example.com', 'long-enough-pw');
  });
  afterAll(async () => server?.close());

  it('creates records, merges concurrent fields by HLC, and pulls them to another client', async () => {
    const a = new RawClient(server.url, root.token);
    const b = new RawClient(server.url, root.token);
    const put = (fields: Record<string, unknown>) => ({
      kind: 'user',
      id: 'u-lww',
      tenantId: 'cust-a',
      fields,
    });
    expect(await a.run('records.put', put(userFields('lww@example.com')))).toMatchObject({
      status: 'applied',
    });
    const older = a.hlc();
    const newer = b.hlc(1000);
    expect(
      await b.run('records.put', put({ phone: '+1 555 000 0002', name: 'B name' }), newer),
    ).toMatchObject({ status: 'applied' });
    const late = await a.run('records.put', put({ name: 'A name', active: false }), older);
    expect(late).toMatchObject({ status: 'applied', overwritten: [{ field: 'name' }] });
    const { records } = await pullRecords(new RawClient(server.url, root.token));
    expect(records.get('user:u-lww')).toMatchObject({
      tenantId: 'cust-a',
      data: { name: 'B name', phone: '+1 555 000 0002', active: false },
    });
  });

  it('lets a delete beat an edit, and never brings a deleted id back', async () => {
    const a = new RawClient(server.url, root.token);
    const camera = { kind: 'camera', id: 'cam-del', tenantId: 'cust-a' };
    await a.run('records.put', { ...camera, fields: cameraFields('Door') });
    const { cursor } = await pullRecords(a);
    const editHlc = a.hlc();
    expect(await a.run('records.delete', { kind: 'camera', id: 'cam-del' })).toMatchObject({
      status: 'applied',
    });
    expect(
      await a.run('records.put', { ...camera, fields: { name: 'Late' } }, editHlc),
    ).toMatchObject({ status: 'rejected', code: 'DELETED' });
    expect(await a.run('records.put', { ...camera, fields: cameraFields('Again') })).toMatchObject({
      status: 'rejected',
      code: 'DELETED',
    });
    expect(await a.run('records.delete', { kind: 'camera', id: 'cam-del' })).toMatchObject({
      status: 'applied',
    });
    const after = await pullRecords(a, cursor);
    expect(after.records.get('camera:cam-del')).toBeNull();
  });

  it('keeps a record in its customer, of the right kind, with unique logins and role names', async () => {
    const a = new RawClient(server.url, root.token);
    await a.run('records.put', {
      kind: 'user',
      id: 'u-stay',
      tenantId: 'cust-a',
      fields: userFields('stay@example.com'),
    });
    expect(
      await a.run('records.put', {
        kind: 'user',
        id: 'u-stay',
        tenantId: 'cust-b',
        fields: { name: 'Moved' },
      }),
    ).toMatchObject({ status: 'rejected', code: 'VALIDATION' });
    expect(
      await a.run('records.put', {
        kind: 'camera',
        id: 'cam-int',
        tenantId: 'int-a',
        fields: cameraFields('On integrator'),
      }),
    ).toMatchObject({ status: 'rejected', code: 'VALIDATION' });
    expect(
      await a.run('records.put', {
        kind: 'user',
        id: 'u-manager',
        tenantId: 'int-a',
        fields: userFields('manager@example.com', { type: 'program_admin' }),
      }),
    ).toMatchObject({ status: 'applied' });
    expect(
      await a.run('records.put', {
        kind: 'user',
        id: 'u-twin',
        tenantId: 'cust-b',
        fields: userFields('STAY@example.com'.toLowerCase()),
      }),
    ).toMatchObject({
      status: 'rejected',
      code: 'VALIDATION',
      message: expect.stringContaining('login'),
    });
    const role = (id: string, name: string) => ({
      kind: 'role',
      id,
      tenantId: 'cust-a',
      fields: { name, description: '', type: 'guard', grants: {} },
    });
    expect(await a.run('records.put', role('r-1', 'Guards'))).toMatchObject({ status: 'applied' });
    expect(await a.run('records.put', role('r-2', 'guards'))).toMatchObject({ status: 'rejected' });
    // An edit of a record the server never received (incomplete fields) is refused.
    expect(
      await a.run('records.put', {
        kind: 'role',
        id: 'r-never',
        tenantId: 'cust-a',
        fields: { name: 'X' },
      }),
    ).toMatchObject({ status: 'rejected', code: 'NOT_FOUND' });
  });

  it('keeps one owner per customer: the newest claim wins, an older one loses the flag', async () => {
    await root.run('tenants.create', customerArgs('cust-own', 'Owner Co', 'int-a'));
    const a = new RawClient(server.url, root.token);
    const b = new RawClient(server.url, root.token);
    const owner = (id: string) => ({
      kind: 'user',
      id,
      tenantId: 'cust-own',
      fields: userFields(`${id}@owner.example`, { isOwner: true }),
    });
    const older = a.hlc();
    expect(await b.run('records.put', owner('own-1'), b.hlc(1000))).toMatchObject({
      status: 'applied',
    });
    expect(await a.run('records.put', owner('own-2'), older)).toMatchObject({
      status: 'applied',
      overwritten: [{ field: 'isOwner' }],
    });
    expect(await a.run('records.put', owner('own-3'), a.hlc(2000))).toMatchObject({
      status: 'applied',
    });
    const rows = await server.db.all<{ id: string; data: string }>(
      "SELECT id, data FROM records WHERE kind = 'user' AND tenant_id = 'cust-own' ORDER BY id",
    );
    expect(rows.map((r) => [r.id, (JSON.parse(r.data) as { isOwner: boolean }).isOwner])).toEqual([
      ['own-1', false],
      ['own-2', false],
      ['own-3', true],
    ]);
  });

  it('refuses records outside the account subtree, with real and guessed ids alike', async () => {
    await root.run('records.put', {
      kind: 'user',
      id: 'u-of-b',
      tenantId: 'cust-b',
      fields: userFields('b-user@example.com'),
    });
    const a = new RawClient(server.url, aToken);
    const results = await a.push([
      a.mutation('records.put', {
        kind: 'user',
        id: 'u-new-in-b',
        tenantId: 'cust-b',
        fields: userFields('intruder@example.com'),
      }),
      a.mutation('records.put', {
        kind: 'user',
        id: 'u-new-guess',
        tenantId: 'guessed-tenant-42',
        fields: userFields('guess@example.com'),
      }),
      a.mutation('records.put', {
        kind: 'user',
        id: 'u-of-b',
        tenantId: 'cust-b',
        fields: { name: 'Hacked' },
      }),
      a.mutation('records.put', {
        kind: 'user',
        id: 'u-of-b',
        tenantId: 'cust-a',
        fields: { name: 'Hacked' },
      }),
      a.mutation('records.delete', { kind: 'user', id: 'u-of-b' }),
      a.mutation('records.delete', { kind: 'user', id: 'guessed-user-42' }),
    ]);
    expect(results.body.results.map((r) => [r.status, r.code])).toEqual(
      Array.from({ length: 6 }, () => ['rejected', 'NOT_FOUND']),
    );
    const stored = await server.db.get<{ data: string }>(
      "SELECT data FROM records WHERE kind = 'user' AND id = 'u-of-b'",
    );
    expect(JSON.parse(stored?.data ?? '{}')).toMatchObject({ name: 'User b-user@example.com' });
    const { records } = await pullRecords(a);
    expect([...records.values()].map((r) => r?.tenantId)).not.toContain('cust-b');
    expect(records.has('user:u-of-b')).toBe(false);
    const refreshed = await a.pull('', [{ id: 'u-of-b', kind: 'user' }]);
    expect(JSON.stringify(refreshed.body.changes)).not.toContain('b-user@example.com');
  });

  it("pages a snapshot's records at any page size: each once, kinds in order, as a whole pull", async () => {
    // Two customers with cameras, roles and users, between the other tests' records.
    for (const c of ['cust-page-1', 'cust-page-2']) {
      await root.run('tenants.create', customerArgs(c, `Paged ${c}`, 'int-a'));
      for (let i = 0; i < 4; i++) {
        const put = async (kind: string, id: string, fields: Record<string, unknown>) =>
          expect(await root.run('records.put', { kind, id, tenantId: c, fields })).toMatchObject({
            status: 'applied',
          });
        await put('user', `${c}-u${i}`, userFields(`${c}-u${i}@page.example`));
        await put('camera', `${c}-cam${i}`, cameraFields(`Cam ${i}`));
        if (i < 2)
          await put('role', `${c}-r${i}`, {
            name: `Role ${i}`,
            description: '',
            type: 'guard',
            grants: {},
          });
      }
    }
    // The whole snapshot in one page, and through an account of int-a only (not root's tree).
    const whole = await pullRecords(new RawClient(server.url, aToken));
    const all = [...whole.records.keys()].sort();
    expect(all.filter((k) => k.includes('cust-page-')).length).toBe(20);
    const order = ['camera', 'role', 'user'];
    // In object form and with the cameras as rows (each row counts as a change).
    for (const [limit, formats] of [1, 2, 3, 7, 20, 10_000].flatMap((n) => [
      [n, undefined] as const,
      [n, [CAMERA_ROWS_FORMAT]] as const,
    ])) {
      const client = new RawClient(server.url, aToken);
      const seen: string[] = [];
      const pages: { size: number; more: boolean }[] = [];
      let cursor = '';
      for (let i = 0; i < 500; i++) {
        const r = await client.pull(cursor, [], limit, formats && [...formats]);
        expect(r.status).toBe(200);
        const wire = pullWireResponseSchema.parse(r.body);
        const rows = wire.changes.filter((c) => c.op === CAMERA_ROWS_FORMAT);
        expect(rows.length).toBeLessThanOrEqual(formats ? 1 : 0);
        if (!formats) expect(pullResponseSchema.safeParse(r.body).success).toBe(true);
        const changes = pullResponseOfWire(wire).changes as unknown as Change[];
        if (formats)
          expect(
            changes.filter((c) => c.op === 'record' && c.record.kind === 'camera').length,
          ).toBe(rows[0]?.rows.length ?? 0);
        const kinds = changes.flatMap((c) =>
          c.op === 'record' ? [order.indexOf(c.record.kind)] : [],
        );
        expect(kinds).toEqual([...kinds].sort((x, y) => x - y));
        for (const c of changes) {
          if (c.op !== 'record') continue;
          seen.push(`${c.record.kind}:${c.record.id}`);
          expect(c.record).toEqual(whole.records.get(`${c.record.kind}:${c.record.id}`));
        }
        pages.push({ size: changes.length, more: r.body.more });
        cursor = r.body.cursor;
        if (!r.body.snapshot || r.body.snapshotDone) break;
      }
      expect([...seen].sort()).toEqual(all);
      // Every page but the last is full (tenants and records count alike).
      for (const p of pages.slice(0, -1)) expect(p.size).toBe(limit);
      expect(pages[pages.length - 1]?.size).toBeLessThanOrEqual(limit);
    }
  });

  it('sends the same record text from a snapshot (built by the database) as from the change log', async () => {
    await root.run('tenants.create', customerArgs('cust-text', 'Text Co', 'int-a'));
    const awkward = 'Quote " backslash \\ tab \t newline \n bell \u0007 é 東京 😀 </script>';
    const camera = {
      kind: 'camera',
      id: 'cam-text_1',
      tenantId: 'cust-text',
      fields: cameraFields(awkward, {
        model: awkward,
        deviceInfo: {
          manufacturer: awkward,
          model: 'M',
          firmwareVersion: '1',
          serialNumber: 'S',
          hardwareId: 'H',
        },
      }),
    };
    expect(await root.run('records.put', camera)).toMatchObject({ status: 'applied' });
    const user = {
      kind: 'user',
      id: 'u-text',
      tenantId: 'cust-text',
      fields: userFields('text@example.com', { name: awkward }),
    };
    expect(await root.run('records.put', user)).toMatchObject({ status: 'applied' });

    // A snapshot page: the records' JSON comes from SQL; the whole answer passes the desktop's schema.
    const client = new RawClient(server.url, root.token);
    const first = await client.pull('');
    expect(pullResponseSchema.safeParse(first.body).success).toBe(true);
    const snapshot = await pullRecords(client);
    const fromSnapshot = snapshot.records.get('camera:cam-text_1');
    expect(fromSnapshot).toMatchObject({ tenantId: 'cust-text', data: camera.fields });
    expect(snapshot.records.get('user:u-text')).toMatchObject({ data: { name: awkward } });

    // The change log's copy (recordChangeJson) of the same record, after an edit and its undo.
    expect(await root.run('records.put', { ...camera, fields: { enabled: false } })).toMatchObject({
      status: 'applied',
    });
    expect(await root.run('records.put', { ...camera, fields: { enabled: true } })).toMatchObject({
      status: 'applied',
    });
    const fromLog = (await pullRecords(client, snapshot.cursor)).records.get('camera:cam-text_1');
    expect(fromLog).toEqual({ ...fromSnapshot, updatedAt: fromLog?.updatedAt });
  });

  it("keeps each record's stored change JSON equal to the record, whoever writes it", async () => {
    await root.run('tenants.create', customerArgs('cust-json', 'Json Co', 'int-a'));
    const put = (kind: string, id: string, fields: Record<string, unknown>) =>
      root.run('records.put', { kind, id, tenantId: 'cust-json', fields });
    expect(await put('camera', 'cam-json', cameraFields('Json "door"'))).toMatchObject({
      status: 'applied',
    });
    expect(
      await put('user', 'u-json-1', userFields('json1@example.com', { isOwner: true })),
    ).toMatchObject({ status: 'applied' });
    // An edit, and an ownership handed over (which rewrites the other user's record too).
    expect(await put('camera', 'cam-json', { name: 'Json \\ yard' })).toMatchObject({
      status: 'applied',
    });
    expect(
      await put('user', 'u-json-2', userFields('json2@example.com', { isOwner: true })),
    ).toMatchObject({ status: 'applied' });
    // A writer that knows nothing of the column (a server of an older version on this database).
    await server.db.run(
      `UPDATE records SET data = ?, updated_at = ? WHERE kind = 'camera' AND id = 'cam-json'`,
      [JSON.stringify(cameraFields('Written by an older server')), '2026-12-03T12:00:00.000Z'],
    );
    await root.run('tenants.move', { id: 'cust-json', newParentId: 'root' });

    type Stored = {
      kind: string;
      id: string;
      change_json: string | null;
      row_json: string | null;
      data: string;
    };
    const stored = async () =>
      server.db.all<Stored & Record<string, string>>(
        `SELECT kind, id, change_json, row_json, data, tenant_id, created_at, updated_at
         FROM records WHERE tenant_id = 'cust-json' ORDER BY kind, id`,
      );
    const expected = (r: Stored & Record<string, string>) =>
      ({
        kind: r.kind,
        id: r.id,
        tenantId: r.tenant_id,
        data: JSON.parse(r.data) as unknown,
        createdAt: r.created_at,
        updatedAt: r.updated_at,
      }) as SyncRecord;
    /** A camera holds its row and no change JSON; the others their change JSON and no row. */
    const expectStoredEqual = async () => {
      const rows = await stored();
      expect(rows.map((r) => r.id)).toEqual(['cam-json', 'u-json-1', 'u-json-2']);
      for (const r of rows) {
        const record = expected(r);
        if (record.kind === 'camera') {
          expect(r.change_json).toBeNull();
          expect(JSON.parse(r.row_json ?? '')).toEqual(cameraRecordRow(record));
        } else {
          expect(r.row_json).toBeNull();
          expect(JSON.parse(r.change_json ?? '')).toEqual({ op: 'record', record });
        }
      }
      return rows;
    };
    const rows = await expectStoredEqual();
    expect(JSON.parse(rows[0]?.row_json ?? '')).toContain('Written by an older server');
    expect(JSON.parse(rows[1]?.change_json ?? '')).toMatchObject({
      record: { data: { isOwner: false } },
    });

    // A snapshot in camera rows brings what one in objects brings (a camera's object form is
    // built from its columns, since it has no change JSON).
    const objects = await pullRecords(new RawClient(server.url, root.token));
    const asRows = await pullRecords(new RawClient(server.url, root.token), '', [
      CAMERA_ROWS_FORMAT,
    ]);
    expect(objects.cameraRows).toBe(0);
    expect(asRows.cameraRows).toBe(
      [...objects.records.values()].filter((r) => r?.kind === 'camera').length,
    );
    expect(asRows.cameraRows).toBeGreaterThan(0);
    expect(asRows.records).toEqual(objects.records);
    expect(asRows.records.get('camera:cam-json')).toMatchObject({
      data: { name: 'Written by an older server' },
    });

    // A server from before rows writes a camera with its trigger (change JSON, row left stale):
    // its row is then built from the columns, not taken from the stale one.
    await server.db.exec(
      backend === 'postgres'
        ? 'DROP TRIGGER records_change_json ON records'
        : 'DROP TRIGGER records_change_json_insert; DROP TRIGGER records_change_json_update',
    );
    await server.db.run(`UPDATE records SET data = ? WHERE kind = 'camera' AND id = 'cam-json'`, [
      JSON.stringify(cameraFields('Written by an even older server')),
    ]);
    await server.db.run(
      `UPDATE records SET change_json = ${recordChangeTextSql(server.db.dialect)}
       WHERE kind = 'camera' AND id = 'cam-json'`,
    );
    const afterOld = await pullRecords(new RawClient(server.url, root.token), '', [
      CAMERA_ROWS_FORMAT,
    ]);
    expect(afterOld.records.get('camera:cam-json')).toMatchObject({
      data: { name: 'Written by an even older server' },
    });
    await migrateServer(server.db, new Date().toISOString());

    if (backend === 'postgres') {
      // A record of ~5 KB with its JSON is stored as it is: a snapshot does not decompress it.
      const long = (n: number) => `rtsp://10.0.0.5:554/${'x'.repeat(900)}${n}`;
      const profiles = [1, 2].map((n) => ({ token: `p${n}`, name: `P${n}`, streamUri: long(n) }));
      expect(
        await put('camera', 'cam-json-long', cameraFields('Long', { profiles })),
      ).toMatchObject({ status: 'applied' });
      const sizes = await server.db.get<{ compressed: string | null; bytes: number }>(
        `SELECT pg_column_compression(row_json) AS compressed,
                octet_length(row_json) + octet_length(data) AS bytes
         FROM records WHERE kind = 'camera' AND id = 'cam-json-long'`,
      );
      expect(sizes?.bytes).toBeGreaterThan(4000);
      expect(sizes?.compressed).toBeNull();
      await root.run('records.delete', { kind: 'camera', id: 'cam-json-long' });
    }

    // A database from before either column: its records get their JSON as it upgrades, once
    // (and the camera written by the older server above gets its row).
    const snapshotBefore = await pullRecords(new RawClient(server.url, root.token));
    await server.db.exec(
      backend === 'postgres'
        ? 'DROP TRIGGER records_change_json ON records'
        : 'DROP TRIGGER records_change_json_insert; DROP TRIGGER records_change_json_update',
    );
    await server.db.exec('ALTER TABLE records DROP COLUMN change_json');
    await server.db.exec('ALTER TABLE records DROP COLUMN row_json');
    await server.db.run('DELETE FROM server_meta WHERE key IN (?, ?)', [
      'records.change_json filled',
      'records.row_json filled',
    ]);
    await migrateServer(server.db, new Date().toISOString());
    // Servers starting together on an upgraded database (behind a load balancer).
    await Promise.all([1, 2, 3].map(() => migrateServer(server.db, new Date().toISOString())));
    await expectStoredEqual();
    const missing = await server.db.get<{ n: number }>(
      `SELECT COUNT(*) AS n FROM records
       WHERE CASE WHEN kind = 'camera' THEN row_json ELSE change_json END IS NULL`,
    );
    expect(Number(missing?.n)).toBe(0);
    const snapshotAfter = await pullRecords(new RawClient(server.url, root.token));
    expect(snapshotAfter.records).toEqual(snapshotBefore.records);
    const rowsAfter = await pullRecords(new RawClient(server.url, root.token), '', [
      CAMERA_ROWS_FORMAT,
    ]);
    expect(rowsAfter.records).toEqual(snapshotBefore.records);
  });

  it('moves records with their customer and deletes them with it', async () => {
    await root.run('tenants.create', customerArgs('cust-mv', 'Moving Co', 'int-b'));
    await root.run('records.put', {
      kind: 'camera',
      id: 'cam-mv',
      tenantId: 'cust-mv',
      fields: cameraFields('Gate'),
    });
    const a = new RawClient(server.url, aToken);
    const start = await pullRecords(a);
    expect(start.records.has('camera:cam-mv')).toBe(false);
    await root.run('tenants.move', { id: 'cust-mv', newParentId: 'int-a' });
    const moved = await pullRecords(a, start.cursor);
    expect(moved.records.get('camera:cam-mv')).toMatchObject({ tenantId: 'cust-mv' });
    await root.run('tenants.delete', { id: 'cust-mv' });
    const gone = await pullRecords(a, moved.cursor);
    expect(gone.records.get('camera:cam-mv')).toBeNull();
    expect(
      await server.db.get("SELECT 1 AS one FROM records WHERE kind = 'camera' AND id = 'cam-mv'"),
    ).toBeUndefined();
    expect(
      await root.run('records.put', {
        kind: 'camera',
        id: 'cam-mv',
        tenantId: 'cust-a',
        fields: cameraFields('Back?'),
      }),
    ).toMatchObject({ status: 'rejected', code: 'DELETED' });
  });

  it('signs a customer user in with the desktop hash, and refuses them with the reason', async () => {
    await root.run('tenants.create', customerArgs('cust-login', 'Login Co', 'int-b'));
    const password = 'desktop-made-pw';
    await root.run('records.put', {
      kind: 'user',
      id: 'u-login',
      tenantId: 'cust-login',
      fields: userFields('guard@login.example', { passwordHash: await hashPassword(password) }),
    });
    const login = () =>
      call(server.url, 'POST', '/v1/auth/login', { email: 'Guard@Login.example', password });
    const ok = await login();
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({
      account: { role: 'customer', tenantId: 'cust-login', email: 'guard@login.example' },
    });
    const token = (ok.body as { token: string }).token;
    // A customer user reads its customer, without anyone's password hash.
    const own = await pullRecords(new RawClient(server.url, token));
    expect(own.records.get('user:u-login')).toMatchObject({ data: { passwordHash: null } });
    expect(
      (
        await call(server.url, 'POST', '/v1/auth/login', {
          email: 'guard@login.example',
          password: 'wrong-password',
        })
      ).status,
    ).toBe(401);

    await root.run('tenants.disable', { id: 'cust-login' });
    const refused = await login();
    expect(refused.status).toBe(403);
    expect(refused.body).toMatchObject({
      code: 'TENANT_DISABLED',
      message: expect.stringContaining('Customer Login Co is disabled'),
    });
    expect((await call(server.url, 'GET', '/v1/auth/me', undefined, token)).status).toBe(403);
    await root.run('tenants.enable', { id: 'cust-login', mode: 'restore_previous' });
    await root.run('tenants.disable', { id: 'int-b' });
    expect(await login()).toMatchObject({
      status: 403,
      body: {
        code: 'TENANT_DISABLED',
        message: expect.stringContaining('through integrator Integrator B'),
      },
    });
    await root.run('tenants.enable', { id: 'int-b', mode: 'restore_previous' });
    await root.run('records.put', {
      kind: 'user',
      id: 'u-login',
      tenantId: 'cust-login',
      fields: { active: false },
    });
    expect(await login()).toMatchObject({ status: 403, body: { code: 'USER_DISABLED' } });
  });

  it('upgrades a database made before records (the change-log columns are added)', async () => {
    await server.db.exec('ALTER TABLE change_log DROP COLUMN record_kind');
    await server.db.exec('ALTER TABLE change_log DROP COLUMN record_id');
    await migrateServer(server.db, new Date().toISOString());
    await migrateServer(server.db, new Date().toISOString());
    const a = new RawClient(server.url, root.token);
    expect(
      await a.run('records.put', {
        kind: 'role',
        id: 'r-after-upgrade',
        tenantId: 'cust-a',
        fields: { name: 'After', description: '', type: 'admin', grants: {} },
      }),
    ).toMatchObject({ status: 'applied' });
    const { records } = await pullRecords(new RawClient(server.url, root.token));
    expect(records.get('role:r-after-upgrade')).toMatchObject({ data: { name: 'After' } });
  });
});
