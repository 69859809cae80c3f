import { useEffect, useId, useRef, type ReactNode } from 'react';
import { createPortal } from 'react-dom';
import type { ApiError } from '../api';

let openDialogs = 0;
/** While a dialog is open, the app behind it is inert: no focus, no clicks, hidden from assistive tech. */
function setAppInert(inert: boolean): void {
  const root = document.getElementById('root');
  if (root) root.inert = inert;
}

/** A modal dialog: focus moves inside, Tab stays inside, Escape closes, the page behind is inert. */
export function Dialog(props: {
  title: string;
  onClose: () => void;
  children: ReactNode;
  footer?: ReactNode;
  wide?: boolean;
  testId?: string;
}) {
  const ref = useRef<HTMLDivElement>(null);
  const titleId = useId();
  const { onClose } = props;
  useEffect(() => {
    const previous = document.activeElement as HTMLElement | null;
    openDialogs++;
    setAppInert(true);
    const node = ref.current;
    const first = node?.querySelector<HTMLElement>(
      '[autofocus], input, select, textarea, button:not(.dialog-close)',
    );
    first?.focus();
    const onKey = (e: KeyboardEvent) => {
      if (e.key === 'Escape') {
        e.stopPropagation();
        onClose();
      }
      if (e.key === 'Tab' && node) {
        const items = [
          ...node.querySelectorAll<HTMLElement>(
            'button, input, select, textarea, a[href], [tabindex="0"]',
          ),
        ].filter((el) => !el.hasAttribute('disabled'));
        const firstItem = items[0];
        const lastItem = items[items.length - 1];
        if (!firstItem || !lastItem) return;
        if (e.shiftKey && document.activeElement === firstItem) {
          e.preventDefault();
          lastItem.focus();
        } else if (!e.shiftKey && document.activeElement === lastItem) {
          e.preventDefault();
          firstItem.focus();
        }
      }
    };
    document.addEventListener('keydown', onKey);
    return () => {
      document.removeEventListener('keydown', onKey);
      openDialogs--;
      if (openDialogs === 0) setAppInert(false);
      previous?.focus();
    };
  }, [onClose]);
  return createPortal(
    <div className="backdrop" onMouseDown={(e) => e.target === e.currentTarget && onClose()}>
      <div
        ref={ref}
        className={`dialog${props.wide ? ' wide' : ''}`}
        role="dialog"
        aria-modal="true"
        aria-labelledby={titleId}
        data-testid={props.testId}
      >
        <header className="dialog-header">
          <h2 id={titleId}>{props.title}</h2>
          <button
            type="button"
            className="icon-button dialog-close"
            aria-label="Close"
            onClick={onClose}
          >
            ×
          </button>
        </header>
        <div className="dialog-body">{props.children}</div>
        {props.footer && <footer className="dialog-footer">{props.footer}</footer>}
      </div>
    </div>,
    document.body,
  );
}

export function Field(props: {
  label: string;
  error?: string | undefined;
  hint?: string;
  required?: boolean;
  children: (id: string, describedBy: string | undefined) => ReactNode;
}) {
  const id = useId();
  const errId = `${id}-error`;
  return (
    <div className={`field${props.error ? ' has-error' : ''}`}>
      <label htmlFor={id}>
        {props.label}
        {props.required && (
          <span className="required" aria-hidden="true">
            {' '}
            *
          </span>
        )}
      </label>
      {props.children(id, props.error ? errId : undefined)}
      {props.error ? (
        <div className="field-error" id={errId} role="alert">
          {props.error}
        </div>
      ) : (
        props.hint && <div className="field-hint">{props.hint}</div>
      )}
    </div>
  );
}

export function EmptyState(props: {
  title: string;
  children?: ReactNode;
  action?: ReactNode;
  icon?: string;
}) {
  return (
    <div className="empty-state">
      <div className="empty-icon" aria-hidden="true">
        {props.icon ?? '◌'}
      </div>
      <h3>{props.title}</h3>
      {props.children && <p>{props.children}</p>}
      {props.action}
    </div>
  );
}

export function StatusBadge({ status, title }: { status: 'active' | 'disabled'; title?: string }) {
  return (
    <span className={`badge ${status === 'active' ? 'badge-green' : 'badge-red'}`} title={title}>
      {status === 'active' ? 'Active' : 'Disabled'}
    </span>
  );
}

export function KindBadge({ kind }: { kind: string }) {
  return (
    <span className={`badge badge-${kind}`}>
      {kind === 'integrator' ? 'Integrator' : kind === 'customer' ? 'Customer' : 'Partner'}
    </span>
  );
}

export function Switch(props: {
  checked: boolean;
  onChange: (v: boolean) => void;
  label: string;
  disabled?: boolean;
  testId?: string;
}) {
  return (
    <button
      type="button"
      role="switch"
      aria-checked={props.checked}
      aria-label={props.label}
      className={`switch${props.checked ? ' on' : ''}`}
      disabled={props.disabled}
      data-testid={props.testId}
      onClick={() => props.onChange(!props.checked)}
    >
      <span className="knob" />
    </button>
  );
}

// One formatter for every call: toLocaleDateString with options builds a new one each time, which
// cost the Customers list about 1 ms per frame while scrolling.
const DATE_FORMAT = new Intl.DateTimeFormat(undefined, {
  year: 'numeric',
  month: 'short',
  day: 'numeric',
});

export function formatDate(iso: string): string {
  return DATE_FORMAT.format(new Date(iso));
}

export function formatDateTime(iso: string): string {
  return new Date(iso).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
}

/** A form's error that belongs to no single field (the field ones sit next to their fields). */
export function FormError({ error }: { error: ApiError | null | undefined }) {
  if (!error || error.fields.length > 0) return null;
  return (
    <div className="alert alert-error" role="alert">
      {error.message}
    </div>
  );
}

/** A labelled text input: the field, its error or hint, and the input wired to both. */
export function TextField(props: {
  label: string;
  value: string;
  onChange: (value: string) => void;
  error?: string | undefined;
  hint?: string;
  required?: boolean;
  autoFocus?: boolean;
  type?: string;
  className?: string;
  autoComplete?: string;
  placeholder?: string;
  maxLength?: number;
}) {
  const { label, error, hint, required, onChange, ...input } = props;
  return (
    <Field
      label={label}
      error={error}
      {...(hint ? { hint } : {})}
      {...(required ? { required } : {})}
    >
      {(id, d) => (
        <input id={id} aria-describedby={d} {...input} onChange={(e) => onChange(e.target.value)} />
      )}
    </Field>
  );
}
