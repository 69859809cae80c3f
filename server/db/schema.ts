import { cameraFrameSql, cameraRowTextSql, recordChangeTextSql } from '../sync/records';
import type { SqlDb } from './sql';

/**
 * The server's tables, for both engines. Paths are compared byte-wise (a subtree is the range
 * [path, path + U+FFFF)), so on PostgreSQL they use the "C" collation whatever the database's is.
 *
 * - tenants: the tree as the server knows it; `field_clock` holds the HLC of the last write of each
 *   field (per-field last-writer-wins).
 * - tombstones: deleted tenants (a delete beats a concurrent edit; a deleted id never comes back).
 * - sync_seq: the one row whose update serializes every mutation and numbers it; its row lock is
 *   held until commit, so change_log sequences become visible in order (no reader sees N+1 before N).
 * - change_log: which tenant changed at which sequence, with its path (and its old path after a
 *   move), so a pull can filter by the account's subtree. A row about a record (user, role,
 *   camera) names it in `record_kind`/`record_id`, and its `tenant_id` column holds the row key
 *   `<kind>:<id>` instead (the primary key is (seq, tenant_id): one row per thing per sequence).
 * - records: users, roles and cameras (shared/sync/records.ts), one row each with its synced fields
 *   as one JSON document (`data`) and their clocks (`field_clock`). `path` is the owning tenant's
 *   path (kept in step by moves), so a subtree's records are one index range, like tenants.
 *   `unique_key` is the value unique per kind (a user's login, a role's name in its customer…).
 *   `change_json` is the record's change in a pull, as JSON text ready to send (see
 *   recordChangeJson): the database writes it itself, with a trigger on every insert and on every
 *   update of what it holds, so no writer can leave it stale (not even a server of an older
 *   version on the same database). A snapshot then joins stored text instead of building
 *   half a million JSON documents. A camera has its row instead (`row_json`, CAMERA_ROW_FIELDS:
 *   what a snapshot sends to a desktop that reads rows) and a null `change_json` (an older
 *   desktop's snapshot builds a camera's object form from its columns). A trigger of a server
 *   from before rows writes `change_json` for a camera too, and leaves its `row_json` stale:
 *   a row is only trusted while `change_json` is null (server/sync/records.ts). A camera also has
 *   its frame (`frame_lengths`, `frame_text`: shared/sync/frames.ts, what a snapshot sends to a
 *   desktop that reads frames), written by the same triggers and trusted by the same rule.
 * - record_tombstones: deleted records (a delete beats an edit; a deleted id never comes back).
 * - mutation_results: every mutation ever pushed, by (client, mutation id): the idempotency record.
 */
export function schemaSql(dialect: SqlDb['dialect']): string {
  const pathType = dialect === 'postgres' ? 'TEXT COLLATE "C"' : 'TEXT';
  return `
CREATE TABLE IF NOT EXISTS server_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS tenants (
  id ${pathType} PRIMARY KEY,
  kind TEXT NOT NULL CHECK (kind IN ('root', 'integrator', 'customer')),
  parent_id TEXT,
  path ${pathType} NOT NULL,
  depth INTEGER NOT NULL,
  name TEXT NOT NULL,
  name_key TEXT NOT NULL,
  contact_person TEXT NOT NULL DEFAULT '',
  email TEXT NOT NULL DEFAULT '',
  phone TEXT NOT NULL DEFAULT '',
  address TEXT NOT NULL DEFAULT '',
  time_zone TEXT NOT NULL DEFAULT 'UTC',
  notes TEXT NOT NULL DEFAULT '',
  own_disabled INTEGER NOT NULL DEFAULT 0,
  disabled_by TEXT,
  module_overrides TEXT NOT NULL DEFAULT '{}',
  business TEXT,
  field_clock TEXT NOT NULL DEFAULT '{}',
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
);
CREATE UNIQUE INDEX IF NOT EXISTS tenants_parent_name ON tenants(parent_id, name_key);
CREATE UNIQUE INDEX IF NOT EXISTS tenants_path ON tenants(path);
CREATE TABLE IF NOT EXISTS tombstones (
  id TEXT PRIMARY KEY,
  path ${pathType} NOT NULL,
  seq INTEGER NOT NULL,
  deleted_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS sync_seq (id INTEGER PRIMARY KEY, value INTEGER NOT NULL);
INSERT INTO sync_seq (id, value) VALUES (1, 0) ON CONFLICT (id) DO NOTHING;
CREATE TABLE IF NOT EXISTS change_log (
  seq INTEGER NOT NULL,
  tenant_id ${pathType} NOT NULL,
  path ${pathType} NOT NULL,
  old_path ${pathType},
  PRIMARY KEY (seq, tenant_id)
);
CREATE TABLE IF NOT EXISTS sync_clients (
  client_id TEXT PRIMARY KEY,
  account_id TEXT NOT NULL,
  first_seen_at TEXT NOT NULL,
  last_seen_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS mutation_results (
  client_id TEXT NOT NULL,
  mutation_id INTEGER NOT NULL,
  account_id TEXT NOT NULL,
  command TEXT NOT NULL,
  seq INTEGER,
  status TEXT NOT NULL,
  code TEXT,
  message TEXT,
  overwritten TEXT,
  at TEXT NOT NULL,
  PRIMARY KEY (client_id, mutation_id)
);
CREATE TABLE IF NOT EXISTS accounts (
  id TEXT PRIMARY KEY,
  email TEXT NOT NULL UNIQUE,
  password_hash TEXT NOT NULL,
  tenant_id TEXT NOT NULL,
  role TEXT NOT NULL,
  disabled INTEGER NOT NULL DEFAULT 0,
  created_at TEXT NOT NULL,
  created_by TEXT
);
CREATE TABLE IF NOT EXISTS sessions (
  token_hash TEXT PRIMARY KEY,
  account_id TEXT NOT NULL,
  created_at TEXT NOT NULL,
  expires_at TEXT NOT NULL,
  revoked INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS sessions_account ON sessions(account_id);
CREATE TABLE IF NOT EXISTS records (
  kind ${pathType} NOT NULL,
  id ${pathType} NOT NULL,
  tenant_id TEXT NOT NULL,
  path ${pathType} NOT NULL,
  unique_key TEXT,
  data TEXT NOT NULL,
  field_clock TEXT NOT NULL,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  change_json TEXT,
  row_json TEXT,
  frame_lengths TEXT,
  frame_text TEXT,
  PRIMARY KEY (kind, id)
);
CREATE INDEX IF NOT EXISTS records_path ON records(path, kind, id);
CREATE UNIQUE INDEX IF NOT EXISTS records_unique_key ON records(kind, unique_key);
CREATE TABLE IF NOT EXISTS record_tombstones (
  kind TEXT NOT NULL,
  id TEXT NOT NULL,
  path ${pathType} NOT NULL,
  seq INTEGER NOT NULL,
  deleted_at TEXT NOT NULL,
  PRIMARY KEY (kind, id)
);
`;
}

