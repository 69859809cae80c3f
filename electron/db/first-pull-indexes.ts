/**
 * Indexes set aside while a first pull fills an empty database (SyncEngine.writePage). The
 * snapshot brings 100,000 customers and 500,000 cameras in the benchmark, each to its place in
 * every index of its table. Ids made by shared/ids.ts come in creation order, and the snapshot in
 * customer order, so the id and path indexes grow at their end; but customers' names are in no
 * order, a device's WS-Discovery endpoint is random (its maker chose it), and so are ids made
 * before shared/ids.ts: a page of such rows changes leaves all over those indexes. The indexes of
 * SET_ASIDE are dropped while the snapshot goes in and built again, one sort each: the tenants'
 * as the records begin, the cameras' at the end
 * (docs/sync.md, "Camera indexes set aside" and "Names in no order": with ordered ids, the
 * endpoint index alone took ~6 s of 10.7 s of camera inserts in isolation, ~0.5 s to build; the
 * three name-keyed sort indexes ~1.5 s of 3.4 s of tenant inserts, ~0.3 s to build).
 *
 * Without the endpoint's index, nothing refuses a second camera with the same endpoint while the
 * pull runs. The server's snapshot holds each endpoint once (records_unique_key); a camera this
 * desktop attaches meanwhile is checked by a query inside its insert's transaction (CameraService;
 * ~0.1 s without the index, with 500,000 cameras, so a site scan's "attached to" looks devices up
 * by address only meanwhile). A duplicate can still come from a local camera that was here, or
 * attached, before the server's row with the same endpoint arrived: the row-by-row path would
 * have made the local one step aside (ServerRowWriter.writeCamera), so the build at the end does
 * the same: the row inserted last (the highest rowid) keeps the endpoint, the others give it up.
 * The other unique indexes stay (ids, paths, P&P ids, a name within its parent), and with them
 * every collision check of the bulk writer. Queries stay correct meanwhile, only slower (the
 * customer list sorts 100,000 names instead of reading them in order). The bulk writer counts
 * each page's cameras through `cameras_customer`; the counts are made exact once more when the
 * cameras' indexes come back (cheap when nothing changed: no row is rewritten).
 *
 * Each index's SQL is kept in `deferred_indexes` (migration 0010), in the transaction that drops
 * it: a desktop killed half way builds them again when it next opens (openDatabase, before any
 * migration runs: one that changes these indexes finds them as its version left them).
 *
 * Not more: `tenants`' dozen sort indexes all set aside (with names in order then) made the pull
 * twice as slow: glibc returned the top of the heap to the system and took it back again and
 * again, ~1.6 million page faults against ~370,000, around SQLite's in-memory statement journals;
 * not so with its trim threshold raised, which the app cannot set for itself (docs/sync.md).
 */
import type { Db } from './connection';

/**
 * The indexes set aside, by table (and one trigger):
 * - the device endpoint (random: its maker chose it), whose duplicates are settled when it is
 *   built again;
 * - the cameras' count trigger (`cameras_count_ins`, migration 0008): its `WHEN` stands it aside
 *   for the bulk writer's inserts, which count each page's cameras themselves, but SQLite still
 *   runs the trigger's program for every row to test it. Without it the camera pages' writes
 *   took ~10 % less in the benchmark's first pull (6 alternating runs each on one seeded server:
 *   6.30–7.07 s → 5.78–6.27 s of the main thread's writing, the pull 12.27–13.28 s →
 *   11.68–13.01 s; docs/sync.md, "The count trigger set aside"). A camera the row-by-row path
 *   or this desktop's user inserts meanwhile is not counted at once: the counts are made exact
 *   again when it comes back (restoreFirstPullIndexes);
 * - the customer list's sort orders keyed by name (by name, by kind then name, by state then
 *   name): names come in no order. The unique name within a parent stays: it refuses a collision
 *   as it happens, which the bulk writer's savepoint relies on.
 * A snapshot brings its tenants first, then its records: the tenants' indexes come back as the
 * records begin (SyncEngine.writePage), while the server and the pull worker are still busy with
 * the pages that follow, rather than in the pull's last step, which nothing else overlaps.
 * The customer's cameras (`cameras_customer`) stay: the snapshot comes in path order, so its
 * cameras come customer after customer and land at the index's end, and with the index the bulk
 * writer counts each page's cameras as it writes them (measured: docs/sync.md, "The last step
 * shortened"). The device address's index stays: addresses repeat from one customer's LAN to the
 * next, so its inserts land on few leaves, and a site scan looks every device up by address
 * (~0.1 s a lookup without it, with 500,000 cameras).
 */
