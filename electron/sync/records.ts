/**
 * Users, roles and cameras as sync records (shared/sync/records.ts) on the desktop: reads a local
 * row as record fields (what the outbox sends), and writes the server's records into the local
 * tables (what a pull applies), with prepared statements only. Columns that are not synced stay as
 * they are: camera logins (sealed with this device's key), snapshots and check results, a user's
 * last login. A record whose tenant is not here (yet) is skipped; references to roles or cameras
 * that are not here are left out (a later change of the record brings them).
 */
import type { Db } from '../db/connection';
import type { CameraProfile, DeviceInfo } from '../../shared/cameras';
import type { CameraRecord } from '../cameras/repository';
import type { RoleRecord, UserRecord } from '../people/repository';
import { deviceInfoJson, profilesJson } from './camera-rows';
import {
  parseRecordFields,
  type CameraFields,
  type RecordFields,
  type RecordKind,
  type RoleFields,
  type SyncRecord,
  type UserFields,
} from '../../shared/sync/records';

const isUniqueError = (err: unknown) =>
  (err as { code?: unknown } | null)?.code === 'SQLITE_CONSTRAINT_UNIQUE';

interface WriteOptions {
  created: string;
  updated: string;
  /** Whether local rows holding a unique value step aside (server rows) or the write fails. */
  stepAside: boolean;
}

function parseJson<T>(text: string | null, fallback: T): T {
  if (text === null) return fallback;
  try {
    return JSON.parse(text) as T;
  } catch {
    return fallback;
  }
}

export interface LocalRecord<F extends RecordFields = RecordFields> {
  tenantId: string;
  fields: F;
}

/** The columns `read` selects, typed from the repositories' own row types. */
type UserRow = Pick<
  UserRecord,
  | 'tenant_id'
  | 'name'
  | 'login'
  | 'phone'
  | 'user_type'
  | 'active'
  | 'is_owner'
  | 'force_password_change'
  | 'password_hash'
> & { role_ids: string };

type RoleRow = Pick<RoleRecord, 'tenant_id' | 'name' | 'description' | 'type'> & {
  grants: string;
};

type CameraRow = Pick<
  CameraRecord,
  | 'customer_id'
  | 'name'
  | 'kind'
  | 'address'
  | 'model'
  | 'enabled'
  | 'xaddr'
  | 'endpoint_ref'
  | 'device_info'
  | 'mac'
  | 'profiles'
  | 'stream_uri'
  | 'recording_profile'
  | 'username'
  | 'pnp_cloud_id'
>;

/** Reads and writes the records of the local users, roles and cameras tables. */
export class LocalRecords {
  private readonly s;

