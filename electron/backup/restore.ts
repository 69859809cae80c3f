import Database from 'better-sqlite3';
import fs from 'node:fs';
import path from 'node:path';
import { AppError } from '../../shared/errors';
import { MIGRATIONS } from '../db/migrations';
import { openDatabase } from '../db/connection';
import { databaseFile } from '../app/paths';
import { runningInstances } from './instances';

/** Larger than any real partner database; a bigger file is a mistake (or a disk image). */
export const RESTORE_MAX_BYTES = 2 * 1024 ** 3;
const SQLITE_MAGIC = Buffer.from('SQLite format 3\0', 'latin1');
/** Tables every version of our schema has had since the first migration. */
const CORE_TABLES = ['tenants', 'cameras', 'users', 'roles', 'audit'];

export interface RestoreResult {
  /** Where the database that was replaced now is (null when there was none). */
  previousCopy: string | null;
  /** Schema version of the backup, and after opening it (migrations ran when they differ). */
  fromVersion: number;
  version: number;
}

const refuse = (message: string) => new AppError('RESTORE_REFUSED', message);

/**
 * Replaces the data folder's database with a backup file, after checking that it is one of ours:
 * size, SQLite header, integrity_check, our tables, a schema version this app knows. Every check
 * runs on a copy inside the data folder before the current database is touched; a refusal leaves
 * everything as it was. The swap itself is a rename, so a crash leaves the old or the new file.
 */
export function restoreDatabase(options: {
  dataDir: string;
  backupFile: string;
  nativeBinding?: string;
  now?: Date;
}): RestoreResult {
  const { dataDir, backupFile } = options;
  const running = runningInstances(dataDir);
  if (running.length > 0)
    throw refuse(
      `The app is running on ${dataDir} (process ${running.join(', ')}). Quit it, then restore again.`,
    );
  checkFileShape(backupFile);

  const target = databaseFile(dataDir);
  const stamp = (options.now ?? new Date()).toISOString().replace(/[-:.]/g, '');
  fs.mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const temp = path.join(dataDir, `vms-admin.sqlite.restore-${stamp}.tmp`);
  fs.copyFileSync(backupFile, temp);
  fs.chmodSync(temp, 0o600);
  let fromVersion: number;
  try {
    fromVersion = checkDatabase(temp, options.nativeBinding);
    fsyncFile(temp);
  } catch (err) {
    removeWithSidecars(temp);
    throw err;
  }

  const previousCopy = fs.existsSync(target) ? `${target}.before-restore-${stamp}.bak` : null;
  if (previousCopy) copyAside(target, previousCopy, options.nativeBinding);
  // A WAL left beside the old file would be replayed into the new one.
  removeSidecars(target);
  fs.renameSync(temp, target);
  fsyncDir(dataDir);

  const opened = openDatabase({
    file: target,
    ...(options.nativeBinding ? { nativeBinding: options.nativeBinding } : {}),
  });
  opened.db.close();
  return { previousCopy, fromVersion, version: opened.version };
}

function checkFileShape(file: string): void {
  let stat: fs.Stats;
  try {
    stat = fs.statSync(file);
  } catch {
    throw refuse(`${file} does not exist.`);
  }
  if (!stat.isFile()) throw refuse(`${file} is not a file.`);
  if (stat.size > RESTORE_MAX_BYTES)
    throw refuse(
      `${file} is ${stat.size} bytes, more than the ${RESTORE_MAX_BYTES} bytes a backup can be.`,
    );
  const head = Buffer.alloc(SQLITE_MAGIC.length);
  const fd = fs.openSync(file, 'r');
  try {
    fs.readSync(fd, head, 0, head.length, 0);
  } finally {
    fs.closeSync(fd);
  }
  if (!head.equals(SQLITE_MAGIC)) throw refuse(`${file} is not an SQLite database.`);
}

/** Returns the schema version of a database file that passes every check. */
function checkDatabase(file: string, nativeBinding: string | undefined): number {
  let db: Database.Database;
  try {
    db = new Database(file, { fileMustExist: true, ...(nativeBinding ? { nativeBinding } : {}) });
  } catch (err) {
    throw refuse(`The backup cannot be opened: ${err instanceof Error ? err.message : err}.`);
  }
  try {
    let check: unknown;
    try {
      check = db.pragma('integrity_check', { simple: true });
    } catch (err) {
      throw refuse(`The backup is damaged: ${err instanceof Error ? err.message : String(err)}.`);
    }
    if (check !== 'ok') throw refuse(`The backup failed its integrity check (${String(check)}).`);
    const tables = new Set(
      (
        db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as {
          name: string;
        }[]
      ).map((r) => r.name),
    );
    const missing = ['schema_version', ...CORE_TABLES].filter((t) => !tables.has(t));
    if (missing.length > 0)
      throw refuse(`The file is not a VMS Partner Admin backup: no ${missing.join(', ')} table.`);
    const { v } = db.prepare('SELECT MAX(version) AS v FROM schema_version').get() as {
      v: number | null;
    };
    const latest = MIGRATIONS.reduce((max, m) => Math.max(max, m.version), 0);
    if ((v ?? 0) > latest)
      throw refuse(
        `The backup was written by a newer version of the app (schema ${v}, this app knows ${latest}). Update the app, then restore it.`,
      );
    return v ?? 0;
  } finally {
    db.close();
  }
}

/** A copy of the current database, WAL folded in first when it opens; the raw files otherwise. */
function copyAside(target: string, copy: string, nativeBinding: string | undefined): void {
  try {
    const db = new Database(target, nativeBinding ? { nativeBinding } : {});
    try {
      db.pragma('wal_checkpoint(TRUNCATE)');
    } finally {
      db.close();
    }
  } catch {
    if (fs.existsSync(`${target}-wal`)) fs.copyFileSync(`${target}-wal`, `${copy}-wal`);
  }
  fs.copyFileSync(target, copy);
  fs.chmodSync(copy, 0o600);
  fsyncFile(copy);
}

function removeSidecars(file: string): void {
  fs.rmSync(`${file}-wal`, { force: true });
  fs.rmSync(`${file}-shm`, { force: true });
}

function removeWithSidecars(file: string): void {
  fs.rmSync(file, { force: true });
  removeSidecars(file);
}

function fsyncFile(file: string): void {
  const fd = fs.openSync(file, 'r+');
  try {
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

function fsyncDir(dir: string): void {
  // Windows cannot open a directory for fsync; the rename is durable enough there.
  if (process.platform === 'win32') return;
  const fd = fs.openSync(dir, 'r');
  try {
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}
