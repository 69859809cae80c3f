import { useCallback, useEffect, useState, type FormEvent } from 'react';
import type { Camera } from '../../../shared/cameras';
import type { ModuleState, Tenant } from '../../../shared/tenancy';
import { ApiError, call, errorMessage } from '../api';
import { EmptyState, Field, Switch, formatDateTime } from '../components/ui';
import { useApp } from '../store';

export function CamerasTab({ tenant }: { tenant: Tenant }) {
  const [cameras, setCameras] = useState<Camera[] | null>(null);
  const [modules, setModules] = useState<ModuleState[]>([]);
  const [adding, setAdding] = useState(false);
  const toast = useApp((s) => s.toast);
  const version = useApp((s) => s.dataVersion);
  const load = useCallback(() => {
    call('cameras.list', { customerId: tenant.id }).then(setCameras, (e: unknown) =>
      toast('error', errorMessage(e)),
    );
    call('modules.get', { tenantId: tenant.id }).then(setModules, () => undefined);
  }, [tenant.id, toast]);
  useEffect(load, [load, version]);
  const rtspAllowed = modules.find((m) => m.id === 'add_rtsp_camera')?.effective ?? false;

  const setEnabled = async (cam: Camera, enabled: boolean) => {
    try {
      await call('cameras.setEnabled', { id: cam.id, enabled });
      load();
    } catch (e) {
      toast('error', errorMessage(e));
    }
  };

  if (!cameras) return <p className="muted">Loading…</p>;
  return (
    <div>
      <div className="toolbar">
        {tenant.status === 'disabled' && (
          <span className="alert alert-warn inline">
            {tenant.name} is disabled: no camera records until it is enabled.
          </span>
        )}
        <span className="spacer" />
        <button
          type="button"
          className="button"
          disabled={!rtspAllowed}
          title={
            rtspAllowed ? undefined : 'Add generic RTSP camera is switched off for this customer'
          }
          onClick={() => setAdding(true)}
          data-testid="add-rtsp"
        >
          + Add RTSP camera
        </button>
      </div>
      {adding && (
        <AddRtspForm
          customerId={tenant.id}
          onDone={() => {
            setAdding(false);
            load();
          }}
        />
      )}
      {cameras.length === 0 ? (
        <EmptyState title="No cameras yet" icon="◉">
          Cameras attached to {tenant.name} appear here with their recording state. Add one by its
          RTSP stream URL.
        </EmptyState>
      ) : (
        <table className="simple-table" data-testid="camera-table">
          <thead>
            <tr>
              <th>Name</th>
              <th>Model</th>
              <th>Address</th>
              <th>Recording</th>
              <th>Last seen</th>
              <th>Enabled</th>
              <th aria-label="Actions" />
            </tr>
          </thead>
          <tbody>
            {cameras.map((c) => (
              <tr key={c.id} data-testid="camera-row">
                <td>{c.name}</td>
                <td className="muted">{c.model}</td>
                <td className="muted mono">{c.address}</td>
                <td>
                  <span
                    className={`badge ${c.recording ? 'badge-green' : 'badge-grey'}`}
                    data-testid="recording"
                  >
                    {c.recording ? 'Recording' : 'Stopped'}
                  </span>
                </td>
                <td className="muted">{c.lastSeenAt ? formatDateTime(c.lastSeenAt) : 'never'}</td>
                <td>
                  <Switch
                    checked={c.enabled}
                    label={`Camera ${c.name} enabled`}
                    onChange={(v) => void setEnabled(c, v)}
                    testId="camera-enabled"
                  />
                </td>
                <td>
                  <button
                    type="button"
                    className="link danger-text"
                    onClick={() => {
                      if (window.confirm(`Remove camera ${c.name}?`)) {
                        call('cameras.remove', { id: c.id }).then(load, (e: unknown) =>
                          toast('error', errorMessage(e)),
                        );
                      }
                    }}
                  >
                    Remove
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}

function AddRtspForm({ customerId, onDone }: { customerId: string; onDone: () => void }) {
  const [name, setName] = useState('');
  const [url, setUrl] = useState('rtsp://');
  const [error, setError] = useState<ApiError | null>(null);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    try {
      await call('cameras.addManual', { customerId, name, streamUrl: url });
      onDone();
    } catch (err) {
      setError(
        err instanceof ApiError ? err : new ApiError({ code: 'INTERNAL', message: String(err) }),
      );
    }
  };
  return (
    <form className="card inline-form" onSubmit={submit} noValidate data-testid="rtsp-form">
      {error && error.fields.length === 0 && (
        <div className="alert alert-error">{error.message}</div>
      )}
      <div className="form-row">
        <Field label="Camera name" required error={error?.fieldMessage('name')}>
          {(id, d) => (
            <input
              id={id}
              aria-describedby={d}
              value={name}
              onChange={(e) => setName(e.target.value)}
              autoFocus
            />
          )}
        </Field>
        <Field label="Stream URL" required error={error?.fieldMessage('streamUrl')}>
          {(id, d) => (
            <input
              id={id}
              aria-describedby={d}
              value={url}
              onChange={(e) => setUrl(e.target.value)}
              className="mono"
            />
          )}
        </Field>
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
