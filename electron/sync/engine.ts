import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import type { Db } from '../db/connection';
import { setFirstPullIndexesAside, restoreFirstPullIndexes } from '../db/first-pull-indexes';
import type { TenancyService } from '../tenancy/service';
import { AppError } from '../../shared/errors';
import { idTime } from '../../shared/ids';
import { ClockDriftError, HybridClock } from '../../shared/sync/hlc';
import {
  commandRefresh,
  parseCommand,
  type Command,
  type CommandArgs,
  type CommandName,
  type RefreshTarget,
} from '../../shared/sync/commands';
import { recordPutSchema, RECORD_KINDS, type RecordChange } from '../../shared/sync/records';
import type {
  Account,
  LoginResponse,
  MutationResult,
  PullResponse,
  RowChange,
} from '../../shared/sync/protocol';
import { MAX_PUSH_BATCH, MAX_REFRESH } from '../../shared/sync/protocol';
import { Outbox } from './outbox';
import { SyncState } from './state';
import type { SecretBox } from '../secrets/secret-box';
import { ServerRowWriter } from './apply';
import { SnapshotBulkWriter } from './bulk';
import { CAMERA_ID, CAMERA_WIDTH, cameraRecordOfRow, type CameraRows } from './camera-rows';
import type { LocalRecords } from './records';
import {
  HttpTransport,
  type PullOffload,
  type PulledPage,
  pulledPage,
  ServerError,
  ServerUnreachableError,
  login,
  logout,
  type SyncTransport,
} from './transport';

/**
 * Rows per pull page, below the server's maximum (MAX_PULL_LIMIT) on purpose: a page's parsed rows
 * and their zod-checked copies live until the page is written (and the next page meanwhile), and
 * at 10,000 rows (~30 MB of objects) they outgrew V8's young generation: every page was copied to
 * the old one and collected there.
 */
const PULL_PAGE = 2000;

/**
 * While pulling, a commit checkpoints the WAL once it holds this many pages (128 MB with this
 * app's 16 KiB pages, 32 MB with SQLite's 4 KiB; SQLite's default is 1,000 pages): each checkpoint
 * syncs the database file, and with the default one came every second page of a snapshot. With a
 * checkpoint thread (SyncEngineOptions.checkpointer) this is only the fallback for when that thread
 * falls behind. Durability is unchanged (WAL, synchronous NORMAL: a committed page is in the WAL,
 * checkpointed or not); the default is back once the pull ends.
 */
const PULL_WAL_PAGES = 8192;

/**
 * A first pull (a snapshot onto an empty database, written in bulk) asks the checkpoint thread for
 * nothing until the WAL holds this many bytes, and for one checkpoint of all of it as the pull
 * ends. Asked after every batch, that thread copied the snapshot from the WAL into the database
 * file while the pull ran (~1.1–1.5 s of CPU in the benchmark's first pull of ~560 MB), on a
 * machine whose two cores the pull worker, the server and the main thread already share; once the
 * pull is done, nothing else needs the CPU. Durability is unchanged (a committed batch is in the
 * WAL, checkpointed or not); a desktop killed meanwhile replays the WAL when it opens. The writer's
 * own automatic checkpoint waits for twice this much, and comes back to its usual threshold once
 * the thread's checkpoint is done (else the writer's next commit would copy the whole WAL itself,
 * on the main thread). Measured: docs/sync.md, "Checkpoints after a first pull".
 */
const FIRST_PULL_WAL_BYTES = 1024 * 1024 * 1024;

/**
 * A snapshot's pages are written in batches of about this many rows, one transaction each (a page
 * waits for the ones after it until the batch holds this many, or SNAPSHOT_BATCH_MS have passed
 * since its first page arrived). Every commit writes each b-tree page it changed to the WAL, and
 * ids as desktops made them before shared/ids.ts (random UUIDs) land all over their indexes: a
 * page of 2,000 cameras changes most leaves of the id and endpoint indexes of a table that holds
 * 500,000, so a commit a page wrote ~250 times the indexes' size. Measured on the benchmark's
 * first pull (docs/sync.md). Pages whose ids all come in creation order go in smaller batches
 * (ORDERED_SNAPSHOT_BATCH_ROWS).
 */
const SNAPSHOT_BATCH_ROWS = 50_000;
const SNAPSHOT_BATCH_MS = 2_000;

/**
 * Rows of a batch whose ids were made in creation order (shared/ids.ts: version-7 UUIDs, what
 * desktops make since 2026-12-04), all but a few (RANDOM_IDS_PER_ORDERED_BATCH). The snapshot
 * comes in path order, so such rows land at the end of the id and path indexes (the indexes keyed
 * at random are set aside in a first pull: db/first-pull-indexes.ts), and a commit writes little
 * besides the rows. Small batches then keep the threads busy together: with 50,000 rows the main
 * thread wrote for ~0.5 s while the pull worker, its read-ahead full after 8 pages, and the server
 * waited; then the main thread waited ~0.4 s while they brought the batch's 17 other pages.
 * Measured on the benchmark's first pull, alternating on one seeded server: 12.8 / 13.4 / 13.8 s
 * before, 12.0 / 12.4 / 12.4 s after on SQLite, 14.7 / 13.9 s against 12.7 / 13.1 s on PostgreSQL
 * (2,000 and 8,000 rows no better than 4,000; docs/sync.md, "Small batches for ids in creation
 * order"). Ids made otherwise (random, before shared/ids.ts) keep SNAPSHOT_BATCH_ROWS.
 */
