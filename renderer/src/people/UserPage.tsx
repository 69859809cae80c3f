import { useCallback, useEffect, useState, type FormEvent } from 'react';
import { MANAGER_TYPES, type PasswordReset, type Role, type User } from '../../../shared/people';
import type { Tenant } from '../../../shared/tenancy';
import { ApiError, call, errorMessage } from '../api';
import { Dialog, formatDateTime, FormError, TextField } from '../components/ui';
import { useApp } from '../store';
import { AccessPanel } from './AccessPanel';
import { RoleTypeBadge, UserForm, asApiError, userFormFrom } from './forms';
import { UserStatus, blockedSentence } from './UsersTab';

/** One user: details, actions (disable, owner, password, reset email) and the Access panel. */
export function UserPage({
  tenant,
  userId,
  onBack,
}: {
  tenant: Tenant;
  userId: string;
  onBack: () => void;
}) {
  const toast = useApp((s) => s.toast);
  const version = useApp((s) => s.dataVersion);
  const [user, setUser] = useState<User | null>(null);
  const [roles, setRoles] = useState<Role[]>([]);
  const [resets, setResets] = useState<PasswordReset[]>([]);
  const [dialog, setDialog] = useState<'edit' | 'password' | 'remove' | null>(null);
  const [error, setError] = useState<string | null>(null);
  const isCustomer = tenant.kind === 'customer';

  const load = useCallback(() => {
    call('users.get', { id: userId }).then(setUser, (e: unknown) => setError(errorMessage(e)));
    call('users.passwordResets', { id: userId }).then(setResets, () => undefined);
    if (isCustomer) call('roles.list', { tenantId: tenant.id }).then(setRoles, () => undefined);
  }, [userId, tenant.id, isCustomer]);
  useEffect(load, [load, version]);

  const act = async (fn: () => Promise<unknown>, done: string) => {
    try {
      await fn();
      toast('success', done);
      load();
    } catch (e) {
      toast('error', errorMessage(e));
    }
  };

  if (error)
    return (
      <div className="people">
        <button type="button" className="link" onClick={onBack}>
          ← All users
        </button>
        <div className="alert alert-error">{error}</div>
      </div>
    );
  if (!user) return <p className="muted">Loading…</p>;
  const blocked = blockedSentence(tenant);
  return (
    <div className="people user-page" data-testid="user-page">
      <button type="button" className="link back" onClick={onBack}>
        ← All users
      </button>
      <div className="card user-head">
        <div className="avatar" aria-hidden="true">
          {user.name
            .split(/\s+/)
            .map((w) => w.charAt(0))
            .slice(0, 2)
            .join('')
            .toUpperCase()}
        </div>
        <div className="user-title">
          <h2>
            {user.name} {user.isOwner && <span className="badge badge-owner">Owner</span>}{' '}
            <UserStatus user={user} />
          </h2>
          <div className="muted">
            <span className="mono">{user.login}</span>
            {user.phone && <> · {user.phone}</>}
            {!isCustomer && <> · {MANAGER_TYPES.find((m) => m.id === user.type)?.label}</>}
          </div>
          <div className="muted small">
            Created {formatDateTime(user.createdAt)} · modified {formatDateTime(user.updatedAt)} ·
            last login {user.lastLoginAt ? formatDateTime(user.lastLoginAt) : 'never'}
            {user.hasPassword ? ' · password set' : ' · no password yet'}
            {user.forcePasswordChange && ' · must change password at next login'}
          </div>
        </div>
        <div className="header-actions">
          <button type="button" className="button" onClick={() => setDialog('edit')}>
            Edit…
          </button>
          {user.active ? (
            <button
              type="button"
              className="button warn"
              data-testid="disable-user"
              onClick={() =>
                void act(
                  () => call('users.setActive', { id: user.id, active: false }),
                  `${user.name} is disabled.`,
                )
              }
            >
              Disable
            </button>
          ) : (
            <button
              type="button"
              className="button"
              data-testid="enable-user"
              disabled={user.blockedBy !== null}
              title={user.blockedBy ? (blocked ?? undefined) : undefined}
              onClick={() =>
                void act(
                  () => call('users.setActive', { id: user.id, active: true }),
                  `${user.name} is enabled.`,
                )
              }
            >
              Enable
            </button>
          )}
          {isCustomer && !user.isOwner && (
            <button
              type="button"
              className="button"
              onClick={() =>
                void act(
                  () => call('users.setOwner', { id: user.id }),
                  `${user.name} is now the owner.`,
                )
              }
            >
              Set as owner
            </button>
          )}
          <button type="button" className="button" onClick={() => setDialog('password')}>
            Set password…
          </button>
          <button
            type="button"
            className="button"
            onClick={() =>
              void act(
                () => call('users.sendPasswordReset', { id: user.id }),
                `Reset email to ${user.login} queued: it goes out when the mailer is set up.`,
              )
            }
          >
            Send reset email
          </button>
          {!user.isOwner && (
            <button
              type="button"
              className="button danger-outline"
              onClick={() => setDialog('remove')}
            >
              Remove…
            </button>
          )}
        </div>
      </div>
      {user.blockedBy && (
        <div className="alert alert-warn" data-testid="user-blocked">
          Blocked: {blocked} {user.name} cannot sign in and cannot be enabled until then.
        </div>
      )}
      {resets.some((r) => r.status === 'queued') && (
        <div className="alert alert-info small">
          {resets.filter((r) => r.status === 'queued').length} password-reset email(s) queued for{' '}
          {user.login}; they are delivered by the mailer (set up with alerts). Latest requested{' '}
          {formatDateTime(resets[0]?.requestedAt ?? '')}.
        </div>
      )}
      {isCustomer && (
        <section className="card">
          <h3>Roles</h3>
          {user.roles.length === 0 ? (
            <p className="muted">
              {user.name} is in no role, so has no rights on any camera. Add roles with Edit…, or in
              the Roles tab.
            </p>
          ) : (
            <div className="chips">
              {user.roles.map((r) => (
                <span key={r.id} className="chip-lg">
                  {r.name} <RoleTypeBadge type={r.type} />
                </span>
              ))}
            </div>
          )}
        </section>
      )}
      {isCustomer && <AccessPanel user={user} />}

      {dialog === 'edit' && (
        <Dialog
          title={`Edit ${user.name}`}
          onClose={() => setDialog(null)}
          wide
          testId="user-dialog"
        >
          <UserForm
            tenant={tenant}
            roles={roles}
            initial={userFormFrom(user)}
            isNew={false}
            submitLabel="Save changes"
            onCancel={() => setDialog(null)}
            onSubmit={async (v) => {
              await call('users.update', {
                id: user.id,
                name: v.name,
                login: v.login,
                phone: v.phone,
                forcePasswordChange: v.forcePasswordChange,
                ...(isCustomer ? { roleIds: v.roleIds } : { type: v.type }),
              });
              toast('success', 'Changes saved.');
              setDialog(null);
              load();
            }}
          />
        </Dialog>
      )}
      {dialog === 'password' && (
        <PasswordDialog
          user={user}
          onClose={() => {
            setDialog(null);
            load();
          }}
        />
      )}
      {dialog === 'remove' && (
        <Dialog
          title={`Remove ${user.name}?`}
          onClose={() => setDialog(null)}
          footer={
            <>
              <button type="button" className="button" onClick={() => setDialog(null)}>
                Cancel
              </button>
              <button
                type="button"
                className="button danger"
                onClick={() =>
                  void call('users.delete', { id: user.id }).then(
                    () => {
                      toast('success', `${user.name} removed.`);
                      onBack();
                    },
                    (e: unknown) => toast('error', errorMessage(e)),
                  )
                }
              >
                Remove
              </button>
            </>
          }
        >
          <p>
            {user.name} ({user.login}) loses access to {tenant.name} and leaves all roles. This
            cannot be undone; the audit log keeps a record.
          </p>
        </Dialog>
      )}
    </div>
  );
}

