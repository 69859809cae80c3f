import { useCallback, useEffect, useState } from 'react';
import { describeClockSkew, CLOCK_SKEW_WARN_MS, type Camera } from '../../../shared/cameras';
import type { ModuleId } from '../../../shared/modules';
import type { ModuleState, Tenant } from '../../../shared/tenancy';
import { call, errorMessage } from '../api';
import { EmptyState, Switch, formatDateTime } from '../components/ui';
import { useApp } from '../store';
import {
  AddOnvifDialog,
  AddPnpDialog,
  AddRtspForm,
  EditCameraDialog,
} from '../cameras/CameraForms';
import { Thumbnail } from '../cameras/Thumbnail';
import '../cameras/cameras.css';

const STATUS_LABEL: Record<Camera['status'], { text: string; badge: string }> = {
  online: { text: 'Online', badge: 'badge-green' },
  offline: { text: 'Offline', badge: 'badge-red' },
  auth_failed: { text: 'Login refused', badge: 'badge-red' },
  error: { text: 'Error', badge: 'badge-amber' },
  unknown: { text: 'Not checked', badge: 'badge-grey' },
};

const KIND_LABEL: Record<Camera['kind'], string> = { onvif: 'ONVIF', rtsp: 'RTSP', pnp: 'P&P' };

function displayAddress(c: Camera): string {
  if (c.kind !== 'onvif') return c.address;
  try {
    return new URL(c.address).host;
  } catch {
    return c.address;
  }
}

