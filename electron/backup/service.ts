import fs from 'node:fs';
import path from 'node:path';
import type { Db } from '../db/connection';
import type { BackupFile } from '../../shared/backup';

export const backupsDir = (dataDir: string) => path.join(dataDir, 'backups');
const BACKUP_NAME = /^vms-admin-\d{8}T\d{6}\d{3}Z\.sqlite$/;

/** `vms-admin-20261127T110538123Z.sqlite`: sorts by time, safe in every file system. */
export function backupName(at: Date): string {
  return `vms-admin-${at.toISOString().replace(/[-:.]/g, '')}.sqlite`;
}

/**
 * Backups from the UI: consistent copies taken with SQLite's online backup API while the app keeps
 * writing, into `<data folder>/backups`. The sealed secrets inside (camera logins, SMTP password)
 * stay encrypted with the data folder's key file, which is not copied: a backup restores on this
 * device's data folder.
 */
export class BackupService {
  constructor(
    private readonly db: Db,
    private readonly dataDir: string,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async create(): Promise<BackupFile> {
    const dir = backupsDir(this.dataDir);
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    fs.chmodSync(dir, 0o700);
    const createdAt = this.now();
    const file = path.join(dir, backupName(createdAt));
    // Written under a temporary name with 0600 from the start, then renamed: the list never shows
    // a half-written backup, and no other user can read one in between.
    const partial = `${file}.partial`;
    fs.writeFileSync(partial, '', { mode: 0o600 });
    try {
      await this.db.backup(partial);
      fs.chmodSync(partial, 0o600);
      fs.renameSync(partial, file);
    } catch (err) {
      fs.rmSync(partial, { force: true });
      throw err;
    }
    return describe(file, createdAt);
  }

  /** The backups in the folder, newest first. */
  list(): BackupFile[] {
    let names: string[];
    try {
      names = fs.readdirSync(backupsDir(this.dataDir));
    } catch {
      return [];
    }
    return names
      .filter((n) => BACKUP_NAME.test(n))
      .sort()
      .reverse()
      .map((n) => {
        const file = path.join(backupsDir(this.dataDir), n);
        return describe(file, fs.statSync(file).mtime);
      });
  }
}

function describe(file: string, createdAt: Date): BackupFile {
  return {
    file,
    name: path.basename(file),
    bytes: fs.statSync(file).size,
    createdAt: createdAt.toISOString(),
  };
}
