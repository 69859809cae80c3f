import { newId } from '../../shared/ids';
import { effectiveModules, type ChainLink } from '../../shared/access';
import { AppError, fieldError } from '../../shared/errors';
import type { ModuleId, TenantKind } from '../../shared/modules';
import {
  ROOT_TENANT_ID,
  businessSettingsSchema,
  type BusinessSettings,
  type CreateTenant,
  type EnableMode,
  type Impact,
  type ListTenants,
  type ListTenantsResult,
  type ModuleState,
  type Statistics,
  type Tenant,
  type TenantRow,
  type UpdateTenant,
} from '../../shared/tenancy';
import type { ScopeNode } from '../../shared/contract';
import { AuditLog } from '../audit/audit';
import type { Db } from '../db/connection';
import {
  TenantRepository,
  nameKey,
  parseOverrides,
  subtreeRange,
  type NewTenantRecord,
  type TenantRecord,
} from './repository';
import { TenantLists } from './lists';
import type { CommandArgs, CommandName } from '../../shared/sync/commands';
import type { RecordChange } from '../../shared/sync/records';

export interface ServiceContext {
  db: Db;
  /** Who is acting, for the audit log. */
  actor: () => string;
  now: () => string;
  /** Notifies every window that tenants changed. */
  onTenantsChanged?: (ids: string[]) => void;
  /**
   * Called inside each mutating transaction with the command it ran (the sync outbox appends it
   * there, so a change and its outbox entry commit together). Not called for no-op changes.
   */
  recordMutation?: <C extends CommandName>(command: C, args: CommandArgs<C>) => void;
  /** The same for users, roles and cameras: which record changed (and which of its fields). */
  recordRecord?: (change: RecordChange) => void;
}

const KIND_LABEL: Record<TenantKind, string> = {
  root: 'partner',
  integrator: 'integrator',
  customer: 'customer',
};

export const DEFAULT_BUSINESS: BusinessSettings = {
  storagePricePerGbMonth: 0.05,
  trafficPricePerGb: 0.02,
  currency: 'USD',
  plans: [
    { id: 'basic', name: 'Basic (7-day archive)', price: 5, enabled: true },
    { id: 'standard', name: 'Standard (30-day archive)', price: 12, enabled: true },
    { id: 'premium', name: 'Premium (90-day archive)', price: 30, enabled: false },
  ],
};

/** A create that passed its checks: the row to insert, and the parent it goes under. */
interface NewTenant {
  input: CreateTenant;
  record: NewTenantRecord;
  parent: TenantRecord;
}

/** What createMany has accepted so far: checked parents, and `parentId/name_key` of its rows. */
interface CreateBatch {
  parents: Map<string, TenantRecord>;
  names: Set<string>;
}

/** What a tenant carries into the audit log's before/after. */
function auditView(t: TenantRecord) {
  return {
    name: t.name,
    parentId: t.parent_id,
    contactPerson: t.contact_person,
    email: t.email,
    phone: t.phone,
    address: t.address,
    timeZone: t.time_zone,
    notes: t.notes,
    disabled: t.own_disabled === 1,
  };
}

/**
 * The tenant tree: create, edit, move, delete, module access, Disable / Enable with its cascade.
 * Every mutation is one transaction that includes its audit entry: all or nothing.
 * Transactions start IMMEDIATE: a second app process on the same file then waits for the write
 * lock (busy_timeout) instead of failing with SQLITE_BUSY when a read turns into a write.
 */
export class TenancyService {
  readonly repo: TenantRepository;
  readonly audit: AuditLog;
  readonly lists: TenantLists;
  private readonly db: Db;

  constructor(private readonly ctx: ServiceContext) {
    this.db = ctx.db;
    this.repo = new TenantRepository(ctx.db);
    this.audit = new AuditLog(ctx.db);
    this.lists = new TenantLists(ctx.db);
    this.ensureRoot();
  }

