import { useEffect, useState, type FormEvent } from 'react';
import type { BusinessSettings, Statistics, Tenant } from '../../../shared/tenancy';
import { ApiError, call, errorMessage } from '../api';
import { Field, Switch, FormError } from '../components/ui';
import { useApp } from '../store';

/** An integrator's prices, the plans it may sell, and statistics of its subtree. */
export function BusinessTab({ tenant }: { tenant: Tenant }) {
  const [settings, setSettings] = useState<BusinessSettings | null>(null);
  const [stats, setStats] = useState<Statistics | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const toast = useApp((s) => s.toast);
  const version = useApp((s) => s.dataVersion);
  useEffect(() => {
    call('business.get', { tenantId: tenant.id }).then(setSettings, (e: unknown) =>
      toast('error', errorMessage(e)),
    );
    call('stats.get', { tenantId: tenant.id }).then(setStats, (e: unknown) =>
      toast('error', errorMessage(e)),
    );
  }, [tenant.id, version, toast]);
  if (!settings) return <p className="muted">Loading…</p>;

  const save = async (e: FormEvent) => {
    e.preventDefault();
    try {
      setSettings(await call('business.set', { tenantId: tenant.id, settings }));
      setError(null);
      toast('success', 'Prices and plans saved.');
    } catch (err) {
      setError(
        err instanceof ApiError ? err : new ApiError({ code: 'INTERNAL', message: String(err) }),
      );
    }
  };
  const num = (v: string) => (v.trim() === '' ? Number.NaN : Number(v));

  return (
    <div className="business">
      <form className="card" onSubmit={save} noValidate>
        <h3>What {tenant.name} pays</h3>
        <FormError error={error} />
        <div className="form-row">
          <Field
            label={`Storage (${settings.currency} per GB-month)`}
            error={error?.fieldMessage('settings.storagePricePerGbMonth')}
          >
            {(id, d) => (
              <input
                id={id}
                aria-describedby={d}
                type="number"
                step="0.001"
                min="0"
                value={
                  Number.isNaN(settings.storagePricePerGbMonth)
                    ? ''
                    : settings.storagePricePerGbMonth
                }
                onChange={(e) =>
                  setSettings({ ...settings, storagePricePerGbMonth: num(e.target.value) })
                }
              />
            )}
          </Field>
          <Field
            label={`Traffic (${settings.currency} per GB)`}
            error={error?.fieldMessage('settings.trafficPricePerGb')}
          >
            {(id, d) => (
              <input
                id={id}
                aria-describedby={d}
                type="number"
                step="0.001"
                min="0"
                value={Number.isNaN(settings.trafficPricePerGb) ? '' : settings.trafficPricePerGb}
                onChange={(e) =>
                  setSettings({ ...settings, trafficPricePerGb: num(e.target.value) })
                }
              />
            )}
          </Field>
        </div>
        <h3>Plans {tenant.name} may sell</h3>
        <table className="simple-table plans">
          <thead>
            <tr>
              <th>On</th>
              <th>Plan name</th>
              <th>Price / month</th>
            </tr>
          </thead>
          <tbody>
            {settings.plans.map((p, i) => {
              const update = (patch: Partial<typeof p>) =>
                setSettings({
                  ...settings,
                  plans: settings.plans.map((q, j) => (j === i ? { ...q, ...patch } : q)),
                });
              return (
                <tr key={p.id}>
                  <td>
                    <Switch
                      checked={p.enabled}
                      label={`Plan ${p.name} on`}
                      onChange={(v) => update({ enabled: v })}
                    />
                  </td>
                  <td>
                    <input
                      aria-label="Plan name"
                      value={p.name}
                      onChange={(e) => update({ name: e.target.value })}
                    />
                    {error?.fieldMessage(`settings.plans.${i}.name`) && (
                      <div className="field-error">
                        {error.fieldMessage(`settings.plans.${i}.name`)}
                      </div>
                    )}
                  </td>
                  <td>
                    <input
                      aria-label="Plan price"
                      type="number"
                      min="0"
                      step="0.01"
                      value={Number.isNaN(p.price) ? '' : p.price}
                      onChange={(e) => update({ price: num(e.target.value) })}
                    />
                    {error?.fieldMessage(`settings.plans.${i}.price`) && (
                      <div className="field-error">
                        {error.fieldMessage(`settings.plans.${i}.price`)}
                      </div>
                    )}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
        <div className="form-actions">
          <button type="submit" className="button primary">
            Save prices and plans
          </button>
        </div>
      </form>
      {stats && <StatsPanel stats={stats} />}
    </div>
  );
}

function StatsPanel({ stats }: { stats: Statistics }) {
  const max = Math.max(1, ...stats.byMonth.flatMap((m) => [m.customers, m.cameras]));
  return (
    <div className="card stats" data-testid="stats">
      <h3>Statistics</h3>
      <div className="stat-grid">
        <div>
          <span className="stat-value">{stats.integrators.toLocaleString()}</span>
          <span className="muted">integrators</span>
        </div>
        <div>
          <span className="stat-value">{stats.customers.toLocaleString()}</span>
          <span className="muted">customers</span>
        </div>
        <div>
          <span className="stat-value">{stats.cameras.toLocaleString()}</span>
          <span className="muted">cameras</span>
        </div>
        <div>
          <span className="stat-value">{stats.users.toLocaleString()}</span>
          <span className="muted">users</span>
        </div>
      </div>
      <svg
        className="chart"
        viewBox="0 0 360 140"
        role="img"
        aria-label="New customers and cameras by month"
      >
        {stats.byMonth.map((m, i) => {
          const x = 10 + i * 29;
          const hc = (m.customers / max) * 100;
          const hk = (m.cameras / max) * 100;
          return (
            <g key={m.month}>
              <rect className="bar-customers" x={x} y={110 - hc} width={11} height={hc}>
                <title>{`${m.month}: ${m.customers} customers`}</title>
              </rect>
              <rect className="bar-cameras" x={x + 12} y={110 - hk} width={11} height={hk}>
                <title>{`${m.month}: ${m.cameras} cameras`}</title>
              </rect>
              <text x={x + 11} y={128} textAnchor="middle" className="chart-label">
                {m.month.slice(5)}
              </text>
            </g>
          );
        })}
      </svg>
      <div className="legend">
        <span className="swatch customers" /> customers <span className="swatch cameras" /> cameras
        (new per month)
      </div>
    </div>
  );
}
