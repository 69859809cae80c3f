import { z } from 'zod';
import { CsvSyntaxError, CsvTooManyRecordsError, parseCsv } from './csv';
import { customerDetailsSchema, ROOT_TENANT_ID } from './tenancy';
import { idField } from './validation';

/** Customers from a CSV file: the limits, the columns, and the row-by-row checks. Pure. */

export const IMPORT_MAX_BYTES = 2 * 1024 * 1024;
export const IMPORT_MAX_ROWS = 10_000;
/** Errors listed at most (the rest are counted in one last line). */
export const IMPORT_MAX_ERRORS = 200;

export type ImportField =
  'name' | 'email' | 'contactPerson' | 'phone' | 'address' | 'timeZone' | 'notes';

/** The columns, in the order a template lists them, with the header each one is written as. */
export const IMPORT_COLUMNS: readonly { field: ImportField; header: string; required: boolean }[] =
  [
    { field: 'name', header: 'name', required: true },
    { field: 'email', header: 'email', required: true },
    { field: 'contactPerson', header: 'contact person', required: false },
    { field: 'phone', header: 'phone', required: false },
    { field: 'address', header: 'address', required: false },
    { field: 'timeZone', header: 'time zone', required: true },
    { field: 'notes', header: 'notes', required: false },
  ];

const HEADER_ALIASES: Record<string, ImportField> = {
  name: 'name',
  email: 'email',
  'e mail': 'email',
  'contact person': 'contactPerson',
  contactperson: 'contactPerson',
  phone: 'phone',
  address: 'address',
  'time zone': 'timeZone',
  timezone: 'timeZone',
  notes: 'notes',
};

export const importLabel = (field: string): string =>
  IMPORT_COLUMNS.find((c) => c.field === field)?.header ?? field;

/** UTF-8 size without Node's Buffer (the renderer checks it too). */
export function utf8Bytes(text: string): number {
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) bytes += 1;
    else if (c < 0x800) bytes += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length) {
      const d = text.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        bytes += 4;
        i++;
      } else bytes += 3;
    } else bytes += 3;
  }
  return bytes;
}

export const tooLargeMessage = (bytes: number) =>
  `The file is ${(bytes / 1024 / 1024).toFixed(1)} MiB; import files of at most 2 MiB (split it into smaller files).`;

export const importTenantsSchema = z.object({
  csv: z.string().superRefine((v, ctx) => {
    // Cheap bound first: a string longer than the byte limit in UTF-16 units is over it in UTF-8.
    const bytes = v.length > IMPORT_MAX_BYTES ? v.length : utf8Bytes(v);
    if (bytes > IMPORT_MAX_BYTES) ctx.addIssue({ code: 'custom', message: tooLargeMessage(bytes) });
  }),
  parentId: idField.default(ROOT_TENANT_ID),
});
export type ImportTenantsInput = z.input<typeof importTenantsSchema>;

export const importProblemSchema = z.object({
  /** The file's line (1 is the header); null for the file as a whole. */
  line: z.number().nullable(),
  field: z.string().nullable(),
  message: z.string(),
});
export type ImportProblem = z.infer<typeof importProblemSchema>;

export const importResultSchema = z.object({
  /** Customers created: all rows, or 0 when any problem was found (nothing is imported then). */
  created: z.number(),
  errors: z.array(importProblemSchema),
});
export type ImportResult = z.infer<typeof importResultSchema>;

export type CustomerDetails = z.output<typeof customerDetailsSchema>;

export interface ImportRow {
  line: number;
  values: Partial<Record<ImportField, string>>;
}

export interface ParsedImport {
  columns: ImportField[];
  rows: ImportRow[];
  /** File-level problems (syntax, header, too many rows); the rows are not checked then. */
  errors: ImportProblem[];
}

const problem = (line: number | null, field: string | null, message: string): ImportProblem => ({
  line,
  field,
  message:
    line === null
      ? message
      : `Line ${line}${field ? `, ${importLabel(field)}` : ''}: ${message.replace(/^Line \d+: /, '')}`,
});

const normalizeHeader = (h: string) =>
  h
    .trim()
    .toLowerCase()
    .replace(/[\s_-]+/g, ' ');