/** Columns added after the first release: added to an existing database when missing. */
const ADDED_COLUMNS: { table: string; column: string; type: string }[] = [
  { table: 'change_log', column: 'record_kind', type: 'TEXT' },
  { table: 'change_log', column: 'record_id', type: 'TEXT' },
  { table: 'records', column: 'change_json', type: 'TEXT' },
  { table: 'records', column: 'row_json', type: 'TEXT' },
  { table: 'records', column: 'frame_lengths', type: 'TEXT' },
  { table: 'records', column: 'frame_text', type: 'TEXT' },
];

/** The columns a record's change JSON is made of (recordChangeTextSql). */
const CHANGE_JSON_SOURCES = 'kind, id, tenant_id, data, created_at, updated_at';

/**
 * PostgreSQL compresses a row's longest values once the row passes ~2 KB, and a record with its
 * change JSON usually does: a snapshot would then decompress every one it sends (as much CPU as
 * building the JSON). Rows stay as they are up to ~8 KB instead (a value longer than that is
 * still compressed or stored apart).
 */
const PG_TOAST_TUPLE_TARGET = 8160;

/**
 * The triggers that keep `records.change_json`, `records.row_json` and a camera's frame (see
 * schemaSql) equal to the record: on PostgreSQL, a row trigger sets them before the row is
 * written; on SQLite, where a trigger cannot change the row being written, an update of the row
 * just written.
 */
function changeJsonTriggersSql(dialect: SqlDb['dialect']): string {
  const json = recordChangeTextSql(dialect, 'NEW.');
  if (dialect === 'postgres') {
    const frame = cameraFrameSql(dialect, 'NEW.', 'd');
    return `
ALTER TABLE records SET (toast_tuple_target = ${PG_TOAST_TUPLE_TARGET});
CREATE OR REPLACE FUNCTION records_change_json() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  d json;
BEGIN
  IF NEW.kind = 'camera' THEN
    d := NEW.data::json;
    NEW.row_json := ${cameraRowTextSql(dialect, 'NEW.', 'd')};
    NEW.frame_lengths := ${frame.lengths};
    NEW.frame_text := ${frame.text};
    NEW.change_json := NULL;
  ELSE
    NEW.change_json := ${json};
    NEW.row_json := NULL;
    NEW.frame_lengths := NULL;
    NEW.frame_text := NULL;
  END IF;
  RETURN NEW;
END $$;
CREATE OR REPLACE TRIGGER records_change_json
  BEFORE INSERT OR UPDATE OF ${CHANGE_JSON_SOURCES} ON records
  FOR EACH ROW EXECUTE FUNCTION records_change_json();
`;
  }
  const frame = cameraFrameSql(dialect, 'NEW.');
  const set = `change_json = CASE WHEN NEW.kind = 'camera' THEN NULL ELSE ${json} END,
    row_json = CASE WHEN NEW.kind = 'camera' THEN ${cameraRowTextSql(dialect, 'NEW.')} END,
    frame_lengths = CASE WHEN NEW.kind = 'camera' THEN ${frame.lengths} END,
    frame_text = CASE WHEN NEW.kind = 'camera' THEN ${frame.text} END`;
  return `
DROP TRIGGER IF EXISTS records_change_json_insert;
DROP TRIGGER IF EXISTS records_change_json_update;
CREATE TRIGGER records_change_json_insert AFTER INSERT ON records BEGIN
  UPDATE records SET ${set} WHERE rowid = NEW.rowid;
END;
CREATE TRIGGER records_change_json_update
  AFTER UPDATE OF ${CHANGE_JSON_SOURCES} ON records BEGIN
  UPDATE records SET ${set} WHERE rowid = NEW.rowid;
END;
`;
}

