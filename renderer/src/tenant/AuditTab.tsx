import { useEffect, useState } from 'react';
import type { AuditEntry } from '../../../shared/tenancy';
import { call, errorMessage } from '../api';
import { EmptyState, formatDateTime } from '../components/ui';
import { useApp } from '../store';

const OPERATIONS = [
  'tenant.create',
  'tenant.update',
  'tenant.move',
  'tenant.disable',
  'tenant.enable',
  'tenant.delete',
  'module.set',
  'business.set',
  'camera.add',
  'camera.enable',
  'camera.disable',
  'camera.remove',
];

const PERIODS = [
  { id: 'all', label: 'Any time', hours: 0 },
  { id: '1h', label: 'Last hour', hours: 1 },
  { id: '24h', label: 'Last 24 hours', hours: 24 },
  { id: '30d', label: 'Last 30 days', hours: 24 * 30 },
];

/** The audit log, for one tenant or the whole installation, filtered by time and operation. */
export function AuditTab({ tenantId }: { tenantId?: string }) {
  const [entries, setEntries] = useState<AuditEntry[] | null>(null);
  const [operation, setOperation] = useState('');
  const [period, setPeriod] = useState('all');
  const [open, setOpen] = useState<number | null>(null);
  const version = useApp((s) => s.dataVersion);
  const toast = useApp((s) => s.toast);
  useEffect(() => {
    const hours = PERIODS.find((p) => p.id === period)?.hours ?? 0;
    call('audit.list', {
      ...(tenantId ? { tenantId } : {}),
      ...(operation ? { operation } : {}),
      ...(hours ? { from: new Date(Date.now() - hours * 3600_000).toISOString() } : {}),
      limit: 500,
    }).then(setEntries, (e: unknown) => toast('error', errorMessage(e)));
  }, [tenantId, operation, period, version, toast]);

  return (
    <div>
      <div className="toolbar">
        <select
          aria-label="Filter by operation"
          value={operation}
          onChange={(e) => setOperation(e.target.value)}
        >
          <option value="">All operations</option>
          {OPERATIONS.map((o) => (
            <option key={o} value={o}>
              {o}
            </option>
          ))}
        </select>
        <select
          aria-label="Filter by time"
          value={period}
          onChange={(e) => setPeriod(e.target.value)}
        >
          {PERIODS.map((p) => (
            <option key={p.id} value={p.id}>
              {p.label}
            </option>
          ))}
        </select>
      </div>
      {!entries ? (
        <p className="muted">Loading…</p>
      ) : entries.length === 0 ? (
        <EmptyState title="No audit entries" icon="≡">
          Changes appear here with who made them, when, and the values before and after.
        </EmptyState>
      ) : (
        <table className="simple-table audit" data-testid="audit-table">
          <thead>
            <tr>
              <th>When</th>
              <th>Who</th>
              <th>Operation</th>
              {!tenantId && <th>Tenant</th>}
              <th>What</th>
            </tr>
          </thead>
          <tbody>
            {entries.map((e) => (
              <tr
                key={e.id}
                onClick={() => setOpen(open === e.id ? null : e.id)}
                className="clickable"
                data-testid="audit-row"
              >
                <td className="nowrap muted">{formatDateTime(e.at)}</td>
                <td className="muted">{e.actor}</td>
                <td>
                  <code>{e.operation}</code>
                </td>
                {!tenantId && <td>{e.tenantName}</td>}
                <td>
                  {e.summary}
                  {open === e.id && (
                    <div className="diff">
                      <div>
                        <span className="muted">Before</span>
                        <pre>{JSON.stringify(e.before, null, 2)}</pre>
                      </div>
                      <div>
                        <span className="muted">After</span>
                        <pre>{JSON.stringify(e.after, null, 2)}</pre>
                      </div>
                    </div>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}
