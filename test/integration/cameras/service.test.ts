// The camera service against real fake-camera processes on loopback (127.0.0.141-143, private
// WS-Discovery port 37141): discovery through the API, attach with a short list of logins,
// wrong passwords, re-check, and logins encrypted at rest.
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openCore, type Core } from '../../../electron/app/core';
import { databaseFile } from '../../../electron/app/paths';
import {
  setFirstPullIndexesAside,
  restoreFirstPullIndexes,
} from '../../../electron/db/first-pull-indexes';
import { secretKeyFile } from '../../../electron/secrets/key-file-box';
import type { MethodInput, MethodName, MethodOutput } from '../../../shared/contract';
import type { ApiErrorBody } from '../../../shared/errors';
import type { DiscoveredDeviceView } from '../../../shared/cameras';
import {
  spawnFakeCameras,
  type FakeCameraConfig,
  type FakeCameraProcess,
} from '../../fixtures/onvif/fake-camera';
import { tempDataDir } from '../../support/host-process';
import { customer } from '../../support/core';

const PORT = 37141;
const SECRET = 'Zebra-Quartz-4471';
const DAY = 86_400_000;
const base = { discoveryPort: PORT } satisfies Partial<FakeCameraConfig>;
const front: FakeCameraConfig = {
  ...base,
  address: '127.0.0.141',
  name: 'Front Door',
  location: 'Porch',
  model: 'FC-2000',
  mac: '02:00:00:00:01:41',
  password: SECRET,
};
const garage: FakeCameraConfig = {
  ...base,
  address: '127.0.0.142',
  name: 'Garage',
  password: 'admin', // a factory default: flagged
  authStyle: 'digest',
  clockOffsetMs: DAY,
  media2: true,
};
const shed: FakeCameraConfig = { ...base, address: '127.0.0.143', name: 'Shed', password: SECRET };

let cams: FakeCameraProcess;
let shedProc: FakeCameraProcess;
let core: Core;
let dataDir: string;

async function call<M extends MethodName>(m: M, input: MethodInput<M>): Promise<MethodOutput<M>> {
  const env = await core.dispatch(m, input);
  if (!env.ok) throw new Error(`${env.error.code}: ${env.error.message}`);
  return env.result as MethodOutput<M>;
}
async function fail(m: MethodName, input: unknown): Promise<ApiErrorBody> {
  const env = await core.dispatch(m, input);
  if (env.ok) throw new Error(`${m} was expected to fail`);
  return env.error;
}
const xaddrOf = (proc: FakeCameraProcess, address: string) => {
  const cam = proc.cameras.find((c) => c.address === address);
  if (!cam) throw new Error(`no fake camera on ${address}`);
  return cam;
};
const logins = [
  { username: 'admin', password: SECRET },
  { username: 'admin', password: 'admin' },
];

beforeAll(async () => {
  [cams, shedProc] = await Promise.all([
    spawnFakeCameras([front, garage]),
    spawnFakeCameras([shed]),
  ]);
  dataDir = tempDataDir('vms-cameras-');
  core = openCore({
    dataDir,
    host: 'browser',
    version: 'test',
    actor: 'tester',
    discovery: { interfaces: ['127.0.0.1'], port: PORT },
  });
}, 60_000);
afterAll(async () => {
  core?.close();
  await Promise.all([cams?.stop(), shedProc?.stop()]);
});

