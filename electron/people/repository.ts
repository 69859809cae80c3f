import type { Db } from '../db/connection';
import type { RoleType, UserType } from '../../shared/people';

/** A user row as stored (the password hash stays in the repository and the service). */
export interface UserRecord {
  id: string;
  tenant_id: string;
  name: string;
  login: string;
  phone: string;
  user_type: UserType;
  active: number;
  is_owner: number;
  force_password_change: number;
  password_hash: string | null;
  last_login_at: string | null;
  created_at: string;
  updated_at: string;
}

export interface RoleRecord {
  id: string;
  tenant_id: string;
  name: string;
  description: string;
  type: RoleType;
  created_at: string;
  updated_at: string;
}

export interface CameraRef {
  id: string;
  customer_id: string;
  name: string;
  enabled: number;
}

export interface UserRoleRow {
  user_id: string;
  id: string;
  name: string;
  type: RoleType;
}

/** One row of the point check: the user and camera repeat on every row of the user's roles. */
export interface AccessFactsRow {
  id: string;
  name: string;
  active: number;
  user_type: UserType;
  tenant_id: string;
  camera_id: string | null;
  camera_name: string | null;
  camera_customer: string | null;
  camera_enabled: number | null;
  role_id: string | null;
  role_name: string | null;
  role_type: RoleType | null;
  rights: number | null;
  /** total_changes() of this connection and PRAGMA data_version: the database version. */
  local: number;
  other: number;
}

export interface ResetRecord {
  id: number;
  user_id: string;
  email: string;
  status: 'queued' | 'sent' | 'failed';
  requested_at: string;
  expires_at: string;
}

export interface UserFilter {
  tenantId: string;
  search: string;
  active?: 0 | 1;
  roleId?: string;
}

/** SQL for users, roles, role membership, camera rights and the password-reset queue. */
export class PeopleRepository {
  private readonly s;

