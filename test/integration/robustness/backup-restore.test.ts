import { afterEach, describe, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { customer } from '../../support/core';
import {
  HOST_BUNDLE,
  callHost,
  startHostProcess,
  tempDataDir,
  type HostProcess,
} from '../../support/host-process';
import { databaseChecksum } from '../../support/checksum';
import { databaseFile } from '../../../electron/app/paths';
import { RESTORE_MAX_BYTES } from '../../../electron/backup/restore';
import type { BackupFile } from '../../../shared/backup';

/** Runs `npm start -- --data-dir DIR restore FILE` with the built host. */
async function restoreCli(dataDir: string, file: string) {
  const child = spawn(process.execPath, [HOST_BUNDLE, '--data-dir', dataDir, 'restore', file], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const code = await new Promise<number | null>((r) => child.once('exit', r));
  return { code, out };
}

function tenantNames(file: string): string[] {
  const db = new Database(file, { readonly: true });
  try {
    return (
      db.prepare("SELECT name FROM tenants WHERE kind = 'customer' ORDER BY name").all() as {
        name: string;
      }[]
    ).map((r) => r.name);
  } finally {
    db.close();
  }
}

function checksumOf(dataDir: string): string {
  const db = new Database(databaseFile(dataDir), { readonly: true });
  try {
    return databaseChecksum(db);
  } finally {
    db.close();
  }
}

async function api<T>(host: HostProcess, method: string, input: unknown): Promise<T> {
  const answer = await callHost(host, method, input, 30_000);
  if (answer === 'lost') throw new Error(`${method}: no answer`);
  const body = answer.body as { ok: boolean; result: T; error?: { message: string } };
  if (!body.ok) throw new Error(`${method}: ${body.error?.message}`);
  return body.result;
}

let host: HostProcess | undefined;
afterEach(async () => {
  await host?.stop();
  host = undefined;
});

describe('backup from the UI and validated restore', () => {
  it('backup.create while writes happen gives an intact copy with every committed row, and it restores', async () => {
    const dataDir = tempDataDir();
    host = await startHostProcess({ dataDir });
    const h = host;
    const committed: string[] = [];
    for (let i = 0; i < 20; i++) {
      const name = `Before ${String(i).padStart(3, '0')}`;
      await api(h, 'tenants.create', customer(name));
      committed.push(name);
    }
    // A writer keeps creating customers while the backup runs.
    let writing = true;
    const writer = (async () => {
      for (let i = 0; writing; i++) {
        const name = `During ${String(i).padStart(4, '0')}`;
        await api(h, 'tenants.create', customer(name));
        committed.push(name);
      }
    })();
    await new Promise((r) => setTimeout(r, 50));
    const committedBefore = [...committed];
    const first = await api<BackupFile>(h, 'backup.create', {});
    writing = false;
    await writer;

    expect(path.dirname(first.file)).toBe(path.join(dataDir, 'backups'));
    expect(first.name).toMatch(/^vms-admin-\d{8}T\d{9}Z\.sqlite$/);
    expect(first.bytes).toBe(fs.statSync(first.file).size);
    if (process.platform !== 'win32') {
      expect(fs.statSync(first.file).mode & 0o777).toBe(0o600);
      expect(fs.statSync(path.dirname(first.file)).mode & 0o777).toBe(0o700);
    }
    const check = new Database(first.file, { readonly: true });
    expect(check.pragma('integrity_check', { simple: true })).toBe('ok');
    check.close();
    const inBackup = tenantNames(first.file);
    for (const name of committedBefore) expect(inBackup).toContain(name);
    // Nothing the app did not commit: every row in the copy is one the API answered for.
    for (const name of inBackup) expect(committed).toContain(name);

    await new Promise((r) => setTimeout(r, 5));
    const second = await api<BackupFile>(h, 'backup.create', {});
    const list = await api<BackupFile[]>(h, 'backup.list', {});
    expect(list.map((b) => b.name)).toEqual([second.name, first.name]);
    expect(list[1]?.bytes).toBe(first.bytes);

    // Restoring refuses while the app runs on that folder, and changes nothing.
    const running = checksumOf(dataDir);
    const refused = await restoreCli(dataDir, first.file);
    expect(refused.code).toBe(1);
    expect(refused.out).toContain(`RESTORE_REFUSED: The app is running on ${dataDir}`);
    expect(checksumOf(dataDir)).toBe(running);
    await h.stop();
    host = undefined;

    // Into a fresh folder: the data comes back.
    const freshDir = tempDataDir();
    const fresh = await restoreCli(freshDir, first.file);
    expect(fresh.out).toContain('Restored');
    expect(fresh.code).toBe(0);
    expect(tenantNames(databaseFile(freshDir))).toEqual(inBackup);

    // Over the live folder: back to the backup's content, the replaced database kept aside.
    const now = tenantNames(databaseFile(dataDir));
    expect(now.length).toBeGreaterThan(inBackup.length);
    const over = await restoreCli(dataDir, first.file);
    expect(over.code).toBe(0);
    expect(tenantNames(databaseFile(dataDir))).toEqual(inBackup);
    const aside = fs.readdirSync(dataDir).filter((f) => f.includes('.before-restore-'));
    expect(aside).toHaveLength(1);
    expect(tenantNames(path.join(dataDir, aside[0] ?? ''))).toEqual(now);
    expect(fs.readdirSync(dataDir).filter((f) => f.endsWith('.tmp'))).toEqual([]);

    // The app opens the restored folder normally.
    host = await startHostProcess({ dataDir });
    const rows = await api<{ rows: { name: string }[] }>(host, 'tenants.list', {
      kind: 'customer',
      limit: 500,
    });
    expect(rows.rows.map((r) => r.name).sort()).toEqual(inBackup);
  }, 120_000);

  it('backup.list is empty before the first backup', async () => {
    host = await startHostProcess();
    expect(await api<BackupFile[]>(host, 'backup.list', {})).toEqual([]);
  });

  it('restore refuses a file that is not a usable backup, and leaves the database untouched', async () => {
    const dataDir = tempDataDir();
    host = await startHostProcess({ dataDir });
    for (let i = 0; i < 300; i++) await api(host, 'tenants.create', customer(`Customer ${i}`));
    const backup = await api<BackupFile>(host, 'backup.create', {});
    await host.stop();
    host = undefined;
    const before = checksumOf(dataDir);
    const work = tempDataDir();

    const text = path.join(work, 'customers.csv');
    fs.writeFileSync(text, 'name,email\nAcme,acme@example.com\n');

    const truncated = path.join(work, 'truncated.sqlite');
    const bytes = fs.readFileSync(backup.file);
    fs.writeFileSync(truncated, bytes.subarray(0, Math.floor(bytes.length / 2)));

    const tooNew = path.join(work, 'too-new.sqlite');
    fs.copyFileSync(backup.file, tooNew);
    const db = new Database(tooNew);
    db.prepare('INSERT INTO schema_version (version, applied_at) VALUES (999, ?)').run('later');
    db.close();

    const foreign = path.join(work, 'foreign.sqlite');
    const other = new Database(foreign);
    other.exec('CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)');
    other.close();

    const huge = path.join(work, 'huge.sqlite');
    fs.copyFileSync(backup.file, huge);
    fs.truncateSync(huge, RESTORE_MAX_BYTES + 1); // sparse: no real 2 GiB written

    const cases: [string, string][] = [
      [text, 'is not an SQLite database'],
      [truncated, 'The backup'],
      [tooNew, 'written by a newer version of the app (schema 999'],
      [foreign, 'is not a VMS Partner Admin backup: no schema_version, tenants'],
      [huge, `more than the ${RESTORE_MAX_BYTES} bytes`],
      [path.join(work, 'missing.sqlite'), 'does not exist'],
    ];
    for (const [file, message] of cases) {
      const { code, out } = await restoreCli(dataDir, file);
      expect(code, out).toBe(1);
      expect(out).toContain('RESTORE_REFUSED');
      expect(out).toContain(message);
      expect(checksumOf(dataDir)).toBe(before);
      expect(fs.readdirSync(dataDir).filter((f) => /\.tmp|before-restore/.test(f))).toEqual([]);
    }
  }, 120_000);
});
