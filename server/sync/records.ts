/**
 * Records (users, roles, cameras) on the server: one generic store and the two commands,
 * `records.put` and `records.delete`, re-run inside the mutation's transaction with the rules of
 * shared/sync/merge.ts (per-field last-writer-wins, delete beats edit). A record lives in a tenant
 * of the account's subtree, of the right kind, and never moves to another tenant; its tenant's
 * delete takes it along (TenantStore.deleteSubtree → RecordStore.deleteSubtree).
 */
import { AppError, fieldError } from '../../shared/errors';
import { mergeFields, parseFieldClock, winsField } from '../../shared/sync/merge';
import {
  allowedTenantKind,
  parseRecordFields,
  RECORD_LABEL,
  uniqueKey,
  type RecordDelete,
  type RecordFields,
  type RecordKind,
  type RecordPut,
} from '../../shared/sync/records';
import { CAMERA_ROW_FIELDS, CAMERA_ROWS_FORMAT } from '../../shared/sync/protocol';
import { inSubtree } from '../../shared/sync/roles';
import type { SqlRunner } from '../db/sql';
import { subtreeHi } from './store';

/** A record row as the server stores it. */
export interface ServerRecord {
  kind: RecordKind;
  id: string;
  tenant_id: string;
  path: string;
  unique_key: string | null;
  data: string;
  field_clock: string;
  created_at: string;
  updated_at: string;
}

/** The columns a pull reads of a record (not its clocks or unique key). */
export const SYNC_RECORD_COLUMNS = 'kind, id, tenant_id, path, data, created_at, updated_at';
export type SyncRecordRow = Pick<
  ServerRecord,
  'kind' | 'id' | 'tenant_id' | 'path' | 'data' | 'created_at' | 'updated_at'
>;

/**
 * A record's change in a pull, as JSON text: `{op: 'record', record: SyncRecord}`. The stored
 * `data` is the JSON the server itself wrote after checking it against the kind's schema, so it
 * goes out as it is, unparsed (a snapshot sends hundreds of thousands of them). Customer users do
 * not receive password hashes.
 */
export function recordChangeJson(r: SyncRecordRow, hideSecrets: boolean): string {
  const data =
    hideSecrets && r.kind === 'user'
      ? JSON.stringify({ ...(JSON.parse(r.data) as Record<string, unknown>), passwordHash: null })
      : r.data;
  const head = JSON.stringify({ kind: r.kind, id: r.id, tenantId: r.tenant_id });
  const tail = JSON.stringify({ createdAt: r.created_at, updatedAt: r.updated_at });
  return `{"op":"record","record":${head.slice(0, -1)},"data":${data},${tail.slice(1)}}`;
}

/**
 * The SQL expression of a records row's change JSON for the pages of a snapshot (hundreds of
 * thousands of records): the stored `change_json` (server/db/schema.ts), with no row object and
 * no JavaScript string per record. On SQLite the text comes back as a BLOB (a Buffer of its UTF-8
 * bytes, which goes into the answer's body as it is: no decoding and encoding again); on
 * PostgreSQL as text. Null for a user's record when `hideSecrets` (the first parameter) is 1:
 * those go through recordChangeJson.
 */
export function recordChangeJsonSql(dialect: 'sqlite' | 'postgres'): string {
  const text = storedChangeSql(dialect);
  const out = dialect === 'sqlite' ? `CAST(${text} AS BLOB)` : text;
  return `CASE WHEN ? = 1 AND kind = 'user' THEN NULL ELSE ${out} END`;
}

/**
 * recordChangeJson's text as an SQL expression over a records row (`row` prefixes the columns:
 * `NEW.` in a trigger): how the database writes `change_json`.
 */
export function recordChangeTextSql(dialect: 'sqlite' | 'postgres', row = ''): string {
  const q = (column: string) =>
    dialect === 'sqlite' ? `json_quote(${row}${column})` : `to_json(${row}${column})::text`;
  return `'{"op":"record","record":{"kind":' || ${q('kind')} || ',"id":' || ${q('id')} ||
    ',"tenantId":' || ${q('tenant_id')} || ',"data":' || ${row}data || ',"createdAt":' || ${q('created_at')} ||
    ',"updatedAt":' || ${q('updated_at')} || '}}'`;
}

