/** The server's SQLite file: page size of a new database, and an older one left as it is. */
import Database from 'better-sqlite3';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { NEW_DATABASE_PAGE_SIZE, openSqlite } from '../../../server/db/sqlite';

const dirs: string[] = [];
const tempFile = (name: string) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vms-server-sqlite-'));
  dirs.push(dir);
  return path.join(dir, name);
};
afterEach(() => {
  while (dirs.length) fs.rmSync(dirs.pop() ?? '', { recursive: true, force: true });
});

const pageSize = async (file: string) => {
  const db = openSqlite(file);
  try {
    return (await db.get<{ page_size: number }>('PRAGMA page_size'))?.page_size;
  } finally {
    await db.close();
  }
};

describe('the server SQLite file', () => {
  it('is created with 16 KiB pages, and keeps them when opened again', async () => {
    const file = tempFile('new.sqlite');
    expect(await pageSize(file)).toBe(NEW_DATABASE_PAGE_SIZE);
    expect(await pageSize(file)).toBe(NEW_DATABASE_PAGE_SIZE);
  });

  it('leaves a database an older version created at its page size, with its rows', async () => {
    const file = tempFile('older.sqlite');
    const raw = new Database(file);
    raw.pragma('journal_mode = WAL');
    raw.exec("CREATE TABLE keep (x TEXT); INSERT INTO keep VALUES ('kept')");
    raw.close();
    expect(await pageSize(file)).toBe(4096);
    const db = openSqlite(file);
    try {
      expect(await db.get('SELECT x FROM keep')).toEqual({ x: 'kept' });
    } finally {
      await db.close();
    }
  });
});
