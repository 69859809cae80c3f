// The alert engine end to end: a fake ONVIF camera (127.0.0.171) serving PullPoint events, a
// real SMTP server (smtp-server on loopback), and a core with time compressed by configuration
// (one rule "minute" = 200 ms). Nothing of our own is mocked.
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { openCore, type Core } from '../../../electron/app/core';
import type { MethodInput, MethodName, MethodOutput } from '../../../shared/contract';
import type { ApiErrorBody } from '../../../shared/errors';
import { startFakeCamera, type RunningFakeCamera } from '../../fixtures/onvif/fake-camera';
import { servePullPoint, type PullPointState } from '../../fixtures/onvif/fake-camera-pullpoint';
import { tempDataDir } from '../../support/host-process';
import { customer } from '../../support/core';

interface Mail {
  to: string[];
  data: string;
}

class Smtp {
  mails: Mail[] = [];
  private server: SMTPServer | undefined;
  port = 0;
  async start(port = 0): Promise<void> {
    this.server = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS'],
      onData: (stream, session, done) => {
        let data = '';
        stream.on('data', (c: Buffer) => (data += c.toString()));
        stream.on('end', () => {
          // Undo quoted-printable soft line breaks so assertions read the text.
          data = data.replace(/=\r\n/g, '');
          this.mails.push({ to: session.envelope.rcptTo.map((r) => r.address).sort(), data });
          done();
        });
      },
    });
    const server = this.server;
    await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', () => resolve()));
    this.port = (server.server.address() as AddressInfo).port;
  }
  stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    return new Promise((resolve) => (server ? server.close(() => resolve()) : resolve()));
  }
}

async function until<T>(what: string, probe: () => T | undefined | false, ms = 8000): Promise<T> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    const v = probe();
    if (v) return v;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`timed out waiting for ${what}`);
}

const MINUTE = 200;
const MOTION = 'tns1:RuleEngine/CellMotionDetector/Motion';