const ORDERED_SNAPSHOT_BATCH_ROWS = 4_000;

/**
 * A batch is in creation order while at most one of this many of its rows has an id made
 * otherwise. A few such ids change a few index leaves each, whatever the batch's size; what makes
 * a commit rewrite most leaves of an index is a batch of them. Every snapshot starts with such
 * ids: the server's root (`root`), and tenants made before shared/ids.ts. Counted as "all or
 * nothing", the first page's root sent the benchmark's first 50,000 tenants into one batch, and
 * the main thread waited ~0.9 s for its 25 pages before it wrote any (docs/sync.md, "A few old
 * ids").
 */
const RANDOM_IDS_PER_ORDERED_BATCH = 100;

/** How many ids a pulled page brings that were not made in creation order (idTime: no time). */
export function randomIdsOf(res: PulledPage): number {
  let random = res.cameraRows?.randomIds ?? 0;
  for (const c of res.changes) {
    const id = c.op === 'upsert' ? c.row.id : c.op === 'record' ? c.record.id : null;
    if (id !== null && idTime(id) === null) random++;
  }
  return random;
}

/** Whether a batch of `rows` rows, `randomIds` of them with ids made otherwise, is in creation order. */
export const batchInCreationOrder = (rows: number, randomIds: number): boolean =>
  randomIds * RANDOM_IDS_PER_ORDERED_BATCH <= rows;

/**
 * SQLite's page cache while pulling, in KiB (the connection's own, 16 MB in better-sqlite3's
 * build, is back once the pull ends, and SQLite frees what is over it). Random ids keep leaves all
 * over the cameras' indexes in use: with 16 MB each insert read its leaves back from the WAL.
 * Measured on the benchmark's first pull (500,000 cameras, one run each, alternating): 16 MB
 * 34.2 s, 32 MB 23.9 s, 64 MB 20.9–21.3 s, 128 MB 21.5 s and 256 MB 21.1 s, the desktop's peak
 * memory 626, 639, 688–735, 749 and 869 MB.
 */
const PULL_CACHE_KIB = 64 * 1024;

/** A pulled page waiting to be written: the answer, and the cursor and refresh it was asked with. */
interface PageToWrite {
  res: PulledPage;
  cursor: string;
  refresh: RefreshTarget[];
}

export type SyncPhase = 'standalone' | 'signed-out' | 'synced' | 'pending' | 'offline' | 'error';

export interface SyncStatus {
  phase: SyncPhase;
  pending: number;
  serverUrl: string | null;
  account: Account | null;
  lastSyncAt: string | null;
  lastError: string | null;
}

/**
 * How far a snapshot has come: the rows written since it began (over every sync it took), and the
 * rows the server said it brings (null from a server that does not say).
 */
export interface SnapshotProgress {
  rows: number;
  total: number | null;
}

export interface SyncReport {
  ok: boolean;
  pushed: number;
  rejected: number;
  pulled: number;
  error?: string;
}

export interface SyncEngineOptions {
  now?: () => Date;
  /** The network; defaults to HTTP to the configured server. Tests wrap it. */
  transport?: SyncTransport;
  /** Tenants changed by a pull: lists refetch. */
  onChanged?: (ids: string[]) => void;
  pushBatch?: number;
  pullLimit?: number;
  /** Encrypts the server session token at rest (the core's SecretBox); plain text without it. */
  secrets?: SecretBox;
  /** A stored token that cannot be decrypted (the session is then dropped). */
  log?: (err: unknown) => void;
  /** Pulls are received and checked there, off the main thread (pull-worker-client.ts). */
  pullOffload?: PullOffload;
  /**
   * Checkpoints the WAL off the main thread after each snapshot batch's commit, and after a first
   * pull (db/checkpointer.ts).
   */
  checkpointer?: { request(): void; settled(): Promise<void>; readonly available: boolean };
  /** FIRST_PULL_WAL_BYTES (tests make it small). */
  firstPullWalBytes?: number;
}

/**
 * The desktop side of sync: records each local mutation in the outbox (in the mutation's own
 * transaction), pushes the outbox in order, pulls the server's changes since its cursor, applies
 * them and replays the mutations still pending on top (rebase). A rejected mutation is marked with
 * its reason and its target re-read from the server, so the local state returns to the server's.
 */
