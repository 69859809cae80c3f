import { useEffect, useState } from 'react';
import type { EnableMode, Impact, Tenant } from '../../../shared/tenancy';
import { ApiError, call, errorMessage } from '../api';
import { Dialog, Field } from '../components/ui';
import { useApp } from '../store';

const plural = (n: number, one: string, many = `${one}s`) =>
  `${n.toLocaleString()} ${n === 1 ? one : many}`;

function useImpact(id: string) {
  const [impact, setImpact] = useState<Impact | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    call('tenants.impact', { id }).then(setImpact, (e: unknown) => setError(errorMessage(e)));
  }, [id]);
  return { impact, error };
}

export function DisableDialog({ tenant, onClose }: { tenant: Tenant; onClose: () => void }) {
  const { impact, error } = useImpact(tenant.id);
  const toast = useApp((s) => s.toast);
  const [busy, setBusy] = useState(false);
  const confirm = async () => {
    setBusy(true);
    try {
      await call('tenants.disable', { id: tenant.id });
      toast('success', `${tenant.name} is disabled.`);
      onClose();
    } catch (e) {
      toast('error', errorMessage(e));
      setBusy(false);
    }
  };
  return (
    <Dialog
      title={`Disable ${tenant.name}?`}
      onClose={onClose}
      testId="disable-dialog"
      footer={
        <>
          <button type="button" className="button" onClick={onClose}>
            Cancel
          </button>
          <button
            type="button"
            className="button danger"
            onClick={confirm}
            disabled={!impact || busy}
            data-testid="confirm-disable"
          >
            Disable
          </button>
        </>
      }
    >
      {error && <div className="alert alert-error">{error}</div>}
      {!impact ? (
        <p className="muted">Counting what this affects…</p>
      ) : (
        <>
          <p className="impact-line" data-testid="disable-impact">
            <strong>{plural(impact.recordingCameras, 'camera')}</strong> will stop recording,{' '}
            <strong>{plural(impact.activeUsers, 'user')}</strong> will lose access
            {impact.tenants > 0 && (
              <>
                , across <strong>{plural(impact.tenants, 'sub-tenant')}</strong>
              </>
            )}
            .
          </p>
          <ul className="plain-list muted">
            <li>Every portal and the mobile app are blocked for these users.</li>
            <li>Archives and clips are kept.</li>
            <li>
              Each camera&apos;s own on/off setting is remembered for when you enable {tenant.name}{' '}
              again.
            </li>
          </ul>
        </>
      )}
    </Dialog>
  );
}

export function EnableDialog({ tenant, onClose }: { tenant: Tenant; onClose: () => void }) {
  const { impact, error } = useImpact(tenant.id);
  const toast = useApp((s) => s.toast);
  const [mode, setMode] = useState<EnableMode>('enable_all_cameras');
  const [busy, setBusy] = useState(false);
  const off = impact?.individuallyDisabledCameraCount ?? 0;
  const confirm = async () => {
    setBusy(true);
    try {
      await call('tenants.enable', { id: tenant.id, mode: off > 0 ? mode : 'enable_all_cameras' });
      toast('success', `${tenant.name} is enabled.`);
      onClose();
    } catch (e) {
      toast('error', errorMessage(e));
      setBusy(false);
    }
  };
  return (
    <Dialog
      title={`Enable ${tenant.name}?`}
      onClose={onClose}
      testId="enable-dialog"
      wide
      footer={
        <>
          <button type="button" className="button" onClick={onClose}>
            Cancel
          </button>
          <button
            type="button"
            className="button primary"
            onClick={confirm}
            disabled={!impact || busy}
            data-testid="confirm-enable"
          >
            Enable
          </button>
        </>
      }
    >
      {error && <div className="alert alert-error">{error}</div>}
      {!impact ? (
        <p className="muted">Counting what this affects…</p>
      ) : (
        <>
          <p>
            Users of {tenant.name} get their access back and{' '}
            <strong>{plural(impact.cameras, 'camera')}</strong> can record again.
          </p>
          {off === 0 ? (
            <p className="muted">
              No camera was switched off individually, so every camera starts recording.
            </p>
          ) : (
            <div
              className="choice-list"
              data-testid="enable-choice"
              role="radiogroup"
              aria-label="What happens to the cameras switched off individually"
            >
              <legend>
                {plural(off, 'camera was', 'cameras were')} switched off individually before{' '}
                {tenant.name} was disabled:
              </legend>
              <ul className="camera-chips">
                {impact.individuallyDisabledCameras.map((c) => (
                  <li key={c.id}>
                    {c.name}
                    {tenant.kind !== 'customer' && (
                      <span className="muted"> · {c.customerName}</span>
                    )}
                  </li>
                ))}
                {off > impact.individuallyDisabledCameras.length && (
                  <li className="muted">
                    and {off - impact.individuallyDisabledCameras.length} more
                  </li>
                )}
              </ul>
              <label className="radio">
                <input
                  type="radio"
                  name="mode"
                  checked={mode === 'enable_all_cameras'}
                  onChange={() => setMode('enable_all_cameras')}
                />
                <span>
                  <strong>Enable all cameras</strong> (the platform&apos;s standard behaviour):
                  these {off} cameras are switched on and start recording too.
                </span>
              </label>
              <label className="radio">
                <input
                  type="radio"
                  name="mode"
                  checked={mode === 'restore_previous'}
                  onChange={() => setMode('restore_previous')}
                  data-testid="mode-restore"
                />
                <span>
                  <strong>Keep these cameras off</strong>: restore each camera&apos;s previous
                  state; only the others start recording.
                </span>
              </label>
            </div>
          )}
        </>
      )}
    </Dialog>
  );
}

