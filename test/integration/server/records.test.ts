/**
 * Users, roles and cameras as sync records on the server (SQLite and PostgreSQL): per-field
 * last-writer-wins, delete beats edit, tenant isolation with real and guessed ids, cascades of
 * tenant deletes and moves, the schema upgrade of an existing database, customer users
 * signing in with the hash the desktop made, and cameras sent as rows and as frames.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { hashPassword } from '../../../electron/people/password';
import { migrateServer } from '../../../server/db/schema';
import { recordChangeTextSql } from '../../../server/sync/records';
import {
  CAMERA_FRAME_OP,
  CAMERA_FRAMES_FORMAT,
  cameraFrameChangeSchema,
  frameLengths,
  frameRows,
} from '../../../shared/sync/frames';
import {
  CAMERA_ROWS_FORMAT,
  cameraRecordRow,
  cameraRowRecord,
  cameraRowSchema,
  cameraRowsChangeSchema,
  pullResponseSchema,
  rowChangeSchema,
} from '../../../shared/sync/protocol';
import type { CameraFields, SyncRecord } from '../../../shared/sync/records';
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
  type Reply,
  type TestServer,
} from './support';
import { frameOf } from '../../support/camera-frames';

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

/** Camera rows, then camera frames as well (the order a desktop that reads frames lists them). */
const FRAMED = [CAMERA_ROWS_FORMAT, CAMERA_FRAMES_FORMAT];

/** A pull's answer as a server may send it: with camera rows and camera frames. */
const framedWireSchema = pullResponseSchema.extend({
  changes: z.array(
    z.discriminatedUnion('op', [
      ...rowChangeSchema.options,
      cameraRowsChangeSchema,
      cameraFrameChangeSchema,
    ]),
  ),
});

/**
 * A pull's answer read as the desktop's pull worker reads it (camera rows and frames into
 * records), checked on the way: a framed answer has frames exactly when its JSON has `cameraFrame`
 * changes, their sizes add up to its frames' bytes, and each frame is, byte for byte, the frame
 * of the records it decodes into (frameOf, test/support/camera-frames.ts). Counts the runs and
 * the cameras of each form.
 */
function readAnswer(r: Reply<unknown>) {
  expect(r.status).toBe(200);
  const wire = framedWireSchema.parse(r.body);
  const bytes = r.frames ?? new Uint8Array(0);
  const changes: Change[] = [];
  const count = { rowRuns: 0, cameraRows: 0, frameRuns: 0, cameraFrames: 0 };
  let at = 0;
  for (const c of wire.changes) {
    if (c.op === CAMERA_ROWS_FORMAT) {
      count.rowRuns++;
      count.cameraRows += c.rows.length;
      for (const row of c.rows) changes.push({ op: 'record', record: cameraRowRecord(row) });
    } else if (c.op === CAMERA_FRAME_OP) {
      const lengthBytes = bytes.subarray(at, at + c.lengthBytes);
      const text = bytes.subarray(at + c.lengthBytes, at + c.lengthBytes + c.textBytes);
      at += c.lengthBytes + c.textBytes;
      const lengths = frameLengths(lengthBytes, c.rows);
      expect(lengths).not.toBeNull();
      const rows = frameRows(lengths ?? new Int32Array(0), text);
      expect(rows).not.toBeNull();
      const records = (rows ?? []).map((row) => cameraRowRecord(cameraRowSchema.parse(row)));
      expect(records.length).toBe(c.rows);
      const expected = frameOf(records.map(cameraRecordRow));
      expect(Buffer.from(lengthBytes).toString('latin1')).toBe(expected.lengths.toString('latin1'));
      expect(Buffer.from(text)).toEqual(expected.text);
      count.frameRuns++;
      count.cameraFrames += records.length;
      for (const record of records) changes.push({ op: 'record', record });
    } else changes.push(c as unknown as Change);
  }
  expect(at).toBe(bytes.length);
  expect(r.frames !== undefined).toBe(count.frameRuns > 0);
  return { changes, ...count };
}

