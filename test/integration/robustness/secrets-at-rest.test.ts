// Every secret the app keeps, set through the real browser host process, then searched for in
// every file of the data folder (database, WAL, SHM, settings, logs) and in the host's own output,
// as UTF-8 and UTF-16LE: none may appear. Camera logins, P&P activation codes, the SMTP password and
// the server session token are encrypted with the SecretBox; user passwords are scrypt hashes only;
// the server account password is not kept at all.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../../electron/db/connection';
import { databaseFile } from '../../../electron/app/paths';
import { KeyFileSecretBox, secretKeyFile } from '../../../electron/secrets/key-file-box';
import { openCore } from '../../../electron/app/core';
import { startHostProcess, tempDataDir, type HostProcess } from '../../support/host-process';
import { ADMIN, call, startTestServer, type TestServer } from '../server/support';

const CAMERA_PASSWORD = 'Cam-Secret-7731-Ω';
const PNP_CODE = 'ACT4471ZQX';
const USER_PASSWORD = 'User-Secret-pass-5520';
const SMTP_PASSWORD = 'Smtp-Secret-8842';

function filesUnder(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return filesUnder(p);
    return e.isFile() ? [p] : [];
  });
}

/** Where each secret was found (file name or `output`), in either encoding. */
function findSecrets(sources: { name: string; bytes: Buffer }[], secrets: string[]): string[] {
  const found: string[] = [];
  for (const secret of secrets)
    for (const { name, bytes } of sources)
      for (const encoding of ['utf8', 'utf16le'] as const)
        if (bytes.includes(Buffer.from(secret, encoding)))
          found.push(`${secret} in ${name} (${encoding})`);
  return found;
}

const dataFiles = (dir: string) =>
  filesUnder(dir).map((f) => ({ name: path.relative(dir, f), bytes: fs.readFileSync(f) }));

const SEALED = 'sealed:';

/** The session token as the app stored it, decrypted with the data folder's key. */
function storedToken(dataDir: string): { raw: string; plain: string } {
  const { db } = openDatabase({ file: databaseFile(dataDir) });
  try {
    const row = db.prepare("SELECT value FROM sync_state WHERE key = 'token'").get() as
      { value: string } | undefined;
    const raw = row?.value ?? '';
    const box = new KeyFileSecretBox(secretKeyFile(dataDir));
    return { raw, plain: raw.startsWith(SEALED) ? box.decrypt(raw.slice(SEALED.length)) : raw };
  } finally {
    db.close();
  }
}

