// Hello / Bye while the Site scan screen is open: a camera plugged in shows up without a scan, and
// one that leaves is marked as gone. Real fake-camera instances on loopback, private port 37161.
import { afterEach, describe, expect, it } from 'vitest';
import { openCore, type Core } from '../../../electron/app/core';
import type { DiscoveredDeviceView } from '../../../shared/cameras';
import { startFakeCamera } from '../../fixtures/onvif/fake-camera';
import { tempDataDir } from '../../support/host-process';

const PORT = 37161;
let core: Core | undefined;
afterEach(() => core?.close());

function nextDevice(
  c: Core,
  match: (d: DiscoveredDeviceView) => boolean,
  ms = 5000,
): Promise<DiscoveredDeviceView> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('no matching discovery.device event')), ms);
    const on = (name: string, payload: unknown) => {
      const device = (payload as { device?: DiscoveredDeviceView }).device;
      if (name === 'discovery.device' && device && match(device)) {
        clearTimeout(timer);
        c.events.off('event', on);
        resolve(device);
      }
    };
    c.events.on('event', on);
  });
}

describe('Hello and Bye on the Site scan', () => {
  it('adds a camera that says Hello and marks it when it says Bye', async () => {
    core = openCore({
      dataDir: tempDataDir(),
      host: 'browser',
      version: 'test',
      discovery: { interfaces: ['127.0.0.1'], port: PORT },
    });
    const listening = await core.dispatch('discovery.listen', { on: true });
    expect(listening.ok).toBe(true);
    const hello = nextDevice(core, (d) => d.name === 'Porch Cam' && !d.left);
    const cam = await startFakeCamera({
      address: '127.0.0.161',
      name: 'Porch Cam',
      discoveryPort: PORT,
      hello: true,
    });
    try {
      const device = await hello;
      expect(device.addresses).toContain('127.0.0.161');
      expect(device.via).toContain('hello');
      const state = await core.dispatch('discovery.state', {});
      const names = state.ok
        ? (state.result as { devices: DiscoveredDeviceView[] }).devices.map((d) => d.name)
        : [];
      expect(names).toContain('Porch Cam');
      const bye = nextDevice(core, (d) => d.name === 'Porch Cam' && d.left);
      await cam.close({ bye: true });
      expect((await bye).left).toBe(true);
    } finally {
      await cam.close({ bye: false }).catch(() => undefined);
    }
    expect((await core.dispatch('discovery.listen', { on: false })).ok).toBe(true);
  });
});
