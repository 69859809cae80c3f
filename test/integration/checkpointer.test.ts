/**
 * The WAL checkpointer (electron/db/checkpointer.ts) with its real thread and a real database:
 * while one connection commits in bulk with its own automatic checkpoint off, the thread's
 * checkpoints keep the WAL from growing with every commit, nothing committed is lost, and a thread
 * that cannot start leaves the writer working (its own checkpoint takes over).
 */
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase, type Db } from '../../electron/db/connection';
import { WalCheckpointer } from '../../electron/db/checkpointer';
import { CHECKPOINT_WORKER_FILE } from '../support/core';
import { tempDataDir } from '../support/host-process';

const opened: { db: Db; checkpointer: WalCheckpointer }[] = [];
afterEach(() => {
  for (const o of opened.splice(0)) {
    o.checkpointer.close();
    if (o.db.open) o.db.close();
  }
});

function setup(workerFile = CHECKPOINT_WORKER_FILE) {
  const file = path.join(tempDataDir('vms-ckpt-'), 'app.sqlite');
  const { db } = openDatabase({ file });
  db.exec('CREATE TABLE blobs (id INTEGER PRIMARY KEY, body TEXT NOT NULL)');
  const errors: unknown[] = [];
  const checkpointer = new WalCheckpointer({ workerFile, file, log: (e) => errors.push(e) });
  opened.push({ db, checkpointer });
  return { db, file, checkpointer, errors };
}

/** Commits `count` transactions of ~200 KB each, asking for a checkpoint after each one. */
async function writeInBulk(db: Db, checkpointer: WalCheckpointer, count: number) {
  const insert = db.prepare('INSERT INTO blobs (body) VALUES (?)');
  let walMax = 0;
  for (let t = 0; t < count; t++) {
    db.transaction(() => {
      for (let i = 0; i < 50; i++) insert.run(`${t}:${i}:`.padEnd(4000, 'x'));
    })();
    checkpointer.request();
    // The writer's next transaction comes a little later, as a pull's next page does.
    await new Promise((resolve) => setTimeout(resolve, 5));
    walMax = Math.max(walMax, fs.statSync(`${db.name}-wal`).size);
  }
  await checkpointer.settled();
  return walMax;
}

describe('WAL checkpointer', () => {
  it('keeps the WAL small while another connection commits in bulk, and loses nothing', async () => {
    const { db, file, checkpointer, errors } = setup();
    db.pragma('wal_autocheckpoint = 0');
    const walMax = await writeInBulk(db, checkpointer, 60);
    expect(errors).toEqual([]);
    expect(checkpointer.count).toBeGreaterThan(0);
    expect(checkpointer.last).toMatchObject({ busy: false });
    // 60 transactions of ~200 KB: 12 MB in the WAL without checkpoints. With them the WAL starts
    // over from its beginning once everything in it is in the database file (less than 8 MB even
    // on a busy machine; ~4 MB here).
    expect(walMax).toBeLessThan(8 * 1024 * 1024);
    // The database file itself holds the rows (checkpointed), and a fresh connection reads them all.
    expect(fs.statSync(file).size).toBeGreaterThan(10 * 1024 * 1024);
    const reader = new Database(file, { readonly: true });
    try {
      expect(reader.prepare('SELECT COUNT(*) FROM blobs').pluck().get()).toBe(3000);
      expect(reader.pragma('integrity_check', { simple: true })).toBe('ok');
    } finally {
      reader.close();
    }
  });

  it('without the thread the same writes pile up in the WAL (what the test above guards against)', async () => {
    const { db, file } = setup();
    db.pragma('wal_autocheckpoint = 0');
    const idle = new WalCheckpointer({ workerFile: CHECKPOINT_WORKER_FILE, file });
    idle.close();
    const walMax = await writeInBulk(db, idle, 60);
    expect(idle.count).toBe(0);
    expect(walMax).toBeGreaterThan(10 * 1024 * 1024);
  });

  it('reports a thread that cannot start and leaves the writer to checkpoint itself', async () => {
    const { db, checkpointer, errors } = setup(path.join(tempDataDir(), 'missing-worker.cjs'));
    checkpointer.request();
    await checkpointer.settled();
    // The worker file does not exist: the thread fails, once, and asking again does nothing.
    await expect.poll(() => checkpointer.available, { timeout: 5000 }).toBe(false);
    expect(errors.length).toBe(1);
    checkpointer.request();
    await checkpointer.settled();
    expect(errors.length).toBe(1);
    // The writer's own automatic checkpoint still works.
    db.pragma('wal_autocheckpoint = 100');
    await writeInBulk(db, checkpointer, 20);
    expect(fs.statSync(`${db.name}-wal`).size).toBeLessThan(4 * 1024 * 1024);
    expect(db.prepare('SELECT COUNT(*) FROM blobs').pluck().get()).toBe(1000);
  });
});
