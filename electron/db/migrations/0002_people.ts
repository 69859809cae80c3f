/**
 * v2: users and roles in full. Users gain a phone, the owner flag (one owner per tenant, kept by a
 * partial unique index), the password hash (scrypt, never the password), "force a change at next
 * login", the last login and a type for integrator managers. Roles gain a description and a type;
 * role membership and per-camera rights (a bit mask, see shared/people.ts CAMERA_RIGHTS) get their
 * own tables. Triggers refuse a role that reaches into another tenant's users or cameras, whatever
 * code path writes them. Password-reset emails wait in a queue until the mailer delivers them.
 */
export const migration = {
  version: 2,
  name: 'people',
  sql: `
ALTER TABLE users ADD COLUMN phone TEXT NOT NULL DEFAULT '';
ALTER TABLE users ADD COLUMN user_type TEXT NOT NULL DEFAULT 'customer_user'
  CHECK (user_type IN ('customer_user', 'program_admin', 'billing_admin'));
ALTER TABLE users ADD COLUMN is_owner INTEGER NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN force_password_change INTEGER NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN password_hash TEXT;
ALTER TABLE users ADD COLUMN last_login_at TEXT;
CREATE UNIQUE INDEX users_one_owner ON users(tenant_id) WHERE is_owner = 1;

ALTER TABLE roles ADD COLUMN description TEXT NOT NULL DEFAULT '';
ALTER TABLE roles ADD COLUMN type TEXT NOT NULL DEFAULT 'admin' CHECK (type IN ('admin', 'guard'));
CREATE UNIQUE INDEX roles_tenant_name ON roles(tenant_id, lower(name));

CREATE TABLE role_users (
  role_id TEXT NOT NULL REFERENCES roles(id) ON DELETE CASCADE,
  user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  PRIMARY KEY (role_id, user_id)
) WITHOUT ROWID;
CREATE INDEX role_users_user ON role_users(user_id, role_id);

CREATE TABLE role_cameras (
  role_id TEXT NOT NULL REFERENCES roles(id) ON DELETE CASCADE,
  camera_id TEXT NOT NULL REFERENCES cameras(id) ON DELETE CASCADE,
  rights INTEGER NOT NULL CHECK (rights > 0 AND rights < 32),
  PRIMARY KEY (role_id, camera_id)
) WITHOUT ROWID;
CREATE INDEX role_cameras_camera ON role_cameras(camera_id);

CREATE TRIGGER role_users_same_tenant BEFORE INSERT ON role_users
WHEN (SELECT tenant_id FROM roles WHERE id = NEW.role_id) IS NOT (SELECT tenant_id FROM users WHERE id = NEW.user_id)
BEGIN
  SELECT RAISE(ABORT, 'role and user belong to different tenants');
END;
CREATE TRIGGER role_cameras_same_tenant BEFORE INSERT ON role_cameras
WHEN (SELECT tenant_id FROM roles WHERE id = NEW.role_id) IS NOT (SELECT customer_id FROM cameras WHERE id = NEW.camera_id)
BEGIN
  SELECT RAISE(ABORT, 'role and camera belong to different customers');
END;

CREATE TABLE password_resets (
  id INTEGER PRIMARY KEY,
  user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  email TEXT NOT NULL,
  status TEXT NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'sent', 'failed')),
  requested_at TEXT NOT NULL,
  expires_at TEXT NOT NULL,
  sent_at TEXT,
  error TEXT
);
CREATE INDEX password_resets_user ON password_resets(user_id, status);
CREATE INDEX password_resets_queue ON password_resets(status, requested_at);
`,
};
