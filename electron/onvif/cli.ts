// `npm run scan`: find ONVIF devices from a terminal, as the scan screen does.
import { probeAllInterfaces, type DiscoveryOptions } from './discovery.js';
import type { DiscoveredDevice } from './discovered-device.js';

export const SCAN_USAGE =
  'usage: scan [--json] [--range A-B] [--cidr X/24] [--ip ADDR] [--timeout ms] [--interface ADDR]...';

export interface ScanArguments {
  json: boolean;
  options: DiscoveryOptions;
}

export type ParsedScanArguments =
  { ok: true; value: ScanArguments } | { ok: false; message: string };

export function parseScanArguments(argv: string[]): ParsedScanArguments {
  const options: DiscoveryOptions = {};
  const interfaces: string[] = [];
  const targets: string[] = [];
  let json = false;
  for (let i = 0; i < argv.length; i += 1) {
    const flag = argv[i];
    const value = argv[i + 1];
    const needValue = (): string | undefined => {
      i += 1;
      return value;
    };
    switch (flag) {
      case '--json':
        json = true;
        break;
      case '--range':
      case '--cidr':
      case '--ip': {
        const v = needValue();
        if (v === undefined) return { ok: false, message: `${flag} needs a value. ${SCAN_USAGE}` };
        targets.push(v);
        break;
      }
      case '--interface': {
        const v = needValue();
        if (v === undefined)
          return { ok: false, message: `--interface needs an address. ${SCAN_USAGE}` };
        interfaces.push(v);
        break;
      }
      case '--timeout': {
        const v = Number(needValue());
        if (!Number.isFinite(v) || v <= 0)
          return { ok: false, message: `--timeout needs milliseconds. ${SCAN_USAGE}` };
        options.maxDurationMs = v;
        break;
      }
      case '--port': {
        const v = Number(needValue());
        if (!Number.isInteger(v) || v <= 0 || v > 65535)
          return { ok: false, message: `--port needs a UDP port. ${SCAN_USAGE}` };
        options.multicastPort = v;
        options.unicastPort = v;
        break;
      }
      case '--no-multicast':
        options.multicast = false;
        break;
      case '--help':
      case '-h':
        return { ok: false, message: SCAN_USAGE };
      default:
        return { ok: false, message: `Unknown option ${flag}. ${SCAN_USAGE}` };
    }
  }
  if (interfaces.length > 0) options.interfaces = interfaces;
  if (targets.length > 0) options.unicastTargets = targets;
  return { ok: true, value: { json, options } };
}

function hostOf(device: DiscoveredDevice): string {
  const first = device.xaddrs[0];
  if (first === undefined) return '?';
  try {
    return new URL(first).host;
  } catch {
    return first;
  }
}

export function formatDeviceLine(device: DiscoveredDevice): string {
  const name = device.scopes.name ?? '(no name)';
  const model = device.scopes.hardware ?? '(unknown model)';
  return `${hostOf(device).padEnd(22)} ${name.padEnd(28)} ${model.padEnd(18)} via ${device.interfaces.join(', ')}`;
}

export async function runScanCli(
  argv: string[],
  out: (line: string) => void = (l) => process.stdout.write(`${l}\n`),
  err: (line: string) => void = (l) => process.stderr.write(`${l}\n`),
): Promise<number> {
  const parsed = parseScanArguments(argv);
  if (!parsed.ok) {
    err(parsed.message);
    return parsed.message === SCAN_USAGE ? 0 : 2;
  }
  const { json, options } = parsed.value;
  const controller = new AbortController();
  const onSignal = (): void => controller.abort();
  process.once('SIGINT', onSignal);
  try {
    const result = await probeAllInterfaces({
      ...options,
      signal: controller.signal,
      onDevice: (device) =>
        out(json ? JSON.stringify({ type: 'device', device }) : formatDeviceLine(device)),
    });
    for (const error of result.errors) {
      if (json) out(JSON.stringify({ type: 'error', error }));
      else err(`${error.code}: ${error.message}`);
    }
    const summary = {
      type: 'summary',
      devices: result.devices.length,
      probesSent: result.probesSent,
      durationMs: Math.round(result.durationMs),
    };
    out(
      json
        ? JSON.stringify(summary)
        : `${summary.devices} device(s) found, ${summary.probesSent} probes, ${summary.durationMs} ms`,
    );
    return 0;
  } finally {
    process.off('SIGINT', onSignal);
  }
}
