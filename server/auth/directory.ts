/**
 * Customer users as server logins: the user records desktops sync (shared/sync/records.ts) are the
 * directory. Only customer users sign in this way (integrator managers sign in with server
 * accounts); a user's login is its `unique_key`, so the lookup is one index probe.
 */
import { describeReason, explainAccess, prepareCustomer } from '../../shared/user-access';
import type { ChainLink } from '../../shared/access';
import { userFieldsSchema } from '../../shared/sync/records';
import { AppError } from '../../shared/errors';
import type { SqlDb } from '../db/sql';
import { parseOverrides } from '../sync/store';
import type { DirectoryUser, UserDirectory } from './accounts';

interface UserRow {
  id: string;
  tenant_id: string;
  data: string;
  created_at: string;
}

function toDirectoryUser(r: UserRow | undefined): DirectoryUser | null {
  if (!r) return null;
  const parsed = userFieldsSchema.safeParse(JSON.parse(r.data));
  if (!parsed.success) return null;
  const u = parsed.data;
  if (u.type !== 'customer_user' || u.passwordHash === null) return null;
  return {
    id: r.id,
    name: u.name,
    email: u.login,
    tenantId: r.tenant_id,
    passwordHash: u.passwordHash,
    active: u.active,
    createdAt: r.created_at,
  };
}

export class RecordUserDirectory implements UserDirectory {
  constructor(private readonly db: SqlDb) {}

  async findByEmail(email: string): Promise<DirectoryUser | null> {
    return toDirectoryUser(
      await this.db.get<UserRow>(
        "SELECT id, tenant_id, data, created_at FROM records WHERE kind = 'user' AND unique_key = ?",
        [email.toLowerCase()],
      ),
    );
  }

  async findById(id: string): Promise<DirectoryUser | null> {
    return toDirectoryUser(
      await this.db.get<UserRow>(
        "SELECT id, tenant_id, data, created_at FROM records WHERE kind = 'user' AND id = ?",
        [id],
      ),
    );
  }
}

/**
 * Whether a customer user may sign in, decided by the shared access function (shared/user-access):
 * the user's own switch and the disabled state of the customer and every integrator above it.
 * Throws with the reasons a person can act on; module and role reasons do not block a sign-in.
 */
export async function assertUserMaySignIn(db: SqlDb, user: DirectoryUser): Promise<void> {
  const t = await db.get<{ path: string; disabled_by: string | null }>(
    'SELECT path, disabled_by FROM tenants WHERE id = ?',
    [user.tenantId],
  );
  if (!t)
    throw new AppError(
      'FORBIDDEN',
      'The customer this user belongs to was deleted. Ask your service provider.',
    );
  const ids = t.path.split('/').filter(Boolean);
  const rows = await db.all<{
    id: string;
    name: string;
    kind: ChainLink['kind'];
    module_overrides: string;
  }>(
    `SELECT id, name, kind, module_overrides FROM tenants WHERE id IN (${ids.map(() => '?').join(', ')})`,
    ids,
  );
  const byId = new Map(rows.map((r) => [r.id, r]));
  const chain: ChainLink[] = ids.flatMap((id) => {
    const r = byId.get(id);
    return r
      ? [{ id: r.id, name: r.name, kind: r.kind, overrides: parseOverrides(r.module_overrides) }]
      : [];
  });
  const decision = explainAccess({
    customer: prepareCustomer(chain, t.disabled_by),
    user: { id: user.id, name: user.name, active: user.active, customerId: user.tenantId },
    roles: [],
    action: 'use_video_portal',
  });
  const blocking = decision.reasons.filter(
    (r) => r.code === 'user_disabled' || r.code === 'tenant_disabled',
  );
  if (blocking.length === 0) return;
  const tenantOff = blocking.some((r) => r.code === 'tenant_disabled');
  const advice = tenantOff
    ? 'Its users cannot sign in: ask your service provider to enable it.'
    : 'Ask an administrator of your customer to enable your account.';
  throw new AppError(
    tenantOff ? 'TENANT_DISABLED' : 'USER_DISABLED',
    `${blocking.map(describeReason).join(' ')} ${advice}`,
  );
}
