import { describe, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import { spawn } from 'node:child_process';
import http from 'node:http';
import path from 'node:path';
import fs from 'node:fs';
import { openTestCore, customer } from '../../support/core';
import { startHostProcess, tempDataDir } from '../../support/host-process';
import { databaseFile } from '../../../electron/app/paths';

/** Real kill -9 of the browser host while it writes: committed work survives, nothing half-applied. */
describe('durability under kill -9', () => {
  it('a cascade interrupted by kill -9 is all or nothing, and the database passes integrity_check', async () => {
    const dataDir = tempDataDir();
    const seed = openTestCore(dataDir);
    const c = await seed.call('tenants.create', customer('Big Home'));
    const insert = seed.db.prepare(
      "INSERT INTO cameras (id, customer_id, name, kind, address, model, enabled, recording, created_at, updated_at) VALUES (?, ?, ?, 'rtsp', '', '', 1, 1, 'now', 'now')",
    );
    seed.db.transaction(() => {
      for (let i = 0; i < 60_000; i++) insert.run(`cam-${i}`, c.id, `Cam ${i}`);
    })();
    seed.close();

    const outcomes: string[] = [];
    for (let round = 0; round < 4; round++) {
      const host = await startHostProcess({ dataDir });
      const method = round % 2 === 0 ? 'tenants.disable' : 'tenants.enable';
      const body = JSON.stringify(
        round % 2 === 0 ? { id: c.id } : { id: c.id, mode: 'enable_all_cameras' },
      );
      // A raw request with its own deadline: whatever the kill does to the socket, it settles.
      let req: http.ClientRequest | undefined;
      const request = new Promise<number | string>((resolve) => {
        req = http.request(
          {
            host: '127.0.0.1',
            port: host.port,
            path: `/api/${method}`,
            method: 'POST',
            headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${host.token}` },
          },
          (res) => {
            res.resume();
            res.on('end', () => resolve(res.statusCode ?? 0));
            res.on('error', () => resolve('killed'));
            res.on('close', () => resolve(res.complete ? (res.statusCode ?? 0) : 'killed'));
          },
        );
        req.on('error', () => resolve('killed'));
        req.on('close', () => setTimeout(() => resolve('killed'), 100));
        req.end(body);
      });
      await new Promise((r) => setTimeout(r, 5 + round * 15));
      host.child.kill('SIGKILL');
      await new Promise((r) =>
        host.child.exitCode !== null || host.child.signalCode !== null
          ? r(null)
          : host.child.once('exit', r),
      );
      const giveUp = setTimeout(() => req?.destroy(), 3000);
      const status = await request;
      clearTimeout(giveUp);

      const db = new Database(databaseFile(dataDir));
      expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
      const tenant = db
        .prepare('SELECT own_disabled, disabled_by FROM tenants WHERE id = ?')
        .get(c.id) as { own_disabled: number; disabled_by: string | null };
      const recording = (
        db.prepare('SELECT COUNT(*) AS n FROM cameras WHERE recording = 1').get() as { n: number }
      ).n;
      db.close();
      // Either the whole cascade is there or none of it.
      expect(recording).toBe(tenant.own_disabled ? 0 : 60_000);
      expect(tenant.disabled_by === null).toBe(tenant.own_disabled === 0);
      if (status === 200) expect(tenant.own_disabled).toBe(round % 2 === 0 ? 1 : 0);
      outcomes.push(`${method}:${String(status)}:${tenant.own_disabled}`);
    }
    expect(outcomes).toHaveLength(4);
    // Four host starts and 60,000-camera cascades: generous on shared CI cores.
  }, 180_000);

  it('a migration interrupted by kill -9 leaves the old schema and data in place', async () => {
    const dataDir = tempDataDir();
    const seed = openTestCore(dataDir);
    await seed.call('tenants.create', customer('Keep Me'));
    const version = (
      seed.db.prepare('SELECT MAX(version) AS v FROM schema_version').get() as { v: number }
    ).v;
    seed.close();
    // A child process runs one more, slow migration; it is killed while the migration runs.
    const script = path.join(dataDir, 'migrate.ts');
    fs.writeFileSync(
      script,
      `import { openDatabase } from ${JSON.stringify(path.resolve('electron/db/connection.ts'))};
import { MIGRATIONS } from ${JSON.stringify(path.resolve('electron/db/migrations/index.ts'))};
const slow = { version: ${version + 1}, name: 'slow', sql: "CREATE TABLE filler (x TEXT); WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n LIMIT 3000000) INSERT INTO filler SELECT hex(randomblob(32)) FROM n;" };
console.log('migrating');
openDatabase({ file: ${JSON.stringify(databaseFile(dataDir))}, migrations: [...MIGRATIONS, slow] });
console.log('done');
`,
    );
    const child = spawn(process.execPath, [path.resolve('node_modules/tsx/dist/cli.mjs'), script], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    await new Promise<void>((resolve) =>
      child.stdout.on('data', () => out.includes('migrating') && resolve()),
    );
    await new Promise((r) => setTimeout(r, 700));
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    expect(out).not.toContain('done');

    const reopened = openTestCore(dataDir);
    try {
      expect(reopened.db.pragma('integrity_check', { simple: true })).toBe('ok');
      expect(
        (reopened.db.prepare('SELECT MAX(version) AS v FROM schema_version').get() as { v: number })
          .v,
      ).toBe(version);
      expect(
        reopened.db.prepare("SELECT name FROM sqlite_master WHERE name = 'filler'").get(),
      ).toBeUndefined();
      expect((await reopened.call('tenants.list', {})).rows.map((r) => r.name)).toEqual([
        'Keep Me',
      ]);
    } finally {
      reopened.close();
    }
  });

  it('backup makes a consistent copy while the app runs, and the copy restores', async () => {
    const dataDir = tempDataDir();
    const host = await startHostProcess({ dataDir });
    const post = (method: string, input: unknown) =>
      fetch(`${host.origin}/api/${method}`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${host.token}` },
        body: JSON.stringify(input),
      });
    await post('tenants.create', customer('Before Backup'));
    const backupFile = path.join(tempDataDir(), 'backup.sqlite');
    const child = spawn(
      process.execPath,
      [
        path.resolve(process.env.VMS_OUT_DIR ?? 'out', 'host/host.cjs'),
        '--data-dir',
        dataDir,
        'backup',
        backupFile,
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    const code = await new Promise((r) => child.once('exit', r));
    expect(code).toBe(0);
    expect(out).toContain('Backup written to');
    await post('tenants.create', customer('After Backup'));
    await host.stop();

    const restoredDir = tempDataDir();
    fs.copyFileSync(backupFile, databaseFile(restoredDir));
    const restored = openTestCore(restoredDir);
    try {
      expect(restored.db.pragma('integrity_check', { simple: true })).toBe('ok');
      expect((await restored.call('tenants.list', {})).rows.map((r) => r.name)).toEqual([
        'Before Backup',
      ]);
    } finally {
      restored.close();
    }
  });
});
