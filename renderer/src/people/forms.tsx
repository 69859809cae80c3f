import { useState, type FormEvent } from 'react';
import {
  CAMERA_RIGHTS,
  MANAGER_TYPES,
  ROLE_TYPES,
  type CameraRight,
  type Role,
  type RoleType,
  type User,
  type UserType,
} from '../../../shared/people';
import type { ModuleState, Tenant } from '../../../shared/tenancy';
import { moduleInfo } from '../../../shared/modules';
import { tenantWords } from '../../../shared/user-access';
import { ApiError } from '../api';
import { Field } from '../components/ui';

export function asApiError(err: unknown): ApiError {
  return err instanceof ApiError ? err : new ApiError({ code: 'INTERNAL', message: String(err) });
}

export interface UserFormValues {
  name: string;
  login: string;
  phone: string;
  type: UserType;
  roleIds: string[];
  password: string;
  forcePasswordChange: boolean;
}

export const emptyUserForm = (tenant: Tenant): UserFormValues => ({
  name: '',
  login: '',
  phone: '',
  type: tenant.kind === 'integrator' ? 'program_admin' : 'customer_user',
  roleIds: [],
  password: '',
  forcePasswordChange: true,
});

export const userFormFrom = (u: User): UserFormValues => ({
  name: u.name,
  login: u.login,
  phone: u.phone,
  type: u.type,
  roleIds: u.roles.map((r) => r.id),
  password: '',
  forcePasswordChange: u.forcePasswordChange,
});

/** Add or edit a user. The core validates; each field shows its own message from the answer. */
export function UserForm(props: {
  tenant: Tenant;
  roles: Role[];
  initial: UserFormValues;
  isNew: boolean;
  submitLabel: string;
  ownerHint?: boolean;
  onSubmit: (v: UserFormValues) => Promise<void>;
  onCancel?: () => void;
}) {
  const [v, setV] = useState(props.initial);
  const [error, setError] = useState<ApiError | null>(null);
  const [busy, setBusy] = useState(false);
  const set = <K extends keyof UserFormValues>(k: K, value: UserFormValues[K]) =>
    setV((old) => ({ ...old, [k]: value }));
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    try {
      await props.onSubmit(v);
      setError(null);
    } catch (err) {
      setError(asApiError(err));
    } finally {
      setBusy(false);
    }
  };
  const isCustomer = props.tenant.kind === 'customer';
  return (
    <form className="form" onSubmit={submit} noValidate data-testid="user-form">
      {error && (error.fields.length === 0 || error.code !== 'VALIDATION') && (
        <div className="alert alert-error" role="alert">
          {error.message}
        </div>
      )}
      {props.ownerHint && (
        <div className="alert alert-info">
          The first user becomes the <strong>owner</strong> of {props.tenant.name}.
        </div>
      )}
      <div className="form-row">
        <Field label="Name" required error={error?.fieldMessage('name')}>
          {(id, d) => (
            <input
              id={id}
              aria-describedby={d}
              value={v.name}
              onChange={(e) => set('name', e.target.value)}
              autoFocus
            />
          )}
        </Field>
        <Field label="Login (email)" required error={error?.fieldMessage('login')}>
          {(id, d) => (
            <input
              id={id}
              type="email"
              aria-describedby={d}
              value={v.login}
              onChange={(e) => set('login', e.target.value)}
              autoComplete="off"
            />
          )}
        </Field>
      </div>
      <div className="form-row">
        <Field label="Phone" error={error?.fieldMessage('phone')}>
          {(id, d) => (
            <input
              id={id}
              aria-describedby={d}
              value={v.phone}
              onChange={(e) => set('phone', e.target.value)}
            />
          )}
        </Field>
        {isCustomer ? (
          <span />
        ) : (
          <Field label="Manager type" error={error?.fieldMessage('type')}>
            {(id, d) => (
              <select
                id={id}
                aria-describedby={d}
                value={v.type}
                onChange={(e) => set('type', e.target.value as UserType)}
              >
                {MANAGER_TYPES.map((m) => (
                  <option key={m.id} value={m.id}>
                    {m.label}
                  </option>
                ))}
              </select>
            )}
          </Field>
        )}
      </div>
      {isCustomer && (
        <fieldset className="check-group">
          <legend>Roles</legend>
          {props.roles.length === 0 ? (
            <span className="muted small">
              No roles yet: create roles in the Roles tab, then assign them here.
            </span>
          ) : (
            props.roles.map((r) => (
              <label key={r.id} className="check">
                <input
                  type="checkbox"
                  checked={v.roleIds.includes(r.id)}
                  onChange={(e) =>
                    set(
                      'roleIds',
                      e.target.checked ? [...v.roleIds, r.id] : v.roleIds.filter((x) => x !== r.id),
                    )
                  }
                />
                {r.name} <RoleTypeBadge type={r.type} />
              </label>
            ))
          )}
          {error?.fieldMessage('roleIds') && (
            <div className="field-error">{error.fieldMessage('roleIds')}</div>
          )}
        </fieldset>
      )}
      {props.isNew && (
        <Field
          label="Password"
          hint="Optional. At least 10 characters; stored only as a scrypt hash. Leave empty to send a reset email later."
          error={error?.fieldMessage('password')}
        >
          {(id, d) => (
            <input
              id={id}
              type="password"
              autoComplete="new-password"
              aria-describedby={d}
              value={v.password}
              onChange={(e) => set('password', e.target.value)}
            />
          )}
        </Field>
      )}
      <label className="check">
        <input
          type="checkbox"
          checked={v.forcePasswordChange}
          onChange={(e) => set('forcePasswordChange', e.target.checked)}
        />
        Force a password change at next login
      </label>
      <div className="form-actions">
        {props.onCancel && (
          <button type="button" className="button" onClick={props.onCancel}>
            Cancel
          </button>
        )}
        <button type="submit" className="button primary" disabled={busy}>
          {props.submitLabel}
        </button>
      </div>
    </form>
  );
}

