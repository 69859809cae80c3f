/**
 * Push and pull. Push applies the mutations of a request in chunks, one transaction per chunk
 * (chunk.ts), idempotently (client id + mutation id), after the role, scope and clock checks; a
 * rejected mutation is rolled back to its savepoint, recorded with its reason, and never blocks
 * the ones behind it. Pull returns the current rows of every tenant of the account's subtree
 * logged since the cursor (a snapshot when there is no usable cursor).
 */
import { AppError } from '../../shared/errors';
import { aheadOf, type HybridClock } from '../../shared/sync/hlc';
import type {
  Mutation,
  MutationResult,
  PullResponse,
  PushResponse,
  RowChange,
} from '../../shared/sync/protocol';
import { inSubtree, roleAllows } from '../../shared/sync/roles';
import type { Command } from '../../shared/sync/commands';
import {
  isConstraintError,
  type SqlDb,
  type SqlRunner,
  type SqlTransaction,
  type SqlValue,
} from '../db/sql';
import type { Principal } from '../auth/accounts';
import { DeferredWriteConflict, PushChunk } from './chunk';
import { runCommand } from './commands';
import { subtreeHi, tenantChangeJsonSql, toSyncTenant, type ServerTenant } from './store';
import { RECORD_KINDS, type RecordKind } from '../../shared/sync/records';
import { CAMERA_ROWS_FORMAT } from '../../shared/sync/protocol';
import {
  CAMERA_FRAME_OP,
  CAMERA_FRAMES_FORMAT,
  FRAMED_CONTENT_TYPE,
  framedParts,
  type CameraFrameChange,
} from '../../shared/sync/frames';
import {
  cameraFrameRunSql,
  joinedUtf8,
  recordChangeJson,
  recordChangeJsonSql,
  recordRunSql,
  recordLogKey,
  utf8Concat,
  SYNC_RECORD_COLUMNS,
  type SyncRecordRow,
} from './records';

/** A record of a snapshot page: its position and its change's JSON (null: not built yet). */
interface RecordPageRow {
  kind: RecordKind;
  id: string;
  path: string;
  json: string | Buffer | null;
}

/**
 * A change of a pull as it goes out: a record's as JSON text already (recordChangeJson), or as its
 * UTF-8 bytes when the database built it (recordChangeJsonSql).
 */
type RecordChangeOut =
  | { op: 'record'; kind: RecordKind; json: string | Buffer }
  | Extract<RowChange, { op: 'recordDelete' }>;
/**
 * The records of one kind in a snapshot page: their changes' JSON joined by commas, as the database
 * built it (recordChangesJoinedSql); in the answer, a run of `changes` entries.
 */
interface RecordRunOut {
  op: 'records';
  kind: RecordKind;
  json: string | Buffer;
}
/**
 * The cameras of a snapshot page as one frame (shared/sync/frames.ts): `rows` cameras, their
 * lengths and their text as the database stored them (cameraFrameRunSql). `kind` places the run
 * among the page's runs; it is not part of the change a desktop receives (pullReplyBody).
 */
interface CameraFrameOut {
  op: typeof CAMERA_FRAME_OP;
  kind: 'camera';
  rows: number;
  lengths: Buffer;
  text: Buffer;
}
/** A tenant of a snapshot page, as JSON built by the database (tenantChangeJsonSql). */
type TenantChangeOut =
  | Exclude<RowChange, { op: 'record' | 'recordDelete' }>
  | { op: 'upsert'; json: string | Buffer; depth: number; path: string };
export type ChangeOut = TenantChangeOut | RecordChangeOut | RecordRunOut | CameraFrameOut;

/** A pull's answer before it is written out: a PullResponse (see pullReplyBody). */
export type PullReply = Omit<PullResponse, 'changes'> & { changes: ChangeOut[] };

/** The content type of a pull's answer without frames. */
const JSON_CONTENT_TYPE = 'application/json; charset=utf-8';

/**
 * The body of a pull's answer and its content type. Its JSON is in the shape of PullResponse
 * (shared/sync/protocol.ts), as UTF-8 bytes written once into one buffer (utf8Concat): the
 * records' JSON goes in as it came from the database, without a string in between. An answer
 * with camera frames is framed (FRAMED_CONTENT_TYPE): the JSON's length, the JSON, where each
 * frame is a `cameraFrame` change that says its size, then the frames' bytes in the order of
 * those changes. Only a pull that lists CAMERA_FRAMES_FORMAT gets frames (SyncService.pull).
 */
