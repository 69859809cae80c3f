import { useCallback, useEffect, useMemo, useState, type FormEvent } from 'react';
import {
  CLOCK_SKEW_WARN_MS,
  describeClockSkew,
  toDeviceServiceUrl,
  type AttachResult,
  type CameraCredentials,
  type DiscoveredDeviceView,
  type DiscoveryState,
} from '../../../shared/cameras';
import type { TenantRow } from '../../../shared/tenancy';
import { ApiError, call, errorMessage, subscribe } from '../api';
import { EmptyState, Field, TextField } from '../components/ui';
import { useApp } from '../store';
import { AttachOutcome } from './CameraForms';
import { LoginList } from './LoginList';
import './cameras.css';

const NEW_CUSTOMER = '__new__';
/** Devices typed with "Add by address" have no EndpointReference; they are keyed by URL. */
const MANUAL_PREFIX = 'address:';

function manualDevice(xaddr: string): DiscoveredDeviceView {
  return {
    endpointReference: `${MANUAL_PREFIX}${xaddr}`,
    xaddrs: [xaddr],
    addresses: [new URL(xaddr).host],
    name: '',
    hardware: '',
    location: '',
    types: [],
    interfaces: [],
    via: ['typed'],
    clockSkewMs: null,
    attachedTo: null,
    left: false,
  };
}

function localTimeZone(): string {
  try {
    return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
  } catch {
    return 'UTC';
  }
}

/**
 * The installer's screen: scan (multicast on every interface, or unicast to a typed address, range
 * or /24), select, one set of logins, choose or create the customer, attach; one result per camera.
 */