  private ensureRoot(): void {
    if (this.repo.get(ROOT_TENANT_ID)) return;
    const now = this.ctx.now();
    this.repo.insert({
      id: ROOT_TENANT_ID,
      kind: 'root',
      parent_id: null,
      path: `/${ROOT_TENANT_ID}/`,
      depth: 0,
      name: 'My partner account',
      name_key: nameKey('My partner account'),
      contact_person: '',
      email: '',
      phone: '',
      address: '',
      time_zone: 'UTC',
      notes: '',
      own_disabled: 0,
      disabled_by: null,
      module_overrides: '{}',
      business: null,
      created_at: now,
      updated_at: now,
    });
  }

  private changed(ids: string[]): void {
    this.lists.invalidate();
    this.ctx.onTenantsChanged?.(ids);
  }

  require(id: string): TenantRecord {
    const t = this.repo.get(id);
    if (!t)
      throw new AppError(
        'NOT_FOUND',
        `No customer or integrator with id ${id} exists (it may have been deleted). Refresh the list.`,
      );
    return t;
  }

  private requireNotRoot(t: TenantRecord, what: string): void {
    if (t.kind === 'root')
      throw new AppError('VALIDATION', `The partner account itself cannot be ${what}.`);
  }

  /** Effective disabled-by of a tenant as seen by its children. */
  private effectiveDisabledBy(t: TenantRecord): string | null {
    return t.own_disabled ? t.id : t.disabled_by;
  }

  get(id: string): Tenant {
    return this.toTenant(this.require(id));
  }

  toTenant(t: TenantRecord): Tenant {
    const chain = this.repo.chain(t.path);
    const ancestors = chain
      .filter((c) => c.id !== t.id)
      .map((c) => ({ id: c.id, name: c.name, kind: c.kind }));
    let disabledBy: Tenant['disabledBy'] = null;
    if (t.disabled_by && t.disabled_by !== t.id) {
      const by = chain.find((c) => c.id === t.disabled_by);
      disabledBy = { id: t.disabled_by, name: by?.name ?? t.disabled_by };
    }
    return {
      id: t.id,
      kind: t.kind,
      parentId: t.parent_id,
      name: t.name,
      contactPerson: t.contact_person,
      email: t.email,
      phone: t.phone,
      address: t.address,
      timeZone: t.time_zone,
      notes: t.notes,
      status: t.disabled_by ? 'disabled' : 'active',
      ownDisabled: t.own_disabled === 1,
      disabledBy,
      ancestors,
      depth: t.depth,
      cameraCount: t.camera_count,
      userCount: t.user_count,
      createdAt: t.created_at,
      updatedAt: t.updated_at,
    };
  }

  list(query: ListTenants): ListTenantsResult {
    const scope = this.require(query.scopeId);
    return this.lists.list(scope.path, query);
  }

  scopes(): ScopeNode[] {
    return this.repo.scopes().map((s) => ({
      id: s.id,
      name: s.name,
      parentId: s.parent_id,
      kind: s.kind === 'root' ? 'root' : 'integrator',
      status: s.disabled_by ? 'disabled' : 'active',
    }));
  }

  private assertUniqueName(
    parentId: string,
    name: string,
    selfId: string | null,
    parentName: string,
  ): void {
    const other = this.repo.siblingWithName(parentId, name);
    if (other && other !== selfId) throw this.nameTaken(name, parentName);
  }

  private nameTaken(name: string, parentName: string): AppError {
    return fieldError(
      'name',
      `"${name.trim()}" already exists under ${parentName}. Choose another name.`,
    );
  }

  /** `id` is given when the sync replays a create made earlier on this desktop. */
  create(input: CreateTenant, id: string = newId()): Tenant {
    this.db
      .transaction(() => {
        const created = this.newTenant(input, id);
        this.repo.insert(created.record);
        this.recordCreate(created);
      })
      .immediate();
    this.changed([id]);
    return this.get(id);
  }