export function CamerasTab({ tenant }: { tenant: Tenant }) {
  const [cameras, setCameras] = useState<Camera[] | null>(null);
  const [modules, setModules] = useState<ModuleState[]>([]);
  const [dialog, setDialog] = useState<'rtsp' | 'onvif' | 'pnp' | null>(null);
  const [editing, setEditing] = useState<Camera | null>(null);
  const [checking, setChecking] = useState<Set<string>>(new Set());
  const toast = useApp((s) => s.toast);
  const navigate = useApp((s) => s.navigate);
  const version = useApp((s) => s.dataVersion);
  const load = useCallback(() => {
    call('cameras.list', { customerId: tenant.id }).then(setCameras, (e: unknown) =>
      toast('error', errorMessage(e)),
    );
    call('modules.get', { tenantId: tenant.id }).then(setModules, () => undefined);
  }, [tenant.id, toast]);
  useEffect(load, [load, version]);
  const allowed = (id: ModuleId) => modules.find((m) => m.id === id)?.effective ?? false;
  const canOnvif = allowed('add_onvif_camera');
  const canRtsp = allowed('add_rtsp_camera');
  const canPnp = allowed('add_pnp_camera');

  const setEnabled = async (cam: Camera, enabled: boolean) => {
    try {
      await call('cameras.setEnabled', { id: cam.id, enabled });
      load();
    } catch (e) {
      toast('error', errorMessage(e));
    }
  };

  const recheck = async (cam: Camera) => {
    setChecking((s) => new Set(s).add(cam.id));
    try {
      const fresh = await call('cameras.recheck', { id: cam.id });
      setCameras((list) => list?.map((c) => (c.id === fresh.id ? fresh : c)) ?? null);
      toast(
        fresh.status === 'online' ? 'success' : 'error',
        fresh.status === 'online'
          ? `${fresh.name} answered.`
          : `${fresh.name}: ${fresh.lastError ?? STATUS_LABEL[fresh.status].text}`,
      );
    } catch (e) {
      toast('error', errorMessage(e));
    } finally {
      setChecking((s) => {
        const next = new Set(s);
        next.delete(cam.id);
        return next;
      });
    }
  };

  const remove = (cam: Camera) => {
    if (!window.confirm(`Remove camera ${cam.name} from ${tenant.name}?`)) return;
    call('cameras.remove', { id: cam.id }).then(load, (e: unknown) =>
      toast('error', errorMessage(e)),
    );
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
        {canOnvif && (
          <button
            type="button"
            className="button"
            onClick={() => setDialog('onvif')}
            data-testid="add-onvif"
          >
            + Add ONVIF camera
          </button>
        )}
        {canRtsp && (
          <button
            type="button"
            className="button"
            onClick={() => setDialog('rtsp')}
            data-testid="add-rtsp"
          >
            + Add RTSP camera
          </button>
        )}
        {canPnp && (
          <button
            type="button"
            className="button"
            onClick={() => setDialog('pnp')}
            data-testid="add-pnp"
          >
            + Add P&amp;P camera
          </button>
        )}
        {modules.length > 0 && !canOnvif && !canRtsp && !canPnp && (
          <span className="muted small">
            Adding cameras is switched off for {tenant.name} (see the Modules tab).
          </span>
        )}
      </div>
      {dialog === 'rtsp' && (
        <AddRtspForm
          customerId={tenant.id}
          onDone={() => {
            setDialog(null);
            load();
          }}
        />
      )}
      {dialog === 'onvif' && (
        <AddOnvifDialog
          customerId={tenant.id}
          onClose={() => setDialog(null)}
          onAdded={load}
          onScan={() => navigate({ screen: 'site-scan' })}
        />
      )}
      {dialog === 'pnp' && (
        <AddPnpDialog customerId={tenant.id} onClose={() => setDialog(null)} onAdded={load} />
      )}
      {editing && (
        <EditCameraDialog camera={editing} onClose={() => setEditing(null)} onSaved={load} />
      )}
      {cameras.length === 0 ? (
        <EmptyState title="No cameras yet" icon="◉">
          Cameras attached to {tenant.name} appear here with their recording state. Scan the site
          for ONVIF cameras, or add one by its address or RTSP stream URL.
        </EmptyState>
      ) : (
        <table className="simple-table camera-table" data-testid="camera-table">
          <thead>
            <tr>
              <th aria-label="Snapshot" />
              <th>Name</th>
              <th>Address</th>
              <th>Status</th>
              <th>Recording</th>
              <th>Last seen</th>
              <th>Enabled</th>
              <th aria-label="Actions" />
            </tr>
          </thead>
          <tbody>
            {cameras.map((c) => {
              const status = STATUS_LABEL[c.status];
              const skewed = c.clockSkewMs !== null && Math.abs(c.clockSkewMs) > CLOCK_SKEW_WARN_MS;
              return (
                <tr key={c.id} data-testid="camera-row">
                  <td>
                    <Thumbnail camera={c} />
                  </td>
                  <td>
                    <div className="camera-name">{c.name}</div>
                    <div className="camera-sub" data-testid="camera-model">
                      {KIND_LABEL[c.kind]} · {c.model}
                    </div>
                  </td>
                  <td className="muted mono">
                    {displayAddress(c)}
                    {c.mac && <div className="camera-sub">{c.mac}</div>}
                  </td>
                  <td>
                    <span className={`badge ${status.badge}`} data-testid="camera-status">
                      {status.text}
                    </span>
                    {c.status !== 'online' && c.lastError && (
                      <div className="cell-error">{c.lastError}</div>
                    )}
                    {skewed && (
                      <div className="camera-sub" title="Camera clock minus this computer's">
                        Clock {describeClockSkew(c.clockSkewMs)}
                      </div>
                    )}
                  </td>
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
                    <div className="camera-actions">
                      <button
                        type="button"
                        className="link"
                        disabled={checking.has(c.id)}
                        onClick={() => void recheck(c)}
                        data-testid="camera-recheck"
                      >
                        {checking.has(c.id) ? 'Checking…' : 'Re-check now'}
                      </button>
                      <button type="button" className="link" onClick={() => setEditing(c)}>
                        Edit
                      </button>
                      <button type="button" className="link danger-text" onClick={() => remove(c)}>
                        Remove
                      </button>
                    </div>
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
    </div>
  );
}
