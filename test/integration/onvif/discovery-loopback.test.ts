// WS-Discovery against a real fake-camera process on loopback: multicast on `lo` (Linux delivers
// it when the sender picks 127.0.0.1 as multicast interface) plus unicast sweeps of 127.0.0.x.
// A private port (37110) keeps these probes away from anything else using 3702.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { probeAllInterfaces, type DiscoveredDevice } from '../../../electron/onvif/discovery.js';
import {
  spawnFakeCameras,
  type FakeCameraConfig,
  type FakeCameraProcess,
} from '../../fixtures/onvif/fake-camera.js';

const PORT = 37110;
const base: Partial<FakeCameraConfig> = { discoveryPort: PORT, quirks: { replyJitterMs: 50 } };
const configs: FakeCameraConfig[] = [
  {
    ...base,
    address: '127.0.0.101',
    name: 'Front Door',
    hardware: 'FC-2000',
    location: 'Porch east',
  },
  { ...base, address: '127.0.0.102', name: 'Garage', quirks: { ephemeralReplyPort: true } },
  {
    ...base,
    address: '127.0.0.103',
    name: 'Yard',
    quirks: { extraXAddrs: ['http://169.254.10.103/onvif/device_service'], unusualPrefixes: true },
  },
  { ...base, address: '127.0.0.104', name: 'Gate', quirks: { nvtOnly: true } },
  { ...base, address: '127.0.0.105', name: 'Silent', quirks: { silent: true } },
  { ...base, address: '127.0.0.106', name: 'Slow', quirks: { delayMs: 250 } },
];
const answering = configs.filter((c) => !c.quirks?.silent).map((c) => c.address);

let fixture: FakeCameraProcess;
beforeAll(async () => {
  fixture = await spawnFakeCameras(configs);
}, 30_000);
afterAll(async () => {
  await fixture?.stop();
});

const addressOf = (d: DiscoveredDevice): string => new URL(d.xaddrs[0] ?? 'http://x').hostname;

describe('discovery on loopback', () => {
  it('finds cameras by unicast range scan, without waiting on the silent one', async () => {
    const seen: string[] = [];
    const result = await probeAllInterfaces({
      interfaces: ['127.0.0.1'],
      multicast: false,
      unicastTargets: ['127.0.0.100-110'],
      unicastPort: PORT,
      onDevice: (d) => seen.push(addressOf(d)),
    });
    expect(result.errors).toEqual([]);
    expect(seen.sort()).toEqual(answering);
    expect(result.durationMs).toBeLessThan(2000);
    const yard = result.devices.find((d) => d.scopes.name === 'Yard');
    // Link-local XAddr advertised first by the camera, sorted last by us.
    expect(yard?.xaddrs[0]).toMatch(/^http:\/\/127\.0\.0\.103:\d+\//);
    expect(yard?.xaddrs[1]).toBe('http://169.254.10.103/onvif/device_service');
    const front = result.devices.find((d) => d.scopes.name === 'Front Door');
    expect(front?.scopes).toMatchObject({ hardware: 'FC-2000', location: 'Porch east' });
    expect(front?.firstSeenAt).toBeInstanceOf(Date);
  });

  it('finds cameras by multicast on lo and merges unicast sightings into one device', async () => {
    const result = await probeAllInterfaces({
      interfaces: ['127.0.0.1'],
      multicastPort: PORT,
      unicastPort: PORT,
      unicastTargets: ['127.0.0.101', '127.0.0.102'],
    });
    expect(result.devices.map(addressOf).sort()).toEqual(answering);
    const front = result.devices.filter((d) => d.scopes.name === 'Front Door');
    expect(front).toHaveLength(1);
    expect(front[0]?.via.sort()).toEqual(['multicast', 'unicast']);
    const garage = result.devices.find((d) => d.scopes.name === 'Garage');
    expect(garage?.sources).toEqual(['127.0.0.102']); // answered from an ephemeral port
  });

  it('stops on an AbortSignal and refuses a range larger than /24', async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 50);
    const started = performance.now();
    const result = await probeAllInterfaces({
      interfaces: ['127.0.0.1'],
      multicastPort: PORT,
      unicastTargets: ['127.0.0.0/16'],
      signal: controller.signal,
    });
    expect(performance.now() - started).toBeLessThan(500);
    expect(result.errors[0]).toMatchObject({ code: 'ONVIF_BAD_TARGET' });
    expect(result.errors[0]?.message).toContain('at most a /24');
  });

  it('prints JSON lines from scripts/scan.ts and exits 0', async () => {
    const root = path.resolve(import.meta.dirname, '../../..');
    const output = await new Promise<{ code: number | null; stdout: string }>((resolve) => {
      const proc = spawn(
        process.execPath,
        [
          '--import',
          'tsx',
          'scripts/scan.ts',
          '--json',
          '--interface',
          '127.0.0.1',
          '--port',
          String(PORT),
          '--range',
          '127.0.0.101-104',
          '--timeout',
          '3000',
        ],
        { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] },
      );
      let stdout = '';
      proc.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
      proc.on('exit', (code) => resolve({ code, stdout }));
    });
    expect(output.code).toBe(0);
    const lines = output.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { type: string; devices?: number });
    expect(lines.filter((l) => l.type === 'device').length).toBe(answering.length);
    expect(lines.at(-1)).toMatchObject({ type: 'summary', devices: answering.length });
  }, 15_000);
});
