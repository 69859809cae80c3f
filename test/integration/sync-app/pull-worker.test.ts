/**
 * The pull worker (electron/sync/pull-worker.ts, as built into out/): what goes wrong on its
 * thread reaches the engine as the errors it knows (an unreachable server is OFFLINE, a refusal is
 * the server's error, an answer that breaks the protocol is said so), and a worker that dies fails
 * the pulls waiting on it instead of leaving them hanging, and is replaced on the next pull.
 */
import http from 'node:http';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { cameraRecordOfRow } from '../../../electron/sync/camera-rows';
import { PullWorker } from '../../../electron/sync/pull-worker-client';
import { ServerError, ServerUnreachableError } from '../../../electron/sync/transport';
import {
  CAMERA_ROWS_FORMAT,
  cameraRecordRow,
  PULL_NEXT_HEADER,
} from '../../../shared/sync/protocol';
import { CAMERA_FRAMES_FORMAT, FRAMED_CONTENT_TYPE } from '../../../shared/sync/frames';
import { syncRecordSchema, type SyncRecord } from '../../../shared/sync/records';
import { frameChange, framedBody, frameOf } from '../../support/camera-frames';
import { openTestCore, PULL_WORKER_FILE, type TestCore } from '../../support/core';
import { cameraFields, SYNC_TEST_TIME, syncTenant } from '../../support/sync-records';
import {
  ADMIN,
  RawClient,
  customerArgs,
  loginToken,
  startTestServer,
  type TestServer,
} from '../server/support';

const DEVICE_INFO = {
  manufacturer: 'Acme',
  model: 'Dome 4',
  firmwareVersion: '1.2.3',
  serialNumber: 'SN-1',
  hardwareId: 'HW-1',
};

/** A camera of customer c1 as the schema has it, with device info and one profile. */
const camera = (id: string, name: string) =>
  syncRecordSchema.parse({
    kind: 'camera',
    id,
    tenantId: 'c1',
    data: cameraFields(name, {
      deviceInfo: DEVICE_INFO,
      profiles: [{ token: 'p1', name: 'Main', width: 1920 }],
    }),
    createdAt: SYNC_TEST_TIME,
    updatedAt: SYNC_TEST_TIME,
  }) as Extract<SyncRecord, { kind: 'camera' }>;
/** That camera as a row (CAMERA_ROW_FIELDS). */
const row = (id: string, name: string) => cameraRecordRow(camera(id, name));

/** The body of a whole snapshot in one page with these changes. */
const snapshotPage = (changes: unknown[]) =>
  JSON.stringify({
    changes,
    cursor: 'c:1',
    more: false,
    snapshot: true,
    snapshotDone: true,
    chain: [],
    serverHlc: '0000000000000:0000:server',
  });

/** A loopback HTTP server that answers every request with `status` and `body`. */
async function answering(
  status: number,
  body: string | Buffer,
  contentType = 'application/json',
): Promise<{ url: string; bodies: unknown[]; close(): void }> {
  const bodies: unknown[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      bodies.push(JSON.parse(Buffer.concat(chunks).toString('utf8')));
      res.writeHead(status, { 'content-type': contentType }).end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, bodies, close: () => server.close() };
}

/**
 * An HTTP relay to `target` that sends each answer's headers at once and holds its body back until
 * the next request arrives, or `holdMs` pass; `events` says what happened in order, `cursors` what
 * each request asked for. `rewriteNext` changes the PULL_NEXT_HEADER on the way.
 */
