import type { Db } from '../db/connection';
import {
  ruleFieldsSchema,
  ruleKindOf,
  type AlertHistoryEntry,
  type AlertRule,
  type RuleFields,
} from '../../shared/alerts/rules';

interface RuleRow {
  id: string;
  tenant_id: string;
  name: string;
  details: string;
  created_at: string;
  updated_at: string;
}

export interface OutboxRow {
  id: number;
  tenant_id: string;
  rule_id: string | null;
  recipients: string;
  subject: string;
  body: string;
  attachment: Buffer | null;
  attempts: number;
  created_at: string;
}

export interface NewNotification {
  tenantId: string;
  ruleId: string | null;
  recipients: string[];
  subject: string;
  body: string;
  attachment: Buffer | null;
  createdAt: string;
  dueAt: number;
}

export interface NewHistory {
  tenantId: string;
  ruleId: string | null;
  ruleName: string;
  cameraId: string | null;
  cameraName: string;
  event: string;
  at: string;
}

function toRule(row: RuleRow): AlertRule {
  const fields: RuleFields = ruleFieldsSchema.parse({
    ...(JSON.parse(row.details) as object),
    name: row.name,
  });
  return {
    ...fields,
    id: row.id,
    customerId: row.tenant_id,
    kind: ruleKindOf(fields.trigger),
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

/** SQL for rules, the outbox, the history and the SMTP settings (tables of migration 0006). */
export class AlertRepository {
  constructor(private readonly db: Db) {}

  listRules(tenantId: string): AlertRule[] {
    const rows = this.db
      .prepare('SELECT * FROM alert_rules WHERE tenant_id = ? ORDER BY name COLLATE NOCASE')
      .all(tenantId) as RuleRow[];
    return rows.map(toRule);
  }

  /** Every enabled rule, grouped by customer (the engine's working set). */
  enabledRules(): AlertRule[] {
    const rows = this.db.prepare('SELECT * FROM alert_rules').all() as RuleRow[];
    return rows.map(toRule).filter((r) => r.enabled);
  }

  getRule(id: string): AlertRule | undefined {
    const row = this.db.prepare('SELECT * FROM alert_rules WHERE id = ?').get(id) as
      RuleRow | undefined;
    return row ? toRule(row) : undefined;
  }

  insertRule(id: string, tenantId: string, fields: RuleFields, now: string): void {
    const { name, ...details } = fields;
    this.db
      .prepare(
        'INSERT INTO alert_rules (id, tenant_id, name, details, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)',
      )
      .run(id, tenantId, name, JSON.stringify(details), now, now);
  }

  updateRule(id: string, fields: RuleFields, now: string): void {
    const { name, ...details } = fields;
    this.db
      .prepare('UPDATE alert_rules SET name = ?, details = ?, updated_at = ? WHERE id = ?')
      .run(name, JSON.stringify(details), now, id);
  }

  deleteRule(id: string): void {
    this.db.prepare('DELETE FROM alert_rules WHERE id = ?').run(id);
  }

  // ---- outbox ----------------------------------------------------------------------------

  enqueue(n: NewNotification, historyIds: readonly number[]): number {
    return this.db.transaction(() => {
      const { lastInsertRowid } = this.db
        .prepare(
          `INSERT INTO alert_outbox (tenant_id, rule_id, recipients, subject, body, attachment, next_attempt_at, created_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
        )
        .run(
          n.tenantId,
          n.ruleId,
          JSON.stringify(n.recipients),
          n.subject,
          n.body,
          n.attachment,
          n.dueAt,
          n.createdAt,
        );
      const id = Number(lastInsertRowid);
      const link = this.db.prepare('UPDATE alert_history SET outbox_id = ? WHERE id = ?');
      for (const h of historyIds) link.run(id, h);
      return id;
    })();
  }

  due(nowMs: number, limit: number): OutboxRow[] {
    return this.db
      .prepare(
        `SELECT id, tenant_id, rule_id, recipients, subject, body, attachment, attempts, created_at FROM alert_outbox
         WHERE status = 'pending' AND next_attempt_at <= ? ORDER BY next_attempt_at, id LIMIT ?`,
      )
      .all(nowMs, limit) as OutboxRow[];
  }

  nextDueAt(): number | undefined {
    const row = this.db
      .prepare(`SELECT MIN(next_attempt_at) AS t FROM alert_outbox WHERE status = 'pending'`)
      .get() as { t: number | null };
    return row.t ?? undefined;
  }

  markSent(id: number, at: string): void {
    this.db
      .prepare(
        `UPDATE alert_outbox SET status = 'sent', sent_at = ?, attempts = attempts + 1, last_error = NULL WHERE id = ?`,
      )
      .run(at, id);
  }

  markFailedAttempt(id: number, error: string, nextAt: number | null): void {
    this.db
      .prepare(
        `UPDATE alert_outbox SET attempts = attempts + 1, last_error = ?,
           status = CASE WHEN ? IS NULL THEN 'failed' ELSE 'pending' END,
           next_attempt_at = COALESCE(?, next_attempt_at) WHERE id = ?`,
      )
      .run(error, nextAt, nextAt, id);
  }

  /** Failed notifications go back to the queue (after the SMTP settings were fixed). */
  requeueFailed(tenantId: string | null, nowMs: number): number {
    return this.db
      .prepare(
        `UPDATE alert_outbox SET status = 'pending', next_attempt_at = ?, attempts = 0
         WHERE status = 'failed' AND (? IS NULL OR tenant_id = ?)`,
      )
      .run(nowMs, tenantId, tenantId).changes;
  }

  outboxCounts(): { pending: number; sent: number; failed: number } {
    const rows = this.db
      .prepare('SELECT status, COUNT(*) AS n FROM alert_outbox GROUP BY status')
      .all() as { status: 'pending' | 'sent' | 'failed'; n: number }[];
    const out = { pending: 0, sent: 0, failed: 0 };
    for (const r of rows) out[r.status] = r.n;
    return out;
  }

  // ---- history ---------------------------------------------------------------------------

  addHistory(h: NewHistory): number {
    return Number(
      this.db
        .prepare(
          `INSERT INTO alert_history (tenant_id, rule_id, rule_name, camera_id, camera_name, event, at)
           VALUES (?, ?, ?, ?, ?, ?, ?)`,
        )
        .run(h.tenantId, h.ruleId, h.ruleName, h.cameraId, h.cameraName, h.event, h.at)
        .lastInsertRowid,
    );
  }

  /** Events still collecting in a digest (after a restart they are sent at once). */
  openDigestEntries(): Array<NewHistory & { id: number }> {
    const rows = this.db
      .prepare(
        `SELECT id, tenant_id, rule_id, rule_name, camera_id, camera_name, event, at FROM alert_history
         WHERE outbox_id IS NULL AND rule_id IS NOT NULL ORDER BY id`,
      )
      .all() as Array<{
      id: number;
      tenant_id: string;
      rule_id: string;
      rule_name: string;
      camera_id: string | null;
      camera_name: string;
      event: string;
      at: string;
    }>;
    return rows.map((r) => ({
      id: r.id,
      tenantId: r.tenant_id,
      ruleId: r.rule_id,
      ruleName: r.rule_name,
      cameraId: r.camera_id,
      cameraName: r.camera_name,
      event: r.event,
      at: r.at,
    }));
  }

  history(tenantId: string, limit: number): AlertHistoryEntry[] {
    const rows = this.db
      .prepare(
        `SELECT h.id, h.at, h.rule_id, h.rule_name, h.camera_name, h.event,
                o.recipients, o.status, o.attempts, o.last_error, o.sent_at
         FROM alert_history h LEFT JOIN alert_outbox o ON o.id = h.outbox_id
         WHERE h.tenant_id = ? ORDER BY h.id DESC LIMIT ?`,
      )
      .all(tenantId, limit) as Array<{
      id: number;
      at: string;
      rule_id: string | null;
      rule_name: string;
      camera_name: string;
      event: string;
      recipients: string | null;
      status: 'pending' | 'sent' | 'failed' | null;
      attempts: number | null;
      last_error: string | null;
      sent_at: string | null;
    }>;
    return rows.map((r) => ({
      id: r.id,
      at: r.at,
      ruleId: r.rule_id,
      ruleName: r.rule_name,
      cameraName: r.camera_name,
      event: r.event,
      recipients: r.recipients ? (JSON.parse(r.recipients) as string[]) : [],
      status: r.status ?? 'digest',
      attempts: r.attempts ?? 0,
      error: r.last_error,
      sentAt: r.sent_at,
    }));
  }

  // ---- SMTP settings and camera topics ---------------------------------------------------

  smtp(): { settings: string; password_enc: string | null } | undefined {
    return this.db.prepare('SELECT settings, password_enc FROM alert_smtp WHERE id = 1').get() as
      { settings: string; password_enc: string | null } | undefined;
  }

  saveSmtp(settings: string, passwordEnc: string | null): void {
    this.db
      .prepare(
        `INSERT INTO alert_smtp (id, settings, password_enc) VALUES (1, ?, ?)
         ON CONFLICT(id) DO UPDATE SET settings = excluded.settings, password_enc = excluded.password_enc`,
      )
      .run(settings, passwordEnc);
  }

  cameraTopics(cameraIds: readonly string[]): Map<string, string> {
    const out = new Map<string, string>();
    const stmt = this.db.prepare('SELECT topics FROM alert_camera_topics WHERE camera_id = ?');
    for (const id of cameraIds) {
      const row = stmt.get(id) as { topics: string } | undefined;
      if (row) out.set(id, row.topics);
    }
    return out;
  }

  saveCameraTopics(cameraId: string, topics: string, at: string): void {
    this.db
      .prepare(
        `INSERT INTO alert_camera_topics (camera_id, topics, read_at) VALUES (?, ?, ?)
         ON CONFLICT(camera_id) DO UPDATE SET topics = excluded.topics, read_at = excluded.read_at`,
      )
      .run(cameraId, topics, at);
  }
}
