/**
 * v3: cameras in the product. ONVIF identity and device data, the chosen recording profile, the
 * login (ciphertext only: see electron/secrets), the last check, and a small snapshot for the
 * Cameras tab. `endpoint_ref` (WS-Discovery EndpointReference) and `pnp_cloud_id` identify a
 * camera across scans, so one device is attached to one customer only.
 */
export const migration = {
  version: 3,
  name: 'cameras',
  sql: `
ALTER TABLE cameras ADD COLUMN xaddr TEXT;
ALTER TABLE cameras ADD COLUMN endpoint_ref TEXT;
ALTER TABLE cameras ADD COLUMN device_info TEXT;
ALTER TABLE cameras ADD COLUMN mac TEXT;
ALTER TABLE cameras ADD COLUMN profiles TEXT NOT NULL DEFAULT '[]';
ALTER TABLE cameras ADD COLUMN stream_uri TEXT;
ALTER TABLE cameras ADD COLUMN recording_profile TEXT;
ALTER TABLE cameras ADD COLUMN username TEXT NOT NULL DEFAULT '';
ALTER TABLE cameras ADD COLUMN credentials_enc TEXT;
ALTER TABLE cameras ADD COLUMN snapshot BLOB;
ALTER TABLE cameras ADD COLUMN snapshot_at TEXT;
ALTER TABLE cameras ADD COLUMN status TEXT NOT NULL DEFAULT 'unknown';
ALTER TABLE cameras ADD COLUMN last_check_at TEXT;
ALTER TABLE cameras ADD COLUMN last_error TEXT;
ALTER TABLE cameras ADD COLUMN clock_skew_ms INTEGER;
ALTER TABLE cameras ADD COLUMN pnp_cloud_id TEXT;
CREATE UNIQUE INDEX cameras_endpoint_ref ON cameras(endpoint_ref) WHERE endpoint_ref IS NOT NULL;
CREATE UNIQUE INDEX cameras_pnp_cloud_id ON cameras(pnp_cloud_id) WHERE pnp_cloud_id IS NOT NULL;
CREATE INDEX cameras_xaddr ON cameras(xaddr) WHERE xaddr IS NOT NULL;
`,
};
