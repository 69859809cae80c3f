import { AppError } from '../../shared/errors';
import {
  capProblems,
  importLabel,
  readImportFile,
  validateImportRows,
  type ImportProblem,
  type ImportResult,
} from '../../shared/tenant-import';
import type { TenancyService } from './service';

/**
 * `tenants.import`: customers from CSV text, all or nothing. The file is read and every row
 * checked first (with the customer form's own rules); then one transaction creates them all, and
 * a refusal there (a name already taken, the parent disabled) is reported against its line.
 */
export function importCustomers(
  tenancy: TenancyService,
  input: { csv: string; parentId: string },
): ImportResult {
  const file = readImportFile(input.csv);
  if (file.errors.length) return { created: 0, errors: capProblems(file.errors) };
  const { customers, errors } = validateImportRows(file.rows);
  if (errors.length) return { created: 0, errors: capProblems(errors) };
  try {
    const ids = tenancy.createMany(
      customers.map((c) => ({ kind: 'customer' as const, parentId: input.parentId, ...c.details })),
    );
    return { created: ids.length, errors: [] };
  } catch (err) {
    if (!(err instanceof AppError)) throw err;
    return { created: 0, errors: [createManyProblem(err, customers)] };
  }
}

function createManyProblem(
  err: AppError,
  customers: readonly { line: number; details: { name: string } }[],
): ImportProblem {
  const field = err.fields?.[0];
  const m = field ? /^entries\.(\d+)\.(.+)$/.exec(field.field) : null;
  const entry = m ? Number(m[1]) : entryFromMessage(err.message);
  const line = entry === null ? null : (customers[entry]?.line ?? null);
  const name = m?.[2] ?? null;
  // The parent's problems (gone, a customer, disabled) are the whole file's.
  if (name === 'parentId' || err.code === 'PARENT_DISABLED' || line === null)
    return { line: null, field: null, message: stripEntry(field?.message ?? err.message) };
  const message = stripEntry(field?.message ?? err.message);
  return {
    line,
    field: name,
    message: `Line ${line}${name ? `, ${importLabel(name)}` : ''}: ${message}`,
  };
}

function entryFromMessage(message: string): number | null {
  const m = /^Entry (\d+) /.exec(message);
  return m ? Number(m[1]) - 1 : null;
}

/** createMany's message names the entry; the import names the line instead. */
function stripEntry(message: string): string {
  return message.replace(/^Entry \d+ \(.*?\): /s, '').replace(/ Nothing was imported\.$/, '');
}
