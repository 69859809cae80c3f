import { useCallback, useEffect, useState } from 'react';
import type { Tenant } from '../../../shared/tenancy';
import {
  SYSTEM_TRIGGERS,
  type AlertHistoryEntry,
  type AlertRule,
  type AlertSetup,
} from '../../../shared/alerts/rules';
import { normalizeTopic } from '../../../shared/alerts/match';
import { call, errorMessage } from '../api';
import { EmptyState, formatDateTime } from '../components/ui';
import { useApp } from '../store';
import { RuleEditor } from './RuleEditor';
import { SmtpDialog } from './SmtpDialog';
import './alerts.css';

export function describeTrigger(rule: Pick<AlertRule, 'trigger'>): string {
  const t = rule.trigger;
  if (t.type === 'onvif') {
    const filters = t.filters.map((f) => `${f.item} = ${f.value}`).join(', ');
    return `${normalizeTopic(t.topic)}${filters ? ` (${filters})` : ''}`;
  }
  if (t.type === 'analytics') return `Server-side analytics: ${t.analytic.replace('_', ' ')}`;
  const label = SYSTEM_TRIGGERS.find((s) => s.type === t.type)?.label ?? t.type;
  if (t.type === 'camera_offline') return `${label} for ${t.afterMinutes} min`;
  if (t.type === 'clock_skew') return `${label} over ${t.overSeconds} s`;
  return label;
}

/** A customer's alert rules and the history of what they sent. */
export function AlertsTab({ tenant }: { tenant: Tenant }) {
  const version = useApp((s) => s.dataVersion);
  const toast = useApp((s) => s.toast);
  const [rules, setRules] = useState<AlertRule[] | null>(null);
  const [setup, setSetup] = useState<AlertSetup | null>(null);
  const [history, setHistory] = useState<AlertHistoryEntry[]>([]);
  const [editing, setEditing] = useState<AlertRule | 'new' | null>(null);
  const [smtpOpen, setSmtpOpen] = useState(false);
  const load = useCallback(() => {
    const fail = (e: unknown) => toast('error', errorMessage(e));
    call('alerts.list', { customerId: tenant.id }).then(setRules, fail);
    call('alerts.setup', { customerId: tenant.id }).then(setSetup, fail);
    call('alerts.history', { customerId: tenant.id, limit: 200 }).then(setHistory, fail);
  }, [tenant.id, toast]);
  useEffect(load, [load, version]);

  if (editing && setup)
    return (
      <RuleEditor
        tenant={tenant}
        rule={editing === 'new' ? null : editing}
        setup={setup}
        onSetup={setSetup}
        onDone={() => {
          setEditing(null);
          load();
        }}
      />
    );
  if (!rules || !setup) return <p className="muted">Loading…</p>;
  return (
    <div className="alerts" data-testid="alerts-tab">
      {setup.blockedReason && (
        <div className="alert alert-error" role="alert" data-testid="alerts-blocked">
          {setup.blockedReason}
        </div>
      )}
      {!setup.smtpConfigured && (
        <div className="alert alert-info">
          No SMTP server is set up yet: notifications are kept in the outbox until one is.
        </div>
      )}
      <div className="toolbar">
        <span className="muted">
          Rules email {tenant.name}&apos;s own users about camera events and camera health.
        </span>
        <span className="spacer" />
        <button type="button" className="button" onClick={() => setSmtpOpen(true)}>
          Email server…
        </button>
        <button
          type="button"
          className="button primary"
          disabled={setup.blockedReason !== null}
          title={setup.blockedReason ?? undefined}
          onClick={() => setEditing('new')}
          data-testid="add-alert-rule"
        >
          + New rule
        </button>
      </div>
      {rules.length === 0 ? (
        <EmptyState title="No alert rules yet" icon="🔔">
          A rule picks a camera event (motion, tampering…) or a system event (camera offline,
          recording stopped…), the cameras, and who gets the email.
        </EmptyState>
      ) : (
        <div className="alert-rules">
          {rules.map((r) => (
            <button
              key={r.id}
              type="button"
              className="card alert-rule-card"
              onClick={() => setEditing(r)}
              data-testid="alert-rule-card"
            >
              <strong>
                {r.name}{' '}
                <span className={`badge ${r.enabled ? 'badge-green' : 'badge-grey'}`}>
                  {r.enabled ? 'On' : 'Off'}
                </span>
              </strong>
              <span className="small">{describeTrigger(r)}</span>
              <span className="muted small">
                {r.cameras === 'all' ? 'All cameras' : `${r.cameras.length} camera(s)`} ·{' '}
                {r.recipientIds.length} recipient(s) · {r.channel}
                {r.digestMinutes > 0 ? ` · digest ${r.digestMinutes} min` : ''}
              </span>
            </button>
          ))}
        </div>
      )}
      <AlertHistory entries={history} />
      {smtpOpen && (
        <SmtpDialog
          onClose={() => {
            setSmtpOpen(false);
            load();
          }}
        />
      )}
    </div>
  );
}

function AlertHistory({ entries }: { entries: AlertHistoryEntry[] }) {
  return (
    <div className="card" data-testid="alert-history">
      <h3>Alert history</h3>
      {entries.length === 0 ? (
        <p className="muted">No notifications yet.</p>
      ) : (
        <table className="history-table">
          <thead>
            <tr>
              <th>Time</th>
              <th>Event</th>
              <th>Camera</th>
              <th>Rule</th>
              <th>Recipients</th>
              <th>Delivery</th>
            </tr>
          </thead>
          <tbody>
            {entries.map((e) => (
              <tr key={e.id}>
                <td>{formatDateTime(e.at)}</td>
                <td>{e.event}</td>
                <td>{e.cameraName}</td>
                <td>{e.ruleName}</td>
                <td className="small">{e.recipients.join(', ') || '—'}</td>
                <td className={`delivery-${e.status}`} title={e.error ?? undefined}>
                  {e.status === 'sent'
                    ? `Sent${e.sentAt ? ` ${formatDateTime(e.sentAt)}` : ''}`
                    : e.status === 'digest'
                      ? 'Collecting (digest)'
                      : e.status === 'pending'
                        ? `Queued${e.attempts > 0 ? ` (retry ${e.attempts})` : ''}`
                        : 'Failed'}
                  {e.error && <div className="small">{e.error}</div>}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}
