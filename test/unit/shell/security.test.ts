import { describe, expect, it } from 'vitest';
import path from 'node:path';
import { createRequire } from 'node:module';
import fs from 'node:fs';
import {
  APP_ORIGIN,
  ELECTRON_CSP,
  isExternalLinkAllowed,
  isTrustedSenderUrl,
  resolveAppFile,
  secureWebPreferences,
} from '../../../electron/shell/security';

describe('Electron window security (checked without the binary)', () => {
  it('isolates the renderer: context isolation, sandbox, no Node, web security on', () => {
    const prefs = secureWebPreferences('/app/preload.cjs');
    expect(prefs).toMatchObject({
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
    });
  });

  it('has a CSP without inline scripts or remote origins', () => {
    expect(ELECTRON_CSP).toContain("script-src 'self'");
    expect(ELECTRON_CSP).not.toMatch(/unsafe-inline|unsafe-eval|https?:/);
    expect(ELECTRON_CSP).toContain("default-src 'none'");
  });

  it('accepts IPC only from our own app:// page', () => {
    expect(isTrustedSenderUrl(`${APP_ORIGIN}/index.html`)).toBe(true);
    expect(isTrustedSenderUrl('https://evil.example/')).toBe(false);
    expect(isTrustedSenderUrl('app://other/index.html')).toBe(false);
    expect(isTrustedSenderUrl('file:///etc/passwd')).toBe(false);
    expect(isTrustedSenderUrl(undefined)).toBe(false);
  });

  it('opens only http(s) links externally', () => {
    expect(isExternalLinkAllowed('https://help.example.com/')).toBe(true);
    expect(isExternalLinkAllowed('file:///etc/passwd')).toBe(false);
    expect(isExternalLinkAllowed('javascript:alert(1)')).toBe(false);
    expect(isExternalLinkAllowed('smb://host/share')).toBe(false);
  });

  it('serves app:// files from the renderer folder only', () => {
    const dir = '/opt/app/out/renderer';
    expect(resolveAppFile(dir, 'app://vms/', path.join, path.sep)).toBe(
      '/opt/app/out/renderer/index.html',
    );
    expect(resolveAppFile(dir, 'app://vms/assets/x.js', path.join, path.sep)).toBe(
      '/opt/app/out/renderer/assets/x.js',
    );
    expect(
      resolveAppFile(dir, 'app://vms/..%2f..%2fmain%2fmain.cjs', path.join, path.sep),
    ).toBeNull();
    expect(resolveAppFile(dir, 'app://other/index.html', path.join, path.sep)).toBeNull();
  });

  it('the preload exposes exactly invoke and subscribe, and only electron/shell imports electron', () => {
    const preload = fs.readFileSync('electron/shell/preload.ts', 'utf8');
    expect(preload).toContain("contextBridge.exposeInMainWorld('api', bridge)");
    expect(preload.match(/^\s{2}(\w+):/gm)?.map((m) => m.trim())).toEqual([
      'invoke:',
      'subscribe:',
    ]);
    const offenders: string[] = [];
    const walk = (dir: string) => {
      for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
        const p = path.join(dir, entry.name);
        if (entry.isDirectory()) walk(p);
        else if (
          /\.(ts|tsx)$/.test(entry.name) &&
          /from 'electron'/.test(fs.readFileSync(p, 'utf8')) &&
          !p.startsWith(path.join('electron', 'shell'))
        )
          offenders.push(p);
      }
    };
    for (const d of ['electron', 'shared', 'renderer', 'server']) if (fs.existsSync(d)) walk(d);
    expect(offenders).toEqual([]);
  });
});

describe('electron-builder configuration', () => {
  const config = createRequire(import.meta.url)('../../../build/electron-builder.config.cjs') as {
    appId: string;
    productName: string;
    linux: { target: string[] };
    win: { target: string[] };
    mac: { target: string[] };
    electronFuses: Record<string, boolean>;
  };

  it('builds AppImage and deb, NSIS, and dmg, with an app id and product name', () => {
    expect(config.appId).toMatch(/^[a-z]+(\.[a-z]+)+$/);
    expect(config.productName).toBe('VMS Partner Admin');
    expect(config.linux.target).toEqual(expect.arrayContaining(['AppImage', 'deb']));
    expect(config.win.target).toContain('nsis');
    expect(config.mac.target).toContain('dmg');
  });

  it('sets the Electron fuses', () => {
    expect(config.electronFuses).toEqual({
      runAsNode: false,
      enableCookieEncryption: true,
      enableNodeOptionsEnvironmentVariable: false,
      enableNodeCliInspectArguments: false,
      enableEmbeddedAsarIntegrityValidation: true,
      onlyLoadAppFromAsar: true,
    });
  });
});
