import Database from 'better-sqlite3';
import fs from 'node:fs';
import path from 'node:path';
import type { SqlDb, SqlRunner, SqlTransaction, SqlValue } from './sql';

/**
 * better-sqlite3 is synchronous, but our transactions are async functions: two requests could
 * interleave their statements on the one connection. A queue gives each transaction (and each
 * statement outside one) the connection to itself, so a reader never sees another request's
 * uncommitted rows.
 */
class Queue {
  private tail: Promise<void> = Promise.resolve();
  run<T>(fn: () => Promise<T>): Promise<T> {
    const result = this.tail.then(fn);
    this.tail = result.then(
      () => undefined,
      () => undefined,
    );
    return result;
  }
}

/** Page size of a database the server creates (as the desktop's, electron/db/connection.ts). */
export const NEW_DATABASE_PAGE_SIZE = 16_384;

/** How much of the database file reads may map (SQLite's default build allows up to ~2 GB). */
const MMAP_BYTES = 2 ** 31;

export function openSqlite(file: string): SqlDb {
  if (file !== ':memory:') fs.mkdirSync(path.dirname(file), { recursive: true });
  const db = new Database(file);
  // A new database gets 16 KiB pages (an existing one keeps its own): a snapshot reads hundreds
  // of thousands of ~1 KB records, and fewer, larger pages cost the server less CPU per page.
  db.pragma(`page_size = ${NEW_DATABASE_PAGE_SIZE}`);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('busy_timeout = 5000');
  // Reads through the memory map rather than a read() per page: a snapshot reads the whole subtree
  // (half the time of a 600,000-row snapshot's queries here). SQLite caps it at its own maximum.
  db.pragma(`mmap_size = ${MMAP_BYTES}`);
  const cache = new Map<string, Database.Statement>();
  const prepare = (sql: string) => {
    let stmt = cache.get(sql);
    if (!stmt) {
      stmt = db.prepare(sql);
      cache.set(sql, stmt);
    }
    return stmt;
  };
  const runner: SqlRunner = {
    all: async <T>(sql: string, params: readonly SqlValue[] = []) =>
      prepare(sql).all(...params) as T[],
    get: async <T>(sql: string, params: readonly SqlValue[] = []) =>
      prepare(sql).get(...params) as T | undefined,
    run: async (sql: string, params: readonly SqlValue[] = []) => {
      const stmt = prepare(sql);
      if (stmt.reader) return stmt.all(...params).length;
      return stmt.run(...params).changes;
    },
  };
  const queue = new Queue();
  return {
    dialect: 'sqlite',
    forUpdate: '',
    all: (sql, params) => queue.run(() => runner.all(sql, params)),
    get: (sql, params) => queue.run(() => runner.get(sql, params)),
    run: (sql, params) => queue.run(() => runner.run(sql, params)),
    transaction: (fn) =>
      queue.run(async () => {
        db.exec('BEGIN IMMEDIATE');
        let savepointSet = false;
        const tx: SqlTransaction = {
          ...runner,
          async savepoint() {
            db.exec(savepointSet ? 'RELEASE mutation; SAVEPOINT mutation' : 'SAVEPOINT mutation');
            savepointSet = true;
          },
          async rollbackToSavepoint() {
            db.exec('ROLLBACK TO mutation');
          },
        };
        try {
          const result = await fn(tx);
          db.exec('COMMIT');
          return result;
        } catch (err) {
          if (db.inTransaction) db.exec('ROLLBACK');
          throw err;
        }
      }),
    exec: (sql) => queue.run(async () => void db.exec(sql)),
    close: () => queue.run(async () => void (db.open && db.close())),
  };
}
