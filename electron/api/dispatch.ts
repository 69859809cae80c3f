import type { z } from 'zod';
import { apiContract, isMethodName, type Envelope, type MethodName } from '../../shared/contract';
import { AppError, type ApiErrorBody } from '../../shared/errors';
import type { Handlers } from './handlers';

/** zod issues → one message a person can act on, plus per-field messages for the form. */
export function validationError(error: z.ZodError, method: string): AppError {
  const fields = error.issues.map((issue) => ({
    field: issue.path.map(String).join('.') || '(input)',
    message: issue.message,
  }));
  const first = fields[0];
  const message =
    fields.length === 1 && first
      ? first.field === '(input)'
        ? `${method}: ${first.message}`
        : first.message
      : `Check the highlighted fields: ${fields.map((f) => f.message).join(' ')}`;
  return new AppError('VALIDATION', message, fields);
}

export function toErrorBody(err: unknown, log?: (err: unknown) => void): ApiErrorBody {
  if (err instanceof AppError) return err.toBody();
  const sqliteCode = (err as { code?: unknown } | null)?.code;
  if (typeof sqliteCode === 'string' && sqliteCode.startsWith('SQLITE_CONSTRAINT')) {
    return {
      code: 'CONFLICT',
      message:
        'That change conflicts with data saved meanwhile (another window?). Refresh and try again.',
    };
  }
  if (typeof sqliteCode === 'string' && sqliteCode.startsWith('SQLITE_BUSY')) {
    return {
      code: 'BUSY',
      message: 'The database is busy with another change. Try again in a moment.',
    };
  }
  log?.(err);
  return {
    code: 'INTERNAL',
    message:
      'Something went wrong inside the app. The change was not saved; details are in the log.',
  };
}

export type Dispatch = (method: string, input: unknown) => Promise<Envelope>;

/**
 * The one entry point both transports call: checks the method exists, parses the input with its
 * schema, runs the handler, and checks the output against its schema. Never throws.
 */
export function createDispatch(handlers: Handlers, log?: (err: unknown) => void): Dispatch {
  return async (method, input) => {
    if (!isMethodName(method)) {
      return {
        ok: false,
        error: { code: 'UNKNOWN_METHOD', message: `There is no API method called ${method}.` },
      };
    }
    const spec = apiContract[method];
    const parsed = spec.input.safeParse(input === undefined ? {} : input);
    if (!parsed.success)
      return { ok: false, error: validationError(parsed.error, method).toBody() };
    try {
      const handler = handlers[method] as (args: unknown) => unknown;
      const result = await handler(parsed.data);
      const out = spec.output.safeParse(result);
      if (!out.success) {
        log?.(
          new Error(
            `${method} returned data that does not match its contract: ${out.error.message}`,
          ),
        );
        return {
          ok: false,
          error: {
            code: 'INTERNAL',
            message: 'The app produced an unexpected answer; details are in the log.',
          },
        };
      }
      return { ok: true, result: out.data };
    } catch (err) {
      return { ok: false, error: toErrorBody(err, log) };
    }
  };
}

export type { MethodName };
