/**
 * The threads that run our built bundles (electron/app/bundle-worker.ts): they take the process's
 * Node options without the module loaders a bundle does not need, in every spelling Node takes;
 * a real thread reports the options it got, and one whose remaining options Node refuses for a
 * thread still starts (inheriting them all).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Worker } from 'node:worker_threads';
import { afterAll, describe, expect, it } from 'vitest';
import { bundleWorkerExecArgv, newBundleWorker } from '../../electron/app/bundle-worker';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vms-bundle-worker-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
/** A bundle that reports the Node options its thread runs with. */
const reporter = path.join(dir, 'report.cjs');
fs.writeFileSync(
  reporter,
  "require('node:worker_threads').parentPort.postMessage(process.execArgv);\n",
);

function reported(worker: Worker): Promise<string[]> {
  return new Promise<string[]>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('the thread did not report')), 10_000);
    worker.once('message', (argv: string[]) => {
      clearTimeout(timer);
      void worker.terminate();
      resolve(argv);
    });
    worker.once('error', reject);
  });
}

describe('bundleWorkerExecArgv', () => {
  it('drops module loaders with their values and keeps every other option', () => {
    expect(
      bundleWorkerExecArgv([
        '--import',
        'tsx',
        '--enable-source-maps',
        '--require=./hook.cjs',
        '-r',
        'dotenv/config',
        '--max-old-space-size=512',
        '--loader',
        'ts-node/esm',
        '--experimental-loader=./x.mjs',
        '--import=tsx',
        '--inspect',
      ]),
    ).toEqual(['--enable-source-maps', '--max-old-space-size=512', '--inspect']);
  });

  it('leaves options without loaders as they are', () => {
    expect(bundleWorkerExecArgv([])).toEqual([]);
    expect(bundleWorkerExecArgv(['--trace-warnings', '--no-warnings'])).toEqual([
      '--trace-warnings',
      '--no-warnings',
    ]);
    expect(bundleWorkerExecArgv(['--imports-are-fine', '--required'])).toEqual([
      '--imports-are-fine',
      '--required',
    ]);
  });
});

describe('newBundleWorker', () => {
  it('starts a real thread without the loaders of its process', async () => {
    const argv = await reported(
      newBundleWorker(reporter, {}, ['--import', 'tsx', '--trace-warnings', '--require=x.cjs']),
    );
    expect(argv).toEqual(['--trace-warnings']);
  });

  it('lets a thread inherit everything when Node refuses what is left for a thread', async () => {
    // --stack-size is V8's: Node takes it for a process, not given to a thread.
    const argv = await reported(
      newBundleWorker(reporter, {}, ['--import', 'tsx', '--stack-size=900']),
    );
    expect(argv).toEqual(process.execArgv);
  });

  it('lets a thread of a process without loaders inherit its options as Node does', async () => {
    const argv = await reported(newBundleWorker(reporter, {}, ['--trace-warnings']));
    expect(argv).toEqual(process.execArgv);
  });
});
