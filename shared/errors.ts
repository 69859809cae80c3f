/**
 * Errors are values with a code and a message a person can act on. Every layer (core services,
 * IPC, the browser host, the server) passes them through unchanged; the UI shows `message` and, when
 * `field` is set, puts it next to that form field.
 */
export type ErrorCode =
  | 'VALIDATION'
  | 'NOT_FOUND'
  | 'CONFLICT'
  | 'TENANT_DISABLED'
  | 'PARENT_DISABLED'
  | 'CYCLE'
  | 'FORBIDDEN'
  | 'UNAUTHORIZED'
  | 'UNKNOWN_METHOD'
  | 'INTERNAL'
  | (string & {});

export interface FieldIssue {
  field: string;
  message: string;
}

export interface ApiErrorBody {
  code: ErrorCode;
  message: string;
  /** Per-field problems, for forms. */
  fields?: FieldIssue[];
}

export class AppError extends Error {
  readonly code: ErrorCode;
  readonly fields: FieldIssue[] | undefined;

  constructor(code: ErrorCode, message: string, fields?: FieldIssue[]) {
    super(message);
    this.name = 'AppError';
    this.code = code;
    this.fields = fields;
  }

  toBody(): ApiErrorBody {
    return this.fields
      ? { code: this.code, message: this.message, fields: this.fields }
      : { code: this.code, message: this.message };
  }
}

export function fieldError(field: string, message: string): AppError {
  return new AppError('VALIDATION', message, [{ field, message }]);
}

export function isApiErrorBody(value: unknown): value is ApiErrorBody {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { code?: unknown }).code === 'string' &&
    typeof (value as { message?: unknown }).message === 'string'
  );
}
