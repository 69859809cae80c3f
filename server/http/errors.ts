import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import type { z } from 'zod';
import { AppError, type ApiErrorBody } from '../../shared/errors';

const STATUS: Record<string, number> = {
  VALIDATION: 400,
  BAD_REQUEST: 400,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  TENANT_DISABLED: 403,
  USER_DISABLED: 403,
  NOT_FOUND: 404,
  CONFLICT: 409,
  TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  RATE_LIMITED: 429,
  UNAVAILABLE: 503,
};

export const statusOf = (code: string) => STATUS[code] ?? 500;

export class RateLimitedError extends AppError {
  constructor(readonly retryAfter: number) {
    super('RATE_LIMITED', `Too many login attempts. Try again in ${retryAfter} s.`);
  }
}

/** zod issues → one AppError with a message per field. */
export function zodError(error: z.ZodError): AppError {
  const fields = error.issues.map((issue) => ({
    field: issue.path.map(String).join('.') || '(body)',
    message: issue.message,
  }));
  const first = fields[0];
  const message =
    fields.length === 1 && first
      ? `${first.field}: ${first.message}`
      : `The request has ${fields.length} problems: ${fields
          .slice(0, 5)
          .map((f) => `${f.field}: ${f.message}`)
          .join('; ')}`;
  return new AppError('VALIDATION', message, fields.slice(0, 50));
}

/** Fastify's own errors (body too large, bad JSON, wrong content type) → our error bodies. */
function fromFastify(err: FastifyError): AppError | null {
  switch (err.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new AppError(
        'TOO_LARGE',
        'The request body is too large. Push fewer mutations at once.',
      );
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new AppError('UNSUPPORTED_MEDIA_TYPE', 'Send the body as application/json.');
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return new AppError('BAD_REQUEST', 'The request body is empty; send a JSON object.');
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return new AppError('BAD_REQUEST', 'The request body is not valid JSON.');
    default:
      if (err instanceof SyntaxError || err.statusCode === 400)
        return new AppError('BAD_REQUEST', `Bad request: ${err.message}`);
      return null;
  }
}

export function errorHandler(err: FastifyError, req: FastifyRequest, reply: FastifyReply) {
  const app = err instanceof AppError ? err : fromFastify(err);
  if (app) {
    const status = statusOf(app.code);
    if (app instanceof RateLimitedError) void reply.header('retry-after', String(app.retryAfter));
    return reply.status(status).send(app.toBody());
  }
  req.log.error({ err }, 'request failed');
  return reply.status(500).send({
    code: 'INTERNAL',
    message:
      'The server could not complete the request; nothing was changed. Details are in its log.',
  } satisfies ApiErrorBody);
}