function PasswordDialog({ user, onClose }: { user: User; onClose: () => void }) {
  const toast = useApp((s) => s.toast);
  const [password, setPassword] = useState('');
  const [force, setForce] = useState(true);
  const [error, setError] = useState<ApiError | null>(null);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    try {
      await call('users.setPassword', { id: user.id, password, forcePasswordChange: force });
      toast('success', `New password set for ${user.name}.`);
      onClose();
    } catch (err) {
      setError(asApiError(err));
    }
  };
  return (
    <Dialog title={`Set a password for ${user.name}`} onClose={onClose} testId="password-dialog">
      <form className="form" onSubmit={submit} noValidate>
        <FormError error={error} />
        <p className="muted small">Set silently: no email is sent. Only a scrypt hash is stored.</p>
        <TextField
          label="New password"
          required
          error={error?.fieldMessage('password')}
          type="password"
          autoComplete="new-password"
          value={password}
          onChange={setPassword}
          autoFocus
        />
        <label className="check">
          <input type="checkbox" checked={force} onChange={(e) => setForce(e.target.checked)} />
          Force a password change at next login
        </label>
        <div className="form-actions">
          <button type="button" className="button" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" className="button primary">
            Set password
          </button>
        </div>
      </form>
    </Dialog>
  );
}
