import { useCallback, useEffect, useState, type FormEvent } from 'react';
import { ROLE_TYPES, type Role, type RoleType, type SetupStatus } from '../../../shared/people';
import type { Tenant } from '../../../shared/tenancy';
import { ApiError, call, errorMessage } from '../api';
import { EmptyState, Field, FormError, TextField } from '../components/ui';
import { useApp } from '../store';
import { TenantForm } from '../tenant/TenantForm';
import {
  RightsGrid,
  RoleTypeBadge,
  UserForm,
  asApiError,
  emptyUserForm,
  grantsOf,
  grantsToInput,
  type Grants,
} from './forms';
import { useCustomerData } from './RolesTab';
import './people.css';

type StepId = SetupStatus['steps'][number]['id'];
const STEPS: { id: StepId; label: string; hint: string }[] = [
  { id: 'details', label: 'Details', hint: 'Name, contact and time zone' },
  { id: 'users', label: 'First users', hint: 'The owner first' },
  { id: 'roles', label: 'Roles', hint: 'Admin or Guard' },
  { id: 'cameras', label: 'Cameras', hint: 'Rights per camera' },
];

/**
 * The help centre's sequence for a new customer: details → users (owner first) → roles → cameras.
 * Every step saves as it goes, so the wizard can be left and resumes at the first unfinished step.
 */
export function SetupWizard({ tenant }: { tenant: Tenant }) {
  const version = useApp((s) => s.dataVersion);
  const navigate = useApp((s) => s.navigate);
  const [status, setStatus] = useState<SetupStatus | null>(null);
  const [step, setStep] = useState<StepId | null>(null);
  const refresh = useCallback(() => {
    call('setup.status', { customerId: tenant.id }).then(
      (s) => {
        setStatus(s);
        // Resume where the person left off: the first step not done yet.
        setStep((cur) => cur ?? s.next ?? 'cameras');
      },
      () => undefined,
    );
  }, [tenant.id]);
  useEffect(refresh, [refresh, version]);
  if (!status || !step) return <p className="muted">Loading…</p>;
  const done = (id: StepId) => status.steps.find((s) => s.id === id)?.done ?? false;
  const index = STEPS.findIndex((s) => s.id === step);
  const go = (d: number) => setStep(STEPS[index + d]?.id ?? step);
  const canContinue = done(step) || step === 'cameras';
  return (
    <div className="wizard" data-testid="setup-wizard">
      <ol className="wizard-steps" aria-label="Setup steps">
        {STEPS.map((s, i) => (
          <li key={s.id}>
            <button
              type="button"
              className={`wizard-step${s.id === step ? ' current' : ''}${done(s.id) ? ' done' : ''}`}
              aria-current={s.id === step ? 'step' : undefined}
              onClick={() => setStep(s.id)}
              data-testid={`step-${s.id}`}
            >
              <span className="step-num" aria-hidden="true">
                {done(s.id) ? '✓' : i + 1}
              </span>
              <span className="step-text">
                <strong>{s.label}</strong>
                <span className="muted small">{s.hint}</span>
              </span>
            </button>
          </li>
        ))}
      </ol>
      <div className="card wizard-body">
        {step === 'details' && (
          <TenantForm
            key={tenant.updatedAt}
            kind="customer"
            initial={tenant}
            submitLabel="Save and continue"
            onSubmit={async (v) => {
              await call('tenants.update', { id: tenant.id, ...v });
              setStep('users');
            }}
          />
        )}
        {step === 'users' && <UsersStep tenant={tenant} onChanged={refresh} />}
        {step === 'roles' && <RolesStep tenant={tenant} onChanged={refresh} />}
        {step === 'cameras' && <CamerasStep tenant={tenant} onChanged={refresh} />}
      </div>
      <div className="wizard-nav">
        <button
          type="button"
          className="button"
          onClick={() => navigate({ screen: 'tenant', id: tenant.id, tab: 'details' })}
        >
          Leave setup (resume any time)
        </button>
        <span className="spacer" />
        {index > 0 && (
          <button type="button" className="button" onClick={() => go(-1)}>
            ← Back
          </button>
        )}
        {step !== 'details' &&
          (index < STEPS.length - 1 ? (
            <button
              type="button"
              className="button primary"
              disabled={!canContinue}
              title={
                canContinue
                  ? undefined
                  : step === 'users'
                    ? 'Add the owner first'
                    : 'Create a role first'
              }
              onClick={() => go(1)}
              data-testid="wizard-next"
            >
              Continue →
            </button>
          ) : (
            <button
              type="button"
              className="button primary"
              onClick={() => navigate({ screen: 'tenant', id: tenant.id, tab: 'users' })}
              data-testid="wizard-finish"
            >
              Finish
            </button>
          ))}
      </div>
    </div>
  );
}

function UsersStep({ tenant, onChanged }: { tenant: Tenant; onChanged: () => void }) {
  const toast = useApp((s) => s.toast);
  const { users } = useCustomerData(tenant.id);
  const [formKey, setFormKey] = useState(0);
  return (
    <div className="wizard-split">
      <div>
        <h3>{users.length === 0 ? 'Add the owner' : 'Add more users'}</h3>
        <UserForm
          key={formKey}
          tenant={tenant}
          roles={[]}
          initial={emptyUserForm(tenant)}
          isNew
          ownerHint={users.length === 0}
          submitLabel={users.length === 0 ? 'Add owner' : 'Add user'}
          onSubmit={async (v) => {
            const u = await call('users.create', {
              tenantId: tenant.id,
              name: v.name,
              login: v.login,
              phone: v.phone,
              ...(v.password ? { password: v.password } : {}),
              forcePasswordChange: v.forcePasswordChange,
            });
            toast('success', `${u.name} added${u.isOwner ? ' as owner' : ''}.`);
            setFormKey((k) => k + 1);
            onChanged();
          }}
        />
      </div>
      <aside>
        <h3>Users of {tenant.name}</h3>
        {users.length === 0 ? (
          <p className="muted">None yet. The first user you add is the owner.</p>
        ) : (
          <ul className="plain-rows" data-testid="wizard-users">
            {users.map((u) => (
              <li key={u.id}>
                <strong>{u.name}</strong>{' '}
                {u.isOwner && <span className="badge badge-owner">Owner</span>}
                <div className="muted small mono">{u.login}</div>
              </li>
            ))}
          </ul>
        )}
      </aside>
    </div>
  );
}