  constructor(db: Db) {
    this.s = {
      tenantExists: db.prepare('SELECT 1 AS one FROM tenants WHERE id = ?'),
      user: db.prepare(
        `SELECT tenant_id, name, login, phone, user_type, active, is_owner, force_password_change, password_hash,
           (SELECT json_group_array(role_id) FROM role_users WHERE user_id = users.id) AS role_ids
         FROM users WHERE id = ?`,
      ),
      userTenant: db.prepare('SELECT tenant_id FROM users WHERE id = ?'),
      upsertUser: db.prepare(
        `INSERT INTO users (id, tenant_id, name, login, phone, user_type, active, is_owner, force_password_change,
           password_hash, created_at, updated_at)
         VALUES (@id, @tenant_id, @name, @login, @phone, @user_type, @active, @is_owner, @force_password_change,
           @password_hash, @created_at, @updated_at)
         ON CONFLICT(id) DO UPDATE SET name = excluded.name, login = excluded.login, phone = excluded.phone,
           user_type = excluded.user_type, active = excluded.active, is_owner = excluded.is_owner,
           force_password_change = excluded.force_password_change, password_hash = excluded.password_hash,
           updated_at = excluded.updated_at`,
      ),
      // A local user not (yet) on the server holds the login or the owner flag: it steps aside
      // (its own create is refused by the server, and the refresh then removes it).
      userLoginAside: db.prepare(
        "UPDATE users SET login = login || '#' || id WHERE login = ? AND id != ?",
      ),
      userOwnerAside: db.prepare(
        'UPDATE users SET is_owner = 0 WHERE tenant_id = ? AND is_owner = 1 AND id != ?',
      ),
      clearUserRoles: db.prepare('DELETE FROM role_users WHERE user_id = ?'),
      addUserRole: db.prepare(
        `INSERT OR IGNORE INTO role_users (role_id, user_id)
         SELECT id, @user FROM roles WHERE id = @role AND tenant_id = @tenant`,
      ),
      deleteUser: db.prepare('DELETE FROM users WHERE id = ?'),

      role: db.prepare(
        `SELECT tenant_id, name, description, type,
           (SELECT json_group_object(camera_id, rights) FROM role_cameras WHERE role_id = roles.id) AS grants
         FROM roles WHERE id = ?`,
      ),
      roleTenant: db.prepare('SELECT tenant_id FROM roles WHERE id = ?'),
      upsertRole: db.prepare(
        `INSERT INTO roles (id, tenant_id, name, description, type, created_at, updated_at)
         VALUES (@id, @tenant_id, @name, @description, @type, @created_at, @updated_at)
         ON CONFLICT(id) DO UPDATE SET name = excluded.name, description = excluded.description,
           type = excluded.type, updated_at = excluded.updated_at`,
      ),
      roleNameAside: db.prepare(
        "UPDATE roles SET name = name || ' #' || substr(id, 1, 8) WHERE tenant_id = ? AND lower(name) = lower(?) AND id != ?",
      ),
      clearGrants: db.prepare('DELETE FROM role_cameras WHERE role_id = ?'),
      addGrant: db.prepare(
        `INSERT OR IGNORE INTO role_cameras (role_id, camera_id, rights)
         SELECT @role, id, @rights FROM cameras WHERE id = @camera AND customer_id = @tenant`,
      ),
      deleteRole: db.prepare('DELETE FROM roles WHERE id = ?'),

      camera: db.prepare(
        `SELECT customer_id, name, kind, address, model, enabled, xaddr, endpoint_ref, device_info, mac,
           profiles, stream_uri, recording_profile, username, pnp_cloud_id
         FROM cameras WHERE id = ?`,
      ),
      cameraTenant: db.prepare('SELECT customer_id AS tenant_id FROM cameras WHERE id = ?'),
      upsertCamera: db.prepare(
        `INSERT INTO cameras (id, customer_id, name, kind, address, model, enabled, recording, created_at,
           updated_at, xaddr, endpoint_ref, device_info, mac, profiles, stream_uri, recording_profile,
           username, pnp_cloud_id)
         VALUES (@id, @customer_id, @name, @kind, @address, @model, @enabled,
           @enabled AND (SELECT disabled_by FROM tenants WHERE id = @customer_id) IS NULL,
           @created_at, @updated_at, @xaddr, @endpoint_ref, @device_info, @mac, @profiles, @stream_uri,
           @recording_profile, @username, @pnp_cloud_id)
         ON CONFLICT(id) DO UPDATE SET name = excluded.name, kind = excluded.kind,
           address = excluded.address, model = excluded.model, enabled = excluded.enabled,
           recording = excluded.recording, updated_at = excluded.updated_at, xaddr = excluded.xaddr,
           endpoint_ref = excluded.endpoint_ref, device_info = excluded.device_info, mac = excluded.mac,
           profiles = excluded.profiles, stream_uri = excluded.stream_uri,
           recording_profile = excluded.recording_profile, username = excluded.username,
           pnp_cloud_id = excluded.pnp_cloud_id`,
      ),
      cameraEndpointAside: db.prepare(
        'UPDATE cameras SET endpoint_ref = NULL WHERE endpoint_ref = ? AND id != ?',
      ),
      cameraPnpAside: db.prepare(
        'UPDATE cameras SET pnp_cloud_id = NULL WHERE pnp_cloud_id = ? AND id != ?',
      ),
      deleteCamera: db.prepare('DELETE FROM cameras WHERE id = ?'),
    };
  }

  /** A local row as record fields (what a `records.put` sends); undefined when it is not here. */
  read(kind: RecordKind, id: string): LocalRecord | undefined {
    switch (kind) {
      case 'user': {
        const r = this.s.user.get(id) as UserRow | undefined;
        if (!r) return undefined;
        const fields: UserFields = {
          name: r.name,
          login: r.login,
          phone: r.phone,
          type: r.user_type,
          active: r.active === 1,
          isOwner: r.is_owner === 1,
          forcePasswordChange: r.force_password_change === 1,
          passwordHash: r.password_hash,
          roleIds: (JSON.parse(r.role_ids) as string[]).sort(),
        };
        return { tenantId: r.tenant_id, fields };
      }
      case 'role': {
        const r = this.s.role.get(id) as RoleRow | undefined;
        if (!r) return undefined;
        const fields: RoleFields = {
          name: r.name,
          description: r.description,
          type: r.type,
          grants: parseJson<Record<string, number>>(r.grants, {}),
        };
        return { tenantId: r.tenant_id, fields };
      }
      case 'camera': {
        const r = this.s.camera.get(id) as CameraRow | undefined;
        if (!r) return undefined;
        const fields: CameraFields = {
          name: r.name,
          kind: r.kind,
          address: r.address,
          model: r.model,
          enabled: r.enabled === 1,
          xaddr: r.xaddr,
          endpointRef: r.endpoint_ref,
          deviceInfo: parseJson<DeviceInfo | null>(r.device_info, null),
          mac: r.mac,
          profiles: parseJson<CameraProfile[]>(r.profiles, []),
          streamUri: r.stream_uri,
          recordingProfile: r.recording_profile,
          username: r.username,
          pnpCloudId: r.pnp_cloud_id,
        };
        return { tenantId: r.customer_id, fields };
      }
    }
  }

  /** The tenant of a local record, or null when it is not here. */
  tenantOf(kind: RecordKind, id: string): string | null {
    const stmt =
      kind === 'user'
        ? this.s.userTenant
        : kind === 'role'
          ? this.s.roleTenant
          : this.s.cameraTenant;
    return (stmt.get(id) as { tenant_id: string } | undefined)?.tenant_id ?? null;
  }