export class SyncEngine {
  readonly outbox: Outbox;
  readonly state: SyncState;
  private readonly writer: ServerRowWriter;
  private readonly bulk: SnapshotBulkWriter;
  private bulkSnapshots = true;
  private snapshotBatchRows = SNAPSHOT_BATCH_ROWS;
  private pullLimit: number;
  /** The connection's own automatic checkpoint threshold (pulls raise it for their length). */
  private readonly walAutocheckpoint: number;
  /** A pull runs (the threshold stays raised). */
  private pulling = false;
  /** This pull wrote first-pull batches without asking for a checkpoint (FIRST_PULL_WAL_BYTES). */
  private checkpointOwed = false;
  /**
   * A first pull's WAL is with the checkpoint thread (the threshold stays raised until it is done);
   * only the last hand-over's checkpoint brings the threshold back.
   */
  private walHandover: object | null = null;
  private readonly now: () => Date;
  private clock: HybridClock;
  private tenancy: TenancyService | undefined;
  private replaying = false;
  private running: Promise<SyncReport> | null = null;
  /** The sync that follows the running one (syncOnce). */
  private next: Promise<SyncReport> | null = null;
  private customTransport: SyncTransport | undefined;
  /** Set on each recorded mutation: the background loop syncs soon after. */
  onRecorded: (() => void) | undefined;
  /** After each batch of pulled pages is written (a snapshot's progress moved). */
  onPulled: (() => void) | undefined;

  constructor(
    private readonly db: Db,
    private readonly options: SyncEngineOptions = {},
  ) {
    this.outbox = new Outbox(db);
    this.pullLimit = options.pullLimit ?? PULL_PAGE;
    this.state = new SyncState(db, options.secrets, options.log);
    this.writer = new ServerRowWriter(db);
    this.bulk = new SnapshotBulkWriter(db, this.writer);
    this.walAutocheckpoint = db.pragma('wal_autocheckpoint', { simple: true }) as number;
    this.now = options.now ?? (() => new Date());
    this.customTransport = options.transport;
    this.clock = this.makeClock();
    // A desktop connected to a server syncs soon after it opens.
    if (this.state.get('serverUrl')) void options.pullOffload?.warm();
  }

  private makeClock(): HybridClock {
    return new HybridClock(
      this.clientId(),
      () => this.now().getTime(),
      undefined,
      this.state.get('hlc') ?? undefined,
    );
  }

  /** The tenancy service the engine replays pending mutations through. */
  bind(tenancy: TenancyService): void {
    this.tenancy = tenancy;
  }

  clientId(): string {
    let id = this.state.get('clientId');
    if (!id) {
      id = randomUUID();
      this.state.set('clientId', id);
    }
    return id;
  }

  account(): Account | null {
    return this.state.getJson<Account | null>('account', null);
  }

  /** Whether local changes are recorded: a server is configured (even while offline or signed out). */
  enabled(): boolean {
    return this.state.get('serverUrl') !== null && this.account() !== null;
  }

  /** The ServiceContext hook: runs inside the mutation's transaction. */
  readonly record = <C extends CommandName>(command: C, args: CommandArgs<C>): void => {
    if (this.replaying || !this.enabled()) return;
    const hlc = this.clock.tick();
    this.state.set('hlc', hlc);
    this.outbox.append(command, args, hlc, this.now().toISOString());
    this.onRecorded?.();
  };

  /**
   * The ServiceContext hook for users, roles and cameras: records `records.put` with the named
   * fields read from the row just written (all of them for a new record), or `records.delete`.
   * The put is checked against the shared schema here, so the outbox never holds one the server
   * would refuse as malformed.
   */
  readonly recordRecord = (change: RecordChange): void => {
    if (this.replaying || !this.enabled()) return;
    if ('deleted' in change) {
      this.record('records.delete', { kind: change.kind, id: change.id });
      return;
    }
    const local = this.writer.records.read(change.kind, change.id);
    if (!local) return;
    const all = local.fields as Record<string, unknown>;
    const fields =
      change.fields === 'all'
        ? all
        : Object.fromEntries(change.fields.map((f: string) => [f, all[f]]));
    const put = recordPutSchema.safeParse({
      kind: change.kind,
      id: change.id,
      tenantId: local.tenantId,
      fields,
    });
    if (!put.success)
      throw new AppError(
        'VALIDATION',
        `This ${change.kind} cannot be synced as it is (${put.error.issues[0]?.message ?? 'invalid'}).`,
      );
    this.record('records.put', put.data);
  };

  status(): SyncStatus {
    const serverUrl = this.state.get('serverUrl');
    const account = this.account();
    const pending = this.outbox.pendingCount();
    const lastError = this.state.get('lastError');
    let phase: SyncPhase;
    if (!serverUrl || !account) phase = 'standalone';
    else if (!this.state.get('token')) phase = 'signed-out';
    else if (lastError?.startsWith('OFFLINE')) phase = 'offline';
    else if (lastError) phase = 'error';
    else phase = pending > 0 ? 'pending' : 'synced';
    return {
      phase,
      pending,
      serverUrl,
      account,
      lastSyncAt: this.state.get('lastSyncAt'),
      lastError: lastError?.replace(/^[A-Z_]+: /, '') ?? null,
    };
  }

  /** The running snapshot's progress, or null when none runs (not even one interrupted). */
  snapshotProgress(): SnapshotProgress | null {
    return this.state.getJson<SnapshotProgress | null>('snapshotProgress', null);
  }