  /**
   * Creates many tenants in one transaction (an import): all of them or, on the first refusal, none.
   * The refusal names the entry (`entries.3.email`) so a person can fix the file. Every entry is
   * checked before the first row is written (each parent once, names against the database and the
   * rest of the batch); the rows then go in with a few multi-row statements (see
   * TenantRepository.insertMany).
   */
  createMany(inputs: readonly CreateTenant[]): string[] {
    const ids = inputs.map(() => newId());
    this.db
      .transaction(() => {
        const batch: CreateBatch = { parents: new Map(), names: new Set() };
        const created = inputs.map((input, i) => {
          try {
            return this.newTenant(input, ids[i] ?? newId(), batch);
          } catch (err) {
            if (!(err instanceof AppError)) throw err;
            const fields = (err.fields ?? []).map((f) => ({
              field: `entries.${i}.${f.field}`,
              message: f.message,
            }));
            throw new AppError(
              err.code,
              `Entry ${i + 1} (${input.name}): ${err.message} Nothing was imported.`,
              fields,
            );
          }
        });
        this.repo.insertMany(created.map((c) => c.record));
        for (const c of created) this.recordCreate(c);
      })
      .immediate();
    this.changed(ids);
    return ids;
  }

  /**
   * The row of a new tenant, after the checks: the parent exists, is not a customer and is not
   * disabled, and no sibling has the name. Within a batch each parent is checked once (creating
   * tenants changes nothing that is checked) and names are checked against the rows not yet written.
   */
  private newTenant(input: CreateTenant, id: string, batch?: CreateBatch): NewTenant {
    const parent = batch?.parents.get(input.parentId) ?? this.parentForCreate(input.parentId);
    batch?.parents.set(parent.id, parent);
    const key = nameKey(input.name);
    const siblingKey = `${parent.id}/${key}`;
    if (batch?.names.has(siblingKey)) throw this.nameTaken(input.name, parent.name);
    this.assertUniqueName(parent.id, input.name, null, parent.name);
    batch?.names.add(siblingKey);
    const now = this.ctx.now();
    const record: NewTenantRecord = {
      id,
      kind: input.kind,
      parent_id: parent.id,
      path: `${parent.path}${id}/`,
      depth: parent.depth + 1,
      name: input.name,
      name_key: key,
      contact_person: input.contactPerson,
      email: input.email,
      phone: input.phone,
      address: input.address,
      time_zone: input.kind === 'customer' ? input.timeZone : parent.time_zone,
      notes: input.kind === 'customer' ? input.notes : '',
      own_disabled: 0,
      disabled_by: null,
      module_overrides: '{}',
      business: input.kind === 'integrator' ? JSON.stringify(DEFAULT_BUSINESS) : null,
      created_at: now,
      updated_at: now,
    };
    return { input, record, parent };
  }

  private parentForCreate(parentId: string): TenantRecord {
    const parent = this.repo.get(parentId);
    if (!parent)
      throw fieldError(
        'parentId',
        'The chosen parent integrator no longer exists. Pick another one.',
      );
    if (parent.kind === 'customer') {
      throw fieldError(
        'parentId',
        `${parent.name} is a customer; customers and integrators are created under an integrator or the partner account.`,
      );
    }
    if (parent.disabled_by) {
      throw new AppError(
        'PARENT_DISABLED',
        `${parent.name} is disabled. Enable it before adding customers or integrators under it.`,
      );
    }
    return parent;
  }

  /** The audit entry and the sync command of a create, inside its transaction. */
  private recordCreate({ input, record, parent }: NewTenant): void {
    this.audit.write({
      actor: this.ctx.actor(),
      at: record.created_at,
      tenantId: record.id,
      tenantName: input.name,
      operation: 'tenant.create',
      summary: `Created ${KIND_LABEL[input.kind]} ${input.name} under ${parent.name}`,
      after: auditView({ ...record, camera_count: 0, user_count: 0 }),
    });
    this.ctx.recordMutation?.('tenants.create', { ...input, id: record.id });
  }

