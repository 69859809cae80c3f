import { ZodError } from 'zod';
import { AppError } from '../../shared/errors';
import { parseHlc } from '../../shared/sync/hlc';
import { DISABLED_FIELD, PARENT_FIELD } from '../../shared/sync/merge';
import type { SyncDetails, SyncStatusView } from '../../shared/sync-contract';
import type { Db } from '../db/connection';
import type { TenancyService } from '../tenancy/service';
import type { Tenant } from '../../shared/tenancy';
import type { SyncEngine, SyncReport } from './engine';
import { SyncScheduler, type SyncSchedulerOptions } from './scheduler';
import { ServerError, ServerUnreachableError } from './transport';

interface AnsweredRow {
  mutation_id: number;
  command: string;
  args: string;
  created_at: string;
  status: 'pending' | 'applied' | 'rejected';
  code: string | null;
  message: string | null;
  overwritten: string | null;
  answered_at: string | null;
}

type Args = Record<string, unknown>;

const FIELD_LABELS: Record<string, string> = {
  name: 'name',
  contactPerson: 'contact person',
  email: 'email',
  phone: 'phone',
  address: 'address',
  timeZone: 'time zone',
  notes: 'notes',
  [PARENT_FIELD]: 'parent',
  [DISABLED_FIELD]: 'disabled',
};

/** Progress pushes while pulling, at most one per this many milliseconds. */
const PROGRESS_EVERY_MS = 250;

/**
 * The app side of sync: the API methods over the engine, the background scheduler, and the
 * `sync.status` event. Created by openCore; the scheduler runs only while logged in to a server.
 */
export class SyncApp {
  readonly scheduler: SyncScheduler;
  private lastStatus = '';
  private revision = 0;
  /** The revision last pushed as `sync.status`. */
  private emitted = 0;
  private closed = false;
  /** When a batch's progress was last pushed (onPulled). */
  private progressEmittedAt = 0;

  constructor(
    private readonly db: Db,
    private readonly engine: SyncEngine,
    private readonly tenancy: TenancyService,
    private readonly hooks: {
      emit: (status: SyncStatusView) => void;
      log?: (err: unknown) => void;
    },
    options: SyncSchedulerOptions = {},
  ) {
    this.scheduler = new SyncScheduler(
      engine,
      { onStatus: () => this.emitStatus(), ...(hooks.log ? { log: hooks.log } : {}) },
      options,
    );
    engine.onRecorded = () => {
      // Runs inside the change's transaction: report once it has committed.
      setImmediate(() => this.emitStatus());
      this.scheduler.changed();
    };
    engine.onPulled = () => {
      // A first pull writes a batch every ~0.1 s: the screens hear of it a few times a second.
      const now = Date.now();
      if (now - this.progressEmittedAt < PROGRESS_EVERY_MS) return;
      this.progressEmittedAt = now;
      this.emitStatus();
    };
  }

  /** Starts background sync when logged in, unless a first upload still waits for a decision. */
  init(): void {
    if (this.loggedIn() && !this.awaitingUpload()) this.scheduler.start();
    this.emitted = this.status().revision;
  }

  close(): void {
    this.closed = true;
    this.scheduler.stop();
    this.engine.onRecorded = undefined;
    this.engine.onPulled = undefined;
  }

  private loggedIn(): boolean {
    return this.engine.enabled() && this.engine.state.get('token') !== null;
  }

  /** Logged in for the first time with local tenants the server has not seen. */
  private awaitingUpload(): boolean {
    return this.engine.state.get('cursor') === null && this.engine.uploadPreview().count > 0;
  }

  /** The current status; its revision grows whenever what it shows changed. */
  status(): SyncStatusView {
    const s = this.engine.status();
    const next = this.scheduler.nextAttemptAt();
    const view = {
      phase: s.phase,
      pending: s.pending,
      serverUrl: s.serverUrl,
      account: s.account
        ? { email: s.account.email, role: s.account.role, tenantId: s.account.tenantId }
        : null,
      lastSyncAt: s.lastSyncAt,
      lastError: s.lastError,
      syncing: this.scheduler.syncing,
      nextAttemptAt: next ? next.toISOString() : null,
      // A snapshot cut short (offline, quit) resumes with the next sync: shown while one runs.
      progress: this.scheduler.syncing ? this.engine.snapshotProgress() : null,
    };
    const json = JSON.stringify(view);
    if (json !== this.lastStatus) {
      this.lastStatus = json;
      this.revision++;
    }
    return { ...view, revision: this.revision };
  }

