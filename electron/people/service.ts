import { newId } from '../../shared/ids';
import { AppError, fieldError } from '../../shared/errors';
import {
  MANAGER_TYPES,
  isCameraRight,
  PORTAL_ACTIONS,
  maskToRights,
  rightsToMask,
  type AccessAction,
  type CreateRole,
  type CreateUser,
  type ListUsers,
  type PasswordReset,
  type Role,
  type SetupStatus,
  type TenantRef,
  type UpdateRole,
  type UpdateUser,
  type User,
  type UserType,
} from '../../shared/people';
import {
  explainAccess,
  prepareCustomer,
  type AccessCamera,
  type AccessCustomer,
  type AccessDecision,
  type AccessRole,
  type AccessUser,
  type UserAccessMatrix,
  userAccessCells,
} from '../../shared/user-access';
import type { ServiceContext, TenancyService } from '../tenancy/service';
import type { TenantRecord } from '../tenancy/repository';
import { hashPassword } from './password';
import { PeopleRepository, type RoleRecord, type UserRecord } from './repository';
import type { RecordFieldName } from '../../shared/sync/records';

/** The synced field (shared/sync/records.ts) each user column is. */
const USER_SYNC_FIELD: Partial<Record<keyof UserRecord, RecordFieldName<'user'>>> = {
  name: 'name',
  login: 'login',
  phone: 'phone',
  user_type: 'type',
  force_password_change: 'forcePasswordChange',
};

const RESET_VALID_HOURS = 24;
const TYPE_WORD: Record<UserType, string> = {
  customer_user: 'user',
  program_admin: 'program administrator',
  billing_admin: 'billing administrator',
};

/** What a user carries into the audit log: never the password hash. */
function auditView(u: UserRecord, roles?: string[]) {
  return {
    name: u.name,
    login: u.login,
    phone: u.phone,
    type: u.user_type,
    active: u.active === 1,
    owner: u.is_owner === 1,
    forcePasswordChange: u.force_password_change === 1,
    ...(roles ? { roles } : {}),
  };
}

/**
 * Users (customer users and integrator managers), roles with their per-camera rights, the
 * password-reset queue, and effective access. Every mutation is one transaction with its audit entry.
 */
export class PeopleService {
  readonly repo: PeopleRepository;

  constructor(
    private readonly ctx: ServiceContext,
    private readonly tenancy: TenancyService,
  ) {
    this.repo = new PeopleRepository(ctx.db);
    this.dbVersion = ctx.db.prepare(
      'SELECT total_changes() AS local, (SELECT data_version FROM pragma_data_version) AS other',
    );
  }

  // ---- helpers -----------------------------------------------------------------------------

  private changed(tenantId: string): void {
    this.tenancy.lists.invalidate();
    this.ctx.onTenantsChanged?.([tenantId]);
  }

  private audit(
    t: TenantRecord,
    operation: string,
    summary: string,
    before?: unknown,
    after?: unknown,
  ) {
    this.tenancy.audit.write({
      actor: this.ctx.actor(),
      at: this.ctx.now(),
      tenantId: t.id,
      tenantName: t.name,
      operation,
      summary,
      ...(before === undefined ? {} : { before }),
      ...(after === undefined ? {} : { after }),
    });
  }

  private noSuchUser(id: string): AppError {
    return new AppError(
      'NOT_FOUND',
      `No user with id ${id} exists (it may have been deleted). Refresh the list.`,
    );
  }

  requireUser(id: string): UserRecord {
    const u = this.repo.user(id);
    if (!u) throw this.noSuchUser(id);
    return u;
  }

  requireRole(id: string): RoleRecord {
    const r = this.repo.role(id);
    if (!r)
      throw new AppError(
        'NOT_FOUND',
        `No role with id ${id} exists (it may have been deleted). Refresh the list.`,
      );
    return r;
  }

  private requireCustomer(id: string, what: string): TenantRecord {
    const t = this.tenancy.require(id);
    if (t.kind !== 'customer')
      throw new AppError(
        'VALIDATION',
        `${what} belong to customers; ${t.name} is ${t.kind === 'root' ? 'the partner account' : 'an integrator'}.`,
      );
    return t;
  }