  update(input: UpdateTenant): Tenant {
    const run = this.db.transaction(() => {
      const t = this.require(input.id);
      if (t.kind !== 'customer' && (input.timeZone !== undefined || input.notes !== undefined)) {
        throw new AppError('VALIDATION', 'Time zone and notes belong to customers only.');
      }
      const fields: Partial<TenantRecord> = {};
      if (input.name !== undefined && input.name !== t.name) {
        if (t.parent_id) {
          const parent = this.require(t.parent_id);
          this.assertUniqueName(parent.id, input.name, t.id, parent.name);
        }
        fields.name = input.name;
        fields.name_key = nameKey(input.name);
      }
      const map = {
        contactPerson: 'contact_person',
        email: 'email',
        phone: 'phone',
        address: 'address',
        timeZone: 'time_zone',
        notes: 'notes',
      } as const;
      for (const [key, column] of Object.entries(map) as [
        keyof typeof map,
        (typeof map)[keyof typeof map],
      ][]) {
        const value = input[key];
        if (value !== undefined && value !== t[column]) fields[column] = value;
      }
      if (Object.keys(fields).length === 0) return;
      const now = this.ctx.now();
      fields.updated_at = now;
      this.repo.update(t.id, fields);
      const after = this.require(t.id);
      this.audit.write({
        actor: this.ctx.actor(),
        at: now,
        tenantId: t.id,
        tenantName: after.name,
        operation: 'tenant.update',
        summary: `Edited ${Object.keys(fields)
          .filter((k) => k !== 'updated_at' && k !== 'name_key')
          .join(', ')} of ${after.name}`,
        before: auditView(t),
        after: auditView(after),
      });
      // Only the fields that changed: per-field last-writer-wins must not re-stamp the others.
      const sent: UpdateTenant = {
        id: t.id,
        ...(fields.name !== undefined ? { name: fields.name } : {}),
      };
      for (const [key, column] of Object.entries(map) as [
        keyof typeof map,
        (typeof map)[keyof typeof map],
      ][])
        if (fields[column] !== undefined) sent[key] = fields[column];
      this.ctx.recordMutation?.('tenants.update', sent);
    });
    run.immediate();
    this.changed([input.id]);
    return this.get(input.id);
  }

  move(id: string, newParentId: string): Tenant {
    const run = this.db.transaction(() => {
      const t = this.require(id);
      this.requireNotRoot(t, 'moved');
      const target = this.repo.get(newParentId);
      if (!target)
        throw fieldError(
          'newParentId',
          'The chosen integrator no longer exists. Pick another one.',
        );
      if (target.kind === 'customer')
        throw fieldError(
          'newParentId',
          `${target.name} is a customer: move under an integrator or the partner account.`,
        );
      if (target.path.startsWith(t.path)) {
        throw new AppError(
          'CYCLE',
          `${target.name} is inside ${t.name}'s own subtree: a tenant cannot be moved under itself or its descendants.`,
        );
      }
      if (t.parent_id === target.id) return;
      this.assertUniqueName(target.id, t.name, t.id, target.name);
      const oldParent = t.parent_id ? this.require(t.parent_id) : undefined;
      const newPath = `${target.path}${t.id}/`;
      const { lo, hi } = subtreeRange(t.path);
      const now = this.ctx.now();
      this.db
        .prepare(
          `UPDATE tenants SET path = @newPath || substr(path, length(@oldPath) + 1), depth = depth + @delta
           WHERE path >= @lo AND path < @hi`,
        )
        .run({ newPath, oldPath: t.path, delta: target.depth + 1 - t.depth, lo, hi });
      this.repo.update(t.id, { parent_id: target.id, updated_at: now });
      // The moved subtree now inherits its new parent's state instead of the old one's.
      const moved = subtreeRange(newPath);
      this.db
        .prepare(
          `UPDATE tenants SET disabled_by = @outer
           WHERE path >= @lo AND path < @hi
             AND (disabled_by IS NULL OR disabled_by NOT IN (SELECT id FROM tenants WHERE path >= @lo AND path < @hi))`,
        )
        .run({ ...moved, outer: this.effectiveDisabledBy(target) });
      this.repo.recomputeRecording(newPath, now);
      this.audit.write({
        actor: this.ctx.actor(),
        at: now,
        tenantId: t.id,
        tenantName: t.name,
        operation: 'tenant.move',
        summary: `Moved ${t.name} from ${oldParent?.name ?? '?'} to ${target.name}`,
        before: { parentId: t.parent_id, parentName: oldParent?.name },
        after: { parentId: target.id, parentName: target.name },
      });
      this.ctx.recordMutation?.('tenants.move', { id, newParentId });
    });
    run.immediate();
    this.changed([id]);
    return this.get(id);
  }

