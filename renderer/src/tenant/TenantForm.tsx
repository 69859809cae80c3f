import { useMemo, useState, type FormEvent } from 'react';
import { timeZones } from '../../../shared/validation';
import { ApiError } from '../api';
import { Field, FormError } from '../components/ui';

export interface TenantFormValues {
  name: string;
  contactPerson: string;
  email: string;
  phone: string;
  address: string;
  timeZone: string;
  notes: string;
}

export const emptyTenantForm = (): TenantFormValues => ({
  name: '',
  contactPerson: '',
  email: '',
  phone: '',
  address: '',
  timeZone: Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC',
  notes: '',
});

/**
 * The details form for a customer or an integrator. Validation lives in the core: the form sends,
 * and puts each field's message from the answer next to that field.
 */
export function TenantForm(props: {
  kind: 'customer' | 'integrator' | 'root';
  initial: TenantFormValues;
  submitLabel: string;
  onSubmit: (values: TenantFormValues) => Promise<void>;
  onCancel?: () => void;
  extra?: React.ReactNode;
}) {
  const [values, setValues] = useState(props.initial);
  const [error, setError] = useState<ApiError | null>(null);
  const [busy, setBusy] = useState(false);
  const zones = useMemo(() => timeZones(), []);
  const isCustomer = props.kind === 'customer';
  const set = (key: keyof TenantFormValues) => (e: { target: { value: string } }) =>
    setValues((v) => ({ ...v, [key]: e.target.value }));
  const fieldError = (f: string) => error?.fieldMessage(f);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await props.onSubmit(values);
    } catch (err) {
      setError(
        err instanceof ApiError ? err : new ApiError({ code: 'INTERNAL', message: String(err) }),
      );
    } finally {
      setBusy(false);
    }
  };

  return (
    <form className="form" onSubmit={submit} noValidate>
      <FormError error={error} />
      {props.extra}
      <Field label={isCustomer ? 'Name' : 'Company name'} required error={fieldError('name')}>
        {(id, d) => (
          <input
            id={id}
            aria-describedby={d}
            value={values.name}
            onChange={set('name')}
            autoFocus
            maxLength={200}
          />
        )}
      </Field>
      <div className="form-row">
        <Field label="Contact person" error={fieldError('contactPerson')}>
          {(id, d) => (
            <input
              id={id}
              aria-describedby={d}
              value={values.contactPerson}
              onChange={set('contactPerson')}
            />
          )}
        </Field>
        <Field label="Email" required error={fieldError('email')}>
          {(id, d) => (
            <input
              id={id}
              aria-describedby={d}
              type="email"
              value={values.email}
              onChange={set('email')}
            />
          )}
        </Field>
      </div>
      <div className="form-row">
        <Field label="Phone" error={fieldError('phone')}>
          {(id, d) => (
            <input
              id={id}
              aria-describedby={d}
              type="tel"
              value={values.phone}
              onChange={set('phone')}
            />
          )}
        </Field>
        {isCustomer && (
          <Field label="Time zone" required error={fieldError('timeZone')}>
            {(id, d) => (
              <select
                id={id}
                aria-describedby={d}
                value={values.timeZone}
                onChange={set('timeZone')}
              >
                {!zones.includes(values.timeZone) && (
                  <option value={values.timeZone}>{values.timeZone}</option>
                )}
                {zones.map((z) => (
                  <option key={z} value={z}>
                    {z.replace(/_/g, ' ')}
                  </option>
                ))}
              </select>
            )}
          </Field>
        )}
      </div>
      <Field label="Address" error={fieldError('address')}>
        {(id, d) => (
          <textarea
            id={id}
            aria-describedby={d}
            rows={2}
            value={values.address}
            onChange={set('address')}
          />
        )}
      </Field>
      {isCustomer && (
        <Field label="Notes" error={fieldError('notes')}>
          {(id, d) => (
            <textarea
              id={id}
              aria-describedby={d}
              rows={2}
              value={values.notes}
              onChange={set('notes')}
            />
          )}
        </Field>
      )}
      <div className="form-actions">
        {props.onCancel && (
          <button type="button" className="button" onClick={props.onCancel}>
            Cancel
          </button>
        )}
        <button type="submit" className="button primary" disabled={busy}>
          {busy ? 'Saving…' : props.submitLabel}
        </button>
      </div>
    </form>
  );
}