async function holdingRelay(
  target: string,
  holdMs: number,
  rewriteNext?: (value: string) => string,
): Promise<{ url: string; events: string[]; cursors: string[]; close(): void }> {
  const events: string[] = [];
  const cursors: string[] = [];
  const held: (() => void)[] = [];
  let requests = 0;
  const server = http.createServer((req, res) => {
    const n = ++requests;
    events.push(`request ${n}`);
    while (held.length) held.shift()?.();
    const sent: Buffer[] = [];
    req.on('data', (c: Buffer) => sent.push(c));
    req.on('end', () => {
      cursors.push((JSON.parse(Buffer.concat(sent).toString()) as { cursor: string }).cursor);
      const up = http.request(
        new URL(req.url ?? '/', target),
        { method: req.method, headers: req.headers },
        (answer) => {
          const body: Buffer[] = [];
          answer.on('data', (c: Buffer) => body.push(c));
          answer.on('end', () => {
            const headers = { ...answer.headers };
            const next = headers[PULL_NEXT_HEADER];
            if (rewriteNext && typeof next === 'string')
              headers[PULL_NEXT_HEADER] = rewriteNext(next);
            res.writeHead(answer.statusCode ?? 502, headers);
            res.flushHeaders();
            let done = false;
            const release = (why: string) => {
              if (done) return;
              done = true;
              clearTimeout(timer);
              events.push(`body ${n} ${why}`);
              res.end(Buffer.concat(body));
            };
            const timer = setTimeout(() => release('after the wait'), holdMs);
            held.push(() => release('on the next request'));
          });
        },
      );
      up.end(Buffer.concat(sent));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    events,
    cursors,
    close: () => {
      server.closeAllConnections();
      server.close();
    },
  };
}

const pullBody = { clientId: 'pull-worker-test', cursor: '', refresh: [], limit: 10 };

/** What a pull from the test server at `url` is refused with (null: it was not). */
const refusal = (w: PullWorker, url: string): Promise<unknown> =>
  w.pull(`${url}/v1/sync/pull`, pullBody, 't', 5000).then(
    () => null,
    (err: unknown) => err,
  );

describe('pull worker', () => {
  let server: TestServer;
  const cores: TestCore[] = [];
  const workers: PullWorker[] = [];
  const worker = (file = PULL_WORKER_FILE) => {
    const w = new PullWorker(file);
    workers.push(w);
    return w;
  };
  beforeAll(async () => {
    server = await startTestServer('sqlite');
  });
  afterEach(() => {
    while (cores.length) cores.pop()?.close();
    while (workers.length) workers.pop()?.close();
  });
  afterAll(async () => server?.close());

  it('pulls through the worker on a desktop, and reports an unreachable server as offline', async () => {
    const core = openTestCore(undefined, { pullWorkerFile: PULL_WORKER_FILE });
    core.syncApp.close();
    cores.push(core);
    await core.sync.connect(server.url, ADMIN.email, ADMIN.password);
    expect(await core.sync.syncOnce()).toMatchObject({ ok: true });
    expect(core.sync.state.get('cursor')).toMatch(/^c:/);

    const gone = await answering(200, '{}');
    gone.close();
    core.sync.state.set('serverUrl', gone.url);
    const report = await core.sync.syncOnce();
    expect(report.ok).toBe(false);
    expect(report.error).toMatch(
      /^OFFLINE: The server at http:\/\/127\.0\.0\.1:\d+ cannot be reached/,
    );
  });

  it('starts its thread when warmed, before any pull, and pulls through it as usual', async () => {
    const page = {
      changes: [],
      cursor: 'c:1',
      more: false,
      snapshot: false,
      snapshotDone: false,
      chain: [],
      serverHlc: '0000000000001:0000:server',
    };
    const answer = await answering(200, JSON.stringify(page));
    try {
      const w = worker();
      expect(w.running).toBe(false);
      await w.warm();
      expect(w.running).toBe(true);
      // Warm again: the running thread is kept, and answers.
      await w.warm();
      expect(await w.pull(`${answer.url}/v1/sync/pull`, pullBody, 't', 5000)).toEqual({
        ...page,
        cameraRows: null,
      });
      // A closed worker is not started again by a warm-up.
      w.close();
      await w.warm();
      expect(w.running).toBe(false);
      await expect(w.pull(`${answer.url}/v1/sync/pull`, pullBody, 't', 5000)).rejects.toThrow(
        ServerUnreachableError,
      );
    } finally {
      answer.close();
    }
  });

  it('gives back the server refusal and a broken answer as the engine knows them', async () => {
    const refusing = await answering(
      401,
      JSON.stringify({ code: 'UNAUTHORIZED', message: 'The session has ended.' }),
    );
    const broken = await answering(200, JSON.stringify({ changes: 'not a list', more: 'yes' }));
    try {
      const w = worker();
      const refused = await refusal(w, refusing.url);
      expect(refused).toBeInstanceOf(ServerError);
      expect(refused).toMatchObject({ status: 401, body: { code: 'UNAUTHORIZED' } });

      const bad = await refusal(w, broken.url);
      expect(bad).toBeInstanceOf(Error);
      expect(bad).not.toBeInstanceOf(ServerUnreachableError);
      expect((bad as Error).message).toContain("The server's answer to a pull is not valid");
      expect((bad as Error).message).toContain('changes');
    } finally {
      refusing.close();
      broken.close();
    }
  });

  it("hands over a snapshot page's cameras as the schema has them, whichever check took them", async () => {
    const camera = (id: string, name: string) => ({
      kind: 'camera',
      id,
      tenantId: 'c1',
      data: cameraFields(name, {
        address: 'rtsp://10.0.0.9/stream',
        model: '',
        profiles: [{ token: 'p1', name: 'Main', width: 1920 }],
        streamUri: null,
        username: 'admin',
      }),
      createdAt: SYNC_TEST_TIME,
      updatedAt: SYNC_TEST_TIME,
    });
    const tenant = syncTenant('c1', undefined, { name: 'Customer 1' });
    // The fast check takes the first camera; the second carries a key the schema drops, so the
    // schema takes it (and drops the key).
    const good = await answering(
      200,
      snapshotPage([
        { op: 'upsert', row: tenant },
        { op: 'record', record: camera('cam-1', 'Door') },
        { op: 'record', record: { ...camera('cam-2', 'Yard'), extra: 'dropped' } },
      ]),
    );
    const bad = await answering(
      200,
      snapshotPage([
        { op: 'upsert', row: tenant },
        { op: 'record', record: camera('cam-1', 'Door') },
        { op: 'record', record: camera('cam-2', '') },
      ]),
    );
    try {
      const w = worker();
      const pulled = await w.pull(`${good.url}/v1/sync/pull`, pullBody, 't', 5000);
      expect(pulled.changes).toEqual([{ op: 'upsert', row: tenant }]);
      expect(pulled.cameraRows?.at).toEqual([1, 2]);
      const rows = pulled.cameraRows?.values ?? [];
      expect(cameraRecordOfRow(rows, 0)).toEqual(camera('cam-1', 'Door'));
      expect(cameraRecordOfRow(rows, 1)).toEqual(camera('cam-2', 'Yard'));

      const refused = await refusal(w, bad.url);
      expect((refused as Error).message).toContain("The server's answer to a pull is not valid");
      // The place in the answer as the server sent it.
      expect((refused as Error).message).toContain('changes[2].record.data.name');
    } finally {
      good.close();
      bad.close();
    }
  });

  it("takes a snapshot page's cameras as rows, asks for them, and names a bad row's place", async () => {
    const tenant = syncTenant('c1', undefined, { name: 'Customer 1' });
    // Records and rows in one page, and a row whose device info has a key the schema drops: the
    // schema takes that page whole (and drops the key).
    const infoWithExtra = { ...DEVICE_INFO, extra: 'dropped' };
    const mixed = await answering(
      200,
      snapshotPage([
        { op: 'upsert', row: tenant },
        { op: 'record', record: camera('cam-1', 'Door') },
        { op: CAMERA_ROWS_FORMAT, rows: [row('cam-2', 'Yard'), row('cam-3', 'Gate')] },
        { op: 'upsert', row: syncTenant('c2', undefined, { name: 'Customer 2' }) },
        { op: CAMERA_ROWS_FORMAT, rows: [row('cam-4', 'Hall')] },
      ]),
    );
    const dropped = row('cam-5', 'Roof');
    dropped[11] = infoWithExtra;
    const schemaTaken = await answering(
      200,
      snapshotPage([{ op: CAMERA_ROWS_FORMAT, rows: [row('cam-6', 'Lobby'), dropped] }]),
    );
    const nameless = row('cam-8', 'B');
    nameless[4] = '';
    const bad = await answering(
      200,
      snapshotPage([
        { op: 'upsert', row: tenant },
        { op: CAMERA_ROWS_FORMAT, rows: [row('cam-7', 'A'), nameless] },
      ]),
    );
    try {
      const w = worker();
      const pulled = await w.pull(`${mixed.url}/v1/sync/pull`, pullBody, 't', 5000);
      expect(mixed.bodies[0]).toMatchObject({
        formats: [CAMERA_ROWS_FORMAT, CAMERA_FRAMES_FORMAT],
      });
      expect(pulled.changes.map((c) => (c.op === 'upsert' ? c.row.id : c.op))).toEqual([
        'c1',
        'c2',
      ]);
      // In the order of the changes, each row counting as one.
      expect(pulled.cameraRows?.at).toEqual([1, 2, 3, 5]);
      const values = pulled.cameraRows?.values ?? [];
      expect([0, 1, 2, 3].map((i) => cameraRecordOfRow(values, i))).toEqual([
        camera('cam-1', 'Door'),
        camera('cam-2', 'Yard'),
        camera('cam-3', 'Gate'),
        camera('cam-4', 'Hall'),
      ]);

      const taken = await w.pull(`${schemaTaken.url}/v1/sync/pull`, pullBody, 't', 5000);
      const takenValues = taken.cameraRows?.values ?? [];
      expect(taken.cameraRows?.at).toEqual([0, 1]);
      expect(cameraRecordOfRow(takenValues, 0)).toEqual(camera('cam-6', 'Lobby'));
      expect(cameraRecordOfRow(takenValues, 1)).toEqual({
        ...camera('cam-5', 'Roof'),
        data: { ...camera('cam-5', 'Roof').data, deviceInfo: DEVICE_INFO },
      });

      const refused = await refusal(w, bad.url);
      expect((refused as Error).message).toContain("The server's answer to a pull is not valid");
      expect((refused as Error).message).toContain('changes[1].rows[1][4]');
    } finally {
      mixed.close();
      schemaTaken.close();
      bad.close();
    }
  });

  it("takes a snapshot page's cameras as a frame, as rows when the fast way does not, and names a bad one's place", async () => {
    const tenant = { op: 'upsert', row: syncTenant('c1', undefined, { name: 'Customer 1' }) };
    const framed = (rows: unknown[][], json?: (v: unknown) => string, tail = Buffer.alloc(0)) => {
      const frame = frameOf(rows, json);
      const body = framedBody(snapshotPage([tenant, frameChange(rows.length, frame)]), [frame]);
      return answering(200, Buffer.concat([body, tail]), FRAMED_CONTENT_TYPE);
    };
    const fast = await framed([row('cam-1', 'Café'), row('cam-2', 'Yard 📷')]);
    // Device info written with spaces: the rows' way takes it (and stores it as always).
    const spaced = await framed([row('cam-3', 'Gate')], (v) => JSON.stringify(v, null, 2));
    const nameless = row('cam-5', 'B');
    nameless[4] = '';
    const bad = await framed([row('cam-4', 'A'), nameless]);
    const trailing = await framed([row('cam-6', 'C')], undefined, Buffer.from('x'));
    try {
      const w = worker();
      const pulled = await w.pull(`${fast.url}/v1/sync/pull`, pullBody, 't', 5000);
      expect(fast.bodies[0]).toMatchObject({ formats: [CAMERA_ROWS_FORMAT, CAMERA_FRAMES_FORMAT] });
      expect(pulled.changes).toEqual([tenant]);
      expect(pulled.cameraRows?.at).toEqual([1, 2]);
      const values = pulled.cameraRows?.values ?? [];
      expect([0, 1].map((i) => cameraRecordOfRow(values, i))).toEqual([
        camera('cam-1', 'Café'),
        camera('cam-2', 'Yard 📷'),
      ]);

      const asRows = await w.pull(`${spaced.url}/v1/sync/pull`, pullBody, 't', 5000);
      expect(asRows.cameraRows?.at).toEqual([1]);
      expect(cameraRecordOfRow(asRows.cameraRows?.values ?? [], 0)).toEqual(
        camera('cam-3', 'Gate'),
      );

      const refused = await refusal(w, bad.url);
      expect((refused as Error).message).toContain("The server's answer to a pull is not valid");
      // The place as the rows would have it: the frame's change, its row, its value.
      expect((refused as Error).message).toContain('changes[1].rows[1][4]');
      const extra = await refusal(w, trailing.url);
      expect((extra as Error).message).toContain('1 bytes follow the last camera frame');
    } finally {
      for (const s of [fast, spaced, bad, trailing]) s.close();
    }
  });

  it("asks for the next page as soon as a page's headers say where it starts", async () => {
    const token = await loginToken(server.url, ADMIN.email, ADMIN.password);
    const client = new RawClient(server.url, token);
    for (const n of [1, 2, 3, 4, 5])
      await client.run('tenants.create', customerArgs(`c-ahead-${n}`, `Ahead ${n}`));
    const pullAll = async (url: string, clientId: string) => {
      const w = worker();
      const ids: string[] = [];
      let cursor = '';
      for (let i = 0; i < 20; i++) {
        const page = await w.pull(
          `${url}/v1/sync/pull`,
          { clientId, cursor, refresh: [], limit: 2 },
          token,
          5000,
        );
        for (const c of page.changes) if (c.op === 'upsert') ids.push(c.row.id);
        cursor = page.cursor;
        if (!page.more) return ids;
      }
      throw new Error('the pull did not end');
    };
    const direct = await pullAll(server.url, 'ahead-direct-client');
    expect(direct).toEqual(expect.arrayContaining(['c-ahead-1', 'c-ahead-5']));

    // Each body waits for the next request: the worker asked for page 2 with page 1's headers,
    // before page 1's body had come (without the header it would wait for that body, and the
    // relay would let it go only after the wait).
    const relay = await holdingRelay(server.url, 3000);
    try {
      expect(await pullAll(relay.url, 'ahead-relay-client')).toEqual(direct);
      expect(relay.events.slice(0, 3)).toEqual([
        'request 1',
        'request 2',
        'body 1 on the next request',
      ]);
    } finally {
      relay.close();
    }

    // A header that names another cursor costs a page read for nothing, never a wrong page.
    const lying = await holdingRelay(server.url, 0, () => encodeURIComponent('s:0:/root/zzz/'));
    try {
      expect(await pullAll(lying.url, 'ahead-lying-client')).toEqual(direct);
    } finally {
      lying.close();
    }
    // One that no pull may send is not followed (the body's cursor is, once the page is checked).
    const huge = await holdingRelay(server.url, 0, () =>
      encodeURIComponent('s:0:'.padEnd(1001, 'x')),
    );
    try {
      expect(await pullAll(huge.url, 'ahead-huge-client')).toEqual(direct);
      expect(huge.cursors.filter((c) => c.length > 1000)).toEqual([]);
      expect(huge.cursors.length).toBeGreaterThan(2);
    } finally {
      huge.close();
    }
  });

  it('fails the pulls of a worker that dies, starts another on the next pull, and stops', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vms-dying-worker-'));
    const file = path.join(dir, 'dies.cjs');
    // A worker that dies on every request it gets.
    fs.writeFileSync(
      file,
      "require('node:worker_threads').parentPort.on('message', () => process.exit(3));\n",
    );
    const w = worker(file);
    for (let round = 0; round < 2; round++)
      await expect(w.pull(`${server.url}/v1/sync/pull`, pullBody, null, 5000)).rejects.toThrow(
        'The sync worker stopped (exit code 3).',
      );
    w.close();
    await expect(w.pull(`${server.url}/v1/sync/pull`, pullBody, null, 5000)).rejects.toThrow(
      'The sync worker was stopped.',
    );
    fs.rmSync(dir, { recursive: true, force: true });
  });
});
