import { useEffect } from 'react';
import { useApp } from './store';
import { CustomersScreen } from './screens/CustomersScreen';
import { TenantScreen } from './tenant/TenantScreen';
import { AuditTab } from './tenant/AuditTab';
import { errorMessage } from './api';
import { SiteScanScreen } from './cameras/SiteScanScreen';
import { SyncIndicator } from './sync/SyncIndicator';
import { SyncScreen } from './sync/SyncScreen';
import { ServerSettingsScreen } from './sync/ServerSettingsScreen';

export function App() {
  const route = useApp((s) => s.route);
  const navigate = useApp((s) => s.navigate);
  const toasts = useApp((s) => s.toasts);
  const dismiss = useApp((s) => s.dismiss);
  const refreshScopes = useApp((s) => s.refreshScopes);
  const toast = useApp((s) => s.toast);
  useEffect(() => {
    refreshScopes().catch((e: unknown) => toast('error', errorMessage(e)));
  }, [refreshScopes, toast]);

  return (
    <div className="shell">
      <aside className="sidebar">
        <div className="brand">
          <span className="brand-mark" aria-hidden="true">
            ◉
          </span>
          <span>
            VMS <strong>Partner Admin</strong>
          </span>
        </div>
        <nav aria-label="Main">
          <button
            type="button"
            className={`nav-item${route.screen === 'customers' || route.screen === 'tenant' ? ' active' : ''}`}
            onClick={() => navigate({ screen: 'customers', scopeId: 'root' })}
          >
            <span aria-hidden="true">▦</span> Customers
          </button>
          <button
            type="button"
            className={`nav-item${route.screen === 'audit' ? ' active' : ''}`}
            onClick={() => navigate({ screen: 'audit' })}
          >
            <span aria-hidden="true">≡</span> Audit log
          </button>
          <button
            type="button"
            className={`nav-item${route.screen === 'site-scan' ? ' active' : ''}`}
            onClick={() => navigate({ screen: 'site-scan' })}
          >
            <span aria-hidden="true">◎</span> Site scan
          </button>
          <button
            type="button"
            className={`nav-item${route.screen === 'sync' ? ' active' : ''}`}
            onClick={() => navigate({ screen: 'sync' })}
          >
            <span aria-hidden="true">⇅</span> Sync
          </button>
          <button
            type="button"
            className={`nav-item${route.screen === 'server' ? ' active' : ''}`}
            onClick={() => navigate({ screen: 'server' })}
          >
            <span aria-hidden="true">⚙</span> Settings · Server
          </button>
        </nav>
        <SyncIndicator />
      </aside>
      <main className="content">
        {route.screen === 'customers' && (
          <CustomersScreen key={route.scopeId} scopeId={route.scopeId} />
        )}
        {route.screen === 'tenant' && <TenantScreen key={route.id} id={route.id} tab={route.tab} />}
        {route.screen === 'site-scan' && <SiteScanScreen />}
        {route.screen === 'sync' && <SyncScreen />}
        {route.screen === 'server' && <ServerSettingsScreen />}
        {route.screen === 'audit' && (
          <section className="screen">
            <header className="screen-header">
              <h1>Audit log</h1>
            </header>
            <AuditTab />
          </section>
        )}
      </main>
      <div className="toasts" aria-live="polite">
        {toasts.map((t) => (
          <div
            key={t.id}
            className={`toast toast-${t.kind}`}
            role={t.kind === 'error' ? 'alert' : 'status'}
          >
            <span>{t.text}</span>
            <button
              type="button"
              className="icon-button"
              aria-label="Dismiss"
              onClick={() => dismiss(t.id)}
            >
              ×
            </button>
          </div>
        ))}
      </div>
    </div>
  );
}
