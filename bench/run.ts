/**
 * `npm run bench`: runs every benchmark, prints a table, writes bench/results.json
 * (`{ "name": { "value": n, "unit": "ms" } }`). Speed targets are checked here, not in tests.
 * `npm run bench -- core ui` runs only the named groups.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Figures } from './lib';

const groups: Record<string, () => Promise<{ run: () => Promise<Figures> }>> = {
  host: () => import('./host.bench'),
  core: () => import('./core.bench'),
  ui: () => import('./ui.bench'),
  people: () => import('./people.bench'),
  alerts: () => import('./alerts.bench'),
  sync: () => import('./sync.bench'),
};

const onvifBench = path.resolve('bench/onvif/discovery.bench.ts');
if (fs.existsSync(onvifBench)) groups.onvif = () => import('./onvif/discovery.bench');

const wanted = process.argv.slice(2).filter((a) => !a.startsWith('-'));
const resultsFile = path.resolve('bench/results.json');
const previous = fs.existsSync(resultsFile)
  ? (JSON.parse(fs.readFileSync(resultsFile, 'utf8')) as Figures)
  : {};
const all: Figures = { ...previous };

for (const [name, load] of Object.entries(groups)) {
  if (wanted.length && !wanted.includes(name)) continue;
  console.error(`bench: ${name}…`);
  try {
    const figures = await (await load()).run();
    delete all[`${name}_failed`];
    Object.assign(all, figures);
  } catch (err) {
    // One failing group does not lose the others' figures; the failure is in the table.
    console.error(`bench: ${name} failed:`, err);
    all[`${name}_failed`] = {
      value: 1,
      unit: String(err instanceof Error ? err.message.split('\n')[0] : err),
    };
  }
}

const rows = Object.entries(all).map(([name, f]) => [
  name,
  `${f.value} ${f.unit}`,
  f.target ?? '',
  f.ok === undefined ? '' : f.ok ? 'ok' : 'MISSED',
]);
const widths = [0, 1, 2, 3].map((i) =>
  Math.max(
    ...rows.map((r) => (r[i] ?? '').length),
    ['benchmark', 'value', 'target', ''][i]?.length ?? 0,
  ),
);
const line = (r: string[]) => r.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ');
console.log(line(['benchmark', 'value', 'target', '']));
console.log(widths.map((w) => '-'.repeat(w)).join('  '));
for (const r of rows) console.log(line(r));
fs.writeFileSync(
  resultsFile,
  `${JSON.stringify(Object.fromEntries(Object.entries(all).map(([k, f]) => [k, { value: f.value, unit: f.unit, ...(f.target ? { target: f.target, ok: f.ok } : {}) }])), null, 2)}\n`,
);
console.error(`bench: wrote ${path.relative(process.cwd(), resultsFile)}`);
