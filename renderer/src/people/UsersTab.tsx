import { useCallback, useEffect, useState } from 'react';
import { MANAGER_TYPES, type Role, type User } from '../../../shared/people';
import type { Tenant } from '../../../shared/tenancy';
import { tenantWords } from '../../../shared/user-access';
import { call, errorMessage } from '../api';
import { Dialog, EmptyState, formatDate, formatDateTime } from '../components/ui';
import { useApp } from '../store';
import { RoleTypeBadge, UserForm, emptyUserForm } from './forms';
import { UserPage } from './UserPage';
import './people.css';

type StatusFilter = 'all' | 'active' | 'disabled' | 'blocked';

/** The Users tab: a customer's users (or an integrator's managers), and each user's page. */
export function UsersTab({ tenant }: { tenant: Tenant }) {
  const [openId, setOpenId] = useState<string | null>(null);
  if (openId) return <UserPage tenant={tenant} userId={openId} onBack={() => setOpenId(null)} />;
  return <UserList tenant={tenant} onOpen={setOpenId} />;
}

export function UserStatus({ user }: { user: User }) {
  if (user.blockedBy)
    return (
      <span className="status-cell">
        <span className="badge badge-amber" data-testid="user-status">
          Blocked
        </span>
        <span className="muted small" data-testid="blocked-reason">
          {user.blockedBy.kind === 'customer'
            ? 'Customer disabled'
            : `${tenantWords(user.blockedBy)} disabled`}
        </span>
      </span>
    );
  return (
    <span
      className={`badge ${user.active ? 'badge-green' : 'badge-grey'}`}
      data-testid="user-status"
    >
      {user.active ? 'Active' : 'Disabled'}
    </span>
  );
}

export function blockedSentence(tenant: Tenant): string | null {
  if (tenant.status !== 'disabled') return null;
  return tenant.disabledBy
    ? `${tenant.name} is disabled through ${tenant.disabledBy.name}: its users are blocked until ${tenant.disabledBy.name} is enabled.`
    : `${tenant.name} is disabled: its users are blocked until it is enabled.`;
}