  constructor(readonly db: Db) {
    this.s = {
      user: db.prepare('SELECT * FROM users WHERE id = ?'),
      userByLogin: db.prepare('SELECT id, tenant_id FROM users WHERE login = ?'),
      owner: db.prepare('SELECT * FROM users WHERE tenant_id = ? AND is_owner = 1'),
      countUsers: db.prepare('SELECT COUNT(*) AS n FROM users WHERE tenant_id = ?'),
      insertUser: db.prepare(
        `INSERT INTO users (id, tenant_id, name, login, phone, user_type, active, is_owner, force_password_change,
           password_hash, created_at, updated_at)
         VALUES (@id, @tenant_id, @name, @login, @phone, @user_type, 1, @is_owner, @force_password_change,
           @password_hash, @created_at, @updated_at)`,
      ),
      deleteUser: db.prepare('DELETE FROM users WHERE id = ?'),
      rolesOfTenantUsers: db.prepare(
        `SELECT ru.user_id, r.id, r.name, r.type FROM role_users ru JOIN roles r ON r.id = ru.role_id
         WHERE r.tenant_id = ? ORDER BY r.name COLLATE NOCASE`,
      ),
      rolesOfUser: db.prepare(
        `SELECT ru.user_id, r.id, r.name, r.type FROM role_users ru JOIN roles r ON r.id = ru.role_id
         WHERE ru.user_id = ? ORDER BY r.name COLLATE NOCASE`,
      ),
      pendingResets: db.prepare(
        `SELECT user_id, COUNT(*) AS n FROM password_resets
         WHERE status = 'queued' AND user_id IN (SELECT id FROM users WHERE tenant_id = ?) GROUP BY user_id`,
      ),
      resetsOfUser: db.prepare(
        `SELECT id, user_id, email, status, requested_at, expires_at FROM password_resets
         WHERE user_id = ? ORDER BY id DESC LIMIT 20`,
      ),
      insertReset: db.prepare(
        `INSERT INTO password_resets (user_id, email, status, requested_at, expires_at)
         VALUES (?, ?, 'queued', ?, ?)`,
      ),
      role: db.prepare('SELECT * FROM roles WHERE id = ?'),
      roleByName: db.prepare('SELECT id FROM roles WHERE tenant_id = ? AND lower(name) = lower(?)'),
      rolesOfTenant: db.prepare(
        'SELECT * FROM roles WHERE tenant_id = ? ORDER BY name COLLATE NOCASE',
      ),
      insertRole: db.prepare(
        `INSERT INTO roles (id, tenant_id, name, description, type, created_at, updated_at)
         VALUES (@id, @tenant_id, @name, @description, @type, @created_at, @updated_at)`,
      ),
      deleteRole: db.prepare('DELETE FROM roles WHERE id = ?'),
      membersOfRole: db.prepare(
        `SELECT u.id, u.name, u.login FROM role_users ru JOIN users u ON u.id = ru.user_id
         WHERE ru.role_id = ? ORDER BY u.name COLLATE NOCASE`,
      ),
      membersOfTenantRoles: db.prepare(
        `SELECT ru.role_id, u.id, u.name, u.login FROM role_users ru JOIN users u ON u.id = ru.user_id
         JOIN roles r ON r.id = ru.role_id WHERE r.tenant_id = ? ORDER BY u.name COLLATE NOCASE`,
      ),
      camerasOfTenantRoles: db.prepare(
        `SELECT rc.role_id, rc.camera_id, rc.rights, c.name FROM role_cameras rc
         JOIN cameras c ON c.id = rc.camera_id JOIN roles r ON r.id = rc.role_id
         WHERE r.tenant_id = ? ORDER BY c.name COLLATE NOCASE`,
      ),
      addMember: db.prepare('INSERT OR IGNORE INTO role_users (role_id, user_id) VALUES (?, ?)'),
      clearMembersOfRole: db.prepare('DELETE FROM role_users WHERE role_id = ?'),
      clearRolesOfUser: db.prepare('DELETE FROM role_users WHERE user_id = ?'),
      addGrant: db.prepare(
        'INSERT INTO role_cameras (role_id, camera_id, rights) VALUES (?, ?, ?)',
      ),
      clearGrants: db.prepare('DELETE FROM role_cameras WHERE role_id = ?'),
      camera: db.prepare('SELECT id, customer_id, name, enabled FROM cameras WHERE id = ?'),
      camerasOf: db.prepare(
        'SELECT id, customer_id, name, enabled FROM cameras WHERE customer_id = ? ORDER BY name COLLATE NOCASE, id',
      ),
      countCameras: db.prepare('SELECT COUNT(*) AS n FROM cameras WHERE customer_id = ?'),
      countRoles: db.prepare('SELECT COUNT(*) AS n FROM roles WHERE tenant_id = ?'),
      countGrants: db.prepare(
        'SELECT COUNT(*) AS n FROM role_cameras WHERE role_id IN (SELECT id FROM roles WHERE tenant_id = ?)',
      ),
      // Access. The point check: the user, the camera, the user's roles with their rights on it, and
      // the database version the prepared customer is cached under; one row per role (at least one).
      // The unary + on the parameters is for speed: once ANALYZE has written sqlite_stat4, SQLite
      // re-plans a join on every new binding of a parameter it compares with an indexed column
      // (it estimates rows from the value), which costs more than the whole lookup; with +@x the
      // value plays no part in planning, and the plan (unique-index seeks) is made once.
      accessFacts: db.prepare(
        `SELECT u.id, u.name, u.active, u.user_type, u.tenant_id,
           c.id AS camera_id, c.name AS camera_name, c.customer_id AS camera_customer,
           c.enabled AS camera_enabled, r.id AS role_id, r.name AS role_name, r.type AS role_type,
           rc.rights, total_changes() AS local, (SELECT data_version FROM pragma_data_version) AS other
         FROM users u
         LEFT JOIN cameras c ON c.id = +@cameraId
         LEFT JOIN role_users ru ON ru.user_id = u.id
         LEFT JOIN roles r ON r.id = ru.role_id
         LEFT JOIN role_cameras rc ON rc.role_id = ru.role_id AND rc.camera_id = +@cameraId
         WHERE u.id = +@userId
         ORDER BY r.name COLLATE NOCASE`,
      ),
      grantsOfTenant: db.prepare(
        `SELECT rc.role_id, rc.camera_id, rc.rights FROM role_cameras rc
         WHERE rc.role_id IN (SELECT id FROM roles WHERE tenant_id = ?)`,
      ),
      grantsOfUser: db.prepare(
        `SELECT rc.role_id, rc.camera_id, rc.rights FROM role_users ru JOIN role_cameras rc ON rc.role_id = ru.role_id
         WHERE ru.user_id = ?`,
      ),
    };
  }

  user(id: string): UserRecord | undefined {
    return this.s.user.get(id) as UserRecord | undefined;
  }
  userByLogin(login: string): { id: string; tenant_id: string } | undefined {
    return this.s.userByLogin.get(login) as { id: string; tenant_id: string } | undefined;
  }
  owner(tenantId: string): UserRecord | undefined {
    return this.s.owner.get(tenantId) as UserRecord | undefined;
  }
  countUsers(tenantId: string): number {
    return (this.s.countUsers.get(tenantId) as { n: number }).n;
  }

