/**
 * Alert engine throughput: 100 cameras each sending 5 ONVIF events/s against 200 rules (10
 * customers × 20 rules), through the real engine and SQLite outbox (no SMTP server: the figure is
 * event → email queued). Events enter through `ingest`, the same call the PullPoint loop makes.
 * ALERTS_BENCH_SECONDS shortens the run (default 60).
 */
import { openCore } from '../electron/app/core';
import { tempDataDir } from '../test/support/host-process';
import type { MethodInput, MethodName, MethodOutput } from '../shared/contract';
import { atMost, percentile, round, type Figures } from './lib';

const CUSTOMERS = 10;
const CAMERAS_PER_CUSTOMER = 10;
const RULES_PER_CUSTOMER = 20;
const EVENTS_PER_CAMERA_PER_S = 5;
const MOTION = 'tns1:RuleEngine/CellMotionDetector/Motion';

export async function run(): Promise<Figures> {
  const seconds = Number(process.env.ALERTS_BENCH_SECONDS ?? 60);
  const core = openCore({
    dataDir: tempDataDir('vms-bench-alerts-'),
    host: 'browser',
    version: 'bench',
    actor: 'bench',
    alerts: { engine: { monitorCameras: false } },
  });
  const call = async <M extends MethodName>(m: M, input: MethodInput<M>) => {
    const env = await core.dispatch(m, input);
    if (!env.ok) throw new Error(env.error.message);
    return env.result as MethodOutput<M>;
  };
  try {
    const cameraIds: string[] = [];
    for (let c = 0; c < CUSTOMERS; c += 1) {
      const customer = await call('tenants.create', {
        kind: 'customer',
        name: `Alerts Bench ${c}`,
        email: `bench${c}@example.com`,
        timeZone: 'Europe/Berlin',
      });
      const { id: userId } = await call('users.create', {
        tenantId: customer.id,
        name: 'Guard',
        login: `guard${c}@example.com`,
      });
      const own: string[] = [];
      for (let i = 0; i < CAMERAS_PER_CUSTOMER; i += 1) {
        const cam = core.cameras.addManual({
          customerId: customer.id,
          name: `Cam ${c}-${i}`,
          streamUrl: `rtsp://127.0.0.1:554/${c}/${i}`,
          username: '',
          password: '',
        });
        own.push(cam.id);
      }
      cameraIds.push(...own);
      for (let r = 0; r < RULES_PER_CUSTOMER; r += 1) {
        // A realistic mix: most rules hold a 60 s interval, some collect digests, two per
        // customer notify at most once a second per camera.
        core.alerts.create({
          customerId: customer.id,
          name: `Rule ${r}`,
          trigger: { type: 'onvif', topic: MOTION, filters: [{ item: 'IsMotion', value: 'true' }] },
          cameras: r % 2 === 0 ? 'all' : own.slice(0, 5),
          recipientIds: [userId],
          channel: 'email',
          schedule: Array.from({ length: 7 }, () => 0xffffff),
          digestMinutes: r % 5 === 1 ? 1 : 0,
          minIntervalSeconds: r < 2 ? 1 : 60,
          enabled: true,
        });
      }
    }
    await core.alerts.engine.refresh();

    const latencies: number[] = [];
    let queued = 0;
    const perTick = (cameraIds.length * EVENTS_PER_CAMERA_PER_S) / 100; // every 10 ms
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    let sent = 0;
    await new Promise<void>((resolve) => {
      const timer = setInterval(() => {
        const elapsed = performance.now() - t0;
        if (elapsed >= seconds * 1000) {
          clearInterval(timer);
          resolve();
          return;
        }
        // Catch up to the schedule: a late tick sends what is due, and its wait counts.
        const due = Math.floor((elapsed / 10) * perTick);
        const tickStart = t0 + (due / perTick) * 10;
        while (sent < due) {
          const cameraId = cameraIds[sent % cameraIds.length] ?? '';
          queued += core.alerts.engine.ingest({
            kind: 'onvif',
            cameraId,
            at: new Date(),
            topic: MOTION,
            data: { IsMotion: sent % 2 === 0 ? 'true' : 'false' },
          });
          latencies.push(performance.now() - tickStart);
          sent += 1;
        }
      }, 10);
    });
    const wallMs = performance.now() - t0;
    const cpu = process.cpuUsage(cpu0);
    const cores = (cpu.user + cpu.system) / 1000 / wallMs;
    return {
      alerts_event_to_queued_p95: atMost(percentile(latencies, 95), 200, 'ms'),
      alerts_event_to_queued_p50: { value: round(percentile(latencies, 50)), unit: 'ms' },
      alerts_cpu_cores: atMost(cores, 0.5, 'cores'),
      alerts_events: { value: sent, unit: `events in ${seconds} s` },
      alerts_notifications: { value: queued, unit: 'queued or digested' },
    };
  } finally {
    await core.alerts.close();
    core.close();
  }
}
