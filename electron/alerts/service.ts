import { newId } from '../../shared/ids';
import { AppError, fieldError } from '../../shared/errors';
import { isModuleEffective } from '../../shared/access';
import { normalizeTopic } from '../../shared/alerts/match';
import { renderAlertEmail } from '../../shared/alerts/render';
import {
  pushNotAllowedReason,
  smtpSettingsSchema,
  type AlertHistoryEntry,
  type AlertRule,
  type AlertSetup,
  type CreateRule,
  type RuleFields,
  type SmtpSettings,
  type SmtpSettingsView,
  type UpdateRule,
} from '../../shared/alerts/rules';
import type { EventTopic } from '../onvif/client';
import { OnvifDeviceClient } from '../onvif/client';
import type { SecretBox } from '../secrets/secret-box';
import type { TenancyService, ServiceContext } from '../tenancy/service';
import { OutboxDelivery, type DeliveryOptions, type SmtpLogin } from './delivery';
import { AlertEngine, type AlertEngineOptions } from './engine';
import { AlertLookups } from './lookups';
import { AlertRepository } from './repository';

export interface AlertServiceOptions {
  secrets: SecretBox;
  engine?: AlertEngineOptions;
  delivery?: DeliveryOptions;
  log?: (err: unknown) => void;
}

/**
 * A customer's alert rules (validated against its cameras, users and modules), the app's SMTP
 * settings, the alert history, and the engine that turns events into emails.
 */
export class AlertService {
  readonly repo: AlertRepository;
  readonly lookups: AlertLookups;
  readonly delivery: OutboxDelivery;
  readonly engine: AlertEngine;
  private closed = false;

  constructor(
    private readonly ctx: ServiceContext,
    private readonly tenancy: TenancyService,
    private readonly options: AlertServiceOptions,
  ) {
    this.repo = new AlertRepository(ctx.db);
    this.lookups = new AlertLookups(ctx.db, options.secrets);
    this.delivery = new OutboxDelivery(this.repo, () => this.smtpLogin(), {
      ...options.delivery,
      ...(options.log ? { log: options.log } : {}),
    });
    this.engine = new AlertEngine(this.repo, this.lookups, this.delivery, options.engine);
  }

  /** Starts the engine and the outbox only when there is something to do. */
  start(): Promise<void> {
    this.delivery.kick();
    return this.engine.refresh();
  }

  async close(): Promise<void> {
    this.closed = true;
    // Both stop their timers synchronously; in-flight requests end within their deadlines.
    await Promise.all([this.engine.stop(), this.delivery.stop()]);
  }

  private changed(): void {
    this.lookups.invalidate();
    if (!this.closed) void this.engine.refresh().catch((err: unknown) => this.options.log?.(err));
  }

  // ---- setup and rules -------------------------------------------------------------------

  private customer(customerId: string) {
    const c = this.tenancy.require(customerId);
    if (c.kind !== 'customer')
      throw new AppError('VALIDATION', 'Alert rules belong to customers, not integrators.');
    return c;
  }

  private blockedReason(customerId: string): string | null {
    const c = this.customer(customerId);
    if (!isModuleEffective(this.tenancy.chainOf(c), 'email_alerts'))
      return `Email alerts is switched off for ${c.name} (or an integrator above it): switch the module on to create alert rules.`;
    return null;
  }

  setup(customerId: string): AlertSetup {
    const c = this.customer(customerId);
    const chain = this.tenancy.chainOf(c);
    const cameras = this.lookups.customerCameras(customerId);
    const stored = this.repo.cameraTopics(cameras.map((x) => x.id));
    const topics = new Map<string, AlertSetup['topics'][number]>();
    for (const [cameraId, json] of stored) {
      for (const t of JSON.parse(json) as EventTopic[]) {
        const key = normalizeTopic(t.topic);
        const entry = topics.get(key) ?? { topic: t.topic, dataItems: t.data, cameraIds: [] };
        entry.cameraIds.push(cameraId);
        topics.set(key, entry);
      }
    }
    const blocked = this.blockedReason(customerId);
    return {
      emailAllowed: blocked === null,
      pushAllowed: isModuleEffective(chain, 'push_notifications'),
      blockedReason: blocked,
      smtpConfigured: this.repo.smtp() !== undefined,
      topics: [...topics.values()].sort((a, b) => a.topic.localeCompare(b.topic)),
      cameras: cameras.map((x) => ({ id: x.id, name: x.name, topicsRead: stored.has(x.id) })),
      users: this.lookups.customerUsers(customerId),
    };
  }

  /** Reads each ONVIF camera's event topics (GetEventProperties) and keeps them for the picker. */
  async readTopics(customerId: string): Promise<AlertSetup> {
    this.customer(customerId);
    const cams = this.lookups.monitoredCameras([customerId]);
    await Promise.all(
      cams.map(async (cam) => {
        const client = new OnvifDeviceClient(cam.xaddr, cam.credentials, { timeoutMs: 5000 });
        const r = await client.getEventProperties();
        if (r.ok) this.repo.saveCameraTopics(cam.id, JSON.stringify(r.value), this.ctx.now());
      }),
    );
    return this.setup(customerId);
  }

  list(customerId: string): AlertRule[] {
    this.customer(customerId);
    return this.repo.listRules(customerId);
  }

  private require(id: string): AlertRule {
    const r = this.repo.getRule(id);
    if (!r)
      throw new AppError('NOT_FOUND', `No alert rule with id ${id} exists. Refresh the list.`);
    return r;
  }

