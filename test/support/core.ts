import path from 'node:path';
import { openCore, type Core, type CoreOptions } from '../../electron/app/core';
import type { MethodInput, MethodName, MethodOutput } from '../../shared/contract';
import type { ApiErrorBody } from '../../shared/errors';
import { tempDataDir } from './host-process';

export interface TestCore extends Core {
  dataDir: string;
  /** Calls the API like a transport does; resolves with the output or rejects with the error body. */
  call<M extends MethodName>(method: M, input: MethodInput<M>): Promise<MethodOutput<M>>;
  /** Calls the API and returns the error body (fails the test when the call succeeds). */
  fail(method: MethodName, input: unknown): Promise<ApiErrorBody>;
}

/** The built pull worker (`node scripts/build.mjs`; `npm test` builds before the tests run). */
export const PULL_WORKER_FILE = path.resolve(
  process.env.VMS_OUT_DIR ?? 'out',
  'host/pull-worker.cjs',
);

/** The built WAL checkpointer's thread (electron/db/checkpointer.ts), built with the pull worker. */
export const CHECKPOINT_WORKER_FILE = path.resolve(
  process.env.VMS_OUT_DIR ?? 'out',
  'host/checkpoint-worker.cjs',
);

export function openTestCore(
  dataDir = tempDataDir(),
  options: Pick<CoreOptions, 'pullWorkerFile' | 'checkpointWorkerFile'> = {},
): TestCore {
  const core = openCore({ dataDir, host: 'browser', version: 'test', actor: 'tester', ...options });
  return {
    ...core,
    dataDir,
    async call(method, input) {
      const env = await core.dispatch(method, input);
      if (!env.ok)
        throw Object.assign(new Error(`${env.error.code}: ${env.error.message}`), {
          body: env.error,
        });
      return env.result as never;
    },
    async fail(method, input) {
      const env = await core.dispatch(method, input);
      if (env.ok) throw new Error(`${method} was expected to fail but succeeded`);
      return env.error;
    },
  };
}

const emailFor = (name: string) =>
  `${
    name
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '.')
      .replace(/^\.+|\.+$/g, '') || 'x'
  }@example.com`;

export const customer = (name: string, extra: Record<string, unknown> = {}) => ({
  kind: 'customer' as const,
  name,
  email: emailFor(name),
  timeZone: 'Europe/Berlin',
  ...extra,
});

export const integrator = (name: string, extra: Record<string, unknown> = {}) => ({
  kind: 'integrator' as const,
  name,
  email: emailFor(name),
  ...extra,
});