  /** The nearest disabled tenant at or above `t`, as a reference with its kind. */
  private disabledAt(t: TenantRecord): TenantRef | null {
    if (!t.disabled_by) return null;
    const by = t.disabled_by === t.id ? t : this.tenancy.repo.get(t.disabled_by);
    return { id: t.disabled_by, name: by?.name ?? t.disabled_by, kind: by?.kind ?? 'integrator' };
  }

  private assertLoginFree(login: string, selfId: string | null): void {
    const other = this.repo.userByLogin(login);
    if (other && other.id !== selfId) {
      const t = this.tenancy.repo.get(other.tenant_id);
      throw fieldError(
        'login',
        `${login} is already the login of a user${t ? ` of ${t.name}` : ''}. Logins are unique across the installation.`,
      );
    }
  }

  private checkRoles(t: TenantRecord, roleIds: readonly string[]): string[] {
    const unique = [...new Set(roleIds)];
    for (const id of unique) {
      const r = this.repo.role(id);
      if (!r)
        throw fieldError('roleIds', `A chosen role no longer exists. Refresh and choose again.`);
      if (r.tenant_id !== t.id)
        throw fieldError(
          'roleIds',
          `Role ${r.name} belongs to another customer, not to ${t.name}.`,
        );
    }
    return unique;
  }

  private userType(t: TenantRecord, type: UserType | undefined): UserType {
    if (t.kind === 'customer') {
      if (type && type !== 'customer_user')
        throw fieldError(
          'type',
          `Program and billing administrators belong to integrators; ${t.name} is a customer.`,
        );
      return 'customer_user';
    }
    if (t.kind === 'integrator') {
      if (type === 'customer_user')
        throw fieldError(
          'type',
          `Users of integrator ${t.name} are managers: choose ${MANAGER_TYPES.map((m) => m.label).join(' or ')}.`,
        );
      return type ?? 'program_admin';
    }
    throw new AppError('VALIDATION', 'The partner account has no users here.');
  }

  private toUsers(t: TenantRecord, records: UserRecord[]): User[] {
    const roles = new Map<string, User['roles']>();
    for (const r of this.repo.rolesOfTenantUsers(t.id)) {
      const list = roles.get(r.user_id) ?? [];
      list.push({ id: r.id, name: r.name, type: r.type });
      roles.set(r.user_id, list);
    }
    const resets = this.repo.pendingResets(t.id);
    const blockedBy = this.disabledAt(t);
    return records.map((u) => ({
      id: u.id,
      tenantId: u.tenant_id,
      name: u.name,
      login: u.login,
      phone: u.phone,
      type: u.user_type,
      roles: roles.get(u.id) ?? [],
      active: u.active === 1,
      isOwner: u.is_owner === 1,
      forcePasswordChange: u.force_password_change === 1,
      hasPassword: u.password_hash !== null,
      available: u.active === 1 && blockedBy === null,
      blockedBy,
      pendingResets: resets.get(u.id) ?? 0,
      lastLoginAt: u.last_login_at,
      createdAt: u.created_at,
      updatedAt: u.updated_at,
    }));
  }

  // ---- users -------------------------------------------------------------------------------

  listUsers(q: ListUsers): User[] {
    const t = this.tenancy.require(q.tenantId);
    const blocked = t.disabled_by !== null;
    if (q.status === 'blocked' && !blocked) return [];
    if (q.status === 'active' && blocked) return [];
    const records = this.repo.users({
      tenantId: t.id,
      search: q.search,
      ...(q.status === 'active' ? { active: 1 as const } : {}),
      ...(q.status === 'disabled' ? { active: 0 as const } : {}),
      ...(q.roleId ? { roleId: q.roleId } : {}),
    });
    return this.toUsers(t, records);
  }

  getUser(id: string): User {
    const u = this.requireUser(id);
    const t = this.tenancy.require(u.tenant_id);
    const [user] = this.toUsers(t, [u]);
    if (!user) throw new Error('getUser: lost the user');
    return user;
  }