  private validate(customerId: string, fields: RuleFields): void {
    const blocked = this.blockedReason(customerId);
    if (blocked) throw new AppError('MODULE_OFF', blocked);
    if (fields.channel === 'push') {
      const reason = pushNotAllowedReason(fields.trigger);
      if (reason) throw fieldError('channel', reason);
      const c = this.customer(customerId);
      if (!isModuleEffective(this.tenancy.chainOf(c), 'push_notifications'))
        throw fieldError('channel', `Push notifications is switched off for ${c.name}.`);
    }
    if (fields.cameras !== 'all') {
      const own = new Set(this.lookups.customerCameras(customerId).map((c) => c.id));
      const foreign = fields.cameras.filter((id) => !own.has(id));
      if (foreign.length > 0)
        throw fieldError(
          'cameras',
          `${foreign.length} of the chosen cameras do not belong to this customer. Choose the customer's own cameras.`,
        );
    }
    const users = new Set(this.lookups.customerUsers(customerId).map((u) => u.id));
    const strangers = fields.recipientIds.filter((id) => !users.has(id));
    if (strangers.length > 0)
      throw fieldError(
        'recipientIds',
        `${strangers.length} of the chosen recipients are not active users of this customer: alerts go only to the customer's own users.`,
      );
  }

  create(input: CreateRule): AlertRule {
    const { customerId, ...fields } = input;
    this.validate(customerId, fields);
    const id = newId();
    const now = this.ctx.now();
    this.repo.insertRule(id, customerId, fields, now);
    this.audit(customerId, 'alert_rule.create', `Created alert rule ${fields.name}`);
    this.changed();
    return this.require(id);
  }

  update(input: UpdateRule): AlertRule {
    const { id, ...fields } = input;
    const rule = this.require(id);
    this.validate(rule.customerId, fields);
    this.repo.updateRule(id, fields, this.ctx.now());
    this.audit(rule.customerId, 'alert_rule.update', `Changed alert rule ${fields.name}`);
    this.changed();
    return this.require(id);
  }

  remove(id: string): void {
    const rule = this.require(id);
    this.repo.deleteRule(id);
    this.audit(rule.customerId, 'alert_rule.delete', `Deleted alert rule ${rule.name}`);
    this.changed();
  }

  /** Queues a sample notification of the rule to its recipients. */
  test(id: string): { queued: number } {
    const rule = this.require(id);
    const c = this.customer(rule.customerId);
    const recipients = this.lookups.recipientEmails(c.id, rule.recipientIds);
    if (recipients.length === 0)
      throw new AppError('VALIDATION', 'The rule has no active recipients left.');
    const email = renderAlertEmail({
      customerName: c.name,
      timeZone: c.time_zone,
      ruleName: rule.name,
      test: true,
      events: [{ cameraName: 'Sample camera', at: new Date(), description: 'Sample event' }],
    });
    // The event and its email in one transaction: a crash between them would leave an event
    // that the next start takes for an open digest and sends as a real alert.
    this.ctx.db.transaction(() =>
      this.repo.enqueue(
        {
          tenantId: c.id,
          ruleId: rule.id,
          recipients,
          subject: email.subject,
          body: email.text,
          attachment: null,
          createdAt: this.ctx.now(),
          dueAt: Date.now(),
        },
        [
          this.repo.addHistory({
            tenantId: c.id,
            ruleId: rule.id,
            ruleName: rule.name,
            cameraId: null,
            cameraName: '—',
            event: 'Test notification',
            at: this.ctx.now(),
          }),
        ],
      ),
    )();
    this.delivery.kick();
    return { queued: 1 };
  }

  history(customerId: string, limit: number): AlertHistoryEntry[] {
    this.customer(customerId);
    return this.repo.history(customerId, limit);
  }

  private audit(customerId: string, operation: string, summary: string): void {
    const c = this.tenancy.require(customerId);
    this.tenancy.audit.write({
      actor: this.ctx.actor(),
      at: this.ctx.now(),
      tenantId: c.id,
      tenantName: c.name,
      operation,
      summary: `${summary} for ${c.name}`,
    });
  }

  // ---- SMTP settings ---------------------------------------------------------------------

  smtp(): SmtpSettingsView | null {
    const row = this.repo.smtp();
    if (!row) return null;
    const s = smtpSettingsSchema.omit({ password: true }).parse(JSON.parse(row.settings));
    return { ...s, hasPassword: row.password_enc !== null };
  }

  setSmtp(input: SmtpSettings): SmtpSettingsView {
    if (input.user === '' && input.password)
      throw fieldError('user', 'Enter the SMTP user that goes with this password.');
    const { password, ...settings } = input;
    const previous = this.repo.smtp();
    const passwordEnc =
      password === undefined
        ? (previous?.password_enc ?? null)
        : password === ''
          ? null
          : this.options.secrets.encrypt(password);
    this.repo.saveSmtp(JSON.stringify(settings), passwordEnc);
    // New settings may fix what made notifications fail: give them another chance.
    this.repo.requeueFailed(null, Date.now());
    this.delivery.kick();
    const view = this.smtp();
    if (!view) throw new AppError('INTERNAL', 'SMTP settings were not saved.');
    return view;
  }

  private smtpLogin(): SmtpLogin | null {
    const row = this.repo.smtp();
    if (!row) return null;
    const s = smtpSettingsSchema.omit({ password: true }).parse(JSON.parse(row.settings));
    return {
      ...s,
      password: row.password_enc ? this.options.secrets.decrypt(row.password_enc) : '',
    };
  }
}