describe('alert engine with a PullPoint camera and a real SMTP server', () => {
  const smtp = new Smtp();
  let cam: RunningFakeCamera;
  let pp: PullPointState;
  /** Waits for a fresh subscription (made after this call) to be pulled. */
  const subscribed = async () => {
    const created = pp.calls.CreatePullPointSubscription ?? 0;
    await until('subscription', () => (pp.calls.CreatePullPointSubscription ?? 0) > created);
    const pulls = pp.calls.PullMessages ?? 0;
    await until('first pull', () => (pp.calls.PullMessages ?? 0) > pulls);
  };
  let core: Core;
  let customerId = '';
  let cameraId = '';
  let ann = '';
  let bob = '';
  let carol = '';
  const call = async <M extends MethodName>(
    m: M,
    input: MethodInput<M>,
  ): Promise<MethodOutput<M>> => {
    const env = await core.dispatch(m, input);
    if (!env.ok) throw new Error(`${env.error.code}: ${env.error.message}`);
    return env.result as MethodOutput<M>;
  };
  const fail = async (m: MethodName, input: unknown): Promise<ApiErrorBody> => {
    const env = await core.dispatch(m, input);
    if (env.ok) throw new Error(`${m} succeeded`);
    return env.error;
  };
  const rules: string[] = [];
  const rule = async (extra: Partial<MethodInput<'alerts.create'>> = {}) => {
    const r = await call('alerts.create', {
      customerId,
      name: `Motion ${rules.length}`,
      trigger: { type: 'onvif', topic: MOTION, filters: [{ item: 'IsMotion', value: 'true' }] },
      cameras: [cameraId],
      recipientIds: [ann, bob],
      minIntervalSeconds: 0,
      ...extra,
    });
    rules.push(r.id);
    return r;
  };

  beforeAll(async () => {
    await smtp.start();
    cam = await startFakeCamera({
      address: '127.0.0.171',
      discoveryPort: 37171,
      multicast: false,
      name: 'Lobby',
    });
    pp = servePullPoint(cam);
    core = openCore({
      dataDir: tempDataDir(),
      host: 'browser',
      version: 'test',
      actor: 'tester',
      alerts: {
        engine: {
          minuteMs: MINUTE,
          tickMs: 50,
          idlePullMs: 30,
          retryMs: 100,
          pullTimeoutMs: 1000,
          requestTimeoutMs: 500,
        },
        delivery: { retryBaseMs: 100, retryMaxMs: 300, timeoutMs: 1000 },
      },
    });
    const c = await call('tenants.create', customer('Acme Alerts', { timeZone: 'UTC' }));
    customerId = c.id;
    const other = await call('tenants.create', customer('Other Co'));
    const user = (tenantId: string, name: string) =>
      call('users.create', { tenantId, name, login: `${name.toLowerCase()}@example.com` });
    ann = (await user(customerId, 'Ann')).id;
    bob = (await user(customerId, 'Bob')).id;
    await user(customerId, 'Dan');
    carol = (await user(other.id, 'Carol')).id;
    const { results } = await call('cameras.attachOnvif', {
      customerId,
      devices: [{ xaddr: cam.xaddr }],
      credentials: [{ username: 'admin', password: 'S3cure-pass' }],
    });
    cameraId = results[0]?.camera?.id ?? '';
    expect(cameraId).not.toBe('');
    await call('smtp.set', {
      host: '127.0.0.1',
      port: smtp.port,
      security: 'none',
      from: 'alerts@example.com',
    });
  });

  afterEach(async () => {
    for (const id of rules.splice(0)) await call('alerts.delete', { id });
    smtp.mails = [];
  });

  afterAll(async () => {
    await core.alerts.close();
    core.close();
    await cam.close({ bye: false });
    await smtp.stop();
  });

  it('refuses bad rules and bad SMTP settings with clear messages', async () => {
    const base = {
      customerId,
      name: 'Bad',
      trigger: { type: 'onvif' as const, topic: MOTION },
      cameras: [cameraId],
      recipientIds: [ann],
    };
    expect((await fail('alerts.create', { ...base, cameras: [] })).message).toMatch(
      /at least one camera/,
    );
    expect((await fail('alerts.create', { ...base, recipientIds: [] })).message).toMatch(
      /at least one recipient/,
    );
    expect((await fail('alerts.create', { ...base, recipientIds: [carol] })).message).toMatch(
      /own users/,
    );
    expect(
      (await fail('alerts.create', { ...base, schedule: [0, 0, 0, 0, 0, 0, 0] })).message,
    ).toMatch(/empty schedule/);
    expect((await fail('alerts.create', { ...base, channel: 'push' })).message).toMatch(
      /server-side analytics/,
    );
    expect(
      (await fail('smtp.set', { host: 'bad host!', port: 70000, security: 'none', from: 'x' }))
        .message,
    ).toMatch(/host|port|sender/i);
    await call('modules.set', { tenantId: customerId, moduleId: 'email_alerts', enabled: false });
    expect((await fail('alerts.create', base)).code).toBe('MODULE_OFF');
    await call('modules.set', { tenantId: customerId, moduleId: 'email_alerts', enabled: true });
  });

  it('reads the camera topics for the picker', async () => {
    const setup = await call('alerts.readTopics', { customerId });
    const motion = setup.topics.find((t) => t.topic.endsWith('CellMotionDetector/Motion'));
    expect(motion?.cameraIds).toEqual([cameraId]);
    expect(motion?.dataItems.map((d) => d.name)).toEqual(['IsMotion']);
  });

  it('motion event → one email to exactly the rule recipients', async () => {
    const sub = subscribed();
    await rule();
    await sub;
    cam.emitEvent(MOTION, { IsMotion: 'false' }); // filtered out
    cam.emitEvent(MOTION, { IsMotion: 'true' });
    const mail = await until('email', () => smtp.mails[0]);
    expect(mail.to).toEqual(['ann@example.com', 'bob@example.com']);
    expect(mail.data).toMatch(/filename=snapshot\.jpg/); // the camera's snapshot
    expect(mail.data).toMatch(/Rule: Motion 0/);
    await new Promise((r) => setTimeout(r, 300));
    expect(smtp.mails).toHaveLength(1);
    const history = await call('alerts.history', { customerId });
    expect(history[0]?.status).toBe('sent');
  });

  it('outside the schedule → no email', async () => {
    const now = new Date();
    const day = (now.getUTCDay() + 6) % 7;
    const schedule = [0, 0, 0, 0, 0, 0, 0];
    schedule[(day + 3) % 7] = 0xffffff; // another day only
    const sub = subscribed();
    await rule({ schedule });
    await sub;
    const before = pp.calls.PullMessages ?? 0;
    cam.emitEvent(MOTION, { IsMotion: 'true' });
    await until('pulled', () => (pp.calls.PullMessages ?? 0) > before + 3);
    await new Promise((r) => setTimeout(r, 300));
    expect(smtp.mails).toHaveLength(0);
  });

  it('digest collects 10 events into one email', async () => {
    const sub = subscribed();
    await rule({ digestMinutes: 3 }); // 600 ms here
    await sub;
    for (let i = 0; i < 10; i += 1) cam.emitEvent(MOTION, { IsMotion: 'true' });
    const mail = await until('digest email', () => smtp.mails[0]);
    expect(mail.data.match(/CellMotionDetector\/Motion \(IsMotion =3D true\)/g)).toHaveLength(10);
    await new Promise((r) => setTimeout(r, 800));
    expect(smtp.mails).toHaveLength(1);
  });

  it('minimum interval holds against a flooding camera', async () => {
    const sub = subscribed();
    await rule({ minIntervalSeconds: 60 });
    await sub;
    for (let i = 0; i < 200; i += 1) cam.emitEvent(MOTION, { IsMotion: 'true' });
    await until('email', () => smtp.mails[0]);
    await new Promise((r) => setTimeout(r, 500));
    expect(smtp.mails).toHaveLength(1);
  });

  it('SMTP down → queued, delivered once when it is back', async () => {
    const port = smtp.port;
    await smtp.stop();
    const sub = subscribed();
    await rule();
    await sub;
    cam.emitEvent(MOTION, { IsMotion: 'true' });
    await until(
      'attempt with error',
      () => core.alerts.repo.history(customerId, 5)[0]?.error ?? false,
    );
    expect(core.alerts.repo.outboxCounts().pending).toBeGreaterThan(0);
    await smtp.start(port);
    await until('delivered', () => smtp.mails[0]);
    await new Promise((r) => setTimeout(r, 600));
    expect(smtp.mails).toHaveLength(1);
    expect(core.alerts.repo.outboxCounts().pending).toBe(0);
  });

  it('subscribes to a camera that wants HTTP Digest', async () => {
    const digestCam = await startFakeCamera({
      address: '127.0.0.172',
      discoveryPort: 37171,
      multicast: false,
      authStyle: 'digest',
    });
    const state = servePullPoint(digestCam);
    try {
      const { results } = await call('cameras.attachOnvif', {
        customerId,
        devices: [{ xaddr: digestCam.xaddr, name: 'Digest cam' }],
        credentials: [{ username: 'admin', password: 'S3cure-pass' }],
      });
      const id = results[0]?.camera?.id ?? '';
      expect(id).not.toBe('');
      await rule({ cameras: [id] });
      await until('digest subscription pulled', () => (state.calls.PullMessages ?? 0) > 0);
      digestCam.emitEvent(MOTION, { IsMotion: 'true' });
      await until('email', () => smtp.mails[0]);
      await call('cameras.remove', { id });
    } finally {
      await digestCam.close({ bye: false });
    }
  });

  it('recording stopped and clock skew are system triggers', async () => {
    const sub = subscribed();
    await rule({ name: 'Recording', trigger: { type: 'recording_stopped' } });
    await rule({ name: 'Skew', trigger: { type: 'clock_skew', overSeconds: 30 } });
    await sub;
    await call('cameras.setEnabled', { id: cameraId, enabled: false });
    await until('recording email', () => smtp.mails.find((m) => /Rule: Recording/.test(m.data)));
    await call('cameras.setEnabled', { id: cameraId, enabled: true });
    expect(smtp.mails.filter((m) => /Rule: Skew/.test(m.data))).toHaveLength(0); // in sync
  });

  it('a camera clock off by more than N seconds, and a camera refusing its login, alert', async () => {
    // A camera whose clock runs two minutes ahead: WS-UsernameToken still works (signed with the
    // camera's time), and the skew rule fires.
    const skewed = await startFakeCamera({
      address: '127.0.0.173',
      discoveryPort: 37171,
      multicast: false,
      name: 'Skewed',
      clockOffsetMs: 120_000,
    });
    servePullPoint(skewed);
    let locked: RunningFakeCamera | undefined;
    try {
      const attached = await call('cameras.attachOnvif', {
        customerId,
        devices: [{ xaddr: skewed.xaddr, name: 'Skewed' }],
        credentials: [{ username: 'admin', password: 'S3cure-pass' }],
      });
      const id = attached.results[0]?.camera?.id ?? '';
      expect(id).not.toBe('');
      await rule({ name: 'Skew', cameras: [id], trigger: { type: 'clock_skew', overSeconds: 30 } });
      await rule({ name: 'Login', cameras: [id], trigger: { type: 'auth_failing' } });
      const skewMail = await until('skew email', () =>
        smtp.mails.find((m) => /Rule: Skew/.test(m.data)),
      );
      expect(skewMail.data).toMatch(/Skewed/);
      // Someone changes the camera's password: the stored login stops working.
      const port = skewed.httpPort;
      await skewed.close({ bye: false });
      locked = await startFakeCamera({
        address: '127.0.0.173',
        httpPort: port,
        discoveryPort: 37171,
        multicast: false,
        name: 'Skewed',
        password: 'changed-by-someone',
      });
      servePullPoint(locked);
      const authMail = await until('auth email', () =>
        smtp.mails.find((m) => /Rule: Login/.test(m.data)),
      );
      expect(authMail.data).toMatch(/Skewed/);
      await call('cameras.remove', { id });
    } finally {
      await skewed.close({ bye: false }).catch(() => undefined);
      await locked?.close({ bye: false });
    }
  });

  it('camera unplugged → "camera offline" after N minutes, then back online', async () => {
    const sub = subscribed();
    await rule({ name: 'Offline', trigger: { type: 'camera_offline', afterMinutes: 2 } });
    await rule({ name: 'Online', trigger: { type: 'camera_online' } });
    await sub;
    const port = cam.httpPort;
    await cam.close({ bye: false });
    const t0 = Date.now();
    const mail = await until('offline email', () => smtp.mails.find((m) => /Offline/.test(m.data)));
    expect(Date.now() - t0).toBeGreaterThanOrEqual(2 * MINUTE);
    expect(mail.data).toMatch(/Camera offline/);
    cam = await startFakeCamera({
      address: '127.0.0.171',
      httpPort: port,
      discoveryPort: 37171,
      multicast: false,
      name: 'Lobby',
    });
    pp = servePullPoint(cam);
    await until('online email', () => smtp.mails.find((m) => /Online/.test(m.data)));
    expect(smtp.mails.filter((m) => /Offline/.test(m.data))).toHaveLength(1);
  });
});

