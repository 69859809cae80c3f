import { describeEvent, matchingRules, type AlertEvent } from '../../shared/alerts/match';
import { renderAlertEmail, type RenderedEvent } from '../../shared/alerts/render';
import type { AlertRule } from '../../shared/alerts/rules';
import { CameraMonitor, type MonitorTiming, type MonitoredCamera } from './camera-monitor';
import type { OutboxDelivery } from './delivery';
import type { AlertRepository } from './repository';

export interface AlertEngineOptions extends Partial<MonitorTiming> {
  /** Length of one "minute" in rules (digest, camera offline): tests compress time here. */
  minuteMs?: number;
  /** How often reachability and recording state are checked. */
  tickMs?: number;
  /** Off: no camera subscriptions (events come only through `ingest`, e.g. the benchmark). */
  monitorCameras?: boolean;
}

export interface CameraContext {
  cameraId: string;
  cameraName: string;
  customerId: string;
  customerName: string;
  timeZone: string;
  recording: boolean;
  snapshot: Buffer | null;
}

/** What the engine reads about cameras and people (SQL kept in the alerts service). */
export interface EngineLookups {
  camera(id: string): CameraContext | undefined;
  /** Effective recording state, read fresh; undefined once the camera is removed. */
  recording(id: string): boolean | undefined;
  recipientEmails(customerId: string, userIds: readonly string[]): string[];
  monitoredCameras(customerIds: readonly string[]): MonitoredCamera[];
}

interface Digest {
  rule: AlertRule;
  ctx: CameraContext;
  events: RenderedEvent[];
  historyIds: number[];
  timer: NodeJS.Timeout;
}

/**
 * Evaluates camera and system events against the enabled rules: schedule and filters (pure, in
 * shared/alerts), then the per-camera minimum interval and the digest window, then renders the
 * email into the outbox. Runs only while some rule is enabled.
 */
export class AlertEngine {
  private rulesByCustomer = new Map<string, AlertRule[]>();
  private lastNotified = new Map<string, number>();
  private offlineFired = new Set<string>();
  private reportedOffline = new Set<string>();
  private digests = new Map<string, Digest>();
  private monitors = new Map<string, CameraMonitor>();
  private recording = new Map<string, boolean>();
  private tick: NodeJS.Timeout | undefined;
  private readonly minuteMs: number;
  private readonly timing: MonitorTiming;

  constructor(
    private readonly repo: AlertRepository,
    private readonly lookups: EngineLookups,
    private readonly delivery: OutboxDelivery,
    private readonly options: AlertEngineOptions = {},
  ) {
    this.minuteMs = options.minuteMs ?? 60_000;
    this.timing = {
      subscriptionTtlMs: options.subscriptionTtlMs ?? 60_000,
      pullTimeoutMs: options.pullTimeoutMs ?? 5_000,
      idlePullMs: options.idlePullMs ?? 500,
      retryMs: options.retryMs ?? 10_000,
      requestTimeoutMs: options.requestTimeoutMs ?? 5_000,
    };
  }

  get running(): boolean {
    return this.tick !== undefined;
  }

  /** Re-reads the rules; starts or stops monitoring to match. */
  async refresh(): Promise<void> {
    const rules = this.repo.enabledRules();
    this.rulesByCustomer = new Map();
    for (const r of rules) {
      const list = this.rulesByCustomer.get(r.customerId) ?? [];
      list.push(r);
      this.rulesByCustomer.set(r.customerId, list);
    }
    // A rule switched off or deleted sends what its digest collected so far.
    const live = new Set(rules.map((r) => r.id));
    for (const ruleId of [...this.digests.keys()]) if (!live.has(ruleId)) this.flushDigest(ruleId);
    if (rules.length === 0) {
      await this.stop();
      return;
    }
    if (!this.tick) {
      this.flushOpenDigests();
      this.tick = setInterval(() => this.onTick(), this.options.tickMs ?? 1_000);
      this.tick.unref();
    }
    await this.syncMonitors();
  }

  private async syncMonitors(): Promise<void> {
    if (this.options.monitorCameras === false) return;
    const wanted = new Map(
      this.lookups.monitoredCameras([...this.rulesByCustomer.keys()]).map((c) => [c.id, c]),
    );
    const stops: Promise<void>[] = [];
    for (const [id, m] of this.monitors) {
      const want = wanted.get(id);
      if (!want || want.xaddr !== m.camera.xaddr) {
        this.monitors.delete(id);
        stops.push(m.stop());
      }
    }
    await Promise.all(stops);
    for (const [id, cam] of wanted)
      if (!this.monitors.has(id))
        this.monitors.set(
          id,
          new CameraMonitor(cam, this.timing, (e) => {
            if (this.tick) this.ingest(e);
          }),
        );
  }

  async stop(): Promise<void> {
    if (this.tick) clearInterval(this.tick);
    this.tick = undefined;
    for (const d of this.digests.values()) clearTimeout(d.timer);
    // Events collected in open digests stay in alert_history and are sent on the next start.
    this.digests.clear();
    const monitors = [...this.monitors.values()];
    this.monitors.clear();
    await Promise.all(monitors.map((m) => m.stop()));
  }

