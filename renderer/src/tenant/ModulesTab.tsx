import { useEffect, useState } from 'react';
import { MODULES } from '../../../shared/modules';
import type { ModuleState, Tenant } from '../../../shared/tenancy';
import { call, errorMessage } from '../api';
import { Switch } from '../components/ui';
import { useApp } from '../store';

/** Module toggles: the tenant's own switch, its effective state, and which ancestor locks it. */
export function ModulesTab({ tenant }: { tenant: Tenant }) {
  const [states, setStates] = useState<ModuleState[] | null>(null);
  const navigate = useApp((s) => s.navigate);
  const toast = useApp((s) => s.toast);
  const version = useApp((s) => s.dataVersion);
  useEffect(() => {
    call('modules.get', { tenantId: tenant.id }).then(setStates, (e: unknown) =>
      toast('error', errorMessage(e)),
    );
  }, [tenant.id, version, toast]);
  if (!states) return <p className="muted">Loading…</p>;
  const byId = new Map(states.map((s) => [s.id, s]));
  const groups = [...new Set(MODULES.map((m) => m.group))];
  const toggle = async (id: ModuleState['id'], enabled: boolean) => {
    try {
      setStates(await call('modules.set', { tenantId: tenant.id, moduleId: id, enabled }));
    } catch (e) {
      toast('error', errorMessage(e));
    }
  };
  return (
    <div className="modules">
      <p className="muted">
        {tenant.kind === 'customer'
          ? `Restrictions apply to every user of ${tenant.name} and to no other customer.`
          : `A module switched off here is off for every customer and sub-integrator under ${tenant.name}.`}
      </p>
      {groups.map((g) => (
        <div key={g} className="card module-group">
          <h3>{g}</h3>
          {MODULES.filter((m) => m.group === g).map((m) => {
            const s = byId.get(m.id);
            if (!s) return null;
            return (
              <div
                key={m.id}
                className={`module-row${s.effective ? '' : ' off'}`}
                data-testid={`module-${m.id}`}
              >
                <div className="module-text">
                  <strong>{m.label}</strong>
                  <span className="muted">{m.description}</span>
                  {s.lockedBy && (
                    <span className="locked" data-testid={`locked-${m.id}`}>
                      🔒 Switched off at{' '}
                      {s.lockedBy.kind === 'root' ? 'the partner account' : s.lockedBy.kind}{' '}
                      <button
                        type="button"
                        className="link"
                        onClick={() =>
                          s.lockedBy &&
                          navigate({ screen: 'tenant', id: s.lockedBy.id, tab: 'modules' })
                        }
                      >
                        {s.lockedBy.name}
                      </button>
                      {s.own ? ': on here, but not in effect.' : '.'}
                    </span>
                  )}
                </div>
                <span className={`badge ${s.effective ? 'badge-green' : 'badge-grey'}`}>
                  {s.effective ? 'In effect' : 'Off'}
                </span>
                <Switch
                  checked={s.own}
                  label={m.label}
                  onChange={(v) => void toggle(m.id, v)}
                  testId={`toggle-${m.id}`}
                />
              </div>
            );
          })}
        </div>
      ))}
    </div>
  );
}
