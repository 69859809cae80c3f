import { useCallback, useEffect, useRef, useState, type KeyboardEvent } from 'react';
import {
  CAMERA_RIGHTS,
  PORTAL_ACTIONS,
  roleTypeInfo,
  type AccessAction,
  type CameraRight,
  type User,
} from '../../../shared/people';
import { moduleInfo } from '../../../shared/modules';
import {
  actionLabel,
  describeReason,
  explainSentence,
  type AccessCell,
  type AccessDecision,
  type AccessReason,
  type UserAccessMatrix,
} from '../../../shared/user-access';
import { call, errorMessage } from '../api';
import { EmptyState } from '../components/ui';
import { useApp } from '../store';

const CELL_GLYPH: Record<AccessCell, string> = { granted: '✓', no_grant: '–', blocked: '⊘' };
const CELL_WORDS: Record<AccessCell, string> = {
  granted: 'granted',
  no_grant: 'not granted by any role',
  blocked: 'blocked',
};

/** Arrow keys move focus between cells, as in a spreadsheet: [rows, columns]. */
const ARROW_STEPS: Partial<Record<string, readonly [number, number]>> = {
  ArrowUp: [-1, 0],
  ArrowDown: [1, 0],
  ArrowLeft: [0, -1],
  ArrowRight: [0, 1],
};

/** A cell's explanation, fetched when the cell is opened (the matrix carries decisions only). */
type Explained = { key: string; decision: AccessDecision | null; error: string | null };

/** The cell whose explanation is open: its key in the matrix and what to ask access.explain. */
type OpenCell = { key: string; cameraId: string; right: CameraRight };

/**
 * The Access panel: cameras × rights, every cell decided by the one access function in shared/
 * (on the core side) and explained in one click, or Enter on the focused cell. Arrow keys move
 * between cells; Tab enters and leaves the matrix in one step.
 */
export function AccessPanel({ user }: { user: User }) {
  // Keyed by user: another user's page starts with nothing open.
  return <UserAccess key={user.id} user={user} />;
}

