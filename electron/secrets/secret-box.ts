import { AppError } from '../../shared/errors';

/**
 * Encrypts the few secrets the app keeps (camera logins, P&P activation codes, the SMTP password,
 * the server session token) before they reach the database. The ciphertext carries a prefix naming the box that wrote it, so a database moved
 * between the desktop app (OS keychain) and the browser host (key file) fails clearly, not with
 * garbage.
 */
export interface SecretBox {
  /** Short name shown in logs and errors, e.g. `key file`, `OS keychain (gnome_libsecret)`. */
  readonly kind: string;
  encrypt(plain: string): string;
  decrypt(cipher: string): string;
}

export function secretUnreadable(box: SecretBox, reason: string): AppError {
  return new AppError(
    'SECRET_UNREADABLE',
    `A stored camera login cannot be decrypted with the ${box.kind} (${reason}). Enter the camera's user name and password again.`,
  );
}
