// The device client against real fake-camera processes on loopback (127.0.0.6x).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OnvifDeviceClient } from '../../../electron/onvif/client.js';
import { mapWithConcurrency } from '../../../electron/onvif/concurrency.js';
import {
  FACTORY_DEFAULT_CREDENTIALS,
  inspectDevice,
  tryCredentials,
} from '../../../electron/onvif/inspect.js';
import {
  spawnFakeCameras,
  type FakeCameraConfig,
  type FakeCameraProcess,
} from '../../fixtures/onvif/fake-camera.js';
import { tinyJpeg } from '../../fixtures/onvif/tiny-jpeg.js';

const DAY = 86_400_000;
const GOOD = { username: 'admin', password: 'S3cure-pass' };
const BAD = { username: 'admin', password: 'wrong' };

const cameras: Record<string, FakeCameraConfig> = {
  plusDay: { address: '127.0.0.61', clockOffsetMs: DAY },
  minusDay: { address: '127.0.0.62', clockOffsetMs: -DAY },
  digestMd5: { address: '127.0.0.63', authStyle: 'digest', digestAlgorithm: 'MD5' },
  digestSha256: {
    address: '127.0.0.64',
    authStyle: 'digest',
    digestAlgorithm: 'SHA-256',
    media2: true,
  },
  both: { address: '127.0.0.65', authStyle: 'both', quirks: { unusualPrefixes: true } },
  fault: { address: '127.0.0.66', wrongPasswordStyle: 'fault', quirks: { unusualPrefixes: true } },
  http400: { address: '127.0.0.67', wrongPasswordStyle: 'http400' },
  http401: { address: '127.0.0.68', wrongPasswordStyle: 'http401' },
  malformed: { address: '127.0.0.69', quirks: { malformedXml: true } },
  oversized: { address: '127.0.0.70', quirks: { oversizedBytes: 2 * 1024 * 1024 } },
  laughs: { address: '127.0.0.71', quirks: { xmlAttack: 'billion-laughs' } },
  xxe: { address: '127.0.0.72', quirks: { xmlAttack: 'external-entity' } },
  silent: { address: '127.0.0.73', quirks: { silent: true } },
  factory: { address: '127.0.0.74', username: 'admin', password: 'admin', media2: true },
};

let fixture: FakeCameraProcess;
const xaddr = (key: string): string => {
  const address = cameras[key]?.address;
  const cam = fixture.cameras.find((c) => c.address === address);
  if (!cam) throw new Error(`no camera ${key}`);
  return cam.xaddr;
};

beforeAll(async () => {
  fixture = await spawnFakeCameras(
    Object.entries(cameras).map(([key, c]) => ({
      ...c,
      name: `cam-${key}`,
      multicast: false,
      discoveryPort: 37290,
    })),
  );
}, 30_000);

afterAll(async () => {
  await fixture?.stop();
});

describe('clock skew and WS-UsernameToken', () => {
  it.each([
    ['plusDay', DAY],
    ['minusDay', -DAY],
  ])('authenticates a camera whose clock is off by a day (%s)', async (key, offset) => {
    const result = await inspectDevice(xaddr(key), GOOD, { skip: ['snapshot', 'events'] });
    if (!result.ok) throw new Error(result.error.message);
    expect(Math.abs(result.value.clockSkewMs - offset)).toBeLessThan(2000);
    expect(result.value.information.manufacturer).toBe('FakeVision');
    const host = cameras[key]?.address;
    expect(result.value.profiles.map((p) => p.streamUri)).toEqual([
      `rtsp://${host}:554/Streaming/profile_main`,
      `rtsp://${host}:554/Streaming/profile_sub`,
    ]);
  });
});

describe('auth styles', () => {
  it.each(['digestMd5', 'digestSha256', 'both'])('authenticates with %s', async (key) => {
    const client = new OnvifDeviceClient(xaddr(key), GOOD);
    const info = await client.getDeviceInformation();
    expect(info.ok).toBe(true);
    const profiles = await client.getProfiles();
    if (!profiles.ok) throw new Error(profiles.error.message);
    expect(profiles.value).toHaveLength(2);
    expect(profiles.value[0]).toMatchObject({
      token: 'profile_main',
      encoding: 'H264',
      width: 1920,
    });
    if (key === 'digestSha256') expect(profiles.value[0]?.media).toBe(2);
  });

  it.each(['fault', 'http400', 'http401', 'digestMd5', 'digestSha256', 'both'])(
    'maps a wrong password to ONVIF_AUTH (%s)',
    async (key) => {
      const client = new OnvifDeviceClient(xaddr(key), BAD);
      const info = await client.getDeviceInformation();
      expect(info).toEqual({
        ok: false,
        error: {
          code: 'ONVIF_AUTH',
          message: `Wrong user name or password for ${new URL(xaddr(key)).host}: check the camera credentials.`,
        },
      });
    },
  );
});

