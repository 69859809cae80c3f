/**
 * kill -9 of the browser host while it delivers alert emails to a real SMTP server that is slow to
 * answer. After each kill: integrity_check passes, every queued email is still there (sent or
 * pending), and no email is marked sent that the SMTP server did not accept. After the restart
 * the queue drains. Delivery is at least once: an email the server accepted just before the kill,
 * before the app could mark it sent, goes again; its stable Message-ID shows the duplicate.
 */
import Database from 'better-sqlite3';
import { describe, expect, it, onTestFinished } from 'vitest';
import { notificationMessageId } from '../../../electron/alerts/delivery';
import { databaseFile } from '../../../electron/app/paths';
import { customer } from '../../support/core';
import {
  callHost,
  killHard,
  startHostProcess,
  tempDataDir,
  type HostProcess,
} from '../../support/host-process';
import { prng, testSeed } from '../../support/prng';
import { SmtpSink } from '../../support/smtp-sink';

const FROM = 'alerts@example.com';
/** Test notifications queued per round (each one email to two recipients). */
const QUEUE = 8;
/** How long the SMTP server holds its reply to each message. */
const ANSWER_DELAY_MS = 80;

/** Where each round's kill lands. */
type KillPoint =
  | 'reply held back' // the server has the whole message, its 250 is not sent yet
  | 'at the 250' // killed as the 250 goes out: the app has not marked the row sent yet
  | 'while queueing' // as the answer to a queued test notification arrives
  | 'random';

