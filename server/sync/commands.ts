/**
 * The tenant commands, re-run by the server with the same invariants as the desktop (unique names
 * under a parent, no cycles, nothing new under a disabled parent, the Disable/Enable cascade) and
 * the conflict rules of shared/sync/merge.ts. Each runs inside the mutation's transaction and logs
 * every tenant it touched at the mutation's sequence.
 */
import { AppError, fieldError } from '../../shared/errors';
import type { Command, CommandArgs } from '../../shared/sync/commands';
import {
  BUSINESS_FIELD,
  DISABLED_FIELD,
  PARENT_FIELD,
  mergeFields,
  moduleField,
  parseFieldClock,
  winsField,
  type FieldClock,
} from '../../shared/sync/merge';
import { belowNode, inSubtree } from '../../shared/sync/roles';
import type { SqlRunner } from '../db/sql';
import { TenantStore, nameKey, parseOverrides, type ServerTenant } from './store';
import { RecordStore, deleteRecord, putRecord } from './records';

export interface CommandContext {
  tx: SqlRunner;
  /** The tenant SQL to use (a push chunk's, over its cache); default: a plain one over `tx`. */
  store?: TenantStore;
  /** The account's node path: everything it may touch lies below it. */
  scopePath: string;
  seq: number;
  hlc: string;
  now: string;
}

export interface CommandOutcome {
  /** Fields this mutation lost to newer edits (per-field last-writer-wins). */
  lost: { field: string; by: string }[];
}

const DEFAULT_BUSINESS = {
  storagePricePerGbMonth: 0.05,
  trafficPricePerGb: 0.02,
  currency: 'USD',
  plans: [
    { id: 'basic', name: 'Basic (7-day archive)', price: 5, enabled: true },
    { id: 'standard', name: 'Standard (30-day archive)', price: 12, enabled: true },
    { id: 'premium', name: 'Premium (90-day archive)', price: 30, enabled: false },
  ],
};

const notFound = (id: string) =>
  new AppError(
    'NOT_FOUND',
    `No customer or integrator with id ${id} in your part of the tree (it may have been moved away).`,
  );

class Commands {
  private readonly store: TenantStore;
  constructor(private readonly ctx: CommandContext) {
    this.store = ctx.store ?? new TenantStore(ctx.tx);
  }

  /**
   * The target of a command, if the account may touch it. `strict`: strictly below the account's
   * node (an account does not move, delete or switch off its own node). A target outside the
   * subtree is reported exactly like a missing one: guessing ids tells nothing.
   */
  private async target(id: string, strict: boolean): Promise<ServerTenant> {
    const t = await this.store.get(id);
    const allowed = (path: string) =>
      strict ? belowNode(path, this.ctx.scopePath) : inSubtree(path, this.ctx.scopePath);
    if (t && allowed(t.path)) return t;
    if (!t) {
      const gone = await this.store.tombstone(id);
      if (gone && allowed(gone.path))
        throw new AppError(
          'DELETED',
          'This customer or integrator was deleted by someone else before your change reached the server; the change was dropped.',
        );
    }
    throw notFound(id);
  }

  private async assertUniqueName(parent: ServerTenant, name: string, self: string | null) {
    const other = await this.store.siblingWithName(parent.id, name);
    if (other && other !== self)
      throw fieldError(
        'name',
        `"${name.trim()}" already exists under ${parent.name}. Choose another name.`,
      );
  }

  private clockWith(clock: FieldClock): Partial<ServerTenant> {
    return { field_clock: JSON.stringify(clock), updated_at: this.ctx.now };
  }

  async create(a: CommandArgs<'tenants.create'>): Promise<CommandOutcome> {
    if (a.id === 'root' || (await this.store.get(a.id)) || (await this.store.tombstone(a.id)))
      throw new AppError(
        'CONFLICT',
        `The id ${a.id} is already in use; the tenant was not created.`,
      );
    const parent = await this.target(a.parentId, false).catch((err: unknown) => {
      if (err instanceof AppError && err.code === 'NOT_FOUND')
        throw fieldError(
          'parentId',
          'The chosen parent integrator no longer exists. Pick another one.',
        );
      throw err;
    });
    if (parent.kind === 'customer')
      throw fieldError(
        'parentId',
        `${parent.name} is a customer; customers and integrators are created under an integrator or the partner account.`,
      );
    if (parent.disabled_by)
      throw new AppError(
        'PARENT_DISABLED',
        `${parent.name} is disabled. Enable it before adding customers or integrators under it.`,
      );
    await this.assertUniqueName(parent, a.name, null);
    const clock: FieldClock = {};
    for (const f of ['name', 'contactPerson', 'email', 'phone', 'address', 'timeZone', 'notes'])
      clock[f] = this.ctx.hlc;
    clock[PARENT_FIELD] = this.ctx.hlc;
    const path = `${parent.path}${a.id}/`;
    await this.store.insert({
      id: a.id,
      kind: a.kind,
      parent_id: parent.id,
      path,
      depth: parent.depth + 1,
      name: a.name,
      name_key: nameKey(a.name),
      contact_person: a.contactPerson,
      email: a.email,
      phone: a.phone,
      address: a.address,
      time_zone: a.kind === 'customer' ? a.timeZone : parent.time_zone,
      notes: a.kind === 'customer' ? a.notes : '',
      own_disabled: 0,
      disabled_by: null,
      module_overrides: '{}',
      business: a.kind === 'integrator' ? JSON.stringify(DEFAULT_BUSINESS) : null,
      field_clock: JSON.stringify(clock),
      created_at: this.ctx.now,
      updated_at: this.ctx.now,
    });
    await this.store.logOne(this.ctx.seq, a.id, path);
    return { lost: [] };
  }

