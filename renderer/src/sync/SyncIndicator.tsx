import { useApp } from '../store';
import { phaseLabel, useSync } from './status';
import './sync.css';

const ICONS = {
  standalone: '○',
  'signed-out': '◌',
  synced: '✓',
  pending: '↑',
  offline: '⚠',
  error: '✕',
} as const;

/** Always in the sidebar footer: synced / N pending / offline / error / standalone. */
export function SyncIndicator() {
  const status = useSync((s) => s.status);
  const navigate = useApp((s) => s.navigate);
  if (!status) return <div className="sidebar-footer muted">Local database</div>;
  const { title, detail } = phaseLabel(status);
  return (
    <button
      type="button"
      className={`sync-indicator phase-${status.phase}`}
      data-testid="sync-indicator"
      data-phase={status.phase}
      title={status.serverUrl ? `${detail} · ${status.serverUrl}` : detail}
      onClick={() =>
        navigate(status.phase === 'standalone' ? { screen: 'server' } : { screen: 'sync' })
      }
    >
      <span className="sync-dot" aria-hidden="true">
        {ICONS[status.phase]}
      </span>
      <span className="sync-text">
        <strong>{title}</strong>
        <span>{detail}</span>
      </span>
    </button>
  );
}
