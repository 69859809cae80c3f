import { useCallback, useEffect, useState } from 'react';
import type { Tenant } from '../../../shared/tenancy';
import { call, errorMessage } from '../api';
import { EmptyState, KindBadge, StatusBadge, formatDateTime } from '../components/ui';
import { useApp, type TenantTab } from '../store';
import { TenantForm } from './TenantForm';
import { DeleteDialog, DisableDialog, EnableDialog, MoveDialog } from './StateDialogs';
import { ModulesTab } from './ModulesTab';
import { CamerasTab } from './CamerasTab';
import { AuditTab } from './AuditTab';
import { BusinessTab } from './BusinessTab';
import { UsersTab } from '../people/UsersTab';
import { RolesTab } from '../people/RolesTab';
import { SetupWizard } from '../people/SetupWizard';
import { AlertsTab } from '../alerts/AlertsTab';

const TABS: { id: TenantTab; label: string; integrator?: boolean; customer?: boolean }[] = [
  { id: 'details', label: 'Details' },
  { id: 'modules', label: 'Modules' },
  { id: 'users', label: 'Users' },
  { id: 'roles', label: 'Roles', customer: true },
  { id: 'cameras', label: 'Cameras' },
  { id: 'alerts', label: 'Alerts' },
  { id: 'business', label: 'Business', integrator: true },
  { id: 'setup', label: 'Set up', customer: true },
  { id: 'audit', label: 'Audit' },
];