  /** Logs in. Another account than before starts over: new client id, fresh snapshot. */
  async connect(serverUrl: string, email: string, password: string): Promise<LoginResponse> {
    const url = new URL(serverUrl).toString();
    // A first sync follows a login: the pull worker starts while the server checks the password.
    void this.options.pullOffload?.warm();
    const res = await login(url, email, password);
    this.db.transaction(() => {
      const previous = this.account();
      if (previous && (previous.id !== res.account.id || this.state.get('serverUrl') !== url)) {
        this.state.set('clientId', randomUUID());
        this.state.set('cursor', null);
        this.state.set('refresh', null);
        this.outbox.clear();
      }
      this.state.set('serverUrl', url);
      this.state.set('token', res.token);
      this.state.setJson('account', res.account);
      this.state.set('lastError', null);
    })();
    this.clock = this.makeClock();
    return res;
  }

  /** Ends the session; local changes keep being recorded and go up at the next login. */
  async disconnect(): Promise<void> {
    const url = this.state.get('serverUrl');
    const token = this.state.get('token');
    this.state.set('token', null);
    if (url && token) await logout(url, token).catch(() => undefined);
  }

  /** Back to standalone: forgets the server, the account and the outbox. */
  forget(): void {
    this.db.transaction(() => {
      for (const key of [
        'serverUrl',
        'token',
        'account',
        'cursor',
        'snapshotOntoEmpty',
        'snapshotProgress',
        'refresh',
        'lastError',
      ] as const)
        this.state.set(key, null);
      this.outbox.clear();
    })();
  }

  /** First connection: the local tenants that an upload would send. */
  uploadPreview(): { count: number; names: string[] } {
    if (this.state.get('cursor')) return { count: 0, names: [] };
    const rows = this.db
      .prepare("SELECT name FROM tenants WHERE kind != 'root' ORDER BY depth, name_key")
      .all() as { name: string }[];
    return { count: rows.length, names: rows.slice(0, 50).map((r) => r.name) };
  }

  /**
   * First connection: queues the local tenants as creates (parents first) under the account's
   * node, then their module switches, business settings and disabled states, then their cameras,
   * roles and users.
   */
  uploadLocal(): number {
    const account = this.account();
    if (!account) throw new AppError('UNAUTHORIZED', 'Log in to a server first.');
    const rows = this.db
      .prepare("SELECT * FROM tenants WHERE kind != 'root' ORDER BY depth, path")
      .all() as {
      id: string;
      kind: 'integrator' | 'customer';
      parent_id: string;
      name: string;
      contact_person: string;
      email: string;
      phone: string;
      address: string;
      time_zone: string;
      notes: string;
      own_disabled: number;
      module_overrides: string;
      business: string | null;
    }[];
    const commands: Command[] = [];
    const later: Command[] = [];
    const disables: Command[] = [];
    for (const r of rows) {
      const parentId = r.parent_id === 'root' ? account.tenantId : r.parent_id;
      const base = {
        id: r.id,
        parentId,
        name: r.name,
        contactPerson: r.contact_person,
        email: r.email,
        phone: r.phone,
        address: r.address,
      };
      const create = parseCommand(
        'tenants.create',
        r.kind === 'customer'
          ? { ...base, kind: 'customer', timeZone: r.time_zone, notes: r.notes }
          : { ...base, kind: 'integrator' },
      );
      if (!create) continue;
      commands.push(create);
      const overrides = JSON.parse(r.module_overrides) as Record<string, boolean>;
      for (const [moduleId, enabled] of Object.entries(overrides)) {
        const c = parseCommand('modules.set', { tenantId: r.id, moduleId, enabled });
        if (c) later.push(c);
      }
      if (r.kind === 'integrator' && r.business) {
        const c = parseCommand('business.set', {
          tenantId: r.id,
          settings: JSON.parse(r.business) as unknown,
        });
        if (c) later.push(c);
      }
      if (r.own_disabled) disables.unshift({ command: 'tenants.disable', args: { id: r.id } });
    }
    const all = [...commands, ...later, ...disables];
    let records = 0;
    this.db.transaction(() => {
      for (const c of all) this.record(c.command, c.args as never);
      // Then the tenants' cameras, roles (their grants name cameras) and users (in roles).
      for (const kind of RECORD_KINDS) {
        const table = kind === 'user' ? 'users' : kind === 'role' ? 'roles' : 'cameras';
        const ids = this.db
          .prepare(`SELECT id FROM ${table} ORDER BY created_at, id`)
          .pluck()
          .all() as string[];
        for (const id of ids) this.recordRecord({ kind, id, fields: 'all' });
        records += ids.length;
      }
    })();
    return all.length + records;
  }

  /** Replaces the network (tests: a lossy wrapper; undefined: HTTP to the configured server). */
  useTransport(transport: SyncTransport | undefined): void {
    this.customTransport = transport;
  }

  /** Whether snapshot pages are written in bulk (electron/sync/bulk.ts); tests compare both ways. */
  useBulkSnapshots(on: boolean): void {
    this.bulkSnapshots = on;
  }

  /** Rows of snapshot pages written in one transaction (SNAPSHOT_BATCH_ROWS; tests make it small). */
  useSnapshotBatchRows(rows: number): void {
    this.snapshotBatchRows = rows;
  }