  /** Writes a server record (inside the caller's transaction); false when its tenant is not here. */
  apply(r: SyncRecord): boolean {
    return this.write(r.kind, r.id, r.tenantId, r.data, r.createdAt, r.updatedAt);
  }

  /**
   * Re-applies a pending local put on top of the server's state (rebase): its fields over the
   * local row, or the whole record when the row is not here. It never makes a synced row step
   * aside (a login, an owner flag…): on such a conflict it throws, the row keeps the server's
   * state, and the server decides when the put arrives (its answer or refresh comes back).
   */
  applyPut(
    kind: RecordKind,
    id: string,
    tenantId: string,
    fields: Partial<RecordFields>,
    now: string,
  ): void {
    const local = this.read(kind, id);
    const data = parseRecordFields(kind, { ...(local?.fields ?? {}), ...fields });
    if (!data) return;
    this.write(kind, id, local?.tenantId ?? tenantId, data, now, now, false);
  }

  /** Removes a local record; answers its tenant (null when it was not here). */
  delete(kind: RecordKind, id: string): string | null {
    const tenantId = this.tenantOf(kind, id);
    if (tenantId === null) return null;
    const stmt =
      kind === 'user'
        ? this.s.deleteUser
        : kind === 'role'
          ? this.s.deleteRole
          : this.s.deleteCamera;
    stmt.run(id);
    return tenantId;
  }

  private write(
    kind: RecordKind,
    id: string,
    tenantId: string,
    data: RecordFields,
    createdAt: string,
    updatedAt: string,
    stepAside = true,
  ): boolean {
    if (!this.s.tenantExists.get(tenantId)) return false;
    const at = { created: createdAt, updated: updatedAt, stepAside };
    switch (kind) {
      case 'user':
        this.writeUser(id, tenantId, data as UserFields, at);
        return true;
      case 'role':
        this.writeRole(id, tenantId, data as RoleFields, at);
        return true;
      case 'camera':
        this.writeCamera(id, tenantId, data as CameraFields, at);
        return true;
    }
  }

  private writeUser(id: string, tenantId: string, u: UserFields, at: WriteOptions) {
    const row = {
      id,
      tenant_id: tenantId,
      name: u.name,
      login: u.login,
      phone: u.phone,
      user_type: u.type,
      active: u.active ? 1 : 0,
      is_owner: u.isOwner ? 1 : 0,
      force_password_change: u.forcePasswordChange ? 1 : 0,
      password_hash: u.passwordHash,
      created_at: at.created,
      updated_at: at.updated,
    };
    try {
      this.s.upsertUser.run(row);
    } catch (err) {
      if (!isUniqueError(err) || !at.stepAside) throw err;
      this.s.userLoginAside.run(u.login, id);
      if (u.isOwner) this.s.userOwnerAside.run(tenantId, id);
      this.s.upsertUser.run(row);
    }
    this.s.clearUserRoles.run(id);
    for (const role of u.roleIds) this.s.addUserRole.run({ user: id, role, tenant: tenantId });
  }

  private writeRole(id: string, tenantId: string, r: RoleFields, at: WriteOptions) {
    const row = {
      id,
      tenant_id: tenantId,
      name: r.name,
      description: r.description,
      type: r.type,
      created_at: at.created,
      updated_at: at.updated,
    };
    try {
      this.s.upsertRole.run(row);
    } catch (err) {
      if (!isUniqueError(err) || !at.stepAside) throw err;
      this.s.roleNameAside.run(tenantId, r.name, id);
      this.s.upsertRole.run(row);
    }
    this.s.clearGrants.run(id);
    for (const [camera, rights] of Object.entries(r.grants))
      this.s.addGrant.run({ role: id, camera, rights, tenant: tenantId });
  }

  private writeCamera(id: string, tenantId: string, c: CameraFields, at: WriteOptions) {
    const row = {
      id,
      customer_id: tenantId,
      name: c.name,
      kind: c.kind,
      address: c.address,
      model: c.model,
      enabled: c.enabled ? 1 : 0,
      created_at: at.created,
      updated_at: at.updated,
      xaddr: c.xaddr,
      endpoint_ref: c.endpointRef,
      device_info: c.deviceInfo === null ? null : deviceInfoJson(c.deviceInfo),
      mac: c.mac,
      profiles: profilesJson(c.profiles),
      stream_uri: c.streamUri,
      recording_profile: c.recordingProfile,
      username: c.username,
      pnp_cloud_id: c.pnpCloudId,
    };
    try {
      this.s.upsertCamera.run(row);
    } catch (err) {
      if (!isUniqueError(err) || !at.stepAside) throw err;
      if (c.endpointRef !== null) this.s.cameraEndpointAside.run(c.endpointRef, id);
      if (c.pnpCloudId !== null) this.s.cameraPnpAside.run(c.pnpCloudId, id);
      this.s.upsertCamera.run(row);
    }
  }
}
