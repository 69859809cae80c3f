/** Command-line options of `npm start` (both hosts). */
export interface StartOptions {
  port: number;
  dataDir: string | undefined;
  open: boolean;
  command: 'serve' | 'backup' | 'restore';
  /** The destination of `backup`, the source of `restore`. */
  backupFile?: string;
}

export function parseStartArgs(argv: readonly string[]): StartOptions {
  const opts: StartOptions = { port: 0, dataDir: undefined, open: true, command: 'serve' };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    const value = () => {
      const [flag, inline] = arg.split('=', 2);
      if (inline !== undefined) return inline;
      const next = argv[++i];
      if (next === undefined) throw new Error(`${flag} needs a value.`);
      return next;
    };
    if (arg === '--port' || arg.startsWith('--port=')) {
      const n = Number(value());
      if (!Number.isInteger(n) || n < 0 || n > 65535)
        throw new Error('--port takes a number from 0 (any free port) to 65535.');
      opts.port = n;
    } else if (arg === '--data-dir' || arg.startsWith('--data-dir=')) {
      opts.dataDir = value();
    } else if (arg === '--no-open') {
      opts.open = false;
    } else if (arg === 'backup') {
      opts.command = 'backup';
      const file = argv[++i];
      if (!file) throw new Error('backup needs a destination file: npm start -- backup FILE');
      opts.backupFile = file;
    } else if (arg === 'restore') {
      opts.command = 'restore';
      const file = argv[++i];
      if (!file) throw new Error('restore needs a backup file: npm start -- restore FILE');
      opts.backupFile = file;
    } else if (arg === '--help' || arg === '-h') {
      throw new Error(
        'usage: npm start -- [--port N] [--data-dir DIR] [--no-open] | backup FILE | restore FILE',
      );
    } else {
      throw new Error(
        `Unknown option ${arg}. usage: npm start -- [--port N] [--data-dir DIR] [--no-open]`,
      );
    }
  }
  return opts;
}
