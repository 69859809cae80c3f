// `npm run audit`: npm audit of the production dependencies, failing on high or critical findings.
// Where the registry's advisory endpoint cannot be reached (some mirrors answer it with 405, or
// there is no network) it says that it could not check and exits 0: an unreachable endpoint is not
// a finding. Not part of `npm test`, so CI never depends on the network. Extra arguments go to
// npm audit (e.g. `npm run audit -- --registry https://registry.npmjs.org/`).
//
// Exit codes: 0 no high/critical finding (or could not check), 1 high/critical findings,
// 2 npm audit failed for another reason (no lockfile, npm missing, output not understood).
import { spawnSync } from 'node:child_process';
import path from 'node:path';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const FAIL_AT = ['high', 'critical'];

const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const run = spawnSync(
  npm,
  ['audit', '--omit=dev', '--audit-level=high', '--json', ...process.argv.slice(2)],
  { cwd: root, encoding: 'utf8', timeout: 120_000, maxBuffer: 64 * 1024 * 1024 },
);
if (run.error) {
  console.error(`audit: could not run npm audit (${run.error.message}).`);
  process.exit(2);
}

let report;
try {
  report = JSON.parse(run.stdout);
} catch {
  console.error(`audit: npm audit printed no report (exit ${run.status}).`);
  console.error(run.stderr.trim());
  process.exit(2);
}

const counts = report?.metadata?.vulnerabilities;
if (!counts) {
  // npm's answer when the advisory request failed: {"message": "405 Method Not Allowed - POST
  // …/advisories/bulk", "statusCode": 405} or {"message": "request to … failed, reason: connect
  // ECONNREFUSED …"}; stderr says "audit endpoint returned an error".
  const message = String(report?.message ?? report?.error?.summary ?? '');
  const endpoint =
    /\/security\/advisories/.test(message) ||
    /audit endpoint returned an error/.test(run.stderr) ||
    typeof report?.statusCode === 'number';
  if (endpoint) {
    console.log(`audit: npm audit could not reach the advisory endpoint: ${message}`);
    console.log(
      'audit: could not check the dependencies for known vulnerabilities. Run `npm run audit` where the public registry is reachable; docs/dependencies.md lists the manual review.',
    );
    process.exit(0);
  }
  console.error(`audit: npm audit failed: ${message || run.stderr.trim()}`);
  process.exit(2);
}

const summary = ['critical', 'high', 'moderate', 'low', 'info']
  .map((level) => `${counts[level] ?? 0} ${level}`)
  .join(', ');
console.log(`audit: production dependencies: ${summary}.`);
const serious = Object.values(report.vulnerabilities ?? {}).filter((v) =>
  FAIL_AT.includes(v.severity),
);
for (const v of serious) {
  const advisories = (v.via ?? [])
    .filter((via) => typeof via === 'object')
    .map((via) => `${via.title} (${via.url})`);
  const through = (v.via ?? []).filter((via) => typeof via === 'string');
  console.log(
    `  ${v.severity}: ${v.name}${v.range ? ` ${v.range}` : ''}${advisories.length ? `: ${advisories.join('; ')}` : ''}${through.length ? ` (through ${through.join(', ')})` : ''}`,
  );
}
if (serious.length > 0 || FAIL_AT.some((level) => (counts[level] ?? 0) > 0)) {
  console.log('audit: high or critical vulnerabilities found: update the packages listed above.');
  process.exit(1);
}
console.log('audit: no high or critical vulnerability.');