/**
 * A row's stored change JSON; built here for a row without one (the database fills them all as it
 * upgrades, and its triggers keep them: a missing one would otherwise drop the record from a
 * snapshot page without a word).
 */
function storedChangeSql(dialect: 'sqlite' | 'postgres'): string {
  return `COALESCE(change_json, ${recordChangeTextSql(dialect)})`;
}

/**
 * A camera's row (CAMERA_ROW_FIELDS: a JSON array of its values) as an SQL expression over a
 * records row (`row` prefixes the columns: `NEW.` in a trigger), `data` being the row's `data`
 * read as JSON (on PostgreSQL a trigger parses it once into a variable). Each value of `data`
 * goes into the array as the JSON it is, unparsed into SQL values and back.
 */
export function cameraRowTextSql(
  dialect: 'sqlite' | 'postgres',
  row = '',
  data = dialect === 'sqlite' ? `${row}data` : `(${row}data::json)`,
): string {
  // The row's first four values are columns (id, tenantId, createdAt, updatedAt), the rest fields.
  const columns = ['id', 'tenant_id', 'created_at', 'updated_at'].map((c) => `${row}${c}`);
  const values = CAMERA_ROW_FIELDS.slice(columns.length).map((f) =>
    dialect === 'sqlite' ? `${data} -> '$.${f}'` : `${data} -> '${f}'`,
  );
  const all = [...columns, ...values].join(', ');
  return dialect === 'sqlite' ? `json_array(${all})` : `json_build_array(${all})::text`;
}

/**
 * A camera's stored row (`row_json`, written by the triggers of server/db/schema.ts), trusted
 * only while `change_json` is null: a trigger of a server from before rows (on the same
 * PostgreSQL, while servers are upgraded one by one) writes `change_json` and leaves `row_json`
 * as it was, so a camera with `change_json` has its row built here from its columns.
 */
function storedCameraRowSql(dialect: 'sqlite' | 'postgres'): string {
  return `CASE WHEN change_json IS NULL AND row_json IS NOT NULL THEN row_json
    ELSE ${cameraRowTextSql(dialect)} END`;
}

/**
 * A camera's frame (shared/sync/frames.ts) as two SQL expressions over a records row (`row`
 * prefixes the columns: `NEW.` in a trigger; `data` is the row's `data` read as JSON, as for
 * cameraRowTextSql): `lengths`, each value's length in UTF-8 bytes (-1 for null) in
 * CAMERA_ROW_FIELDS order, separated by commas; `text`, the values that are not null, one after
 * another. A string goes in as its value (`->>`, unescaped: the frame carries no JSON around it);
 * `enabled` as "1" or "0"; `deviceInfo` and `profiles` as the JSON they are. `->` would answer a
 * JSON null as the text `null`, so a device info that is not an object is null (the schema allows
 * an object or null). The triggers of server/db/schema.ts store both, so a snapshot joins stored
 * texts here too.
 *
 * On SQLite, a text whose JSON holds a lone surrogate (`\ud800`: JSON.stringify escapes it, and
 * zod lets it through) has no frame: SQLite would unescape it into bytes that are not UTF-8, which
 * a desktop decodes into other characters; such a camera's run goes out as rows. (PostgreSQL
 * refuses to unescape it, or a NUL, at all: `json` reading such a text fails in the trigger, the
 * camera's row included.) On PostgreSQL a length is that of the value converted to UTF-8, which
 * is what the desktop receives whatever the database's encoding.
 */