export function pullReplyBody(reply: PullReply): { body: Buffer; contentType: string } {
  const { changes, ...rest } = reply;
  const parts: (string | Buffer)[] = ['{"changes":['];
  const frames: Buffer[] = [];
  changes.forEach((c, i) => {
    if (i > 0) parts.push(',');
    if (c.op === CAMERA_FRAME_OP) {
      const change: CameraFrameChange = {
        op: c.op,
        rows: c.rows,
        lengthBytes: c.lengths.length,
        textBytes: c.text.length,
      };
      parts.push(JSON.stringify(change));
      frames.push(c.lengths, c.text);
    } else parts.push('json' in c ? c.json : JSON.stringify(c));
  });
  parts.push(`],${JSON.stringify(rest).slice(1)}`);
  const json = utf8Concat(parts);
  if (frames.length === 0) return { body: json, contentType: JSON_CONTENT_TYPE };
  return { body: utf8Concat(framedParts(json, frames)), contentType: FRAMED_CONTENT_TYPE };
}

export interface SyncOptions {
  maxDriftMs: number;
  now?: () => Date;
}

interface ResultRow {
  mutation_id: number;
  status: 'applied' | 'rejected';
  code: string | null;
  message: string | null;
  overwritten: string | null;
}

const toResult = (r: ResultRow, duplicate: boolean): MutationResult => ({
  id: r.mutation_id,
  status: r.status,
  ...(r.code ? { code: r.code } : {}),
  ...(r.message ? { message: r.message } : {}),
  ...(r.overwritten
    ? { overwritten: JSON.parse(r.overwritten) as MutationResult['overwritten'] }
    : {}),
  ...(duplicate ? { duplicate: true } : {}),
});

/** Where a snapshot stands in the records phase (after the tenants): the last record sent. */
interface RecordPosition {
  path: string;
  kind: string;
  id: string;
}

/**
 * Where a page of the subtree's records starts: after the cursor's record, or at the subtree's
 * start. `path >= <the last path>` starts the index range there: SQLite does not start a range
 * scan from the row value alone (it would walk the subtree from its start on every page). The
 * cursor comes from the client: `path >= scope` still bounds the answer to the subtree.
 */
function recordsFrom(
  scope: string,
  after: RecordPosition | null,
): { sql: string; params: string[] } {
  if (!after) return { sql: 'path >= ?', params: [scope] };
  return {
    sql: 'path >= ? AND path >= ? AND (path, kind, id) > (?, ?, ?)',
    params: [after.path > scope ? after.path : scope, scope, after.path, after.kind, after.id],
  };
}

type Cursor =
  | { kind: 'snapshot'; base: number; after: string }
  | { kind: 'records'; base: number; after: RecordPosition | null }
  | { kind: 'log'; seq: number; tenant: string | null };

function parseCursor(s: string): Cursor | null {
  const r = /^r:(\d+):([a-z]+):([A-Za-z0-9_-]+):(.*)$/.exec(s);
  if (r && r[2] !== undefined && r[3] !== undefined && r[4] !== undefined)
    return { kind: 'records', base: Number(r[1]), after: { kind: r[2], id: r[3], path: r[4] } };
  let m = /^c:(\d+)$/.exec(s);
  if (m) return { kind: 'log', seq: Number(m[1]), tenant: null };
  m = /^c:(\d+):(.+)$/.exec(s);
  if (m && m[2] !== undefined) return { kind: 'log', seq: Number(m[1]), tenant: m[2] };
  m = /^s:(\d+):(.*)$/.exec(s);
  if (m && m[2] !== undefined) return { kind: 'snapshot', base: Number(m[1]), after: m[2] };
  return null;
}

const IN_CHUNK = 500;
/**
 * Mutations per transaction: one commit, one wait for the sequence lock and a dozen statements per
 * chunk instead of several per mutation. The lock is held for the whole chunk, which delays other
 * clients' pushes (not pulls, on PostgreSQL). Measured on PostgreSQL (10,000 creates in requests
 * of 500, beside 10 clients pushing 10 at a time): 500 pushed the 10,000 fastest (100: 2x slower,
 * 200: 1.3x), and the small pushes waited about as long (p95 300–400 ms on a loaded machine).
 * The desktop pushes 500 per request: one chunk.
 */
