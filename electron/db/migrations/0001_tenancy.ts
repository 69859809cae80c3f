/**
 * v1: the tenant tree and the rows that hang off it. `path` is the materialized path of ids
 * ('/root/<id>/…/<self>/'), so a subtree is one index range. `disabled_by` is the effective state:
 * the nearest disabled tenant at or above this one (NULL = active); `recording` on cameras is the
 * effective recording state, kept apart from the camera's own `enabled` switch.
 */
export const migration = {
  version: 1,
  name: 'tenancy',
  sql: `
CREATE TABLE tenants (
  id TEXT PRIMARY KEY,
  kind TEXT NOT NULL CHECK (kind IN ('root', 'integrator', 'customer')),
  parent_id TEXT REFERENCES tenants(id) ON DELETE CASCADE,
  path TEXT NOT NULL,
  depth INTEGER NOT NULL,
  name TEXT NOT NULL,
  name_key TEXT NOT NULL,
  contact_person TEXT NOT NULL DEFAULT '',
  email TEXT NOT NULL DEFAULT '',
  phone TEXT NOT NULL DEFAULT '',
  address TEXT NOT NULL DEFAULT '',
  time_zone TEXT NOT NULL DEFAULT 'UTC',
  notes TEXT NOT NULL DEFAULT '',
  own_disabled INTEGER NOT NULL DEFAULT 0,
  disabled_by TEXT,
  module_overrides TEXT NOT NULL DEFAULT '{}',
  business TEXT,
  camera_count INTEGER NOT NULL DEFAULT 0,
  user_count INTEGER NOT NULL DEFAULT 0,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  CHECK ((kind = 'root') = (parent_id IS NULL))
);
CREATE UNIQUE INDEX tenants_parent_name ON tenants(parent_id, name_key);
CREATE UNIQUE INDEX tenants_path ON tenants(path);
CREATE INDEX tenants_name ON tenants(name_key);
CREATE INDEX tenants_created ON tenants(created_at);
CREATE INDEX tenants_disabled_by ON tenants(disabled_by) WHERE disabled_by IS NOT NULL;

CREATE TABLE cameras (
  id TEXT PRIMARY KEY,
  customer_id TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  name TEXT NOT NULL,
  kind TEXT NOT NULL CHECK (kind IN ('onvif', 'rtsp', 'pnp')),
  address TEXT NOT NULL DEFAULT '',
  model TEXT NOT NULL DEFAULT '',
  enabled INTEGER NOT NULL DEFAULT 1,
  recording INTEGER NOT NULL DEFAULT 1,
  last_seen_at TEXT,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
);
CREATE INDEX cameras_customer ON cameras(customer_id, enabled);

CREATE TABLE users (
  id TEXT PRIMARY KEY,
  tenant_id TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  name TEXT NOT NULL,
  login TEXT NOT NULL,
  active INTEGER NOT NULL DEFAULT 1,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
);
CREATE UNIQUE INDEX users_login ON users(login);
CREATE INDEX users_tenant ON users(tenant_id);

CREATE TABLE roles (
  id TEXT PRIMARY KEY,
  tenant_id TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  name TEXT NOT NULL,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
);
CREATE INDEX roles_tenant ON roles(tenant_id);

CREATE TABLE alert_rules (
  id TEXT PRIMARY KEY,
  tenant_id TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  name TEXT NOT NULL,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
);
CREATE INDEX alert_rules_tenant ON alert_rules(tenant_id);

CREATE TABLE audit (
  id INTEGER PRIMARY KEY,
  at TEXT NOT NULL,
  actor TEXT NOT NULL,
  tenant_id TEXT,
  tenant_name TEXT NOT NULL DEFAULT '',
  operation TEXT NOT NULL,
  summary TEXT NOT NULL,
  before TEXT,
  after TEXT
);
CREATE INDEX audit_at ON audit(at);
CREATE INDEX audit_tenant_at ON audit(tenant_id, at);

-- Counters shown in the Customers list, kept exact by the database itself.
CREATE TRIGGER cameras_count_ins AFTER INSERT ON cameras BEGIN
  UPDATE tenants SET camera_count = camera_count + 1 WHERE id = NEW.customer_id;
END;
CREATE TRIGGER cameras_count_del AFTER DELETE ON cameras BEGIN
  UPDATE tenants SET camera_count = camera_count - 1 WHERE id = OLD.customer_id;
END;
CREATE TRIGGER users_count_ins AFTER INSERT ON users BEGIN
  UPDATE tenants SET user_count = user_count + 1 WHERE id = NEW.tenant_id;
END;
CREATE TRIGGER users_count_del AFTER DELETE ON users BEGIN
  UPDATE tenants SET user_count = user_count - 1 WHERE id = OLD.tenant_id;
END;
`,
};
