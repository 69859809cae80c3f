/**
 * Indexes (and the cameras' count trigger) set aside during a first pull
 * (electron/db/first-pull-indexes.ts) on a real database: dropped with their SQL kept in the same
 * transaction, built again as they were, each customer's camera count made exact whatever the
 * triggers did meanwhile, a device endpoint held twice meanwhile settled as the row-by-row
 * path would have, and the connection's settings for the sorts (IndexSorter) put back after them.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase, type Db } from '../../electron/db/connection';
import { MIGRATIONS } from '../../electron/db/migrations';
import {
  setFirstPullIndexesAside,
  restoreFirstPullIndexes,
} from '../../electron/db/first-pull-indexes';
import { tempDataDir } from '../support/host-process';

const dirs: string[] = [];
const dbs: Db[] = [];
afterEach(() => {
  while (dbs.length) dbs.pop()?.close();
  while (dirs.length) fs.rmSync(dirs.pop() as string, { recursive: true, force: true });
});

function open(file?: string, migrations = MIGRATIONS): Db {
  let at = file;
  if (!at) {
    const dir = tempDataDir();
    dirs.push(dir);
    at = path.join(dir, 'db.sqlite');
  }
  const { db } = openDatabase({ file: at, migrations });
  dbs.push(db);
  return db;
}

const indexes = (db: Db) =>
  db
    .prepare(
      "SELECT name, sql FROM sqlite_schema WHERE type = 'index' AND tbl_name IN ('cameras', 'tenants') ORDER BY name",
    )
    .all();
const triggers = (db: Db) =>
  db
    .prepare(
      "SELECT name, sql FROM sqlite_schema WHERE type = 'trigger' AND tbl_name = 'cameras' ORDER BY name",
    )
    .all();
const counts = (db: Db) =>
  db.prepare("SELECT id, camera_count FROM tenants WHERE kind = 'customer' ORDER BY id").all();

function customers(db: Db, ids: string[]): void {
  const insert = db.prepare(
    `INSERT INTO tenants (id, kind, parent_id, path, depth, name, name_key, created_at, updated_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, 'then', 'then')`,
  );
  insert.run('root', 'root', null, '/root/', 0, 'Root', 'root');
  for (const id of ids) insert.run(id, 'customer', 'root', `/root/${id}/`, 1, id, id);
}

const camera = (db: Db, id: string, customer: string, endpoint: string | null = null) =>
  db
    .prepare(
      `INSERT INTO cameras (id, customer_id, name, kind, xaddr, endpoint_ref, created_at, updated_at)
       VALUES (?, ?, ?, 'onvif', ?, ?, 'then', 'then')`,
    )
    .run(id, customer, id, `http://10.0.0.1/${id}`, endpoint);
/** `n` cameras of customers a and b (half each), with random endpoints, in one statement. */
const manyCameras = (db: Db, n: number) =>
  db.exec(`
    INSERT INTO cameras (id, customer_id, name, kind, endpoint_ref, created_at, updated_at)
    WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ${n})
    SELECT 'cam-' || i, CASE WHEN i % 2 THEN 'a' ELSE 'b' END, 'cam-' || i, 'onvif',
           'urn:uuid:' || lower(hex(randomblob(16))), 'then', 'then' FROM n`);

const endpoints = (db: Db) => db.prepare('SELECT id, endpoint_ref FROM cameras ORDER BY id').all();