const PUSH_CHUNK = 500;
const RESULTS_PER_INSERT = 500;
const commandOf = (m: Mutation) => ({ command: m.command, args: m.args }) as Command;
const MAX_REFRESH_ROWS = 50_000;
/** How stale a client's `last_seen_at` may get before a pull or push writes it again. */
export const LAST_SEEN_STEP_MS = 60_000;

export class SyncService {
  private readonly now: () => Date;

  constructor(
    private readonly db: SqlDb,
    private readonly clock: HybridClock,
    private readonly options: SyncOptions,
  ) {
    this.now = options.now ?? (() => new Date());
  }

  /** Binds a client id to the account on first use; returns whether the server knew it. */
  private async claimClient(p: Principal, clientId: string): Promise<boolean> {
    const at = this.now();
    const row = await this.db.get<{ account_id: string; last_seen_at: string }>(
      'SELECT account_id, last_seen_at FROM sync_clients WHERE client_id = ?',
      [clientId],
    );
    if (row && row.account_id !== p.account.id)
      throw new AppError(
        'CONFLICT',
        'This client id is used by another account. Log out and in again: the app then starts a fresh sync.',
      );
    if (row) {
      // To the minute: otherwise every pull is a write of its own (a commit, on PostgreSQL a WAL
      // flush), a first pull's hundreds of pages and an idle desktop's polls alike.
      if (!(Date.parse(row.last_seen_at) > at.getTime() - LAST_SEEN_STEP_MS))
        await this.db.run('UPDATE sync_clients SET last_seen_at = ? WHERE client_id = ?', [
          at.toISOString(),
          clientId,
        ]);
      return true;
    }
    await this.db.run(
      `INSERT INTO sync_clients (client_id, account_id, first_seen_at, last_seen_at) VALUES (?, ?, ?, ?)
       ON CONFLICT (client_id) DO NOTHING`,
      [clientId, p.account.id, at.toISOString(), at.toISOString()],
    );
    return false;
  }

  async push(p: Principal, clientId: string, mutations: Mutation[]): Promise<PushResponse> {
    await this.claimClient(p, clientId);
    const results: MutationResult[] = [];
    for (let i = 0; i < mutations.length; i += PUSH_CHUNK)
      results.push(...(await this.pushChunk(p, clientId, mutations.slice(i, i + PUSH_CHUNK))));
    return { results, serverHlc: this.clock.tick() };
  }

  /** One chunk, one transaction; again writing creates at once if deferred ones collided. */
  private async pushChunk(
    p: Principal,
    clientId: string,
    run: Mutation[],
  ): Promise<MutationResult[]> {
    let results: MutationResult[];
    try {
      results = await this.db.transaction((tx) => this.applyChunk(tx, p, clientId, run, true));
    } catch (err) {
      if (!(err instanceof DeferredWriteConflict)) throw err;
      results = await this.db.transaction((tx) => this.applyChunk(tx, p, clientId, run, false));
    }
    for (const [i, r] of results.entries()) {
      const m = run[i];
      if (!m || r.status !== 'applied' || r.duplicate) continue;
      try {
        this.clock.receive(m.hlc);
      } catch {
        // Checked against the drift allowance before it was applied.
      }
    }
    return results;
  }