export function DeleteDialog({
  tenant,
  onClose,
  onDeleted,
}: {
  tenant: Tenant;
  onClose: () => void;
  onDeleted: () => void;
}) {
  const { impact, error } = useImpact(tenant.id);
  const toast = useApp((s) => s.toast);
  const [typed, setTyped] = useState('');
  const [fieldErr, setFieldErr] = useState<string | undefined>();
  const confirm = async () => {
    try {
      await call('tenants.delete', { id: tenant.id, confirmName: typed });
      toast('success', `${tenant.name} was deleted.`);
      onDeleted();
    } catch (e) {
      if (e instanceof ApiError && e.fieldMessage('confirmName'))
        setFieldErr(e.fieldMessage('confirmName'));
      else toast('error', errorMessage(e));
    }
  };
  return (
    <Dialog
      title={`Delete ${tenant.name}?`}
      onClose={onClose}
      testId="delete-dialog"
      footer={
        <>
          <button type="button" className="button" onClick={onClose}>
            Cancel
          </button>
          <button
            type="button"
            className="button danger"
            onClick={confirm}
            disabled={typed.trim() !== tenant.name}
          >
            Delete forever
          </button>
        </>
      }
    >
      {error && <div className="alert alert-error">{error}</div>}
      <p>This cannot be undone. Deleting {tenant.name} also deletes:</p>
      {impact && (
        <ul className="impact-list" data-testid="delete-impact">
          <li>{plural(impact.integrators, 'sub-integrator')}</li>
          <li>{plural(impact.customers, 'customer')}</li>
          <li>{plural(impact.users, 'user')}</li>
          <li>{plural(impact.roles, 'role')}</li>
          <li>{plural(impact.cameras, 'camera')} with their archives and events</li>
          <li>{plural(impact.alertRules, 'alert rule')}</li>
        </ul>
      )}
      <Field label={`Type ${tenant.name} to confirm`} error={fieldErr}>
        {(id, d) => (
          <input
            id={id}
            aria-describedby={d}
            value={typed}
            onChange={(e) => setTyped(e.target.value)}
            autoComplete="off"
          />
        )}
      </Field>
    </Dialog>
  );
}

export function MoveDialog({ tenant, onClose }: { tenant: Tenant; onClose: () => void }) {
  const scopes = useApp((s) => s.scopes);
  const toast = useApp((s) => s.toast);
  const [target, setTarget] = useState(tenant.parentId ?? 'root');
  const [err, setErr] = useState<string | null>(null);
  const options = scopes.filter((s) => s.id !== tenant.id);
  const confirm = async () => {
    try {
      await call('tenants.move', { id: tenant.id, newParentId: target });
      toast('success', `${tenant.name} was moved.`);
      onClose();
    } catch (e) {
      setErr(errorMessage(e));
    }
  };
  return (
    <Dialog
      title={`Move ${tenant.name}`}
      onClose={onClose}
      footer={
        <>
          <button type="button" className="button" onClick={onClose}>
            Cancel
          </button>
          <button
            type="button"
            className="button primary"
            onClick={confirm}
            disabled={target === tenant.parentId}
          >
            Move
          </button>
        </>
      }
    >
      {err && (
        <div className="alert alert-error" role="alert">
          {err}
        </div>
      )}
      <Field label="New parent integrator">
        {(id) => (
          <select id={id} value={target} onChange={(e) => setTarget(e.target.value)}>
            {options.map((s) => (
              <option key={s.id} value={s.id}>
                {s.kind === 'root' ? `${s.name} (partner)` : s.name}
              </option>
            ))}
          </select>
        )}
      </Field>
      <p className="muted">
        Everything under {tenant.name} moves with it and follows the new parent&apos;s module
        restrictions and status.
      </p>
    </Dialog>
  );
}