function UserList({ tenant, onOpen }: { tenant: Tenant; onOpen: (id: string) => void }) {
  const toast = useApp((s) => s.toast);
  const version = useApp((s) => s.dataVersion);
  const [users, setUsers] = useState<User[] | null>(null);
  const [roles, setRoles] = useState<Role[]>([]);
  const [search, setSearch] = useState('');
  const [status, setStatus] = useState<StatusFilter>('all');
  const [roleId, setRoleId] = useState('');
  const [adding, setAdding] = useState(false);
  const isCustomer = tenant.kind === 'customer';

  const load = useCallback(() => {
    call('users.list', { tenantId: tenant.id, search, status, ...(roleId ? { roleId } : {}) }).then(
      setUsers,
      (e: unknown) => toast('error', errorMessage(e)),
    );
  }, [tenant.id, search, status, roleId, toast]);
  useEffect(load, [load, version]);
  useEffect(() => {
    if (isCustomer) call('roles.list', { tenantId: tenant.id }).then(setRoles, () => undefined);
  }, [tenant.id, isCustomer, version]);

  const filtered = search !== '' || status !== 'all' || roleId !== '';
  const blocked = blockedSentence(tenant);
  return (
    <div className="people">
      {blocked && (
        <div className="alert alert-warn" data-testid="blocked-banner">
          {blocked}
        </div>
      )}
      <div className="toolbar">
        <input
          type="search"
          className="search"
          placeholder="Search name, login or phone"
          aria-label="Search users"
          value={search}
          onChange={(e) => setSearch(e.target.value)}
        />
        <select
          aria-label="Filter by status"
          value={status}
          onChange={(e) => setStatus(e.target.value as StatusFilter)}
        >
          <option value="all">All statuses</option>
          <option value="active">Active</option>
          <option value="disabled">Disabled</option>
          <option value="blocked">Blocked</option>
        </select>
        {isCustomer && (
          <select
            aria-label="Filter by role"
            value={roleId}
            onChange={(e) => setRoleId(e.target.value)}
          >
            <option value="">All roles</option>
            {roles.map((r) => (
              <option key={r.id} value={r.id}>
                {r.name}
              </option>
            ))}
          </select>
        )}
        <span className="spacer" />
        {users && (
          <span className="muted" data-testid="user-count">
            {users.length} {users.length === 1 ? 'user' : 'users'}
          </span>
        )}
        <button
          type="button"
          className="button primary"
          onClick={() => setAdding(true)}
          data-testid="add-user"
        >
          + Add {isCustomer ? 'user' : 'manager'}
        </button>
      </div>
      {!users ? (
        <p className="muted">Loading…</p>
      ) : users.length === 0 ? (
        filtered ? (
          <EmptyState title="No user matches" icon="⌕">
            Nothing matches these filters. Clear the search or choose another status.
          </EmptyState>
        ) : (
          <EmptyState
            title={isCustomer ? 'No users yet' : 'No managers yet'}
            icon="☺"
            action={
              <button type="button" className="button primary" onClick={() => setAdding(true)}>
                + Add the {isCustomer ? 'owner' : 'first manager'}
              </button>
            }
          >
            {isCustomer
              ? `Add ${tenant.name}'s users: the first one becomes the owner. Then create roles and assign cameras to them.`
              : `Integrator managers run ${tenant.name}'s account as Program or Billing administrators.`}
          </EmptyState>
        )
      ) : (
        <table className="simple-table users-table" data-testid="user-table">
          <thead>
            <tr>
              <th>Name</th>
              <th>Login</th>
              <th>Phone</th>
              <th>{isCustomer ? 'Roles' : 'Type'}</th>
              <th>Status</th>
              <th>Last login</th>
              <th>Created</th>
              <th>Modified</th>
            </tr>
          </thead>
          <tbody>
            {users.map((u) => (
              <tr
                key={u.id}
                className="clickable"
                tabIndex={0}
                data-testid="user-row"
                onClick={() => onOpen(u.id)}
                onKeyDown={(e) => {
                  if (e.key === 'Enter' || e.key === ' ') {
                    e.preventDefault();
                    onOpen(u.id);
                  }
                }}
              >
                <td>
                  <span className="row-name">{u.name}</span>{' '}
                  {u.isOwner && (
                    <span className="badge badge-owner" data-testid="owner-badge">
                      Owner
                    </span>
                  )}
                  {u.pendingResets > 0 && (
                    <span
                      className="badge badge-grey"
                      title="A password-reset email waits for the mailer"
                    >
                      Reset queued
                    </span>
                  )}
                </td>
                <td className="mono">{u.login}</td>
                <td className="muted nowrap">{u.phone || '—'}</td>
                <td>
                  {isCustomer ? (
                    u.roles.length ? (
                      <span className="chips">
                        {u.roles.map((r) => (
                          <span key={r.id} className={`chip role-${r.type}`}>
                            {r.name}
                          </span>
                        ))}
                      </span>
                    ) : (
                      <span className="muted">No role</span>
                    )
                  ) : (
                    (MANAGER_TYPES.find((m) => m.id === u.type)?.label ?? u.type)
                  )}
                </td>
                <td>
                  <UserStatus user={u} />
                </td>
                <td className="muted nowrap">
                  {u.lastLoginAt ? formatDateTime(u.lastLoginAt) : 'Never'}
                </td>
                <td className="muted nowrap">{formatDate(u.createdAt)}</td>
                <td className="muted nowrap">{formatDate(u.updatedAt)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {adding && (
        <Dialog
          title={isCustomer ? `Add a user to ${tenant.name}` : `Add a manager to ${tenant.name}`}
          onClose={() => setAdding(false)}
          wide
          testId="user-dialog"
        >
          <UserForm
            tenant={tenant}
            roles={roles}
            initial={emptyUserForm(tenant)}
            isNew
            ownerHint={isCustomer && users?.length === 0 && !filtered}
            submitLabel="Add user"
            onCancel={() => setAdding(false)}
            onSubmit={async (v) => {
              const u = await call('users.create', {
                tenantId: tenant.id,
                name: v.name,
                login: v.login,
                phone: v.phone,
                ...(isCustomer ? { roleIds: v.roleIds } : { type: v.type }),
                ...(v.password ? { password: v.password } : {}),
                forcePasswordChange: v.forcePasswordChange,
              });
              toast('success', `${u.name} added${u.isOwner ? ' as owner' : ''}.`);
              setAdding(false);
              load();
            }}
          />
        </Dialog>
      )}
    </div>
  );
}

export { RoleTypeBadge };
