/**
 * Which snapshot batches go small (electron/sync/engine.ts, ORDERED_SNAPSHOT_BATCH_ROWS): those
 * whose ids were made in creation order, all but a few.
 */
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { batchInCreationOrder, randomIdsOf } from '../../../electron/sync/engine';
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

const rows = (randomIds: number): CameraRows => ({ values: [], at: [], randomIds });
const upserts = (ids: string[]): RowChange[] =>
  ids.map((id) => ({ op: 'upsert', row: tenant(id) }));

describe('snapshot pages in creation order', () => {
  it('count the ids made otherwise: random, or a name such as the root', () => {
    expect(randomIdsOf(page(upserts([newId(), newId(), newId()])))).toBe(0);
    expect(randomIdsOf(page(upserts([newId(), randomUUID(), 'root', newId()])))).toBe(2);
    // The camera rows as the worker counted them, with the page's other changes.
    expect(randomIdsOf(page(upserts([randomUUID()]), rows(3)))).toBe(4);
    // Deletes carry no new row.
    expect(randomIdsOf(page([{ op: 'delete', id: 'old-id' }], rows(0)))).toBe(0);
  });

  it('make a batch in creation order while at most one row in a hundred has such an id', () => {
    // A snapshot's first page: the server's root among 2,000 tenants made by desktops.
    expect(batchInCreationOrder(2000, 1)).toBe(true);
    expect(batchInCreationOrder(2000, 20)).toBe(true);
    expect(batchInCreationOrder(2000, 21)).toBe(false);
    expect(batchInCreationOrder(1, 1)).toBe(false);
    expect(batchInCreationOrder(0, 0)).toBe(true);
  });
});
