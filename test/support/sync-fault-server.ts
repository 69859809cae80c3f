/**
 * The real central server as a process that the fault tests can kill (SIGKILL) and start again on
 * the same database and port: SQLite in a data folder, or PostgreSQL in a schema of its own.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';

/**
 * `node --import tsx`: one process. (The tsx CLI runs the script in a child process, so a SIGKILL
 * to it would leave the server running.)
 */
export const TSX_ARGS = ['--import', 'tsx'];
const MAIN = path.resolve('server/main.ts');

export interface FaultServerConfig {
  dataDir: string;
  /** PostgreSQL URL and schema; absent: SQLite in dataDir. */
  pg?: { url: string; schema: string };
}

export interface FaultServer {
  url: string;
  port: number;
  child: ChildProcess;
  output: () => string;
}

export function newFaultServerConfig(pgUrl: string | null): FaultServerConfig {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'vms-fault-server-'));
  return pgUrl
    ? { dataDir, pg: { url: pgUrl, schema: `f_${randomBytes(6).toString('hex')}` } }
    : { dataDir };
}

function env(config: FaultServerConfig): NodeJS.ProcessEnv {
  const e: NodeJS.ProcessEnv = { ...process.env, LOG_LEVEL: 'warn' };
  delete e.DATABASE_URL;
  delete e.DATABASE_SCHEMA;
  if (config.pg) {
    e.DATABASE_URL = config.pg.url;
    e.DATABASE_SCHEMA = config.pg.schema;
  }
  return e;
}

/** `npm run server -- init`: tables and the first administrator. */
export function initFaultServer(
  config: FaultServerConfig,
  admin: { email: string; password: string },
): void {
  const init = spawnSync(
    process.execPath,
    [
      ...TSX_ARGS,
      MAIN,
      'init',
      '--email',
      admin.email,
      '--password',
      admin.password,
      '--data-dir',
      config.dataDir,
    ],
    { env: env(config), encoding: 'utf8', timeout: 60_000 },
  );
  if (init.status !== 0) throw new Error(`server init failed:\n${init.stdout}${init.stderr}`);
}

/** Starts the server (port 0: any free port) and waits for its "listening" line. */
export async function startFaultServer(config: FaultServerConfig, port = 0): Promise<FaultServer> {
  const child = spawn(
    process.execPath,
    [...TSX_ARGS, MAIN, '--port', String(port), '--data-dir', config.dataDir],
    { env: env(config), stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  try {
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
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`server exited with ${code}:\n${out}`));
      });
    });
    return { url, port: Number(new URL(url).port), child, output: () => out };
  } catch (err) {
    await killProcess(child, 'SIGKILL');
    throw err;
  }
}

/** Sends a signal and waits (at most 10 s) for the process to exit. */
export function killProcess(child: ChildProcess, signal: NodeJS.Signals): Promise<void> {
  return new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      resolve();
    }, 10_000);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill(signal);
  });
}
