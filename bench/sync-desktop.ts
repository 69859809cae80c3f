/**
 * One desktop's initial pull, in a process of its own as the browser host or the Electron main
 * process runs it (sync.bench.ts starts it): opens a fresh core in the given folder with the built
 * pull worker, connects to the server, times one sync and checks what arrived, then times 20 syncs
 * with nothing new. Prints one JSON line: `{ "ms": …, "customers": …, "cameras": …, "counted": …,
 * "upToDateP95Ms": … }`, or exits non-zero with the error.
 *
 * Usage: tsx bench/sync-desktop.ts <server url> <data dir> <email> <password>
 */
import path from 'node:path';
import { openCore } from '../electron/app/core';
import { percentile } from './lib';

/** What the one JSON line says. */
export interface InitialPull {
  ms: number;
  customers: number;
  cameras: number;
  counted: number;
  /** The 95th percentile of 20 syncs that follow, with nothing new on either side. */
  upToDateP95Ms: number;
}

const [url, dataDir, email, password] = process.argv.slice(2);
if (!url || !dataDir || !email || !password)
  throw new Error('usage: sync-desktop.ts <server url> <data dir> <email> <password>');

const core = openCore({
  dataDir,
  host: 'browser',
  version: 'bench',
  pullWorkerFile: path.resolve(process.env.VMS_OUT_DIR ?? 'out', 'host/pull-worker.cjs'),
  checkpointWorkerFile: path.resolve(
    process.env.VMS_OUT_DIR ?? 'out',
    'host/checkpoint-worker.cjs',
  ),
});
core.syncApp.close();
try {
  await core.sync.connect(url, email, password);
  const t0 = performance.now();
  const report = await core.sync.syncOnce();
  const ms = performance.now() - t0;
  if (!report.ok) throw new Error(`initial pull failed: ${report.error ?? ''}`);
  const count = (sql: string) => (core.db.prepare(sql).get() as { n: number }).n;
  // The desktop's side of an up-to-date sync, holding all of it: what runs every 30 s.
  const upToDate: number[] = [];
  for (let i = 0; i < 20; i++) {
    const s0 = performance.now();
    const again = await core.sync.syncOnce();
    upToDate.push(performance.now() - s0);
    if (!again.ok || again.pulled !== 0)
      throw new Error(`an up-to-date sync: ${again.error ?? `pulled ${again.pulled}`}`);
  }
  console.log(
    JSON.stringify({
      ms,
      customers: count("SELECT COUNT(*) AS n FROM tenants WHERE kind = 'customer'"),
      cameras: count('SELECT COUNT(*) AS n FROM cameras'),
      counted: count('SELECT SUM(camera_count) AS n FROM tenants'),
      upToDateP95Ms: percentile(upToDate, 95),
    } satisfies InitialPull),
  );
} finally {
  core.close();
}