  async createUser(input: CreateUser): Promise<User> {
    // Hashing is slow on purpose: do it before the transaction, never inside it.
    const hash = input.password ? await hashPassword(input.password) : null;
    const id = newId();
    const login = input.login.toLowerCase();
    this.ctx.db.transaction(() => {
      const t = this.tenancy.require(input.tenantId);
      const type = this.userType(t, input.type);
      if (type !== 'customer_user' && input.roleIds.length)
        throw fieldError(
          'roleIds',
          'Integrator managers have no roles: roles belong to customers.',
        );
      this.assertLoginFree(login, null);
      const roleIds = this.checkRoles(t, input.roleIds);
      // The first user of a customer is its owner: every customer has exactly one.
      const isOwner = t.kind === 'customer' && !this.repo.owner(t.id);
      const now = this.ctx.now();
      const record = {
        id,
        tenant_id: t.id,
        name: input.name,
        login,
        phone: input.phone,
        user_type: type,
        is_owner: isOwner ? 1 : 0,
        force_password_change: input.forcePasswordChange ? 1 : 0,
        password_hash: hash,
        created_at: now,
        updated_at: now,
      };
      this.repo.insertUser(record);
      this.repo.setRolesOfUser(id, roleIds);
      this.ctx.recordRecord?.({ kind: 'user', id, fields: 'all' });
      const created = this.requireUser(id);
      this.audit(
        t,
        'user.create',
        `Added ${TYPE_WORD[type]} ${input.name} (${login})${isOwner ? ' as owner' : ''}${hash ? ', with a password' : ''}`,
        undefined,
        auditView(
          created,
          roleIds.map((r) => this.repo.role(r)?.name ?? r),
        ),
      );
    })();
    this.changed(input.tenantId);
    return this.getUser(id);
  }

  updateUser(input: UpdateUser): User {
    const u0 = this.requireUser(input.id);
    this.ctx.db.transaction(() => {
      const u = this.requireUser(input.id);
      const t = this.tenancy.require(u.tenant_id);
      const fields: Partial<UserRecord> = {};
      if (input.name !== undefined && input.name !== u.name) fields.name = input.name;
      if (input.login !== undefined && input.login.toLowerCase() !== u.login) {
        const login = input.login.toLowerCase();
        this.assertLoginFree(login, u.id);
        fields.login = login;
      }
      if (input.phone !== undefined && input.phone !== u.phone) fields.phone = input.phone;
      if (input.type !== undefined && input.type !== u.user_type)
        fields.user_type = this.userType(t, input.type);
      if (
        input.forcePasswordChange !== undefined &&
        input.forcePasswordChange !== (u.force_password_change === 1)
      )
        fields.force_password_change = input.forcePasswordChange ? 1 : 0;
      const beforeRoles = this.repo.rolesOfUser(u.id).map((r) => r.id);
      let rolesChanged = false;
      if (input.roleIds !== undefined) {
        if (u.user_type !== 'customer_user' && input.roleIds.length)
          throw fieldError(
            'roleIds',
            'Integrator managers have no roles: roles belong to customers.',
          );
        const next = this.checkRoles(t, input.roleIds);
        rolesChanged =
          next.length !== beforeRoles.length || next.some((r) => !beforeRoles.includes(r));
        if (rolesChanged) this.repo.setRolesOfUser(u.id, next);
      }
      if (Object.keys(fields).length === 0 && !rolesChanged) return;
      fields.updated_at = this.ctx.now();
      this.repo.updateUser(u.id, fields);
      this.ctx.recordRecord?.({
        kind: 'user',
        id: u.id,
        fields: [
          ...(Object.keys(fields) as (keyof UserRecord)[]).flatMap((k) => {
            const f = USER_SYNC_FIELD[k];
            return f ? [f] : [];
          }),
          ...(rolesChanged ? (['roleIds'] as const) : []),
        ],
      });
      const after = this.requireUser(u.id);
      const names = (ids: string[]) => ids.map((r) => this.repo.role(r)?.name ?? r);
      const afterRoles = this.repo.rolesOfUser(u.id).map((r) => r.id);
      this.audit(
        t,
        'user.update',
        `Edited ${[...Object.keys(fields).filter((k) => k !== 'updated_at'), ...(rolesChanged ? ['roles'] : [])].join(', ')} of ${after.name}`,
        auditView(u, names(beforeRoles)),
        auditView(after, names(afterRoles)),
      );
    })();
    this.changed(u0.tenant_id);
    return this.getUser(input.id);
  }

