import os from 'node:os';
import path from 'node:path';

export const APP_DIR_NAME = 'vms-partner-admin';

/** The per-user data folder: `--data-dir`, then VMS_DATA_DIR, then the platform's usual place. */
export function resolveDataDir(
  options: {
    dataDir?: string | undefined;
    env?: NodeJS.ProcessEnv;
    platform?: NodeJS.Platform;
  } = {},
): string {
  const env = options.env ?? process.env;
  if (options.dataDir) return path.resolve(options.dataDir);
  if (env.VMS_DATA_DIR) return path.resolve(env.VMS_DATA_DIR);
  const home = os.homedir();
  switch (options.platform ?? process.platform) {
    case 'win32':
      return path.join(env.APPDATA ?? path.join(home, 'AppData', 'Roaming'), 'VMS Partner Admin');
    case 'darwin':
      return path.join(home, 'Library', 'Application Support', 'VMS Partner Admin');
    default:
      return path.join(env.XDG_DATA_HOME || path.join(home, '.local', 'share'), APP_DIR_NAME);
  }
}

export const databaseFile = (dataDir: string) => path.join(dataDir, 'vms-admin.sqlite');
