import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { KeyFileSecretBox, secretKeyFile } from '../../../electron/secrets/key-file-box';
import { AppError } from '../../../shared/errors';
import { tempDataDir } from '../../support/host-process';

describe('KeyFileSecretBox', () => {
  it('round-trips, uses a fresh IV each time, and keeps its key 0600', () => {
    const dir = tempDataDir('vms-secrets-');
    const box = new KeyFileSecretBox(secretKeyFile(dir));
    const a = box.encrypt('pässword');
    const b = box.encrypt('pässword');
    expect(a).not.toBe(b);
    expect(a.startsWith('kf1:')).toBe(true);
    expect(box.decrypt(a)).toBe('pässword');
    // A second box on the same folder reads the same key.
    expect(new KeyFileSecretBox(secretKeyFile(dir)).decrypt(b)).toBe('pässword');
    if (process.platform !== 'win32')
      expect(fs.statSync(path.join(dir, 'secret.key')).mode & 0o777).toBe(0o600);
  });

  it('refuses altered ciphertext, another key, and another store', () => {
    const box = new KeyFileSecretBox(secretKeyFile(tempDataDir('vms-secrets-')));
    const other = new KeyFileSecretBox(secretKeyFile(tempDataDir('vms-secrets-')));
    const sealed = box.encrypt('secret');
    const raw = Buffer.from(sealed.slice(4), 'base64');
    raw[raw.length - 1] = (raw[raw.length - 1] ?? 0) ^ 1;
    const code = (f: () => unknown) => {
      try {
        f();
        return 'no error';
      } catch (e) {
        return e instanceof AppError ? e.code : String(e);
      }
    };
    expect(code(() => box.decrypt(`kf1:${raw.toString('base64')}`))).toBe('SECRET_UNREADABLE');
    expect(code(() => other.decrypt(sealed))).toBe('SECRET_UNREADABLE');
    expect(code(() => box.decrypt('ss1:abcd'))).toBe('SECRET_UNREADABLE');
  });

  it('refuses a damaged key file with a message saying what to do', () => {
    const dir = tempDataDir('vms-secrets-');
    fs.writeFileSync(secretKeyFile(dir), 'short', { mode: 0o600 });
    expect(() => new KeyFileSecretBox(secretKeyFile(dir))).toThrow(/damaged/);
  });
});
