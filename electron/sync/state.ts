import type { Db } from '../db/connection';

/** Keys of the sync state (one row each in sync_state). */
export type SyncKey =
  | 'clientId'
  | 'hlc'
  | 'serverUrl'
  | 'token'
  | 'account'
  | 'cursor'
  | 'refresh'
  | 'lastSyncAt'
  | 'lastError';

/** Small key/value store for the sync client, in the app's database. */
export class SyncState {
  private readonly getStmt;
  private readonly setStmt;
  private readonly delStmt;

  constructor(db: Db) {
    this.getStmt = db.prepare('SELECT value FROM sync_state WHERE key = ?');
    this.setStmt = db.prepare(
      'INSERT INTO sync_state (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value',
    );
    this.delStmt = db.prepare('DELETE FROM sync_state WHERE key = ?');
  }

  get(key: SyncKey): string | null {
    const row = this.getStmt.get(key) as { value: string } | undefined;
    return row?.value ?? null;
  }

  set(key: SyncKey, value: string | null): void {
    if (value === null) this.delStmt.run(key);
    else this.setStmt.run(key, value);
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