  /** Rows asked for per pull (PULL_PAGE; tests make it small to see a snapshot page by page). */
  usePullLimit(rows: number): void {
    this.pullLimit = rows;
  }

  /** HTTP to the configured server with the current session. */
  httpTransport(): SyncTransport {
    const url = this.state.get('serverUrl');
    if (!url) throw new AppError('UNAUTHORIZED', 'No server is configured.');
    return new HttpTransport(url, () => this.state.get('token'), this.options.pullOffload);
  }

  private transport(): SyncTransport {
    return this.customTransport ?? this.httpTransport();
  }

  private receive(serverHlc: string): void {
    try {
      this.clock.receive(serverHlc);
      this.state.set('hlc', this.clock.current());
    } catch (err) {
      if (!(err instanceof ClockDriftError)) throw err;
      // The server's clock is far ahead of ours: keep our own; the server refuses ours if wrong.
    }
  }

  /**
   * One sync: push everything pending, then pull until up to date. Never runs twice at once: asked
   * while one runs, it answers with a sync that starts after that one (one for all who ask
   * meanwhile), so what was pushed or changed before the call is in its answer.
   */
  syncOnce(): Promise<SyncReport> {
    const start = () =>
      (this.running = this.runSync().finally(() => {
        this.running = null;
      }));
    if (!this.running) return start();
    this.next ??= this.running.then(
      () => ((this.next = null), start()),
      () => ((this.next = null), start()),
    );
    return this.next;
  }

  private async runSync(): Promise<SyncReport> {
    const report: SyncReport = { ok: false, pushed: 0, rejected: 0, pulled: 0 };
    if (!this.enabled() || !this.state.get('token')) {
      report.error = 'Not connected to a server.';
      return report;
    }
    try {
      await this.pushAll(report);
      await this.pullAll(report);
      this.state.set('lastSyncAt', this.now().toISOString());
      this.state.set('lastError', null);
      report.ok = true;
    } catch (err) {
      if (err instanceof ServerUnreachableError) {
        this.state.set('lastError', `OFFLINE: ${err.message}`);
      } else if (err instanceof ServerError) {
        if (err.status === 401) this.state.set('token', null);
        this.state.set('lastError', `${err.body.code}: ${err.body.message}`);
      } else {
        this.state.set('lastError', `ERROR: ${err instanceof Error ? err.message : String(err)}`);
      }
      report.error = this.state.get('lastError') ?? 'error';
    }
    return report;
  }

  private addRefresh(targets: RefreshTarget[]): void {
    if (!targets.length) return;
    const list = this.state.getJson<RefreshTarget[]>('refresh', []);
    const key = (t: RefreshTarget) => `${t.kind ?? 'tenant'}|${t.id}|${t.subtree}`;
    const seen = new Set(list.map(key));
    for (const t of targets) {
      if (seen.has(key(t))) continue;
      list.push(t);
      seen.add(key(t));
    }
    this.state.setJson('refresh', list);
  }

  private async pushAll(report: SyncReport): Promise<void> {
    const transport = this.transport();
    const clientId = this.clientId();
    const batchSize = Math.min(this.options.pushBatch ?? 500, MAX_PUSH_BATCH);
    for (let round = 0; round < 100_000; round++) {
      const entries = this.outbox.pending(batchSize);
      if (!entries.length) return;
      const mutations = this.outbox.toMutations(entries, this.now().toISOString());
      if (!mutations.length) continue;
      let results: MutationResult[];
      try {
        const res = await transport.push({ clientId, mutations });
        this.receive(res.serverHlc);
        results = res.results;
      } catch (err) {
        // A batch the server refuses as a whole (400) must not block the queue: the first
        // entry goes alone, and is rejected with the server's reason if it is refused alone.
        if (!(err instanceof ServerError) || err.status !== 400) throw err;
        const first = mutations[0];
        if (!first) return;
        if (mutations.length > 1) {
          const res = await transport.push({ clientId, mutations: [first] }).catch((e: unknown) => {
            if (e instanceof ServerError && e.status === 400) return null;
            throw e;
          });
          results = res
            ? res.results
            : [
                {
                  id: first.id,
                  status: 'rejected',
                  code: err.body.code,
                  message: err.body.message,
                },
              ];
        } else {
          results = [
            { id: first.id, status: 'rejected', code: err.body.code, message: err.body.message },
          ];
        }
      }
      const byId = new Map(mutations.map((m) => [m.id, m]));
      this.db.transaction(() => {
        const refresh: RefreshTarget[] = [];
        for (const r of results) {
          this.outbox.answer(r, this.now().toISOString());
          report.pushed++;
          const m = byId.get(r.id);
          if (m && (r.status === 'rejected' || r.overwritten?.length)) {
            if (r.status === 'rejected') report.rejected++;
            refresh.push(...commandRefresh({ command: m.command, args: m.args } as Command));
          }
        }
        this.addRefresh(refresh);
      })();
      if (results.length === 0) return;
    }
  }

