import { useCallback, useEffect, useRef, useState } from 'react';
import { CAMERA_RIGHTS, PORTAL_ACTIONS, roleTypeInfo, type User } from '../../../shared/people';
import { moduleInfo } from '../../../shared/modules';
import {
  actionLabel,
  describeReason,
  explainSentence,
  type AccessDecision,
  type AccessReason,
  type UserAccessMatrix,
} from '../../../shared/user-access';
import { call, errorMessage } from '../api';
import { EmptyState } from '../components/ui';
import { useApp } from '../store';

/**
 * The Access panel: cameras × rights, every cell computed by the one access function in shared/
 * (on the core side) and explainable in one click.
 */
export function AccessPanel({ user }: { user: User }) {
  const version = useApp((s) => s.dataVersion);
  const toast = useApp((s) => s.toast);
  const [matrix, setMatrix] = useState<UserAccessMatrix | null>(null);
  const [open, setOpen] = useState<string | null>(null);
  const load = useCallback(() => {
    call('access.matrix', { userId: user.id }).then(setMatrix, (e: unknown) =>
      toast('error', errorMessage(e)),
    );
  }, [user.id, toast]);
  useEffect(load, [load, version, user.updatedAt]);

  if (!matrix) return <section className="card muted">Computing access…</section>;
  const cells = new Map(matrix.cells.map((c) => [`${c.cameraId}:${c.right}`, c.decision]));
  const granted = matrix.cells.filter((c) => c.decision.allowed).length;
  return (
    <section
      className="card access-panel"
      data-testid="access-panel"
      aria-labelledby="access-title"
    >
      <div className="access-head">
        <h3 id="access-title">Access</h3>
        <span className="muted small">
          {granted} of {matrix.cells.length} camera rights granted · click any cell to see why
        </span>
      </div>
      <div className="portal-row">
        {matrix.portals.map((d) => (
          <span key={d.action} className="cell-anchor">
            <button
              type="button"
              className={`portal-chip ${d.allowed ? 'yes' : 'no'}`}
              aria-expanded={open === d.action}
              data-testid={`portal-${d.action}`}
              onClick={() => setOpen(open === d.action ? null : d.action)}
            >
              {d.allowed ? '✓' : '✕'} {PORTAL_ACTIONS.find((a) => a.id === d.action)?.label}
            </button>
            {open === d.action && <Explanation decision={d} onClose={() => setOpen(null)} />}
          </span>
        ))}
      </div>
      {matrix.cameras.length === 0 ? (
        <EmptyState title="No cameras yet" icon="◉">
          Cameras of {matrix.customerName} appear here once they are added in the Cameras tab; then
          grant rights on them in a role.
        </EmptyState>
      ) : (
        <table className="simple-table access-matrix" data-testid="access-matrix">
          <thead>
            <tr>
              <th>Camera</th>
              {CAMERA_RIGHTS.map((r) => (
                <th key={r.id} className="center">
                  {r.label}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {matrix.cameras.map((cam) => (
              <tr key={cam.id} data-testid="access-row">
                <td>
                  {cam.name} {!cam.enabled && <span className="badge badge-grey">Off</span>}
                </td>
                {CAMERA_RIGHTS.map((r) => {
                  const key = `${cam.id}:${r.id}`;
                  const d = cells.get(key);
                  if (!d) return <td key={r.id} />;
                  return (
                    <td key={r.id} className="center cell-anchor">
                      <button
                        type="button"
                        className={`access-cell ${d.allowed ? 'yes' : 'no'}`}
                        aria-label={`${r.label} on ${cam.name}: ${d.allowed ? 'granted' : 'not granted'}. Explain`}
                        aria-expanded={open === key}
                        data-testid={`cell-${r.id}`}
                        data-allowed={d.allowed}
                        onClick={() => setOpen(open === key ? null : key)}
                      >
                        {d.allowed ? '✓' : d.reasons.some((x) => x.code !== 'no_grant') ? '⊘' : '–'}
                      </button>
                      {open === key && (
                        <Explanation decision={d} camera={cam.name} onClose={() => setOpen(null)} />
                      )}
                    </td>
                  );
                })}
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <p className="muted small legend-line">
        <span className="access-cell yes static">✓</span> granted{' '}
        <span className="access-cell no static">–</span> no role grants it{' '}
        <span className="access-cell no static">⊘</span> blocked by a switch (module, tenant, camera
        or user)
      </p>
    </section>
  );
}

function ReasonLink({ reason }: { reason: AccessReason }) {
  const navigate = useApp((s) => s.navigate);
  if (reason.code === 'module_off' || reason.code === 'tenant_disabled') {
    const at = reason.code === 'module_off' ? reason.at[reason.at.length - 1] : reason.at;
    if (!at) return null;
    const tab = reason.code === 'module_off' ? 'modules' : 'details';
    return (
      <button
        type="button"
        className="link small"
        onClick={() => navigate({ screen: 'tenant', id: at.id, tab })}
      >
        {reason.code === 'module_off' ? `Open ${at.name}'s modules` : `Open ${at.name}`} →
      </button>
    );
  }
  return null;
}

/** The explanation popover: the one-line answer, then the whole chain of reasons. */
function Explanation({
  decision,
  camera,
  onClose,
}: {
  decision: AccessDecision;
  camera?: string;
  onClose: () => void;
}) {
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => {
    ref.current?.focus();
    const onKey = (e: KeyboardEvent) => e.key === 'Escape' && onClose();
    document.addEventListener('keydown', onKey);
    return () => document.removeEventListener('keydown', onKey);
  }, [onClose]);
  return (
    <div
      ref={ref}
      className="explain-pop"
      role="dialog"
      aria-label={`Why: ${actionLabel(decision.action)}${camera ? ` on ${camera}` : ''}`}
      tabIndex={-1}
      data-testid="explanation"
    >
      <div className="explain-head">
        <strong className={decision.allowed ? 'text-green' : 'text-red'}>
          {actionLabel(decision.action)}
          {camera ? ` on ${camera}` : ''}: {decision.allowed ? 'granted' : 'not granted'}
        </strong>
        <button
          type="button"
          className="icon-button"
          aria-label="Close explanation"
          onClick={onClose}
        >
          ×
        </button>
      </div>
      <p className="explain-sentence" data-testid="explanation-sentence">
        {explainSentence(decision)}
      </p>
      {decision.allowed ? (
        <ul className="reason-list ok">
          {decision.grantedBy.map((r) => (
            <li key={r.id}>
              Role <strong>{r.name}</strong> ({roleTypeInfo(r.type).label}:{' '}
              {roleTypeInfo(r.type).description.toLowerCase()})
            </li>
          ))}
          <li>Used in: {decision.portals.map((p) => moduleInfo(p).label).join(', ')}</li>
        </ul>
      ) : (
        decision.reasons.length > 1 && (
          <>
            <div className="muted small">All reasons ({decision.reasons.length}):</div>
            <ol className="reason-list">
              {decision.reasons.map((r, i) => (
                <li key={i}>
                  {describeReason(r)} <ReasonLink reason={r} />
                </li>
              ))}
            </ol>
          </>
        )
      )}
      {!decision.allowed && decision.reasons.length === 1 && decision.reasons[0] && (
        <ReasonLink reason={decision.reasons[0]} />
      )}
    </div>
  );
}