  async update(a: CommandArgs<'tenants.update'>): Promise<CommandOutcome> {
    const t = await this.target(a.id, false);
    if (t.kind !== 'customer' && (a.timeZone !== undefined || a.notes !== undefined))
      throw new AppError('VALIDATION', 'Time zone and notes belong to customers only.');
    const write = {
      name: a.name,
      contactPerson: a.contactPerson,
      email: a.email,
      phone: a.phone,
      address: a.address,
      timeZone: a.timeZone,
      notes: a.notes,
    };
    const merged = mergeFields(parseFieldClock(t.field_clock), this.ctx.hlc, write);
    const m = merged.apply;
    if (Object.keys(m).length === 0) return { lost: merged.lost };
    if (m.name !== undefined && nameKey(m.name) !== t.name_key && t.parent_id) {
      const parent = await this.store.get(t.parent_id);
      if (parent) await this.assertUniqueName(parent, m.name, t.id);
    }
    const fields: Partial<ServerTenant> = {
      ...(m.name !== undefined ? { name: m.name, name_key: nameKey(m.name) } : {}),
      ...(m.contactPerson !== undefined ? { contact_person: m.contactPerson } : {}),
      ...(m.email !== undefined ? { email: m.email } : {}),
      ...(m.phone !== undefined ? { phone: m.phone } : {}),
      ...(m.address !== undefined ? { address: m.address } : {}),
      ...(m.timeZone !== undefined ? { time_zone: m.timeZone } : {}),
      ...(m.notes !== undefined ? { notes: m.notes } : {}),
      field_clock: JSON.stringify(merged.clock),
      updated_at: this.ctx.now,
    };
    await this.store.update(t.id, fields);
    await this.store.logOne(this.ctx.seq, t.id, t.path);
    return { lost: merged.lost };
  }

  async move(a: CommandArgs<'tenants.move'>): Promise<CommandOutcome> {
    const t = await this.target(a.id, true);
    const clock = parseFieldClock(t.field_clock);
    if (!winsField(clock, PARENT_FIELD, this.ctx.hlc))
      return { lost: [{ field: PARENT_FIELD, by: clock[PARENT_FIELD] ?? '' }] };
    const target = await this.target(a.newParentId, false).catch((err: unknown) => {
      if (err instanceof AppError && err.code === 'NOT_FOUND')
        throw fieldError(
          'newParentId',
          'The chosen integrator no longer exists. Pick another one.',
        );
      throw err;
    });
    if (target.kind === 'customer')
      throw fieldError(
        'newParentId',
        `${target.name} is a customer: move under an integrator or the partner account.`,
      );
    if (target.path.startsWith(t.path))
      throw new AppError(
        'CYCLE',
        `${target.name} is inside ${t.name}'s own subtree: a tenant cannot be moved under itself or its descendants.`,
      );
    if (t.parent_id === target.id) return { lost: [] };
    await this.assertUniqueName(target, t.name, t.id);
    const newPath = `${target.path}${t.id}/`;
    await this.store.movePaths(t.path, newPath, target.depth + 1 - t.depth);
    await new RecordStore(this.ctx.tx).moveSubtree(this.ctx.seq, t.path, newPath);
    await this.store.update(t.id, {
      parent_id: target.id,
      field_clock: JSON.stringify({ ...clock, [PARENT_FIELD]: this.ctx.hlc }),
      updated_at: this.ctx.now,
    });
    await this.store.inheritState(newPath, target.own_disabled ? target.id : target.disabled_by);
    await this.store.logMovedSubtree(this.ctx.seq, newPath, t.path);
    return { lost: [] };
  }

  /** A delete beats any concurrent edit: no timestamp check, and a tombstone stays. */
  async delete(a: CommandArgs<'tenants.delete'>): Promise<CommandOutcome> {
    const gone = await this.store.tombstone(a.id);
    if (gone && belowNode(gone.path, this.ctx.scopePath)) return { lost: [] };
    const t = await this.target(a.id, true);
    await new RecordStore(this.ctx.tx).deleteSubtree(this.ctx.seq, t.path, this.ctx.now);
    await this.store.deleteSubtree(this.ctx.seq, t.path, this.ctx.now);
    return { lost: [] };
  }

