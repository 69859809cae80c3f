import { useState } from 'react';
import { call } from '../api';
import { Dialog, Field } from '../components/ui';
import { useApp } from '../store';
import { TenantForm, emptyTenantForm } from './TenantForm';

/** Customers → Add: choose Customer or Integrator, fill in the details, Create. */
export function AddTenantDialog(props: {
  parentId: string;
  onClose: () => void;
  onCreated: (id: string) => void;
}) {
  const [kind, setKind] = useState<'customer' | 'integrator' | null>(null);
  const [parentId, setParentId] = useState(props.parentId);
  const scopes = useApp((s) => s.scopes);
  const toast = useApp((s) => s.toast);
  const parents = scopes.filter((s) => s.status === 'active');

  if (!kind) {
    return (
      <Dialog title="Add" onClose={props.onClose} testId="add-dialog">
        <p className="muted">What do you want to add?</p>
        <div className="choice-grid">
          <button
            type="button"
            className="choice"
            onClick={() => setKind('customer')}
            data-testid="choose-customer"
            autoFocus
          >
            <span className="choice-icon" aria-hidden="true">
              ⌂
            </span>
            <strong>Customer</strong>
            <span>The owner of cameras: a business or a homeowner.</span>
          </button>
          <button
            type="button"
            className="choice"
            onClick={() => setKind('integrator')}
            data-testid="choose-integrator"
          >
            <span className="choice-icon" aria-hidden="true">
              ⛭
            </span>
            <strong>Integrator</strong>
            <span>A sub-integrator that runs its own customers as part of your business.</span>
          </button>
        </div>
      </Dialog>
    );
  }

  const parentPicker = (
    <Field label="Under">
      {(id) => (
        <select id={id} value={parentId} onChange={(e) => setParentId(e.target.value)}>
          {parents.map((p) => (
            <option key={p.id} value={p.id}>
              {p.kind === 'root' ? `${p.name} (partner)` : p.name}
            </option>
          ))}
        </select>
      )}
    </Field>
  );

  return (
    <Dialog
      title={kind === 'customer' ? 'New customer' : 'New integrator'}
      onClose={props.onClose}
      testId="add-dialog"
      wide
    >
      <TenantForm
        kind={kind}
        initial={emptyTenantForm()}
        submitLabel="Create"
        extra={parents.length > 1 ? parentPicker : undefined}
        onCancel={() => setKind(null)}
        onSubmit={async (v) => {
          const created =
            kind === 'customer'
              ? await call('tenants.create', { kind, parentId, ...v })
              : await call('tenants.create', {
                  kind,
                  parentId,
                  name: v.name,
                  contactPerson: v.contactPerson,
                  email: v.email,
                  phone: v.phone,
                  address: v.address,
                });
          toast('success', `${created.name} was created.`);
          props.onCreated(created.id);
        }}
      />
    </Dialog>
  );
}
