/**
 * A desktop in a child process for the sync fault tests (test/integration/server/faults.test.ts):
 *   node --import tsx test/support/sync-fault-desktop.ts <dataDir> <serverUrl> <email> <password> create <n> <prefix>
 *     logs in (first run), creates n customers under the root (each recorded in the outbox), then
 *     syncs; prints `PUSH <k>` before each push request goes out and `SYNCED <json report>` at the end.
 *   node --import tsx test/support/sync-fault-desktop.ts <dataDir> <serverUrl> <email> <password> sync
 *     syncs until nothing is pending (bounded), then prints `TENANTS <json>` (the synced rows).
 * The background scheduler is stopped: only the explicit syncs run.
 */
import { openCore } from '../../electron/app/core';

const [dataDir, serverUrl, email, password, mode, countArg, prefix] = process.argv.slice(2);

/** Writes a line and waits until it is flushed (the pipe is asynchronous; exit would cut it). */
const say = (line: string) =>
  new Promise<void>((resolve) => process.stdout.write(`${line}\n`, () => resolve()));

async function main(): Promise<void> {
  if (!dataDir || !serverUrl || !email || !password || !mode) throw new Error('missing arguments');
  const core = openCore({ dataDir, host: 'browser', version: 'fault-test', actor: 'fault-test' });
  core.syncApp.close();
  try {
    if (!core.sync.enabled() || !core.sync.state.get('token'))
      await core.sync.connect(serverUrl, email, password);
    const http = core.sync.httpTransport();
    let pushes = 0;
    core.sync.useTransport({
      push: (req) => {
        pushes++;
        process.stdout.write(`PUSH ${pushes} ${req.mutations.length}\n`);
        return http.push(req);
      },
      pull: (req) => http.pull(req),
    });
    if (mode === 'create') {
      const n = Number(countArg ?? '0');
      for (let i = 0; i < n; i++) {
        const env = await core.dispatch('tenants.create', {
          kind: 'customer',
          name: `${prefix ?? 'Fault'} ${String(i).padStart(5, '0')}`,
          email: 'fault@example.com',
          timeZone: 'Europe/Berlin',
        });
        if (!env.ok) throw new Error(`create failed: ${env.error.message}`);
      }
      await say(`CREATED ${n}`);
      const report = await core.sync.syncOnce();
      await say(`SYNCED ${JSON.stringify(report)}`);
    } else if (mode === 'sync') {
      const deadline = Date.now() + 60_000;
      let report = await core.sync.syncOnce();
      while ((!report.ok || core.sync.outbox.pendingCount() > 0) && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 200));
        report = await core.sync.syncOnce();
      }
      const rows = core.db
        .prepare(
          "SELECT id, kind, parent_id, name, email, own_disabled FROM tenants WHERE kind != 'root' ORDER BY id",
        )
        .all();
      await say(`PENDING ${core.sync.outbox.pendingCount()} ${JSON.stringify(report)}`);
      await say(`TENANTS ${JSON.stringify(rows)}`);
    } else throw new Error(`unknown mode ${mode}`);
  } finally {
    core.close();
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