  setUserActive(id: string, active: boolean): User {
    const u0 = this.requireUser(id);
    this.ctx.db.transaction(() => {
      const u = this.requireUser(id);
      const t = this.tenancy.require(u.tenant_id);
      if (active) {
        const at = this.disabledAt(t);
        if (at)
          throw new AppError(
            'TENANT_DISABLED',
            at.id === t.id
              ? `${t.name} is disabled, so its users stay blocked. Enable ${t.name} before enabling ${u.name}.`
              : `${t.name} is disabled through ${at.kind} ${at.name}, so its users stay blocked. Enable ${at.name} first.`,
          );
      } else if (u.is_owner) {
        throw new AppError(
          'OWNER',
          `${u.name} is the owner of ${t.name} and cannot be disabled. Set another user as owner first.`,
        );
      }
      if ((u.active === 1) === active) return;
      this.repo.updateUser(u.id, { active: active ? 1 : 0, updated_at: this.ctx.now() });
      this.ctx.recordRecord?.({ kind: 'user', id: u.id, fields: ['active'] });
      this.audit(
        t,
        active ? 'user.enable' : 'user.disable',
        `${active ? 'Enabled' : 'Disabled'} ${TYPE_WORD[u.user_type]} ${u.name}`,
        { active: u.active === 1 },
        { active },
      );
    })();
    this.changed(u0.tenant_id);
    return this.getUser(id);
  }

  setOwner(id: string): User {
    const u0 = this.requireUser(id);
    this.ctx.db.transaction(() => {
      const u = this.requireUser(id);
      const t = this.requireCustomer(u.tenant_id, 'Owners');
      if (u.is_owner) return;
      if (!u.active)
        throw new AppError(
          'OWNER',
          `${u.name} is disabled. Enable ${u.name} before making them the owner.`,
        );
      const previous = this.repo.owner(t.id);
      const now = this.ctx.now();
      // Clear first: the partial unique index allows one owner per tenant at any moment.
      if (previous) this.repo.updateUser(previous.id, { is_owner: 0, updated_at: now });
      this.repo.updateUser(u.id, { is_owner: 1, updated_at: now });
      if (previous) this.ctx.recordRecord?.({ kind: 'user', id: previous.id, fields: ['isOwner'] });
      this.ctx.recordRecord?.({ kind: 'user', id: u.id, fields: ['isOwner'] });
      this.audit(
        t,
        'user.owner',
        `Made ${u.name} the owner of ${t.name}${previous ? ` instead of ${previous.name}` : ''}`,
        { owner: previous?.name ?? null },
        { owner: u.name },
      );
    })();
    this.changed(u0.tenant_id);
    return this.getUser(id);
  }

  deleteUser(id: string): void {
    const u0 = this.requireUser(id);
    this.ctx.db.transaction(() => {
      const u = this.requireUser(id);
      const t = this.tenancy.require(u.tenant_id);
      if (u.is_owner)
        throw new AppError(
          'OWNER',
          `${u.name} is the owner of ${t.name}: a customer always has one owner. Set another user as owner before removing ${u.name}.`,
        );
      const roles = this.repo.rolesOfUser(u.id).map((r) => r.name);
      this.repo.deleteUser(u.id);
      this.ctx.recordRecord?.({ kind: 'user', id: u.id, deleted: true });
      this.audit(
        t,
        'user.delete',
        `Removed ${TYPE_WORD[u.user_type]} ${u.name} (${u.login})`,
        auditView(u, roles),
      );
    })();
    this.changed(u0.tenant_id);
  }

  async setPassword(id: string, password: string, forceChange: boolean): Promise<User> {
    this.requireUser(id);
    const hash = await hashPassword(password);
    const u0 = this.requireUser(id);
    this.ctx.db.transaction(() => {
      const u = this.requireUser(id);
      const t = this.tenancy.require(u.tenant_id);
      this.repo.updateUser(u.id, {
        password_hash: hash,
        force_password_change: forceChange ? 1 : 0,
        updated_at: this.ctx.now(),
      });
      this.ctx.recordRecord?.({
        kind: 'user',
        id: u.id,
        fields: ['passwordHash', 'forcePasswordChange'],
      });
      // The audit entry records that it happened, never the password or its hash.
      this.audit(
        t,
        'user.password',
        `Set a new password for ${u.name}${forceChange ? ', to be changed at next login' : ''}`,
        undefined,
        { forcePasswordChange: forceChange },
      );
    })();
    this.changed(u0.tenant_id);
    return this.getUser(id);
  }