  /** What a disable, enable or delete of this tenant touches. */
  impact(id: string): Impact {
    const t = this.require(id);
    const { lo, hi } = subtreeRange(t.path);
    const counts = this.db
      .prepare(
        `SELECT
           SUM(kind = 'customer') AS customers, SUM(kind = 'integrator') AS integrators,
           COALESCE(SUM(camera_count), 0) AS cameras, COALESCE(SUM(user_count), 0) AS users
         FROM tenants WHERE path >= @lo AND path < @hi`,
      )
      .get({ lo, hi }) as {
      customers: number | null;
      integrators: number | null;
      cameras: number;
      users: number;
    };
    const sub = `(SELECT id FROM tenants WHERE path >= @lo AND path < @hi)`;
    const one = (sql: string) => (this.db.prepare(sql).get({ lo, hi }) as { n: number }).n;
    const recording = one(
      `SELECT COUNT(*) AS n FROM cameras WHERE recording = 1 AND customer_id IN ${sub}`,
    );
    const activeUsers = one(
      `SELECT COUNT(*) AS n FROM users WHERE active = 1 AND tenant_id IN ${sub}`,
    );
    const roles = one(`SELECT COUNT(*) AS n FROM roles WHERE tenant_id IN ${sub}`);
    const alertRules = one(`SELECT COUNT(*) AS n FROM alert_rules WHERE tenant_id IN ${sub}`);
    const offCount = one(
      `SELECT COUNT(*) AS n FROM cameras WHERE enabled = 0 AND customer_id IN ${sub}`,
    );
    const off = this.db
      .prepare(
        `SELECT c.id, c.name, c.customer_id AS customerId, t.name AS customerName
         FROM cameras c JOIN tenants t ON t.id = c.customer_id
         WHERE c.enabled = 0 AND t.path >= @lo AND t.path < @hi ORDER BY t.name_key, c.name LIMIT 500`,
      )
      .all({ lo, hi }) as Impact['individuallyDisabledCameras'];
    const customers = counts.customers ?? 0;
    const integrators = counts.integrators ?? 0;
    return {
      tenants: customers + integrators - (t.kind === 'root' ? 0 : 1),
      customers: customers - (t.kind === 'customer' ? 1 : 0),
      integrators: integrators - (t.kind === 'integrator' ? 1 : 0),
      cameras: counts.cameras,
      recordingCameras: recording,
      users: counts.users,
      activeUsers,
      roles,
      alertRules,
      individuallyDisabledCameras: off,
      individuallyDisabledCameraCount: offCount,
    };
  }

  disable(id: string): Tenant {
    const run = this.db.transaction(() => {
      const t = this.require(id);
      this.requireNotRoot(t, 'disabled');
      if (t.own_disabled) return;
      const now = this.ctx.now();
      this.repo.update(t.id, { own_disabled: 1, updated_at: now });
      this.repo.disableSubtree(t.id, t.path, t.disabled_by);
      const stopped = this.repo.recomputeRecording(t.path, now);
      this.audit.write({
        actor: this.ctx.actor(),
        at: now,
        tenantId: t.id,
        tenantName: t.name,
        operation: 'tenant.disable',
        summary: `Disabled ${KIND_LABEL[t.kind]} ${t.name}: ${stopped} camera(s) stopped recording, its users are blocked`,
        before: { disabled: false },
        after: { disabled: true, camerasStopped: stopped },
      });
      this.ctx.recordMutation?.('tenants.disable', { id });
    });
    run.immediate();
    this.changed([id]);
    return this.get(id);
  }

