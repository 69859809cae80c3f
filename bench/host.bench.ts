/** Browser host cold start: process spawn to the "Open …" line (listening). */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { atMost, median, type Figures } from './lib';

export async function run(): Promise<Figures> {
  const times: number[] = [];
  for (let i = 0; i < 7; i++) {
    const dir = path.resolve(`bench/.work/cold-${i}`);
    fs.rmSync(dir, { recursive: true, force: true });
    const t0 = performance.now();
    const child = spawn(process.execPath, ['out/host/host.cjs', '--no-open', '--data-dir', dir], {
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('host did not start')), 10_000);
      child.stdout.on('data', (d: Buffer) => {
        if (d.toString().includes('Open http')) {
          clearTimeout(timer);
          resolve();
        }
      });
    });
    times.push(performance.now() - t0);
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
  }
  return { host_cold_start_ms: atMost(median(times), 1000, 'ms') };
}