  /**
   * Queues a password-reset email. The mailer (alerts issue) delivers queued resets and creates
   * the one-time link at sending time, so no reset secret waits in the database.
   */
  requestPasswordReset(id: string): PasswordReset {
    let resetId = 0;
    const u0 = this.requireUser(id);
    this.ctx.db.transaction(() => {
      const u = this.requireUser(id);
      const t = this.tenancy.require(u.tenant_id);
      if (t.disabled_by)
        throw new AppError(
          'TENANT_DISABLED',
          `${t.name} is disabled: its users cannot sign in, so no reset email is sent.`,
        );
      if (!u.active)
        throw new AppError(
          'USER_DISABLED',
          `${u.name} is disabled. Enable the user before sending a reset email.`,
        );
      const now = this.ctx.now();
      const expires = new Date(
        new Date(now).getTime() + RESET_VALID_HOURS * 3_600_000,
      ).toISOString();
      resetId = this.repo.queueReset(u.id, u.login, now, expires);
      this.audit(
        t,
        'user.password_reset',
        `Queued a password-reset email to ${u.login}`,
        undefined,
        {
          email: u.login,
          expiresAt: expires,
        },
      );
    })();
    this.changed(u0.tenant_id);
    const r = this.passwordResets(id).find((x) => x.id === resetId);
    if (!r) throw new Error('requestPasswordReset: lost the queued reset');
    return r;
  }

  passwordResets(userId: string): PasswordReset[] {
    this.requireUser(userId);
    return this.repo.resetsOfUser(userId).map((r) => ({
      id: r.id,
      userId: r.user_id,
      email: r.email,
      status: r.status,
      requestedAt: r.requested_at,
      expiresAt: r.expires_at,
    }));
  }

  // ---- roles -------------------------------------------------------------------------------

  listRoles(tenantId: string): Role[] {
    const t = this.tenancy.require(tenantId);
    const members = new Map<string, Role['users']>();
    for (const m of this.repo.membersOfTenantRoles(t.id)) {
      const list = members.get(m.role_id) ?? [];
      list.push({ id: m.id, name: m.name, login: m.login });
      members.set(m.role_id, list);
    }
    const cameras = new Map<string, Role['cameras']>();
    for (const c of this.repo.camerasOfTenantRoles(t.id)) {
      const list = cameras.get(c.role_id) ?? [];
      list.push({ cameraId: c.camera_id, name: c.name, rights: maskToRights(c.rights) });
      cameras.set(c.role_id, list);
    }
    return this.repo.roles(t.id).map((r) => ({
      id: r.id,
      tenantId: r.tenant_id,
      name: r.name,
      description: r.description,
      type: r.type,
      users: members.get(r.id) ?? [],
      cameras: cameras.get(r.id) ?? [],
      createdAt: r.created_at,
      updatedAt: r.updated_at,
    }));
  }

  getRole(id: string): Role {
    const r = this.requireRole(id);
    const role = this.listRoles(r.tenant_id).find((x) => x.id === id);
    if (!role) throw new Error('getRole: lost the role');
    return role;
  }

  private checkRoleName(t: TenantRecord, name: string, selfId: string | null): void {
    const other = this.repo.roleByName(t.id, name);
    if (other && other !== selfId)
      throw fieldError('name', `${t.name} already has a role called ${name}. Choose another name.`);
  }

  private checkMembers(t: TenantRecord, userIds: readonly string[]): string[] {
    const unique = [...new Set(userIds)];
    for (const id of unique) {
      const u = this.repo.user(id);
      if (!u)
        throw fieldError('userIds', 'A chosen user no longer exists. Refresh and choose again.');
      if (u.tenant_id !== t.id)
        throw fieldError('userIds', `${u.name} is a user of another customer, not of ${t.name}.`);
    }
    return unique;
  }

  private checkGrants(t: TenantRecord, cameras: CreateRole['cameras']) {
    const seen = new Set<string>();
    return cameras.map((c, i) => {
      const field = `cameras.${i}.cameraId`;
      if (seen.has(c.cameraId))
        throw fieldError(field, 'The same camera is listed twice in this role.');
      seen.add(c.cameraId);
      const cam = this.repo.camera(c.cameraId);
      if (!cam)
        throw fieldError(field, 'A chosen camera no longer exists. Refresh and choose again.');
      if (cam.customer_id !== t.id) {
        const owner = this.tenancy.repo.get(cam.customer_id);
        throw fieldError(
          field,
          `Camera ${cam.name} belongs to ${owner?.name ?? 'another customer'}, not to ${t.name}: a role grants rights only on its own customer's cameras.`,
        );
      }
      return { cameraId: c.cameraId, name: cam.name, mask: rightsToMask(c.rights) };
    });
  }

