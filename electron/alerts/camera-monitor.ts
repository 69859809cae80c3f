import { OnvifDeviceClient } from '../onvif/client';
import type { AlertEvent } from '../../shared/alerts/match';
import { PullPointSubscription } from './pullpoint';

export interface MonitoredCamera {
  id: string;
  xaddr: string;
  credentials?: { username: string; password: string };
}

export interface MonitorTiming {
  /** Subscription lifetime asked for; renewed at 2/3 of it. */
  subscriptionTtlMs: number;
  /** PullMessages Timeout (how long the camera may hold a pull open). */
  pullTimeoutMs: number;
  /** Pause between pulls that returned nothing (for cameras that answer at once). */
  idlePullMs: number;
  /** Pause before re-subscribing after a failure. */
  retryMs: number;
  /** Per-request deadline. */
  requestTimeoutMs: number;
}

/**
 * One camera's event feed and liveness: a PullPoint subscription kept alive (renewed, recreated
 * after the camera comes back), every answer counting as a sign of life. Reports ONVIF messages
 * and system observations (offline for N ms, back online, login refused, clock skew) to `report`;
 * which of them notify anyone is the rules' business.
 */
export class CameraMonitor {
  private stopped = false;
  private wake: (() => void) | undefined;
  private subscription: PullPointSubscription | undefined;
  private lastAnswerAt = Date.now();
  private failing = false;
  private authReported = false;
  private readonly loop: Promise<void>;

  constructor(
    readonly camera: MonitoredCamera,
    private readonly timing: MonitorTiming,
    private readonly report: (event: AlertEvent) => void,
  ) {
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.wake?.();
    await this.loop;
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.wake = done;
    });
  }

  /** Called by the engine's tick: a camera silent for long enough is reported offline. */
  checkReachability(now: number): void {
    if (this.failing)
      this.report({
        kind: 'system',
        type: 'camera_offline',
        cameraId: this.camera.id,
        at: new Date(now),
        durationMs: now - this.lastAnswerAt,
      });
  }

  private answered(): void {
    if (this.failing)
      this.report({
        kind: 'system',
        type: 'camera_online',
        cameraId: this.camera.id,
        at: new Date(),
      });
    this.failing = false;
    this.authReported = false;
    this.lastAnswerAt = Date.now();
  }

  private failed(code: string): void {
    if (code === 'ONVIF_AUTH') {
      // The camera answers, so it is not offline; its login is what fails.
      this.lastAnswerAt = Date.now();
      if (!this.authReported)
        this.report({
          kind: 'system',
          type: 'auth_failing',
          cameraId: this.camera.id,
          at: new Date(),
        });
      this.authReported = true;
      return;
    }
    this.failing = true;
  }

  private async run(): Promise<void> {
    const t = this.timing;
    while (!this.stopped) {
      if (!this.subscription) {
        const ok = await this.subscribe();
        if (!ok) {
          await this.sleep(t.retryMs);
          continue;
        }
      }
      const sub = this.subscription;
      if (!sub) continue;
      if (sub.expiresAt - Date.now() < t.subscriptionTtlMs / 3) {
        const renewed = await sub.renew(t.subscriptionTtlMs);
        if (!renewed.ok) {
          this.subscription = undefined;
          this.failed(renewed.error.code);
          continue;
        }
      }
      const pulled = await sub.pull(t.pullTimeoutMs, 100);
      if (this.stopped) break;
      if (!pulled.ok) {
        this.subscription = undefined;
        this.failed(pulled.error.code);
        await this.sleep(t.retryMs);
        continue;
      }
      this.answered();
      for (const m of pulled.value)
        this.report({
          kind: 'onvif',
          cameraId: this.camera.id,
          at: m.at,
          topic: m.topic,
          data: m.data,
        });
      if (pulled.value.length === 0) await this.sleep(t.idlePullMs);
    }
    const sub = this.subscription;
    this.subscription = undefined;
    if (sub) await sub.unsubscribe();
  }

  private async subscribe(): Promise<boolean> {
    const t = this.timing;
    const client = new OnvifDeviceClient(this.camera.xaddr, this.camera.credentials, {
      timeoutMs: t.requestTimeoutMs,
    });
    const clock = await client.getSystemDateAndTime();
    if (!clock.ok) {
      this.failed(clock.error.code);
      return false;
    }
    this.answered();
    if (Math.abs(clock.value.clockOffsetMs) >= 1000)
      this.report({
        kind: 'system',
        type: 'clock_skew',
        cameraId: this.camera.id,
        at: new Date(),
        durationMs: Math.abs(clock.value.clockOffsetMs),
      });
    const caps = await client.getCapabilities();
    if (!caps.ok || !caps.value.eventsXAddr) {
      this.failed(caps.ok ? 'ONVIF_UNSUPPORTED' : caps.error.code);
      return false;
    }
    const eventsUrl = new URL(caps.value.eventsXAddr);
    // Keep the host we reached (cameras may advertise a link-local address).
    eventsUrl.host = new URL(this.camera.xaddr).host;
    const sub = await PullPointSubscription.create(eventsUrl, t.subscriptionTtlMs, {
      ...(this.camera.credentials ? { credentials: this.camera.credentials } : {}),
      clockOffsetMs: clock.value.clockOffsetMs,
      timeoutMs: t.requestTimeoutMs,
      digest: {},
    });
    if (!sub.ok) {
      this.failed(sub.error.code);
      return false;
    }
    this.subscription = sub.value;
    return true;
  }
}
