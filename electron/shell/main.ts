// The Electron shell: the only code that imports 'electron'. It opens the core, serves the built
// renderer from app://vms, wires IPC to the same dispatcher the browser host uses, and applies the
// security checklist (see security.ts).
import { app, BrowserWindow, ipcMain, net, protocol, session, shell } from 'electron';
import Store from 'electron-store';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { IPC_EVENT, IPC_INVOKE } from '../../shared/bridge';
import { registerRunningInstance } from '../backup/instances';
import { openCore, type Core } from '../app/core';
import { discoveryConfigFromEnv } from '../cameras/site-scan';
import { createShellSecretBox } from './safe-storage-box';
import { resolveDataDir } from '../app/paths';
import { parseStartArgs } from '../host/cli';
import type { AppSettings, SettingsStore } from '../settings/settings';
import {
  APP_ORIGIN,
  APP_SCHEME,
  ELECTRON_CSP,
  isExternalLinkAllowed,
  isTrustedSenderUrl,
  resolveAppFile,
  secureWebPreferences,
} from './security';

declare const __APP_VERSION__: string;

protocol.registerSchemesAsPrivileged([
  { scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true } },
]);

class ElectronSettings implements SettingsStore {
  private readonly store = new Store<AppSettings>({ name: 'settings' });
  get<K extends keyof AppSettings>(key: K): AppSettings[K] {
    return this.store.get(key);
  }
  set<K extends keyof AppSettings>(key: K, value: AppSettings[K]): void {
    this.store.set(key, value);
  }
}

function createWindow(settings: SettingsStore): BrowserWindow {
  const bounds = settings.get('windowBounds') ?? { width: 1280, height: 820 };
  const win = new BrowserWindow({
    ...bounds,
    minWidth: 960,
    minHeight: 600,
    title: 'VMS Partner Admin',
    show: false,
    webPreferences: secureWebPreferences(path.join(__dirname, '..', 'preload', 'preload.cjs')),
  });
  win.once('ready-to-show', () => win.show());
  win.on('close', () => settings.set('windowBounds', win.getBounds()));
  void win.loadURL(`${APP_ORIGIN}/index.html`);
  return win;
}

function hardenContents(): void {
  app.on('web-contents-created', (_event, contents) => {
    contents.on('will-navigate', (e, url) => {
      if (!url.startsWith(`${APP_ORIGIN}/`)) e.preventDefault();
    });
    contents.on('will-redirect', (e) => e.preventDefault());
    contents.on('will-attach-webview', (e) => e.preventDefault());
    contents.setWindowOpenHandler(({ url }) => {
      if (isExternalLinkAllowed(url)) void shell.openExternal(url);
      return { action: 'deny' };
    });
  });
}

async function main(): Promise<void> {
  await app.whenReady();
  const opts = parseStartArgs(
    process.argv.slice(app.isPackaged ? 1 : 2).filter((a) => !a.startsWith('--inspect')),
  );
  const dataDir = resolveDataDir({ dataDir: opts.dataDir });
  let core: Core;
  try {
    core = openCore({
      dataDir,
      host: 'electron',
      version: __APP_VERSION__,
      ...(process.env.VMS_SQLITE_BINDING ? { nativeBinding: process.env.VMS_SQLITE_BINDING } : {}),
      log: (err) => console.error('[vms]', err),
      secrets: createShellSecretBox(dataDir, (message) => console.error(`[vms] ${message}`)),
      discovery: discoveryConfigFromEnv(process.env),
      pullWorkerFile: path.join(__dirname, 'pull-worker.cjs'),
      checkpointWorkerFile: path.join(__dirname, 'checkpoint-worker.cjs'),
    });
  } catch (err) {
    const { dialog } = await import('electron');
    dialog.showErrorBox(
      'VMS Partner Admin cannot open its database',
      err instanceof Error ? err.message : String(err),
    );
    app.exit(1);
    return;
  }

  const rendererDir = path.join(__dirname, '..', 'renderer');
  protocol.handle(APP_SCHEME, async (request) => {
    const file = resolveAppFile(rendererDir, request.url, path.join, path.sep);
    if (!file) return new Response('Not found', { status: 404 });
    const response = await net.fetch(pathToFileURL(file).toString());
    const headers = new Headers(response.headers);
    headers.set('Content-Security-Policy', ELECTRON_CSP);
    headers.set('X-Content-Type-Options', 'nosniff');
    return new Response(response.body, { status: response.status, headers });
  });
  session.defaultSession.setPermissionRequestHandler((_wc, _permission, callback) =>
    callback(false),
  );
  session.defaultSession.setPermissionCheckHandler(() => false);
  hardenContents();

  ipcMain.handle(IPC_INVOKE, (event, method: unknown, input: unknown) => {
    if (!isTrustedSenderUrl(event.senderFrame?.url) || event.senderFrame?.parent) {
      return {
        ok: false,
        error: { code: 'FORBIDDEN', message: 'API calls are accepted only from the app window.' },
      };
    }
    return core.dispatch(String(method), input);
  });
  core.events.on('event', (name: string, payload: unknown) => {
    for (const win of BrowserWindow.getAllWindows()) win.webContents.send(IPC_EVENT, name, payload);
  });

  const settings = new ElectronSettings();
  createWindow(settings);
  app.on('activate', () => {
    if (BrowserWindow.getAllWindows().length === 0) createWindow(settings);
  });
  app.on('window-all-closed', () => {
    if (process.platform !== 'darwin') app.quit();
  });
  const unregister = registerRunningInstance(dataDir);
  app.on('will-quit', () => {
    core.close();
    unregister();
  });
}

void main();
