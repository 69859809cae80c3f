import { afterEach, describe, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import fs from 'node:fs';
import path from 'node:path';
import {
  NEW_DATABASE_PAGE_SIZE,
  openDatabase,
  schemaVersion,
  type Db,
} from '../../electron/db/connection';
import { MIGRATIONS, type Migration } from '../../electron/db/migrations';
import { RECOMPUTE_RECORDING_SQL } from '../../electron/tenancy/repository';
import { tempDataDir } from '../support/host-process';

let db: Db | undefined;
afterEach(() => {
  if (db?.open) db.close();
  db = undefined;
});

const v1 = MIGRATIONS.filter((m) => m.version === 1);
const addColumn: Migration = {
  version: 2,
  name: 'tenant_tags',
  sql: "ALTER TABLE tenants ADD COLUMN tags TEXT NOT NULL DEFAULT '';",
};
const broken: Migration = {
  version: 3,
  name: 'broken',
  sql: 'CREATE TABLE extra (x INTEGER); INSERT INTO no_such_table VALUES (1);',
};

function seedV1(file: string) {
  const opened = openDatabase({ file, migrations: v1 });
  opened.db
    .prepare(
      `INSERT INTO tenants (id, kind, parent_id, path, depth, name, name_key, created_at, updated_at)
       VALUES ('root', 'root', NULL, '/root/', 0, 'Partner', 'partner', 'now', 'now'),
              ('c1', 'customer', 'root', '/root/c1/', 1, 'Old Customer', 'old customer', 'now', 'now')`,
    )
    .run();
  opened.db.close();
}

describe('the local database', () => {
  it('opens in WAL mode with foreign keys, at the latest schema version', () => {
    const file = path.join(tempDataDir(), 'a.sqlite');
    const opened = openDatabase({ file });
    db = opened.db;
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.pragma('foreign_keys', { simple: true })).toBe(1);
    // Statement journals in memory, not in a temporary file per savepoint (MEMORY = 2).
    expect(db.pragma('temp_store', { simple: true })).toBe(2);
    expect(opened).toMatchObject({ fromVersion: 0, version: MIGRATIONS.length, backupFile: null });
  });

  it('creates a new database with 16 KiB pages and leaves an existing one at its own size', () => {
    const fresh = path.join(tempDataDir(), 'fresh.sqlite');
    db = openDatabase({ file: fresh }).db;
    expect(db.pragma('page_size', { simple: true })).toBe(NEW_DATABASE_PAGE_SIZE);
    db.close();
    // Reopened: still its size, and the pragma on open changes nothing.
    db = openDatabase({ file: fresh }).db;
    expect(db.pragma('page_size', { simple: true })).toBe(NEW_DATABASE_PAGE_SIZE);
    db.close();

    // A database an older version created (SQLite's default 4 KiB pages, WAL, with data).
    const older = path.join(tempDataDir(), 'older.sqlite');
    const raw = new Database(older);
    raw.pragma('journal_mode = WAL');
    raw.exec("CREATE TABLE keep (x TEXT); INSERT INTO keep VALUES ('kept')");
    expect(raw.pragma('page_size', { simple: true })).toBe(4096);
    raw.close();
    db = openDatabase({ file: older }).db;
    expect(db.pragma('page_size', { simple: true })).toBe(4096);
    expect(db.prepare('SELECT x FROM keep').pluck().get()).toBe('kept');
    expect(db.pragma('quick_check', { simple: true })).toBe('ok');
  });

  it('checks whether cameras record from the camera index alone, also after an upgrade', () => {
    // A desktop at schema 8 with a camera.
    const file = path.join(tempDataDir(), 'v8.sqlite');
    const v8 = openDatabase({ file, migrations: MIGRATIONS.filter((m) => m.version <= 8) }).db;
    v8.exec(
      `INSERT INTO tenants (id, kind, parent_id, path, depth, name, name_key, created_at, updated_at)
       VALUES ('root', 'root', NULL, '/root/', 0, 'Partner', 'partner', 'now', 'now'),
              ('c1', 'customer', 'root', '/root/c1/', 1, 'Home', 'home', 'now', 'now');
       INSERT INTO cameras (id, customer_id, name, kind, enabled, recording, created_at, updated_at)
       VALUES ('cam1', 'c1', 'Door', 'rtsp', 1, 0, 'now', 'now');`,
    );
    v8.close();
    const opened = openDatabase({ file });
    db = opened.db;
    expect(opened).toMatchObject({ fromVersion: 8, version: MIGRATIONS.length });
    const columns = db.prepare("SELECT name FROM pragma_index_info('cameras_customer')").pluck();
    expect(columns.all()).toEqual(['customer_id', 'enabled', 'recording']);
    const plan = db.prepare(`EXPLAIN QUERY PLAN ${RECOMPUTE_RECORDING_SQL}`).all({
      now: 'later',
      lo: '/root/',
      hi: '/root0',
    }) as { detail: string }[];
    expect(plan.map((p) => p.detail)).toContain(
      'SEARCH cameras USING COVERING INDEX cameras_customer (customer_id=?)',
    );
    // The check still finds the camera that should record, and only that one.
    const recompute = db.prepare(RECOMPUTE_RECORDING_SQL);
    expect(recompute.run({ now: 'later', lo: '/root/', hi: '/root0' }).changes).toBe(1);
    expect(recompute.run({ now: 'later', lo: '/root/', hi: '/root0' }).changes).toBe(0);
    expect(db.prepare("SELECT recording FROM cameras WHERE id = 'cam1'").pluck().get()).toBe(1);
  });

  it('migrates an older schema, keeps its data, and copies the file first', () => {
    const file = path.join(tempDataDir(), 'b.sqlite');
    seedV1(file);
    const opened = openDatabase({ file, migrations: [...v1, addColumn] });
    db = opened.db;
    expect(opened).toMatchObject({ fromVersion: 1, version: 2 });
    expect(db.prepare("SELECT name, tags FROM tenants WHERE id = 'c1'").get()).toEqual({
      name: 'Old Customer',
      tags: '',
    });
    expect(opened.backupFile).toBe(`${file}.v1.bak`);
    const backup = new Database(opened.backupFile ?? '', { readonly: true });
    expect(backup.prepare("SELECT name FROM tenants WHERE id = 'c1'").get()).toEqual({
      name: 'Old Customer',
    });
    backup.close();
  });

  it('a failed migration leaves the database exactly as it was and says so', () => {
    const file = path.join(tempDataDir(), 'c.sqlite');
    seedV1(file);
    expect(() => openDatabase({ file, migrations: [...v1, addColumn, broken] })).toThrow(
      /Could not upgrade the database to version 3 \(broken\).*Nothing was changed: the database is still at version 1/,
    );
    db = new Database(file);
    expect(schemaVersion(db)).toBe(1);
    // Migration 2 ran before 3 failed, and was rolled back with it.
    const cols = (db.prepare('PRAGMA table_info(tenants)').all() as { name: string }[]).map(
      (c) => c.name,
    );
    expect(cols).not.toContain('tags');
    expect(db.prepare("SELECT name FROM sqlite_master WHERE name = 'extra'").get()).toBeUndefined();
    expect(db.prepare("SELECT name FROM tenants WHERE id = 'c1'").get()).toEqual({
      name: 'Old Customer',
    });
  });

  it('applies a lower-numbered migration that arrived after a higher one', () => {
    const file = path.join(tempDataDir(), 'f.sqlite');
    const three: Migration = { version: 3, name: 'three', sql: 'CREATE TABLE three (x INTEGER);' };
    openDatabase({ file, migrations: [...v1, three] }).db.close();
    const opened = openDatabase({ file, migrations: [...v1, addColumn, three] });
    db = opened.db;
    const cols = (db.prepare('PRAGMA table_info(tenants)').all() as { name: string }[]).map(
      (c) => c.name,
    );
    expect(cols).toContain('tags');
    expect(opened.version).toBe(3);
  });

  it('refuses a database written by a newer app', () => {
    const file = path.join(tempDataDir(), 'd.sqlite');
    seedV1(file);
    const raw = new Database(file);
    raw.prepare('INSERT INTO schema_version (version, applied_at) VALUES (99, ?)').run('later');
    raw.close();
    expect(() => openDatabase({ file, migrations: v1 })).toThrow(/newer version of the app/);
  });

  it('refuses a corrupt file with a message that says what to do', () => {
    const file = path.join(tempDataDir(), 'e.sqlite');
    seedV1(file);
    // Overwrite the second page (the file header says how large a page is): the header stays
    // valid, the pages do not.
    const buf = fs.readFileSync(file);
    const pageSize = buf.readUInt16BE(16);
    expect(buf.length).toBeGreaterThanOrEqual(2 * pageSize);
    const fd = fs.openSync(file, 'r+');
    fs.writeSync(fd, Buffer.alloc(pageSize, 0x5a), 0, pageSize, pageSize);
    fs.closeSync(fd);
    expect(() => openDatabase({ file, migrations: v1 })).toThrow(
      /integrity check|malformed|not a database/i,
    );
  });
});
