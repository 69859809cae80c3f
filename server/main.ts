/**
 * The central sync server.
 *   npm run server                                  serve on 127.0.0.1:8787, SQLite in ./server-data
 *   npm run server -- init --email a@b.c [--password …]   create the root partner's first administrator
 * Options: --port, --host, --data-dir, --tls-cert FILE --tls-key FILE (or a reverse proxy: docs/sync.md).
 * Environment: DATABASE_URL=postgres://… runs on PostgreSQL (DATABASE_SCHEMA picks a schema),
 * LOG_LEVEL (pino level, default info).
 */
import fs from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { openServerDatabase } from './db/open';
import { migrateServer } from './db/schema';
import { AccountService } from './auth/accounts';
import { buildServer } from './http/app';
import { AppError } from '../shared/errors';

interface Args {
  command: 'serve' | 'init';
  flags: Map<string, string>;
}

function parseArgs(argv: string[]): Args {
  const flags = new Map<string, string>();
  let command: Args['command'] = 'serve';
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] ?? '';
    if (a === 'init' || a === 'serve') command = a;
    else if (a.startsWith('--')) {
      const [key, inline] = a.slice(2).split('=', 2);
      const value = inline ?? argv[i + 1] ?? '';
      if (inline === undefined) i++;
      flags.set(key ?? '', value);
    } else throw new Error(`Unknown argument ${a}`);
  }
  return { command, flags };
}

async function main(): Promise<void> {
  const { command, flags } = parseArgs(process.argv.slice(2));
  const dataDir = path.resolve(
    flags.get('data-dir') ?? process.env.VMS_SERVER_DATA ?? 'server-data',
  );
  const db = await openServerDatabase({
    dataDir,
    ...(process.env.DATABASE_URL ? { url: process.env.DATABASE_URL } : {}),
    ...(process.env.DATABASE_SCHEMA ? { schema: process.env.DATABASE_SCHEMA } : {}),
  });
  await migrateServer(db, new Date().toISOString());

  if (command === 'init') {
    const email = flags.get('email');
    if (!email) throw new Error('init needs --email');
    const given = flags.get('password');
    const password = given ?? randomBytes(12).toString('base64url');
    try {
      const account = await new AccountService(db, { sessionTtlMs: 0 }).createFirstAdmin(
        email,
        password,
      );
      console.log(`Created administrator ${account.email} of the root partner.`);
      if (!given) console.log(`Password (shown once): ${password}`);
    } finally {
      await db.close();
    }
    return;
  }

  const certFile = flags.get('tls-cert');
  const keyFile = flags.get('tls-key');
  const app = buildServer({
    db,
    logLevel: process.env.LOG_LEVEL ?? 'info',
    ...(certFile && keyFile
      ? { https: { cert: fs.readFileSync(certFile), key: fs.readFileSync(keyFile) } }
      : {}),
    ...(process.env.VMS_MAX_DRIFT_MS ? { maxDriftMs: Number(process.env.VMS_MAX_DRIFT_MS) } : {}),
  });
  let closing = false;
  const shutdown = (signal: string) => {
    if (closing) return;
    closing = true;
    app.log.info({ signal }, 'shutting down: finishing requests in flight');
    const force = setTimeout(() => process.exit(1), 10_000);
    force.unref();
    void app
      .close()
      .then(() => db.close())
      .then(() => process.exit(0));
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
  const address = await app.listen({
    port: Number(flags.get('port') ?? process.env.VMS_SERVER_PORT ?? 8787),
    host: flags.get('host') ?? '127.0.0.1',
  });
  // Tests and scripts wait for this line.
  console.log(`VMS server listening on ${address} (${db.dialect})`);
}

main().catch((err: unknown) => {
  console.error(err instanceof AppError ? `${err.code}: ${err.message}` : err);
  process.exit(1);
});
