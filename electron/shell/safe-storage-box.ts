// Camera logins encrypted with the OS keychain (Keychain, DPAPI, libsecret / KWallet) through
// Electron's safeStorage. On Linux without a keyring, safeStorage silently falls back to
// 'basic_text': a hard-coded key, i.e. obfuscation only. We refuse it and use the key file
// instead (the browser host's box: a random key in the data folder, mode 0600), and say so.
import { safeStorage } from 'electron';
import { KeyFileSecretBox, secretKeyFile } from '../secrets/key-file-box';
import { secretUnreadable, type SecretBox } from '../secrets/secret-box';

const PREFIX = 'ss1:';

class SafeStorageSecretBox implements SecretBox {
  constructor(readonly kind: string) {}

  encrypt(plain: string): string {
    return PREFIX + safeStorage.encryptString(plain).toString('base64');
  }

  decrypt(text: string): string {
    if (!text.startsWith(PREFIX)) throw secretUnreadable(this, 'written by another secret store');
    try {
      return safeStorage.decryptString(Buffer.from(text.slice(PREFIX.length), 'base64'));
    } catch {
      throw secretUnreadable(this, 'the OS keychain refused it');
    }
  }
}

/** Call after app 'ready' (safeStorage is not usable before). */
export function createShellSecretBox(dataDir: string, log: (message: string) => void): SecretBox {
  const backend = process.platform === 'linux' ? safeStorage.getSelectedStorageBackend() : 'os';
  if (safeStorage.isEncryptionAvailable() && backend !== 'basic_text') {
    return new SafeStorageSecretBox(
      process.platform === 'linux' ? `OS keychain (${backend})` : 'OS keychain',
    );
  }
  const box = new KeyFileSecretBox(secretKeyFile(dataDir));
  log(
    `SECRETS_NO_KEYCHAIN: ${
      backend === 'basic_text'
        ? "the OS keychain is not available (Electron's safeStorage would use 'basic_text', a fixed built-in key)"
        : 'OS secret storage is not available'
    }; camera logins are encrypted with the key file ${box.file} instead (readable only by you). Install and unlock gnome-keyring or KWallet to use the OS keychain.`,
  );
  return box;
}
