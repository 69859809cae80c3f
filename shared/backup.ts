import { z } from 'zod';

/** One backup file in the data folder's `backups/`. */
export const backupFileSchema = z.object({
  file: z.string(),
  name: z.string(),
  bytes: z.number().int().nonnegative(),
  createdAt: z.string(),
});
export type BackupFile = z.infer<typeof backupFileSchema>;

export const backupMethods = {
  /** A consistent copy of the database (SQLite online backup) while the app keeps running. */
  'backup.create': { input: z.object({}), output: backupFileSchema },
  /** The backups taken so far, newest first. */
  'backup.list': { input: z.object({}), output: z.array(backupFileSchema) },
} as const;