const SET_ASIDE = {
  cameras: ['cameras_endpoint_ref', 'cameras_count_ins'],
  tenants: ['tenants_sort_name', 'tenants_sort_kind', 'tenants_sort_status'],
} as const;
export type FirstPullTable = keyof typeof SET_ASIDE;
const ALL_TABLES: readonly FirstPullTable[] = ['tenants', 'cameras'];
const ENDPOINT_INDEX = 'cameras_endpoint_ref';

const namesOf = (tables: readonly FirstPullTable[]): string[] =>
  tables.flatMap((t) => SET_ASIDE[t]);

/**
 * Drops the SET_ASIDE indexes (and trigger) of `tables` that are here, keeping their SQL (in the
 * caller's transaction).
 */
export function setFirstPullIndexesAside(
  db: Db,
  tables: readonly FirstPullTable[] = ALL_TABLES,
): number {
  const indexes = db
    .prepare(
      `SELECT type, name, sql FROM sqlite_schema
       WHERE type IN ('index', 'trigger') AND sql IS NOT NULL
         AND name IN (SELECT value FROM json_each(?))`,
    )
    .all(JSON.stringify(namesOf(tables))) as { type: string; name: string; sql: string }[];
  // Asked for on every page of a first pull: after the first, nothing is left to drop.
  if (!indexes.length) return 0;
  const keep = db.prepare('INSERT INTO deferred_indexes (name, sql) VALUES (?, ?)');
  for (const index of indexes) {
    keep.run(index.name, index.sql);
    db.exec(
      `DROP ${index.type === 'trigger' ? 'TRIGGER' : 'INDEX'} "${index.name.replaceAll('"', '""')}"`,
    );
  }
  return indexes.length;
}

/** Whether the device endpoint's index is set aside (a first pull is filling the database). */
export function endpointIndexAside(db: Db): boolean {
  return (
    db
      .prepare('SELECT EXISTS (SELECT 1 FROM deferred_indexes WHERE name = ?)')
      .pluck()
      .get(ENDPOINT_INDEX) === 1
  );
}

/**
 * Builds the set-aside indexes (and trigger) again (those of `tables`; without: every one kept,
 * whatever set it aside, as a desktop killed half way by an earlier version left them) and counts
 * each customer's cameras, in one transaction. Answers how many were made again (none: nothing
 * was set aside, or a schema from before migration 0010: nothing done).
 */
export function restoreFirstPullIndexes(db: Db, tables?: readonly FirstPullTable[]): number {
  const table = db
    .prepare("SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = 'deferred_indexes'")
    .get();
  if (!table) return 0;
  const wanted = tables ? new Set(namesOf(tables)) : null;
  const deferred = (
    db.prepare('SELECT name, sql FROM deferred_indexes').all() as { name: string; sql: string }[]
  ).filter((index) => !wanted || wanted.has(index.name));
  if (!deferred.length) return 0;
  const sorter = IndexSorter.set(db);
  try {
    buildDeferred(db, deferred, tables, sorter);
  } catch (err) {
    if (!sorter || !isTemporaryStorageError(err)) throw err;
    // The sorter's temporary files failed (a full or vanished temporary folder): the transaction
    // rolled back, so the indexes are built as before, sorted in memory.
    sorter.restore();
    buildDeferred(db, deferred, tables, null);
  } finally {
    sorter?.restore();
  }
  return deferred.length;
}

/** Errors of a file SQLite could not create, write or read (its temporary files among them). */
const isTemporaryStorageError = (err: unknown): boolean => {
  const code = (err as { code?: unknown } | null)?.code;
  return (
    typeof code === 'string' &&
    (code.startsWith('SQLITE_IOERR') || code === 'SQLITE_CANTOPEN' || code === 'SQLITE_FULL')
  );
};

/** restoreFirstPullIndexes' transaction: the indexes of `deferred` built, the counts made exact. */
function buildDeferred(
  db: Db,
  deferred: readonly { name: string; sql: string }[],
  tables: readonly FirstPullTable[] | undefined,
  sorter: IndexSorter | null,
): void {
  db.transaction(() => {
    for (const index of deferred) {
      const build = () =>
        index.name === ENDPOINT_INDEX ? buildEndpointIndex(db, index.sql) : db.exec(index.sql);
      if (sorter) sorter.sorting(build);
      else build();
    }
    const forget = db.prepare('DELETE FROM deferred_indexes WHERE name = ?');
    for (const index of deferred) forget.run(index.name);
    // The tenants' indexes alone (as the records begin) change no count.
    if (tables && !tables.includes('cameras')) return;
    db.exec(`
      UPDATE tenants SET camera_count = counted.n
      FROM (SELECT customer_id, COUNT(*) AS n FROM cameras GROUP BY customer_id) AS counted
      WHERE tenants.id = counted.customer_id AND tenants.camera_count != counted.n;
      UPDATE tenants SET camera_count = 0
      WHERE camera_count != 0 AND NOT EXISTS (SELECT 1 FROM cameras WHERE customer_id = tenants.id);
    `);
  })();
}