describe('untrusted XML', () => {
  it.each([
    ['malformed', 'ONVIF_BAD_XML'],
    ['oversized', 'ONVIF_TOO_LARGE'],
    ['laughs', 'ONVIF_BAD_XML'],
    ['xxe', 'ONVIF_BAD_XML'],
  ])('rejects %s responses with %s', async (key, code) => {
    const client = new OnvifDeviceClient(xaddr(key), GOOD);
    const clock = await client.getSystemDateAndTime();
    expect(clock.ok).toBe(false);
    if (!clock.ok) expect(clock.error.code).toBe(code);
    const inspection = await inspectDevice(xaddr(key), GOOD);
    expect(inspection.ok).toBe(false);
  });

  it('times out on a silent camera without holding up the others', async () => {
    const started = performance.now();
    const results = await mapWithConcurrency(['silent', 'plusDay', 'digestMd5'], 3, (key) =>
      new OnvifDeviceClient(xaddr(key), GOOD, { timeoutMs: 800 }).getDeviceInformation(),
    );
    expect(results[0]).toMatchObject({ ok: false, error: { code: 'ONVIF_TIMEOUT' } });
    expect(results[1]?.ok).toBe(true);
    expect(results[2]?.ok).toBe(true);
    expect(performance.now() - started).toBeLessThan(2500);
  });

  it('reports an address with nothing listening as ONVIF_UNREACHABLE', async () => {
    const client = new OnvifDeviceClient('http://127.0.0.75:9/onvif/device_service', GOOD, {
      timeoutMs: 1000,
    });
    const info = await client.getDeviceInformation();
    expect(info).toMatchObject({ ok: false, error: { code: 'ONVIF_UNREACHABLE' } });
  });
});

describe('inspectDevice', () => {
  it('returns info, profiles, URIs, MAC, event topics and snapshot bytes', async () => {
    const result = await inspectDevice(xaddr('digestSha256'), GOOD);
    if (!result.ok) throw new Error(result.error.message);
    const v = result.value;
    expect(v.warnings).toEqual([]);
    expect(v.mediaVersion).toBe(2);
    expect(v.profiles[0]?.snapshotUri).toMatch(/^http:\/\/127\.0\.0\.64:\d+\/snapshot\.jpg/);
    expect(v.networkInterfaces[0]).toMatchObject({ mac: '02:00:00:00:00:01', ipv4: '127.0.0.64' });
    expect(v.snapshot?.equals(tinyJpeg('cam-digestSha256'))).toBe(true);
    expect(v.eventTopics).toEqual([
      {
        topic: 'tns1:VideoSource/MotionAlarm',
        source: [{ name: 'Source', type: 'ReferenceToken' }],
        data: [{ name: 'State', type: 'boolean' }],
      },
      {
        topic: 'tns1:RuleEngine/CellMotionDetector/Motion',
        source: [
          { name: 'VideoSourceConfigurationToken', type: 'ReferenceToken' },
          { name: 'Rule', type: 'string' },
        ],
        data: [{ name: 'IsMotion', type: 'boolean' }],
      },
    ]);
  });

  it('parses a camera with unusual namespace prefixes', async () => {
    const result = await inspectDevice(xaddr('fault'), GOOD, { skip: ['snapshot'] });
    if (!result.ok) throw new Error(result.error.message);
    expect(result.value.information.model).toBe('FC-2000');
    expect(result.value.eventTopics.map((t) => t.topic)).toContain('tns1:VideoSource/MotionAlarm');
    expect(result.value.profiles).toHaveLength(2);
  });
});

describe('tryCredentials', () => {
  it('finds the working factory-default login and flags it', async () => {
    const result = await tryCredentials(xaddr('factory'), [BAD, ...FACTORY_DEFAULT_CREDENTIALS]);
    if (!result.ok) throw new Error(result.error.message);
    expect(result.value.credentials).toEqual({ username: 'admin', password: 'admin' });
    expect(result.value.findings).toEqual([
      expect.objectContaining({
        code: 'DEFAULT_PASSWORD',
        message: expect.stringContaining('admin/admin'),
      }),
    ]);
  });

  it('returns a strong password without findings, and ONVIF_AUTH when none works', async () => {
    const good = await tryCredentials(xaddr('http400'), [BAD, GOOD]);
    expect(good).toEqual({ ok: true, value: { credentials: GOOD, findings: [] } });
    const none = await tryCredentials(xaddr('http400'), [BAD]);
    expect(none).toMatchObject({ ok: false, error: { code: 'ONVIF_AUTH' } });
  });
});