  enable(id: string, mode: EnableMode): Tenant {
    const run = this.db.transaction(() => {
      const t = this.require(id);
      this.requireNotRoot(t, 'enabled');
      if (!t.own_disabled) {
        if (t.disabled_by) {
          const by = this.require(t.disabled_by);
          throw new AppError(
            'PARENT_DISABLED',
            `${t.name} is disabled because ${by.name} is disabled. Enable ${by.name} instead.`,
          );
        }
        return;
      }
      const parent = t.parent_id ? this.require(t.parent_id) : undefined;
      const outer = parent ? this.effectiveDisabledBy(parent) : null;
      if (outer) {
        const by = this.require(outer);
        throw new AppError(
          'PARENT_DISABLED',
          `${by.name} is disabled too, so ${t.name} would stay disabled. Enable ${by.name} first.`,
        );
      }
      const now = this.ctx.now();
      this.repo.update(t.id, { own_disabled: 0, updated_at: now });
      this.repo.enableSubtree(t.id, t.path, null);
      const switchedOn =
        mode === 'enable_all_cameras' ? this.repo.enableAllCameras(t.path, now) : 0;
      const started = this.repo.recomputeRecording(t.path, now);
      this.audit.write({
        actor: this.ctx.actor(),
        at: now,
        tenantId: t.id,
        tenantName: t.name,
        operation: 'tenant.enable',
        summary:
          mode === 'enable_all_cameras'
            ? `Enabled ${KIND_LABEL[t.kind]} ${t.name} and all its cameras (${switchedOn} were individually disabled): ${started} camera(s) recording again`
            : `Enabled ${KIND_LABEL[t.kind]} ${t.name}, keeping each camera's previous state: ${started} camera(s) recording again`,
        before: { disabled: true },
        after: {
          disabled: false,
          mode,
          camerasSwitchedOn: switchedOn,
          camerasRecordingAgain: started,
        },
      });
      this.ctx.recordMutation?.('tenants.enable', { id, mode });
    });
    run.immediate();
    this.changed([id]);
    return this.get(id);
  }

  delete(id: string, confirmName: string): void {
    const run = this.db.transaction(() => {
      const t = this.require(id);
      this.requireNotRoot(t, 'deleted');
      if (confirmName.trim() !== t.name) {
        throw fieldError(
          'confirmName',
          `Type the name exactly as shown (${t.name}) to confirm the deletion.`,
        );
      }
      const impact = this.impact(id);
      const now = this.ctx.now();
      // parent_id ON DELETE CASCADE removes the subtree; cameras, users, roles and rules follow theirs.
      this.db.prepare('DELETE FROM tenants WHERE id = ?').run(t.id);
      this.audit.write({
        actor: this.ctx.actor(),
        at: now,
        tenantId: t.id,
        tenantName: t.name,
        operation: 'tenant.delete',
        summary: `Deleted ${KIND_LABEL[t.kind]} ${t.name} with ${impact.tenants} sub-tenant(s), ${impact.users} user(s), ${impact.roles} role(s), ${impact.cameras} camera(s), ${impact.alertRules} alert rule(s)`,
        before: { ...auditView(t), impact: { ...impact, individuallyDisabledCameras: undefined } },
      });
      this.ctx.recordMutation?.('tenants.delete', { id });
    });
    run.immediate();
    this.changed([id]);
  }

  chainOf(t: TenantRecord): ChainLink[] {
    return this.repo.chain(t.path).map((c) => ({
      id: c.id,
      name: c.name,
      kind: c.kind,
      overrides: parseOverrides(c.module_overrides),
    }));
  }

  modules(tenantId: string): ModuleState[] {
    return effectiveModules(this.chainOf(this.require(tenantId)));
  }

