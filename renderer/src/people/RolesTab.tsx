import { useCallback, useEffect, useState, type FormEvent } from 'react';
import { ROLE_TYPES, type Role, type RoleType, type User } from '../../../shared/people';
import type { ModuleState, Tenant } from '../../../shared/tenancy';
import type { Camera } from '../../../shared/cameras';
import { ApiError, call, errorMessage } from '../api';
import { Dialog, EmptyState, FormError, TextField } from '../components/ui';
import { useApp } from '../store';
import {
  RightsGrid,
  RoleTypeBadge,
  asApiError,
  grantsOf,
  grantsToInput,
  type Grants,
} from './forms';
import './people.css';

/** A customer's roles: who is in each, and its per-camera rights. */
export function RolesTab({ tenant }: { tenant: Tenant }) {
  const version = useApp((s) => s.dataVersion);
  const toast = useApp((s) => s.toast);
  const [roles, setRoles] = useState<Role[] | null>(null);
  const [editing, setEditing] = useState<Role | 'new' | null>(null);
  const load = useCallback(() => {
    call('roles.list', { tenantId: tenant.id }).then(setRoles, (e: unknown) =>
      toast('error', errorMessage(e)),
    );
  }, [tenant.id, toast]);
  useEffect(load, [load, version]);

  if (editing)
    return (
      <RoleEditor
        tenant={tenant}
        role={editing === 'new' ? null : editing}
        onDone={() => {
          setEditing(null);
          load();
        }}
      />
    );
  if (!roles) return <p className="muted">Loading…</p>;
  return (
    <div className="people">
      <div className="toolbar">
        <span className="muted">
          Admin roles open the Admin and Video portals; Guard roles the Video portal and mobile app
          only.
        </span>
        <span className="spacer" />
        <button
          type="button"
          className="button primary"
          onClick={() => setEditing('new')}
          data-testid="add-role"
        >
          + New role
        </button>
      </div>
      {roles.length === 0 ? (
        <EmptyState title="No roles yet" icon="⚿">
          A role groups users and says what they may do on which cameras (View, Share, PTZ,
          Update/Delete, Save clip).
        </EmptyState>
      ) : (
        <div className="role-cards">
          {roles.map((r) => (
            <button
              key={r.id}
              type="button"
              className="card role-card"
              onClick={() => setEditing(r)}
              data-testid="role-card"
            >
              <span className="role-card-title">
                <strong>{r.name}</strong> <RoleTypeBadge type={r.type} />
              </span>
              <span className="muted small">{r.description || 'No description'}</span>
              <span className="small">
                {r.users.length} {r.users.length === 1 ? 'user' : 'users'} · {r.cameras.length}{' '}
                {r.cameras.length === 1 ? 'camera' : 'cameras'}
              </span>
            </button>
          ))}
        </div>
      )}
    </div>
  );
}

export function useCustomerData(tenantId: string) {
  const version = useApp((s) => s.dataVersion);
  const [users, setUsers] = useState<User[]>([]);
  const [cameras, setCameras] = useState<Camera[]>([]);
  const [modules, setModules] = useState<ModuleState[]>([]);
  useEffect(() => {
    call('users.list', { tenantId }).then(setUsers, () => undefined);
    call('cameras.list', { customerId: tenantId }).then(setCameras, () => undefined);
    call('modules.get', { tenantId }).then(setModules, () => undefined);
  }, [tenantId, version]);
  return { users, cameras, modules };
}