/**
 * Pulls until up to date; answers the records by `kind:id` (null when deleted). With `formats`,
 * the answers are read as the desktop's pull worker reads them (readAnswer: camera rows and
 * frames into records), and `cameraRows` and `cameraFrames` count the cameras that came so.
 */
async function pullRecords(client: RawClient, cursor = '', formats?: string[], limit?: number) {
  const records = new Map<string, SyncRecord | null>();
  let cameraRows = 0;
  let cameraFrames = 0;
  for (let i = 0; i < 1000; i++) {
    const r = await client.pull(cursor, [], limit, formats);
    const answer = readAnswer(r);
    cameraRows += answer.cameraRows;
    cameraFrames += answer.cameraFrames;
    const changes = formats ? answer.changes : (r.body.changes as unknown as Change[]);
    for (const c of changes) {
      if (c.op === 'record') records.set(`${c.record.kind}:${c.record.id}`, c.record);
      if (c.op === 'recordDelete') records.set(`${c.kind}:${c.id}`, null);
    }
    cursor = r.body.cursor;
    if (!r.body.more) break;
  }
  return { records, cursor, cameraRows, cameraFrames };
}

/** The number of cameras among pulled records. */
const camerasIn = (records: Map<string, SyncRecord | null>) =>
  [...records.values()].filter((r) => r?.kind === 'camera').length;

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
    // In object form, with the cameras as rows, and as frames (each row counts as a change). The
    // records come in the same order in every form: a frame's cameras are joined in the order of
    // the index the page is read along, as rows and objects are.
    for (const limit of [1, 2, 3, 7, 20, 10_000]) {
      const orders: string[][] = [];
      for (const formats of [undefined, [CAMERA_ROWS_FORMAT], FRAMED, [CAMERA_FRAMES_FORMAT]]) {
        const frames = formats?.includes(CAMERA_FRAMES_FORMAT) ?? false;
        const client = new RawClient(server.url, aToken);
        const seen: string[] = [];
        const pages: { size: number; more: boolean }[] = [];
        const announced: (number | undefined)[] = [];
        let framed = 0;
        let cursor = '';
        for (let i = 0; i < 500; i++) {
          const r = await client.pull(cursor, [], limit, formats);
          const answer = readAnswer(r);
          // Every camera of the page in one change: rows, or a frame when the pull reads them.
          expect(answer.rowRuns + answer.frameRuns).toBeLessThanOrEqual(formats ? 1 : 0);
          if (frames) expect(answer.rowRuns).toBe(0);
          if (!formats) expect(pullResponseSchema.safeParse(r.body).success).toBe(true);
          const changes = answer.changes;
          if (formats)
            expect(
              changes.filter((c) => c.op === 'record' && c.record.kind === 'camera').length,
            ).toBe(answer.cameraRows + answer.cameraFrames);
          framed += answer.cameraFrames;
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
          // The first page says how many rows the snapshot brings; the others say nothing.
          announced.push(r.body.snapshotRows);
          cursor = r.body.cursor;
          if (!r.body.snapshot || r.body.snapshotDone) break;
        }
        expect(announced[0]).toBe(pages.reduce((n, p) => n + p.size, 0));
        expect(announced.slice(1).every((n) => n === undefined)).toBe(true);
        expect([...seen].sort()).toEqual(all);
        expect(framed).toBe(frames ? camerasIn(whole.records) : 0);
        // Every page but the last is full (tenants and records count alike).
        for (const p of pages.slice(0, -1)) expect(p.size).toBe(limit);
        expect(pages[pages.length - 1]?.size).toBeLessThanOrEqual(limit);
        orders.push(seen);
      }
      for (const seen of orders) expect(seen).toEqual(orders[0]);
    }
  });

  it('sends cameras as frames that carry, byte for byte, what rows and objects carry', async () => {
    // Cameras in two customers (two path ranges, so more than one camera run and page) with
    // what a frame has to carry as it is: text that JSON escapes, text beyond ASCII, a byte
    // order mark, empty text (length 0, not null), every nullable value null, and profiles
    // with and without their optional fields.
    const awkward = 'Quote " backslash \\ newline \n tab \t bell \u0007 é 東京 😀 </script>';
    await root.run('tenants.create', customerArgs('cust-frame-1', 'Frame One', 'int-a'));
    await root.run('tenants.create', customerArgs('cust-frame-2', 'Frame Two', 'int-b'));
    const deviceInfo = {
      manufacturer: awkward,
      model: 'M "2"',
      firmwareVersion: '1.0\\beta',
      serialNumber: 'é日本😀',
      hardwareId: '',
    };
    const cameras: { tenantId: string; id: string; fields: CameraFields }[] = [
      { tenantId: 'cust-frame-1', id: 'cam-frame-a', fields: cameraFields('é 日本 😀') },
      {
        tenantId: 'cust-frame-1',
        id: 'cam-frame-b',
        fields: cameraFields(awkward, {
          kind: 'onvif',
          enabled: false,
          model: awkward,
          xaddr: 'http://10.0.0.7/onvif/device_service',
          endpointRef: 'urn:uuid:frame-b "é"',
          deviceInfo,
          mac: '00:11:22:33:44:55',
          profiles: [
            {
              token: 'main "1"',
              name: awkward,
              encoding: 'H264',
              width: 1920,
              height: 1080,
              streamUri: 'rtsp://10.0.0.7/main?a=1&b="2"\\x',
            },
            { token: 'sub', name: 'Sub \n line' },
          ],
          streamUri: 'rtsp://10.0.0.7/main',
          recordingProfile: 'main "1"',
          pnpCloudId: 'pnp-é',
        }),
      },
      {
        tenantId: 'cust-frame-1',
        id: 'cam-frame-c',
        fields: cameraFields('\ufeffByte order mark first', {
          model: '',
          address: '',
          username: '',
        }),
      },
      {
        tenantId: 'cust-frame-2',
        id: 'cam-frame-d',
        fields: cameraFields('Plain', { profiles: [{ token: 't', name: 'n', width: 640 }] }),
      },
      {
        tenantId: 'cust-frame-2',
        id: 'cam-frame-e',
        fields: cameraFields('😀'.repeat(50), {
          deviceInfo: { ...deviceInfo, manufacturer: 'Axis' },
        }),
      },
      {
        tenantId: 'cust-frame-2',
        id: 'cam-frame-f',
        fields: cameraFields('Last', { enabled: false }),
      },
    ];
    for (const c of cameras)
      expect(await root.run('records.put', { kind: 'camera', ...c })).toMatchObject({
        status: 'applied',
      });

    const objects = await pullRecords(new RawClient(server.url, root.token));
    for (const c of cameras)
      expect(objects.records.get(`camera:${c.id}`)).toMatchObject({
        tenantId: c.tenantId,
        data: c.fields,
      });
    const rows = await pullRecords(new RawClient(server.url, root.token), '', [CAMERA_ROWS_FORMAT]);
    expect(rows.records).toEqual(objects.records);
    expect(rows.cameraRows).toBe(camerasIn(objects.records));
    for (const limit of [1, 2, 3, 5, 7, 10_000]) {
      const client = new RawClient(server.url, root.token);
      const framed = await pullRecords(client, '', FRAMED, limit);
      expect(framed.records).toEqual(objects.records);
      expect(framed.cameraRows).toBe(0);
      expect(framed.cameraFrames).toBe(camerasIn(objects.records));
      if (limit !== 10_000) continue;
      // After the snapshot, changes come from the change log as objects, whatever the formats.
      expect(
        await root.run('records.put', {
          kind: 'camera',
          id: 'cam-frame-f',
          tenantId: 'cust-frame-2',
          fields: { name: 'Last, renamed' },
        }),
      ).toMatchObject({ status: 'applied' });
      const next = await pullRecords(client, framed.cursor, FRAMED);
      expect(next.cameraFrames).toBe(0);
      expect(next.records.get('camera:cam-frame-f')).toMatchObject({
        data: { name: 'Last, renamed' },
      });
    }

    if (backend === 'sqlite') {
      // SQLite unescapes a NUL into its byte (counted in its length): framed as any other.
      const put = (id: string, name: string) =>
        root.run('records.put', {
          kind: 'camera',
          id,
          tenantId: 'cust-frame-2',
          fields: cameraFields(name),
        });
      expect(await put('cam-frame-nul', 'NUL \u0000 inside')).toMatchObject({ status: 'applied' });
      const withNul = await pullRecords(new RawClient(server.url, root.token));
      const framedNul = await pullRecords(new RawClient(server.url, root.token), '', FRAMED, 7);
      expect(framedNul.records).toEqual(withNul.records);
      expect(framedNul.cameraFrames).toBe(camerasIn(withNul.records));
      // A lone surrogate has no frame (see cameraFrameSql): the run that holds it goes out as
      // rows (or objects), the others as frames.
      expect(await put('cam-frame-lone', 'Lone \ud800 surrogate')).toMatchObject({
        status: 'applied',
      });
      const stored = await server.db.get<{ frame_text: string | null }>(
        "SELECT frame_text FROM records WHERE kind = 'camera' AND id = 'cam-frame-lone'",
      );
      expect(stored?.frame_text).toBeNull();
      const withLone = await pullRecords(new RawClient(server.url, root.token));
      expect(withLone.records.get('camera:cam-frame-lone')).toMatchObject({
        data: { name: 'Lone \ud800 surrogate' },
      });
      for (const formats of [FRAMED, [CAMERA_FRAMES_FORMAT]]) {
        const one = await pullRecords(new RawClient(server.url, root.token), '', formats);
        expect(one.records).toEqual(withLone.records);
        expect(one.cameraFrames).toBe(0);
        expect(one.cameraRows).toBe(formats === FRAMED ? camerasIn(withLone.records) : 0);
        const paged = await pullRecords(new RawClient(server.url, root.token), '', formats, 2);
        expect(paged.records).toEqual(withLone.records);
        expect(paged.cameraFrames).toBeGreaterThan(0);
        expect(paged.cameraFrames).toBeLessThan(camerasIn(withLone.records));
      }
      for (const id of ['cam-frame-nul', 'cam-frame-lone'])
        await root.run('records.delete', { kind: 'camera', id });
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
      frame_lengths: string | null;
      frame_text: string | null;
      data: string;
    };
    const stored = async () =>
      server.db.all<Stored & Record<string, string>>(
        `SELECT kind, id, change_json, row_json, frame_lengths, frame_text, data, tenant_id,
                created_at, updated_at
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
    /**
     * A camera holds its row and its frame (byte for byte frameOf's) and no change JSON; the
     * others their change JSON and neither.
     */
    const expectStoredEqual = async () => {
      const rows = await stored();
      expect(rows.map((r) => r.id)).toEqual(['cam-json', 'u-json-1', 'u-json-2']);
      for (const r of rows) {
        const record = expected(r);
        if (record.kind === 'camera') {
          expect(r.change_json).toBeNull();
          expect(JSON.parse(r.row_json ?? '')).toEqual(cameraRecordRow(record));
          const frame = frameOf([cameraRecordRow(record)]);
          expect(r.frame_lengths).toBe(frame.lengths.toString('latin1'));
          expect(Buffer.from(r.frame_text ?? '', 'utf8')).toEqual(frame.text);
        } else {
          expect(r.row_json).toBeNull();
          expect(r.frame_lengths).toBeNull();
          expect(r.frame_text).toBeNull();
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
    const asFrames = await pullRecords(new RawClient(server.url, root.token), '', FRAMED);
    expect(asFrames.records).toEqual(objects.records);
    expect(asFrames.cameraFrames).toBe(asRows.cameraRows);
    expect(asFrames.cameraRows).toBe(0);

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
    // Nor is its frame: the run that holds it goes out as rows (or objects), in one page or in
    // several (the runs without it as frames), and brings what objects bring.
    const objectsAfterOld = await pullRecords(new RawClient(server.url, root.token));
    expect(afterOld.records).toEqual(objectsAfterOld.records);
    for (const formats of [FRAMED, [CAMERA_FRAMES_FORMAT]]) {
      const whole = await pullRecords(new RawClient(server.url, root.token), '', formats);
      expect(whole.records).toEqual(objectsAfterOld.records);
      expect(whole.cameraFrames).toBe(0);
      expect(whole.cameraRows).toBe(formats === FRAMED ? afterOld.cameraRows : 0);
      const paged = await pullRecords(new RawClient(server.url, root.token), '', formats, 3);
      expect(paged.records).toEqual(objectsAfterOld.records);
      expect(paged.cameraFrames).toBeGreaterThan(0);
      expect(paged.cameraFrames).toBeLessThan(afterOld.cameraRows);
    }
    await migrateServer(server.db, new Date().toISOString());

    if (backend === 'postgres') {
      // A record of ~5 KB with its JSON is stored as it is: a snapshot does not decompress it.
      const long = (n: number) => `rtsp://10.0.0.5:554/${'x'.repeat(900)}${n}`;
      const profiles = [1, 2].map((n) => ({ token: `p${n}`, name: `P${n}`, streamUri: long(n) }));
      expect(
        await put('camera', 'cam-json-long', cameraFields('Long', { profiles })),
      ).toMatchObject({ status: 'applied' });
      const sizes = await server.db.get<{
        compressed: string | null;
        frameCompressed: string | null;
        bytes: number;
      }>(
        `SELECT pg_column_compression(row_json) AS compressed,
                pg_column_compression(frame_text) AS "frameCompressed",
                octet_length(row_json) + octet_length(data) + octet_length(frame_text) AS bytes
         FROM records WHERE kind = 'camera' AND id = 'cam-json-long'`,
      );
      expect(sizes?.bytes).toBeGreaterThan(6000);
      expect(sizes?.compressed).toBeNull();
      expect(sizes?.frameCompressed).toBeNull();
      await root.run('records.delete', { kind: 'camera', id: 'cam-json-long' });
    }

    // A database from before frames (rows, no frames), then one from before either column:
    // its records get what they lack as it upgrades, once (and the camera written by the older
    // server above gets its row and its frame).
    const snapshotBefore = await pullRecords(new RawClient(server.url, root.token));
    const cameras = camerasIn(snapshotBefore.records);
    const dropTriggers = () =>
      server.db.exec(
        backend === 'postgres'
          ? 'DROP TRIGGER records_change_json ON records'
          : 'DROP TRIGGER records_change_json_insert; DROP TRIGGER records_change_json_update',
      );
    for (const columns of [
      ['frame_lengths', 'frame_text'],
      ['change_json', 'row_json', 'frame_lengths', 'frame_text'],
    ]) {
      await dropTriggers();
      for (const c of columns) await server.db.exec(`ALTER TABLE records DROP COLUMN ${c}`);
      // Each column's mark: what the server finds done in such a database.
      const marks = ['records.frame_text filled'];
      if (columns.includes('row_json'))
        marks.push('records.change_json filled', 'records.row_json filled');
      await server.db.run(
        `DELETE FROM server_meta WHERE key IN (${marks.map(() => '?').join(', ')})`,
        marks,
      );
      await migrateServer(server.db, new Date().toISOString());
      // Servers starting together on an upgraded database (behind a load balancer).
      await Promise.all([1, 2, 3].map(() => migrateServer(server.db, new Date().toISOString())));
      await expectStoredEqual();
      const missing = await server.db.get<{ n: number }>(
        `SELECT COUNT(*) AS n FROM records
         WHERE CASE WHEN kind = 'camera' THEN row_json ELSE change_json END IS NULL
            OR (kind = 'camera' AND (frame_text IS NULL OR frame_lengths IS NULL))`,
      );
      expect(Number(missing?.n)).toBe(0);
      const snapshotAfter = await pullRecords(new RawClient(server.url, root.token));
      expect(snapshotAfter.records).toEqual(snapshotBefore.records);
      const rowsAfter = await pullRecords(new RawClient(server.url, root.token), '', [
        CAMERA_ROWS_FORMAT,
      ]);
      expect(rowsAfter.records).toEqual(snapshotBefore.records);
      for (const limit of [3, undefined]) {
        const framesAfter = await pullRecords(
          new RawClient(server.url, root.token),
          '',
          FRAMED,
          limit,
        );
        expect(framesAfter.records).toEqual(snapshotBefore.records);
        expect(framesAfter.cameraFrames).toBe(cameras);
        expect(framesAfter.cameraRows).toBe(0);
      }
    }
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