  setModule(tenantId: string, moduleId: ModuleId, enabled: boolean): ModuleState[] {
    const run = this.db.transaction(() => {
      const t = this.require(tenantId);
      if (t.kind === 'root')
        throw new AppError('VALIDATION', "The partner account's modules are set by the platform.");
      const overrides = parseOverrides(t.module_overrides);
      const before = this.modules(tenantId).find((m) => m.id === moduleId);
      if (before?.own === enabled) return;
      overrides[moduleId] = enabled;
      const now = this.ctx.now();
      this.repo.update(t.id, { module_overrides: JSON.stringify(overrides), updated_at: now });
      this.audit.write({
        actor: this.ctx.actor(),
        at: now,
        tenantId: t.id,
        tenantName: t.name,
        operation: 'module.set',
        summary: `${enabled ? 'Switched on' : 'Switched off'} ${moduleId} for ${t.name}`,
        before: { [moduleId]: !enabled },
        after: { [moduleId]: enabled },
      });
      this.ctx.recordMutation?.('modules.set', { tenantId, moduleId, enabled });
    });
    run.immediate();
    this.changed([tenantId]);
    return this.modules(tenantId);
  }

  business(tenantId: string): BusinessSettings {
    const t = this.require(tenantId);
    if (t.kind !== 'integrator')
      throw new AppError('VALIDATION', 'Business settings belong to integrators.');
    return t.business ? businessSettingsSchema.parse(JSON.parse(t.business)) : DEFAULT_BUSINESS;
  }

  setBusiness(tenantId: string, settings: BusinessSettings): BusinessSettings {
    const ids = new Set<string>();
    settings.plans.forEach((p, i) => {
      if (ids.has(p.id)) throw fieldError(`plans.${i}.id`, `Two plans share the id ${p.id}.`);
      ids.add(p.id);
    });
    const run = this.db.transaction(() => {
      const before = this.business(tenantId);
      const t = this.require(tenantId);
      const now = this.ctx.now();
      this.repo.update(t.id, { business: JSON.stringify(settings), updated_at: now });
      this.audit.write({
        actor: this.ctx.actor(),
        at: now,
        tenantId: t.id,
        tenantName: t.name,
        operation: 'business.set',
        summary: `Changed prices and plans of ${t.name}`,
        before,
        after: settings,
      });
      this.ctx.recordMutation?.('business.set', { tenantId, settings });
    });
    run.immediate();
    return this.business(tenantId);
  }

  statistics(tenantId: string): Statistics {
    const t = this.require(tenantId);
    const { lo, hi } = subtreeRange(t.path);
    const totals = this.db
      .prepare(
        `SELECT COALESCE(SUM(kind = 'integrator'), 0) AS integrators, COALESCE(SUM(kind = 'customer'), 0) AS customers,
                COALESCE(SUM(camera_count), 0) AS cameras, COALESCE(SUM(user_count), 0) AS users
         FROM tenants WHERE path > @lo AND path < @hi`,
      )
      .get({ lo, hi }) as Omit<Statistics, 'byMonth'>;
    const since = new Date(this.ctx.now());
    since.setUTCDate(1);
    since.setUTCMonth(since.getUTCMonth() - 11);
    const from = since.toISOString().slice(0, 7);
    const customers = this.db
      .prepare(
        `SELECT substr(created_at, 1, 7) AS month, COUNT(*) AS n FROM tenants
         WHERE path > @lo AND path < @hi AND kind = 'customer' AND created_at >= @from GROUP BY month`,
      )
      .all({ lo, hi, from }) as { month: string; n: number }[];
    const cameras = this.db
      .prepare(
        `SELECT substr(c.created_at, 1, 7) AS month, COUNT(*) AS n FROM cameras c
         JOIN tenants t ON t.id = c.customer_id
         WHERE t.path >= @lo AND t.path < @hi AND c.created_at >= @from GROUP BY month`,
      )
      .all({ lo, hi, from }) as { month: string; n: number }[];
    const byMonth: Statistics['byMonth'] = [];
    for (let i = 0; i < 12; i++) {
      const d = new Date(since);
      d.setUTCMonth(since.getUTCMonth() + i);
      const month = d.toISOString().slice(0, 7);
      byMonth.push({
        month,
        customers: customers.find((r) => r.month === month)?.n ?? 0,
        cameras: cameras.find((r) => r.month === month)?.n ?? 0,
      });
    }
    return { ...totals, byMonth };
  }
}

export type { TenantRow };