export function cameraFrameSql(
  dialect: 'sqlite' | 'postgres',
  row = '',
  data = dialect === 'sqlite' ? `${row}data` : `(${row}data::json)`,
): { lengths: string; text: string } {
  const columns = ['id', 'tenant_id', 'created_at', 'updated_at'].map((c) => `${row}${c}`);
  const sqlite = dialect === 'sqlite';
  const field = (f: (typeof CAMERA_ROW_FIELDS)[number]): string => {
    switch (f) {
      case 'enabled':
        return sqlite
          ? `CASE WHEN ${data} ->> '$.enabled' THEN '1' ELSE '0' END`
          : `CASE WHEN (${data} ->> 'enabled')::boolean THEN '1' ELSE '0' END`;
      case 'deviceInfo':
        return sqlite
          ? `CASE WHEN json_type(${data}, '$.deviceInfo') = 'object' THEN ${data} -> '$.deviceInfo' END`
          : `CASE WHEN json_typeof(${data} -> 'deviceInfo') = 'object' THEN (${data} -> 'deviceInfo')::text END`;
      case 'profiles':
        return sqlite ? `${data} -> '$.profiles'` : `(${data} -> 'profiles')::text`;
      default:
        return sqlite ? `${data} ->> '$.${f}'` : `${data} ->> '${f}'`;
    }
  };
  const values = [...columns, ...CAMERA_ROW_FIELDS.slice(columns.length).map(field)];
  if (!sqlite)
    return {
      lengths: `concat_ws(',', ${values
        .map((v) => `COALESCE(octet_length(convert_to(${v}, 'UTF8')), -1)`)
        .join(', ')})`,
      text: `concat(${values.join(', ')})`,
    };
  const framable = (expr: string) =>
    `CASE WHEN ${data} NOT GLOB '*\\u[dD][89abcdefABCDEF]*' THEN ${expr} END`;
  return {
    lengths: framable(values.map((v) => `COALESCE(octet_length(${v}), -1)`).join(" || ',' || ")),
    text: framable(values.map((v) => `COALESCE(${v}, '')`).join(' || ')),
  };
}

/**
 * Whether a camera's stored frame may be sent: the same rule as its row (storedCameraRowSql), and
 * both halves present (a database upgraded halfway, or a lone surrogate on SQLite, leaves them
 * null).
 */
const FRAME_TRUSTED =
  'change_json IS NULL AND frame_text IS NOT NULL AND frame_lengths IS NOT NULL';

/**
 * What a snapshot reads of a page's cameras to send them as one frame, over the run's rows. On
 * SQLite one row for the run: the cameras (`n`), those with a frame to trust (`framed`), and their
 * lengths and texts joined by the database (`lengths` by commas, `text` end to end) as BLOBs, in
 * the order the rows are read (along records_path, as recordRunSql's). On PostgreSQL a row per
 * camera (`lengths`, `text`, `trusted`), joined by the caller (joinedUtf8, utf8Concat), for the
 * reason recordRunSql gives.
 */
export function cameraFrameRunSql(dialect: 'sqlite' | 'postgres'): string {
  if (dialect === 'postgres')
    return `frame_lengths AS lengths, frame_text AS text, (${FRAME_TRUSTED}) AS trusted`;
  return `COUNT(*) AS n, SUM(CASE WHEN ${FRAME_TRUSTED} THEN 1 ELSE 0 END) AS framed,
    CAST(group_concat(frame_lengths, ',') AS BLOB) AS lengths,
    CAST(group_concat(frame_text, '') AS BLOB) AS text`;
}

/**
 * A run of a snapshot page (the records of one kind in its range) as one text in the answer: the
 * records' stored texts (`text`, per row) joined by commas, inside one `cameraRows` change for
 * camera rows. On SQLite the database joins them (`group_concat`, handed back as a BLOB: one value
 * per run rather than a row per record). On PostgreSQL it hands back the rows, joined here: an
 * aggregate of ~1.3 MB per page was copied four times into freshly mapped memory (its state, its
 * result, the text output, the message), and its page faults made ~2/3 of the database's CPU in
 * a first pull (6.2 s against 2.3 s for the rows, 250 pages of 2,000 cameras). `select` is the
 * run's aggregate (SQLite: `join` null) or each record's text (`join` makes the run of them).
 */
