/**
 * A first pull's WAL (electron/sync/engine.ts, FIRST_PULL_WAL_BYTES), with the real server, the
 * real checkpoint thread and a real database file: a snapshot onto an empty database asks the
 * thread for no checkpoint while it runs and for one as it ends, after which everything is in the
 * database file and the writer's own checkpoint threshold is back; past the WAL bound, and in any
 * pull onto a database that holds rows, it asks after every batch as before; a pull cut off half
 * way still hands its WAL to the thread.
 */
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, WAL_SIZE_LIMIT_BYTES, type Db } from '../../../electron/db/connection';
import { WalCheckpointer } from '../../../electron/db/checkpointer';
import { SyncEngine } from '../../../electron/sync/engine';
import type { SyncTransport } from '../../../electron/sync/transport';
import { CHECKPOINT_WORKER_FILE, customer, integrator, openTestCore } from '../../support/core';
import { tempDataDir } from '../../support/host-process';
import { ADMIN, startTestServer, type TestServer } from './support';

const CUSTOMERS = 16;
const CAMERAS_PER_CUSTOMER = 3;

/** A desktop's engine, its database file and its checkpoint thread, as desktop() makes them. */
interface Desktop {
  db: Db;
  file: string;
  engine: SyncEngine;
  checkpointer: WalCheckpointer;
  /** What the engine asked of the checkpoint thread: the WAL's size at each request, in order. */
  requests: number[];
  /** The database file's size as each page was asked for. */
  fileSizes: number[];
  /** Lets requests held back (desktop(…, held = true)) through to the thread. */
  release: () => void;
}

const size = (file: string) => (fs.existsSync(file) ? fs.statSync(file).size : 0);