describe('secrets at rest (browser host process)', () => {
  let server: TestServer;
  let host: HostProcess;

  beforeAll(async () => {
    server = await startTestServer('sqlite');
    host = await startHostProcess();
  }, 60_000);
  afterAll(async () => {
    await host?.stop();
    await server?.close();
  });

  async function api<T = Record<string, unknown>>(method: string, input: unknown): Promise<T> {
    const res = await fetch(`${host.origin}/api/${method}`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${host.token}` },
      body: JSON.stringify(input),
    });
    const env = (await res.json()) as { ok: boolean; result?: T; error?: { message: string } };
    if (!env.ok || env.result === undefined)
      throw new Error(`${method}: ${env.error?.message ?? res.status}`);
    return env.result;
  }

  it('no secret appears in any data file or in the output; the key file is 0600', async () => {
    const customer = await api<{ id: string }>('tenants.create', {
      kind: 'customer',
      name: 'Secret Holder',
      email: 'holder@example.com',
      timeZone: 'Europe/Berlin',
    });
    // A camera login (encrypted with the key file) and a P&P activation code.
    const camera = await api<{ hasCredentials: boolean }>('cameras.addManual', {
      customerId: customer.id,
      name: 'Gate',
      streamUrl: 'rtsp://127.0.0.1:1/gate',
      username: 'viewer',
      password: CAMERA_PASSWORD,
    });
    expect(camera.hasCredentials).toBe(true);
    await api('modules.set', { tenantId: customer.id, moduleId: 'add_pnp_camera', enabled: true });
    await api('cameras.addPnp', {
      customerId: customer.id,
      name: 'Doorbell',
      cloudId: 'PNP-1234-AB',
      activationCode: PNP_CODE,
    });
    // A user password: only its scrypt hash is stored.
    await api('users.create', {
      tenantId: customer.id,
      name: 'Night Guard',
      login: 'guard@example.com',
      phone: '',
      password: USER_PASSWORD,
      forcePasswordChange: false,
    });
    // The SMTP password of the alert mails.
    const smtp = await api<{ hasPassword: boolean }>('smtp.set', {
      host: '127.0.0.1',
      port: 2525,
      security: 'none',
      user: 'alerts',
      password: SMTP_PASSWORD,
      from: 'alerts@example.com',
    });
    expect(smtp.hasPassword).toBe(true);
    // The server session: log in to a real server and sync once.
    await api('sync.connect', {
      serverUrl: server.url,
      email: ADMIN.email,
      password: ADMIN.password,
    });
    await api('sync.uploadLocal', {});
    const synced = await api<{ report: { ok: boolean } }>('sync.now', {});
    expect(synced.report.ok).toBe(true);

    const secrets = [CAMERA_PASSWORD, PNP_CODE, USER_PASSWORD, SMTP_PASSWORD, ADMIN.password];
    // While the host runs (the WAL holds the latest writes) ...
    expect(findSecrets(dataFiles(host.dataDir), secrets)).toEqual([]);
    expect(await host.stop()).toBe(0);

    // ... and after it stopped; now with the session token too.
    const token = storedToken(host.dataDir);
    expect(token.raw.startsWith(`${SEALED}kf1:`)).toBe(true);
    expect(token.plain.length).toBeGreaterThan(16);
    // It is the live session token, so finding it nowhere means something.
    expect((await call(server.url, 'GET', '/v1/auth/me', undefined, token.plain)).status).toBe(200);
    const all = [...secrets, token.plain];
    const files = dataFiles(host.dataDir);
    expect(files.map((f) => f.name)).toEqual(expect.arrayContaining(['secret.key']));
    expect(files.some((f) => f.name.endsWith('.db') || f.name.endsWith('.sqlite'))).toBe(true);
    expect(findSecrets(files, all)).toEqual([]);
    // The scan does see what is stored in clear (so the empty answers above mean something).
    expect(findSecrets(files, ['holder@example.com', 'guard@example.com']).length).toBeGreaterThan(
      1,
    );
    expect(findSecrets([{ name: 'output', bytes: Buffer.from(host.output()) }], all)).toEqual([]);

    const { db } = openDatabase({ file: databaseFile(host.dataDir) });
    try {
      const hash = db
        .prepare('SELECT password_hash FROM users WHERE login = ?')
        .get('guard@example.com') as { password_hash: string } | undefined;
      expect(hash?.password_hash).toMatch(/^scrypt\$/);
    } finally {
      db.close();
    }
    if (process.platform !== 'win32')
      expect(fs.statSync(secretKeyFile(host.dataDir)).mode & 0o777).toBe(0o600);
  }, 60_000);

  it('encrypts a session token an older version stored in plain text when the app opens', async () => {
    const dataDir = tempDataDir();
    const first = openCore({ dataDir, host: 'browser', version: 'test', actor: 'tester' });
    await first.syncApp.connect(server.url, ADMIN.email, ADMIN.password);
    first.close();
    const { plain } = storedToken(dataDir);
    const { db } = openDatabase({ file: databaseFile(dataDir) });
    db.prepare("UPDATE sync_state SET value = ? WHERE key = 'token'").run(plain);
    db.close();

    const again = openCore({ dataDir, host: 'browser', version: 'test', actor: 'tester' });
    try {
      const raw = again.sync.state.raw('token') ?? '';
      expect(raw.startsWith(`${SEALED}kf1:`)).toBe(true);
      expect(raw).not.toContain(plain);
      expect(again.sync.state.get('token')).toBe(plain);
      expect(again.syncApp.status().phase).not.toBe('signed-out');
      expect((await again.syncApp.syncNow()).report.ok).toBe(true);
    } finally {
      again.close();
    }
  }, 30_000);
});