/**
 * How SQLite sorts while set-aside indexes are built outside a transaction (a first pull's end,
 * when nothing else needs the CPU; or the app's start after a kill). CREATE INDEX sorts the keys
 * in runs as large as the page cache (64 MB while pulling), in memory under `temp_store = MEMORY`
 * (electron/db/connection.ts), and then without the helper threads SQLite's sorter may use. The
 * endpoint index of the benchmark's 500,000 cameras, on a pulled database (each setting several
 * times): 64 MB runs in memory 0.49–0.64 s; 4 MB runs in temporary files 0.32 s, with one
 * helper thread 0.25–0.27 s (docs/sync.md, "The endpoint index sorted in small runs"). Runs of 4
 * MB sort within the CPU's caches; merged from memory rather than from files they gained little
 * (0.52–0.55 s). Inside a transaction (the tenants' indexes, as a first pull's records begin)
 * `temp_store` cannot change, and the other threads of the pull are busy: nothing changes there;
 * nor on a connection holding temporary tables or triggers, which a change of `temp_store` drops
 * (the app makes none; tests inject faults with them). The temporary files (~30 MB for the
 * benchmark's endpoints) go to the system's temporary folder; when it is full, the build is tried
 * again as before, sorted in memory (restoreFirstPullIndexes), rather than failing a pull or the
 * app's start.
 */
class IndexSorter {
  private constructor(
    private readonly db: Db,
    private readonly tempStore: number,
    private readonly threads: number,
  ) {}

  /** Temporary files and a helper thread for the sorts, until restore(); null where not (above). */
  static set(db: Db): IndexSorter | null {
    if (db.inTransaction) return null;
    if ((db.prepare('SELECT COUNT(*) FROM temp.sqlite_schema').pluck().get() as number) > 0)
      return null;
    const sorter = new IndexSorter(
      db,
      db.pragma('temp_store', { simple: true }) as number,
      db.pragma('threads', { simple: true }) as number,
    );
    db.pragma('temp_store = FILE');
    db.pragma(`threads = ${SORTER_THREADS}`);
    return sorter;
  }

  /** Runs `build` with the page cache (which sizes the sorter's runs) at SORTER_CACHE_KIB. */
  sorting(build: () => void): void {
    const cache = this.db.pragma('cache_size', { simple: true }) as number;
    this.db.pragma(`cache_size = -${SORTER_CACHE_KIB}`);
    try {
      build();
    } finally {
      this.db.pragma(`cache_size = ${cache}`);
    }
  }

  restore(): void {
    if (!this.db.open) return;
    this.db.pragma(`temp_store = ${this.tempStore}`);
    this.db.pragma(`threads = ${this.threads}`);
  }
}

/** The page cache while an index is built (IndexSorter), in KiB: the sorter's runs. */
const SORTER_CACHE_KIB = 4096;
/** Helper threads of SQLite's sorter while an index is built (IndexSorter). */
const SORTER_THREADS = 1;

/**
 * Builds the endpoint's unique index; when two cameras hold the same endpoint, the one written
 * last (the highest rowid: rows get MAX(rowid) + 1) keeps it, as ServerRowWriter.writeCamera's
 * step-aside would have left it. Tried first as it is: duplicates are rare, and looking for them
 * costs a sort of every endpoint.
 */
function buildEndpointIndex(db: Db, sql: string): void {
  try {
    db.transaction(() => db.exec(sql))();
    return;
  } catch (err) {
    if ((err as { code?: unknown } | null)?.code !== 'SQLITE_CONSTRAINT_UNIQUE') throw err;
  }
  db.exec(`
    UPDATE cameras SET endpoint_ref = NULL
    WHERE rowid IN (
      SELECT c.rowid FROM cameras c
      JOIN (SELECT endpoint_ref, MAX(rowid) AS keep FROM cameras
            WHERE endpoint_ref IS NOT NULL GROUP BY endpoint_ref HAVING COUNT(*) > 1) AS d
        ON c.endpoint_ref = d.endpoint_ref AND c.rowid != d.keep)`);
  db.exec(sql);
}