describe('camera service with fake cameras', () => {
  let customerId = '';

  it('streams discovered devices as events, with decoded scopes and clock skew', async () => {
    const seen = new Map<string, { name: string; clockSkewMs: number | null }>();
    const done = new Promise<{ devicesFound: number }>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no discovery.done within 10 s')), 10_000);
      core.events.on('event', (name: string, payload: unknown) => {
        if (name === 'discovery.device') {
          const { device } = payload as { device: DiscoveredDeviceView };
          seen.set(device.endpointReference, device);
        }
        if (name === 'discovery.done') {
          clearTimeout(timer);
          resolve(payload as { devicesFound: number });
        }
      });
    });
    const started = await call('discovery.start', {});
    expect(started.scanning).toBe(true);
    expect(started.interfaces).toEqual(['127.0.0.1']);
    expect((await done).devicesFound).toBe(3);
    const names = [...seen.values()].map((d) => d.name).sort();
    expect(names).toEqual(['Front Door', 'Garage', 'Shed']);
    // Clock reads (no login) may land just after the scan ends.
    await expect
      .poll(
        async () =>
          (await call('discovery.state', {})).devices.find((d) => d.name === 'Garage')
            ?.clockSkewMs ?? 0,
        { timeout: 5000 },
      )
      .toBeGreaterThan(DAY - 60_000);
    const state = await call('discovery.state', {});
    expect(state.scanning).toBe(false);
    const door = state.devices.find((d) => d.name === 'Front Door');
    expect(door).toMatchObject({ location: 'Porch', addresses: ['127.0.0.141'], attachedTo: null });
  });

  it('attaches cameras with one list of logins, flags the factory default, stores what it read', async () => {
    customerId = (await call('tenants.create', customer('Smith Home'))).id;
    const state = await call('discovery.state', {});
    const pick = (n: string) => {
      const d = state.devices.find((x) => x.name === n);
      if (!d?.xaddrs[0]) throw new Error(`${n} not discovered`);
      return { xaddr: d.xaddrs[0], endpointReference: d.endpointReference, name: d.name };
    };
    const { results } = await call('cameras.attachOnvif', {
      customerId,
      devices: [pick('Front Door'), pick('Garage')],
      credentials: logins,
    });
    expect(results.map((r) => [r.ok, r.error?.code])).toEqual([
      [true, undefined],
      [true, undefined],
    ]);
    expect(results[0]?.findings).toEqual([]);
    expect(results[1]?.findings.map((f) => f.code)).toEqual(['DEFAULT_PASSWORD']);
    expect(results[1]?.clockSkewMs).toBeGreaterThan(DAY - 60_000);

    const list = await call('cameras.list', { customerId });
    expect(list.map((c) => c.name)).toEqual(['Front Door', 'Garage']);
    const door = list[0];
    expect(door).toMatchObject({
      kind: 'onvif',
      model: 'FakeVision FC-2000',
      mac: '02:00:00:00:01:41',
      status: 'online',
      enabled: true,
      recording: true,
      hasCredentials: true,
      username: 'admin',
      hasSnapshot: true,
      recordingProfile: 'profile_main',
    });
    expect(door?.profiles).toHaveLength(2);
    expect(door?.streamUri).toMatch(/^rtsp:\/\/127\.0\.0\.141/);
    expect(door?.lastSeenAt).not.toBeNull();
    const snap = await call('cameras.snapshot', { id: door?.id ?? '' });
    expect(snap.dataUrl).toMatch(/^data:image\/jpeg;base64,\/9j\//);
    const tenant = await call('tenants.get', { id: customerId });
    expect(tenant.cameraCount).toBe(2);

    // The scan now says who has them; attaching again is refused per device.
    const after = await call('discovery.state', {});
    expect(after.devices.find((d) => d.name === 'Garage')?.attachedTo?.customerName).toBe(
      'Smith Home',
    );
    const again = await call('cameras.attachOnvif', {
      customerId,
      devices: [pick('Garage')],
      credentials: logins,
    });
    expect(again.results[0]?.error?.code).toBe('CONFLICT');
    const audit = await call('audit.list', { tenantId: customerId, operation: 'camera.add' });
    expect(audit).toHaveLength(2);
  });

  it('reports a wrong password per device and attaches nothing', async () => {
    const other = (await call('tenants.create', customer('Wrong Password Ltd'))).id;
    const { results } = await call('cameras.attachOnvif', {
      customerId: other,
      devices: [{ xaddr: xaddrOf(shedProc, '127.0.0.143').xaddr }],
      credentials: [{ username: 'admin', password: 'nope' }],
    });
    expect(results[0]?.ok).toBe(false);
    expect(results[0]?.error?.code).toBe('ONVIF_AUTH');
    expect(results[0]?.error?.message).toMatch(/Wrong user name or password for 127\.0\.0\.143/);
    expect(await call('cameras.list', { customerId: other })).toEqual([]);
  });

  it('refuses a camera attached meanwhile, also while a first sync has set its endpoint index aside', async () => {
    const porch = await spawnFakeCameras([
      { ...base, address: '127.0.0.144', name: 'Porch', password: SECRET },
    ]);
    try {
      const cam = xaddrOf(porch, '127.0.0.144');
      const device = { xaddr: cam.xaddr, endpointReference: cam.endpointReference, name: 'Porch' };
      const one = (await call('tenants.create', customer('Race One'))).id;
      const two = (await call('tenants.create', customer('Race Two'))).id;
      // As a first sync onto an empty database leaves it for a while (db/first-pull-indexes.ts).
      core.db.transaction(() => setFirstPullIndexesAside(core.db))();
      try {
        // Both pass the first check before either has finished talking to the camera.
        const replies = await Promise.all(
          [one, two].map((customerId) =>
            call('cameras.attachOnvif', { customerId, devices: [device], credentials: logins }),
          ),
        );
        const outcomes = replies.map((r) => r.results[0]);
        expect(outcomes.filter((r) => r?.ok)).toHaveLength(1);
        const refused = outcomes.find((r) => !r?.ok);
        expect(refused?.error?.code).toBe('CONFLICT');
        expect(refused?.error?.message).toMatch(/attached to Race (One|Two) meanwhile/);
      } finally {
        restoreFirstPullIndexes(core.db);
      }
      const holders = core.db
        .prepare('SELECT COUNT(*) FROM cameras WHERE endpoint_ref = ?')
        .pluck()
        .get(cam.endpointReference);
      expect(holders).toBe(1);
    } finally {
      await porch.stop();
    }
  });

  it('adds a camera by address and re-checks it: online, then offline once it stops', async () => {
    const { results } = await call('cameras.attachOnvif', {
      customerId,
      devices: [{ xaddr: '127.0.0.143:' + String(xaddrOf(shedProc, '127.0.0.143').httpPort) }],
      credentials: [{ username: 'admin', password: SECRET }],
    });
    const cam = results[0]?.camera;
    expect(cam?.name).toBe(
      'FC-2000 127.0.0.143:' + String(xaddrOf(shedProc, '127.0.0.143').httpPort),
    );
    const id = cam?.id ?? '';
    const first = await call('cameras.recheck', { id });
    expect(first.status).toBe('online');
    expect(first.lastError).toBeNull();
    await shedProc.stop();
    const second = await call('cameras.recheck', { id });
    expect(second.status).toBe('offline');
    expect(second.lastError).toMatch(/127\.0\.0\.143/);
    expect(second.lastSeenAt).toBe(first.lastSeenAt);
    expect(second.lastCheckAt).not.toBe(first.lastCheckAt);
  });

  it('edits a camera: name, recording profile, and refuses a login the camera rejects', async () => {
    const door = (await call('cameras.list', { customerId })).find((c) => c.name === 'Front Door');
    const id = door?.id ?? '';
    const edited = await call('cameras.update', {
      id,
      name: 'Front Door (porch)',
      recordingProfile: 'profile_sub',
    });
    expect(edited).toMatchObject({ name: 'Front Door (porch)', recordingProfile: 'profile_sub' });
    expect(edited.streamUri).toMatch(/profile_sub|sub/i);
    const wrong = await fail('cameras.update', {
      id,
      credentials: { username: 'admin', password: 'guess' },
    });
    expect(wrong.code).toBe('ONVIF_AUTH');
    expect((await call('cameras.recheck', { id })).status).toBe('online');
  });

  it('keeps tenancy rules: recording follows the customer, enabling is refused while disabled', async () => {
    await call('tenants.disable', { id: customerId });
    const list = await call('cameras.list', { customerId });
    expect(list.every((c) => c.enabled && !c.recording)).toBe(true);
    const cam = list[0];
    await call('cameras.setEnabled', { id: cam?.id ?? '', enabled: false });
    const refused = await fail('cameras.setEnabled', { id: cam?.id ?? '', enabled: true });
    expect(refused.code).toBe('TENANT_DISABLED');
    await call('tenants.enable', { id: customerId, mode: 'enable_all_cameras' });
    expect((await call('cameras.list', { customerId })).every((c) => c.recording)).toBe(true);
  });

  it('gates P&P and RTSP by module; keeps their secrets encrypted too', async () => {
    const off = await fail('cameras.addPnp', {
      customerId,
      name: 'Doorbell',
      cloudId: 'PNP-7781-AX',
      activationCode: 'ACT9931QZ',
    });
    expect(off.code).toBe('MODULE_OFF');
    await call('modules.set', { tenantId: customerId, moduleId: 'add_pnp_camera', enabled: true });
    const pnp = await call('cameras.addPnp', {
      customerId,
      name: 'Doorbell',
      cloudId: 'PNP-7781-AX',
      activationCode: 'ACT9931QZ',
    });
    expect(pnp).toMatchObject({ kind: 'pnp', address: 'PNP-7781-AX', status: 'unknown' });
    const inUrl = await fail('cameras.addManual', {
      customerId,
      name: 'Old DVR',
      streamUrl: `rtsp://admin:${SECRET}@127.0.0.1:1/ch1`,
    });
    expect(inUrl.fields?.[0]?.field).toBe('streamUrl');
    const rtsp = await call('cameras.addManual', {
      customerId,
      name: 'Old DVR',
      streamUrl: 'rtsp://127.0.0.1:1/ch1',
      username: 'viewer',
      password: 'Dvr-Secret-9913',
    });
    expect(rtsp).toMatchObject({ hasCredentials: true, username: 'viewer' });
    const checked = await call('cameras.recheck', { id: rtsp.id });
    expect(checked.status).toBe('offline');
  });

  it('never writes a camera password in clear: the SQLite files do not contain it', async () => {
    core.db.pragma('wal_checkpoint(FULL)');
    const file = databaseFile(dataDir);
    const bytes = Buffer.concat(
      [file, `${file}-wal`, `${file}-shm`]
        .filter((f) => fs.existsSync(f))
        .map((f) => fs.readFileSync(f)),
    );
    expect(bytes.length).toBeGreaterThan(10_000);
    for (const secret of [SECRET, 'Dvr-Secret-9913', 'ACT9931QZ']) {
      expect(bytes.includes(Buffer.from(secret, 'utf8'))).toBe(false);
      expect(bytes.includes(Buffer.from(secret, 'utf16le'))).toBe(false);
    }
    // ... but the stored login still works (re-check decrypts it).
    const door = (await call('cameras.list', { customerId })).find(
      (c) => c.kind === 'onvif' && c.status === 'online',
    );
    expect((await call('cameras.recheck', { id: door?.id ?? '' })).status).toBe('online');
    if (process.platform !== 'win32')
      expect(fs.statSync(secretKeyFile(dataDir)).mode & 0o777).toBe(0o600);
  });
});
