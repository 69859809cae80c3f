import { z } from 'zod';
import { idField, nameField } from './validation';

export const cameraStatusSchema = z.enum([
  /** Answered the last check. */
  'online',
  /** Did not answer (timeout, refused, no route). */
  'offline',
  /** Answered, but refused the stored login. */
  'auth_failed',
  /** Answered with something we could not use (bad XML, fault). */
  'error',
  /** Never checked (P&P cameras waiting for the cloud, or not re-checked yet). */
  'unknown',
]);
export type CameraStatus = z.infer<typeof cameraStatusSchema>;

export const cameraProfileSchema = z.object({
  token: z.string(),
  name: z.string(),
  encoding: z.string().optional(),
  width: z.number().optional(),
  height: z.number().optional(),
  streamUri: z.string().optional(),
});
export type CameraProfile = z.infer<typeof cameraProfileSchema>;

export const deviceInfoSchema = z.object({
  manufacturer: z.string(),
  model: z.string(),
  firmwareVersion: z.string(),
  serialNumber: z.string(),
  hardwareId: z.string(),
});
export type DeviceInfo = z.infer<typeof deviceInfoSchema>;

export const cameraSchema = z.object({
  id: z.string(),
  customerId: z.string(),
  name: z.string(),
  kind: z.enum(['onvif', 'rtsp', 'pnp']),
  /** ONVIF: the device service URL; RTSP: the stream URL; P&P: the cloud id. */
  address: z.string(),
  model: z.string(),
  /** The camera's own switch, kept apart from its tenants' state. */
  enabled: z.boolean(),
  /** Effective: own switch on and no tenant above it disabled. */
  recording: z.boolean(),
  lastSeenAt: z.string().nullable(),
  createdAt: z.string(),
  deviceInfo: deviceInfoSchema.nullable(),
  mac: z.string().nullable(),
  profiles: z.array(cameraProfileSchema),
  recordingProfile: z.string().nullable(),
  streamUri: z.string().nullable(),
  /** A login is stored (encrypted); the secret itself never leaves the main process. */
  hasCredentials: z.boolean(),
  username: z.string(),
  status: cameraStatusSchema,
  lastCheckAt: z.string().nullable(),
  lastError: z.string().nullable(),
  /** Camera clock minus ours at the last check, ms. */
  clockSkewMs: z.number().nullable(),
  hasSnapshot: z.boolean(),
  snapshotAt: z.string().nullable(),
  /** WS-Discovery EndpointReference: how a scan tells this camera is already attached. */
  endpointReference: z.string().nullable(),
});
export type Camera = z.infer<typeof cameraSchema>;

const rtspUrl = z
  .string({ error: 'Stream URL is required.' })
  .trim()
  .max(1000, { error: 'Stream URL must be at most 1000 characters.' })
  .refine(
    (v) => {
      try {
        const u = new URL(v);
        return (u.protocol === 'rtsp:' || u.protocol === 'rtsps:') && u.hostname !== '';
      } catch {
        return false;
      }
    },
    { error: 'Enter an RTSP URL like rtsp://192.168.1.20:554/stream1.' },
  );

const usernameField = z
  .string()
  .max(64, { error: 'User name must be at most 64 characters.' })
  .refine((v) => !/[\s:]/.test(v), { error: 'A user name has no spaces or colons.' })
  .default('');
const passwordField = z
  .string()
  .max(128, { error: 'Password must be at most 128 characters.' })
  .default('');

export const credentialsSchema = z.object({ username: usernameField, password: passwordField });
export type CameraCredentials = z.output<typeof credentialsSchema>;

export const createManualCameraSchema = z
  .object({
    customerId: idField,
    name: nameField('Camera name'),
    streamUrl: rtspUrl,
    username: usernameField,
    password: passwordField,
  })
  .refine((v) => v.password === '' || v.username !== '', {
    error: 'Enter the user name that goes with this password.',
    path: ['username'],
  });
export type CreateManualCamera = z.output<typeof createManualCameraSchema>;

export const setCameraEnabledSchema = z.object({ id: idField, enabled: z.boolean() });

/** A device service URL, or an address typed by a person (`192.168.1.20`, `cam.local:8080`). */
export const deviceAddressField = z
  .string({ error: 'Camera address is required.' })
  .trim()
  .min(1, { error: 'Camera address is required.' })
  .max(500, { error: 'Camera address must be at most 500 characters.' })
  .transform((v, ctx) => {
    const url = toDeviceServiceUrl(v);
    if (!url) {
      ctx.addIssue({
        code: 'custom',
        message:
          'Enter an IP address or host like 192.168.1.20 or 192.168.1.20:8080, or a URL like http://192.168.1.20/onvif/device_service.',
      });
      return z.NEVER;
    }
    return url;
  });

/** `192.168.1.20` → `http://192.168.1.20/onvif/device_service` (the path ONVIF Core 5.1.1 recommends). */
export function toDeviceServiceUrl(input: string): string | null {
  const text = input.trim();
  const withScheme = /^[a-z]+:\/\//i.test(text) ? text : `http://${text}`;
  try {
    const url = new URL(withScheme);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') return null;
    if (url.hostname === '' || url.username || url.password) return null;
    if (url.pathname === '/' || url.pathname === '') url.pathname = '/onvif/device_service';
    return url.toString();
  } catch {
    return null;
  }
}

