import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { AppError } from '../../shared/errors';
import { secretUnreadable, type SecretBox } from './secret-box';

const PREFIX = 'kf1:';
const KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;

export const secretKeyFile = (dataDir: string) => path.join(dataDir, 'secret.key');

/**
 * AES-256-GCM with a random 32-byte key kept in `<dataDir>/secret.key`, readable only by the user
 * (mode 0600). Used by the browser host, which has no OS keychain to ask. The key sits beside the
 * database, so this protects a copied or synced database file, not a stolen home folder.
 */
export class KeyFileSecretBox implements SecretBox {
  readonly kind = 'key file';
  private readonly key: Buffer;

  constructor(readonly file: string) {
    this.key = loadOrCreateKey(file);
  }

  encrypt(plain: string): string {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
    return PREFIX + Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64');
  }

  decrypt(text: string): string {
    if (!text.startsWith(PREFIX)) throw secretUnreadable(this, 'written by another secret store');
    const raw = Buffer.from(text.slice(PREFIX.length), 'base64');
    if (raw.length < IV_BYTES + TAG_BYTES) throw secretUnreadable(this, 'truncated');
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.key, raw.subarray(0, IV_BYTES));
      decipher.setAuthTag(raw.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
      return Buffer.concat([
        decipher.update(raw.subarray(IV_BYTES + TAG_BYTES)),
        decipher.final(),
      ]).toString('utf8');
    } catch {
      throw secretUnreadable(this, 'the key file changed or the value was altered');
    }
  }
}

function loadOrCreateKey(file: string): Buffer {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  try {
    // 'wx': never overwrite a key another process created a moment ago.
    const fd = fs.openSync(file, 'wx', 0o600);
    try {
      fs.writeSync(fd, randomBytes(KEY_BYTES).toString('base64'));
    } finally {
      fs.closeSync(fd);
    }
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
  if (process.platform !== 'win32') {
    const mode = fs.statSync(file).mode & 0o777;
    if ((mode & 0o077) !== 0) fs.chmodSync(file, 0o600);
  }
  const key = Buffer.from(fs.readFileSync(file, 'utf8').trim(), 'base64');
  if (key.length !== KEY_BYTES) {
    throw new AppError(
      'SECRET_KEY_INVALID',
      `The key file ${file} is damaged (not a 32-byte key). Move it away to start a new one; stored camera logins will then have to be entered again.`,
    );
  }
  return key;
}
