/**
 * Rows as the sync protocol carries them, for tests that hand pages to the desktop's writers or
 * serve them from a fake server: a tenant, and a camera's fields (a manually added RTSP camera).
 */
import type { SyncTenant } from '../../shared/sync/protocol';
import type { CameraFields } from '../../shared/sync/records';

export const SYNC_TEST_TIME = '2026-12-03T10:00:00.000Z';

/** A customer under `parent` (the desktop's root by default). */
export function syncTenant(
  id: string,
  parent: { id: string; path: string; depth: number } = { id: 'root', path: '/root/', depth: 0 },
  extra: Partial<SyncTenant> = {},
): SyncTenant {
  return {
    id,
    kind: 'customer',
    parentId: parent.id,
    path: `${parent.path}${id}/`,
    depth: parent.depth + 1,
    name: `Customer ${id}`,
    contactPerson: '',
    email: '',
    phone: '',
    address: '',
    timeZone: 'UTC',
    notes: '',
    ownDisabled: false,
    disabledBy: null,
    moduleOverrides: {},
    business: null,
    createdAt: SYNC_TEST_TIME,
    updatedAt: SYNC_TEST_TIME,
    ...extra,
  };
}

/** A manually added RTSP camera's fields. */
export function cameraFields(name: string, extra: Partial<CameraFields> = {}): CameraFields {
  return {
    name,
    kind: 'rtsp',
    address: 'rtsp://10.0.0.5:554/stream1',
    model: 'Generic RTSP',
    enabled: true,
    xaddr: null,
    endpointRef: null,
    deviceInfo: null,
    mac: null,
    profiles: [],
    streamUri: 'rtsp://10.0.0.5:554/stream1',
    recordingProfile: null,
    username: 'viewer',
    pnpCloudId: null,
    ...extra,
  };
}