  async disable(a: CommandArgs<'tenants.disable'>): Promise<CommandOutcome> {
    const t = await this.target(a.id, true);
    const clock = parseFieldClock(t.field_clock);
    if (!winsField(clock, DISABLED_FIELD, this.ctx.hlc))
      return { lost: [{ field: DISABLED_FIELD, by: clock[DISABLED_FIELD] ?? '' }] };
    await this.store.update(t.id, this.clockWith({ ...clock, [DISABLED_FIELD]: this.ctx.hlc }));
    if (t.own_disabled) return { lost: [] };
    await this.store.update(t.id, { own_disabled: 1 });
    await this.store.disableSubtree(t.id, t.path, t.disabled_by);
    await this.store.logSubtree(this.ctx.seq, t.path);
    return { lost: [] };
  }

  async enable(a: CommandArgs<'tenants.enable'>): Promise<CommandOutcome> {
    const t = await this.target(a.id, true);
    const clock = parseFieldClock(t.field_clock);
    if (!winsField(clock, DISABLED_FIELD, this.ctx.hlc))
      return { lost: [{ field: DISABLED_FIELD, by: clock[DISABLED_FIELD] ?? '' }] };
    if (!t.own_disabled) {
      if (t.disabled_by) {
        const by = await this.store.get(t.disabled_by);
        throw new AppError(
          'PARENT_DISABLED',
          `${t.name} is disabled because ${by?.name ?? 'an integrator above it'} is disabled. Enable that one instead.`,
        );
      }
      await this.store.update(t.id, this.clockWith({ ...clock, [DISABLED_FIELD]: this.ctx.hlc }));
      return { lost: [] };
    }
    const parent = t.parent_id ? await this.store.get(t.parent_id) : undefined;
    const outer = parent ? (parent.own_disabled ? parent.id : parent.disabled_by) : null;
    if (outer) {
      const by = await this.store.get(outer);
      throw new AppError(
        'PARENT_DISABLED',
        `${by?.name ?? 'An integrator above it'} is disabled too, so ${t.name} would stay disabled. Enable it first.`,
      );
    }
    await this.store.update(t.id, {
      own_disabled: 0,
      field_clock: JSON.stringify({ ...clock, [DISABLED_FIELD]: this.ctx.hlc }),
      updated_at: this.ctx.now,
    });
    await this.store.enableSubtree(t.id, t.path, null);
    await this.store.logSubtree(this.ctx.seq, t.path);
    if (a.mode === 'enable_all_cameras')
      await new RecordStore(this.ctx.tx).enableCameras(
        this.ctx.seq,
        t.path,
        this.ctx.hlc,
        this.ctx.now,
      );
    return { lost: [] };
  }

  async setModule(a: CommandArgs<'modules.set'>): Promise<CommandOutcome> {
    const t = await this.target(a.tenantId, true);
    const field = moduleField(a.moduleId);
    const clock = parseFieldClock(t.field_clock);
    if (!winsField(clock, field, this.ctx.hlc))
      return { lost: [{ field, by: clock[field] ?? '' }] };
    const overrides = parseOverrides(t.module_overrides);
    overrides[a.moduleId] = a.enabled;
    await this.store.update(t.id, {
      module_overrides: JSON.stringify(overrides),
      field_clock: JSON.stringify({ ...clock, [field]: this.ctx.hlc }),
      updated_at: this.ctx.now,
    });
    await this.store.logOne(this.ctx.seq, t.id, t.path);
    return { lost: [] };
  }

  async setBusiness(a: CommandArgs<'business.set'>): Promise<CommandOutcome> {
    const t = await this.target(a.tenantId, false);
    if (t.kind !== 'integrator')
      throw new AppError('VALIDATION', 'Business settings belong to integrators.');
    const ids = new Set<string>();
    a.settings.plans.forEach((p, i) => {
      if (ids.has(p.id)) throw fieldError(`plans.${i}.id`, `Two plans share the id ${p.id}.`);
      ids.add(p.id);
    });
    const clock = parseFieldClock(t.field_clock);
    if (!winsField(clock, BUSINESS_FIELD, this.ctx.hlc))
      return { lost: [{ field: BUSINESS_FIELD, by: clock[BUSINESS_FIELD] ?? '' }] };
    await this.store.update(t.id, {
      business: JSON.stringify(a.settings),
      field_clock: JSON.stringify({ ...clock, [BUSINESS_FIELD]: this.ctx.hlc }),
      updated_at: this.ctx.now,
    });
    await this.store.logOne(this.ctx.seq, t.id, t.path);
    return { lost: [] };
  }
}

/** Runs one command inside the mutation's transaction. Throws AppError to reject it. */
export function runCommand(ctx: CommandContext, c: Command): Promise<CommandOutcome> {
  const cmds = new Commands(ctx);
  switch (c.command) {
    case 'tenants.create':
      return cmds.create(c.args);
    case 'tenants.update':
      return cmds.update(c.args);
    case 'tenants.move':
      return cmds.move(c.args);
    case 'tenants.delete':
      return cmds.delete(c.args);
    case 'tenants.disable':
      return cmds.disable(c.args);
    case 'tenants.enable':
      return cmds.enable(c.args);
    case 'modules.set':
      return cmds.setModule(c.args);
    case 'business.set':
      return cmds.setBusiness(c.args);
    case 'records.put':
      return putRecord(ctx, c.args);
    case 'records.delete':
      return deleteRecord(ctx, c.args);
  }
}