export function recordRunSql(
  dialect: 'sqlite' | 'postgres',
  cameraRows: boolean,
): { select: string; join: ((texts: readonly string[]) => Buffer) | null } {
  const text = cameraRows ? storedCameraRowSql(dialect) : storedChangeSql(dialect);
  const head = cameraRows ? `{"op":"${CAMERA_ROWS_FORMAT}","rows":[` : '';
  const tail = cameraRows ? ']}' : '';
  if (dialect === 'postgres')
    return { select: text, join: (texts) => joinedUtf8(head, texts, tail) };
  const joined = `group_concat(${text}, ',')`;
  return {
    select: `CAST(${head ? `'${head}' || ${joined} || '${tail}'` : joined} AS BLOB)`,
    join: null,
  };
}

/**
 * The parts (texts as UTF-8, bytes as they are) written once into one buffer of their size:
 * joining a page's texts into one string and encoding the ~1.3 MB result took ~5 s of the
 * server's CPU in a first pull's 250 camera pages (profiled), the join and Buffer.from about half
 * each. A pull's answer (pullReplyBody) and a run of stored texts (joinedUtf8) are written so.
 */
export function utf8Concat(parts: readonly (string | Uint8Array)[]): Buffer {
  let size = 0;
  for (const p of parts) size += typeof p === 'string' ? Buffer.byteLength(p) : p.length;
  const out = Buffer.allocUnsafe(size);
  let at = 0;
  for (const p of parts) {
    if (typeof p === 'string') at += out.write(p, at);
    else {
      out.set(p, at);
      at += p.length;
    }
  }
  if (at !== size) throw new Error(`utf8Concat: wrote ${at} of ${size} bytes`);
  return out;
}

/** `head`, the texts joined by commas, and `tail`, as UTF-8 bytes (utf8Concat). */
export function joinedUtf8(head: string, texts: readonly string[], tail: string): Buffer {
  const parts = [head];
  texts.forEach((t, i) => {
    if (i > 0) parts.push(',');
    parts.push(t);
  });
  parts.push(tail);
  return utf8Concat(parts);
}

/** The change-log key of a record: unique per sequence next to tenant ids. */
export const recordLogKey = (kind: RecordKind, id: string) => `${kind}:${id}`;

/** SQL over the records table; the record commands and the tenant cascades call these. */
export class RecordStore {
  constructor(private readonly tx: SqlRunner) {}

  get(kind: RecordKind, id: string): Promise<ServerRecord | undefined> {
    return this.tx.get<ServerRecord>('SELECT * FROM records WHERE kind = ? AND id = ?', [kind, id]);
  }

  tombstone(kind: RecordKind, id: string): Promise<{ path: string } | undefined> {
    return this.tx.get<{ path: string }>(
      'SELECT path FROM record_tombstones WHERE kind = ? AND id = ?',
      [kind, id],
    );
  }

  async holderOf(kind: RecordKind, key: string): Promise<string | undefined> {
    const row = await this.tx.get<{ id: string }>(
      'SELECT id FROM records WHERE kind = ? AND unique_key = ?',
      [kind, key],
    );
    return row?.id;
  }

  /** The records of one kind of one tenant (by its path: the path index). */
  ofTenant(kind: RecordKind, path: string): Promise<ServerRecord[]> {
    return this.tx.all<ServerRecord>('SELECT * FROM records WHERE path = ? AND kind = ?', [
      path,
      kind,
    ]);
  }

