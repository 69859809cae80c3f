// Errors are values with a code and a message a person can act on (STYLE.md).
export type OnvifErrorCode =
  | 'ONVIF_AUTH'
  | 'ONVIF_TIMEOUT'
  | 'ONVIF_BAD_XML'
  | 'ONVIF_TOO_LARGE'
  | 'ONVIF_UNREACHABLE'
  | 'ONVIF_FAULT'
  | 'ONVIF_BAD_TARGET'
  | 'ONVIF_UNSUPPORTED';

export interface OnvifError {
  code: OnvifErrorCode;
  message: string;
}

export type OnvifResult<T> = { ok: true; value: T } | { ok: false; error: OnvifError };

export function onvifError(code: OnvifErrorCode, message: string): OnvifError {
  return { code, message };
}

export function authError(host: string): OnvifError {
  return onvifError(
    'ONVIF_AUTH',
    `Wrong user name or password for ${host}: check the camera credentials.`,
  );
}

/** Thrown inside the client to short-circuit a multi-step call; never escapes the public API. */
export class OnvifFailure extends Error {
  constructor(readonly error: OnvifError) {
    super(`${error.code}: ${error.message}`);
  }
}

export function ok<T>(value: T): OnvifResult<T> {
  return { ok: true, value };
}

export function fail<T>(error: OnvifError): OnvifResult<T> {
  return { ok: false, error };
}

/** Runs a function that may throw OnvifFailure and returns a result value. */
export async function toResult<T>(run: () => Promise<T>): Promise<OnvifResult<T>> {
  try {
    return ok(await run());
  } catch (cause) {
    if (cause instanceof OnvifFailure) return fail(cause.error);
    throw cause;
  }
}
