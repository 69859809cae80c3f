import { test, expect, _electron as electron } from '@playwright/test';
import fs from 'node:fs';
import path from 'node:path';
import os from 'node:os';

// Runs where the Electron binary is installed; these build machines cannot download it.
function electronBinary(): string | null {
  const dir = path.resolve('node_modules/electron');
  const pathFile = path.join(dir, 'path.txt');
  if (!fs.existsSync(pathFile)) return null;
  const full = path.join(dir, 'dist', fs.readFileSync(pathFile, 'utf8').trim());
  return fs.existsSync(full) ? full : null;
}
const binary = electronBinary();
const binding = path.resolve('.electron-native/better_sqlite3.node');

const skipReason = !binary
  ? 'Electron binary not installed (node_modules/electron/dist is missing: it cannot be downloaded on this machine)'
  : !fs.existsSync(binding)
    ? 'better-sqlite3 has not been built for Electron yet: run `node scripts/electron-native.mjs`'
    : null;
if (skipReason) console.log(`[electron e2e] skipped: ${skipReason}`);
test.skip(skipReason !== null, skipReason ?? '');

test('the desktop window opens the Customers screen through IPC, with the page isolated from Node', async () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'vms-electron-'));
  const app = await electron.launch({
    executablePath: binary ?? undefined,
    args: ['.', '--data-dir', dataDir],
    env: { ...process.env, VMS_SQLITE_BINDING: binding },
  });
  const page = await app.firstWindow();
  await expect(page.getByRole('heading', { name: 'Customers' })).toBeVisible();
  expect(await page.evaluate(() => typeof (globalThis as { require?: unknown }).require)).toBe(
    'undefined',
  );
  expect(
    await page.evaluate(() => Object.keys((globalThis as unknown as { api: object }).api).sort()),
  ).toEqual(['invoke', 'subscribe']);
  expect(await page.evaluate(() => typeof (globalThis as { process?: unknown }).process)).toBe(
    'undefined',
  );
  await app.close();
});
