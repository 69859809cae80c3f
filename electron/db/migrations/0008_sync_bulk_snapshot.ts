/**
 * v8: a snapshot page (electron/sync/bulk.ts) inserts thousands of cameras and users per
 * statement. The count triggers would update the owning tenant (and its camera_count / user_count
 * sort index) once per inserted row; while `tenants_counts_deferred` holds its row they stand aside
 * and the page recomputes the counts of the tenants it touched with one UPDATE before it commits.
 * Like `tenants_search_deferred` (0007), the row only exists inside that transaction, so every
 * other writer keeps the triggers. Deletes keep their triggers (the bulk path never deletes).
 *
 * `sync_snapshot_seen` (every id a snapshot delivered: 600,000 in the benchmark) becomes a
 * WITHOUT ROWID table: the key is stored once, in the primary key's b-tree, instead of in a table
 * and again in its index.
 */
export const migration = {
  version: 8,
  name: 'sync_bulk_snapshot',
  sql: `
CREATE TABLE tenants_counts_deferred (id INTEGER PRIMARY KEY CHECK (id = 1));

DROP TRIGGER cameras_count_ins;
CREATE TRIGGER cameras_count_ins AFTER INSERT ON cameras
WHEN NOT EXISTS (SELECT 1 FROM tenants_counts_deferred)
BEGIN
  UPDATE tenants SET camera_count = camera_count + 1 WHERE id = NEW.customer_id;
END;

DROP TRIGGER users_count_ins;
CREATE TRIGGER users_count_ins AFTER INSERT ON users
WHEN NOT EXISTS (SELECT 1 FROM tenants_counts_deferred)
BEGIN
  UPDATE tenants SET user_count = user_count + 1 WHERE id = NEW.tenant_id;
END;

CREATE TABLE sync_snapshot_seen_new (id TEXT PRIMARY KEY) WITHOUT ROWID;
INSERT INTO sync_snapshot_seen_new (id) SELECT id FROM sync_snapshot_seen;
DROP TABLE sync_snapshot_seen;
ALTER TABLE sync_snapshot_seen_new RENAME TO sync_snapshot_seen;
`,
};