  private async pullAll(report: SyncReport): Promise<void> {
    const cacheSize = this.db.pragma('cache_size', { simple: true }) as number;
    const checkpointer = this.options.checkpointer;
    // With the checkpoint thread, the writer's own checkpoint is only the fallback.
    const walPages = checkpointer?.available
      ? Math.ceil((2 * this.firstPullWalBytes()) / this.pageSize())
      : PULL_WAL_PAGES;
    this.pulling = true;
    this.checkpointOwed = false;
    this.db.pragma(`wal_autocheckpoint = ${Math.max(this.walAutocheckpoint, walPages)}`);
    this.db.pragma(`cache_size = -${Math.max(-cacheSize, PULL_CACHE_KIB)}`);
    try {
      await this.pullPages(report);
    } finally {
      // Indexes a first pull set aside are built even when it failed: never aside between syncs.
      restoreFirstPullIndexes(this.db);
      this.db.pragma(`cache_size = ${cacheSize}`);
      this.pulling = false;
      if (this.checkpointOwed && checkpointer?.available) {
        // A first pull's WAL goes to the database file on the checkpoint thread, now. Until that
        // is done, the writer's threshold stays raised, also through the syncs that follow (its
        // own checkpoint would sync and copy the whole WAL on the main thread).
        const handover = {};
        this.walHandover = handover;
        checkpointer.request();
        void checkpointer.settled().then(() => {
          if (this.walHandover !== handover) return;
          this.walHandover = null;
          this.restoreWalThreshold();
        });
      } else this.restoreWalThreshold();
    }
  }

  /** The writer's own checkpoint threshold back, unless a pull runs or a first pull's WAL is with the thread. */
  private restoreWalThreshold(): void {
    if (!this.pulling && this.walHandover === null && this.db.open)
      this.db.pragma(`wal_autocheckpoint = ${this.walAutocheckpoint}`);
  }

  private firstPullWalBytes(): number {
    return this.options.firstPullWalBytes ?? FIRST_PULL_WAL_BYTES;
  }

  private pageSize(): number {
    return this.db.pragma('page_size', { simple: true }) as number;
  }

  /** The WAL file's size (0 when there is none). */
  private walBytes(): number {
    try {
      return fs.statSync(`${this.db.name}-wal`).size;
    } catch {
      return 0;
    }
  }

  /** Pull pages until up to date (pullAll with the WAL's checkpoint interval raised). */
  private async pullPages(report: SyncReport): Promise<void> {
    const transport = this.transport();
    const clientId = this.clientId();
    const changed = new Set<string>();
    const limit = this.pullLimit;
    // The next page, asked for while this one is written: the server reads and sends it meanwhile.
    let ahead: { cursor: string; reply: Promise<PullResponse | PulledPage> } | null = null;
    // Snapshot pages received and not written yet (see SNAPSHOT_BATCH_ROWS), and their rows.
    const batch: PageToWrite[] = [];
    let batched = 0;
    let batchStarted = 0;
    let batchRandomIds = 0;
    let cursor = this.state.get('cursor') ?? '';
    for (let page = 0; page < 100_000; page++) {
      // Refresh targets wait for the batch to be written (they are read and cleared with a page).
      const refresh = batch.length
        ? []
        : this.state.getJson<RefreshTarget[]>('refresh', []).slice(0, MAX_REFRESH);
      let res: PulledPage;
      try {
        res = pulledPage(
          ahead && ahead.cursor === cursor && refresh.length === 0
            ? await ahead.reply
            : await transport.pull({ clientId, cursor, refresh, limit }),
        );
      } catch (err) {
        // The pages received are kept whatever became of the next one.
        if (batch.length) this.writeBatch(batch.splice(0), report, changed);
        throw err;
      }
      ahead = null;
      if (res.more && refresh.length === 0) {
        const reply = transport.pull({ clientId, cursor: res.cursor, refresh: [], limit });
        // Awaited by the next round; if that round never comes (this page fails), nobody asks.
        reply.catch(() => undefined);
        ahead = { cursor: res.cursor, reply };
        // The request is written an event-loop turn or so later: let it go out before this
        // page's write blocks the loop (it would otherwise leave only after the write).
        for (let turn = 0; turn < 2; turn++) await new Promise((resolve) => setImmediate(resolve));
      }
      if (!batch.length) {
        batchStarted = Date.now();
        batchRandomIds = 0;
      }
      batchRandomIds += randomIdsOf(res);
      batch.push({ res, cursor, refresh });
      batched += rowsOf(res);
      cursor = res.cursor;
      // A snapshot page waits for the ones after it while the batch is small and young.
      const waits =
        res.snapshot &&
        res.more &&
        refresh.length === 0 &&
        batched <
          (batchInCreationOrder(batched, batchRandomIds)
            ? Math.min(this.snapshotBatchRows, ORDERED_SNAPSHOT_BATCH_ROWS)
            : this.snapshotBatchRows) &&
        Date.now() - batchStarted < SNAPSHOT_BATCH_MS;
      if (waits) continue;
      this.writeBatch(batch.splice(0), report, changed);
      this.onPulled?.();
      batched = 0;
      if (!res.more && this.state.getJson<RefreshTarget[]>('refresh', []).length === 0) break;
    }
    // Indexes set aside by a first pull are built (the recording check below reads them).
    restoreFirstPullIndexes(this.db);
    // What this pull brought (this sync's only pull: tenants, records, deletes, camera rows).
    const brought = report.pulled;
    this.db.transaction(() => {
      // Pending changes go on top again (a page may have rewritten a row they touched, if only the
      // account's chain of tenants, which every page brings).
      this.rebase();
      // Pulled rows are written as the server has them; whether each camera records follows from
      // its tenant here. A pull that brought nothing leaves that as it was: on a desktop with
      // 500,000 cameras this check read them all (~0.3 s) after every sync, that is after every
      // local change and every 30 s (the commands that change it keep it up to date themselves).
      if (brought > 0) this.tenancy?.repo.recomputeRecording('/', this.now().toISOString());
    })();
    if (brought > 0 || changed.size) this.tenancy?.lists.invalidate();
    if (changed.size) this.options.onChanged?.([...changed]);
  }

