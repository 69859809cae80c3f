import { useState, type FormEvent } from 'react';
import {
  describeClockSkew,
  type AttachResult,
  type Camera,
  type CameraCredentials,
} from '../../../shared/cameras';
import { ApiError, call } from '../api';
import { Dialog, Field, FormError, TextField } from '../components/ui';
import { LoginList } from './LoginList';
import './cameras.css';

const asApiError = (err: unknown) =>
  err instanceof ApiError ? err : new ApiError({ code: 'INTERNAL', message: String(err) });

/** Generic RTSP camera: URL plus an optional login (kept out of the URL, stored encrypted). */
export function AddRtspForm({ customerId, onDone }: { customerId: string; onDone: () => void }) {
  const [name, setName] = useState('');
  const [url, setUrl] = useState('rtsp://');
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<ApiError | null>(null);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    try {
      await call('cameras.addManual', { customerId, name, streamUrl: url, username, password });
      onDone();
    } catch (err) {
      setError(asApiError(err));
    }
  };
  return (
    <form className="card inline-form" onSubmit={submit} noValidate data-testid="rtsp-form">
      <FormError error={error} />
      <div className="form-row">
        <TextField
          label="Camera name"
          required
          error={error?.fieldMessage('name')}
          value={name}
          onChange={setName}
          autoFocus
        />
        <TextField
          label="Stream URL"
          required
          error={error?.fieldMessage('streamUrl')}
          hint="Without user name and password: enter those below."
          value={url}
          onChange={setUrl}
          className="mono"
        />
        <TextField
          label="User name"
          error={error?.fieldMessage('username')}
          value={username}
          autoComplete="off"
          onChange={setUsername}
        />
        <TextField
          label="Password"
          error={error?.fieldMessage('password')}
          type="password"
          autoComplete="new-password"
          value={password}
          onChange={setPassword}
        />
      </div>
      <div className="form-actions">
        <button type="button" className="button" onClick={onDone}>
          Cancel
        </button>
        <button type="submit" className="button primary">
          Add camera
        </button>
      </div>
    </form>
  );
}

/** One attach outcome, as the Site scan and the Add ONVIF dialog show it. */
export function AttachOutcome({ result, label }: { result: AttachResult; label: string }) {
  return (
    <li data-testid="attach-result">
      {result.ok ? <span className="ok">✓ {label}</span> : <span className="bad">✗ {label}</span>}
      <div className="muted small">
        {result.ok
          ? `Attached as “${result.camera?.name ?? ''}”${
              result.clockSkewMs !== undefined
                ? ` · clock ${describeClockSkew(result.clockSkewMs)}`
                : ''
            }`
          : result.error?.message}
      </div>
      {result.findings.map((f) => (
        <div key={f.code} className="finding" data-testid="security-finding">
          ⚠ Security: {f.message}
        </div>
      ))}
    </li>
  );
}

