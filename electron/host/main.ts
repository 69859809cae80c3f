/**
 * The browser host's entry point (`npm start` where no Electron binary is available): opens the
 * core on the data folder, serves the renderer and the API on 127.0.0.1, prints the one address to
 * open, and opens it in Chromium's app mode when one is installed.
 */
import fs from 'node:fs';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { openCore } from '../app/core';
import { discoveryConfigFromEnv } from '../cameras/site-scan';
import { resolveDataDir } from '../app/paths';
import { parseStartArgs } from './cli';
import { startHost } from './server';
import { AppError } from '../../shared/errors';
import { registerRunningInstance } from '../backup/instances';
import { restoreDatabase } from '../backup/restore';

declare const __APP_VERSION__: string;

function findChromium(): string | undefined {
  const candidates = [
    '/usr/bin/chromium',
    '/usr/bin/chromium-browser',
    '/usr/bin/google-chrome',
    '/snap/bin/chromium',
  ];
  return candidates.find((c) => fs.existsSync(c));
}

function openInAppMode(url: string, dataDir: string): void {
  const browser = findChromium();
  if (
    !browser ||
    (process.platform === 'linux' && !process.env.DISPLAY && !process.env.WAYLAND_DISPLAY)
  )
    return;
  const args = [
    `--app=${url}`,
    `--user-data-dir=${path.join(dataDir, 'browser-profile')}`,
    '--no-first-run',
    '--disable-background-networking',
    '--disable-sync',
  ];
  if (process.getuid?.() === 0) args.push('--no-sandbox');
  const child = spawn(browser, args, { detached: true, stdio: 'ignore' });
  child.on('error', () => undefined);
  child.unref();
}

async function main(): Promise<void> {
  const started = performance.now();
  const opts = parseStartArgs(process.argv.slice(2));
  const dataDir = resolveDataDir({ dataDir: opts.dataDir });
  if (opts.command === 'restore' && opts.backupFile) {
    const file = path.resolve(opts.backupFile);
    const result = restoreDatabase({ dataDir, backupFile: file });
    console.log(
      `Restored ${file} into ${dataDir} (schema ${result.fromVersion}${result.version !== result.fromVersion ? ` upgraded to ${result.version}` : ''}).`,
    );
    if (result.previousCopy) console.log(`The database it replaced is at ${result.previousCopy}`);
    return;
  }
  const core = openCore({
    dataDir,
    host: 'browser',
    version: typeof __APP_VERSION__ === 'string' ? __APP_VERSION__ : '0.0.0-dev',
    log: (err) => console.error('[vms]', err instanceof Error ? err.stack : err),
    discovery: discoveryConfigFromEnv(process.env),
    pullWorkerFile: path.join(__dirname, 'pull-worker.cjs'),
    checkpointWorkerFile: path.join(__dirname, 'checkpoint-worker.cjs'),
  });
  if (opts.command === 'backup' && opts.backupFile) {
    await core.db.backup(path.resolve(opts.backupFile));
    console.log(`Backup written to ${path.resolve(opts.backupFile)}`);
    core.close();
    return;
  }
  const host = await startHost({
    core,
    rendererDir: process.env.VMS_RENDERER_DIR ?? path.join(__dirname, '..', 'renderer'),
    port: opts.port,
  });
  const unregister = registerRunningInstance(dataDir);
  process.on('exit', unregister);
  console.log(`Open ${host.url}`);
  if (process.env.VMS_TIMING)
    console.error(`[vms] listening after ${Math.round(performance.now() - started)} ms`);
  if (opts.open) openInAppMode(host.url, dataDir);

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.error(`[vms] ${signal}: stopping`);
    host
      .close()
      .finally(() => {
        core.close();
        process.exit(0);
      })
      .catch(() => process.exit(1));
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

main().catch((err: unknown) => {
  if (err instanceof AppError) console.error(`[vms] ${err.code}: ${err.message}`);
  else console.error('[vms] could not start:', err instanceof Error ? err.message : err);
  process.exit(1);
});