  async insert(r: ServerRecord): Promise<void> {
    await this.tx.run(
      `INSERT INTO records (kind, id, tenant_id, path, unique_key, data, field_clock, created_at, updated_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      [
        r.kind,
        r.id,
        r.tenant_id,
        r.path,
        r.unique_key,
        r.data,
        r.field_clock,
        r.created_at,
        r.updated_at,
      ],
    );
  }

  async update(
    kind: RecordKind,
    id: string,
    f: Pick<ServerRecord, 'unique_key' | 'data' | 'field_clock' | 'updated_at'>,
  ): Promise<void> {
    await this.tx.run(
      'UPDATE records SET unique_key = ?, data = ?, field_clock = ?, updated_at = ? WHERE kind = ? AND id = ?',
      [f.unique_key, f.data, f.field_clock, f.updated_at, kind, id],
    );
  }

  async log(seq: number, kind: RecordKind, id: string, path: string): Promise<void> {
    await this.tx.run(
      `INSERT INTO change_log (seq, tenant_id, path, old_path, record_kind, record_id)
       VALUES (?, ?, ?, NULL, ?, ?) ON CONFLICT (seq, tenant_id) DO NOTHING`,
      [seq, recordLogKey(kind, id), path, kind, id],
    );
  }

  async delete(seq: number, r: ServerRecord, now: string): Promise<void> {
    await this.log(seq, r.kind, r.id, r.path);
    await this.tx.run(
      `INSERT INTO record_tombstones (kind, id, path, seq, deleted_at) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (kind, id) DO NOTHING`,
      [r.kind, r.id, r.path, seq, now],
    );
    await this.tx.run('DELETE FROM records WHERE kind = ? AND id = ?', [r.kind, r.id]);
  }

  /**
   * A tenant enabled "with all its cameras" (`tenants.enable`, mode `enable_all_cameras`): every
   * camera of the subtree switched off on its own is on again, unless its own switch is newer
   * than the enable (per-field last writer wins), and logged, as the desktop that enabled it did.
   */
  async enableCameras(seq: number, path: string, hlc: string, now: string): Promise<void> {
    // The stored data is JSON.stringify's: a camera switched off holds `"enabled":false` as it is.
    const off = await this.tx.all<ServerRecord>(
      `SELECT * FROM records WHERE kind = 'camera' AND path >= ? AND path < ? AND data LIKE ?`,
      [path, subtreeHi(path), '%"enabled":false%'],
    );
    for (const r of off) {
      const data = JSON.parse(r.data) as Record<string, unknown>;
      const clock = parseFieldClock(r.field_clock);
      if (data.enabled !== false || !winsField(clock, 'enabled', hlc)) continue;
      await this.update('camera', r.id, {
        unique_key: r.unique_key,
        data: JSON.stringify({ ...data, enabled: true }),
        field_clock: JSON.stringify({ ...clock, enabled: hlc }),
        updated_at: now,
      });
      await this.log(seq, 'camera', r.id, r.path);
    }
  }

  /** A tenant subtree moved: its records follow, logged under the new path with the old one. */
  async moveSubtree(seq: number, oldPath: string, newPath: string): Promise<void> {
    await this.tx.run(
      `UPDATE records SET path = CAST(? AS TEXT) || substr(path, ?) WHERE path >= ? AND path < ?`,
      [newPath, oldPath.length + 1, oldPath, subtreeHi(oldPath)],
    );
    await this.tx.run(
      `INSERT INTO change_log (seq, tenant_id, path, old_path, record_kind, record_id)
       SELECT ?, kind || ':' || id, path, CAST(? AS TEXT) || substr(path, ?), kind, id
       FROM records WHERE path >= ? AND path < ?
       ON CONFLICT (seq, tenant_id) DO NOTHING`,
      [seq, oldPath, newPath.length + 1, newPath, subtreeHi(newPath)],
    );
  }

  /** A tenant subtree is deleted: its records go with it, logged and tombstoned. */
  async deleteSubtree(seq: number, path: string, now: string): Promise<void> {
    const range = [path, subtreeHi(path)];
    await this.tx.run(
      `INSERT INTO change_log (seq, tenant_id, path, old_path, record_kind, record_id)
       SELECT ?, kind || ':' || id, path, NULL, kind, id FROM records WHERE path >= ? AND path < ?
       ON CONFLICT (seq, tenant_id) DO NOTHING`,
      [seq, ...range],
    );
    await this.tx.run(
      `INSERT INTO record_tombstones (kind, id, path, seq, deleted_at)
       SELECT kind, id, path, ?, ? FROM records WHERE path >= ? AND path < ?
       ON CONFLICT (kind, id) DO NOTHING`,
      [seq, now, ...range],
    );
    await this.tx.run('DELETE FROM records WHERE path >= ? AND path < ?', range);
  }
}

export interface RecordContext {
  tx: SqlRunner;
  scopePath: string;
  seq: number;
  hlc: string;
  now: string;
}

interface TenantRow {
  id: string;
  kind: string;
  name: string;
  path: string;
}

const notFound = (kind: RecordKind, id: string) =>
  new AppError(
    'NOT_FOUND',
    `No ${RECORD_LABEL[kind]} with id ${id} in your part of the tree (it may have been deleted, or its creation was refused).`,
  );

const UNIQUE_FIELD: Record<RecordKind, string> = {
  user: 'login',
  role: 'name',
  camera: 'endpointRef',
};

function uniqueMessage(kind: RecordKind, data: RecordFields): string {
  switch (kind) {
    case 'user':
      return `${(data as RecordFields<'user'>).login} is already the login of another user. Logins are unique across the installation.`;
    case 'role':
      return `The customer already has a role called ${(data as RecordFields<'role'>).name}. Choose another name.`;
    case 'camera':
      return 'This camera is already attached to another customer. Remove it there first.';
  }
}

function kindMessage(kind: RecordKind, t: TenantRow): string {
  if (kind === 'user')
    return t.kind === 'customer'
      ? `Users of customer ${t.name} are customer users; program and billing administrators belong to integrators.`
      : `${t.name} is not a customer: its users are program or billing administrators.`;
  return `${kind === 'role' ? 'Roles' : 'Cameras'} belong to customers; ${t.name} is not one.`;
}

/** The record's tenant, when the account may touch it; otherwise why not. */
async function tenantOf(ctx: RecordContext, kind: RecordKind, tenantId: string) {
  const t = await ctx.tx.get<TenantRow>('SELECT id, kind, name, path FROM tenants WHERE id = ?', [
    tenantId,
  ]);
  if (t && inSubtree(t.path, ctx.scopePath)) return t;
  if (!t) {
    const gone = await ctx.tx.get<{ path: string }>('SELECT path FROM tombstones WHERE id = ?', [
      tenantId,
    ]);
    if (gone && inSubtree(gone.path, ctx.scopePath))
      throw new AppError(
        'DELETED',
        `The customer of this ${RECORD_LABEL[kind]} was deleted by someone else before your change reached the server; the change was dropped.`,
      );
  }
  throw new AppError(
    'NOT_FOUND',
    `No customer or integrator with id ${tenantId} in your part of the tree (it may have been moved away).`,
  );
}

const deletedError = (kind: RecordKind) =>
  new AppError(
    'DELETED',
    `This ${RECORD_LABEL[kind]} was deleted by someone else before your change reached the server; the change was dropped.`,
  );

/** `records.put`: creates the record (all fields given) or merges the given fields into it. */
export async function putRecord(
  ctx: RecordContext,
  a: RecordPut,
): Promise<{ lost: { field: string; by: string }[] }> {
  const store = new RecordStore(ctx.tx);
  const existing = await store.get(a.kind, a.id);
  if (existing) {
    if (!inSubtree(existing.path, ctx.scopePath)) throw notFound(a.kind, a.id);
    if (existing.tenant_id !== a.tenantId)
      throw new AppError(
        'VALIDATION',
        `A ${RECORD_LABEL[a.kind]} stays with its customer: it cannot move to another tenant. Create a new one there instead.`,
      );
  } else {
    const gone = await store.tombstone(a.kind, a.id);
    if (gone) {
      if (inSubtree(gone.path, ctx.scopePath)) throw deletedError(a.kind);
      throw notFound(a.kind, a.id);
    }
  }
  const tenant = await tenantOf(ctx, a.kind, a.tenantId);
  const stored = existing ? (JSON.parse(existing.data) as Record<string, unknown>) : {};
  const merged = mergeFields(
    existing ? parseFieldClock(existing.field_clock) : {},
    ctx.hlc,
    a.fields as Record<string, unknown>,
  );
  if (a.kind === 'user' && merged.apply.isOwner === true) {
    // One owner per customer: an older claim than the current owner's loses the flag.
    const newer = await newerOwner(store, tenant.path, a.id, ctx.hlc);
    if (newer) {
      if (existing) {
        delete merged.apply.isOwner;
        const before = parseFieldClock(existing.field_clock).isOwner;
        if (before) merged.clock.isOwner = before;
        else delete merged.clock.isOwner;
      } else {
        merged.apply.isOwner = false;
      }
      merged.lost.push({ field: 'isOwner', by: newer });
    }
  }
  if (existing && Object.keys(merged.apply).length === 0) return { lost: merged.lost };
  const data = parseRecordFields(a.kind, { ...stored, ...merged.apply });
  // A write to a record the server never received (its creation was refused or is not here yet)
  // does not carry every field: it is refused like a write to a missing one.
  if (!data) {
    if (!existing) throw notFound(a.kind, a.id);
    throw new AppError('VALIDATION', `The ${RECORD_LABEL[a.kind]} would not be valid any more.`);
  }
  if (!allowedTenantKind(a.kind, tenant.kind, data))
    throw new AppError('VALIDATION', kindMessage(a.kind, tenant));
  const key = uniqueKey(a.kind, a.tenantId, data);
  if (key !== null && key !== existing?.unique_key) {
    const holder = await store.holderOf(a.kind, key);
    if (holder && holder !== a.id)
      throw fieldError(UNIQUE_FIELD[a.kind], uniqueMessage(a.kind, data));
  }
  const row = {
    unique_key: key,
    data: JSON.stringify(data),
    field_clock: JSON.stringify(merged.clock),
    updated_at: ctx.now,
  };
  if (existing) await store.update(a.kind, a.id, row);
  else
    await store.insert({
      kind: a.kind,
      id: a.id,
      tenant_id: a.tenantId,
      path: tenant.path,
      created_at: ctx.now,
      ...row,
    });
  await store.log(ctx.seq, a.kind, a.id, tenant.path);
  if (a.kind === 'user' && merged.apply.isOwner === true)
    await handOverOwnership(ctx, store, a.id, tenant.path);
  return { lost: merged.lost };
}

/** The flag clock of another owner of the customer when it is newer than `hlc`. */
async function newerOwner(
  store: RecordStore,
  path: string,
  selfId: string,
  hlc: string,
): Promise<string | null> {
  for (const other of await store.ofTenant('user', path)) {
    if (other.id === selfId) continue;
    const clock = parseFieldClock(other.field_clock);
    if (
      (JSON.parse(other.data) as { isOwner?: unknown }).isOwner === true &&
      !winsField(clock, 'isOwner', hlc)
    )
      return clock.isOwner ?? null;
  }
  return null;
}

/**
 * A customer has one owner. Two desktops may each make a different user the owner while offline:
 * the later write wins, and the other owner loses the flag (an older claim loses it instead:
 * see putRecord).
 */
async function handOverOwnership(
  ctx: RecordContext,
  store: RecordStore,
  ownerId: string,
  path: string,
): Promise<void> {
  for (const other of await store.ofTenant('user', path)) {
    if (other.id === ownerId) continue;
    const data = JSON.parse(other.data) as Record<string, unknown>;
    const clock = parseFieldClock(other.field_clock);
    if (data.isOwner !== true || !winsField(clock, 'isOwner', ctx.hlc)) continue;
    await store.update('user', other.id, {
      unique_key: other.unique_key,
      data: JSON.stringify({ ...data, isOwner: false }),
      field_clock: JSON.stringify({ ...clock, isOwner: ctx.hlc }),
      updated_at: ctx.now,
    });
    await store.log(ctx.seq, 'user', other.id, path);
  }
}

/** `records.delete`: beats any concurrent edit; deleting a deleted record is a no-op. */
export async function deleteRecord(
  ctx: RecordContext,
  a: RecordDelete,
): Promise<{ lost: { field: string; by: string }[] }> {
  const store = new RecordStore(ctx.tx);
  const existing = await store.get(a.kind, a.id);
  if (!existing) {
    const gone = await store.tombstone(a.kind, a.id);
    if (gone && inSubtree(gone.path, ctx.scopePath)) return { lost: [] };
    throw notFound(a.kind, a.id);
  }
  if (!inSubtree(existing.path, ctx.scopePath)) throw notFound(a.kind, a.id);
  await store.delete(ctx.seq, existing, ctx.now);
  return { lost: [] };
}
