/**
 * v6: alerts. A rule's settings live in `details` (JSON of shared/alerts RuleFields) beside the
 * columns of v1. `alert_outbox` keeps every notification until the SMTP server accepts it (so a
 * restart loses nothing); `alert_history` is one row per event that led to a notification, linked
 * to the outbox row that carries it (NULL while a digest is still collecting).
 */
export const migration = {
  version: 6,
  name: 'alerts',
  sql: `
ALTER TABLE alert_rules ADD COLUMN details TEXT NOT NULL DEFAULT '{}';

CREATE TABLE alert_outbox (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  tenant_id TEXT NOT NULL,
  rule_id TEXT,
  recipients TEXT NOT NULL,
  subject TEXT NOT NULL,
  body TEXT NOT NULL,
  attachment BLOB,
  status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sent', 'failed')),
  attempts INTEGER NOT NULL DEFAULT 0,
  next_attempt_at INTEGER NOT NULL,
  last_error TEXT,
  created_at TEXT NOT NULL,
  sent_at TEXT
);
CREATE INDEX alert_outbox_due ON alert_outbox(status, next_attempt_at);

CREATE TABLE alert_history (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  tenant_id TEXT NOT NULL,
  rule_id TEXT,
  rule_name TEXT NOT NULL,
  camera_id TEXT,
  camera_name TEXT NOT NULL,
  event TEXT NOT NULL,
  at TEXT NOT NULL,
  outbox_id INTEGER REFERENCES alert_outbox(id) ON DELETE SET NULL
);
CREATE INDEX alert_history_tenant ON alert_history(tenant_id, id);
CREATE INDEX alert_history_digest ON alert_history(rule_id) WHERE outbox_id IS NULL;

CREATE TABLE alert_camera_topics (
  camera_id TEXT PRIMARY KEY REFERENCES cameras(id) ON DELETE CASCADE,
  topics TEXT NOT NULL,
  read_at TEXT NOT NULL
);

CREATE TABLE alert_smtp (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  settings TEXT NOT NULL,
  password_enc TEXT
);
`,
};
