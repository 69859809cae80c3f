/**
 * What the bulk snapshot writer (electron/sync/bulk.ts) answers as applied: the tenants whose rows
 * a page changed, which the engine announces to the screens. A page's cameras are inserted in bulk
 * where their tenant is here; the rest take the row-by-row path.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { ServerRowWriter } from '../../../electron/sync/apply';
import { SnapshotBulkWriter } from '../../../electron/sync/bulk';
import type { RowChange, SyncTenant } from '../../../shared/sync/protocol';
import type { CameraFields } from '../../../shared/sync/records';
import { openTestCore, type TestCore } from '../../support/core';

const AT = '2026-12-03T10:00:00.000Z';

function tenant(id: string, parent: { id: string; path: string; depth: number }): SyncTenant {
  return {
    id,
    kind: 'customer',
    parentId: parent.id,
    path: `${parent.path}${id}/`,
    depth: parent.depth + 1,
    name: `Customer ${id}`,
    contactPerson: '',
    email: `${id}@example.com`,
    phone: '',
    address: '',
    timeZone: 'UTC',
    notes: '',
    ownDisabled: false,
    disabledBy: null,
    moduleOverrides: {},
    business: null,
    createdAt: AT,
    updatedAt: AT,
  };
}

function camera(id: string, tenantId: string): RowChange {
  const data: CameraFields = {
    name: `Camera ${id}`,
    kind: 'rtsp',
    address: '10.0.0.1',
    model: '',
    enabled: true,
    xaddr: null,
    endpointRef: null,
    deviceInfo: null,
    mac: null,
    profiles: [],
    streamUri: 'rtsp://10.0.0.1/stream',
    recordingProfile: null,
    username: 'viewer',
    pnpCloudId: null,
  };
  return {
    op: 'record',
    record: { kind: 'camera', id, tenantId, data, createdAt: AT, updatedAt: AT },
  };
}

describe('the bulk snapshot writer', () => {
  let core: TestCore | undefined;
  afterEach(() => core?.close());

  it('answers the tenants whose cameras a page brought, however each camera was written', () => {
    core = openTestCore();
    core.syncApp.close();
    const db = core.db;
    const root = db.prepare("SELECT id, path, depth FROM tenants WHERE kind = 'root'").get() as {
      id: string;
      path: string;
      depth: number;
    };
    const bulk = new SnapshotBulkWriter(db, new ServerRowWriter(db));
    const write = (changes: RowChange[]) =>
      db.transaction(() => bulk.apply(changes).applied.sort())();

    expect(write(['a', 'b', 'c'].map((id) => ({ op: 'upsert', row: tenant(id, root) })))).toEqual([
      'a',
      'b',
      'c',
    ]);
    // Every camera's tenant here: all of them inserted in bulk.
    expect(write([camera('cam-1', 'a'), camera('cam-2', 'a'), camera('cam-3', 'b')])).toEqual([
      'a',
      'b',
    ]);
    // One camera's tenant is not here: the others in bulk, that one skipped.
    expect(write([camera('cam-4', 'c'), camera('cam-5', 'nowhere')])).toEqual(['c']);
    // Cameras here already go row by row; a new one beside them in bulk.
    expect(write([camera('cam-1', 'a'), camera('cam-6', 'b')])).toEqual(['a', 'b']);
    const cameras = db.prepare('SELECT id FROM cameras ORDER BY id').pluck().all();
    expect(cameras).toEqual(['cam-1', 'cam-2', 'cam-3', 'cam-4', 'cam-6']);
    const counts = db
      .prepare("SELECT id, camera_count FROM tenants WHERE kind = 'customer' ORDER BY id")
      .raw()
      .all();
    expect(counts).toEqual([
      ['a', 2],
      ['b', 2],
      ['c', 1],
    ]);
  });
});
