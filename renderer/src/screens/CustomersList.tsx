import { memo, useCallback, useEffect, useRef, useSyncExternalStore } from 'react';
import { useVirtualizer } from '@tanstack/react-virtual';
import type { TenantRow } from '../../../shared/tenancy';
import { KindBadge, StatusBadge, formatDate } from '../components/ui';
import { useApp } from '../store';
import type { TenantPages } from './useTenantPages';

/** Every row has this height (styles.css sizes the cells to it), so nothing is ever measured. */
const ROW_HEIGHT = 44;
/**
 * Rows rendered beyond each edge of the viewport. Fast scrolling replaces every rendered row each
 * frame, so each one here costs a row's render, style and layout per frame.
 */
const OVERSCAN = 4;

/**
 * The virtualized body of the Customers table. Only this component follows the arriving pages, and
 * a row re-renders only when its own data, position or index changes.
 */
export function CustomersList({ pages, count }: { pages: TenantPages; count: number }) {
  const navigate = useApp((s) => s.navigate);
  const scrollRef = useRef<HTMLDivElement>(null);
  useSyncExternalStore(pages.subscribe, pages.getVersion);
  // The virtualizer re-renders through its own state; it is not meant to be memoized.
  // eslint-disable-next-line react-hooks/incompatible-library
  const virtualizer = useVirtualizer({
    count,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => ROW_HEIGHT,
    overscan: OVERSCAN,
  });
  const items = virtualizer.getVirtualItems();
  const first = items[0]?.index ?? -1;
  const last = items[items.length - 1]?.index ?? -1;
  useEffect(() => {
    if (last >= 0) pages.show(first, last);
  }, [pages, first, last]);

  const open = useCallback(
    (id: string) => navigate({ screen: 'tenant', id, tab: 'details' }),
    [navigate],
  );

  return (
    <div className="table-body" ref={scrollRef} data-testid="tenant-list">
      <div style={{ height: virtualizer.getTotalSize(), position: 'relative' }}>
        {items.map((item) => (
          <CustomerRow
            key={item.key}
            index={item.index}
            top={item.start}
            row={pages.row(item.index)}
            onOpen={open}
          />
        ))}
      </div>
    </div>
  );
}

const CustomerRow = memo(function CustomerRow({
  index,
  top,
  row,
  onOpen,
}: {
  index: number;
  top: number;
  row: TenantRow | undefined;
  onOpen: (id: string) => void;
}) {
  return (
    <div
      role="row"
      aria-rowindex={index + 2}
      className={`table-row${row ? '' : ' loading'}`}
      style={{ transform: `translateY(${top}px)`, height: ROW_HEIGHT }}
      tabIndex={row ? 0 : -1}
      onClick={() => row && onOpen(row.id)}
      onKeyDown={(e) => {
        if (e.key === 'Enter' && row) onOpen(row.id);
      }}
      data-testid={row ? 'tenant-row' : undefined}
    >
      {row ? (
        <>
          <div role="cell" className="col-name">
            <span className="row-name">{row.name}</span>
          </div>
          <div role="cell" className="col-kind">
            <KindBadge kind={row.kind} />
          </div>
          <div role="cell" className="col-parent muted" title={row.parentPath}>
            {row.parentPath}
          </div>
          <div role="cell" className="col-status">
            <StatusBadge status={row.status} />
          </div>
          <div role="cell" className="col-num">
            {row.cameraCount}
          </div>
          <div role="cell" className="col-num">
            {row.userCount}
          </div>
          <div role="cell" className="col-date muted">
            {formatDate(row.createdAt)}
          </div>
        </>
      ) : (
        <div role="cell" className="skeleton" />
      )}
    </div>
  );
});
