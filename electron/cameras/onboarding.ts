// The network half of onboarding: log in to an ONVIF camera (trying a short list of logins),
// read what the Cameras tab shows, and take a small snapshot. No database here.
import net from 'node:net';
import type { CameraProfile, CameraStatus, DeviceInfo } from '../../shared/cameras';
import { OnvifDeviceClient, type OnvifCredentials } from '../onvif/client';
import { fail, ok, type OnvifError, type OnvifResult } from '../onvif/errors';
import { inspectDevice, tryCredentials, type SecurityFinding } from '../onvif/inspect';

/** Thumbnails travel as data: URLs; a sub-stream snapshot is a few tens of KiB. */
export const MAX_THUMBNAIL_BYTES = 512 * 1024;

export interface OnboardingOptions {
  timeoutMs?: number;
}

export interface DeviceReport {
  xaddr: string;
  credentials: OnvifCredentials;
  findings: SecurityFinding[];
  clockSkewMs: number;
  deviceInfo: DeviceInfo;
  mac: string | null;
  profiles: CameraProfile[];
  recordingProfile: string | null;
  snapshot: Buffer | null;
  warnings: string[];
}

/** The profile to record: the largest H.264 / H.265 stream, else the first one listed. */
export function chooseRecordingProfile(profiles: readonly CameraProfile[]): CameraProfile | null {
  const video = profiles.filter((p) => p.streamUri && /^(H264|H265|HEVC)$/i.test(p.encoding ?? ''));
  const pool = video.length > 0 ? video : profiles;
  let best: CameraProfile | null = null;
  for (const p of pool) {
    if (!best || (p.width ?? 0) * (p.height ?? 0) > (best.width ?? 0) * (best.height ?? 0))
      best = p;
  }
  return best;
}

export function statusForError(error: OnvifError): CameraStatus {
  if (error.code === 'ONVIF_AUTH') return 'auth_failed';
  if (error.code === 'ONVIF_TIMEOUT' || error.code === 'ONVIF_UNREACHABLE') return 'offline';
  return 'error';
}

const isJpeg = (b: Buffer) => b.length > 3 && b[0] === 0xff && b[1] === 0xd8;

/**
 * Finds the login that works (flagging factory defaults), then reads device information, MAC,
 * profiles with stream URIs, and a snapshot from the smallest profile (kept when it is a JPEG of
 * at most MAX_THUMBNAIL_BYTES).
 */
export async function examineOnvifCamera(
  xaddr: string,
  candidates: readonly OnvifCredentials[],
  options: OnboardingOptions = {},
): Promise<OnvifResult<DeviceReport>> {
  const clientOptions = { timeoutMs: options.timeoutMs ?? 5000 };
  const login = await tryCredentials(xaddr, candidates, clientOptions);
  if (!login.ok) return fail(login.error);
  const { credentials, findings } = login.value;
  const inspected = await inspectDevice(xaddr, credentials, {
    ...clientOptions,
    skip: ['capabilities', 'snapshot', 'events'],
  });
  if (!inspected.ok) return fail(inspected.error);
  const info = inspected.value;
  const warnings = info.warnings.map((w) => `${w.code}: ${w.message}`);
  const profiles: CameraProfile[] = info.profiles.map((p) => ({
    token: p.token,
    name: p.name,
    ...(p.encoding !== undefined ? { encoding: p.encoding } : {}),
    ...(p.width !== undefined ? { width: p.width } : {}),
    ...(p.height !== undefined ? { height: p.height } : {}),
    ...(p.streamUri !== undefined ? { streamUri: p.streamUri } : {}),
  }));
  const smallest = [...info.profiles]
    .filter((p) => p.snapshotUri)
    .sort((a, b) => (a.width ?? 0) * (a.height ?? 0) - (b.width ?? 0) * (b.height ?? 0))[0];
  let snapshot: Buffer | null = null;
  if (smallest?.snapshotUri) {
    const client = new OnvifDeviceClient(xaddr, credentials, {
      ...clientOptions,
      maxSnapshotBytes: MAX_THUMBNAIL_BYTES,
    });
    try {
      const bytes = await client.fetchSnapshot(smallest.snapshotUri);
      if (bytes.ok && isJpeg(bytes.value)) snapshot = bytes.value;
      else if (!bytes.ok) warnings.push(`${bytes.error.code}: ${bytes.error.message}`);
      else warnings.push('The snapshot is not a JPEG image; no thumbnail is shown.');
    } finally {
      client.close();
    }
  }
  const nic = info.networkInterfaces.find((n) => n.enabled && n.mac) ?? info.networkInterfaces[0];
  return ok({
    xaddr,
    credentials,
    findings,
    clockSkewMs: info.clockSkewMs,
    deviceInfo: info.information,
    mac: nic?.mac ?? null,
    profiles,
    recordingProfile: chooseRecordingProfile(profiles)?.token ?? null,
    snapshot,
    warnings,
  });
}

/** Reads the camera clock without a login (ONVIF Core 5.9.1: GetSystemDateAndTime is open). */
export async function readClockSkew(xaddr: string, timeoutMs = 3000): Promise<number | null> {
  const client = new OnvifDeviceClient(xaddr, undefined, { timeoutMs });
  try {
    const clock = await client.getSystemDateAndTime();
    return clock.ok ? Math.round(clock.value.clockOffsetMs) : null;
  } finally {
    client.close();
  }
}

/** An RTSP camera is "online" when its RTSP port accepts a TCP connection. */
export function checkTcpReachable(
  url: string,
  timeoutMs = 3000,
): Promise<{ ok: true } | { ok: false; message: string }> {
  const u = new URL(url);
  const port = Number(u.port || (u.protocol === 'rtsps:' ? 322 : 554));
  const host = u.hostname.replace(/^\[|\]$/g, '');
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    const done = (result: { ok: true } | { ok: false; message: string }) => {
      socket.destroy();
      resolve(result);
    };
    socket.setTimeout(timeoutMs, () =>
      done({ ok: false, message: `No answer from ${host}:${port} within ${timeoutMs} ms.` }),
    );
    socket.once('connect', () => done({ ok: true }));
    socket.once('error', (err) =>
      done({ ok: false, message: `Cannot reach ${host}:${port}: ${err.message}.` }),
    );
  });
}
