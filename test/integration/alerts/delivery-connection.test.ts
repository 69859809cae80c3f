// Delivery of a burst of alert emails: one SMTP connection carries them all (a pooled transport
// per drain), instead of a connection and handshake per email. Real SMTP server on loopback.
import { afterEach, describe, expect, it } from 'vitest';
import { openCore, type Core } from '../../../electron/app/core';
import type { MethodInput, MethodName, MethodOutput } from '../../../shared/contract';
import { tempDataDir } from '../../support/host-process';
import { customer } from '../../support/core';
import { SmtpSink } from '../../support/smtp-sink';

async function until<T>(what: string, probe: () => T | undefined | false, ms = 8000): Promise<T> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    const v = probe();
    if (v) return v;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe('alert delivery over SMTP', () => {
  let core: Core | undefined;
  const smtp = new SmtpSink({ answerDelayMs: 60 });
  afterEach(async () => {
    await core?.alerts.close();
    core?.close();
    await smtp.stop();
  });

  it('sends a burst of emails over one connection, each with its own Message-ID', async () => {
    await smtp.start();
    const c0 = openCore({ dataDir: tempDataDir(), host: 'browser', version: 'test' });
    core = c0;
    const ok = async <M extends MethodName>(m: M, input: MethodInput<M>) => {
      const env = await c0.dispatch(m, input);
      if (!env.ok) throw new Error(env.error.message);
      return env.result as MethodOutput<M>;
    };
    const c = await ok('tenants.create', customer('Burst Co'));
    const u = await ok('users.create', { tenantId: c.id, name: 'Eve', login: 'eve@example.com' });
    await ok('cameras.addManual', {
      customerId: c.id,
      name: 'Yard',
      streamUrl: 'rtsp://127.0.0.1:554/yard',
    });
    await ok('smtp.set', {
      host: '127.0.0.1',
      port: smtp.port,
      security: 'none',
      from: 'a@example.com',
    });
    const r = await ok('alerts.create', {
      customerId: c.id,
      name: 'Sample',
      trigger: { type: 'camera_online' },
      cameras: 'all',
      recipientIds: [u.id],
    });
    // The first email holds the connection (the server answers after 60 ms): the rest queue behind it.
    for (let i = 0; i < 6; i += 1) await ok('alerts.test', { id: r.id });
    await until('six accepted', () => smtp.accepted.length >= 6);
    expect(smtp.accepted).toHaveLength(6);
    expect(new Set(smtp.accepted.map((m) => m.messageId)).size).toBe(6);
    // A connection per email would be 6; the pool may open a second one only if the first drain
    // ended before the last email was queued.
    expect(smtp.connections).toBeLessThanOrEqual(2);
    await until('all marked sent', () => c0.alerts.repo.outboxCounts().pending === 0);
  });
});