export function TenantScreen({ id, tab }: { id: string; tab: TenantTab }) {
  const navigate = useApp((s) => s.navigate);
  const version = useApp((s) => s.dataVersion);
  const toast = useApp((s) => s.toast);
  const [tenant, setTenant] = useState<Tenant | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [dialog, setDialog] = useState<'disable' | 'enable' | 'delete' | 'move' | null>(null);

  const load = useCallback(() => {
    call('tenants.get', { id }).then(
      (t) => {
        setTenant(t);
        setError(null);
      },
      (e: unknown) => setError(errorMessage(e)),
    );
  }, [id]);
  useEffect(load, [load, version]);

  if (error) {
    return (
      <section className="screen">
        <EmptyState title="This entry is not available" icon="!">
          {error}
        </EmptyState>
      </section>
    );
  }
  if (!tenant) return <section className="screen muted">Loading…</section>;

  const tabs = TABS.filter(
    (t) =>
      (!t.integrator || tenant.kind === 'integrator') &&
      (!t.customer || tenant.kind === 'customer'),
  );
  const parent = tenant.ancestors[tenant.ancestors.length - 1];
  const closeDialog = () => {
    setDialog(null);
    load();
  };

  return (
    <section className="screen" aria-labelledby="tenant-title">
      <nav className="breadcrumb" aria-label="Location">
        <button
          type="button"
          className="link"
          onClick={() => navigate({ screen: 'customers', scopeId: 'root' })}
        >
          Customers
        </button>
        {tenant.ancestors.slice(1).map((a) => (
          <span key={a.id} className="crumb">
            <span className="sep">›</span>
            <button
              type="button"
              className="link"
              onClick={() => navigate({ screen: 'tenant', id: a.id, tab: 'details' })}
            >
              {a.name}
            </button>
          </span>
        ))}
      </nav>
      <header className="screen-header">
        <div className="title-block">
          <h1 id="tenant-title">{tenant.name}</h1>
          <div className="title-meta">
            <KindBadge kind={tenant.kind} />
            <StatusBadge status={tenant.status} />
            {tenant.disabledBy && (
              <span className="muted" data-testid="disabled-by">
                through{' '}
                <button
                  type="button"
                  className="link"
                  onClick={() =>
                    tenant.disabledBy &&
                    navigate({ screen: 'tenant', id: tenant.disabledBy.id, tab: 'details' })
                  }
                >
                  {tenant.disabledBy.name}
                </button>
              </span>
            )}
            <span className="muted">
              {tenant.kind === 'customer'
                ? `${tenant.cameraCount} cameras · ${tenant.userCount} users · `
                : ''}
              under {parent?.name ?? '—'}
            </span>
          </div>
        </div>
        <div className="header-actions">
          {tenant.kind === 'customer' && tab !== 'setup' && (
            <button
              type="button"
              className="button"
              onClick={() => navigate({ screen: 'tenant', id: tenant.id, tab: 'setup' })}
              data-testid="open-setup"
            >
              Set up…
            </button>
          )}
          {tenant.kind === 'integrator' && (
            <button
              type="button"
              className="button"
              onClick={() => navigate({ screen: 'customers', scopeId: tenant.id })}
            >
              Open its customers
            </button>
          )}
          {tenant.kind !== 'root' && (
            <>
              <button type="button" className="button" onClick={() => setDialog('move')}>
                Move…
              </button>
              {tenant.ownDisabled ? (
                <button
                  type="button"
                  className="button primary"
                  onClick={() => setDialog('enable')}
                  data-testid="enable-tenant"
                >
                  Enable…
                </button>
              ) : (
                <button
                  type="button"
                  className="button warn"
                  onClick={() => setDialog('disable')}
                  data-testid="disable-tenant"
                >
                  Disable…
                </button>
              )}
              <button
                type="button"
                className="button danger-outline"
                onClick={() => setDialog('delete')}
              >
                Delete…
              </button>
            </>
          )}
        </div>
      </header>

      <div className="tabs" role="tablist" aria-label="Sections">
        {tabs.map((t) => (
          <button
            key={t.id}
            type="button"
            role="tab"
            aria-selected={tab === t.id}
            className={`tab${tab === t.id ? ' active' : ''}`}
            onClick={() => navigate({ screen: 'tenant', id, tab: t.id })}
          >
            {t.label}
          </button>
        ))}
      </div>

      <div className="tab-panel" role="tabpanel">
        {tab === 'details' && (
          <div className="card narrow">
            <TenantForm
              key={tenant.updatedAt}
              kind={tenant.kind}
              initial={tenant}
              submitLabel="Save changes"
              onSubmit={async (v) => {
                const changes =
                  tenant.kind === 'customer'
                    ? v
                    : {
                        name: v.name,
                        contactPerson: v.contactPerson,
                        email: v.email,
                        phone: v.phone,
                        address: v.address,
                      };
                await call('tenants.update', { id: tenant.id, ...changes });
                toast('success', 'Changes saved.');
              }}
            />
            <p className="muted small">
              Created {formatDateTime(tenant.createdAt)} · last changed{' '}
              {formatDateTime(tenant.updatedAt)}
            </p>
          </div>
        )}
        {tab === 'modules' && <ModulesTab tenant={tenant} />}
        {tab === 'users' &&
          (tenant.kind === 'root' ? (
            <EmptyState title="Users belong to customers and integrators" icon="☺">
              Open a customer to manage its users, or an integrator for its managers.
            </EmptyState>
          ) : (
            <UsersTab key={tenant.id} tenant={tenant} />
          ))}
        {tab === 'roles' && tenant.kind === 'customer' && <RolesTab tenant={tenant} />}
        {tab === 'setup' && tenant.kind === 'customer' && <SetupWizard tenant={tenant} />}
        {tab === 'cameras' &&
          (tenant.kind === 'customer' ? (
            <CamerasTab tenant={tenant} />
          ) : (
            <EmptyState title="Cameras belong to customers" icon="◉">
              Open one of {tenant.name}&apos;s customers to see and add its cameras.
            </EmptyState>
          ))}
        {tab === 'alerts' &&
          (tenant.kind === 'customer' ? (
            <AlertsTab key={tenant.id} tenant={tenant} />
          ) : (
            <EmptyState title="Alert rules belong to customers" icon="🔔">
              Open one of {tenant.name}&apos;s customers to set up its alert rules.
            </EmptyState>
          ))}
        {tab === 'business' && tenant.kind === 'integrator' && <BusinessTab tenant={tenant} />}
        {tab === 'audit' && <AuditTab tenantId={tenant.id} />}
      </div>

      {dialog === 'disable' && <DisableDialog tenant={tenant} onClose={closeDialog} />}
      {dialog === 'enable' && <EnableDialog tenant={tenant} onClose={closeDialog} />}
      {dialog === 'move' && <MoveDialog tenant={tenant} onClose={closeDialog} />}
      {dialog === 'delete' && (
        <DeleteDialog
          tenant={tenant}
          onClose={() => setDialog(null)}
          onDeleted={() => navigate({ screen: 'customers', scopeId: tenant.parentId ?? 'root' })}
        />
      )}
    </section>
  );
}