interface OutboxRow {
  id: number;
  tenant_id: string;
  created_at: string;
  status: string;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function waitUntil(what: string, ok: () => boolean, ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

async function call<T>(host: HostProcess, method: string, input: unknown): Promise<T> {
  const answer = await callHost(host, method, input);
  if (answer === 'lost' || answer.status !== 200)
    throw new Error(`${method} failed: ${JSON.stringify(answer)}`);
  return (answer.body as { result: T }).result;
}

describe('durability of alert delivery under kill -9', () => {
  it('keeps every queued email, marks none sent that the SMTP server did not accept, and drains after restart', async () => {
    const seed = testSeed();
    const random = prng(seed);
    const context = `seed ${seed} (replay with VMS_TEST_SEED=${seed})`;
    const sink = new SmtpSink({ answerDelayMs: ANSWER_DELAY_MS });
    await sink.start();
    // Cleanup that runs even when the test fails or times out: no process outlives it.
    onTestFinished(() => {
      sink.onReceived = undefined;
      sink.onAccepted = undefined;
      return sink.stop();
    });
    const dataDir = tempDataDir();
    const start = async () => {
      const started = await startHostProcess({ dataDir });
      onTestFinished(async () => void (await started.stop()));
      return started;
    };
    let host = await start();
    const home = await call<{ id: string }>(
      host,
      'tenants.create',
      customer('Alarm Home', { timeZone: 'UTC' }),
    );
    const user = (name: string) =>
      call<{ id: string }>(host, 'users.create', {
        tenantId: home.id,
        name,
        login: `${name.toLowerCase()}@example.com`,
      });
    const recipients = [await user('Ann'), await user('Bob')];
    const camera = await call<{ id: string }>(host, 'cameras.addManual', {
      customerId: home.id,
      name: 'Gate',
      streamUrl: 'rtsp://127.0.0.1:8554/gate',
    });
    const rule = await call<{ id: string }>(host, 'alerts.create', {
      customerId: home.id,
      name: 'Gate motion',
      trigger: { type: 'onvif', topic: 'tns1:RuleEngine/CellMotionDetector/Motion' },
      cameras: [camera.id],
      recipientIds: recipients.map((r) => r.id),
    });
    await call(host, 'smtp.set', {
      host: '127.0.0.1',
      port: sink.port,
      security: 'none',
      from: FROM,
    });

    const points: KillPoint[] = [
      'reply held back',
      'at the 250',
      'while queueing',
      'random',
      'random',
    ];
    let acked = 0;
    let unanswered = 0;
    /**
     * Acceptances the app did not get to record before a kill: each such email goes once more.
     * `counted` is how many acceptances of each Message-ID earlier rounds already looked at.
     */
    let resent = 0;
    const counted = new Map<string, number>();
    const acceptances = (id: string) => sink.accepted.filter((m) => m.messageId === id).length;
    const report: string[] = [];
    for (const [round, point] of points.entries()) {
      if (round > 0) host = await start();
      const current = host;
      const receivedBefore = sink.received;
      const acceptedBefore = sink.accepted.length;
      const nth = 1 + Math.floor(random() * 3);
      const delay = Math.round(20 + random() * 900);
      const started = Date.now();
      let trigger: KillPoint | 'deadline' | undefined;
      let killed: Promise<void> | undefined;
      // Bounded: a trigger that never comes still ends the round (and fails it below).
      const deadline = setTimeout(() => kill('deadline'), 15_000);
      const kill = (why: KillPoint | 'deadline') => {
        if (trigger) return;
        trigger = why;
        clearTimeout(deadline);
        sink.onReceived = undefined;
        sink.onAccepted = undefined;
        killed = killHard(current);
      };
      if (point === 'reply held back')
        sink.onReceived = () => {
          if (sink.received - receivedBefore >= nth) kill(point);
        };
      if (point === 'at the 250')
        sink.onAccepted = () => {
          if (sink.accepted.length - acceptedBefore >= nth) kill(point);
        };
      if (point === 'random') setTimeout(() => kill(point), delay);
      // The queue fills while deliveries run; the kill may come while it is still filling.
      for (let i = 0; i < QUEUE; i++) {
        const answer = await callHost(current, 'alerts.test', { id: rule.id });
        if (answer === 'lost') {
          unanswered += 1;
          break;
        }
        expect(answer.status, context).toBe(200);
        acked += 1;
        // As the answer arrives: the email must already be in the outbox.
        if (point === 'while queueing' && i + 1 === nth + 1) kill(point);
      }
      await waitUntil('the kill', () => killed !== undefined, 20_000);
      await killed;
      const at =
        point === 'random'
          ? `after ${delay} ms`
          : `at ${point === 'while queueing' ? 'answer' : 'message'} ${point === 'while queueing' ? nth + 1 : nth}, ${Date.now() - started} ms`;
      expect(trigger, `${context}: round ${round}`).toBe(point);
      // A reply still held back resolves now (the client is gone, so it is not accepted).
      await waitUntil('held replies', () => sink.holding === 0, 5_000);

      const file = new Database(databaseFile(dataDir));
      try {
        expect(file.pragma('integrity_check', { simple: true }), context).toBe('ok');
        const rows = file
          .prepare('SELECT id, tenant_id, created_at, status FROM alert_outbox ORDER BY id')
          .all() as OutboxRow[];
        // Nothing queued is lost; an unanswered request may or may not have queued its email.
        expect(rows.length, context).toBeGreaterThanOrEqual(acked);
        expect(rows.length, context).toBeLessThanOrEqual(acked + unanswered);
        // Each email has its history entry, linked: no event waits as a half-written digest.
        const history = file
          .prepare(
            'SELECT COUNT(*) AS n, COUNT(outbox_id) AS linked FROM alert_history WHERE rule_id = ?',
          )
          .get(rule.id) as { n: number; linked: number };
        expect(history, context).toEqual({ n: rows.length, linked: rows.length });
        const acceptedIds = new Set(sink.accepted.map((m) => m.messageId));
        const ids = new Set(rows.map((r) => notificationMessageId(r, FROM)));
        for (const r of rows) {
          expect(['pending', 'sent'], context).toContain(r.status);
          if (r.status === 'sent')
            expect(
              acceptedIds.has(notificationMessageId(r, FROM)),
              `${context}: row ${r.id} is marked sent but the SMTP server never accepted it`,
            ).toBe(true);
        }
        for (const m of sink.accepted)
          expect(ids.has(m.messageId ?? ''), `${context}: unknown ${m.messageId}`).toBe(true);
        let acceptedPending = 0;
        for (const r of rows) {
          const id = notificationMessageId(r, FROM);
          const now = acceptances(id);
          if (r.status === 'pending') acceptedPending += now - (counted.get(id) ?? 0);
          counted.set(id, now);
        }
        resent += acceptedPending;
        report.push(
          `round ${round} (${point} ${at}): ${rows.filter((r) => r.status === 'sent').length} sent, ${rows.filter((r) => r.status === 'pending').length} pending, ${acceptedPending} accepted but not marked`,
        );
      } finally {
        file.close();
      }
    }

    // Restart: the queue drains to the SMTP server.
    host = await start();
    const drainStarted = Date.now();
    const file = new Database(databaseFile(dataDir), { readonly: true });
    try {
      const pending = file.prepare("SELECT COUNT(*) AS n FROM alert_outbox WHERE status != 'sent'");
      await waitUntil('the queue to drain', () => (pending.get() as { n: number }).n === 0, 30_000);
      const drainMs = Date.now() - drainStarted;
      const rows = file
        .prepare('SELECT id, tenant_id, created_at, status FROM alert_outbox ORDER BY id')
        .all() as OutboxRow[];
      const times = new Map<string, number>();
      for (const m of sink.accepted)
        times.set(m.messageId ?? '', (times.get(m.messageId ?? '') ?? 0) + 1);
      for (const r of rows)
        expect(
          times.get(notificationMessageId(r, FROM)),
          `${context}: row ${r.id}`,
        ).toBeGreaterThan(0);
      expect(times.size, context).toBe(rows.length);
      // The only duplicates are the emails accepted but not yet marked at a kill, once each.
      expect(sink.accepted.length - times.size, `${context}: ${report.join('; ')}`).toBe(resent);
      const expectedTo = ['ann@example.com', 'bob@example.com'];
      for (const m of sink.accepted) expect(m.to, context).toEqual(expectedTo);
      console.info(
        `alert delivery durability, ${context}: ${report.join('; ')}; ${rows.length} emails, ${sink.accepted.length - times.size} duplicate(s), queue drained in ${drainMs} ms`,
      );
    } finally {
      file.close();
    }
  }, 120_000);
});
