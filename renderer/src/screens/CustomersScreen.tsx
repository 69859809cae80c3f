import { useEffect, useRef, useState } from 'react';
import type { ListTenantsInput } from '../../../shared/tenancy';
import { EmptyState } from '../components/ui';
import { useApp } from '../store';
import { AddTenantDialog } from '../tenant/AddTenantDialog';
import { ImportDialog } from '../tenant/ImportDialog';
import { CustomersList } from './CustomersList';
import { ScopeBar } from './ScopeBar';
import { useTenantPages } from './useTenantPages';

type Sort = NonNullable<ListTenantsInput['sort']>;

const COLUMNS: { key: Sort; label: string; className: string }[] = [
  { key: 'name', label: 'Name', className: 'col-name' },
  { key: 'kind', label: 'Type', className: 'col-kind' },
  { key: 'parent', label: 'Parent', className: 'col-parent' },
  { key: 'status', label: 'Status', className: 'col-status' },
  { key: 'cameras', label: 'Cameras', className: 'col-num' },
  { key: 'users', label: 'Users', className: 'col-num' },
  { key: 'created', label: 'Created', className: 'col-date' },
];

export function CustomersScreen({ scopeId }: { scopeId: string }) {
  const version = useApp((s) => s.dataVersion);
  const [search, setSearch] = useState('');
  const [debounced, setDebounced] = useState('');
  const [kind, setKind] = useState<'all' | 'customer' | 'integrator'>('all');
  const [status, setStatus] = useState<'all' | 'active' | 'disabled'>('all');
  const [sort, setSort] = useState<Sort>('name');
  const [direction, setDirection] = useState<'asc' | 'desc'>('asc');
  const [adding, setAdding] = useState(false);
  const [importing, setImporting] = useState(false);
  const searchRef = useRef<HTMLInputElement>(null);

  useEffect(() => {
    const t = setTimeout(() => setDebounced(search), 150);
    return () => clearTimeout(t);
  }, [search]);

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (
        e.key === '/' &&
        document.activeElement?.tagName !== 'INPUT' &&
        document.activeElement?.tagName !== 'TEXTAREA'
      ) {
        e.preventDefault();
        searchRef.current?.focus();
      }
    };
    document.addEventListener('keydown', onKey);
    return () => document.removeEventListener('keydown', onKey);
  }, []);

  const { total, error, pages } = useTenantPages(
    { scopeId, search: debounced, kind, status, sort, direction },
    version,
  );
  const count = total ?? 0;
  const filtered = debounced !== '' || kind !== 'all' || status !== 'all';

  const sortBy = (key: Sort) => {
    if (key === sort) setDirection((d) => (d === 'asc' ? 'desc' : 'asc'));
    else {
      setSort(key);
      setDirection(key === 'created' || key === 'cameras' || key === 'users' ? 'desc' : 'asc');
    }
  };

  return (
    <section className="screen fill" aria-labelledby="customers-title">
      <header className="screen-header">
        <div>
          <h1 id="customers-title">Customers</h1>
          <ScopeBar scopeId={scopeId} />
        </div>
        <div className="header-actions">
          <button
            type="button"
            className="button"
            onClick={() => setImporting(true)}
            data-testid="import-csv"
          >
            Import CSV…
          </button>
          <button
            type="button"
            className="button primary"
            onClick={() => setAdding(true)}
            data-testid="add-tenant"
          >
            + Add
          </button>
        </div>
      </header>

      <div className="toolbar">
        <input
          ref={searchRef}
          className="search"
          type="search"
          placeholder="Search by name or email  ( / )"
          aria-label="Search customers and integrators"
          value={search}
          onChange={(e) => setSearch(e.target.value)}
        />
        <select
          aria-label="Filter by type"
          value={kind}
          onChange={(e) => setKind(e.target.value as typeof kind)}
        >
          <option value="all">All types</option>
          <option value="customer">Customers</option>
          <option value="integrator">Integrators</option>
        </select>
        <select
          aria-label="Filter by status"
          value={status}
          onChange={(e) => setStatus(e.target.value as typeof status)}
        >
          <option value="all">Any status</option>
          <option value="active">Active</option>
          <option value="disabled">Disabled</option>
        </select>
        <span className="muted count" aria-live="polite" data-testid="list-count">
          {total === null
            ? 'Loading…'
            : `${count.toLocaleString()} ${count === 1 ? 'entry' : 'entries'}`}
        </span>
      </div>

      {error && (
        <div className="alert alert-error" role="alert">
          {error}
        </div>
      )}

      <div
        className="table"
        role="table"
        aria-label="Customers and integrators"
        aria-rowcount={count + 1}
      >
        <div className="table-head" role="row">
          {COLUMNS.map((c) => (
            <div
              key={c.key}
              role="columnheader"
              className={c.className}
              aria-sort={
                sort === c.key ? (direction === 'asc' ? 'ascending' : 'descending') : 'none'
              }
            >
              <button type="button" className="sort-button" onClick={() => sortBy(c.key)}>
                {c.label}
                {sort === c.key && (
                  <span aria-hidden="true">{direction === 'asc' ? ' ▲' : ' ▼'}</span>
                )}
              </button>
            </div>
          ))}
        </div>
        {total === 0 ? (
          filtered ? (
            <EmptyState title="Nothing matches" icon="⌕">
              No customer or integrator here matches these filters. Clear the search or pick another
              status.
            </EmptyState>
          ) : (
            <EmptyState
              title="No customers yet"
              icon="⌂"
              action={
                <button type="button" className="button primary" onClick={() => setAdding(true)}>
                  + Add your first customer
                </button>
              }
            >
              Add a <strong>customer</strong> for each owner of cameras (a business or a homeowner),
              or an <strong>integrator</strong> who will run customers of their own. Use{' '}
              <kbd>Add</kbd> above.
            </EmptyState>
          )
        ) : (
          <CustomersList pages={pages} count={count} />
        )}
      </div>

      {adding && (
        <AddTenantDialog
          parentId={scopeId}
          onClose={() => setAdding(false)}
          onCreated={() => {
            setAdding(false);
          }}
        />
      )}
      {importing && (
        <ImportDialog
          parentId={scopeId}
          onClose={() => setImporting(false)}
          onImported={() => setImporting(false)}
        />
      )}
    </section>
  );
}
