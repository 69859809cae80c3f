// High-level onboarding calls: everything the camera screen shows about one device, and a
// credential check that flags factory-default passwords.
import {
  OnvifDeviceClient,
  type DeviceCapabilities,
  type DeviceInformation,
  type DeviceService,
  type EventTopic,
  type MediaProfile,
  type NetworkInterfaceInfo,
  type OnvifClientOptions,
  type OnvifCredentials,
} from './client.js';
import { fail, ok, type OnvifError, type OnvifResult } from './errors.js';

export interface InspectedProfile extends MediaProfile {
  streamUri?: string;
  snapshotUri?: string;
}

export interface DeviceInspection {
  xaddr: string;
  /** Camera clock minus ours; large values explain failed WS-Security logins on other tools. */
  clockSkewMs: number;
  information: DeviceInformation;
  capabilities?: DeviceCapabilities;
  services: DeviceService[];
  mediaVersion: 1 | 2;
  profiles: InspectedProfile[];
  networkInterfaces: NetworkInterfaceInfo[];
  eventTopics: EventTopic[];
  snapshot?: Buffer;
  /** Parts that failed without failing the inspection (e.g. no events service). */
  warnings: OnvifError[];
}

export type InspectionPart = 'capabilities' | 'snapshotUris' | 'snapshot' | 'network' | 'events';

export interface InspectOptions extends OnvifClientOptions {
  /** Optional parts to skip (device information, profiles and stream URIs are always read). */
  skip?: InspectionPart[];
}

export async function inspectDevice(
  xaddr: string,
  credentials: OnvifCredentials | undefined,
  options: InspectOptions = {},
): Promise<OnvifResult<DeviceInspection>> {
  const skip = new Set(options.skip ?? []);
  const client = new OnvifDeviceClient(xaddr, credentials, options);
  try {
    const warnings: OnvifError[] = [];
    const clock = await client.getSystemDateAndTime();
    if (!clock.ok && clock.error.code !== 'ONVIF_FAULT' && clock.error.code !== 'ONVIF_AUTH') {
      return fail(clock.error);
    }
    const information = await client.getDeviceInformation();
    if (!information.ok) return fail(information.error);
    const services = await client.getServices();
    if (!services.ok) warnings.push(services.error);
    let capabilities: DeviceCapabilities | undefined;
    if (!skip.has('capabilities')) {
      const caps = await client.getCapabilities();
      if (caps.ok) capabilities = caps.value;
      else warnings.push(caps.error);
    }
    const listed = await client.getProfiles();
    if (!listed.ok) return fail(listed.error);
    const profiles: InspectedProfile[] = [];
    for (const p of listed.value) {
      const entry: InspectedProfile = { ...p };
      const stream = await client.getStreamUri(p);
      if (stream.ok) entry.streamUri = stream.value;
      else warnings.push(stream.error);
      if (!skip.has('snapshotUris')) {
        const snap = await client.getSnapshotUri(p);
        if (snap.ok) entry.snapshotUri = snap.value;
        else warnings.push(snap.error);
      }
      profiles.push(entry);
    }
    let snapshot: Buffer | undefined;
    const firstSnapshotUri = profiles.find((p) => p.snapshotUri)?.snapshotUri;
    if (!skip.has('snapshot') && firstSnapshotUri) {
      const bytes = await client.fetchSnapshot(firstSnapshotUri);
      if (bytes.ok) snapshot = bytes.value;
      else warnings.push(bytes.error);
    }
    let networkInterfaces: NetworkInterfaceInfo[] = [];
    if (!skip.has('network')) {
      const nics = await client.getNetworkInterfaces();
      if (nics.ok) networkInterfaces = nics.value;
      else warnings.push(nics.error);
    }
    let eventTopics: EventTopic[] = [];
    if (!skip.has('events')) {
      const topics = await client.getEventProperties();
      if (topics.ok) eventTopics = topics.value;
      else warnings.push(topics.error);
    }
    return ok({
      xaddr,
      clockSkewMs: clock.ok ? clock.value.clockOffsetMs : 0,
      information: information.value,
      ...(capabilities ? { capabilities } : {}),
      services: services.ok ? services.value : [],
      mediaVersion: profiles.some((p) => p.media === 2) ? 2 : 1,
      profiles,
      networkInterfaces,
      eventTopics,
      ...(snapshot ? { snapshot } : {}),
      warnings,
    });
  } finally {
    client.close();
  }
}

/** Factory logins seen on shipped cameras (vendor manuals); a match is a security finding. */
export const FACTORY_DEFAULT_CREDENTIALS: readonly OnvifCredentials[] = [
  { username: 'admin', password: 'admin' },
  { username: 'admin', password: '12345' },
  { username: 'admin', password: '123456' },
  { username: 'admin', password: '' },
  { username: 'admin', password: 'password' },
  { username: 'admin', password: '1234' },
  { username: 'admin', password: '9999' },
  { username: 'admin', password: 'meinsm' },
  { username: 'admin', password: '4321' },
  { username: 'root', password: 'pass' },
  { username: 'root', password: 'root' },
  { username: 'root', password: '' },
  { username: 'service', password: 'service' },
  { username: 'Admin', password: '1234' },
  { username: 'supervisor', password: 'supervisor' },
  { username: 'ubnt', password: 'ubnt' },
];

export function isFactoryDefault(credentials: OnvifCredentials): boolean {
  return FACTORY_DEFAULT_CREDENTIALS.some(
    (d) => d.username === credentials.username && d.password === credentials.password,
  );
}

export interface SecurityFinding {
  code: 'DEFAULT_PASSWORD';
  message: string;
}

export interface CredentialMatch {
  credentials: OnvifCredentials;
  findings: SecurityFinding[];
}

/**
 * Tries each login in order with an authenticated GetDeviceInformation; returns the first that
 * works. Stops at the first error that is not ONVIF_AUTH (an unreachable camera will not start
 * accepting the next password).
 */
export async function tryCredentials(
  xaddr: string,
  candidates: readonly OnvifCredentials[],
  options: OnvifClientOptions = {},
): Promise<OnvifResult<CredentialMatch>> {
  let lastError: OnvifError | undefined;
  for (const credentials of candidates) {
    const client = new OnvifDeviceClient(xaddr, credentials, options);
    try {
      const info = await client.getDeviceInformation();
      if (info.ok) {
        const findings: SecurityFinding[] = isFactoryDefault(credentials)
          ? [
              {
                code: 'DEFAULT_PASSWORD',
                message: `${client.host} accepts the factory-default login ${credentials.username}/${credentials.password === '' ? '(empty)' : credentials.password}: set a strong password on the camera before onboarding it.`,
              },
            ]
          : [];
        return ok({ credentials, findings });
      }
      if (info.error.code !== 'ONVIF_AUTH') return fail(info.error);
      lastError = info.error;
    } finally {
      client.close();
    }
  }
  return fail(
    lastError ?? {
      code: 'ONVIF_AUTH',
      message: `No credentials were given for ${new URL(xaddr).host}: enter the camera's user name and password.`,
    },
  );
}