export function SiteScanScreen() {
  const toast = useApp((s) => s.toast);
  const navigate = useApp((s) => s.navigate);
  const [scan, setScan] = useState<DiscoveryState | null>(null);
  const [devices, setDevices] = useState<Map<string, DiscoveredDeviceView>>(new Map());
  const [summary, setSummary] = useState<string | null>(null);
  const [target, setTarget] = useState('');
  const [targetError, setTargetError] = useState<string | null>(null);
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const [customers, setCustomers] = useState<TenantRow[]>([]);
  const [customerId, setCustomerId] = useState('');
  const [newName, setNewName] = useState('');
  const [newEmail, setNewEmail] = useState('');
  const [logins, setLogins] = useState<CameraCredentials[]>([{ username: 'admin', password: '' }]);
  const [attaching, setAttaching] = useState(false);
  const [formError, setFormError] = useState<ApiError | null>(null);
  const [results, setResults] = useState<{ label: string; result: AttachResult }[]>([]);

  const scanning = scan?.scanning ?? false;

  const loadCustomers = useCallback(
    () => call('tenants.list', { kind: 'customer', limit: 500 }).then((list) => list.rows),
    [],
  );

  const applyState = useCallback((state: DiscoveryState) => {
    setScan(state);
    setDevices((prev) => {
      const next = new Map<string, DiscoveredDeviceView>();
      for (const [k, d] of prev) if (k.startsWith(MANUAL_PREFIX)) next.set(k, d);
      for (const d of state.devices) next.set(d.endpointReference, d);
      return next;
    });
  }, []);
  const refreshState = useCallback(
    () => call('discovery.state', {}).then(applyState),
    [applyState],
  );

  useEffect(() => {
    call('discovery.state', {})
      .then(applyState)
      .catch((e: unknown) => toast('error', errorMessage(e)));
    loadCustomers()
      .then((rows) => {
        setCustomers(rows);
        setCustomerId((id) => id || (rows[0]?.id ?? NEW_CUSTOMER));
      })
      .catch((e: unknown) => toast('error', errorMessage(e)));
    const offDevice = subscribe('discovery.device', ({ device }) =>
      setDevices((prev) => new Map(prev).set(device.endpointReference, device)),
    );
    const offProgress = subscribe('discovery.progress', (p) =>
      setScan((s) => (s ? { ...s, progress: p } : s)),
    );
    const offDone = subscribe('discovery.done', (d) => {
      setScan((s) => (s ? { ...s, scanning: false, errors: d.errors } : s));
      setSummary(
        `${d.stopped ? 'Stopped' : 'Scan finished'}: ${d.devicesFound} device${
          d.devicesFound === 1 ? '' : 's'
        } in ${(d.durationMs / 1000).toFixed(1)} s.`,
      );
    });
    // Cameras that join (Hello) or leave (Bye) while this screen is open show up at once.
    call('discovery.listen', { on: true }).catch((e: unknown) => toast('error', errorMessage(e)));
    return () => {
      offDevice();
      offProgress();
      offDone();
      call('discovery.listen', { on: false }).catch(() => undefined);
    };
  }, [applyState, loadCustomers, toast]);

  const start = async (input: { multicast: boolean; unicastTargets: string[] }) => {
    setSummary(null);
    setTargetError(null);
    if (input.multicast) setDevices(new Map());
    try {
      const state = await call('discovery.start', input);
      setScan(state);
    } catch (e) {
      if (e instanceof ApiError && input.unicastTargets.length > 0)
        setTargetError(e.fields[0]?.message ?? e.message);
      else toast('error', errorMessage(e));
    }
  };

  const probe = (e: FormEvent) => {
    e.preventDefault();
    const targets = target.split(/[\s,]+/).filter(Boolean);
    void start({ multicast: false, unicastTargets: targets });
  };

  const addByAddress = () => {
    const xaddr = toDeviceServiceUrl(target);
    if (!xaddr || target.includes('/') || target.includes('-')) {
      setTargetError(
        'Add by address takes one camera: an IP or host like 192.168.1.20 or 192.168.1.20:8080.',
      );
      return;
    }
    setTargetError(null);
    const d = manualDevice(xaddr);
    setDevices((prev) => new Map(prev).set(d.endpointReference, d));
    setSelected((s) => new Set(s).add(d.endpointReference));
  };

  const list = useMemo(
    () =>
      [...devices.values()].sort(
        (a, b) =>
          (a.addresses[0] ?? '').localeCompare(b.addresses[0] ?? '', undefined, {
            numeric: true,
          }) || a.name.localeCompare(b.name),
      ),
    [devices],
  );
  const selectable = list.filter((d) => !d.attachedTo);
  const chosen = selectable.filter((d) => selected.has(d.endpointReference));
  const allChosen = selectable.length > 0 && chosen.length === selectable.length;

  const toggle = (key: string) =>
    setSelected((s) => {
      const next = new Set(s);
      if (next.has(key)) next.delete(key);
      else next.add(key);
      return next;
    });

  const attach = async (e: FormEvent) => {
    e.preventDefault();
    setFormError(null);
    if (chosen.length === 0) {
      setFormError(new ApiError({ code: 'VALIDATION', message: 'Select at least one camera.' }));
      return;
    }
    setAttaching(true);
    try {
      let target = customerId;
      if (customerId === NEW_CUSTOMER) {
        try {
          const created = await call('tenants.create', {
            kind: 'customer',
            name: newName,
            email: newEmail,
            timeZone: localTimeZone(),
          });
          target = created.id;
          setCustomers(await loadCustomers());
          setCustomerId(created.id);
          setNewName('');
          setNewEmail('');
        } catch (err) {
          setFormError(
            err instanceof ApiError
              ? new ApiError({
                  code: err.code,
                  message: err.message,
                  fields: err.fields.map((f) => ({ ...f, field: `new.${f.field}` })),
                })
              : new ApiError({ code: 'INTERNAL', message: String(err) }),
          );
          return;
        }
      }
      const { results: outcome } = await call('cameras.attachOnvif', {
        customerId: target,
        devices: chosen.map((d) => ({
          xaddr: d.xaddrs[0] ?? '',
          ...(d.endpointReference.startsWith(MANUAL_PREFIX)
            ? {}
            : { endpointReference: d.endpointReference }),
          ...(d.name ? { name: d.name } : {}),
        })),
        credentials: logins,
      });
      setResults(
        outcome.map((r, i) => ({
          label: chosen[i]?.name || chosen[i]?.addresses[0] || r.xaddr,
          result: r,
        })),
      );
      const attached = new Set(
        outcome.flatMap((r, i) => (r.ok ? [chosen[i]?.endpointReference ?? ''] : [])),
      );
      setSelected((s) => new Set([...s].filter((k) => !attached.has(k))));
      // Typed devices that were attached leave the list; scanned ones now show their customer.
      setDevices((prev) => {
        const next = new Map(prev);
        for (const k of attached) if (k.startsWith(MANUAL_PREFIX)) next.delete(k);
        return next;
      });
      await refreshState();
      const ok = outcome.filter((r) => r.ok).length;
      toast(
        ok === outcome.length ? 'success' : 'error',
        `${ok} of ${outcome.length} camera${outcome.length === 1 ? '' : 's'} attached.`,
      );
    } catch (err) {
      setFormError(
        err instanceof ApiError ? err : new ApiError({ code: 'INTERNAL', message: String(err) }),
      );
    } finally {
      setAttaching(false);
    }
  };

  const progress = scan?.progress;
  const attachedCustomer = customers.find((c) => c.id === customerId);
  return (
    <section className="screen" aria-labelledby="scan-title">
      <header className="screen-header">
        <div className="title-block">
          <h1 id="scan-title">Site scan</h1>
          <div className="title-meta muted">
            Find ONVIF cameras on this network and attach them to a customer.
          </div>
        </div>
        <div className="header-actions">
          {scanning ? (
            <button
              type="button"
              className="button"
              onClick={() => void call('discovery.stop', {})}
              data-testid="scan-stop"
            >
              Stop
            </button>
          ) : (
            <button
              type="button"
              className="button primary"
              onClick={() => void start({ multicast: true, unicastTargets: [] })}
              data-testid="scan-start"
              autoFocus
            >
              {list.length > 0 ? 'Scan again' : 'Scan network'}
            </button>
          )}
        </div>
      </header>

      <div className="card scan-bar">
        <div className="scan-status" aria-live="polite" data-testid="scan-status">
          {scanning ? (
            <>
              <strong>Scanning…</strong>{' '}
              <span className="muted">
                {progress?.devicesFound ?? 0} found · {progress?.probesSent ?? 0} probes sent on{' '}
                {scan?.interfaces.join(', ') || 'every interface'}
              </span>
              <div className="scan-meter">
                <span
                  style={{
                    width: `${Math.min(100, ((progress?.elapsedMs ?? 0) / 2500) * 100)}%`,
                  }}
                />
              </div>
            </>
          ) : summary ? (
            <>
              <strong>{summary}</strong>{' '}
              <span className="muted">
                Probed on {scan?.interfaces.join(', ') || 'every interface'}.
              </span>
            </>
          ) : (
            <span className="muted">
              Scan probes every network interface of this computer (
              {scan?.interfaces.join(', ') || '…'}). If multicast is filtered, probe an address,
              range or /24 instead.
            </span>
          )}
          {scan?.errors.map((e) => (
            <div key={e} className="cell-error">
              {e}
            </div>
          ))}
        </div>
        <form className="scan-target" onSubmit={probe} noValidate>
          <Field
            label="Address, range or CIDR"
            error={targetError ?? undefined}
            hint="e.g. 192.168.1.20, 192.168.1.10-60, 192.168.1.0/24"
          >
            {(id, d) => (
              <input
                id={id}
                aria-describedby={d}
                className="mono"
                value={target}
                onChange={(e) => setTarget(e.target.value)}
                data-testid="scan-target"
              />
            )}
          </Field>
          <button type="submit" className="button" disabled={target.trim() === ''}>
            Probe
          </button>
          <button
            type="button"
            className="button"
            disabled={target.trim() === ''}
            onClick={addByAddress}
            data-testid="add-by-address"
          >
            Add by address
          </button>
        </form>
      </div>

      <div className="scan-layout">
        <div className="card scan-results">
          {list.length === 0 ? (
            <EmptyState
              title={scanning ? 'Listening for cameras…' : 'No cameras found yet'}
              icon="◎"
            >
              {scanning
                ? 'Cameras appear here as they answer.'
                : 'Press Scan network, or probe a typed address.'}
            </EmptyState>
          ) : (
            <table className="simple-table" data-testid="scan-table">
              <thead>
                <tr>
                  <th className="check">
                    <input
                      type="checkbox"
                      aria-label="Select all cameras not yet attached"
                      checked={allChosen}
                      onChange={() =>
                        setSelected(
                          allChosen
                            ? new Set()
                            : new Set(selectable.map((d) => d.endpointReference)),
                        )
                      }
                    />
                  </th>
                  <th>Camera</th>
                  <th>Address</th>
                  <th>Location</th>
                  <th>Clock</th>
                  <th>Customer</th>
                </tr>
              </thead>
              <tbody>
                {list.map((d) => {
                  const key = d.endpointReference;
                  const isSelected = selected.has(key) && !d.attachedTo;
                  const skewed =
                    d.clockSkewMs !== null && Math.abs(d.clockSkewMs) > CLOCK_SKEW_WARN_MS;
                  return (
                    <tr
                      key={key}
                      className={isSelected ? 'selected' : undefined}
                      data-testid="scan-row"
                    >
                      <td className="check">
                        <input
                          type="checkbox"
                          aria-label={`Select ${d.name || d.addresses[0] || key}`}
                          checked={isSelected}
                          disabled={d.attachedTo !== null}
                          onChange={() => toggle(key)}
                        />
                      </td>
                      <td>
                        <div className="camera-name">
                          {d.name ||
                            (key.startsWith(MANUAL_PREFIX) ? 'Typed address' : 'Unnamed camera')}
                        </div>
                        <div className="camera-sub">
                          {d.hardware || (key.startsWith(MANUAL_PREFIX) ? 'not probed' : '—')}
                        </div>
                        {d.left && (
                          <span className="badge badge-grey" data-testid="device-left">
                            Left the network
                          </span>
                        )}
                      </td>
                      <td className="mono small">
                        {d.addresses.map((a) => (
                          <div key={a}>{a}</div>
                        ))}
                      </td>
                      <td className="muted">{d.location || '—'}</td>
                      <td>
                        <span
                          className={skewed ? 'badge badge-amber' : 'muted small'}
                          title="Camera clock minus this computer's, read without a login"
                          data-testid="clock-skew"
                        >
                          {describeClockSkew(d.clockSkewMs)}
                        </span>
                      </td>
                      <td>
                        {d.attachedTo ? (
                          <span className="badge badge-blue" data-testid="attached-to">
                            {d.attachedTo.customerName}
                          </span>
                        ) : (
                          <span className="badge badge-grey">New</span>
                        )}
                      </td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          )}
        </div>

        <form className="card attach-panel" onSubmit={attach} noValidate data-testid="attach-panel">
          <h2>
            Attach {chosen.length} camera{chosen.length === 1 ? '' : 's'}
          </h2>
          {formError && formError.fields.filter((f) => f.field.startsWith('new.')).length === 0 && (
            <div className="alert alert-error">{formError.message}</div>
          )}
          <Field label="Customer" required>
            {(id, d) => (
              <select
                id={id}
                aria-describedby={d}
                value={customerId}
                onChange={(e) => setCustomerId(e.target.value)}
                data-testid="attach-customer"
              >
                {customers.map((c) => (
                  <option key={c.id} value={c.id}>
                    {c.name}
                    {c.status === 'disabled' ? ' (disabled)' : ''}
                  </option>
                ))}
                <option value={NEW_CUSTOMER}>+ New customer…</option>
              </select>
            )}
          </Field>
          {customerId === NEW_CUSTOMER && (
            <div className="new-customer">
              <TextField
                label="Customer name"
                required
                error={formError?.fieldMessage('new.name')}
                value={newName}
                onChange={setNewName}
              />
              <TextField
                label="Email"
                required
                error={formError?.fieldMessage('new.email')}
                type="email"
                value={newEmail}
                onChange={setNewEmail}
              />
            </div>
          )}
          <LoginList
            logins={logins}
            onChange={setLogins}
            error={formError?.fieldMessage('credentials')}
          />
          <div className="form-actions">
            <button
              type="submit"
              className="button primary"
              disabled={attaching || chosen.length === 0}
              data-testid="attach-selected"
            >
              {attaching
                ? 'Attaching…'
                : `Attach ${chosen.length} camera${chosen.length === 1 ? '' : 's'}`}
            </button>
          </div>
          {results.length > 0 && (
            <>
              <ul className="attach-results" data-testid="attach-results">
                {results.map((r) => (
                  <AttachOutcome key={r.result.xaddr} result={r.result} label={r.label} />
                ))}
              </ul>
              {attachedCustomer && results.some((r) => r.result.ok) && (
                <p className="small">
                  <button
                    type="button"
                    className="link"
                    onClick={() =>
                      navigate({ screen: 'tenant', id: attachedCustomer.id, tab: 'cameras' })
                    }
                    data-testid="open-customer-cameras"
                  >
                    Open {attachedCustomer.name}&apos;s cameras →
                  </button>
                </p>
              )}
            </>
          )}
        </form>
      </div>
    </section>
  );
}