  private roleAudit(roleId: string) {
    const r = this.getRole(roleId);
    return {
      name: r.name,
      description: r.description,
      type: r.type,
      users: r.users.map((u) => u.name),
      cameras: Object.fromEntries(r.cameras.map((c) => [c.name, c.rights])),
    };
  }

  createRole(input: CreateRole): Role {
    const id = newId();
    this.ctx.db.transaction(() => {
      const t = this.requireCustomer(input.tenantId, 'Roles');
      this.checkRoleName(t, input.name, null);
      const users = this.checkMembers(t, input.userIds);
      const grants = this.checkGrants(t, input.cameras);
      const now = this.ctx.now();
      this.repo.insertRole({
        id,
        tenant_id: t.id,
        name: input.name,
        description: input.description,
        type: input.type,
        created_at: now,
        updated_at: now,
      });
      this.repo.setMembers(id, users);
      this.repo.setGrants(id, grants);
      this.ctx.recordRecord?.({ kind: 'role', id, fields: 'all' });
      for (const u of users) this.ctx.recordRecord?.({ kind: 'user', id: u, fields: ['roleIds'] });
      this.audit(
        t,
        'role.create',
        `Created ${input.type} role ${input.name} with ${users.length} user(s) and ${grants.filter((g) => g.mask).length} camera(s)`,
        undefined,
        this.roleAudit(id),
      );
    })();
    this.changed(input.tenantId);
    return this.getRole(id);
  }

  updateRole(input: UpdateRole): Role {
    const r0 = this.requireRole(input.id);
    this.ctx.db.transaction(() => {
      const r = this.requireRole(input.id);
      const t = this.requireCustomer(r.tenant_id, 'Roles');
      const before = this.roleAudit(r.id);
      const fields: Partial<RoleRecord> = {};
      if (input.name !== undefined && input.name !== r.name) {
        this.checkRoleName(t, input.name, r.id);
        fields.name = input.name;
      }
      if (input.description !== undefined && input.description !== r.description)
        fields.description = input.description;
      if (input.type !== undefined && input.type !== r.type) fields.type = input.type;
      const membersBefore = new Set(this.repo.membersOfRole(r.id).map((m) => m.id));
      const membersAfter = new Set(membersBefore);
      if (input.userIds !== undefined) {
        const next = this.checkMembers(t, input.userIds);
        this.repo.setMembers(r.id, next);
        membersAfter.clear();
        for (const u of next) membersAfter.add(u);
      }
      if (input.cameras !== undefined)
        this.repo.setGrants(r.id, this.checkGrants(t, input.cameras));
      const after = this.roleAudit(r.id);
      const changed = Object.keys(after).filter(
        (k) =>
          JSON.stringify(before[k as keyof typeof before]) !==
            JSON.stringify(after[k as keyof typeof after]) || k in fields,
      );
      if (changed.length === 0) return;
      this.repo.updateRole(r.id, { ...fields, updated_at: this.ctx.now() });
      const roleFields = [
        ...(Object.keys(fields) as (keyof RoleRecord)[]).filter(
          (k): k is 'name' | 'description' | 'type' =>
            k === 'name' || k === 'description' || k === 'type',
        ),
        ...(changed.includes('cameras') ? (['grants'] as const) : []),
      ];
      if (roleFields.length)
        this.ctx.recordRecord?.({ kind: 'role', id: r.id, fields: roleFields });
      // Membership syncs on the users (their roleIds).
      for (const u of new Set([...membersBefore, ...membersAfter]))
        if (membersBefore.has(u) !== membersAfter.has(u))
          this.ctx.recordRecord?.({ kind: 'user', id: u, fields: ['roleIds'] });
      this.audit(
        t,
        'role.update',
        `Edited ${changed.join(', ')} of role ${fields.name ?? r.name}`,
        before,
        { ...after, ...fields },
      );
    })();
    this.changed(r0.tenant_id);
    return this.getRole(input.id);
  }