  /** Writes pulled pages in one transaction. */
  private writeBatch(pages: PageToWrite[], report: SyncReport, changed: Set<string>): void {
    const snapshot = pages.some((p) => p.res.snapshot);
    let firstPull = false;
    this.db.transaction(() => {
      // Each page's rows can go once it is written (the batch no longer holds them).
      for (let p = pages.shift(); p; p = pages.shift())
        firstPull = this.writePage(p, report, changed) || firstPull;
    })();
    // A snapshot writes in bulk; smaller pulls leave the WAL to the writer's own checkpoints. A
    // first pull's WAL waits for the pull's end, up to FIRST_PULL_WAL_BYTES.
    if (!snapshot) return;
    if (firstPull && this.walBytes() < this.firstPullWalBytes()) {
      this.checkpointOwed = true;
      return;
    }
    this.options.checkpointer?.request();
  }

  /**
   * Writes one pulled page (inside the caller's transaction) and moves the cursor past it. Answers
   * whether the page belongs to a first pull (a snapshot onto an empty database, in bulk).
   */
  private writePage(
    { res, cursor, refresh }: PageToWrite,
    report: SyncReport,
    changed: Set<string>,
  ): boolean {
    // The server's clock, kept with the page (a commit of its own per page before).
    this.receive(res.serverHlc);
    // A snapshot starts (not a further page of one: tenant `s:` or record `r:` cursors).
    const starts = res.snapshot && !cursor.startsWith('s:') && !cursor.startsWith('r:');
    if (starts) {
      this.db.prepare('DELETE FROM sync_snapshot_seen').run();
      // Its end drops the rows it did not bring. A desktop without synced rows (a first
      // connection) has none it could leave out, so what it brings need not be remembered
      // (600,000 ids in the benchmark): noted here, as the snapshot may span several syncs.
      this.state.set('snapshotOntoEmpty', this.holdsSyncedRows() ? null : '1');
    }
    const tracked = this.state.get('snapshotOntoEmpty') === null;
    // Onto an empty database, indexes keyed at random wait (first-pull-indexes): the tenants'
    // until the records begin (a snapshot brings its tenants first), the cameras' to the end.
    const firstPull = res.snapshot && !tracked && this.bulkSnapshots;
    if (firstPull) {
      const records = res.cameraRows !== null || res.changes.some((c) => c.op === 'record');
      if (records) restoreFirstPullIndexes(this.db, ['tenants']);
      setFirstPullIndexesAside(this.db, records ? ['cameras'] : ['tenants', 'cameras']);
    }
    for (const row of res.chain) this.writer.upsert(row);
    const rows = res.cameraRows;
    const { applied } =
      res.snapshot && this.bulkSnapshots
        ? this.bulk.apply(res.changes, rows)
        : this.writer.apply(withCameraRecords(res.changes, rows));
    for (const id of applied) changed.add(id);
    report.pulled += rowsOf(res);
    if (res.snapshot && tracked) {
      const seen = res.chain.map((row) => row.id);
      for (const c of res.changes) {
        if (c.op === 'upsert') seen.push(c.row.id);
        else if (c.op === 'record') seen.push(`${c.record.kind}:${c.record.id}`);
      }
      if (rows)
        for (let i = CAMERA_ID; i < rows.values.length; i += CAMERA_WIDTH)
          seen.push(`camera:${rows.values[i] as string}`);
      this.db
        .prepare('INSERT OR IGNORE INTO sync_snapshot_seen (id) SELECT value FROM json_each(?)')
        .run(JSON.stringify(seen));
    }
    if (res.snapshot) {
      // A snapshot starts counting with its first page (and the total it says it brings).
      const progress: SnapshotProgress | null = starts
        ? { rows: 0, total: res.snapshotRows ?? null }
        : this.snapshotProgress();
      if (progress)
        this.state.setJson('snapshotProgress', { ...progress, rows: progress.rows + rowsOf(res) });
    }
    if (res.snapshotDone) {
      if (tracked) for (const id of this.dropUnseen()) changed.add(id);
      this.state.set('snapshotOntoEmpty', null);
      this.state.set('snapshotProgress', null);
    }
    const left = this.state
      .getJson<RefreshTarget[]>('refresh', [])
      .filter(
        (t) => !refresh.some((r) => r.id === t.id && r.subtree === t.subtree && r.kind === t.kind),
      );
    this.state.setJson('refresh', left.length ? left : null);
    this.state.set('cursor', res.cursor);
    return firstPull;
  }