/** Reads the file: syntax, header row, row count. Used by the preview and by the import. */
export function readImportFile(text: string): ParsedImport {
  const bytes = utf8Bytes(text);
  if (bytes > IMPORT_MAX_BYTES)
    return { columns: [], rows: [], errors: [problem(null, null, tooLargeMessage(bytes))] };
  let records;
  try {
    records = parseCsv(text, { maxRecords: IMPORT_MAX_ROWS + 1 });
  } catch (err) {
    if (err instanceof CsvSyntaxError)
      return { columns: [], rows: [], errors: [problem(err.line, null, err.message)] };
    if (err instanceof CsvTooManyRecordsError)
      return {
        columns: [],
        rows: [],
        errors: [
          problem(
            null,
            null,
            `The file has more than ${IMPORT_MAX_ROWS.toLocaleString('en-US')} customers; import at most ${IMPORT_MAX_ROWS.toLocaleString('en-US')} at a time (split the file).`,
          ),
        ],
      };
    throw err;
  }
  const [header, ...body] = records;
  if (!header)
    return {
      columns: [],
      rows: [],
      errors: [
        problem(null, null, 'The file is empty: it needs a header row and one customer per line.'),
      ],
    };
  const errors: ImportProblem[] = [];
  const columns: ImportField[] = [];
  const known = IMPORT_COLUMNS.map((c) => c.header).join(', ');
  header.fields.forEach((raw, index) => {
    const name = normalizeHeader(raw);
    const field = HEADER_ALIASES[name];
    if (!field) {
      errors.push(
        problem(
          header.line,
          null,
          name === ''
            ? `column ${index + 1} has no name in the header row. The columns are: ${known}.`
            : `unknown column “${raw.trim()}”. The columns are: ${known} (in any order; only name, email and time zone are required).`,
        ),
      );
    } else if (columns.includes(field)) {
      errors.push(problem(header.line, null, `the column “${raw.trim()}” appears twice.`));
    }
    columns.push(field ?? 'notes');
  });
  for (const c of IMPORT_COLUMNS)
    if (c.required && !columns.includes(c.field))
      errors.push(
        problem(header.line, null, `the header row has no “${c.header}” column (it is required).`),
      );
  if (errors.length) return { columns: [], rows: [], errors };

  const rows: ImportRow[] = [];
  for (const record of body) {
    // Spreadsheets write rows of empty cells below the data: skip them.
    if (record.fields.every((f) => f.trim() === '')) continue;
    if (record.fields.length > columns.length) {
      errors.push(
        problem(
          record.line,
          null,
          `${record.fields.length} values, but the header row has ${columns.length} columns (put a value with a comma in double quotes).`,
        ),
      );
      continue;
    }
    const values: Partial<Record<ImportField, string>> = {};
    columns.forEach((field, k) => {
      values[field] = record.fields[k] ?? '';
    });
    rows.push({ line: record.line, values });
  }
  if (rows.length === 0 && errors.length === 0)
    errors.push(problem(null, null, 'The file has a header row but no customers.'));
  return { columns, rows, errors };
}

/** Checks every row with the customer form's own rules; errors name the line and the field. */
export function validateImportRows(rows: readonly ImportRow[]): {
  customers: { line: number; details: CustomerDetails }[];
  errors: ImportProblem[];
} {
  const customers: { line: number; details: CustomerDetails }[] = [];
  const errors: ImportProblem[] = [];
  for (const row of rows) {
    const parsed = customerDetailsSchema.safeParse(row.values);
    if (parsed.success) {
      customers.push({ line: row.line, details: parsed.data });
      continue;
    }
    const seen = new Set<string>();
    for (const issue of parsed.error.issues) {
      const field = typeof issue.path[0] === 'string' ? issue.path[0] : null;
      const key = field ?? '';
      if (seen.has(key)) continue;
      seen.add(key);
      errors.push(problem(row.line, field, issue.message));
    }
  }
  return { customers, errors };
}

/** At most IMPORT_MAX_ERRORS problems, the rest counted. */
export function capProblems(errors: ImportProblem[]): ImportProblem[] {
  if (errors.length <= IMPORT_MAX_ERRORS) return errors;
  return [
    ...errors.slice(0, IMPORT_MAX_ERRORS),
    problem(null, null, `…and ${errors.length - IMPORT_MAX_ERRORS} more problems.`),
  ];
}
