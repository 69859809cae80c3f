import Fastify, { type FastifyInstance, type FastifyRequest } from 'fastify';
import type { z } from 'zod';
import { AppError } from '../../shared/errors';
import { HybridClock } from '../../shared/sync/hlc';
import {
  createAccountSchema,
  loginRequestSchema,
  PULL_NEXT_HEADER,
  pullRequestSchema,
  pushRequestSchema,
} from '../../shared/sync/protocol';
import { AccountService, type Principal, type UserDirectory } from '../auth/accounts';
import { RateLimiter } from '../auth/rate-limit';
import type { SqlDb } from '../db/sql';
import { pullReplyBody, SyncService } from '../sync/service';
import { RateLimitedError, errorHandler, zodError } from './errors';

export interface ServerOptions {
  db: SqlDb;
  /** pino log level; 'silent' in tests. */
  logLevel?: string;
  sessionTtlMs?: number;
  maxDriftMs?: number;
  /** Login attempts per address and email per minute. */
  loginAttemptsPerMinute?: number;
  bodyLimitBytes?: number;
  https?: { key: Buffer; cert: Buffer };
  directory?: UserDirectory;
  now?: () => Date;
}

declare module 'fastify' {
  interface FastifyRequest {
    principal?: Principal;
  }
}

/** Routes validate their body with a zod schema of shared/ (the same the desktop uses). */
const body = <S extends z.ZodType>(schema: S) => ({ schema: { body: schema } });

export function buildServer(options: ServerOptions): FastifyInstance {
  const { db } = options;
  const app = Fastify({
    logger: { level: options.logLevel ?? 'info' },
    bodyLimit: options.bodyLimitBytes ?? 8 * 1024 * 1024,
    ...(options.https ? { https: options.https } : {}),
  }) as unknown as FastifyInstance;
  const clock = new HybridClock('server', () => (options.now ?? (() => new Date()))().getTime());
  const accounts = new AccountService(db, {
    sessionTtlMs: options.sessionTtlMs ?? 12 * 3600_000,
    ...(options.now ? { now: options.now } : {}),
    ...(options.directory ? { directory: options.directory } : {}),
  });
  const sync = new SyncService(db, clock, {
    maxDriftMs: options.maxDriftMs ?? 60_000,
    ...(options.now ? { now: options.now } : {}),
  });
  const limiter = new RateLimiter(options.loginAttemptsPerMinute ?? 10, 60_000);

  app.setValidatorCompiler(({ schema }) => (data: unknown) => {
    const parsed = (schema as z.ZodType).safeParse(data);
    return parsed.success ? { value: parsed.data } : { error: zodError(parsed.error) };
  });
  app.setErrorHandler(errorHandler);
  app.setNotFoundHandler((req, reply) =>
    reply.status(404).send({ code: 'NOT_FOUND', message: `No route ${req.method} ${req.url}.` }),
  );

  const principal = (req: FastifyRequest): Principal => {
    if (!req.principal) throw new AppError('UNAUTHORIZED', 'Log in first.');
    return req.principal;
  };
  const authenticate = async (req: FastifyRequest) => {
    const header = req.headers.authorization ?? '';
    const m = /^Bearer (\S+)$/.exec(header);
    req.principal = await accounts.authenticate(m?.[1]);
  };

  app.get('/health', async () => ({ ok: true }));
  app.get('/ready', async (_req, reply) => {
    try {
      await db.get('SELECT 1 AS one');
      return { ok: true };
    } catch {
      return reply
        .status(503)
        .send({ code: 'UNAVAILABLE', message: 'The database is not reachable.' });
    }
  });

  app.post('/v1/auth/login', body(loginRequestSchema), async (req) => {
    const { email, password } = req.body as z.output<typeof loginRequestSchema>;
    const key = `${req.ip}|${email}`;
    const wait = limiter.attempt(key);
    if (wait > 0) throw new RateLimitedError(wait);
    const result = await accounts.login(email, password);
    limiter.reset(key);
    return result;
  });

  app.register(async (authed) => {
    authed.addHook('preHandler', authenticate);
    authed.get('/v1/auth/me', async (req) => principal(req).account);
    authed.post('/v1/auth/logout', async (req) => {
      await accounts.logout(principal(req));
      return { ok: true };
    });
    authed.get('/v1/accounts', async (req) => accounts.list(principal(req)));
    authed.post('/v1/accounts', body(createAccountSchema), async (req, reply) => {
      const account = await accounts.create(
        principal(req),
        req.body as z.output<typeof createAccountSchema>,
      );
      return reply.status(201).send(account);
    });
    authed.post('/v1/accounts/:id/disable', async (req) =>
      accounts.disable(principal(req), (req.params as { id: string }).id),
    );
    authed.post('/v1/sync/push', body(pushRequestSchema), async (req) => {
      const { clientId, mutations } = req.body as z.output<typeof pushRequestSchema>;
      return sync.push(principal(req), clientId, mutations);
    });
    authed.post('/v1/sync/pull', body(pullRequestSchema), async (req, reply) => {
      const pulled = await sync.pull(
        principal(req),
        req.body as z.output<typeof pullRequestSchema>,
      );
      if (pulled.more) reply.header(PULL_NEXT_HEADER, encodeURIComponent(pulled.cursor));
      // Written out here: records' stored JSON and cameras' frames go out as they are
      // (pullReplyBody), as JSON or, when the answer holds frames, framed.
      const { body, contentType } = pullReplyBody(pulled);
      return reply.type(contentType).send(body);
    });
  });

  return app;
}
