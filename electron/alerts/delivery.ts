import nodemailer from 'nodemailer';
import type { SmtpSettings } from '../../shared/alerts/rules';
import type { AlertRepository, OutboxRow } from './repository';

export interface DeliveryOptions {
  /** First retry after this; doubles per attempt up to `retryMaxMs`. */
  retryBaseMs?: number;
  retryMaxMs?: number;
  /** After this many attempts a notification stays `failed` (visible with its error). */
  maxAttempts?: number;
  /** Per-SMTP-conversation deadline. */
  timeoutMs?: number;
  now?: () => number;
  log?: (err: unknown) => void;
}

export type SmtpLogin = Omit<SmtpSettings, 'password'> & { password: string };

const BATCH = 50;

/**
 * The Message-ID of an outbox row, the same on every attempt. Delivery is at least once: a crash
 * after the SMTP server accepted a message but before the row was marked sent sends it again on
 * restart, and a stable id (RFC 5322 section 3.6.4) lets receiving systems and tests spot the
 * duplicate. Row id, tenant and creation time keep it unique across installations.
 */
export function notificationMessageId(
  row: Pick<OutboxRow, 'id' | 'tenant_id' | 'created_at'>,
  from: string,
): string {
  const domain = /@([^@>\s]+)>?\s*$/.exec(from)?.[1] ?? 'localhost';
  return `<vms-alert.${row.id}.${Date.parse(row.created_at)}.${row.tenant_id}@${domain}>`;
}

/**
 * Drains the alert outbox through SMTP. One drain runs at a time (no notification is sent twice
 * by this process); a row leaves `pending` only when the server accepted it or it ran out of
 * attempts. A timer wakes up at the next due retry; `kick()` wakes it for new rows.
 */
export class OutboxDelivery {
  private timer: NodeJS.Timeout | undefined;
  private draining: Promise<void> | undefined;
  private again = false;
  private stopped = false;
  private readonly retryBaseMs: number;
  private readonly retryMaxMs: number;
  private readonly maxAttempts: number;
  private readonly now: () => number;

  constructor(
    private readonly repo: AlertRepository,
    private readonly smtp: () => SmtpLogin | null,
    private readonly options: DeliveryOptions = {},
  ) {
    this.retryBaseMs = options.retryBaseMs ?? 5_000;
    this.retryMaxMs = options.retryMaxMs ?? 15 * 60_000;
    this.maxAttempts = options.maxAttempts ?? 12;
    this.now = options.now ?? Date.now;
  }

  kick(): void {
    if (this.stopped) return;
    if (this.draining) {
      this.again = true;
      return;
    }
    this.clearTimer();
    this.draining = this.drain()
      .catch((err: unknown) => this.options.log?.(err))
      .finally(() => {
        this.draining = undefined;
        if (this.again) {
          this.again = false;
          this.kick();
        } else this.schedule();
      });
  }

  /** Resolves when the current drain (if any) is over. */
  async idle(): Promise<void> {
    while (this.draining) await this.draining;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.clearTimer();
    await this.idle();
  }

  private clearTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private schedule(): void {
    if (this.stopped) return;
    const next = this.repo.nextDueAt();
    if (next === undefined || !this.smtp()) return;
    this.timer = setTimeout(() => this.kick(), Math.max(0, next - this.now()));
    this.timer.unref();
  }

  private async drain(): Promise<void> {
    const settings = this.smtp();
    if (!settings) return;
    const transport = nodemailer.createTransport({
      // One connection for the whole drain instead of a new one (and a new TLS handshake) per email.
      pool: true,
      maxConnections: 1,
      maxMessages: 100,
      host: settings.host,
      port: settings.port,
      secure: settings.security === 'tls',
      requireTLS: settings.security === 'starttls',
      ignoreTLS: settings.security === 'none',
      ...(settings.user ? { auth: { user: settings.user, pass: settings.password } } : {}),
      connectionTimeout: this.options.timeoutMs ?? 10_000,
      greetingTimeout: this.options.timeoutMs ?? 10_000,
      socketTimeout: this.options.timeoutMs ?? 10_000,
      // Loopback and LAN relays often present self-signed certificates.
      tls: { rejectUnauthorized: false },
    });
    try {
      // Bounded: each pass takes what is due now; rows failing again get a later due time.
      for (let pass = 0; pass < 100 && !this.stopped; pass += 1) {
        const rows = this.repo.due(this.now(), BATCH);
        if (rows.length === 0) return;
        for (const row of rows) {
          if (this.stopped) return;
          try {
            await transport.sendMail({
              from: settings.from,
              messageId: notificationMessageId(row, settings.from),
              to: JSON.parse(row.recipients) as string[],
              subject: row.subject,
              text: row.body,
              ...(row.attachment
                ? { attachments: [{ filename: 'snapshot.jpg', content: row.attachment }] }
                : {}),
            });
            this.repo.markSent(row.id, new Date(this.now()).toISOString());
          } catch (err) {
            const attempts = row.attempts + 1;
            const next =
              attempts >= this.maxAttempts
                ? null
                : this.now() + Math.min(this.retryMaxMs, this.retryBaseMs * 2 ** (attempts - 1));
            this.repo.markFailedAttempt(row.id, smtpErrorMessage(err, settings), next);
            // The server is down: the rest of this batch would fail the same way.
            if (isConnectionError(err)) return;
          }
        }
      }
    } finally {
      transport.close();
    }
  }
}

function isConnectionError(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return code === 'ECONNECTION' || code === 'ETIMEDOUT' || code === 'ESOCKET' || code === 'EDNS';
}

function smtpErrorMessage(err: unknown, s: SmtpLogin): string {
  const e = err as { code?: unknown; responseCode?: unknown; message?: unknown } | null;
  const base = typeof e?.message === 'string' ? e.message : String(err);
  if (e?.code === 'EAUTH')
    return `The SMTP server ${s.host} refused the login (${base}). Check the SMTP user and password in Settings.`;
  if (isConnectionError(err))
    return `Cannot reach the SMTP server ${s.host}:${s.port} (${base}). The email stays queued and is retried.`;
  return `The SMTP server ${s.host} refused the email (${base}).`;
}
