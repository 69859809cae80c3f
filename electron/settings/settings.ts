import fs from 'node:fs';
import path from 'node:path';

/** App settings (window bounds, last screen, later the server URL). */
export interface AppSettings {
  windowBounds?: { x?: number; y?: number; width: number; height: number };
  lastScreen?: string;
  serverUrl?: string;
}

/** The small interface both hosts implement: electron-store in Electron, a JSON file in the browser host. */
export interface SettingsStore {
  get<K extends keyof AppSettings>(key: K): AppSettings[K];
  set<K extends keyof AppSettings>(key: K, value: AppSettings[K]): void;
}

/** Settings in a JSON file, written atomically (temp file + rename) so a crash never truncates it. */
export class JsonFileSettings implements SettingsStore {
  private data: AppSettings = {};

  constructor(private readonly file: string) {
    try {
      const parsed = JSON.parse(fs.readFileSync(file, 'utf8')) as unknown;
      if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed))
        this.data = parsed as AppSettings;
    } catch {
      // Missing or unreadable: start from defaults; the next write replaces it.
    }
  }

  get<K extends keyof AppSettings>(key: K): AppSettings[K] {
    return this.data[key];
  }

  set<K extends keyof AppSettings>(key: K, value: AppSettings[K]): void {
    this.data = { ...this.data, [key]: value };
    fs.mkdirSync(path.dirname(this.file), { recursive: true });
    const tmp = `${this.file}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, JSON.stringify(this.data, null, 2), { mode: 0o600 });
    fs.renameSync(tmp, this.file);
  }
}