describe('alert outbox across a restart', () => {
  it('keeps a queued notification until the SMTP server is back, after the app restarts', async () => {
    const dataDir = tempDataDir();
    const timing = { delivery: { retryBaseMs: 100, retryMaxMs: 200, timeoutMs: 1000 } };
    const smtp = new Smtp();
    await smtp.start();
    const port = smtp.port;
    await smtp.stop(); // down
    let core = openCore({ dataDir, host: 'browser', version: 'test', alerts: timing });
    const ok = async <M extends MethodName>(m: M, input: MethodInput<M>) => {
      const env = await core.dispatch(m, input);
      if (!env.ok) throw new Error(env.error.message);
      return env.result as MethodOutput<M>;
    };
    const c = await ok('tenants.create', customer('Restart Co'));
    const u = await ok('users.create', { tenantId: c.id, name: 'Eve', login: 'eve@example.com' });
    await ok('cameras.addManual', {
      customerId: c.id,
      name: 'Yard',
      streamUrl: 'rtsp://127.0.0.1:554/yard',
    });
    await ok('smtp.set', { host: '127.0.0.1', port, security: 'none', from: 'a@example.com' });
    const r = await ok('alerts.create', {
      customerId: c.id,
      name: 'Sample',
      trigger: { type: 'camera_online' },
      cameras: 'all',
      recipientIds: [u.id],
    });
    await ok('alerts.test', { id: r.id });
    await until('failed attempt', () => core.alerts.repo.history(c.id, 1)[0]?.error ?? false);
    await core.alerts.close();
    core.close();

    await smtp.start(port);
    core = openCore({ dataDir, host: 'browser', version: 'test', alerts: timing });
    await until('delivered after restart', () => smtp.mails[0]);
    expect(smtp.mails[0]?.to).toEqual(['eve@example.com']);
    await new Promise((res) => setTimeout(res, 400));
    expect(smtp.mails).toHaveLength(1);
    expect(core.alerts.repo.history(c.id, 1)[0]?.status).toBe('sent');
    await core.alerts.close();
    core.close();
    await smtp.stop();
  });
});
