import fs from 'node:fs';
import path from 'node:path';

/**
 * Which processes have the data folder's database open: each serving host (browser host or
 * Electron shell) writes `running/<pid>` at start and removes it at stop. Several hosts may share
 * a folder (two windows on one database), so it is a folder of pid files rather than one lock.
 * A file left by a killed process is stale: its pid no longer answers signal 0.
 */
const runningDir = (dataDir: string) => path.join(dataDir, 'running');

export function registerRunningInstance(dataDir: string, pid = process.pid): () => void {
  fs.mkdirSync(runningDir(dataDir), { recursive: true, mode: 0o700 });
  const file = path.join(runningDir(dataDir), String(pid));
  fs.writeFileSync(file, `${pid}\n`, { mode: 0o600 });
  return () => fs.rmSync(file, { force: true });
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: the process exists but belongs to another user.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The pids of live hosts on this data folder; stale files are removed on the way. */
export function runningInstances(dataDir: string): number[] {
  let names: string[];
  try {
    names = fs.readdirSync(runningDir(dataDir));
  } catch {
    return [];
  }
  const live: number[] = [];
  for (const name of names) {
    const pid = Number(name);
    if (!Number.isInteger(pid) || pid <= 0) continue;
    if (pid !== process.pid && isAlive(pid)) live.push(pid);
    else if (pid !== process.pid) fs.rmSync(path.join(runningDir(dataDir), name), { force: true });
  }
  return live;
}
