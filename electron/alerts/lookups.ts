import type { Db } from '../db/connection';
import type { SecretBox } from '../secrets/secret-box';
import type { MonitoredCamera } from './camera-monitor';
import type { CameraContext, EngineLookups } from './engine';

interface CameraRow {
  id: string;
  name: string;
  customer_id: string;
  customer_name: string;
  time_zone: string;
  recording: number;
  snapshot: Buffer | null;
}

/** Read-only SQL over cameras, customers and users that the alert engine needs. */
export class AlertLookups implements EngineLookups {
  private cache = new Map<string, CameraContext>();

  constructor(
    private readonly db: Db,
    private readonly secrets: SecretBox,
  ) {}

  invalidate(): void {
    this.cache.clear();
  }

  camera(id: string): CameraContext | undefined {
    const hit = this.cache.get(id);
    if (hit) return hit;
    const row = this.db
      .prepare(
        `SELECT c.id, c.name, c.customer_id, t.name AS customer_name, t.time_zone, c.recording, c.snapshot
         FROM cameras c JOIN tenants t ON t.id = c.customer_id WHERE c.id = ?`,
      )
      .get(id) as CameraRow | undefined;
    if (!row) return undefined;
    const ctx: CameraContext = {
      cameraId: row.id,
      cameraName: row.name,
      customerId: row.customer_id,
      customerName: row.customer_name,
      timeZone: row.time_zone,
      recording: row.recording === 1,
      snapshot: row.snapshot,
    };
    this.cache.set(id, ctx);
    return ctx;
  }

  /** Recording state, read fresh (the tick compares it); undefined once the camera is removed. */
  recording(id: string): boolean | undefined {
    const row = this.db.prepare('SELECT recording FROM cameras WHERE id = ?').get(id) as
      { recording: number } | undefined;
    if (!row) this.cache.delete(id);
    return row ? row.recording === 1 : undefined;
  }

  recipientEmails(customerId: string, userIds: readonly string[]): string[] {
    const stmt = this.db.prepare(
      'SELECT login FROM users WHERE id = ? AND tenant_id = ? AND active = 1',
    );
    const out: string[] = [];
    for (const id of userIds) {
      const row = stmt.get(id, customerId) as { login: string } | undefined;
      if (row) out.push(row.login);
    }
    return out;
  }

  monitoredCameras(customerIds: readonly string[]): MonitoredCamera[] {
    const stmt = this.db.prepare(
      `SELECT id, xaddr, credentials_enc FROM cameras
       WHERE customer_id = ? AND kind = 'onvif' AND xaddr IS NOT NULL`,
    );
    const out: MonitoredCamera[] = [];
    for (const customerId of customerIds) {
      for (const row of stmt.all(customerId) as {
        id: string;
        xaddr: string;
        credentials_enc: string | null;
      }[]) {
        let credentials: MonitoredCamera['credentials'];
        if (row.credentials_enc) {
          try {
            const c = JSON.parse(this.secrets.decrypt(row.credentials_enc)) as {
              username?: string;
              password?: string;
            };
            credentials = { username: c.username ?? '', password: c.password ?? '' };
          } catch {
            credentials = undefined;
          }
        }
        out.push({ id: row.id, xaddr: row.xaddr, ...(credentials ? { credentials } : {}) });
      }
    }
    return out;
  }

  customerCameras(customerId: string): { id: string; name: string; kind: string }[] {
    return this.db
      .prepare('SELECT id, name, kind FROM cameras WHERE customer_id = ? ORDER BY name')
      .all(customerId) as { id: string; name: string; kind: string }[];
  }

  customerUsers(customerId: string): { id: string; name: string; login: string }[] {
    return this.db
      .prepare('SELECT id, name, login FROM users WHERE tenant_id = ? AND active = 1 ORDER BY name')
      .all(customerId) as { id: string; name: string; login: string }[];
  }
}
