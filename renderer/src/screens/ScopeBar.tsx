import { useMemo } from 'react';
import { useApp } from '../store';

/** Breadcrumb of integrator scopes, with a picker for the scopes one level below. */
export function ScopeBar({ scopeId }: { scopeId: string }) {
  const scopes = useApp((s) => s.scopes);
  const navigate = useApp((s) => s.navigate);
  const { trail, children } = useMemo(() => {
    const byId = new Map(scopes.map((s) => [s.id, s]));
    const trail = [];
    let cur = byId.get(scopeId);
    while (cur) {
      trail.unshift(cur);
      cur = cur.parentId ? byId.get(cur.parentId) : undefined;
    }
    return { trail, children: scopes.filter((s) => s.parentId === scopeId) };
  }, [scopes, scopeId]);

  return (
    <nav className="breadcrumb" aria-label="Integrator scope">
      {trail.map((s, i) => (
        <span key={s.id} className="crumb">
          {i > 0 && <span className="sep">›</span>}
          {i === trail.length - 1 ? (
            <strong aria-current="page">{s.name}</strong>
          ) : (
            <button
              type="button"
              className="link"
              onClick={() => navigate({ screen: 'customers', scopeId: s.id })}
            >
              {s.name}
            </button>
          )}
        </span>
      ))}
      {children.length > 0 && (
        <select
          className="scope-picker"
          aria-label="Go to a sub-integrator"
          value=""
          onChange={(e) =>
            e.target.value && navigate({ screen: 'customers', scopeId: e.target.value })
          }
        >
          <option value="">› sub-integrator…</option>
          {children.map((c) => (
            <option key={c.id} value={c.id}>
              {c.name}
              {c.status === 'disabled' ? ' (disabled)' : ''}
            </option>
          ))}
        </select>
      )}
      {trail.length > 1 && (
        <button
          type="button"
          className="link small"
          onClick={() => navigate({ screen: 'tenant', id: scopeId, tab: 'details' })}
        >
          open integrator
        </button>
      )}
    </nav>
  );
}