  private onTick(): void {
    const now = Date.now();
    for (const m of this.monitors.values()) m.checkReachability(now);
    for (const id of this.monitors.keys()) {
      const recording = this.lookups.recording(id);
      if (recording === undefined) {
        // Removed: stop watching it (its loop ends on its own, within a request deadline).
        const monitor = this.monitors.get(id);
        this.monitors.delete(id);
        this.recording.delete(id);
        void monitor?.stop();
        continue;
      }
      const before = this.recording.get(id);
      this.recording.set(id, recording);
      if (before === true && !recording)
        this.ingest({ kind: 'system', type: 'recording_stopped', cameraId: id, at: new Date(now) });
    }
  }

  /** Evaluates one event; returns how many notifications it queued or joined. */
  ingest(event: AlertEvent): number {
    const ctx = this.lookups.camera(event.cameraId);
    if (!ctx) return 0;
    const rules = this.rulesByCustomer.get(ctx.customerId);
    if (!rules) return 0;
    if (event.kind === 'system' && event.type === 'camera_online') {
      if (!this.reportedOffline.delete(event.cameraId)) return 0;
      for (const key of [...this.offlineFired])
        if (key.endsWith(`|${event.cameraId}`)) this.offlineFired.delete(key);
    }
    const matched = matchingRules(rules, event, ctx.timeZone, this.minuteMs);
    let count = 0;
    for (const rule of matched) {
      const key = `${rule.id}|${event.cameraId}`;
      if (event.kind === 'system' && event.type === 'camera_offline') {
        // One notification per outage, however long it lasts.
        if (this.offlineFired.has(key)) continue;
        this.offlineFired.add(key);
        this.reportedOffline.add(event.cameraId);
      }
      const now = Date.now();
      const last = this.lastNotified.get(key);
      if (last !== undefined && now - last < rule.minIntervalSeconds * 1000) continue;
      this.lastNotified.set(key, now);
      this.notify(rule, ctx, event);
      count += 1;
    }
    return count;
  }

  private notify(rule: AlertRule, ctx: CameraContext, event: AlertEvent): void {
    const description = describeEvent(event);
    const historyId = this.repo.addHistory({
      tenantId: ctx.customerId,
      ruleId: rule.id,
      ruleName: rule.name,
      cameraId: ctx.cameraId,
      cameraName: ctx.cameraName,
      event: description,
      at: event.at.toISOString(),
    });
    const rendered = { cameraName: ctx.cameraName, at: event.at, description };
    if (rule.digestMinutes > 0) {
      const open = this.digests.get(rule.id);
      if (open) {
        open.events.push(rendered);
        open.historyIds.push(historyId);
        return;
      }
      const timer = setTimeout(() => this.flushDigest(rule.id), rule.digestMinutes * this.minuteMs);
      timer.unref();
      this.digests.set(rule.id, { rule, ctx, events: [rendered], historyIds: [historyId], timer });
      return;
    }
    this.enqueue(rule, ctx, [rendered], [historyId], ctx.snapshot);
  }

  private flushDigest(ruleId: string): void {
    const d = this.digests.get(ruleId);
    if (!d) return;
    this.digests.delete(ruleId);
    clearTimeout(d.timer);
    this.enqueue(d.rule, d.ctx, d.events, d.historyIds, null);
  }

  /** After a restart: digests that were collecting are sent at once, with what they had. */
  private flushOpenDigests(): void {
    const byRule = new Map<string, ReturnType<AlertRepository['openDigestEntries']>>();
    for (const h of this.repo.openDigestEntries()) {
      if (h.ruleId === null) continue;
      const list = byRule.get(h.ruleId) ?? [];
      list.push(h);
      byRule.set(h.ruleId, list);
    }
    for (const [ruleId, entries] of byRule) {
      const rule = this.repo.getRule(ruleId);
      const first = entries[0];
      const ctx = first?.cameraId ? this.lookups.camera(first.cameraId) : undefined;
      if (!rule || !ctx) continue;
      this.enqueue(
        rule,
        ctx,
        entries.map((e) => ({
          cameraName: e.cameraName,
          at: new Date(e.at),
          description: e.event,
        })),
        entries.map((e) => e.id),
        null,
      );
    }
  }

  private enqueue(
    rule: AlertRule,
    ctx: CameraContext,
    events: RenderedEvent[],
    historyIds: number[],
    snapshot: Buffer | null,
  ): void {
    const recipients = this.lookups.recipientEmails(ctx.customerId, rule.recipientIds);
    if (recipients.length === 0) return;
    const email = renderAlertEmail({
      customerName: ctx.customerName,
      timeZone: ctx.timeZone,
      ruleName: rule.name,
      events,
    });
    this.repo.enqueue(
      {
        tenantId: ctx.customerId,
        ruleId: rule.id,
        recipients,
        subject: email.subject,
        body: email.text,
        attachment: events.length === 1 ? snapshot : null,
        createdAt: new Date().toISOString(),
        dueAt: Date.now(),
      },
      historyIds,
    );
    this.delivery.kick();
  }
}