/** Add ONVIF camera by address (for networks where discovery does not reach it). */
export function AddOnvifDialog(props: {
  customerId: string;
  onClose: () => void;
  onAdded: () => void;
  onScan: () => void;
}) {
  const [address, setAddress] = useState('');
  const [name, setName] = useState('');
  const [logins, setLogins] = useState<CameraCredentials[]>([{ username: 'admin', password: '' }]);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  const [result, setResult] = useState<AttachResult | null>(null);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    setResult(null);
    try {
      const { results } = await call('cameras.attachOnvif', {
        customerId: props.customerId,
        devices: [{ xaddr: address, ...(name.trim() ? { name } : {}) }],
        credentials: logins,
      });
      const first = results[0] ?? null;
      setResult(first);
      if (first?.ok) {
        props.onAdded();
        if (first.findings.length === 0) props.onClose();
      }
    } catch (err) {
      setError(asApiError(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <Dialog title="Add ONVIF camera" onClose={props.onClose} testId="onvif-dialog">
      <form className="form" onSubmit={submit} noValidate>
        <p className="muted small" style={{ margin: 0 }}>
          Type the camera&apos;s address, or{' '}
          <button type="button" className="link" onClick={props.onScan}>
            scan the site
          </button>{' '}
          to find cameras on this network.
        </p>
        <FormError error={error} />
        <TextField
          label="Camera address"
          required
          error={error?.fieldMessage('devices.0.xaddr')}
          hint="IP or host, e.g. 192.168.1.20 or 192.168.1.20:8080, or the device service URL."
          className="mono"
          value={address}
          onChange={setAddress}
          autoFocus
        />
        <TextField
          label="Camera name"
          hint="Optional: the camera's model and address by default."
          value={name}
          onChange={setName}
        />
        <LoginList
          logins={logins}
          onChange={setLogins}
          error={error?.fieldMessage('credentials')}
        />
        {result && (
          <ul className="attach-results">
            <AttachOutcome result={result} label={address} />
          </ul>
        )}
        <div className="form-actions">
          <button type="button" className="button" onClick={props.onClose}>
            {result?.ok ? 'Close' : 'Cancel'}
          </button>
          <button type="submit" className="button primary" disabled={busy}>
            {busy ? 'Connecting…' : 'Add camera'}
          </button>
        </div>
      </form>
    </Dialog>
  );
}

/** P&P camera: its cloud id and the activation code from its label. */
export function AddPnpDialog(props: {
  customerId: string;
  onClose: () => void;
  onAdded: () => void;
}) {
  const [name, setName] = useState('');
  const [cloudId, setCloudId] = useState('');
  const [code, setCode] = useState('');
  const [error, setError] = useState<ApiError | null>(null);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    try {
      await call('cameras.addPnp', {
        customerId: props.customerId,
        name,
        cloudId,
        activationCode: code,
      });
      props.onAdded();
      props.onClose();
    } catch (err) {
      setError(asApiError(err));
    }
  };
  return (
    <Dialog title="Add P&P camera" onClose={props.onClose} testId="pnp-dialog">
      <form className="form" onSubmit={submit} noValidate>
        <FormError error={error} />
        <TextField
          label="Camera name"
          required
          error={error?.fieldMessage('name')}
          value={name}
          onChange={setName}
          autoFocus
        />
        <TextField
          label="Cloud id / serial"
          required
          error={error?.fieldMessage('cloudId')}
          hint="Printed on the camera label or its box."
          className="mono"
          value={cloudId}
          onChange={setCloudId}
        />
        <TextField
          label="Activation code"
          required
          error={error?.fieldMessage('activationCode')}
          className="mono"
          autoComplete="off"
          value={code}
          onChange={setCode}
        />
        <div className="form-actions">
          <button type="button" className="button" onClick={props.onClose}>
            Cancel
          </button>
          <button type="submit" className="button primary">
            Add camera
          </button>
        </div>
      </form>
    </Dialog>
  );
}

/** Edit: name, recording profile, and a new login (tested on the camera before it is stored). */
export function EditCameraDialog(props: {
  camera: Camera;
  onClose: () => void;
  onSaved: () => void;
}) {
  const cam = props.camera;
  const [name, setName] = useState(cam.name);
  const [profile, setProfile] = useState(cam.recordingProfile ?? '');
  const [changeLogin, setChangeLogin] = useState(false);
  const [login, setLogin] = useState<CameraCredentials[]>([
    { username: cam.username || 'admin', password: '' },
  ]);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    try {
      const first = login[0];
      await call('cameras.update', {
        id: cam.id,
        name,
        ...(profile && profile !== cam.recordingProfile ? { recordingProfile: profile } : {}),
        ...(changeLogin && first ? { credentials: first } : {}),
      });
      props.onSaved();
      props.onClose();
    } catch (err) {
      setError(asApiError(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <Dialog title={`Edit ${cam.name}`} onClose={props.onClose} testId="edit-camera-dialog">
      <form className="form" onSubmit={submit} noValidate>
        <FormError error={error} />
        <TextField
          label="Camera name"
          required
          error={error?.fieldMessage('name')}
          value={name}
          onChange={setName}
          autoFocus
        />
        {cam.profiles.length > 0 && (
          <Field label="Recording profile" error={error?.fieldMessage('recordingProfile')}>
            {(id, d) => (
              <select
                id={id}
                aria-describedby={d}
                value={profile}
                onChange={(e) => setProfile(e.target.value)}
              >
                {cam.profiles.map((p) => (
                  <option key={p.token} value={p.token}>
                    {p.name}
                    {p.width && p.height ? ` · ${p.width}×${p.height}` : ''}
                    {p.encoding ? ` · ${p.encoding}` : ''}
                  </option>
                ))}
              </select>
            )}
          </Field>
        )}
        {cam.kind !== 'pnp' &&
          (changeLogin ? (
            <LoginList
              logins={login}
              onChange={setLogin}
              max={1}
              error={error?.fieldMessage('credentials')}
            />
          ) : (
            <p className="small" style={{ margin: 0 }}>
              Login: {cam.hasCredentials ? `${cam.username || '(no user)'} · ••••••` : 'none'}{' '}
              <button type="button" className="link" onClick={() => setChangeLogin(true)}>
                Change login…
              </button>
            </p>
          ))}
        <div className="form-actions">
          <button type="button" className="button" onClick={props.onClose}>
            Cancel
          </button>
          <button type="submit" className="button primary" disabled={busy}>
            {busy ? 'Saving…' : 'Save changes'}
          </button>
        </div>
      </form>
    </Dialog>
  );
}