  /**
   * Applies a chunk under the sequence row lock: each mutation not answered before gets its result
   * (applied with the next sequence number, or rejected with its reason, undone back to its
   * savepoint) and its idempotency record, all committed together.
   */
  private async applyChunk(
    tx: SqlTransaction,
    p: Principal,
    clientId: string,
    run: Mutation[],
    defersInserts: boolean,
  ): Promise<MutationResult[]> {
    // The lock first (held until commit): chunks apply one at a time, and a concurrent retry of
    // the same mutations waits here, then finds them answered.
    const head = await tx.get<{ value: number }>(
      `SELECT value FROM sync_seq WHERE id = 1${this.db.forUpdate}`,
    );
    if (!head) throw new Error('sync_seq row is missing');
    const stored = new Map<number, ResultRow>();
    const ids = [...new Set(run.map((m) => m.id))];
    for (let i = 0; i < ids.length; i += IN_CHUNK) {
      const chunk = ids.slice(i, i + IN_CHUNK);
      const rows = await tx.all<ResultRow>(
        `SELECT mutation_id, status, code, message, overwritten FROM mutation_results
         WHERE client_id = ? AND mutation_id IN (${chunk.map(() => '?').join(', ')})`,
        [clientId, ...chunk],
      );
      for (const r of rows) stored.set(Number(r.mutation_id), r);
    }
    const chunk = new PushChunk(tx, defersInserts);
    await chunk.prefetch(run.filter((m) => !stored.has(m.id)).map(commandOf));
    const at = this.now();
    const now = at.toISOString();
    let seq = Number(head.value);
    const results: MutationResult[] = [];
    const answered = new Map<number, MutationResult>();
    const records: SqlValue[][] = [];
    for (const [i, m] of run.entries()) {
      const before = stored.get(m.id);
      if (before) {
        results.push(toResult(before, true));
        continue;
      }
      const earlier = answered.get(m.id);
      if (earlier) {
        results.push({ ...earlier, duplicate: true });
        continue;
      }
      chunk.begin(i);
      const r = await this.applyOne(chunk, p, m, { seq: seq + 1, now, nowMs: at.getTime() });
      if (r.status === 'applied') seq++;
      answered.set(m.id, r);
      results.push(r);
      records.push([
        clientId,
        m.id,
        p.account.id,
        m.command,
        r.status === 'applied' ? seq : null,
        r.status,
        r.code ?? null,
        r.message ?? null,
        r.overwritten ? JSON.stringify(r.overwritten) : null,
        now,
      ]);
    }
    await chunk.finish();
    if (seq !== Number(head.value))
      await tx.run('UPDATE sync_seq SET value = ? WHERE id = 1', [seq]);
    for (let i = 0; i < records.length; i += RESULTS_PER_INSERT) {
      const rows = records.slice(i, i + RESULTS_PER_INSERT);
      await tx.run(
        `INSERT INTO mutation_results (client_id, mutation_id, account_id, command, seq, status, code, message, overwritten, at)
         VALUES ${rows.map(() => '(?, ?, ?, ?, ?, ?, ?, ?, ?, ?)').join(', ')}`,
        rows.flat(),
      );
    }
    return results;
  }

  /** Runs one mutation of a chunk; a rejection (checks, command, constraint) is undone and answered. */
  private async applyOne(
    chunk: PushChunk,
    p: Principal,
    m: Mutation,
    at: { seq: number; now: string; nowMs: number },
  ): Promise<MutationResult> {
    const rejected = (code: string, message: string): MutationResult => ({
      id: m.id,
      status: 'rejected',
      code,
      message,
    });
    const ahead = aheadOf(m.hlc, at.nowMs);
    if (ahead > this.options.maxDriftMs)
      return rejected(
        'CLOCK_DRIFT',
        `This change is stamped ${Math.round(ahead / 1000)} s in the future: check the date and time of the computer that made it.`,
      );
    const command = commandOf(m);
    if (!roleAllows(p.account.role, command))
      return rejected('FORBIDDEN', `Your role (${p.account.role}) may not run ${m.command}.`);
    try {
      const { lost } = await runCommand(
        {
          tx: chunk.tx,
          store: chunk.store,
          scopePath: p.scopePath,
          seq: at.seq,
          hlc: m.hlc,
          now: at.now,
        },
        command,
      );
      return { id: m.id, status: 'applied', ...(lost.length ? { overwritten: lost } : {}) };
    } catch (err) {
      if (!(err instanceof AppError) && !isConstraintError(err)) throw err;
      await chunk.undo();
      return err instanceof AppError
        ? rejected(err.code, err.message)
        : rejected(
            'CONFLICT',
            'This change conflicts with data changed meanwhile (a name already used?).',
          );
    }
  }

  private async rowsById(ids: string[]): Promise<Map<string, ServerTenant>> {
    const out = new Map<string, ServerTenant>();
    for (let i = 0; i < ids.length; i += IN_CHUNK) {
      const chunk = ids.slice(i, i + IN_CHUNK);
      const rows = await this.db.all<ServerTenant>(
        `SELECT * FROM tenants WHERE id IN (${chunk.map(() => '?').join(', ')})`,
        chunk,
      );
      for (const r of rows) out.set(r.id, r);
    }
    return out;
  }

