import type { Camera, CameraProfile, CameraStatus, DeviceInfo } from '../../shared/cameras';
import type { Db } from '../db/connection';

/** One row of `cameras` (migrations 0001 and 0003). */
export interface CameraRecord {
  id: string;
  customer_id: string;
  name: string;
  kind: Camera['kind'];
  address: string;
  model: string;
  enabled: number;
  recording: number;
  last_seen_at: string | null;
  created_at: string;
  updated_at: string;
  xaddr: string | null;
  endpoint_ref: string | null;
  device_info: string | null;
  mac: string | null;
  profiles: string;
  stream_uri: string | null;
  recording_profile: string | null;
  username: string;
  credentials_enc: string | null;
  snapshot: Buffer | null;
  snapshot_at: string | null;
  status: CameraStatus;
  last_check_at: string | null;
  last_error: string | null;
  clock_skew_ms: number | null;
  pnp_cloud_id: string | null;
}

/** Every column but the snapshot bytes, for lists. */
const LIST_COLUMNS = `id, customer_id, name, kind, address, model, enabled, recording, last_seen_at,
  created_at, updated_at, xaddr, endpoint_ref, device_info, mac, profiles, stream_uri,
  recording_profile, username, credentials_enc, NULL AS snapshot, snapshot_at, status,
  last_check_at, last_error, clock_skew_ms, pnp_cloud_id, snapshot IS NOT NULL AS has_snapshot`;

type ListedRecord = CameraRecord & { has_snapshot: number };

function parseJson<T>(text: string | null, fallback: T): T {
  if (text === null) return fallback;
  try {
    return JSON.parse(text) as T;
  } catch {
    return fallback;
  }
}

export function toCamera(r: CameraRecord, hasSnapshot = r.snapshot !== null): Camera {
  return {
    id: r.id,
    customerId: r.customer_id,
    name: r.name,
    kind: r.kind,
    address: r.address,
    model: r.model,
    enabled: r.enabled === 1,
    recording: r.recording === 1,
    lastSeenAt: r.last_seen_at,
    createdAt: r.created_at,
    deviceInfo: parseJson<DeviceInfo | null>(r.device_info, null),
    mac: r.mac,
    profiles: parseJson<CameraProfile[]>(r.profiles, []),
    recordingProfile: r.recording_profile,
    streamUri: r.stream_uri,
    hasCredentials: r.credentials_enc !== null,
    username: r.username,
    status: r.status,
    lastCheckAt: r.last_check_at,
    lastError: r.last_error,
    clockSkewMs: r.clock_skew_ms,
    hasSnapshot,
    snapshotAt: r.snapshot_at,
    endpointReference: r.endpoint_ref,
  };
}

/** What a device check learned, written in one UPDATE. */
export interface CheckOutcome {
  status: CameraStatus;
  at: string;
  error: string | null;
  deviceInfo?: DeviceInfo;
  model?: string;
  mac?: string | null;
  profiles?: CameraProfile[];
  streamUri?: string | null;
  recordingProfile?: string | null;
  clockSkewMs?: number;
  snapshot?: Buffer;
}

/** The SQL of the cameras table; the service owns the rules and the transactions. */
export class CameraRepository {
  constructor(private readonly db: Db) {}

  get(id: string): CameraRecord | undefined {
    return this.db.prepare('SELECT * FROM cameras WHERE id = ?').get(id) as
      CameraRecord | undefined;
  }

  listByCustomer(customerId: string): Camera[] {
    const rows = this.db
      .prepare(
        `SELECT ${LIST_COLUMNS} FROM cameras WHERE customer_id = ? ORDER BY name COLLATE NOCASE, id`,
      )
      .all(customerId) as ListedRecord[];
    return rows.map((r) => toCamera(r, r.has_snapshot === 1));
  }

