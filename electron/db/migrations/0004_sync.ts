/**
 * v4: the sync outbox and state. Every change made while a server is configured is appended to
 * `sync_outbox` in the same transaction as the change (see TenancyService's recordMutation hook);
 * AUTOINCREMENT keeps mutation ids increasing even after acknowledged entries are removed.
 */
export const migration = {
  version: 4,
  name: 'sync',
  sql: `
CREATE TABLE sync_outbox (
  mutation_id INTEGER PRIMARY KEY AUTOINCREMENT,
  command TEXT NOT NULL,
  args TEXT NOT NULL,
  hlc TEXT NOT NULL,
  created_at TEXT NOT NULL,
  status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'applied', 'rejected')),
  code TEXT,
  message TEXT,
  overwritten TEXT,
  answered_at TEXT
);
CREATE INDEX sync_outbox_status ON sync_outbox(status, mutation_id);

CREATE TABLE sync_state (key TEXT PRIMARY KEY, value TEXT NOT NULL);

-- Ids delivered by the snapshot in progress; what is absent when it completes is no longer ours.
CREATE TABLE sync_snapshot_seen (id TEXT PRIMARY KEY);
`,
};