  private async recordsById(kind: RecordKind, ids: string[]): Promise<Map<string, SyncRecordRow>> {
    const out = new Map<string, SyncRecordRow>();
    for (let i = 0; i < ids.length; i += IN_CHUNK) {
      const chunk = ids.slice(i, i + IN_CHUNK);
      const rows = await this.db.all<SyncRecordRow>(
        `SELECT ${SYNC_RECORD_COLUMNS} FROM records WHERE kind = ? AND id IN (${chunk.map(() => '?').join(', ')})`,
        [kind, ...chunk],
      );
      for (const r of rows) out.set(r.id, r);
    }
    return out;
  }

  private async subtreeRows(path: string, limit: number): Promise<ServerTenant[]> {
    return this.db.all<ServerTenant>(
      'SELECT * FROM tenants WHERE path >= ? AND path < ? ORDER BY path LIMIT ?',
      [path, subtreeHi(path), limit],
    );
  }

  /**
   * A page of the subtree's records in (path, kind, id) order (the records_path index), each with
   * its change's JSON built by the database (recordChangeJsonSql); the records that one leaves out
   * (users, for an account that does not see password hashes) are read and written here.
   */
  private async recordPage(
    scope: string,
    after: RecordPosition | null,
    limit: number,
    hideSecrets: boolean,
  ): Promise<RecordPageRow[]> {
    const json = recordChangeJsonSql(this.db.dialect);
    const hide = hideSecrets ? 1 : 0;
    const from = recordsFrom(scope, after);
    const rows = await this.db.all<RecordPageRow>(
      `SELECT kind, id, path, ${json} AS json FROM records
       WHERE ${from.sql} AND path < ? ORDER BY path, kind, id LIMIT ?`,
      [hide, ...from.params, subtreeHi(scope), limit],
    );
    const missing = rows.filter((r) => r.json === null);
    for (const kind of new Set(missing.map((r) => r.kind))) {
      const ofKind = missing.filter((r) => r.kind === kind);
      const full = await this.recordsById(
        kind,
        ofKind.map((r) => r.id),
      );
      for (const r of ofKind) {
        const row = full.get(r.id);
        if (row) r.json = recordChangeJson(row, hideSecrets);
      }
    }
    // Still null: deleted between the two reads (the caller sends its delete).
    return rows;
  }

  /**
   * A snapshot page of the subtree's records as runs (RecordRunOut), one per kind (recordRunSql:
   * on SQLite one value from the database per kind rather than a row per record; a first pull
   * reads half a million), and no sort: each run is read along the records_path index. The page is the `limit` records after
   * `after` in (path, kind, id) order, as recordPage's; its last record is found first, on that
   * index alone. Answers the runs and, when the page is full, its last record. With `cameraRows`
   * (the pull lists CAMERA_ROWS_FORMAT), the cameras' run is one change of their stored rows; with
   * `cameraFrames` (CAMERA_FRAMES_FORMAT), one frame of their stored frames, when every camera of
   * the run has one to trust (otherwise the run goes out as rows or objects, as without it).
   */
  private async recordRuns(
    scope: string,
    after: RecordPosition | null,
    limit: number,
    formats: { cameraRows: boolean; cameraFrames: boolean },
  ): Promise<{ runs: (RecordRunOut | CameraFrameOut)[]; last: RecordPosition | null }> {
    const from = recordsFrom(scope, after);
    const last = await this.db.get<RecordPosition>(
      `SELECT path, kind, id FROM records WHERE ${from.sql} AND path < ?
       ORDER BY path, kind, id LIMIT 1 OFFSET ?`,
      [...from.params, subtreeHi(scope), limit - 1],
    );
    // Up to the page's last record: its path is the range's end (SQLite takes one upper bound
    // for the index range; the subtree's end would make every page read to the subtree's end).
    const to = last
      ? {
          sql: 'path <= ? AND (path, kind, id) <= (?, ?, ?)',
          params: [last.path, last.path, last.kind, last.id],
        }
      : { sql: 'path < ?', params: [subtreeHi(scope)] };
    // `+kind` on SQLite: the range on records_path, not the primary key's (kind, id) b-tree.
    const kind = this.db.dialect === 'sqlite' ? '+kind' : 'kind';
    const runs: (RecordRunOut | CameraFrameOut)[] = [];
    const where = `${from.sql} AND ${to.sql} AND ${kind} = ?`;
    for (const k of RECORD_KINDS) {
      const params = [...from.params, ...to.params, k];
      if (k === 'camera' && formats.cameraFrames) {
        const frame = await this.cameraFrame(where, params);
        if (frame === 'empty') continue;
        if (frame !== 'untrusted') {
          runs.push(frame);
          continue;
        }
      }
      const run = recordRunSql(this.db.dialect, k === 'camera' && formats.cameraRows);
      let json: string | Buffer | null = null;
      if (run.join === null) {
        // One value per run: the texts joined by the database.
        const row = await this.db.get<{ json: string | Buffer | null }>(
          `SELECT ${run.select} AS json FROM records WHERE ${where}`,
          params,
        );
        json = row?.json ?? null;
      } else {
        // Read along records_path (the kind is fixed): no sort.
        const rows = await this.db.all<{ json: string }>(
          `SELECT ${run.select} AS json FROM records WHERE ${where} ORDER BY path, kind, id`,
          params,
        );
        if (rows.length > 0) json = run.join(rows.map((r) => r.json));
      }
      if (json !== null) runs.push({ op: 'records', kind: k, json });
    }
    return { runs, last: last ?? null };
  }

