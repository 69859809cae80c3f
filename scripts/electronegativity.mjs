// Electronegativity scan of the Electron shell (source), the built renderer and package.json.
// Every finding must be fixed or waived with a one-line reason in build/electronegativity-waivers.json.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const outDir = process.env.VMS_OUT_DIR ?? 'out';
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'vms-eneg-'));
fs.cpSync(path.join(root, 'electron', 'shell'), path.join(work, 'shell'), { recursive: true });
fs.cpSync(path.join(root, outDir, 'renderer'), path.join(work, 'renderer'), { recursive: true });
fs.copyFileSync(path.join(root, 'package.json'), path.join(work, 'package.json'));
const csv = path.join(work, 'findings.csv');
const electronVersion = JSON.parse(
  fs.readFileSync(path.join(root, 'node_modules', 'electron', 'package.json'), 'utf8'),
).version;

/** One scan; answers the report's text (or exits when the scanner wrote none). */
function scan() {
  fs.rmSync(csv, { force: true });
  try {
    execFileSync(
      process.execPath,
      [
        path.join(root, 'node_modules', '@doyensec', 'electronegativity', 'dist', 'index.js'),
        '-i',
        work,
        '-r',
        '-v',
        'false',
        '-e',
        electronVersion,
        '-o',
        csv,
      ],
      {
        stdio: ['ignore', 'ignore', 'pipe'],
        timeout: 120_000,
      },
    );
  } catch (err) {
    if (!fs.existsSync(csv)) {
      console.error(
        'electronegativity did not produce a report:',
        err instanceof Error ? err.message : err,
      );
      process.exit(1);
    }
  }
  return fs.readFileSync(csv, 'utf8');
}

const HEADER = 'issue, severity, confidence, filename, location, sample, description, url';
/** A finding's row: its check and its severity, quoted, first. */
const ROW = /^[A-Z_]+,"[A-Z]+",/;
/**
 * The scanner writes the report's header and its rows with two writes it does not order
 * (dist/util/file.js: writeCsvHeader, then writeIssues appending). Now and then (about one scan in
 * four here) the header lands over the start of the first row, and it could as well truncate rows
 * written before it. So a report whose rows are not all well-formed is not read, and the findings
 * are those of two well-formed reports together (a truncated one alone would hide findings).
 */
const reports = [];
for (let attempt = 1; attempt <= 8 && reports.length < 2; attempt++) {
  const [header, ...lines] = scan().trim().split('\n');
  const found = lines.filter(Boolean);
  if (header === HEADER && found.every((row) => ROW.test(row))) reports.push(found);
}
if (reports.length < 2) {
  console.error('electronegativity wrote garbled reports again and again; run it once more.');
  process.exit(1);
}
const rows = [...new Set(reports.flat())];
const waivers = JSON.parse(
  fs.readFileSync(path.join(root, 'build', 'electronegativity-waivers.json'), 'utf8'),
);
const open = [];
for (const row of rows) {
  const [check, severity] = row.split(',');
  // A waiver names a check, or a check at one severity ("CSP_GLOBAL_CHECK:LOW").
  if (!waivers[check] && !waivers[`${check}:${severity?.replace(/"/g, '')}`]) open.push(row);
}
console.log(
  `electronegativity: ${rows.length} finding(s), ${rows.length - open.length} waived with a reason, ${open.length} open`,
);
for (const row of open) console.log(`  OPEN ${row}`);
fs.rmSync(work, { recursive: true, force: true });
process.exit(open.length ? 1 : 0);