describe('a first pull and the WAL', () => {
  let server: TestServer;
  const desktops: Desktop[] = [];

  beforeAll(async () => {
    server = await startTestServer('sqlite');
    const source = openTestCore();
    try {
      source.syncApp.close();
      await source.sync.connect(server.url, ADMIN.email, ADMIN.password);
      const parent = await source.call('tenants.create', integrator('WAL Integrator'));
      for (let c = 0; c < CUSTOMERS; c++) {
        const cust = await source.call(
          'tenants.create',
          customer(`WAL Customer ${c}`, { parentId: parent.id }),
        );
        for (let k = 0; k < CAMERAS_PER_CUSTOMER; k++)
          await source.call('cameras.addManual', {
            customerId: cust.id,
            name: `WAL camera ${c}.${k}`,
            streamUrl: `rtsp://10.8.${c}.${k}:554/stream1`,
            username: 'viewer',
            password: 'camera-secret-7',
          });
      }
      expect(await source.sync.syncOnce()).toMatchObject({ ok: true });
    } finally {
      source.close();
    }
  }, 60_000);
  afterEach(() => {
    for (const d of desktops.splice(0)) {
      d.checkpointer.close();
      if (d.db.open) d.db.close();
    }
  });
  afterAll(async () => server?.close());

  /** A fresh desktop (engine, database file, checkpoint thread) that pulls 10 rows a page. */
  async function desktop(
    firstPullWalBytes?: number,
    failAfter = Infinity,
    held = false,
  ): Promise<Desktop> {
    const file = path.join(tempDataDir('vms-first-pull-wal-'), 'app.sqlite');
    const { db } = openDatabase({ file });
    const checkpointer = new WalCheckpointer({ workerFile: CHECKPOINT_WORKER_FILE, file });
    const requests: number[] = [];
    const fileSizes: number[] = [];
    // Held: the requests wait (as a checkpoint of a large WAL takes its time) until released.
    let release = () => undefined as void;
    const released = held ? new Promise<void>((resolve) => (release = resolve)) : Promise.resolve();
    const engine = new SyncEngine(db, {
      pullLimit: 10,
      ...(firstPullWalBytes !== undefined ? { firstPullWalBytes } : {}),
      // The real thread; the engine's requests are noted on their way to it.
      checkpointer: {
        request: () => {
          requests.push(size(`${file}-wal`));
          void released.then(() => checkpointer.request());
        },
        settled: () => released.then(() => checkpointer.settled()),
        get available() {
          return checkpointer.available;
        },
      },
    });
    // Batches of 20 rows: a first pull of ~70 rows commits several times.
    engine.useSnapshotBatchRows(20);
    await engine.connect(server.url, ADMIN.email, ADMIN.password);
    const http = engine.httpTransport();
    let pulls = 0;
    const transport: SyncTransport = {
      push: (req) => http.push(req),
      pull: (req) => {
        fileSizes.push(size(file));
        if (++pulls > failAfter) return Promise.reject(new Error('the network went away'));
        return http.pull(req);
      },
    };
    engine.useTransport(transport);
    const d = { db, file, engine, checkpointer, requests, fileSizes, release };
    desktops.push(d);
    return d;
  }

  const cameras = (db: Db) => db.prepare('SELECT COUNT(*) FROM cameras').pluck().get();
  const threshold = (db: Db) => db.pragma('wal_autocheckpoint', { simple: true });

  it('asks for no checkpoint while a first pull runs, and for one of all of it at its end', async () => {
    const d = await desktop();
    const before = threshold(d.db);
    const fileBefore = size(d.file);
    expect(await d.engine.syncOnce()).toMatchObject({ ok: true });
    expect(cameras(d.db)).toBe(CUSTOMERS * CAMERAS_PER_CUSTOMER);
    // Several pages, several batches, and the database file untouched by any checkpoint meanwhile.
    expect(d.fileSizes.length).toBeGreaterThan(5);
    for (const s of d.fileSizes) expect(s).toBe(fileBefore);
    // One request, after the pull: the WAL then held the whole snapshot.
    expect(d.requests).toHaveLength(1);
    expect(d.requests[0]).toBeGreaterThan(64 * 1024);
    // Until that checkpoint is done, the writer's own checkpoint waits (it would copy it all).
    expect(threshold(d.db)).toBeGreaterThan(before as number);
    await d.checkpointer.settled();
    expect(d.checkpointer.last).toMatchObject({ busy: false });
    await expect.poll(() => threshold(d.db), { timeout: 10_000 }).toBe(before);
    // All of it in the database file: a connection that reads the file alone finds every camera.
    expect(size(d.file)).toBeGreaterThan(fileBefore);
    const copy = path.join(tempDataDir('vms-first-pull-copy-'), 'copy.sqlite');
    fs.copyFileSync(d.file, copy);
    const reader = new Database(copy, { readonly: true });
    try {
      expect(reader.prepare('SELECT COUNT(*) FROM cameras').pluck().get()).toBe(
        CUSTOMERS * CAMERAS_PER_CUSTOMER,
      );
    } finally {
      reader.close();
    }
    // The WAL file is cut back when it starts over (it would keep a whole first pull's size).
    expect(d.db.pragma('journal_size_limit', { simple: true })).toBe(WAL_SIZE_LIMIT_BYTES);
  });

  it('keeps the writer’s own checkpoint waiting through the syncs that follow, until the thread is done', async () => {
    const d = await desktop(undefined, Infinity, true);
    const before = threshold(d.db);
    expect(await d.engine.syncOnce()).toMatchObject({ ok: true });
    // Up-to-date syncs while the thread still works on the first pull's WAL: each commits (the
    // sync's state), and with the usual threshold the first would copy the whole WAL itself.
    for (let i = 0; i < 3; i++) {
      expect(await d.engine.syncOnce()).toMatchObject({ ok: true, pulled: 0 });
      expect(threshold(d.db)).toBeGreaterThan(before as number);
    }
    expect(d.requests).toHaveLength(1);
    d.release();
    await expect.poll(() => threshold(d.db), { timeout: 10_000 }).toBe(before);
    await d.checkpointer.settled();
    expect(d.checkpointer.last).toMatchObject({ busy: false });
  });

  it('asks after every batch again once the WAL holds more than the bound', async () => {
    const d = await desktop(1);
    expect(await d.engine.syncOnce()).toMatchObject({ ok: true });
    expect(cameras(d.db)).toBe(CUSTOMERS * CAMERAS_PER_CUSTOMER);
    // Every batch asked (~70 rows in batches of 20), and nothing more at the end.
    expect(d.requests.length).toBeGreaterThanOrEqual(3);
    await d.checkpointer.settled();
    await expect.poll(() => threshold(d.db), { timeout: 10_000 }).toBe(1000);
  });

  it('asks after every batch in a snapshot onto a database that holds rows', async () => {
    const d = await desktop();
    expect(await d.engine.syncOnce()).toMatchObject({ ok: true });
    await d.checkpointer.settled();
    d.requests.length = 0;
    // The server no longer knows this desktop's cursor: a full snapshot again, onto its rows.
    d.engine.state.set('cursor', null);
    expect(await d.engine.syncOnce()).toMatchObject({ ok: true });
    expect(d.requests.length).toBeGreaterThanOrEqual(3);
    expect(cameras(d.db)).toBe(CUSTOMERS * CAMERAS_PER_CUSTOMER);
  });

  it('hands the WAL of a first pull cut off half way to the thread, and resumes', async () => {
    const d = await desktop(undefined, 4);
    const report = await d.engine.syncOnce();
    expect(report.ok).toBe(false);
    expect(d.requests).toHaveLength(1);
    await d.checkpointer.settled();
    await expect.poll(() => threshold(d.db), { timeout: 10_000 }).toBe(1000);
    // The network is back: the snapshot goes on where it stopped, and ends as a whole.
    d.engine.useTransport(d.engine.httpTransport());
    expect(await d.engine.syncOnce()).toMatchObject({ ok: true });
    expect(cameras(d.db)).toBe(CUSTOMERS * CAMERAS_PER_CUSTOMER);
    await d.checkpointer.settled();
    await expect.poll(() => threshold(d.db), { timeout: 10_000 }).toBe(1000);
  });
});