  /** Whether this desktop holds tenants (besides its root) or records a snapshot could leave out. */
  private holdsSyncedRows(): boolean {
    return (
      this.db
        .prepare(
          `SELECT EXISTS (SELECT 1 FROM tenants WHERE kind != 'root')
             OR EXISTS (SELECT 1 FROM cameras) OR EXISTS (SELECT 1 FROM users)
             OR EXISTS (SELECT 1 FROM roles)`,
        )
        .pluck()
        .get() === 1
    );
  }

  /**
   * After a completed snapshot: local tenants and records the server did not send are no longer
   * ours (except the ones whose creation is still pending here).
   */
  private dropUnseen(): string[] {
    const protectedIds = new Set<string>();
    for (const e of this.outbox.pending()) {
      const c = parseCommand(e.command, e.args);
      if (c?.command === 'tenants.create') protectedIds.add(c.args.id);
      if (c?.command === 'records.put') protectedIds.add(`${c.args.kind}:${c.args.id}`);
    }
    const gone = (
      this.db
        .prepare(
          "SELECT id FROM tenants WHERE kind != 'root' AND id NOT IN (SELECT id FROM sync_snapshot_seen) ORDER BY depth DESC",
        )
        .all() as { id: string }[]
    )
      .map((r) => r.id)
      .filter((id) => !protectedIds.has(id));
    const del = this.db.prepare('DELETE FROM tenants WHERE id = ?');
    for (const id of gone) del.run(id);
    const touched = new Set(gone);
    // Users first (they reference roles), then roles (they reference cameras), then cameras.
    for (const kind of [...RECORD_KINDS].reverse()) {
      const table = kind === 'user' ? 'users' : kind === 'role' ? 'roles' : 'cameras';
      const ids = this.db
        .prepare(
          `SELECT id FROM ${table} WHERE ('${kind}:' || id) NOT IN (SELECT id FROM sync_snapshot_seen)`,
        )
        .pluck()
        .all() as string[];
      for (const id of ids) {
        if (protectedIds.has(`${kind}:${id}`)) continue;
        const tenantId = this.writer.records.delete(kind, id);
        if (tenantId !== null) touched.add(tenantId);
      }
    }
    this.db.prepare('DELETE FROM sync_snapshot_seen').run();
    return [...touched];
  }

  /** Re-runs the mutations still pending on top of the server's state just applied. */
  private rebase(): void {
    const tenancy = this.tenancy;
    if (!tenancy) return;
    const pending = this.outbox.pending();
    if (!pending.length) return;
    this.replaying = true;
    try {
      for (const e of pending) {
        const c = parseCommand(e.command, e.args);
        if (!c) continue;
        try {
          replay(tenancy, this.writer.records, c, this.now().toISOString());
        } catch {
          // The server decides: a mutation that no longer fits locally is still pushed, and
          // its rejection (with the reason) comes back from there.
        }
      }
    } finally {
      this.replaying = false;
    }
  }
}

/** The rows a pulled page brings: its changes and its camera rows. */
const rowsOf = (res: PulledPage) => res.changes.length + (res.cameraRows?.at.length ?? 0);

/** The page's changes with its camera rows back in place as records (the row-by-row path). */
function withCameraRecords(changes: RowChange[], rows: CameraRows | null): RowChange[] {
  if (!rows) return changes;
  const all: RowChange[] = [];
  let next = 0;
  rows.at.forEach((at, row) => {
    while (all.length < at && next < changes.length) all.push(changes[next++] as RowChange);
    all.push({ op: 'record', record: cameraRecordOfRow(rows.values, row) });
  });
  while (next < changes.length) all.push(changes[next++] as RowChange);
  return all;
}

function replay(t: TenancyService, records: LocalRecords, c: Command, now: string): void {
  switch (c.command) {
    case 'records.put':
      records.applyPut(c.args.kind, c.args.id, c.args.tenantId, c.args.fields, now);
      return;
    case 'records.delete':
      records.delete(c.args.kind, c.args.id);
      return;
    case 'tenants.create': {
      if (t.repo.get(c.args.id)) return;
      const { id, ...input } = c.args;
      t.create(input, id);
      return;
    }
    case 'tenants.update':
      t.update(c.args);
      return;
    case 'tenants.move':
      t.move(c.args.id, c.args.newParentId);
      return;
    case 'tenants.delete': {
      const row = t.repo.get(c.args.id);
      if (row) t.delete(c.args.id, row.name);
      return;
    }
    case 'tenants.disable':
      t.disable(c.args.id);
      return;
    case 'tenants.enable':
      t.enable(c.args.id, c.args.mode);
      return;
    case 'modules.set':
      t.setModule(c.args.tenantId, c.args.moduleId, c.args.enabled);
      return;
    case 'business.set':
      t.setBusiness(c.args.tenantId, c.args.settings);
      return;
  }
}