function RoleEditor({
  tenant,
  role,
  onDone,
}: {
  tenant: Tenant;
  role: Role | null;
  onDone: () => void;
}) {
  const toast = useApp((s) => s.toast);
  const { users, cameras, modules } = useCustomerData(tenant.id);
  const [name, setName] = useState(role?.name ?? '');
  const [description, setDescription] = useState(role?.description ?? '');
  const [type, setType] = useState<RoleType>(role?.type ?? 'admin');
  const [userIds, setUserIds] = useState<string[]>(role?.users.map((u) => u.id) ?? []);
  const [grants, setGrants] = useState<Grants>(grantsOf(role));
  const [error, setError] = useState<ApiError | null>(null);
  const [confirmDelete, setConfirmDelete] = useState(false);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    try {
      const body = { name, description, type, userIds, cameras: grantsToInput(grants) };
      if (role) await call('roles.update', { id: role.id, ...body });
      else await call('roles.create', { tenantId: tenant.id, ...body });
      toast('success', `Role ${name.trim()} saved.`);
      onDone();
    } catch (err) {
      setError(asApiError(err));
    }
  };
  const cameraError = error?.fields.find((f) => f.field.startsWith('cameras'))?.message;
  return (
    <form className="people role-editor" onSubmit={submit} noValidate data-testid="role-editor">
      <button type="button" className="link back" onClick={onDone}>
        ← All roles
      </button>
      <div className="card">
        <div className="editor-head">
          <h2>{role ? `Role ${role.name}` : 'New role'}</h2>
          <div className="header-actions">
            {role && (
              <button
                type="button"
                className="button danger-outline"
                onClick={() => setConfirmDelete(true)}
              >
                Delete…
              </button>
            )}
            <button type="button" className="button" onClick={onDone}>
              Cancel
            </button>
            <button type="submit" className="button primary">
              {role ? 'Save role' : 'Create role'}
            </button>
          </div>
        </div>
        <FormError error={error} />
        <div className="form-row">
          <TextField
            label="Role name"
            required
            error={error?.fieldMessage('name')}
            value={name}
            onChange={setName}
            autoFocus
          />
          <TextField
            label="Description"
            error={error?.fieldMessage('description')}
            value={description}
            onChange={setDescription}
          />
        </div>
        <fieldset className="type-choice">
          <legend>Type</legend>
          {ROLE_TYPES.map((t) => (
            <label key={t.id} className={`type-option${type === t.id ? ' chosen' : ''}`}>
              <input
                type="radio"
                name="role-type"
                checked={type === t.id}
                onChange={() => setType(t.id)}
              />
              <span>
                <strong>{t.label}</strong>
                <span className="muted small"> {t.description}</span>
              </span>
            </label>
          ))}
        </fieldset>
      </div>
      <div className="role-columns">
        <section className="card">
          <h3>Users ({userIds.length})</h3>
          {users.length === 0 ? (
            <p className="muted">No users yet: add them in the Users tab.</p>
          ) : (
            <div className="check-list">
              {users.map((u) => (
                <label key={u.id} className="check">
                  <input
                    type="checkbox"
                    checked={userIds.includes(u.id)}
                    onChange={(e) =>
                      setUserIds(
                        e.target.checked ? [...userIds, u.id] : userIds.filter((x) => x !== u.id),
                      )
                    }
                  />
                  <span>
                    {u.name} <span className="muted small">{u.login}</span>
                  </span>
                </label>
              ))}
            </div>
          )}
          {error?.fieldMessage('userIds') && (
            <div className="field-error">{error.fieldMessage('userIds')}</div>
          )}
        </section>
        <section className="card">
          <h3>Cameras and rights</h3>
          {cameras.length === 0 ? (
            <p className="muted">
              {tenant.name} has no cameras yet. Cameras added in the Cameras tab appear here, to
              grant rights on.
            </p>
          ) : (
            <RightsGrid
              cameras={cameras}
              grants={grants}
              modules={modules}
              onChange={setGrants}
              error={cameraError}
            />
          )}
        </section>
      </div>
      {confirmDelete && role && (
        <DeleteRoleDialog
          role={role}
          onClose={() => setConfirmDelete(false)}
          onDeleted={() => {
            setConfirmDelete(false);
            onDone();
          }}
        />
      )}
    </form>
  );
}

function DeleteRoleDialog({
  role,
  onClose,
  onDeleted,
}: {
  role: Role;
  onClose: () => void;
  onDeleted: () => void;
}) {
  const toast = useApp((s) => s.toast);
  const remove = async () => {
    try {
      await call('roles.delete', { id: role.id, detachUsers: role.users.length > 0 });
      toast('success', `Role ${role.name} deleted.`);
      onDeleted();
    } catch (e) {
      toast('error', errorMessage(e));
    }
  };
  return (
    <Dialog
      title={`Delete role ${role.name}?`}
      onClose={onClose}
      testId="delete-role-dialog"
      footer={
        <>
          <button type="button" className="button" onClick={onClose}>
            Cancel
          </button>
          <button type="button" className="button danger" onClick={() => void remove()}>
            {role.users.length ? 'Detach and delete' : 'Delete'}
          </button>
        </>
      }
    >
      {role.users.length ? (
        <p>
          {role.name} is in use by <strong>{role.users.length}</strong>{' '}
          {role.users.length === 1 ? 'user' : 'users'} ({role.users.map((u) => u.name).join(', ')}).
          They will lose the rights it grants on {role.cameras.length} camera(s).
        </p>
      ) : (
        <p>No user is in {role.name}. Its camera rights are removed with it.</p>
      )}
    </Dialog>
  );
}
