import { useEffect, useState, type FormEvent } from 'react';
import { ApiError, call, errorMessage } from '../api';
import { TextField } from '../components/ui';
import { useApp } from '../store';
import { BackupsCard } from '../backup/BackupsCard';
import { phaseLabel, timeOf, useSync } from './status';
import './sync.css';

type Preview = { count: number; names: string[] };

/** Settings → Server: connect to the central server, log out, or keep working standalone. */
export function ServerSettingsScreen() {
  const status = useSync((s) => s.status);
  const setStatus = useSync((s) => s.set);
  const toast = useApp((s) => s.toast);
  const navigate = useApp((s) => s.navigate);
  const [serverUrl, setServerUrl] = useState(() => useSync.getState().status?.serverUrl ?? '');
  const [email, setEmail] = useState(() => useSync.getState().status?.account?.email ?? '');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<ApiError | null>(null);
  const [busy, setBusy] = useState(false);
  const [preview, setPreview] = useState<Preview | null>(null);

  const loggedIn = !!status && status.phase !== 'standalone' && status.phase !== 'signed-out';
  const firstSync = loggedIn && status.lastSyncAt === null;

  // A first connection whose upload decision is still open (e.g. after a restart).
  useEffect(() => {
    if (!firstSync) return;
    call('sync.uploadPreview', {})
      .then((p) => setPreview(p.count > 0 ? p : null))
      .catch(() => undefined);
  }, [firstSync]);

  const run = async (what: () => Promise<void>) => {
    setBusy(true);
    try {
      await what();
    } catch (e) {
      toast('error', errorMessage(e));
    } finally {
      setBusy(false);
    }
  };

  const connect = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const res = await call('sync.connect', { serverUrl, email, password });
      setPassword('');
      setStatus(res.status);
      if (res.upload.count > 0) setPreview(res.upload);
      else toast('success', `Connected to ${res.status.serverUrl ?? 'the server'}.`);
    } catch (err) {
      setError(
        err instanceof ApiError
          ? err
          : new ApiError({ code: 'INTERNAL', message: errorMessage(err) }),
      );
    } finally {
      setBusy(false);
    }
  };

  const upload = () =>
    run(async () => {
      const res = await call('sync.uploadLocal', {});
      setStatus(res.status);
      setPreview(null);
      toast('success', `${res.queued} changes queued for the server.`);
    });
  const skipUpload = () =>
    run(async () => {
      const res = await call('sync.now', {});
      setStatus(res.status);
      setPreview(null);
    });
  const logout = (forget: boolean) =>
    run(async () => {
      setStatus(await call('sync.disconnect', { forget }));
      setPreview(null);
      toast('info', forget ? 'Working standalone.' : 'Logged out of the server.');
    });

  const fieldError = (f: string) => error?.fieldMessage(f);
  const generalError =
    error && !error.fields.some((f) => ['serverUrl', 'email', 'password'].includes(f.field))
      ? error.message
      : null;

  return (
    <section className="screen" data-testid="server-screen">
      <header className="screen-header">
        <div className="title-block">
          <div className="breadcrumb">Settings</div>
          <h1>Server</h1>
        </div>
      </header>
      <p className="muted sync-lead">
        Connect to your central VMS server to share customers with other desktops. Changes are made
        here first and go up in the background; without a connection the app keeps working
        standalone on this computer's database.
      </p>

      {status && loggedIn && (
        <div className="card narrow sync-account" data-testid="server-connected">
          <div className="sync-kv">
            <span>Server</span>
            <strong className="mono">{status.serverUrl}</strong>
            <span>Account</span>
            <strong>
              {status.account?.email}{' '}
              <span className="badge badge-grey">{status.account?.role}</span>
            </strong>
            <span>Status</span>
            <strong className={`sync-phase phase-${status.phase}`}>
              {phaseLabel(status).title}
            </strong>
            <span>Last sync</span>
            <strong>{status.lastSyncAt ? timeOf(status.lastSyncAt) : 'Not yet'}</strong>
          </div>
          <div className="form-actions">
            <button type="button" className="button" onClick={() => navigate({ screen: 'sync' })}>
              Sync details
            </button>
            <button
              type="button"
              className="button"
              disabled={busy}
              onClick={() => void logout(false)}
            >
              Log out
            </button>
            <button
              type="button"
              className="button danger-outline"
              disabled={busy}
              onClick={() => void logout(true)}
            >
              Disconnect and work standalone
            </button>
          </div>
        </div>
      )}

      {preview && (
        <div
          className="card narrow sync-upload"
          data-testid="upload-preview"
          role="region"
          aria-label="Upload local data"
        >
          <h2>Upload this desktop's data?</h2>
          <p>
            This desktop has <strong>{preview.count}</strong> local{' '}
            {preview.count === 1 ? 'integrator or customer' : 'integrators and customers'} the
            server has not seen. Upload them into your account's part of the tree?
          </p>
          <ul className="sync-names">
            {preview.names.map((n) => (
              <li key={n}>{n}</li>
            ))}
            {preview.count > preview.names.length && (
              <li className="muted">and {preview.count - preview.names.length} more</li>
            )}
          </ul>
          <div className="alert alert-warn">
            Without the upload, this desktop shows only the server's data and the local ones are
            removed from it.
          </div>
          <div className="form-actions">
            <button
              type="button"
              className="button"
              disabled={busy}
              onClick={() => void skipUpload()}
            >
              Use only the server's data
            </button>
            <button
              type="button"
              className="button primary"
              disabled={busy}
              onClick={() => void upload()}
            >
              Upload {preview.count}
            </button>
          </div>
        </div>
      )}

      {status && !loggedIn && (
        <form
          className="card narrow form"
          onSubmit={(e) => void connect(e)}
          noValidate
          aria-label="Log in to a server"
        >
          <h2>{status.phase === 'signed-out' ? 'Log in again' : 'Log in to a server'}</h2>
          {status.phase === 'signed-out' && (
            <div className="alert alert-warn">
              Logged out{status.pending ? ` with ${status.pending} changes waiting` : ''}. Log in to
              send them; they stay on this desktop meanwhile.
            </div>
          )}
          <TextField
            label="Server address"
            required
            type="url"
            placeholder="https://"
            value={serverUrl}
            onChange={setServerUrl}
            error={fieldError('serverUrl')}
            hint="For example https://sync.example.com"
          />
          <div className="form-row">
            <TextField
              label="Email"
              required
              type="email"
              autoComplete="username"
              value={email}
              onChange={setEmail}
              error={fieldError('email')}
            />
            <TextField
              label="Password"
              required
              type="password"
              autoComplete="current-password"
              value={password}
              onChange={setPassword}
              error={fieldError('password')}
            />
          </div>
          {generalError && (
            <div className="alert alert-error" role="alert">
              {generalError}
            </div>
          )}
          <div className="form-actions">
            {status.phase === 'signed-out' ? (
              <button
                type="button"
                className="button"
                disabled={busy}
                onClick={() => void logout(true)}
              >
                Forget the server and work standalone
              </button>
            ) : (
              <span className="muted sync-standalone-note">
                Or keep working standalone: nothing to do.
              </span>
            )}
            <button type="submit" className="button primary" disabled={busy}>
              {busy ? 'Logging in…' : 'Log in'}
            </button>
          </div>
        </form>
      )}
      <BackupsCard />
    </section>
  );
}
