/**
 * A desktop's database whose set-aside indexes are built again (electron/db/first-pull-indexes.ts)
 * in a process of its own, so that the test can give it a temporary folder of its own (a full
 * one: SQLITE_TMPDIR on a tiny tmpfs in a private mount namespace). Prints one JSON line: how
 * many were built, the connection's settings after, the integrity check, what is still aside.
 *
 * Usage: node --import tsx test/support/first-pull-sort-child.ts <database file>
 */
import { openDatabase } from '../../electron/db/connection';
import {
  restoreFirstPullIndexes,
  setFirstPullIndexesAside,
} from '../../electron/db/first-pull-indexes';

const file = process.argv[2];
if (!file) throw new Error('usage: first-pull-sort-child.ts <database file>');
const { db } = openDatabase({ file });
try {
  const tenant = db.prepare(
    `INSERT INTO tenants (id, kind, parent_id, path, depth, name, name_key, created_at, updated_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, 'then', 'then')`,
  );
  tenant.run('root', 'root', null, '/root/', 0, 'Root', 'root');
  tenant.run('a', 'customer', 'root', '/root/a/', 1, 'a', 'a');
  db.transaction(() => setFirstPullIndexesAside(db))();
  // ~7 MB of endpoint keys: the sorter's 4 MB runs go to temporary files.
  db.exec(`
    INSERT INTO cameras (id, customer_id, name, kind, endpoint_ref, created_at, updated_at)
    WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 120000)
    SELECT 'cam-' || i, 'a', 'cam-' || i, 'onvif', 'urn:uuid:' || lower(hex(randomblob(16))),
           'then', 'then' FROM n`);
  const built = restoreFirstPullIndexes(db);
  console.log(
    JSON.stringify({
      built,
      tempStore: db.pragma('temp_store', { simple: true }),
      threads: db.pragma('threads', { simple: true }),
      integrity: db.pragma('integrity_check', { simple: true }),
      aside: db.prepare('SELECT COUNT(*) FROM deferred_indexes').pluck().get(),
      endpointIndex: db
        .prepare("SELECT sql FROM sqlite_schema WHERE name = 'cameras_endpoint_ref'")
        .pluck()
        .get(),
      counted: db.prepare("SELECT camera_count FROM tenants WHERE id = 'a'").pluck().get(),
    }),
  );
} finally {
  db.close();
}
