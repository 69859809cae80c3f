import { useEffect, useMemo, useState } from 'react';
import type { ListTenantsInput, TenantRow } from '../../../shared/tenancy';
import { call, errorMessage } from '../api';

export type TenantQuery = Omit<ListTenantsInput, 'offset' | 'limit'>;

const PAGE = 100;
/** Pages kept in memory (2,000 rows); the least recently shown go first. */
const MAX_PAGES = 20;
/** Rows loaded beyond each end of the visible window, so normal scrolling rarely shows a skeleton. */
const LOOKAHEAD = 30;
/**
 * While the window keeps jumping past rows (a scrollbar drag: one pixel of thumb is thousands of
 * rows), loading waits until it has stood still this long: each page is a query on the host and a
 * re-render here, and pages for rows that are gone again by the time they arrive only steal frames
 * from scrolling. A window that moves on from the last one without a gap (wheel, keys, a fling)
 * loads at once, so those rows are there when they come into view.
 */
const SETTLE_MS = 80;
/** ...but not longer than this, so a long drag still fills in now and then. */
const MAX_WAIT_MS = 300;

interface PagesEvents {
  total(total: number): void;
  error(message: string | null): void;
}

/**
 * The Customers list's rows for one query, fetched a page at a time for the window on screen.
 * A page that arrives for rows no longer on screen is kept (up to MAX_PAGES) but re-renders
 * nothing; one that does land on screen bumps `version`, which only the list subscribes to.
 */
export class TenantPages {
  private readonly pages = new Map<number, TenantRow[]>();
  private readonly loading = new Set<number>();
  private readonly listeners = new Set<() => void>();
  private window = { first: 0, last: 0 };
  private lastMove = -Infinity;
  private waitingSince = 0;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private total: number | null = null;
  private stopped = false;
  /** Unknown at first, so the first answer clears an error left by the previous query. */
  private error: string | null | undefined = undefined;
  private version = 0;

  constructor(
    private readonly query: TenantQuery,
    private readonly events: PagesEvents,
  ) {}

  /** The row at `index`, or undefined while its page is not here yet. */
  row(index: number): TenantRow | undefined {
    return this.pages.get(Math.floor(index / PAGE))?.[index % PAGE];
  }

  /** The list calls this with the rows it renders; missing pages load now or once it settles. */
  show(first: number, last: number): void {
    const now = performance.now();
    const previous = this.window;
    const jumping =
      now - this.lastMove < SETTLE_MS && (first > previous.last + 1 || last < previous.first - 1);
    this.lastMove = now;
    this.window = { first, last };
    for (const page of this.wantedPages()) this.touch(page);
    if (this.stopped || this.missingPages().length === 0) return;
    if (!jumping) {
      this.loadMissing();
      return;
    }
    if (this.timer === undefined) {
      this.waitingSince = now;
      this.timer = setTimeout(this.settle, SETTLE_MS);
    }
  }

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  getVersion = (): number => this.version;

  /** Loads the first page (it carries the total) unless the list already asked for its window. */
  start(): void {
    this.stopped = false;
    if (this.pages.size === 0 && this.loading.size === 0) this.load(0);
  }

  /** Stops loading and ignores answers still on their way (a new query replaced this one). */
  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  private readonly settle = () => {
    this.timer = undefined;
    const now = performance.now();
    const still = now - this.lastMove;
    if (still < SETTLE_MS && now - this.waitingSince < MAX_WAIT_MS) {
      this.timer = setTimeout(this.settle, SETTLE_MS - still);
      return;
    }
    this.loadMissing();
  };

  private wantedPages(): number[] {
    const lastRow =
      this.total === null
        ? this.window.last
        : Math.min(this.window.last + LOOKAHEAD, this.total - 1);
    const from = Math.floor(Math.max(0, this.window.first - LOOKAHEAD) / PAGE);
    const to = Math.floor(Math.max(0, lastRow) / PAGE);
    const pages: number[] = [];
    for (let p = from; p <= to; p++) pages.push(p);
    return pages;
  }

  private missingPages(): number[] {
    return this.wantedPages().filter((p) => !this.pages.has(p) && !this.loading.has(p));
  }

  private loadMissing(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    for (const page of this.missingPages()) this.load(page);
  }

  /** Marks a page as recently shown: Map order is the eviction order. */
  private touch(page: number): void {
    const rows = this.pages.get(page);
    if (!rows) return;
    this.pages.delete(page);
    this.pages.set(page, rows);
  }

  private load(page: number): void {
    this.loading.add(page);
    call('tenants.list', { ...this.query, offset: page * PAGE, limit: PAGE })
      .then((res) => {
        if (this.stopped) return;
        this.pages.set(page, res.rows);
        const wanted = this.wantedPages();
        for (const old of this.pages.keys()) {
          if (this.pages.size <= MAX_PAGES) break;
          if (!wanted.includes(old)) this.pages.delete(old);
        }
        if (res.total !== this.total) {
          this.total = res.total;
          this.events.total(res.total);
        }
        this.reportError(null);
        if (this.onScreen(page)) {
          this.version++;
          for (const l of this.listeners) l();
        }
      })
      .catch((err: unknown) => {
        if (!this.stopped) this.reportError(errorMessage(err));
      })
      .finally(() => this.loading.delete(page));
  }

  /** Every arriving page clears the error: only a change reaches (and re-renders) the screen. */
  private reportError(message: string | null): void {
    if (message === this.error) return;
    this.error = message;
    this.events.error(message);
  }

  private onScreen(page: number): boolean {
    return page * PAGE <= this.window.last && (page + 1) * PAGE > this.window.first;
  }
}

/**
 * The pages of the Customers list for a query: a new query (or a data change) starts over with a
 * fresh TenantPages, keeping the old total on screen until the new one is known.
 */
export function useTenantPages(query: TenantQuery, version: number) {
  const [total, setTotal] = useState<number | null>(null);
  const [error, setError] = useState<string | null>(null);
  const key = JSON.stringify(query);

  const pages = useMemo(
    () => new TenantPages(JSON.parse(key) as TenantQuery, { total: setTotal, error: setError }),
    // `version` is not read: a data change must start a fresh set of pages all the same.
    // eslint-disable-next-line react-hooks/exhaustive-deps
    [key, version],
  );
  useEffect(() => {
    pages.start();
    return () => pages.stop();
  }, [pages]);

  return { total, error, pages };
}
