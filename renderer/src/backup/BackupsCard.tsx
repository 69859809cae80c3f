import { useEffect, useState } from 'react';
import type { BackupFile } from '../../../shared/backup';
import { call, errorMessage } from '../api';
import { formatDateTime } from '../components/ui';
import { useApp } from '../store';
import './backup.css';

/** Sizes as people read them: 1.4 MB, 820 KB. */
export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ['KB', 'MB', 'GB'];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(value < 10 ? 1 : 0)} ${units[unit]}`;
}

/** Settings → Server → Backups: a consistent copy of the database while the app keeps running. */
export function BackupsCard() {
  const toast = useApp((s) => s.toast);
  const [backups, setBackups] = useState<BackupFile[] | null>(null);
  const [busy, setBusy] = useState(false);
  const [last, setLast] = useState<BackupFile | null>(null);

  useEffect(() => {
    call('backup.list', {})
      .then(setBackups)
      .catch((e: unknown) => toast('error', errorMessage(e)));
  }, [toast]);

  const backUp = async () => {
    setBusy(true);
    try {
      const made = await call('backup.create', {});
      setLast(made);
      setBackups(await call('backup.list', {}));
    } catch (e) {
      toast('error', errorMessage(e));
    } finally {
      setBusy(false);
    }
  };

  return (
    <div className="card narrow backups" data-testid="backups-card">
      <h2>Backups</h2>
      <p className="muted">
        A consistent copy of this desktop's database, taken while the app keeps working. Camera
        logins and the SMTP password inside stay encrypted with the key file of this data folder,
        which is not part of the backup: a backup restores on this device's data folder. To restore,
        quit the app and run <code>npm start -- restore FILE</code>.
      </p>
      <div className="form-actions backups-actions">
        <button
          type="button"
          className="button primary"
          disabled={busy}
          aria-busy={busy}
          onClick={() => void backUp()}
        >
          {busy ? 'Backing up…' : 'Back up now'}
        </button>
      </div>
      {last && (
        <div className="alert alert-success" role="status" data-testid="backup-result">
          Backup written to <span className="mono">{last.file}</span> ({formatBytes(last.bytes)}).
        </div>
      )}
      {backups === null ? (
        <p className="muted">Loading backups…</p>
      ) : backups.length === 0 ? (
        <p className="muted" data-testid="backups-empty">
          No backups yet. The first one appears here after “Back up now”.
        </p>
      ) : (
        <table className="simple-table" data-testid="backups-table">
          <thead>
            <tr>
              <th>File</th>
              <th>Size</th>
              <th>Taken</th>
            </tr>
          </thead>
          <tbody>
            {backups.map((b) => (
              <tr key={b.name} data-testid="backup-row">
                <td className="mono" title={b.file}>
                  {b.name}
                </td>
                <td>{formatBytes(b.bytes)}</td>
                <td>{formatDateTime(b.createdAt)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}