  /** Pushes `sync.status` when anything shown changed. */
  emitStatus(): void {
    if (this.closed || !this.db.open) return;
    try {
      const status = this.status();
      if (status.revision === this.emitted) return;
      this.emitted = status.revision;
      this.hooks.emit(status);
    } catch (err) {
      this.hooks.log?.(err);
    }
  }

  async connect(
    serverUrl: string,
    email: string,
    password: string,
  ): Promise<{ status: SyncStatusView; upload: { count: number; names: string[] } }> {
    this.scheduler.stop();
    try {
      await this.engine.connect(serverUrl, email, password);
    } catch (err) {
      throw connectError(err, serverUrl);
    }
    const upload = this.engine.uploadPreview();
    if (upload.count === 0) this.scheduler.start();
    this.emitStatus();
    return { status: this.status(), upload };
  }

  async disconnect(forget: boolean): Promise<SyncStatusView> {
    this.scheduler.stop();
    await this.engine.disconnect();
    if (forget) this.engine.forget();
    this.emitStatus();
    return this.status();
  }

  uploadPreview(): { count: number; names: string[] } {
    return this.engine.uploadPreview();
  }

  uploadLocal(): { queued: number; status: SyncStatusView } {
    if (!this.loggedIn()) throw new AppError('UNAUTHORIZED', 'Log in to a server first.');
    const queued = this.awaitingUpload() ? this.engine.uploadLocal() : 0;
    this.scheduler.start();
    this.emitStatus();
    return { queued, status: this.status() };
  }

  async syncNow(): Promise<{ report: SyncReport; status: SyncStatusView }> {
    if (!this.loggedIn())
      throw new AppError(
        'UNAUTHORIZED',
        this.engine.enabled()
          ? 'You are logged out of the server. Log in again in Settings → Server.'
          : 'This desktop works standalone. Connect to a server in Settings → Server first.',
      );
    const report = await this.scheduler.syncNow();
    if (!this.scheduler.started && this.loggedIn()) this.scheduler.start(true);
    this.emitStatus();
    return { report, status: this.status() };
  }

  clearAnswered(): void {
    this.db.prepare("DELETE FROM sync_outbox WHERE status != 'pending'").run();
    this.emitStatus();
  }

  details(): SyncDetails {
    const rows = this.db
      .prepare(
        `SELECT mutation_id, command, args, created_at, status, code, message, overwritten, answered_at
         FROM sync_outbox ORDER BY mutation_id DESC LIMIT 500`,
      )
      .all() as AnsweredRow[];
    const clientId = this.engine.clientId();
    const out: SyncDetails = { pending: [], rejected: [], overwritten: [] };
    const tenants = new Map<string, Tenant | null>();
    const tenant = (id: string | null): Tenant | null => {
      if (!id) return null;
      if (!tenants.has(id)) {
        let t: Tenant | null = null;
        try {
          t = this.tenancy.get(id);
        } catch {
          t = null;
        }
        tenants.set(id, t);
      }
      return tenants.get(id) ?? null;
    };
    for (const r of rows) {
      const args = parseArgs(r.args);
      const targetId = str(args.id) ?? str(args.tenantId);
      const summary = summarize(r.command, args, tenant(targetId)?.name ?? null);
      if (r.status === 'pending') {
        out.pending.push({
          mutationId: r.mutation_id,
          command: r.command,
          summary,
          createdAt: r.created_at,
        });
      } else if (r.status === 'rejected') {
        out.rejected.push({
          mutationId: r.mutation_id,
          command: r.command,
          summary,
          code: r.code ?? 'REJECTED',
          reason: r.message ?? 'The server refused this change.',
          createdAt: r.created_at,
          answeredAt: r.answered_at,
        });
      }
      if (r.overwritten) {
        const lost = JSON.parse(r.overwritten) as { field: string; by: string }[];
        const t = tenant(targetId);
        for (const l of lost) {
          const hlc = parseHlc(l.by);
          out.overwritten.push({
            mutationId: r.mutation_id,
            command: r.command,
            tenantId: targetId,
            tenantName: t?.name ?? str(args.name) ?? null,
            field: FIELD_LABELS[l.field] ?? l.field.replace(/^module:/, 'module '),
            yourValue: yourValue(r.command, args, l.field),
            theirValue: theirValue(t, l.field, (id) => tenant(id)?.name ?? null),
            who: !hlc
              ? 'another desktop'
              : hlc.node === clientId
                ? 'this desktop (an earlier edit)'
                : `another desktop (${hlc.node.slice(0, 8)})`,
            when: hlc ? new Date(hlc.wallMs).toISOString() : null,
            answeredAt: r.answered_at,
          });
        }
      }
    }
    out.pending.reverse();
    return out;
  }
}

