// `npm start`: the desktop window where an Electron binary is installed, otherwise the same app as
// a browser host on 127.0.0.1. Arguments after `--` go to either (e.g. `npm start -- --port 8080`).
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const args = process.argv.slice(2);

/** The Electron binary, without triggering the electron package's download-on-require. */
function electronBinary() {
  if (process.env.VMS_FORCE_BROWSER_HOST) return null;
  const dir = path.join(root, 'node_modules', 'electron');
  const pathFile = path.join(dir, 'path.txt');
  if (!fs.existsSync(pathFile)) return null;
  const exe = fs.readFileSync(pathFile, 'utf8').trim();
  const full = process.env.ELECTRON_OVERRIDE_DIST_PATH
    ? path.join(process.env.ELECTRON_OVERRIDE_DIST_PATH, exe)
    : path.join(dir, 'dist', exe);
  return fs.existsSync(full) ? full : null;
}

function run(cmd, cmdArgs, env) {
  const child = spawn(cmd, cmdArgs, { stdio: 'inherit', env: { ...process.env, ...env } });
  const forward = (sig) => child.kill(sig);
  process.on('SIGINT', forward);
  process.on('SIGTERM', forward);
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 0 : 1)));
}

const electron = electronBinary();
// backup and restore are one-shot commands of the browser host (no window, no Electron ABI).
const wantsCommand = args.some((a) => a === 'backup' || a === 'restore');
if (electron && !wantsCommand) {
  // Electron has its own Node ABI: use a better-sqlite3 build made for it (scripts/electron-native.mjs).
  const binding = path.join(root, '.electron-native', 'better_sqlite3.node');
  if (!fs.existsSync(binding)) {
    console.error('Building better-sqlite3 for Electron (once)…');
    const r = await new Promise((resolve) =>
      spawn(process.execPath, [path.join(root, 'scripts', 'electron-native.mjs')], {
        stdio: 'inherit',
      }).on('exit', resolve),
    );
    if (r !== 0) {
      console.error(
        'Could not build better-sqlite3 for Electron; starting the browser host instead.',
      );
      run(process.execPath, [path.join(root, 'out', 'host', 'host.cjs'), ...args]);
    } else run(electron, [root, ...args], { VMS_SQLITE_BINDING: binding });
  } else run(electron, [root, ...args], { VMS_SQLITE_BINDING: binding });
} else {
  if (!wantsCommand) {
    console.error(
      'Electron binary not installed (it could not be downloaded here): serving the same app as a browser host on 127.0.0.1.',
    );
  }
  run(process.execPath, [path.join(root, 'out', 'host', 'host.cjs'), ...args]);
}
