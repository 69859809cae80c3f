import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export const HOST_BUNDLE = path.resolve(process.env.VMS_OUT_DIR ?? 'out', 'host/host.cjs');

export interface HostProcess {
  url: string;
  origin: string;
  port: number;
  token: string;
  dataDir: string;
  child: ChildProcess;
  output: () => string;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/** The folders tempDataDir made in this process: removed when it ends. */
const madeDirs: string[] = [];

/**
 * A fresh folder in the system's temporary directory, removed after the test file (vitest:
 * test/support/cleanup.ts) or when this process ends (a test run otherwise left ~1.7 GB of
 * desktops' databases in /tmp). A process started on it and still running then keeps what it has
 * open; the folder's name is gone.
 */
export function tempDataDir(prefix = 'vms-test-'): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  if (madeDirs.length === 0) process.once('exit', removeTempDataDirs);
  madeDirs.push(dir);
  return dir;
}

/** Removes the folders tempDataDir made so far. */
export function removeTempDataDirs(): void {
  for (const dir of madeDirs.splice(0)) {
    try {
      fs.rmSync(dir, { recursive: true, force: true, maxRetries: 3 });
    } catch {
      // A process still writing there (a test's child not yet gone): the folder stays.
    }
  }
}

/** Starts the built browser host as a real process and waits for its "Open …" line. */
export async function startHostProcess(
  options: { dataDir?: string; args?: string[]; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {},
): Promise<HostProcess> {
  if (!fs.existsSync(HOST_BUNDLE))
    throw new Error('out/host/host.cjs is missing: run `npm run build` first.');
  const dataDir = options.dataDir ?? tempDataDir();
  const child = spawn(
    process.execPath,
    [HOST_BUNDLE, '--no-open', '--port', '0', '--data-dir', dataDir, ...(options.args ?? [])],
    {
      env: { ...process.env, ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`host did not start in time:\n${out}`)),
      options.timeoutMs ?? 15_000,
    );
    const check = () => {
      const m = /Open (http:\/\/127\.0\.0\.1:\d+\/\?token=\S+)/.exec(out);
      if (m?.[1]) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    };
    child.stdout?.on('data', check);
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`host exited with ${code}:\n${out}`));
    });
  });
  const u = new URL(url);
  return {
    url,
    origin: u.origin,
    port: Number(u.port),
    token: u.searchParams.get('token') ?? '',
    dataDir,
    child,
    output: () => out,
    stop: (signal = 'SIGTERM') =>
      new Promise((resolve) => {
        // A process already gone (exited, or killed by a signal) emits no second 'exit'.
        if (child.exitCode !== null || child.signalCode !== null) return resolve(child.exitCode);
        child.once('exit', (code) => resolve(code));
        child.kill(signal);
      }),
  };
}

/** What a host API call came to: an answer, or `lost` when the process died (or went silent). */
export type HostAnswer = { status: number; body: unknown } | 'lost';

/**
 * One API call to a host process with a deadline. A call whose answer did not arrive in full is
 * `lost`: the host may or may not have committed it.
 */
export async function callHost(
  host: Pick<HostProcess, 'origin' | 'token'>,
  method: string,
  input: unknown,
  deadlineMs = 10_000,
): Promise<HostAnswer> {
  try {
    const res = await fetch(`${host.origin}/api/${method}`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${host.token}` },
      body: JSON.stringify(input),
      signal: AbortSignal.timeout(deadlineMs),
    });
    return { status: res.status, body: JSON.parse(await res.text()) as unknown };
  } catch {
    return 'lost';
  }
}

/** kill -9, and wait until the process is gone. */
export async function killHard(host: Pick<HostProcess, 'child'>): Promise<void> {
  const { child } = host;
  if (child.exitCode !== null || child.signalCode !== null) return;
  const gone = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGKILL');
  await gone;
}
