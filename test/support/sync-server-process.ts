import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const TSX = path.resolve('node_modules/tsx/dist/cli.mjs');
const MAIN = path.resolve('server/main.ts');

export interface SyncServerProcess {
  url: string;
  email: string;
  password: string;
  child: ChildProcess;
  output: () => string;
  stop(): Promise<void>;
}

/** The real central server (`npm run server`) as a process on 127.0.0.1, SQLite, fresh data folder. */
export async function startSyncServer(
  admin = { email: 'admin@example.com', password: 'correct horse battery' },
): Promise<SyncServerProcess> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'vms-sync-server-'));
  const env: NodeJS.ProcessEnv = { ...process.env, LOG_LEVEL: 'warn' };
  delete env.DATABASE_URL;
  const init = spawnSync(
    process.execPath,
    [
      TSX,
      MAIN,
      'init',
      '--email',
      admin.email,
      '--password',
      admin.password,
      '--data-dir',
      dataDir,
    ],
    { env, encoding: 'utf8', timeout: 60_000 },
  );
  if (init.status !== 0) throw new Error(`server init failed:\n${init.stdout}${init.stderr}`);
  const child = spawn(process.execPath, [TSX, MAIN, '--port', '0', '--data-dir', dataDir], {
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start:\n${out}`)), 30_000);
    const check = () => {
      const m = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
      if (m?.[1]) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    };
    child.stdout?.on('data', check);
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code}:\n${out}`));
    });
  });
  return {
    url,
    ...admin,
    child,
    output: () => out,
    stop: () =>
      new Promise<void>((resolve) => {
        const done = () => {
          fs.rmSync(dataDir, { recursive: true, force: true });
          resolve();
        };
        if (child.exitCode !== null) return done();
        child.once('exit', done);
        child.kill('SIGTERM');
      }),
  };
}

/** Logs in to the server and pulls its whole tree: the tenant names it holds. */
export async function serverTenantNames(server: SyncServerProcess): Promise<string[]> {
  return (await serverTenants(server)).map((t) => t.name);
}

/** A tenant as the server's pull returns it (the fields tests compare). */
export interface ServerTenant {
  id: string;
  name: string;
  ownDisabled: boolean;
}

/** Logs in to the server and pulls its whole tree. */
export async function serverTenants(server: SyncServerProcess): Promise<ServerTenant[]> {
  const post = async (route: string, body: unknown, token?: string) => {
    const res = await fetch(new URL(route, server.url), {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        ...(token ? { authorization: `Bearer ${token}` } : {}),
      },
      body: JSON.stringify(body),
    });
    if (!res.ok) throw new Error(`${route}: ${res.status} ${await res.text()}`);
    return (await res.json()) as Record<string, unknown>;
  };
  const login = await post('/v1/auth/login', { email: server.email, password: server.password });
  const token = String(login.token);
  const rows: ServerTenant[] = [];
  let cursor = '';
  for (let i = 0; i < 100; i++) {
    const page = (await post(
      '/v1/sync/pull',
      { clientId: `e2e-check-${Date.now()}`, cursor, refresh: [] },
      token,
    )) as { changes: { op: string; row?: ServerTenant }[]; cursor: string; more: boolean };
    for (const c of page.changes)
      if (c.op === 'upsert' && c.row)
        rows.push({ id: c.row.id, name: c.row.name, ownDisabled: c.row.ownDisabled });
    cursor = page.cursor;
    if (!page.more) break;
  }
  return rows;
}
