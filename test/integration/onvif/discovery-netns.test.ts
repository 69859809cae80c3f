// True multicast discovery over two interfaces, in a lab of network namespaces (netns-lab.ts):
// the discovering process runs in its own namespace with 10.201.1.1 and 10.201.2.1, cameras
// sit behind each. Skipped, with the reason, when not root or without `ip netns`.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DiscoveredDevice } from '../../../electron/onvif/discovery.js';
import type { FakeCameraProcess } from '../../fixtures/onvif/fake-camera.js';
import { createLab, labUnavailableReason, type NetnsLab } from '../../fixtures/onvif/netns-lab.js';

const unavailable = labUnavailableReason();
if (unavailable) console.warn(`namespace lab tests skipped: ${unavailable}`);

describe.skipIf(unavailable !== undefined)('discovery in a two-interface namespace lab', () => {
  let lab: NetnsLab;
  const fixtures: FakeCameraProcess[] = [];
  const SHARED_EPR = 'urn:uuid:0d0a11b0-0000-4000-8000-00000000beef';

  beforeAll(async () => {
    lab = createLab();
    const [a, b] = lab.subnets;
    lab.addCameraAddresses(a, 10, 14);
    lab.addCameraAddresses(b, 10, 14);
    fixtures.push(
      await lab.spawnCameras(a, [
        { address: `${a.base}.10`, name: 'A10', quirks: { nvtOnly: true } },
        { address: `${a.base}.11`, name: 'A11', quirks: { ephemeralReplyPort: true } },
        { address: `${a.base}.12`, name: 'A12', quirks: { unusualPrefixes: true } },
        // One device with a NIC on each subnet: same endpoint reference on both sides.
        { address: `${a.base}.13`, name: 'Dual', endpointReference: SHARED_EPR },
        { address: `${a.base}.14`, name: 'Mute', quirks: { silent: true } },
      ]),
      await lab.spawnCameras(b, [
        { address: `${b.base}.10`, name: 'B10' },
        {
          address: `${b.base}.11`,
          name: 'B11',
          quirks: { extraXAddrs: ['http://169.254.7.7/onvif/device_service'] },
        },
        { address: `${b.base}.13`, name: 'Dual', endpointReference: SHARED_EPR },
      ]),
    );
  }, 60_000);

  afterAll(async () => {
    await Promise.all(fixtures.map((f) => f.stop()));
    lab?.teardown();
  });

  it('finds the cameras behind both interfaces by multicast and merges the dual-homed one', async () => {
    const [a, b] = lab.subnets;
    const lines = await lab.runClient({
      mode: 'discover',
      interfaces: [a.clientAddress, b.clientAddress],
    }).done;
    const done = lines.find((l) => l.event === 'done');
    const devices = (done?.devices ?? []) as DiscoveredDevice[];
    expect(devices.map((d) => d.scopes.name).sort()).toEqual([
      'A10',
      'A11',
      'A12',
      'B10',
      'B11',
      'Dual',
    ]);
    const dual = devices.find((d) => d.endpointReference === SHARED_EPR);
    expect(dual?.interfaces.sort()).toEqual([a.clientAddress, b.clientAddress]);
    expect(dual?.xaddrs).toHaveLength(2);
    const b11 = devices.find((d) => d.scopes.name === 'B11');
    expect(b11?.interfaces).toEqual([b.clientAddress]);
    expect(b11?.xaddrs.at(-1)).toBe('http://169.254.7.7/onvif/device_service');
    // Devices are printed as they arrive, before the scan ends.
    expect(lines.filter((l) => l.event === 'device')).toHaveLength(6);
  }, 30_000);

  it('hears Hello when a camera starts and Bye when it stops', async () => {
    const [a, b] = lab.subnets;
    const events: Array<Record<string, unknown>> = [];
    let listening: () => void = () => undefined;
    const ready = new Promise<void>((r) => (listening = r));
    const run = lab.runClient(
      { mode: 'listen', ms: 4000, interfaces: [a.clientAddress, b.clientAddress] },
      {
        onLine: (line) => {
          if (line.event === 'listening') listening();
          else events.push(line);
        },
      },
    );
    await ready;
    const announcer = await lab.spawnCameras(b, [
      { address: `${b.base}.14`, name: 'Newcomer', hello: true },
    ]);
    const epr = announcer.cameras[0]?.endpointReference;
    await new Promise((r) => setTimeout(r, 300));
    await announcer.stop();
    await run.done;
    const hello = events.find((e) => e.event === 'hello') as
      { device: DiscoveredDevice } | undefined;
    expect(hello?.device.endpointReference).toBe(epr);
    expect(hello?.device.scopes.name).toBe('Newcomer');
    expect(hello?.device.interfaces).toEqual([b.clientAddress]);
    expect(events.find((e) => e.event === 'bye')).toEqual({ event: 'bye', endpointReference: epr });
  }, 30_000);
});
