/**
 * The threads that run one of our built bundles (the pull worker, the checkpoint worker:
 * `out/{host,main}/*.cjs`, self-contained). A worker thread takes its process's Node options by
 * default, module loaders included; under a loader such as tsx (development, the tests, the
 * benchmarks) every such thread loaded it again before its first line: ~0.4 s instead of ~0.15 s
 * for the pull worker to start on the 2-core build box, time a first sync waited for. The
 * packaged app and the browser host run without a loader, and nothing changes there.
 */
import { Worker, type WorkerOptions } from 'node:worker_threads';

/** Node options that load modules before the entry point; each takes one value. */
const LOADER_OPTIONS = new Set([
  '--import',
  '--require',
  '-r',
  '--loader',
  '--experimental-loader',
]);

/** Node options without their module loaders (`--import tsx`, `--require=…`, …). */
export function bundleWorkerExecArgv(execArgv: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < execArgv.length; i++) {
    const arg = execArgv[i] as string;
    if (LOADER_OPTIONS.has(arg)) {
      i++; // and its value
      continue;
    }
    const eq = arg.indexOf('=');
    if (eq > 0 && LOADER_OPTIONS.has(arg.slice(0, eq))) continue;
    out.push(arg);
  }
  return out;
}

/**
 * Starts a thread on a built bundle with the process's options minus its module loaders. Node
 * refuses some options when they are given to a thread rather than inherited (V8's and the
 * process's own, such as `--max-old-space-size`): then the thread inherits them all, loaders too,
 * and only starts slower.
 */
export function newBundleWorker(
  file: string,
  options: WorkerOptions,
  execArgv: readonly string[] = process.execArgv,
): Worker {
  const own = bundleWorkerExecArgv(execArgv);
  if (own.length !== execArgv.length) {
    try {
      return new Worker(file, { ...options, execArgv: own });
    } catch (err) {
      if ((err as { code?: unknown } | null)?.code !== 'ERR_WORKER_INVALID_EXEC_ARGV') throw err;
    }
  }
  return new Worker(file, options);
}