  deleteRole(id: string, detachUsers: boolean): void {
    const r0 = this.requireRole(id);
    this.ctx.db.transaction(() => {
      const r = this.requireRole(id);
      const t = this.tenancy.require(r.tenant_id);
      const members = this.repo.membersOfRole(r.id);
      if (members.length && !detachUsers) {
        const names = members
          .slice(0, 5)
          .map((m) => m.name)
          .join(', ');
        throw new AppError(
          'ROLE_IN_USE',
          `Role ${r.name} is assigned to ${members.length} user(s) (${names}${members.length > 5 ? ', …' : ''}). Confirm to take it away from them and delete it.`,
        );
      }
      const before = this.roleAudit(r.id);
      this.repo.deleteRole(r.id);
      this.ctx.recordRecord?.({ kind: 'role', id: r.id, deleted: true });
      for (const m of members)
        this.ctx.recordRecord?.({ kind: 'user', id: m.id, fields: ['roleIds'] });
      this.audit(
        t,
        'role.delete',
        `Deleted role ${r.name}${members.length ? `, detached from ${members.length} user(s)` : ''}`,
        before,
      );
    })();
    this.changed(r0.tenant_id);
  }

  // ---- setup wizard ------------------------------------------------------------------------

  setupStatus(customerId: string): SetupStatus {
    const t = this.requireCustomer(customerId, 'Setup steps');
    const c = this.repo.counts(t.id);
    const hasOwner = this.repo.owner(t.id) !== undefined;
    const steps: SetupStatus['steps'] = [
      { id: 'details', done: true, count: 1 },
      { id: 'users', done: hasOwner, count: c.users },
      { id: 'roles', done: c.roles > 0, count: c.roles },
      { id: 'cameras', done: c.grants > 0, count: c.grants },
    ];
    return {
      customerId: t.id,
      steps,
      next: steps.find((s) => !s.done)?.id ?? null,
      cameraCount: c.cameras,
    };
  }

  // ---- effective access --------------------------------------------------------------------

  /**
   * Prepared customers, valid while nothing in the database changed: the key holds this
   * connection's total_changes() and SQLite's data_version (which moves when another connection
   * commits), so a cached entry is never stale and a hit costs no more than reading those two.
   */
  private readonly prepared = new Map<string, AccessCustomer>();
  private preparedLocal = -1;
  private preparedOther = -1;
  private readonly dbVersion;

  private accessCustomer(t: TenantRecord): AccessCustomer {
    const v = this.dbVersion.get() as { local: number; other: number };
    return this.accessCustomerAt(v.local, v.other, t.id, t);
  }

  /** The prepared customer as of the given database version; `t` spares a read on a miss. */
  private accessCustomerAt(
    local: number,
    other: number,
    customerId: string,
    t?: TenantRecord,
  ): AccessCustomer {
    if (local !== this.preparedLocal || other !== this.preparedOther) {
      this.prepared.clear();
      this.preparedLocal = local;
      this.preparedOther = other;
    }
    let customer = this.prepared.get(customerId);
    if (!customer) {
      const record = t ?? this.tenancy.require(customerId);
      customer = prepareCustomer(this.tenancy.chainOf(record), record.disabled_by);
      if (this.prepared.size >= 1000) this.prepared.clear();
      this.prepared.set(customerId, customer);
    }
    return customer;
  }

  private notCustomerUser(u: Pick<UserRecord, 'name' | 'user_type' | 'tenant_id'>): AppError {
    const t = this.tenancy.require(u.tenant_id);
    return new AppError(
      'VALIDATION',
      `${u.name} is a ${TYPE_WORD[u.user_type]} of integrator ${t.name}: camera rights apply to customer users, through roles.`,
    );
  }

  private accessSubject(userId: string) {
    const u = this.requireUser(userId);
    if (u.user_type !== 'customer_user') throw this.notCustomerUser(u);
    const t = this.tenancy.require(u.tenant_id);
    const user: AccessUser = {
      id: u.id,
      name: u.name,
      active: u.active === 1,
      customerId: u.tenant_id,
    };
    return { u, t, user, customer: this.accessCustomer(t) };
  }