function UserAccess({ user }: { user: User }) {
  const version = useApp((s) => s.dataVersion);
  const toast = useApp((s) => s.toast);
  const [matrix, setMatrix] = useState<UserAccessMatrix | null>(null);
  const [open, setOpen] = useState<string | null>(null);
  const [explained, setExplained] = useState<Explained | null>(null);
  const [focused, setFocused] = useState<string | null>(null);
  // The open explanation, for handlers and answers that arrive later.
  const openRef = useRef<string | null>(null);
  const openCellRef = useRef<OpenCell | null>(null);
  const panel = useRef<HTMLElement>(null);
  const table = useRef<HTMLTableElement>(null);

  /** Asks for the open cell's explanation; an answer for a cell no longer open is dropped. */
  const explain = useCallback(
    (cell: OpenCell) => {
      const current = () => openCellRef.current?.key === cell.key;
      call('access.explain', { userId: user.id, action: cell.right, cameraId: cell.cameraId }).then(
        (decision) => current() && setExplained({ key: cell.key, decision, error: null }),
        (e: unknown) =>
          current() && setExplained({ key: cell.key, decision: null, error: errorMessage(e) }),
      );
    },
    [user.id],
  );
  const load = useCallback(() => {
    call('access.matrix', { userId: user.id }).then(
      (m) => {
        setMatrix(m);
        // The data changed: an open explanation is asked again, so it never contradicts its cell.
        if (openCellRef.current) explain(openCellRef.current);
      },
      (e: unknown) => toast('error', errorMessage(e)),
    );
  }, [user.id, toast, explain]);
  useEffect(load, [load, version, user.updatedAt]);

  /** Opens an explanation (or none); `cell` when it is a cell's, asked of access.explain. */
  const show = (key: string | null, cell: OpenCell | null) => {
    openRef.current = key;
    openCellRef.current = cell;
    setOpen(key);
  };
  const close = useCallback(() => {
    const key = openRef.current;
    openRef.current = null;
    openCellRef.current = null;
    setOpen(null);
    // Focus goes back to the cell or chip the explanation belongs to.
    if (key) panel.current?.querySelector<HTMLElement>(`[data-key="${key}"]`)?.focus();
  }, []);
  const openCell = (cameraId: string, right: CameraRight) => {
    const key = `${cameraId}:${right}`;
    if (open === key) return close();
    const cell = { key, cameraId, right };
    show(key, cell);
    setExplained({ key, decision: null, error: null });
    explain(cell);
  };
  const openPortal = (action: AccessAction) => (open === action ? close() : show(action, null));

  if (!matrix) return <section className="card muted">Computing access…</section>;
  const granted = matrix.cameras.reduce(
    (n, cam) => n + cam.cells.filter((c) => c === 'granted').length,
    0,
  );
  const total = matrix.cameras.length * CAMERA_RIGHTS.length;
  const first = matrix.cameras[0];
  // The one cell Tab stops at: the last one focused while it is still in the matrix.
  const tabStop =
    focused && matrix.cameras.some((c) => focused.startsWith(`${c.id}:`))
      ? focused
      : first && `${first.id}:${CAMERA_RIGHTS[0].id}`;

  const onGridKey = (e: KeyboardEvent<HTMLTableElement>) => {
    const from = (e.target as HTMLElement).closest<HTMLElement>('[data-row]');
    if (!from) return;
    const step = ARROW_STEPS[e.key];
    if (!step) return;
    const row = Number(from.dataset.row) + step[0];
    const col = Number(from.dataset.col) + step[1];
    const next = table.current?.querySelector<HTMLElement>(
      `[data-row="${row}"][data-col="${col}"]`,
    );
    if (!next) return;
    e.preventDefault();
    next.focus();
  };

  return (
    <section
      ref={panel}
      className="card access-panel"
      data-testid="access-panel"
      aria-labelledby="access-title"
    >
      <div className="access-head">
        <h3 id="access-title">Access</h3>
        <span className="muted small">
          {granted} of {total} camera rights granted · click any cell to see why
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
              data-key={d.action}
              onClick={() => openPortal(d.action)}
            >
              {d.allowed ? '✓' : '✕'} {PORTAL_ACTIONS.find((a) => a.id === d.action)?.label}
            </button>
            {open === d.action && <Explanation action={d.action} decision={d} onClose={close} />}
          </span>
        ))}
      </div>
      {matrix.cameras.length === 0 ? (
        <EmptyState title="No cameras yet" icon="◉">
          Cameras of {matrix.customerName} appear here once they are added in the Cameras tab; then
          grant rights on them in a role.
        </EmptyState>
      ) : (
        <table
          ref={table}
          className="simple-table access-matrix"
          data-testid="access-matrix"
          onKeyDown={onGridKey}
        >
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
            {matrix.cameras.map((cam, row) => (
              <tr key={cam.id} data-testid="access-row">
                <td>
                  {cam.name} {!cam.enabled && <span className="badge badge-grey">Off</span>}
                </td>
                {CAMERA_RIGHTS.map((r, col) => {
                  const key = `${cam.id}:${r.id}`;
                  const cell = cam.cells[col];
                  if (!cell) return <td key={r.id} />;
                  return (
                    <td key={r.id} className="center cell-anchor">
                      <button
                        type="button"
                        className={`access-cell ${cell === 'granted' ? 'yes' : 'no'}`}
                        aria-label={`${r.label} on ${cam.name}: ${CELL_WORDS[cell]}. Explain`}
                        aria-expanded={open === key}
                        tabIndex={key === tabStop ? 0 : -1}
                        data-testid={`cell-${r.id}`}
                        data-allowed={cell === 'granted'}
                        data-cell={cell}
                        data-key={key}
                        data-row={row}
                        data-col={col}
                        onFocus={() => setFocused(key)}
                        onClick={() => openCell(cam.id, r.id)}
                      >
                        {CELL_GLYPH[cell]}
                      </button>
                      {open === key && explained?.key === key && (
                        <Explanation
                          action={r.id}
                          decision={explained.decision}
                          error={explained.error}
                          camera={cam.name}
                          onClose={close}
                        />
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
        <span className="access-cell yes static">{CELL_GLYPH.granted}</span> granted{' '}
        <span className="access-cell no static">{CELL_GLYPH.no_grant}</span> no role grants it{' '}
        <span className="access-cell no static">{CELL_GLYPH.blocked}</span> blocked by a switch
        (module, tenant, camera or user) or by the role type
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

/**
 * The explanation popover: the one-line answer, then the whole chain of reasons. A cell's decision
 * arrives from access.explain after the popover opens; a portal chip's is in the matrix.
 */
function Explanation({
  action,
  decision,
  error = null,
  camera,
  onClose,
}: {
  action: AccessAction;
  decision: AccessDecision | null;
  error?: string | null;
  camera?: string;
  onClose: () => void;
}) {
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => {
    ref.current?.focus();
    const onKey = (e: globalThis.KeyboardEvent) => e.key === 'Escape' && onClose();
    document.addEventListener('keydown', onKey);
    return () => document.removeEventListener('keydown', onKey);
  }, [onClose]);
  const what = `${actionLabel(action)}${camera ? ` on ${camera}` : ''}`;
  return (
    <div
      ref={ref}
      className="explain-pop"
      role="dialog"
      aria-label={`Why: ${what}`}
      aria-busy={!decision && !error}
      tabIndex={-1}
      data-testid="explanation"
    >
      <div className="explain-head">
        <strong className={decision ? (decision.allowed ? 'text-green' : 'text-red') : undefined}>
          {what}
          {decision && `: ${decision.allowed ? 'granted' : 'not granted'}`}
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
      {decision ? (
        <DecisionReasons decision={decision} />
      ) : (
        <p className={`explain-sentence ${error ? 'text-red' : 'muted'}`} role="status">
          {error ?? 'Working out why…'}
        </p>
      )}
    </div>
  );
}

function DecisionReasons({ decision }: { decision: AccessDecision }) {
  return (
    <>
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
    </>
  );
}