  /**
   * The cameras of a snapshot page's run (`where`, as recordRuns reads them: along records_path)
   * as one frame of their stored frames; 'empty' when the run has no camera, 'untrusted' when one
   * of them has no frame to trust (written by a server of an older version, or one the database
   * could not make: see cameraFrameSql), and the run goes out as before.
   */
  private async cameraFrame(
    where: string,
    params: readonly SqlValue[],
  ): Promise<CameraFrameOut | 'empty' | 'untrusted'> {
    const select = cameraFrameRunSql(this.db.dialect);
    if (this.db.dialect === 'sqlite') {
      // One row for the run: the texts joined by the database, and whether all of them count.
      const row = await this.db.get<{
        n: number;
        framed: number | null;
        lengths: Buffer | null;
        text: Buffer | null;
      }>(`SELECT ${select} FROM records WHERE ${where}`, params);
      const rows = Number(row?.n ?? 0);
      if (rows === 0) return 'empty';
      if (Number(row?.framed) !== rows || !row?.lengths || !row.text) return 'untrusted';
      return { op: CAMERA_FRAME_OP, kind: 'camera', rows, lengths: row.lengths, text: row.text };
    }
    const rows = await this.db.all<{
      lengths: string | null;
      text: string | null;
      trusted: boolean;
    }>(`SELECT ${select} FROM records WHERE ${where} ORDER BY path, kind, id`, params);
    if (rows.length === 0) return 'empty';
    const lengths: string[] = [];
    const texts: string[] = [];
    for (const r of rows) {
      if (!r.trusted || r.lengths === null || r.text === null) return 'untrusted';
      lengths.push(r.lengths);
      texts.push(r.text);
    }
    return {
      op: CAMERA_FRAME_OP,
      kind: 'camera',
      rows: rows.length,
      lengths: joinedUtf8('', lengths, ''),
      text: utf8Concat(texts),
    };
  }

