import { useApp } from '../store';
import { progressLabel } from './progress';
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
  const progress = status.progress ? progressLabel(status.progress) : null;
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
        {progress ? '↓' : ICONS[status.phase]}
      </span>
      <span className="sync-text">
        <strong>{title}</strong>
        <span>{detail}</span>
        {progress && <ProgressBar percent={progress.percent} label={progress.text} />}
      </span>
    </button>
  );
}

/**
 * A thin bar for a snapshot's progress: filled to `percent`, or moving without an end when the
 * server did not say how many rows come.
 */
export function ProgressBar({ percent, label }: { percent: number | null; label: string }) {
  return (
    <span
      className={`sync-progress${percent === null ? ' indeterminate' : ''}`}
      role="progressbar"
      aria-label={label}
      aria-valuemin={0}
      aria-valuemax={100}
      {...(percent === null ? {} : { 'aria-valuenow': percent })}
      data-testid="sync-progress"
    >
      <span
        className="sync-progress-fill"
        style={percent === null ? {} : { width: `${percent}%` }}
      />
    </span>
  );
}
