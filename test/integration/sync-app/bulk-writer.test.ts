/**
 * What the bulk snapshot writer (electron/sync/bulk.ts) answers as applied: the tenants whose rows
 * a page changed, which the engine announces to the screens. A page's cameras are inserted in bulk
 * where their tenant is here; the rest take the row-by-row path.
 */
import { afterEach, describe, expect, it } from 'vitest';
import {
  setFirstPullIndexesAside,
  restoreFirstPullIndexes,
} from '../../../electron/db/first-pull-indexes';
import { ServerRowWriter } from '../../../electron/sync/apply';
import { SnapshotBulkWriter } from '../../../electron/sync/bulk';
import type { RowChange } from '../../../shared/sync/protocol';
import { openTestCore, type TestCore } from '../../support/core';
import { cameraFields, SYNC_TEST_TIME, syncTenant } from '../../support/sync-records';

/** A page's change of a camera of `tenantId`. */
const camera = (id: string, tenantId: string, endpointRef: string | null = null): RowChange => ({
  op: 'record',
  record: {
    kind: 'camera',
    id,
    tenantId,
    data: cameraFields(`Camera ${id}`, {
      address: '10.0.0.1',
      model: '',
      streamUri: 'rtsp://10.0.0.1/stream',
      endpointRef,
    }),
    createdAt: SYNC_TEST_TIME,
    updatedAt: SYNC_TEST_TIME,
  },
});

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

    expect(
      write(
        ['a', 'b', 'c'].map((id) => ({
          op: 'upsert',
          row: syncTenant(id, root, { email: `${id}@example.com` }),
        })),
      ),
    ).toEqual(['a', 'b', 'c']);
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

    // A local camera not on the server holds a device's endpoint that a new camera of the page
    // brings: the bulk INSERT leaves that camera out, the row-by-row path writes it (the local
    // one steps aside), and the page's other cameras still go in bulk.
    db.prepare(
      `INSERT INTO cameras (id, customer_id, name, kind, endpoint_ref, created_at, updated_at)
       VALUES ('local-1', 'a', 'Local', 'onvif', 'urn:uuid:same-device', 'then', 'then')`,
    ).run();
    expect(
      write([camera('cam-7', 'c', 'urn:uuid:same-device'), camera('cam-8', 'c', 'urn:uuid:other')]),
    ).toEqual(['c']);
    const endpoints = db
      .prepare(
        "SELECT id, endpoint_ref FROM cameras WHERE id IN ('local-1', 'cam-7', 'cam-8') ORDER BY id",
      )
      .raw()
      .all();
    expect(endpoints).toEqual([
      ['cam-7', 'urn:uuid:same-device'],
      ['cam-8', 'urn:uuid:other'],
      ['local-1', null],
    ]);
    expect(db.prepare("SELECT camera_count FROM tenants WHERE id = 'c'").pluck().get()).toBe(3);

    // A first pull onto an empty database sets the endpoint's index aside (db/first-pull-indexes.ts):
    // the bulk INSERT then takes the page's camera beside the local one, and the index's build at
    // the pull's end leaves the endpoint with the server's camera, as the row-by-row path did.
    db.prepare(
      `INSERT INTO cameras (id, customer_id, name, kind, endpoint_ref, created_at, updated_at)
       VALUES ('local-2', 'a', 'Local 2', 'onvif', 'urn:uuid:second-device', 'then', 'then')`,
    ).run();
    db.transaction(() => setFirstPullIndexesAside(db))();
    expect(write([camera('cam-9', 'c', 'urn:uuid:second-device')])).toEqual(['c']);
    expect(restoreFirstPullIndexes(db)).toBe(5);
    const second = db
      .prepare("SELECT id, endpoint_ref FROM cameras WHERE id IN ('local-2', 'cam-9') ORDER BY id")
      .raw()
      .all();
    expect(second).toEqual([
      ['cam-9', 'urn:uuid:second-device'],
      ['local-2', null],
    ]);
    expect(db.prepare("SELECT camera_count FROM tenants WHERE id = 'c'").pluck().get()).toBe(4);
  });
});
