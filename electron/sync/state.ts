import type { Db } from '../db/connection';
import type { SecretBox } from '../secrets/secret-box';

/** Keys of the sync state (one row each in sync_state). */
export type SyncKey =
  | 'clientId'
  | 'hlc'
  | 'serverUrl'
  | 'token'
  | 'account'
  | 'cursor'
  /** '1' while a snapshot that began on a desktop without synced rows runs (engine.ts pullPages). */
  | 'snapshotOntoEmpty'
  /** A running snapshot's progress, SnapshotProgress as JSON (engine.ts writePage). */
  | 'snapshotProgress'
  | 'refresh'
  | 'lastSyncAt'
  | 'lastError';

/** Keys whose values are secrets: encrypted with the SecretBox before they reach the database. */
const SECRET_KEYS: ReadonlySet<SyncKey> = new Set<SyncKey>(['token']);

/** Marks an encrypted value (the box adds its own prefix after this one). */
const SEALED = 'sealed:';

/**
 * Small key/value store for the sync client, in the app's database. The server session token is
 * kept encrypted with the core's SecretBox (the one camera logins use); a token stored in plain
 * text by an older version is encrypted when the state is opened.
 */
export class SyncState {
  private readonly getStmt;
  private readonly setStmt;
  private readonly delStmt;

  constructor(
    db: Db,
    private readonly secrets?: SecretBox,
    private readonly log?: (err: unknown) => void,
  ) {
    this.getStmt = db.prepare('SELECT value FROM sync_state WHERE key = ?');
    this.setStmt = db.prepare(
      'INSERT INTO sync_state (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value',
    );
    this.delStmt = db.prepare('DELETE FROM sync_state WHERE key = ?');
    this.sealPlainSecrets();
  }

  get(key: SyncKey): string | null {
    const value = this.raw(key);
    if (value === null || !this.secrets || !SECRET_KEYS.has(key)) return value;
    if (!value.startsWith(SEALED)) {
      // Written in plain text by an older version: encrypt it now.
      this.setStmt.run(key, this.seal(value, this.secrets));
      return value;
    }
    try {
      return this.secrets.decrypt(value.slice(SEALED.length));
    } catch (err) {
      // Another secret store wrote it (database moved between the desktop app and the browser
      // host) or the key changed: the session is lost, the person logs in again.
      this.log?.(err);
      this.delStmt.run(key);
      return null;
    }
  }

  set(key: SyncKey, value: string | null): void {
    if (value === null) this.delStmt.run(key);
    else
      this.setStmt.run(
        key,
        this.secrets && SECRET_KEYS.has(key) ? this.seal(value, this.secrets) : value,
      );
  }

  /** The stored text as is (ciphertext for secret keys). */
  raw(key: SyncKey): string | null {
    const row = this.getStmt.get(key) as { value: string } | undefined;
    return row?.value ?? null;
  }

  private seal(value: string, secrets: SecretBox): string {
    return SEALED + secrets.encrypt(value);
  }

  /** Upgrade on open: encrypts secrets an older version stored in plain text. */
  private sealPlainSecrets(): void {
    if (!this.secrets) return;
    for (const key of SECRET_KEYS) {
      const value = this.raw(key);
      if (value !== null && !value.startsWith(SEALED))
        this.setStmt.run(key, this.seal(value, this.secrets));
    }
  }

  getJson<T>(key: SyncKey, fallback: T): T {
    const v = this.get(key);
    if (v === null) return fallback;
    const parsed = JSON.parse(v) as T | null;
    return parsed ?? fallback;
  }

  setJson(key: SyncKey, value: unknown): void {
    this.set(key, JSON.stringify(value));
  }
}
