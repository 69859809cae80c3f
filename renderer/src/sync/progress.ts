import type { SyncStatusView } from '../../../shared/sync-contract';

/**
 * A snapshot's progress in words: `short` for the sidebar's indicator, `text` for the Sync screen,
 * and the percent when the server said how many rows the snapshot brings.
 */
export function progressLabel(p: NonNullable<SyncStatusView['progress']>): {
  short: string;
  text: string;
  percent: number | null;
} {
  const rows = p.rows.toLocaleString('en-US');
  if (p.total === null || p.total === 0) {
    const text = `${rows} ${p.rows === 1 ? 'row' : 'rows'} so far`;
    return { short: text, text, percent: null };
  }
  const total = p.total.toLocaleString('en-US');
  // Rows written meanwhile on the server can take it past the count it gave at the start.
  const percent = Math.min(100, Math.floor((p.rows / p.total) * 100));
  return { short: `${rows} of ${total}`, text: `${rows} of ${total} rows · ${percent} %`, percent };
}
