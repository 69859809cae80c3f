import { useEffect, useState } from 'react';
import type { SyncDetails } from '../../../shared/sync-contract';
import { call, errorMessage } from '../api';
import { EmptyState, formatDateTime } from '../components/ui';
import { useApp } from '../store';
import { progressLabel } from './progress';
import { phaseLabel, timeOf, useSync } from './status';
import { ProgressBar } from './SyncIndicator';
import './sync.css';

function show(v: unknown): string {
  if (v === null || v === undefined || v === '') return '—';
  if (typeof v === 'boolean') return v ? 'yes' : 'no';
  if (typeof v === 'string' || typeof v === 'number') return String(v);
  return JSON.stringify(v);
}

/** The Sync screen: what waits to go up, what the server refused and why, and lost edits. */
export function SyncScreen() {
  const status = useSync((s) => s.status);
  const version = useSync((s) => s.version);
  const setStatus = useSync((s) => s.set);
  const toast = useApp((s) => s.toast);
  const navigate = useApp((s) => s.navigate);
  const [details, setDetails] = useState<SyncDetails | null>(null);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    let live = true;
    call('sync.details', {})
      .then((d) => live && setDetails(d))
      .catch((e: unknown) => toast('error', errorMessage(e)));
    return () => {
      live = false;
    };
  }, [version, toast]);

  const syncNow = async () => {
    setBusy(true);
    try {
      const res = await call('sync.now', {});
      setStatus(res.status);
      if (!res.report.ok)
        toast('error', res.status.lastError ?? res.report.error ?? 'Sync failed.');
    } catch (e) {
      toast('error', errorMessage(e));
    } finally {
      setBusy(false);
    }
  };
  const clear = async () => {
    try {
      await call('sync.clearAnswered', {});
      setDetails(await call('sync.details', {}));
    } catch (e) {
      toast('error', errorMessage(e));
    }
  };

  const connected = !!status && status.phase !== 'standalone';
  const label = status ? phaseLabel(status) : null;
  const progress = status?.progress ? progressLabel(status.progress) : null;

  return (
    <section className="screen" data-testid="sync-screen">
      <header className="screen-header">
        <div className="title-block">
          <h1>Sync</h1>
          {status?.serverUrl && (
            <div className="title-meta muted">
              <span className="mono">{status.serverUrl}</span>
              {status.account && <span>· {status.account.email}</span>}
            </div>
          )}
        </div>
        <div className="header-actions">
          <button type="button" className="button" onClick={() => navigate({ screen: 'server' })}>
            Server settings
          </button>
          {connected && (
            <button
              type="button"
              className="button primary"
              disabled={busy || status.phase === 'signed-out'}
              onClick={() => void syncNow()}
            >
              {busy || status.syncing ? 'Syncing…' : 'Sync now'}
            </button>
          )}
        </div>
      </header>

      {status && label && !connected && (
        <EmptyState title="Working standalone" icon="○">
          This desktop is not connected to a server; everything stays in its local database.{' '}
          <button type="button" className="link" onClick={() => navigate({ screen: 'server' })}>
            Connect in Settings → Server
          </button>
        </EmptyState>
      )}

      {status && label && connected && (
        <div className="sync-summary">
          <div className={`card sync-stat phase-${status.phase}`} data-testid="sync-state">
            <span className="muted">Status</span>
            <strong>{label.title}</strong>
            {progress ? (
              <>
                <span className="muted small" data-testid="sync-progress-text">
                  {progress.text}
                </span>
                <ProgressBar percent={progress.percent} label={progress.text} />
              </>
            ) : (
              <span className="muted small">{label.detail}</span>
            )}
          </div>
          <div className="card sync-stat">
            <span className="muted">Pending</span>
            <strong data-testid="sync-pending-count">{status.pending}</strong>
            <span className="muted small">changes waiting to be sent</span>
          </div>
          <div className="card sync-stat">
            <span className="muted">Last sync</span>
            <strong>{status.lastSyncAt ? timeOf(status.lastSyncAt) : 'Not yet'}</strong>
            <span className="muted small">
              {status.syncing
                ? 'Syncing now'
                : status.nextAttemptAt
                  ? `${status.phase === 'offline' || status.phase === 'error' ? 'Retry' : 'Next sync'} at ${timeOf(status.nextAttemptAt, true)}`
                  : 'Background sync paused'}
            </span>
          </div>
        </div>
      )}
      {status?.lastError && status.phase !== 'synced' && status.phase !== 'pending' && (
        <div className="alert alert-error" role="alert">
          {status.lastError}
        </div>
      )}

      {details && connected && (
        <>
          <section className="sync-section" aria-label="Overwritten edits">
            <div className="sync-section-head">
              <h2>Overwritten edits</h2>
              <span className="muted small">
                A newer edit from elsewhere won; the server kept its value.
              </span>
              <span className="spacer" />
              {(details.overwritten.length > 0 || details.rejected.length > 0) && (
                <button type="button" className="button" onClick={() => void clear()}>
                  Clear reviewed
                </button>
              )}
            </div>
            {details.overwritten.length === 0 ? (
              <p className="muted sync-none">None.</p>
            ) : (
              <table className="simple-table" data-testid="sync-overwritten">
                <thead>
                  <tr>
                    <th>Customer / integrator</th>
                    <th>Field</th>
                    <th>Your value</th>
                    <th>Their value (kept)</th>
                    <th>Who</th>
                    <th>When</th>
                  </tr>
                </thead>
                <tbody>
                  {details.overwritten.map((o) => (
                    <tr key={`${o.mutationId}-${o.field}`}>
                      <td>
                        {o.tenantId && o.tenantName ? (
                          <button
                            type="button"
                            className="link"
                            onClick={() =>
                              o.tenantId &&
                              navigate({ screen: 'tenant', id: o.tenantId, tab: 'details' })
                            }
                          >
                            {o.tenantName}
                          </button>
                        ) : (
                          (o.tenantName ?? '—')
                        )}
                      </td>
                      <td>{o.field}</td>
                      <td>
                        <span className="sync-lost">{show(o.yourValue)}</span>
                      </td>
                      <td>
                        <span className="sync-kept">{show(o.theirValue)}</span>
                      </td>
                      <td>{o.who}</td>
                      <td className="nowrap">{o.when ? formatDateTime(o.when) : '—'}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )}
          </section>

          <section className="sync-section" aria-label="Rejected changes">
            <div className="sync-section-head">
              <h2>Rejected changes</h2>
              <span className="muted small">The server refused these; they were undone here.</span>
            </div>
            {details.rejected.length === 0 ? (
              <p className="muted sync-none">None.</p>
            ) : (
              <table className="simple-table" data-testid="sync-rejected">
                <thead>
                  <tr>
                    <th>Change</th>
                    <th>Reason</th>
                    <th>Made</th>
                  </tr>
                </thead>
                <tbody>
                  {details.rejected.map((r) => (
                    <tr key={r.mutationId}>
                      <td>{r.summary}</td>
                      <td>
                        <span className="badge badge-red">{r.code}</span> {r.reason}
                      </td>
                      <td className="nowrap">{formatDateTime(r.createdAt)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )}
          </section>

          <section className="sync-section" aria-label="Pending changes">
            <div className="sync-section-head">
              <h2>Waiting to be sent</h2>
              <span className="muted small">Made on this desktop, not yet on the server.</span>
            </div>
            {details.pending.length === 0 ? (
              <p className="muted sync-none">Nothing waiting.</p>
            ) : (
              <table className="simple-table" data-testid="sync-pending">
                <thead>
                  <tr>
                    <th>Change</th>
                    <th>Made</th>
                  </tr>
                </thead>
                <tbody>
                  {details.pending.map((p) => (
                    <tr key={p.mutationId}>
                      <td>{p.summary}</td>
                      <td className="nowrap">{formatDateTime(p.createdAt)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )}
          </section>
        </>
      )}
    </section>
  );
}
