import Database from 'better-sqlite3';
import fs from 'node:fs';
import path from 'node:path';
import { AppError } from '../../shared/errors';
import { MIGRATIONS, type Migration } from './migrations';
import { restoreFirstPullIndexes } from './first-pull-indexes';

export type Db = Database.Database;

/**
 * Page size of a database this app creates. The largest tables hold rows of several hundred bytes
 * (a camera with its device data and profiles is ~700) written in bulk by a first sync; with 16 KiB
 * pages a snapshot of half a million cameras commits in less than half the time it takes with
 * SQLite's default 4 KiB (fewer WAL frames, each with its header and checksum, fewer B-tree
 * splits), and a bulk import is faster too. The price: a transaction that changes one row writes
 * whole 16 KiB pages to the WAL (one tenant created per transaction: ~0.65 → ~1.1 ms), far below
 * what a person at the UI notices. Figures in docs/sync.md. A database created before keeps its
 * page size: changing it needs a VACUUM of the whole file outside WAL mode, not worth a slow start.
 */
export const NEW_DATABASE_PAGE_SIZE = 16_384;

export interface OpenDatabaseOptions {
  file: string;
  /** Path of a better_sqlite3.node built for the running ABI (Electron has its own). */
  nativeBinding?: string;
  migrations?: readonly Migration[];
}

export interface OpenedDatabase {
  db: Db;
  /** Schema version before and after opening. */
  fromVersion: number;
  version: number;
  /** The copy taken before migrating, when one was needed. */
  backupFile: string | null;
}

/** What the WAL file is cut back to when it starts over (PRAGMA journal_size_limit). */
export const WAL_SIZE_LIMIT_BYTES = 64 * 1024 * 1024;

/**
 * Opens (or creates) the local database: WAL, foreign keys, a quick integrity check, then the
 * pending migrations. All pending migrations run inside one outer transaction (each one in its own
 * savepoint), after a copy of the file has been taken: a failure leaves the database exactly as it
 * was, and the app says so.
 */
export function openDatabase(options: OpenDatabaseOptions): OpenedDatabase {
  const migrations = options.migrations ?? MIGRATIONS;
  fs.mkdirSync(path.dirname(options.file), { recursive: true });
  const db = new Database(
    options.file,
    options.nativeBinding ? { nativeBinding: options.nativeBinding } : {},
  );
  try {
    // Only takes effect on a database with no pages yet (before WAL mode writes the first one).
    db.pragma(`page_size = ${NEW_DATABASE_PAGE_SIZE}`);
    db.pragma('journal_mode = WAL');
    // NORMAL in WAL mode: a killed process never loses a committed transaction.
    db.pragma('synchronous = NORMAL');
    // The WAL file shrinks back to this size when it starts over (after a checkpoint of all of it);
    // without a limit it keeps its largest size, that of a whole first pull (~560 MB in the
    // benchmark: SyncEngine checkpoints a first pull's WAL once, at its end).
    db.pragma(`journal_size_limit = ${WAL_SIZE_LIMIT_BYTES}`);
    db.pragma('foreign_keys = ON');
    // Statement journals (and temporary tables and sorts) in memory. A transaction that writes
    // under savepoints, as every snapshot page of a pull does (electron/sync/bulk.ts), journals
    // each page a savepoint changes that existed before it, in case the savepoint is rolled back;
    // past 64 KiB SQLite spills that journal to a temporary file, here one file per page: the
    // benchmark's first pull created 302 of them and wrote 357 MB to them, now none. The journal
    // is of no use after a crash (its transaction is not in the WAL), and a page's is ~1–2 MB.
    db.pragma('temp_store = MEMORY');
    db.pragma('busy_timeout = 5000');
    const check = db.pragma('quick_check', { simple: true });
    if (check !== 'ok') {
      throw new AppError(
        'DB_CORRUPT',
        `The database ${options.file} failed its integrity check (${String(check)}). Restore it from a backup, or move it away to start with an empty one.`,
      );
    }
    // Indexes a first pull set aside when the app was killed during it (first-pull-indexes.ts).
    restoreFirstPullIndexes(db);
    const { fromVersion, version, backupFile } = migrate(db, options.file, migrations);
    return { db, fromVersion, version, backupFile };
  } catch (err) {
    db.close();
    throw err;
  }
}

export function schemaVersion(db: Db): number {
  db.exec(
    'CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL, applied_at TEXT NOT NULL)',
  );
  const row = db.prepare('SELECT MAX(version) AS v FROM schema_version').get() as {
    v: number | null;
  };
  return row.v ?? 0;
}

function migrate(db: Db, file: string, migrations: readonly Migration[]) {
  const fromVersion = schemaVersion(db);
  const latest = migrations.reduce((max, m) => Math.max(max, m.version), 0);
  if (fromVersion > latest) {
    throw new AppError(
      'DB_TOO_NEW',
      `The database was written by a newer version of the app (schema ${fromVersion}, this app knows ${latest}). Update the app to open it.`,
    );
  }
  // Every migration not applied yet, in order (a lower number that arrived later still runs).
  const applied = new Set(
    (db.prepare('SELECT version FROM schema_version').all() as { version: number }[]).map(
      (r) => r.version,
    ),
  );
  const pending = migrations
    .filter((m) => !applied.has(m.version))
    .sort((a, b) => a.version - b.version);
  if (pending.length === 0) return { fromVersion, version: fromVersion, backupFile: null };

  let backupFile: string | null = null;
  if (fromVersion > 0 && file !== ':memory:') {
    backupFile = `${file}.v${fromVersion}.bak`;
    fs.rmSync(backupFile, { force: true });
    // VACUUM INTO writes a consistent copy even while WAL frames are not checkpointed.
    db.prepare('VACUUM INTO ?').run(backupFile);
  }
  const insert = db.prepare('INSERT INTO schema_version (version, applied_at) VALUES (?, ?)');
  let current: Migration | undefined;
  try {
    db.transaction(() => {
      for (const m of pending) {
        current = m;
        db.transaction(() => {
          db.exec(m.sql);
          insert.run(m.version, new Date().toISOString());
        })();
      }
    })();
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    throw new AppError(
      'MIGRATION_FAILED',
      `Could not upgrade the database to version ${current?.version ?? '?'} (${current?.name ?? '?'}): ${reason}. Nothing was changed: the database is still at version ${fromVersion}${backupFile ? `, and a copy is at ${backupFile}` : ''}.`,
    );
  }
  return { fromVersion, version: latest, backupFile };
}