  private rolesWithGrants(userId: string): AccessRole[] {
    const grants = new Map<string, Map<string, number>>();
    for (const g of this.repo.grantsOfUser(userId)) {
      const m = grants.get(g.role_id) ?? new Map<string, number>();
      m.set(g.camera_id, g.rights);
      grants.set(g.role_id, m);
    }
    return this.repo.rolesOfUser(userId).map((r) => ({
      id: r.id,
      name: r.name,
      type: r.type,
      grants: grants.get(r.id) ?? new Map<string, number>(),
    }));
  }

  /**
   * Can the user do the action (on the camera)? With every reason when not. One statement reads
   * the user, the camera, the user's roles with their rights on it and the database version (the
   * prepared customer's cache key): this is the check every portal request makes.
   */
  explain(userId: string, action: AccessAction, cameraId?: string): AccessDecision {
    const rows = this.repo.accessFacts(userId, cameraId ?? null);
    const first = rows[0];
    if (!first) throw this.noSuchUser(userId);
    if (first.user_type !== 'customer_user') throw this.notCustomerUser(first);
    const customer = this.accessCustomerAt(first.local, first.other, first.tenant_id);
    const user: AccessUser = {
      id: first.id,
      name: first.name,
      active: first.active === 1,
      customerId: first.tenant_id,
    };
    const roles: AccessRole[] = [];
    const right = isCameraRight(action);
    for (const r of rows)
      if (r.role_id !== null && r.role_name !== null && r.role_type !== null)
        roles.push({
          id: r.role_id,
          name: r.role_name,
          type: r.role_type,
          grants: new Map(right && cameraId && r.rights ? [[cameraId, r.rights]] : []),
        });
    if (!right) return explainAccess({ customer, user, roles, action });
    if (!cameraId) throw fieldError('cameraId', 'Choose the camera this right is about.');
    if (first.camera_id === null || first.camera_name === null || first.camera_customer === null)
      throw fieldError('cameraId', `No camera with id ${cameraId} exists.`);
    const camera: AccessCamera = {
      id: first.camera_id,
      name: first.camera_name,
      customerId: first.camera_customer,
      enabled: first.camera_enabled === 1,
    };
    return explainAccess({ customer, user, roles, action, camera });
  }

  /** Every right on every camera of the user's customer as compact cells, plus the portals. */
  matrix(userId: string): UserAccessMatrix {
    const { u, t, user, customer } = this.accessSubject(userId);
    const roles = this.rolesWithGrants(userId);
    const cameras = this.repo.cameras(t.id).map((c) => ({
      id: c.id,
      name: c.name,
      customerId: c.customer_id,
      enabled: c.enabled === 1,
    }));
    const cells = userAccessCells(customer, user, roles, cameras);
    return {
      userId: u.id,
      userName: u.name,
      customerId: t.id,
      customerName: t.name,
      portals: PORTAL_ACTIONS.map((a) => explainAccess({ customer, user, roles, action: a.id })),
      cameras: cameras.map((c, i) => ({
        id: c.id,
        name: c.name,
        enabled: c.enabled,
        cells: cells[i] ?? [],
      })),
    };
  }

  /** Everything access needs for a whole customer, loaded in a few queries (matrices, benchmarks). */
  customerAccessFacts(customerId: string) {
    const t = this.requireCustomer(customerId, 'Access facts');
    const customer = this.accessCustomer(t);
    const grants = new Map<string, Map<string, number>>();
    for (const g of this.repo.grantsOfTenant(t.id)) {
      const m = grants.get(g.role_id) ?? new Map<string, number>();
      m.set(g.camera_id, g.rights);
      grants.set(g.role_id, m);
    }
    const rolesByUser = new Map<string, AccessRole[]>();
    for (const r of this.repo.rolesOfTenantUsers(t.id)) {
      const list = rolesByUser.get(r.user_id) ?? [];
      list.push({ id: r.id, name: r.name, type: r.type, grants: grants.get(r.id) ?? new Map() });
      rolesByUser.set(r.user_id, list);
    }
    const users = this.repo
      .users({ tenantId: t.id, search: '' })
      .filter((u) => u.user_type === 'customer_user')
      .map((u) => ({
        user: { id: u.id, name: u.name, active: u.active === 1, customerId: t.id },
        roles: rolesByUser.get(u.id) ?? [],
      }));
    const cameras = this.repo.cameras(t.id).map((c) => ({
      id: c.id,
      name: c.name,
      customerId: c.customer_id,
      enabled: c.enabled === 1,
    }));
    return { customer, users, cameras };
  }
}
