// The Alerts tab against the real browser host: a fake ONVIF camera serving PullPoint events and
// a real SMTP server run in this test process (loopback); the host's engine subscribes, matches
// and emails. Writes docs/alert-rule-editor.png and docs/alert-history.png.
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { startFakeCamera } from '../fixtures/onvif/fake-camera';
import { servePullPoint } from '../fixtures/onvif/fake-camera-pullpoint';
import { test, expect, api, clearToasts } from './fixtures';

const MOTION = 'tns1:RuleEngine/CellMotionDetector/Motion';

// Tall enough for the whole rule editor in one screenshot.
test.use({ viewport: { width: 1360, height: 1300 } });

test('Alerts tab: rule editor, motion email, alert history', async ({ page, host, request }) => {
  const received: string[][] = [];
  const smtp = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    onData(stream, session, done) {
      stream.resume();
      stream.on('end', () => {
        received.push(session.envelope.rcptTo.map((r) => r.address));
        done();
      });
    },
  });
  await new Promise<void>((r) => smtp.listen(0, '127.0.0.1', () => r()));
  const smtpPort = (smtp.server.address() as AddressInfo).port;
  const cams = [
    await startFakeCamera({ address: '127.0.0.181', discoveryPort: 37181, multicast: false }),
    await startFakeCamera({
      address: '127.0.0.182',
      discoveryPort: 37181,
      multicast: false,
      eventTopics: [
        {
          topic: 'tns1:VideoSource/GlobalSceneChange/ImagingService',
          source: [{ name: 'Source', type: 'tt:ReferenceToken' }],
          data: [{ name: 'State', type: 'xs:boolean' }],
        },
        {
          topic: MOTION,
          source: [{ name: 'Rule', type: 'xs:string' }],
          data: [{ name: 'IsMotion', type: 'xs:boolean' }],
        },
      ],
    }),
  ];
  for (const c of cams) servePullPoint(c);
  try {
    const customer = await api(request, host, 'tenants.create', {
      kind: 'customer',
      name: 'Harbor Logistics',
      email: 'it@harbor.example',
      timeZone: 'Europe/Berlin',
    });
    for (const [name, login] of [
      ['Ann Keller', 'ann@harbor.example'],
      ['Bob Meyer', 'bob@harbor.example'],
      ['Night Guard', 'guard@harbor.example'],
    ] as const)
      await api(request, host, 'users.create', { tenantId: customer.id, name, login });
    const attached = await api(request, host, 'cameras.attachOnvif', {
      customerId: customer.id,
      devices: [
        { xaddr: cams[0]?.xaddr ?? '', name: 'Loading Dock' },
        { xaddr: cams[1]?.xaddr ?? '', name: 'Gate North' },
      ],
      credentials: [{ username: 'admin', password: 'S3cure-pass' }],
    });
    expect(attached.results.every((r) => r.ok)).toBe(true);
    await api(request, host, 'smtp.set', {
      host: '127.0.0.1',
      port: smtpPort,
      security: 'none',
      from: 'alerts@harbor.example',
    });

    await page.goto(`${host.url}#/tenant/${customer.id}/alerts`);
    await expect(page.getByTestId('alerts-tab')).toBeVisible();
    await page.getByTestId('add-alert-rule').click();
    const editor = page.getByTestId('rule-editor');
    await editor.getByLabel(/^Rule name/).fill('Motion after hours');
    await editor.getByRole('button', { name: 'Read topics from cameras' }).click();
    await editor.getByText('RuleEngine/CellMotionDetector/Motion').click();
    await editor.getByLabel('Loading Dock', { exact: true }).check();
    await editor.getByLabel('Gate North', { exact: true }).check();
    await editor.getByLabel(/^Ann Keller/).check();
    await editor.getByLabel(/^Night Guard/).check();
    // Weekday nights only: clear Mon–Fri 7–18.
    for (const day of ['Mon', 'Tue', 'Wed', 'Thu', 'Fri'])
      for (let h = 7; h < 19; h += 1) await editor.getByLabel(`${day} ${h}:00`).click();
    await clearToasts(page);
    await editor.screenshot({ path: 'docs/alert-rule-editor.png' });

    // Save the same rule with an always-on schedule so the test fires now, whatever the time.
    for (const day of ['Mon', 'Tue', 'Wed', 'Thu', 'Fri'])
      for (let h = 7; h < 19; h += 1) await editor.getByLabel(`${day} ${h}:00`).click();
    await editor.getByRole('button', { name: 'Create rule' }).click();
    await expect(page.getByTestId('alert-rule-card')).toHaveCount(1);

    await expect
      .poll(() => cams.every((c) => c.requests.includes('events.PullMessages')), {
        timeout: 15_000,
      })
      .toBe(true);
    cams[0]?.emitEvent(MOTION, { IsMotion: 'true' });
    cams[1]?.emitEvent(MOTION, { IsMotion: 'true' });
    await expect.poll(() => received.length, { timeout: 15_000 }).toBe(2);
    expect(
      received.every((r) => r.sort().join() === 'ann@harbor.example,guard@harbor.example'),
    ).toBe(true);

    // The SMTP server goes away: a test notification stays queued with its error.
    await new Promise<void>((r) => smtp.close(() => r()));
    const [rule] = await api(request, host, 'alerts.list', { customerId: customer.id });
    await api(request, host, 'alerts.test', { id: rule?.id ?? '' });
    await expect
      .poll(
        async () =>
          (await api(request, host, 'alerts.history', { customerId: customer.id, limit: 5 }))[0]
            ?.error ?? null,
        { timeout: 15_000 },
      )
      .toMatch(/Cannot reach the SMTP server/);

    await page.reload();
    const history = page.getByTestId('alert-history');
    await expect(history.getByText('Sent', { exact: false }).first()).toBeVisible();
    await expect(history.getByText('Cannot reach the SMTP server')).toBeVisible();
    await clearToasts(page);
    await page.getByTestId('alerts-tab').screenshot({ path: 'docs/alert-history.png' });
  } finally {
    await Promise.all(cams.map((c) => c.close({ bye: false })));
    if (smtp.server.listening) await new Promise<void>((r) => smtp.close(() => r()));
  }
});