export function RoleTypeBadge({ type }: { type: RoleType }) {
  return (
    <span className={`badge role-${type}`}>
      {ROLE_TYPES.find((t) => t.id === type)?.label ?? type}
    </span>
  );
}

export type Grants = Record<string, CameraRight[]>;

/** Cameras × rights check boxes for one role; a right whose module is off says where. */
export function RightsGrid(props: {
  cameras: { id: string; name: string; enabled: boolean }[];
  grants: Grants;
  modules: ModuleState[];
  onChange: (g: Grants) => void;
  error?: string | undefined;
}) {
  const { grants, onChange } = props;
  const offNote = (right: (typeof CAMERA_RIGHTS)[number]) => {
    const m = props.modules.find((s) => s.id === right.module);
    if (!m || m.effective) return null;
    const where = m.lockedBy
      ? tenantWords({ ...m.lockedBy, kind: m.lockedBy.kind === 'root' ? 'root' : 'integrator' })
      : 'this customer';
    return `${moduleInfo(right.module).label} is switched off at ${where}: this right is not granted while it is off.`;
  };
  const toggle = (cameraId: string, right: CameraRight, on: boolean) => {
    const cur = grants[cameraId] ?? [];
    const next = on ? [...cur, right] : cur.filter((r) => r !== right);
    onChange({
      ...grants,
      [cameraId]: CAMERA_RIGHTS.map((r) => r.id).filter((r) => next.includes(r)),
    });
  };
  const all = (cameraId: string) => (grants[cameraId] ?? []).length === CAMERA_RIGHTS.length;
  return (
    <div className="rights-grid-wrap">
      {props.error && <div className="alert alert-error">{props.error}</div>}
      <table className="simple-table rights-grid" data-testid="rights-grid">
        <thead>
          <tr>
            <th>Camera</th>
            {CAMERA_RIGHTS.map((r) => {
              const note = offNote(r);
              return (
                <th
                  key={r.id}
                  className={`center${note ? ' right-off' : ''}`}
                  title={note ?? undefined}
                >
                  {r.label}
                  {note && <span aria-label={note}> ⚠</span>}
                </th>
              );
            })}
            <th className="center">All</th>
          </tr>
        </thead>
        <tbody>
          {props.cameras.map((c) => (
            <tr key={c.id} data-testid="grant-row">
              <td>
                {c.name} {!c.enabled && <span className="badge badge-grey">Off</span>}
              </td>
              {CAMERA_RIGHTS.map((r) => (
                <td key={r.id} className="center">
                  <input
                    type="checkbox"
                    aria-label={`${r.label} on ${c.name}`}
                    checked={(grants[c.id] ?? []).includes(r.id)}
                    onChange={(e) => toggle(c.id, r.id, e.target.checked)}
                  />
                </td>
              ))}
              <td className="center">
                <input
                  type="checkbox"
                  aria-label={`All rights on ${c.name}`}
                  checked={all(c.id)}
                  onChange={(e) =>
                    onChange({
                      ...grants,
                      [c.id]: e.target.checked ? CAMERA_RIGHTS.map((r) => r.id) : [],
                    })
                  }
                />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

export const grantsOf = (role: Role | null): Grants =>
  Object.fromEntries((role?.cameras ?? []).map((c) => [c.cameraId, c.rights]));

export const grantsToInput = (g: Grants) =>
  Object.entries(g)
    .filter(([, rights]) => rights.length > 0)
    .map(([cameraId, rights]) => ({ cameraId, rights }));