function parseArgs(json: string): Args {
  try {
    const v = JSON.parse(json) as unknown;
    return v && typeof v === 'object' ? (v as Args) : {};
  } catch {
    return {};
  }
}

const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);

function yourValue(command: string, args: Args, field: string): unknown {
  if (field === PARENT_FIELD) return args.newParentId ?? null;
  if (field === DISABLED_FIELD) return command === 'tenants.disable';
  if (field.startsWith('module')) return args.enabled ?? null;
  return args[field] ?? null;
}

function theirValue(t: Tenant | null, field: string, nameOf: (id: string) => string | null) {
  if (!t) return null;
  if (field === PARENT_FIELD) return t.parentId ? (nameOf(t.parentId) ?? t.parentId) : null;
  if (field === DISABLED_FIELD) return t.ownDisabled;
  const v = (t as unknown as Args)[field];
  return v === undefined ? null : v;
}

function summarize(command: string, args: Args, currentName: string | null): string {
  const name = `“${currentName ?? str(args.name) ?? str(args.id) ?? str(args.tenantId) ?? '?'}”`;
  switch (command) {
    case 'tenants.create':
      return `Create ${str(args.kind) ?? 'tenant'} “${str(args.name) ?? '?'}”`;
    case 'tenants.update': {
      const fields = Object.keys(args)
        .filter((k) => k !== 'id')
        .map((k) => FIELD_LABELS[k] ?? k);
      return `Edit ${name}${fields.length ? `: ${fields.join(', ')}` : ''}`;
    }
    case 'tenants.move':
      return `Move ${name}`;
    case 'tenants.delete':
      return `Delete ${name}`;
    case 'tenants.disable':
      return `Disable ${name}`;
    case 'tenants.enable':
      return `Enable ${name}`;
    case 'modules.set':
      return `${args.enabled ? 'Turn on' : 'Turn off'} module ${str(args.moduleId) ?? '?'} for ${name}`;
    case 'business.set':
      return `Business settings of ${name}`;
    case 'records.put': {
      const fields = args.fields && typeof args.fields === 'object' ? args.fields : {};
      const label = str((fields as Args).name) ?? str(args.id) ?? '?';
      return `Save ${str(args.kind) ?? 'record'} “${label}”: ${Object.keys(fields).join(', ')}`;
    }
    case 'records.delete':
      return `Delete ${str(args.kind) ?? 'record'} ${str(args.id) ?? '?'}`;
    default:
      return command;
  }
}

/** Login failures as messages a person can act on, attached to the field to fix. */
function connectError(err: unknown, serverUrl: string): AppError {
  const origin = (() => {
    try {
      return new URL(serverUrl).origin;
    } catch {
      return serverUrl;
    }
  })();
  if (err instanceof AppError) return err;
  if (err instanceof ServerUnreachableError) {
    const message = `No answer from ${origin}. Check the address and that the server is running (${err.message})`;
    return new AppError('OFFLINE', message, [{ field: 'serverUrl', message }]);
  }
  if (err instanceof ServerError) {
    if (err.status === 404) {
      const message = `${origin} answers, but it is not a VMS sync server (no login there).`;
      return new AppError('NOT_FOUND', message, [{ field: 'serverUrl', message }]);
    }
    if (err.status === 401 || err.status === 403) {
      return new AppError(err.body.code, err.body.message, [
        { field: 'password', message: err.body.message },
      ]);
    }
    return new AppError(err.body.code, err.body.message);
  }
  if (err instanceof ZodError || err instanceof SyntaxError) {
    const message = `${origin} answered, but not like a VMS sync server.`;
    return new AppError('VALIDATION', message, [{ field: 'serverUrl', message }]);
  }
  return new AppError(
    'INTERNAL',
    `Logging in failed: ${err instanceof Error ? err.message : String(err)}`,
  );
}
