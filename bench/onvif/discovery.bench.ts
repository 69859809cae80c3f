// Discovery and inspection at scale, in the namespace lab (test/fixtures/onvif/netns-lab.ts):
// 250 fake cameras, 125 behind each of the client's two interfaces. Also runs the npm `onvif`
// package's Discovery.probe with its defaults in the same client namespace, for comparison.
// Targets: all 250 found ≤ 1.5 s, inspect 250 ≤ 5 s, discovering process peak RSS ≤ 150 MB.
import type { FakeCameraConfig, FakeCameraProcess } from '../../test/fixtures/onvif/fake-camera.js';
import { createLab, labUnavailableReason } from '../../test/fixtures/onvif/netns-lab.js';

type Figures = Record<string, { value: number; unit: string }>;

const CAMERAS_PER_SUBNET = 125;

export async function run(): Promise<Figures> {
  const unavailable = labUnavailableReason();
  if (unavailable) {
    console.log(`onvif discovery bench skipped: ${unavailable}`);
    return {};
  }
  const lab = createLab();
  const fixtures: FakeCameraProcess[] = [];
  try {
    for (const subnet of lab.subnets) {
      lab.addCameraAddresses(subnet, 10, 10 + CAMERAS_PER_SUBNET - 1);
      const configs: FakeCameraConfig[] = Array.from({ length: CAMERAS_PER_SUBNET }, (_, i) => ({
        address: `${subnet.base}.${10 + i}`,
        name: `Bench ${subnet.base}.${10 + i}`,
        // Spread replies like real devices do (WS-Discovery APP_MAX_DELAY), so bursts of 125
        // ProbeMatches do not overflow the client's UDP receive buffer.
        quirks: { replyJitterMs: 250 },
        ...(i % 2 === 0 ? { authStyle: 'digest' as const } : {}),
      }));
      fixtures.push(await lab.spawnCameras(subnet, configs));
    }
    const total = CAMERAS_PER_SUBNET * lab.subnets.length;
    const interfaces = lab.subnets.map((s) => s.clientAddress);

    const lines = await lab.runClient({ mode: 'discover', interfaces }, { timeoutMs: 30_000 }).done;
    const devices = lines.filter((l) => l.event === 'device');
    const done = lines.find((l) => l.event === 'done') ?? {};
    const lastFound = Math.max(0, ...devices.map((d) => Number(d.t)));
    const found = Number(done.count ?? 0);
    const xaddrs =
      (done.devices as Array<{ xaddrs: string[] }> | undefined)?.flatMap((d) =>
        d.xaddrs.slice(0, 1),
      ) ?? [];

    const npm =
      (await lab.runClient({ mode: 'npm-probe' }, { timeoutMs: 30_000 }).done).find(
        (l) => l.event === 'done',
      ) ?? {};

    const inspect =
      (
        await lab.runClient(
          { mode: 'inspect', xaddrs, username: 'admin', password: 'S3cure-pass', concurrency: 32 },
          { timeoutMs: 60_000 },
        ).done
      ).find((l) => l.event === 'done') ?? {};

    const figures: Figures = {
      onvif_discovery_found: { value: found, unit: `of ${total}` },
      onvif_discovery_250_ms: { value: found >= total ? Math.round(lastFound) : -1, unit: 'ms' },
      onvif_discovery_scan_end_ms: { value: Math.round(Number(done.t ?? 0)), unit: 'ms' },
      onvif_scan_rss_mb: { value: Math.round(Number(done.maxRssMb ?? 0)), unit: 'MB' },
      onvif_npm_probe_found: { value: Number(npm.found ?? 0), unit: `of ${total}` },
      onvif_npm_probe_ms: { value: Math.round(Number(npm.t ?? 0)), unit: 'ms' },
      onvif_npm_probe_last_device_ms: {
        value: Math.round(Number(npm.lastDeviceMs ?? 0)),
        unit: 'ms',
      },
      onvif_inspect_250_ms: { value: Math.round(Number(inspect.t ?? 0)), unit: 'ms' },
      onvif_inspect_ok: { value: Number(inspect.ok ?? 0), unit: `of ${xaddrs.length}` },
      onvif_inspect_rss_mb: { value: Math.round(Number(inspect.maxRssMb ?? 0)), unit: 'MB' },
    };
    if (Array.isArray(inspect.failures) && inspect.failures.length > 0) {
      console.log('inspect failures (first 5):', JSON.stringify(inspect.failures));
    }
    return figures;
  } finally {
    await Promise.all(fixtures.map((f) => f.stop(5000)));
    lab.teardown();
  }
}

// `npx tsx bench/onvif/discovery.bench.ts` runs it alone.
if (process.argv[1]?.endsWith('discovery.bench.ts')) {
  run().then(
    (figures) => console.table(figures),
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
}
