/**
 * Camera indexes set aside while a first pull fills an empty database (SyncEngine.writePage). The
 * snapshot brings 500,000 cameras in the benchmark, with ids as desktops make them (random): each
 * goes to a random place of every index of `cameras`. The non-unique ones (the customer's cameras,
 * the device address) are dropped while the snapshot goes in and built at its end, one sort each:
 * the benchmark's first pull took ~1.1–2.8 s less on SQLite, within the noise on PostgreSQL
 * (docs/sync.md, "Camera indexes set aside").
 *
 * The unique indexes stay: they keep refusing a collision as it happens, which the bulk writer
 * relies on. Queries stay correct meanwhile, only slower. The customers' camera counts, which the
 * bulk writer recounts through `cameras_customer`, are counted once when the indexes come back.
 * (The same for `tenants`' dozen sort indexes made the pull twice as slow: glibc returned the top
 * of the heap to the system and took it back again and again, ~1.6 million page faults against
 * ~370,000; not so with its trim threshold raised, which the app cannot set for itself.)
 *
 * Each index's SQL is kept in `deferred_indexes` (migration 0010), in the transaction that drops
 * it: a desktop killed half way builds them again when it next opens (openDatabase, before any
 * migration runs: one that changes these indexes finds them as its version left them).
 */
import type { Db } from './connection';

/** Drops the non-unique indexes of `cameras`, keeping their SQL (in the caller's transaction). */
export function deferCameraIndexes(db: Db): number {
  const indexes = db
    .prepare(
      `SELECT name, sql FROM sqlite_schema
       WHERE type = 'index' AND tbl_name = 'cameras' AND sql IS NOT NULL
         AND sql NOT LIKE 'CREATE UNIQUE %'`,
    )
    .all() as { name: string; sql: string }[];
  // Asked for on every page of a first pull: after the first, nothing is left to drop.
  if (!indexes.length) return 0;
  const keep = db.prepare('INSERT INTO deferred_indexes (name, sql) VALUES (?, ?)');
  for (const index of indexes) {
    keep.run(index.name, index.sql);
    db.exec(`DROP INDEX "${index.name.replaceAll('"', '""')}"`);
  }
  return indexes.length;
}

/**
 * Builds the set-aside indexes again and counts each customer's cameras, in one transaction.
 * Answers how many indexes were built (none: nothing was set aside, or a schema from before
 * migration 0010: nothing done).
 */
export function restoreCameraIndexes(db: Db): number {
  const table = db
    .prepare("SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = 'deferred_indexes'")
    .get();
  if (!table) return 0;
  const deferred = db.prepare('SELECT name, sql FROM deferred_indexes').all() as {
    name: string;
    sql: string;
  }[];
  if (!deferred.length) return 0;
  db.transaction(() => {
    for (const index of deferred) db.exec(index.sql);
    db.exec(`
      DELETE FROM deferred_indexes;
      UPDATE tenants SET camera_count = counted.n
      FROM (SELECT customer_id, COUNT(*) AS n FROM cameras GROUP BY customer_id) AS counted
      WHERE tenants.id = counted.customer_id AND tenants.camera_count != counted.n;
      UPDATE tenants SET camera_count = 0
      WHERE camera_count != 0 AND NOT EXISTS (SELECT 1 FROM cameras WHERE customer_id = tenants.id);
    `);
  })();
  return deferred.length;
}