function RolesStep({ tenant, onChanged }: { tenant: Tenant; onChanged: () => void }) {
  const toast = useApp((s) => s.toast);
  const version = useApp((s) => s.dataVersion);
  const { users } = useCustomerData(tenant.id);
  const [roles, setRoles] = useState<Role[]>([]);
  const [name, setName] = useState('');
  const [description, setDescription] = useState('');
  const [type, setType] = useState<RoleType>('admin');
  const [userIds, setUserIds] = useState<string[]>([]);
  const [error, setError] = useState<ApiError | null>(null);
  useEffect(() => {
    call('roles.list', { tenantId: tenant.id }).then(setRoles, () => undefined);
  }, [tenant.id, version]);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    try {
      const r = await call('roles.create', {
        tenantId: tenant.id,
        name,
        description,
        type,
        userIds,
      });
      toast('success', `Role ${r.name} created.`);
      setName('');
      setDescription('');
      setUserIds([]);
      setError(null);
      onChanged();
    } catch (err) {
      setError(asApiError(err));
    }
  };
  return (
    <div className="wizard-split">
      <form className="form" onSubmit={submit} noValidate data-testid="wizard-role-form">
        <h3>Create a role</h3>
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
          <Field label="Type">
            {(id) => (
              <select id={id} value={type} onChange={(e) => setType(e.target.value as RoleType)}>
                {ROLE_TYPES.map((t) => (
                  <option key={t.id} value={t.id}>
                    {t.label} — {t.description}
                  </option>
                ))}
              </select>
            )}
          </Field>
        </div>
        <TextField
          label="Description"
          error={error?.fieldMessage('description')}
          value={description}
          onChange={setDescription}
        />
        <fieldset className="check-group">
          <legend>Users in this role</legend>
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
              {u.name}
            </label>
          ))}
        </fieldset>
        <div className="form-actions">
          <button type="submit" className="button primary">
            Create role
          </button>
        </div>
      </form>
      <aside>
        <h3>Roles of {tenant.name}</h3>
        {roles.length === 0 ? (
          <p className="muted">
            None yet. Most customers start with one Admin role for the owner and a Guard role.
          </p>
        ) : (
          <ul className="plain-rows" data-testid="wizard-roles">
            {roles.map((r) => (
              <li key={r.id}>
                <strong>{r.name}</strong> <RoleTypeBadge type={r.type} />
                <div className="muted small">
                  {r.users.map((u) => u.name).join(', ') || 'No users'}
                </div>
              </li>
            ))}
          </ul>
        )}
      </aside>
    </div>
  );
}

function CamerasStep({ tenant, onChanged }: { tenant: Tenant; onChanged: () => void }) {
  const toast = useApp((s) => s.toast);
  const version = useApp((s) => s.dataVersion);
  const navigate = useApp((s) => s.navigate);
  const { cameras, modules } = useCustomerData(tenant.id);
  const [roles, setRoles] = useState<Role[]>([]);
  const [grants, setGrants] = useState<Record<string, Grants>>({});
  useEffect(() => {
    call('roles.list', { tenantId: tenant.id }).then(
      (rs) => {
        setRoles(rs);
        setGrants(Object.fromEntries(rs.map((r) => [r.id, grantsOf(r)])));
      },
      () => undefined,
    );
  }, [tenant.id, version]);
  if (cameras.length === 0)
    return (
      <EmptyState
        title="No cameras yet"
        icon="◉"
        action={
          <button
            type="button"
            className="button"
            onClick={() => navigate({ screen: 'tenant', id: tenant.id, tab: 'cameras' })}
          >
            Open the Cameras tab
          </button>
        }
      >
        Cameras of {tenant.name} appear here once they are added in the Cameras tab (found on the
        LAN with ONVIF, by RTSP URL or as P&amp;P). Come back to this step to give each role its
        rights on them; the setup remembers where you are.
      </EmptyState>
    );
  return (
    <div className="form">
      <h3>Give each role its rights on {tenant.name}&apos;s cameras</h3>
      {roles.map((r) => (
        <section key={r.id} className="wizard-role-grants" data-testid="wizard-role-grants">
          <div className="editor-head">
            <span>
              <strong>{r.name}</strong> <RoleTypeBadge type={r.type} />
            </span>
            <button
              type="button"
              className="button primary"
              onClick={() =>
                void call('roles.update', {
                  id: r.id,
                  cameras: grantsToInput(grants[r.id] ?? {}),
                }).then(
                  () => {
                    toast('success', `Rights of ${r.name} saved.`);
                    onChanged();
                  },
                  (e: unknown) => toast('error', errorMessage(e)),
                )
              }
            >
              Save rights of {r.name}
            </button>
          </div>
          <RightsGrid
            cameras={cameras}
            grants={grants[r.id] ?? {}}
            modules={modules}
            onChange={(g) => setGrants({ ...grants, [r.id]: g })}
          />
        </section>
      ))}
    </div>
  );
}