  /** The camera attached with this EndpointReference or device URL, and its customer. */
  findAttachedWithCustomer(
    endpointRef: string | null,
    xaddr: string | null,
  ): { cameraId: string; customerId: string; customerName: string } | null {
    if (endpointRef === null && xaddr === null) return null;
    const row = this.db
      .prepare(
        `SELECT c.id AS cameraId, c.customer_id AS customerId, t.name AS customerName
         FROM cameras c JOIN tenants t ON t.id = c.customer_id
         WHERE (@endpointRef IS NOT NULL AND c.endpoint_ref = @endpointRef)
            OR (@xaddr IS NOT NULL AND c.xaddr = @xaddr)
         LIMIT 1`,
      )
      .get({ endpointRef, xaddr }) as
      { cameraId: string; customerId: string; customerName: string } | undefined;
    return row ?? null;
  }

  insert(r: Omit<CameraRecord, 'last_check_at' | 'last_error'> & Partial<CameraRecord>): void {
    this.db
      .prepare(
        `INSERT INTO cameras (id, customer_id, name, kind, address, model, enabled, recording,
           last_seen_at, created_at, updated_at, xaddr, endpoint_ref, device_info, mac, profiles,
           stream_uri, recording_profile, username, credentials_enc, snapshot, snapshot_at, status,
           last_check_at, last_error, clock_skew_ms, pnp_cloud_id)
         VALUES (@id, @customer_id, @name, @kind, @address, @model, @enabled, @recording,
           @last_seen_at, @created_at, @updated_at, @xaddr, @endpoint_ref, @device_info, @mac,
           @profiles, @stream_uri, @recording_profile, @username, @credentials_enc, @snapshot,
           @snapshot_at, @status, @last_check_at, @last_error, @clock_skew_ms, @pnp_cloud_id)`,
      )
      .run({ last_check_at: null, last_error: null, ...r });
  }

  rename(id: string, name: string, now: string): void {
    this.db.prepare('UPDATE cameras SET name = ?, updated_at = ? WHERE id = ?').run(name, now, id);
  }

  setRecordingProfile(id: string, token: string, streamUri: string | null, now: string): void {
    this.db
      .prepare(
        'UPDATE cameras SET recording_profile = ?, stream_uri = ?, updated_at = ? WHERE id = ?',
      )
      .run(token, streamUri, now, id);
  }

  setCredentials(id: string, username: string, ciphertext: string | null, now: string): void {
    this.db
      .prepare('UPDATE cameras SET username = ?, credentials_enc = ?, updated_at = ? WHERE id = ?')
      .run(username, ciphertext, now, id);
  }

  /** Stores a check's outcome; a camera that answered is "seen" now. */
  recordCheck(id: string, o: CheckOutcome): void {
    const reached = o.status === 'online';
    this.db
      .prepare(
        `UPDATE cameras SET status = @status, last_check_at = @at, last_error = @error,
           last_seen_at = CASE WHEN @reached THEN @at ELSE last_seen_at END,
           device_info = COALESCE(@deviceInfo, device_info),
           model = COALESCE(@model, model),
           mac = COALESCE(@mac, mac),
           profiles = COALESCE(@profiles, profiles),
           stream_uri = COALESCE(@streamUri, stream_uri),
           recording_profile = COALESCE(@recordingProfile, recording_profile),
           clock_skew_ms = COALESCE(@clockSkewMs, clock_skew_ms),
           snapshot = COALESCE(@snapshot, snapshot),
           snapshot_at = CASE WHEN @snapshot IS NOT NULL THEN @at ELSE snapshot_at END
         WHERE id = @id`,
      )
      .run({
        id,
        status: o.status,
        at: o.at,
        error: o.error,
        reached: reached ? 1 : 0,
        deviceInfo: o.deviceInfo ? JSON.stringify(o.deviceInfo) : null,
        model: o.model ?? null,
        mac: o.mac ?? null,
        profiles: o.profiles ? JSON.stringify(o.profiles) : null,
        streamUri: o.streamUri ?? null,
        recordingProfile: o.recordingProfile ?? null,
        clockSkewMs: o.clockSkewMs === undefined ? null : Math.round(o.clockSkewMs),
        snapshot: o.snapshot ?? null,
      });
  }

  snapshot(id: string): Buffer | null {
    const row = this.db.prepare('SELECT snapshot FROM cameras WHERE id = ?').get(id) as
      { snapshot: Buffer | null } | undefined;
    return row?.snapshot ?? null;
  }

  delete(id: string): void {
    this.db.prepare('DELETE FROM cameras WHERE id = ?').run(id);
  }
}
