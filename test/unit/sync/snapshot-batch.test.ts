/**
 * Which snapshot pages may go in small batches (electron/sync/engine.ts,
 * ORDERED_SNAPSHOT_BATCH_ROWS): those whose every id was made in creation order.
 */
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { idsInCreationOrder } from '../../../electron/sync/engine';
import type { CameraRows } from '../../../electron/sync/camera-rows';
import type { PulledPage } from '../../../electron/sync/transport';
import { newId } from '../../../shared/ids';
import type { RowChange } from '../../../shared/sync/protocol';
import { syncTenant as tenant } from '../../support/sync-records';

const page = (changes: RowChange[], cameraRows: CameraRows | null = null): PulledPage => ({
  changes,
  cursor: 's:1:/root/x/',
  more: true,
  snapshot: true,
  snapshotDone: false,
  chain: [],
  serverHlc: '',
  cameraRows,
});

const rows = (creationOrder: boolean): CameraRows => ({ values: [], at: [], creationOrder });

describe('snapshot pages in creation order', () => {
  it('are those whose tenants and cameras all have version-7 ids', () => {
    const ordered = [newId(), newId(), newId()];
    expect(idsInCreationOrder(page(ordered.map((id) => ({ op: 'upsert', row: tenant(id) }))))).toBe(
      true,
    );
    expect(idsInCreationOrder(page([], rows(true)))).toBe(true);
    // Deletes carry no new row.
    expect(idsInCreationOrder(page([{ op: 'delete', id: 'old-id' }], rows(true)))).toBe(true);
  });

  it('are not those with one id made otherwise (random, or a name)', () => {
    const mixed = [newId(), randomUUID(), newId()];
    expect(idsInCreationOrder(page(mixed.map((id) => ({ op: 'upsert', row: tenant(id) }))))).toBe(
      false,
    );
    expect(idsInCreationOrder(page([{ op: 'upsert', row: tenant('bench-int') }]))).toBe(false);
    expect(idsInCreationOrder(page([], rows(false)))).toBe(false);
  });
});