describe('indexes set aside in a first pull', () => {
  it('drops the random-keyed ones with their SQL kept, in the caller’s transaction', () => {
    const db = open();
    const before = indexes(db);
    const triggersBefore = triggers(db);
    // Rolled back with the transaction that dropped them: nothing aside, nothing missing.
    expect(() =>
      db.transaction(() => {
        expect(setFirstPullIndexesAside(db)).toBe(5);
        throw new Error('the write failed');
      })(),
    ).toThrow('the write failed');
    expect(indexes(db)).toEqual(before);
    expect(triggers(db)).toEqual(triggersBefore);
    expect(db.prepare('SELECT COUNT(*) FROM deferred_indexes').pluck().get()).toBe(0);

    db.transaction(() => setFirstPullIndexesAside(db))();
    const names = (indexes(db) as { name: string }[]).map((i) => i.name);
    // The unique ones but the endpoint's stay, and the device address's and the other sorts.
    expect(names).toEqual([
      'cameras_customer',
      'cameras_pnp_cloud_id',
      'cameras_xaddr',
      'sqlite_autoindex_cameras_1',
      'sqlite_autoindex_tenants_1',
      'tenants_disabled_by',
      'tenants_kind_state',
      'tenants_parent_name',
      'tenants_path',
      'tenants_sort_cameras',
      'tenants_sort_created',
      'tenants_sort_users',
    ]);
    expect(db.prepare('SELECT name FROM deferred_indexes ORDER BY name').pluck().all()).toEqual([
      'cameras_count_ins',
      'cameras_endpoint_ref',
      'tenants_sort_kind',
      'tenants_sort_name',
      'tenants_sort_status',
    ]);
    // The cameras' count trigger is aside too; the delete's stays.
    expect((triggers(db) as { name: string }[]).map((t) => t.name)).toEqual(['cameras_count_del']);
    // Set aside already: nothing more to drop.
    expect(db.transaction(() => setFirstPullIndexesAside(db))()).toBe(0);
    expect(restoreFirstPullIndexes(db)).toBe(5);
    expect(indexes(db)).toEqual(before);
    expect(triggers(db)).toEqual(triggersBefore);
    expect(restoreFirstPullIndexes(db)).toBe(0);
  });

  it('builds the tenants’ alone as the records begin, leaving the cameras’ aside', () => {
    const db = open();
    const before = indexes(db);
    db.transaction(() => setFirstPullIndexesAside(db))();
    expect(restoreFirstPullIndexes(db, ['tenants'])).toBe(3);
    expect(db.prepare('SELECT name FROM deferred_indexes ORDER BY name').pluck().all()).toEqual([
      'cameras_count_ins',
      'cameras_endpoint_ref',
    ]);
    // The records' pages set aside the cameras' alone: the tenants' stay.
    expect(db.transaction(() => setFirstPullIndexesAside(db, ['cameras']))()).toBe(0);
    expect(db.prepare('SELECT COUNT(*) FROM deferred_indexes').pluck().get()).toBe(2);
    expect(restoreFirstPullIndexes(db)).toBe(2);
    expect(indexes(db)).toEqual(before);
  });

  it('makes every customer’s camera count exact when they come back', () => {
    const db = open();
    customers(db, ['a', 'b', 'c', 'd']);
    camera(db, 'counted-1', 'a');
    db.transaction(() => setFirstPullIndexesAside(db))();
    // As the bulk writer inserts them: not counted by the trigger.
    db.exec('INSERT INTO tenants_counts_deferred (id) VALUES (1)');
    camera(db, 'bulk-1', 'a');
    camera(db, 'bulk-2', 'b');
    camera(db, 'bulk-3', 'b');
    camera(db, 'bulk-4', 'c');
    db.exec('DELETE FROM tenants_counts_deferred');
    // Row by row meanwhile: a camera added (not counted: the count trigger is aside too) and
    // one of the bulk's deleted (uncounted, so its customer's count goes below zero).
    camera(db, 'row-1', 'd');
    db.prepare('DELETE FROM cameras WHERE id = ?').run('bulk-4');
    expect(counts(db)).toEqual([
      { id: 'a', camera_count: 1 },
      { id: 'b', camera_count: 0 },
      { id: 'c', camera_count: -1 },
      { id: 'd', camera_count: 0 },
    ]);
    restoreFirstPullIndexes(db);
    expect(counts(db)).toEqual([
      { id: 'a', camera_count: 2 },
      { id: 'b', camera_count: 2 },
      { id: 'c', camera_count: 0 },
      { id: 'd', camera_count: 1 },
    ]);
  });

  it('leaves a device endpoint held twice meanwhile with the camera written last', () => {
    const db = open();
    customers(db, ['a', 'b']);
    // Here before the pull: a camera this desktop attached and has not uploaded yet.
    camera(db, 'local-1', 'a', 'urn:uuid:shared-1');
    camera(db, 'local-2', 'a', 'urn:uuid:mine');
    db.transaction(() => setFirstPullIndexesAside(db))();
    // The snapshot brings the server's camera with the same endpoint, and two more that share one
    // with each other and a third written after them (as a later page's row by row would).
    camera(db, 'server-1', 'b', 'urn:uuid:shared-1');
    camera(db, 'server-2', 'b', 'urn:uuid:shared-2');
    camera(db, 'server-3', 'b', 'urn:uuid:shared-2');
    camera(db, 'server-4', 'b', 'urn:uuid:shared-2');
    camera(db, 'server-5', 'b', null);
    expect(restoreFirstPullIndexes(db)).toBe(5);
    // As ServerRowWriter.writeCamera's step-aside leaves them: the later row keeps the endpoint.
    expect(endpoints(db)).toEqual([
      { id: 'local-1', endpoint_ref: null },
      { id: 'local-2', endpoint_ref: 'urn:uuid:mine' },
      { id: 'server-1', endpoint_ref: 'urn:uuid:shared-1' },
      { id: 'server-2', endpoint_ref: null },
      { id: 'server-3', endpoint_ref: null },
      { id: 'server-4', endpoint_ref: 'urn:uuid:shared-2' },
      { id: 'server-5', endpoint_ref: null },
    ]);
    // The unique index is back and refuses a second holder again.
    expect(() => camera(db, 'late', 'a', 'urn:uuid:mine')).toThrow(/UNIQUE/);
    expect(db.prepare('SELECT COUNT(*) FROM deferred_indexes').pluck().get()).toBe(0);
  });

  it('builds them outside a transaction with the sorter’s settings, put back after (several runs, a duplicate)', () => {
    const db = open();
    customers(db, ['a', 'b']);
    db.pragma('cache_size = -65536');
    const settings = () => ({
      tempStore: db.pragma('temp_store', { simple: true }),
      threads: db.pragma('threads', { simple: true }),
      cache: db.pragma('cache_size', { simple: true }),
    });
    const before = settings();
    expect(before).toEqual({ tempStore: 2, threads: 0, cache: -65536 });
    db.transaction(() => setFirstPullIndexesAside(db))();
    // 120,000 endpoints (~7 MB of keys): more than one run of the sorter's 4 MB, merged; one
    // endpoint held twice, settled by the build's second try.
    manyCameras(db, 120_000);
    db.prepare(
      "UPDATE cameras SET endpoint_ref = 'urn:uuid:twice' WHERE id IN ('cam-7', 'cam-9')",
    ).run();
    expect(restoreFirstPullIndexes(db)).toBe(5);
    expect(settings()).toEqual(before);
    expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
    expect(
      db.prepare("SELECT id FROM cameras WHERE endpoint_ref = 'urn:uuid:twice'").pluck().all(),
    ).toEqual(['cam-9']);
    expect(counts(db)).toEqual([
      { id: 'a', camera_count: 60000 },
      { id: 'b', camera_count: 60000 },
    ]);
    expect(() =>
      camera(
        db,
        'late',
        'a',
        db.prepare("SELECT endpoint_ref FROM cameras WHERE id = 'cam-1'").pluck().get() as string,
      ),
    ).toThrow(/UNIQUE/);

    // Inside a transaction (the tenants' indexes as the records begin) nothing is changed: a
    // change of temp_store there would fail.
    db.transaction(() => setFirstPullIndexesAside(db))();
    db.transaction(() => {
      expect(restoreFirstPullIndexes(db, ['tenants'])).toBe(3);
      expect(settings()).toEqual(before);
    })();
    expect(restoreFirstPullIndexes(db)).toBe(2);
    expect(settings()).toEqual(before);

    // Nor on a connection holding temporary objects, which a change of temp_store would drop.
    db.exec('CREATE TEMP TRIGGER kept AFTER INSERT ON cameras BEGIN SELECT 1; END');
    db.transaction(() => setFirstPullIndexesAside(db))();
    expect(restoreFirstPullIndexes(db)).toBe(5);
    expect(db.prepare('SELECT name FROM temp.sqlite_schema').pluck().all()).toEqual(['kept']);
    expect(settings()).toEqual(before);
  });

  // A private mount namespace with a tmpfs of 256 KiB as SQLite's temporary folder: root only.
  const canMount =
    spawnSync('unshare', ['-m', 'sh', '-c', 'mount -t tmpfs tmpfs "$1"', 'sh', tempDataDir()])
      .status === 0;
  it.skipIf(!canMount)(
    'sorts in memory as before when its temporary files cannot be written (a full temporary folder)',
    () => {
      const dir = tempDataDir();
      dirs.push(dir);
      const full = path.join(dir, 'tmp');
      fs.mkdirSync(full);
      const child = spawnSync(
        'unshare',
        [
          '-m',
          'sh',
          '-c',
          'mount -t tmpfs -o size=256k tmpfs "$1" && SQLITE_TMPDIR="$1" exec "$2" --import tsx test/support/first-pull-sort-child.ts "$3"',
          'sh',
          full,
          process.execPath,
          path.join(dir, 'db.sqlite'),
        ],
        { encoding: 'utf8', timeout: 60_000 },
      );
      expect(child.stderr).toBe('');
      expect(child.status).toBe(0);
      expect(JSON.parse(child.stdout.trim().split('\n').pop() ?? '')).toEqual({
        built: 5,
        tempStore: 2,
        threads: 0,
        integrity: 'ok',
        aside: 0,
        endpointIndex: expect.stringMatching(/UNIQUE INDEX/),
        counted: 120_000,
      });
    },
  );

  it('builds them when a database left with them aside opens, before a later migration runs', () => {
    const db = open();
    const file = db.name;
    const before = indexes(db);
    const triggersBefore = triggers(db);
    customers(db, ['a']);
    db.transaction(() => setFirstPullIndexesAside(db))();
    db.exec('INSERT INTO tenants_counts_deferred (id) VALUES (1)');
    camera(db, 'bulk-1', 'a');
    db.exec('DELETE FROM tenants_counts_deferred');
    // The process dies here: nothing builds them before the database closes.
    db.close();

    const again = open(file);
    expect(indexes(again)).toEqual(before);
    expect(triggers(again)).toEqual(triggersBefore);
    expect(counts(again)).toEqual([{ id: 'a', camera_count: 1 }]);
    // The count trigger counts again.
    camera(again, 'row-1', 'a');
    expect(counts(again)).toEqual([{ id: 'a', camera_count: 2 }]);
    again.transaction(() => setFirstPullIndexesAside(again))();
    again.close();

    // A later version whose migration rebuilds a set-aside index finds it as v10 left it.
    const later = open(file, [
      ...MIGRATIONS,
      {
        version: 11,
        name: 'cameras_customer_again',
        sql: 'DROP INDEX cameras_customer; CREATE INDEX cameras_customer ON cameras(customer_id);',
      },
    ]);
    expect(later.prepare('SELECT COUNT(*) FROM deferred_indexes').pluck().get()).toBe(0);
    expect(
      later.prepare("SELECT sql FROM sqlite_schema WHERE name = 'cameras_customer'").pluck().get(),
    ).toBe('CREATE INDEX cameras_customer ON cameras(customer_id)');
  });
});