  async pull(
    p: Principal,
    req: {
      clientId: string;
      cursor: string;
      refresh: { id: string; subtree: boolean; kind?: RecordKind | undefined }[];
      limit: number;
      /** Forms of changes the desktop reads besides the object forms (pullRequestSchema). */
      formats?: readonly string[];
    },
  ): Promise<PullReply> {
    const known = await this.claimClient(p, req.clientId);
    const scope = p.scopePath;
    const hideSecrets = p.account.role === 'customer';
    const head =
      (await this.db.get<{ value: number }>('SELECT value FROM sync_seq WHERE id = 1'))?.value ?? 0;
    const chainIds = scope.split('/').filter(Boolean);
    const chainRows = await this.rowsById(chainIds);
    const chain = chainIds
      .map((id) => chainRows.get(id))
      .filter((r): r is ServerTenant => r !== undefined)
      .map(toSyncTenant);

    const changes = new Map<string, TenantChangeOut>();
    const put = (id: string, row: ServerTenant | undefined) => {
      changes.set(
        id,
        row && inSubtree(row.path, scope)
          ? { op: 'upsert', row: toSyncTenant(row) }
          : { op: 'delete', id },
      );
    };
    const recordChanges = new Map<string, RecordChangeOut>();
    const recordRuns: (RecordRunOut | CameraFrameOut)[] = [];
    const putRecord = (kind: RecordKind, id: string, row: SyncRecordRow | undefined) => {
      recordChanges.set(
        recordLogKey(kind, id),
        row && inSubtree(row.path, scope)
          ? { op: 'record', kind, json: recordChangeJson(row, hideSecrets) }
          : { op: 'recordDelete', kind, id },
      );
    };
    /** A record of a snapshot page (read within the subtree's path range). */
    const putPageRecord = (r: RecordPageRow) => {
      recordChanges.set(
        recordLogKey(r.kind, r.id),
        r.json !== null && inSubtree(r.path, scope)
          ? { op: 'record', kind: r.kind, json: r.json }
          : { op: 'recordDelete', kind: r.kind, id: r.id },
      );
    };

    let cursor = parseCursor(req.cursor);
    // An unknown client, a cursor from another server (or before a restore): start over.
    const usable =
      known &&
      cursor !== null &&
      (cursor.kind === 'log' ? cursor.seq <= head : cursor.base <= head);
    if (!usable || !cursor) cursor = { kind: 'snapshot', base: head, after: '' };
    let next: string;
    let more: boolean;
    let snapshotDone = false;
    let snapshotRows: number | undefined;
    const snapshot = cursor.kind !== 'log';
    if (cursor.kind !== 'log') {
      // A snapshot: the subtree's tenants by path, then its records by (path, kind, id).
      const base = cursor.base;
      let room = req.limit;
      let recordsAfter: RecordPosition | null = null;
      let inRecords = cursor.kind === 'records';
      let page: string | null = null;
      // The snapshot's first page says how many rows the whole of it brings (the desktop's
      // progress), counted beside the page's own reads (PostgreSQL: on another connection).
      const counted =
        cursor.kind === 'snapshot' && cursor.after === '' ? this.snapshotRows(scope) : null;
      // Awaited below; a page that fails first leaves it unheard, not unhandled.
      counted?.catch(() => undefined);
      if (cursor.kind === 'snapshot') {
        const rows = await this.db.all<{
          id: string;
          path: string;
          depth: number;
          json: string | Buffer;
        }>(
          `SELECT id, path, depth, ${tenantChangeJsonSql(this.db.dialect)} AS json FROM tenants
           WHERE path >= ? AND path > ? AND path < ? ORDER BY path LIMIT ?`,
          [scope, cursor.after, subtreeHi(scope), req.limit],
        );
        for (const { id, path, depth, json } of rows)
          changes.set(id, { op: 'upsert', json, depth, path });
        room -= rows.length;
        const last = rows[rows.length - 1];
        if (room === 0 && last) page = `s:${base}:${last.path}`;
        else inRecords = true;
      } else {
        recordsAfter = cursor.after;
      }
      if (inRecords && req.refresh.length === 0 && !hideSecrets) {
        // The usual page (nothing to re-read that could repeat one of its records, no user's
        // record to write without its password hash): the records as runs.
        const { runs, last } = await this.recordRuns(scope, recordsAfter, room, {
          cameraRows: req.formats?.includes(CAMERA_ROWS_FORMAT) ?? false,
          cameraFrames: req.formats?.includes(CAMERA_FRAMES_FORMAT) ?? false,
        });
        recordRuns.push(...runs);
        if (last) page = `r:${base}:${last.kind}:${last.id}:${last.path}`;
      } else if (inRecords) {
        const rows = await this.recordPage(scope, recordsAfter, room, hideSecrets);
        for (const r of rows) putPageRecord(r);
        const last = rows[rows.length - 1];
        if (rows.length === room && last) page = `r:${base}:${last.kind}:${last.id}:${last.path}`;
      }
      if (counted) snapshotRows = await counted;
      if (page) {
        next = page;
        more = true;
      } else {
        next = `c:${base}`;
        more = base < head;
        snapshotDone = true;
      }
    } else {
      const range = [scope, subtreeHi(scope), scope, subtreeHi(scope)];
      const scopeFilter = '((path >= ? AND path < ?) OR (old_path >= ? AND old_path < ?))';
      type Entry = {
        seq: number;
        tenant_id: string;
        record_kind: RecordKind | null;
        record_id: string | null;
      };
      const entries =
        cursor.tenant === null
          ? await this.db.all<Entry>(
              `SELECT seq, tenant_id, record_kind, record_id FROM change_log WHERE seq > ? AND ${scopeFilter}
               ORDER BY seq, tenant_id LIMIT ?`,
              [cursor.seq, ...range, req.limit],
            )
          : await this.db.all<Entry>(
              `SELECT seq, tenant_id, record_kind, record_id FROM change_log WHERE (seq, tenant_id) > (?, ?) AND ${scopeFilter}
               ORDER BY seq, tenant_id LIMIT ?`,
              [cursor.seq, cursor.tenant, ...range, req.limit],
            );
      const ids = new Set<string>();
      const recordIds = new Map<RecordKind, Set<string>>();
      for (const e of entries) {
        if (e.record_kind === null || e.record_id === null) ids.add(e.tenant_id);
        else {
          const set = recordIds.get(e.record_kind) ?? new Set<string>();
          set.add(e.record_id);
          recordIds.set(e.record_kind, set);
        }
      }
      const rows = await this.rowsById([...ids]);
      for (const id of ids) put(id, rows.get(id));
      for (const [kind, set] of recordIds) {
        const records = await this.recordsById(kind, [...set]);
        for (const id of set) putRecord(kind, id, records.get(id));
      }
      const last = entries[entries.length - 1];
      more = entries.length === req.limit;
      if (more && last) next = `c:${last.seq}:${last.tenant_id}`;
      else next = `c:${Math.max(head, last?.seq ?? 0, cursor.seq)}`;
    }

    for (const r of req.refresh) {
      if (r.kind) {
        putRecord(r.kind, r.id, (await this.recordsById(r.kind, [r.id])).get(r.id));
        continue;
      }
      const row = (await this.rowsById([r.id])).get(r.id);
      if (!row || !inSubtree(row.path, scope)) {
        changes.set(r.id, { op: 'delete', id: r.id });
        continue;
      }
      const rows = r.subtree ? await this.subtreeRows(row.path, MAX_REFRESH_ROWS) : [row];
      for (const x of rows) put(x.id, x);
      // A subtree re-read brings its records too: the desktop may have dropped them with a local
      // change the server refused (a tenant moved under one that was deleted meanwhile: the delete
      // cascades locally through the refused move).
      if (r.subtree)
        for (const x of await this.recordPage(row.path, null, MAX_REFRESH_ROWS, hideSecrets))
          putPageRecord(x);
    }

    // Deletes first, then tenants parents first, then records in reference order (cameras, then
    // the roles granting rights on them, then the users in those roles).
    const list = [...changes.values()];
    const deletes = list.filter((c) => c.op === 'delete');
    const place = (c: Extract<TenantChangeOut, { op: 'upsert' }>) => ('json' in c ? c : c.row);
    const upserts = list
      .filter((c) => c.op === 'upsert')
      .sort((a, b) => {
        const x = place(a);
        const y = place(b);
        return x.depth - y.depth || (x.path < y.path ? -1 : 1);
      });
    const records = [...recordChanges.values()];
    const recordDeletes = records.filter((c) => c.op === 'recordDelete');
    const recordUpserts = RECORD_KINDS.flatMap((kind) => [
      ...recordRuns.filter((c) => c.kind === kind),
      ...records.filter((c) => c.op === 'record' && c.kind === kind),
    ]);
    return {
      changes: [...recordDeletes, ...deletes, ...upserts, ...recordUpserts],
      cursor: next,
      more,
      snapshot,
      snapshotDone,
      ...(snapshotRows === undefined ? {} : { snapshotRows }),
      chain,
      serverHlc: this.clock.tick(),
    };
  }

  /**
   * The rows a snapshot of `scope` brings: its tenants and its records, counted along their path
   * indexes (SQLite ~30 ms for 100,000 customers and 500,000 cameras). PostgreSQL without parallel
   * workers: its plan with two of them took ~0.35–0.45 s and a core's worth of CPU for the
   * records' count, one backend alone ~0.05 s.
   */
  private async snapshotRows(scope: string): Promise<number> {
    const hi = subtreeHi(scope);
    const count = async (db: SqlRunner) => {
      const row = await db.get<{ tenants: number | string; records: number | string }>(
        `SELECT (SELECT COUNT(*) FROM tenants WHERE path >= ? AND path < ?) AS tenants,
                (SELECT COUNT(*) FROM records WHERE path >= ? AND path < ?) AS records`,
        [scope, hi, scope, hi],
      );
      // PostgreSQL's COUNT is a bigint, which its driver hands over as text.
      return Number(row?.tenants ?? 0) + Number(row?.records ?? 0);
    };
    if (this.db.dialect === 'sqlite') return count(this.db);
    return this.db.transaction(async (tx) => {
      await tx.run('SET LOCAL max_parallel_workers_per_gather = 0');
      return count(tx);
    });
  }
}