/**
 * Whether the database has this version's triggers (the ones that write camera frames) and, on
 * PostgreSQL, the storage setting already: then a start changes nothing in the catalog and takes
 * no lock on `records` (servers behind a load balancer start while others serve).
 */
async function changeJsonTriggersPresent(db: SqlDb): Promise<boolean> {
  const row =
    db.dialect === 'postgres'
      ? await db.get(
          `SELECT 1 AS one FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
           WHERE t.tgname = 'records_change_json' AND c.oid = 'records'::regclass
             AND ? = ANY (c.reloptions)
             AND EXISTS (SELECT 1 FROM pg_proc p WHERE p.oid = to_regproc('records_change_json')
                         AND p.prosrc LIKE '%frame_text%')`,
          [`toast_tuple_target=${PG_TOAST_TUPLE_TARGET}`],
        )
      : await db.get(
          `SELECT 1 AS one FROM sqlite_master WHERE type = 'trigger'
           AND name = 'records_change_json_update' AND sql LIKE '%frame_text%'`,
        );
  return row !== undefined;
}

const CHANGE_JSON_FILLED = 'records.change_json filled';
const ROW_JSON_FILLED = 'records.row_json filled';
const FRAME_TEXT_FILLED = 'records.frame_text filled';

/**
 * Fills what the triggers write for the records written before them, once each (a database the
 * triggers have always watched has nothing to fill): in one transaction with the mark that says
 * it is done, so a server stopped halfway fills them on its next start. `change_json` of the
 * records other than cameras; a camera's row, then its frame (and its `change_json` cleared) by
 * the trigger itself, which an update of `data` sets off. A database that had rows before frames
 * fills only the frames: its rows' mark is there already.
 */
async function fillChangeJson(db: SqlDb): Promise<void> {
  const fills = [
    {
      mark: CHANGE_JSON_FILLED,
      sql: `UPDATE records SET change_json = ${recordChangeTextSql(db.dialect)}
            WHERE change_json IS NULL AND kind <> 'camera'`,
    },
    {
      mark: ROW_JSON_FILLED,
      sql: `UPDATE records SET data = data
            WHERE kind = 'camera' AND (row_json IS NULL OR change_json IS NOT NULL)`,
    },
    {
      mark: FRAME_TEXT_FILLED,
      sql: `UPDATE records SET data = data
            WHERE kind = 'camera' AND (frame_text IS NULL OR change_json IS NOT NULL)`,
    },
  ];
  for (const { mark, sql } of fills) {
    const done = await db.get('SELECT 1 AS one FROM server_meta WHERE key = ?', [mark]);
    if (done) continue;
    await db.transaction(async (tx) => {
      await tx.run(sql);
      await tx.run(
        'INSERT INTO server_meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO NOTHING',
        [mark, 'yes'],
      );
    });
  }
}

async function addMissingColumns(db: SqlDb): Promise<void> {
  for (const c of ADDED_COLUMNS) {
    const present =
      db.dialect === 'postgres'
        ? await db.get(
            `SELECT 1 AS one FROM information_schema.columns
             WHERE table_schema = current_schema() AND table_name = ? AND column_name = ?`,
            [c.table, c.column],
          )
        : await db.get(`SELECT 1 AS one FROM pragma_table_info('${c.table}') WHERE name = ?`, [
            c.column,
          ]);
    if (!present) await db.exec(`ALTER TABLE ${c.table} ADD COLUMN ${c.column} ${c.type}`);
  }
}

export const ROOT_NAME = 'Partner';

/** Creates the tables (idempotent) and the root partner tenant. */
export async function migrateServer(db: SqlDb, now: string): Promise<void> {
  await db.exec(schemaSql(db.dialect));
  await addMissingColumns(db);
  if (!(await changeJsonTriggersPresent(db))) await db.exec(changeJsonTriggersSql(db.dialect));
  await fillChangeJson(db);
  await db.run(
    `INSERT INTO tenants (id, kind, parent_id, path, depth, name, name_key, created_at, updated_at)
     VALUES ('root', 'root', NULL, '/root/', 0, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING`,
    [ROOT_NAME, ROOT_NAME.toLowerCase(), now, now],
  );
}
