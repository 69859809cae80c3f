// `npx tsx scripts/scan.ts [--json] [--range A-B] [--cidr X/24] [--timeout ms] [--interface ADDR]`
// Finds ONVIF cameras on every IPv4 interface (see docs/onvif.md).
import { runScanCli } from '../electron/onvif/cli.js';

runScanCli(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : String(error));
    process.exit(1);
  },
);