  users(f: UserFilter): UserRecord[] {
    const where = ['u.tenant_id = @tenantId'];
    const params: Record<string, string | number> = { tenantId: f.tenantId };
    if (f.search) {
      where.push(
        "(u.name LIKE @q ESCAPE '\\' OR u.login LIKE @q ESCAPE '\\' OR u.phone LIKE @q ESCAPE '\\')",
      );
      params.q = `%${f.search.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    }
    if (f.active !== undefined) {
      where.push('u.active = @active');
      params.active = f.active;
    }
    if (f.roleId) {
      where.push(
        'EXISTS (SELECT 1 FROM role_users ru WHERE ru.user_id = u.id AND ru.role_id = @roleId)',
      );
      params.roleId = f.roleId;
    }
    return this.db
      .prepare(
        `SELECT u.* FROM users u WHERE ${where.join(' AND ')}
         ORDER BY u.is_owner DESC, u.name COLLATE NOCASE, u.id LIMIT 5000`,
      )
      .all(params) as UserRecord[];
  }

  insertUser(r: Omit<UserRecord, 'active' | 'last_login_at'>): void {
    this.s.insertUser.run(r);
  }

  updateUser(id: string, fields: Partial<UserRecord>): void {
    const keys = Object.keys(fields);
    if (keys.length === 0) return;
    this.db
      .prepare(`UPDATE users SET ${keys.map((k) => `${k} = @${k}`).join(', ')} WHERE id = @id`)
      .run({ ...fields, id });
  }

  deleteUser(id: string): void {
    this.s.deleteUser.run(id);
  }

  rolesOfTenantUsers(tenantId: string): UserRoleRow[] {
    return this.s.rolesOfTenantUsers.all(tenantId) as UserRoleRow[];
  }
  rolesOfUser(userId: string): UserRoleRow[] {
    return this.s.rolesOfUser.all(userId) as UserRoleRow[];
  }
  setRolesOfUser(userId: string, roleIds: readonly string[]): void {
    this.s.clearRolesOfUser.run(userId);
    for (const r of roleIds) this.s.addMember.run(r, userId);
  }

  pendingResets(tenantId: string): Map<string, number> {
    const rows = this.s.pendingResets.all(tenantId) as { user_id: string; n: number }[];
    return new Map(rows.map((r) => [r.user_id, r.n]));
  }
  resetsOfUser(userId: string): ResetRecord[] {
    return this.s.resetsOfUser.all(userId) as ResetRecord[];
  }
  queueReset(userId: string, email: string, at: string, expiresAt: string): number {
    return Number(this.s.insertReset.run(userId, email, at, expiresAt).lastInsertRowid);
  }

  role(id: string): RoleRecord | undefined {
    return this.s.role.get(id) as RoleRecord | undefined;
  }
  roleByName(tenantId: string, name: string): string | undefined {
    return (this.s.roleByName.get(tenantId, name) as { id: string } | undefined)?.id;
  }
  roles(tenantId: string): RoleRecord[] {
    return this.s.rolesOfTenant.all(tenantId) as RoleRecord[];
  }
  insertRole(r: RoleRecord): void {
    this.s.insertRole.run(r);
  }
  updateRole(id: string, fields: Partial<RoleRecord>): void {
    const keys = Object.keys(fields);
    if (keys.length === 0) return;
    this.db
      .prepare(`UPDATE roles SET ${keys.map((k) => `${k} = @${k}`).join(', ')} WHERE id = @id`)
      .run({ ...fields, id });
  }
  deleteRole(id: string): void {
    this.s.deleteRole.run(id);
  }
  membersOfRole(roleId: string): { id: string; name: string; login: string }[] {
    return this.s.membersOfRole.all(roleId) as { id: string; name: string; login: string }[];
  }
  membersOfTenantRoles(tenantId: string) {
    return this.s.membersOfTenantRoles.all(tenantId) as {
      role_id: string;
      id: string;
      name: string;
      login: string;
    }[];
  }
  camerasOfTenantRoles(tenantId: string) {
    return this.s.camerasOfTenantRoles.all(tenantId) as {
      role_id: string;
      camera_id: string;
      rights: number;
      name: string;
    }[];
  }
  setMembers(roleId: string, userIds: readonly string[]): void {
    this.s.clearMembersOfRole.run(roleId);
    for (const u of userIds) this.s.addMember.run(roleId, u);
  }
  setGrants(roleId: string, grants: readonly { cameraId: string; mask: number }[]): void {
    this.s.clearGrants.run(roleId);
    for (const g of grants) if (g.mask) this.s.addGrant.run(roleId, g.cameraId, g.mask);
  }

  camera(id: string): CameraRef | undefined {
    return this.s.camera.get(id) as CameraRef | undefined;
  }
  cameras(customerId: string): CameraRef[] {
    return this.s.camerasOf.all(customerId) as CameraRef[];
  }
  counts(tenantId: string) {
    const n = (stmt: { get: (id: string) => unknown }) => (stmt.get(tenantId) as { n: number }).n;
    return {
      users: n(this.s.countUsers),
      roles: n(this.s.countRoles),
      grants: n(this.s.countGrants),
      cameras: n(this.s.countCameras),
    };
  }

  accessFacts(userId: string, cameraId: string | null): AccessFactsRow[] {
    return this.s.accessFacts.all({ userId, cameraId }) as AccessFactsRow[];
  }
  grantsOfTenant(tenantId: string) {
    return this.s.grantsOfTenant.all(tenantId) as {
      role_id: string;
      camera_id: string;
      rights: number;
    }[];
  }
  grantsOfUser(userId: string) {
    return this.s.grantsOfUser.all(userId) as {
      role_id: string;
      camera_id: string;
      rights: number;
    }[];
  }
}