export const attachOnvifSchema = z.object({
  customerId: idField,
  devices: z
    .array(
      z.object({
        xaddr: deviceAddressField,
        endpointReference: z.string().max(300).optional(),
        /** The name to give the camera; default: its ONVIF name scope, else its model. */
        name: z.string().trim().max(120).optional(),
      }),
    )
    .min(1, { error: 'Select at least one camera.' })
    .max(256, { error: 'Attach at most 256 cameras at a time.' }),
  /** Tried in order on each device; the first that works is stored. */
  credentials: z
    .array(credentialsSchema)
    .min(1, { error: 'Enter the cameras’ user name and password.' })
    .max(5, { error: 'Try at most 5 logins per camera.' }),
});
export type AttachOnvif = z.output<typeof attachOnvifSchema>;

export const securityFindingSchema = z.object({ code: z.string(), message: z.string() });

export const attachResultSchema = z.object({
  xaddr: z.string(),
  ok: z.boolean(),
  camera: cameraSchema.optional(),
  error: z.object({ code: z.string(), message: z.string() }).optional(),
  findings: z.array(securityFindingSchema),
  clockSkewMs: z.number().optional(),
});
export type AttachResult = z.infer<typeof attachResultSchema>;

const PNP_ID = /^[A-Za-z0-9][A-Za-z0-9-]{5,39}$/;
export const addPnpCameraSchema = z.object({
  customerId: idField,
  name: nameField('Camera name'),
  cloudId: z
    .string({ error: 'Cloud id is required.' })
    .trim()
    .refine((v) => PNP_ID.test(v), {
      error:
        'Enter the cloud id or serial printed on the camera: 6 to 40 letters, digits or dashes.',
    }),
  activationCode: z
    .string({ error: 'Activation code is required.' })
    .trim()
    .refine((v) => /^[A-Za-z0-9]{4,32}$/.test(v), {
      error: 'Enter the activation code from the camera label: 4 to 32 letters or digits.',
    }),
});
export type AddPnpCamera = z.output<typeof addPnpCameraSchema>;

export const updateCameraSchema = z.object({
  id: idField,
  name: nameField('Camera name').optional(),
  recordingProfile: z.string().trim().min(1).max(64).optional(),
  /** A new login to store (tested first for ONVIF cameras). */
  credentials: credentialsSchema.optional(),
});
export type UpdateCamera = z.output<typeof updateCameraSchema>;

/** One device as the Site scan screen shows it, merged across interfaces and probes. */
export const discoveredDeviceSchema = z.object({
  endpointReference: z.string(),
  xaddrs: z.array(z.string()),
  /** Hosts of the XAddrs, routable first. */
  addresses: z.array(z.string()),
  name: z.string(),
  hardware: z.string(),
  location: z.string(),
  types: z.array(z.string()),
  interfaces: z.array(z.string()),
  via: z.array(z.string()),
  /** Camera clock minus ours (read without a login), when the device answered. */
  clockSkewMs: z.number().nullable(),
  attachedTo: z
    .object({ cameraId: z.string(), customerId: z.string(), customerName: z.string() })
    .nullable(),
  /** The device said Bye (left the network) while the scan screen was open. */
  left: z.boolean().default(false),
});
export type DiscoveredDeviceView = z.infer<typeof discoveredDeviceSchema>;

export const startDiscoverySchema = z.object({
  /** Typed IPs, ranges (`192.168.1.10-60`) or CIDRs up to /24, probed by unicast. */
  unicastTargets: z.array(z.string().trim().min(1).max(64)).max(16).default([]),
  /** Multicast probe on every interface (off for a unicast-only probe). */
  multicast: z.boolean().default(true),
});

export const discoveryProgressSchema = z.object({
  scanId: z.string(),
  probesSent: z.number(),
  devicesFound: z.number(),
  elapsedMs: z.number(),
});

export const discoveryStateSchema = z.object({
  scanId: z.string().nullable(),
  scanning: z.boolean(),
  interfaces: z.array(z.string()),
  devices: z.array(discoveredDeviceSchema),
  progress: discoveryProgressSchema.nullable(),
  errors: z.array(z.string()),
});
export type DiscoveryState = z.infer<typeof discoveryStateSchema>;

/** A clock skew as a person reads it: "in sync", "3 min ahead", "1 d 2 h behind". */
export function describeClockSkew(ms: number | null): string {
  if (ms === null) return '—';
  const abs = Math.abs(ms);
  if (abs < 5_000) return 'in sync';
  const s = Math.round(abs / 1000);
  const parts =
    s < 120
      ? `${s} s`
      : s < 7200
        ? `${Math.round(s / 60)} min`
        : s < 86_400
          ? `${Math.floor(s / 3600)} h ${Math.round((s % 3600) / 60)} min`
          : `${Math.floor(s / 86400)} d ${Math.round((s % 86400) / 3600)} h`;
  return `${parts} ${ms > 0 ? 'ahead' : 'behind'}`;
}

/** Past this, WS-Security logins of other tools fail and recordings carry wrong times. */
export const CLOCK_SKEW_WARN_MS = 5 * 60_000;
