/**
 * CSV as RFC 4180 writes it, and as spreadsheets export it: comma-separated, fields optionally in
 * double quotes (a quote inside doubled, commas and line breaks allowed inside), records ended by
 * CRLF, LF or CR, an optional UTF-8 byte order mark. Pure: no Node imports (the renderer previews
 * with it, the core imports with it).
 */

export interface CsvRecord {
  /** The 1-based line of the text where the record starts (quoted line breaks count). */
  line: number;
  fields: string[];
}

export class CsvSyntaxError extends Error {
  constructor(
    readonly line: number,
    message: string,
  ) {
    super(`Line ${line}: ${message}`);
    this.name = 'CsvSyntaxError';
  }
}

export interface CsvParseOptions {
  /** Stop with an error once more records than this are read (the header counts). */
  maxRecords?: number;
}

export class CsvTooManyRecordsError extends Error {
  constructor(readonly maxRecords: number) {
    super(`More than ${maxRecords} records.`);
    this.name = 'CsvTooManyRecordsError';
  }
}

const BOM = '\uFEFF';

/**
 * Parses CSV text into records. Empty lines are skipped (a record of one empty quoted field, `""`,
 * is kept). A quote may open a field only at its start; text after a closing quote other than a
 * comma or a line break, and a quote left open at the end, are errors naming the line.
 */
export function parseCsv(text: string, options: CsvParseOptions = {}): CsvRecord[] {
  const max = options.maxRecords ?? Number.POSITIVE_INFINITY;
  const records: CsvRecord[] = [];
  let i = text.startsWith(BOM) ? 1 : 0;
  const n = text.length;
  let line = 1;

  while (i < n) {
    const start = line;
    // An empty line: skip it.
    const c0 = text.charCodeAt(i);
    if (c0 === 10 || c0 === 13) {
      i += c0 === 13 && text.charCodeAt(i + 1) === 10 ? 2 : 1;
      line++;
      continue;
    }
    const fields: string[] = [];
    for (;;) {
      let value: string;
      if (text.charCodeAt(i) === 34) {
        // Quoted field.
        const quoteLine = line;
        i++;
        let out = '';
        let from = i;
        for (;;) {
          const q = text.indexOf('"', i);
          if (q === -1) throw new CsvSyntaxError(quoteLine, 'a quoted field is not closed.');
          line += countLineBreaks(text, i, q);
          if (text.charCodeAt(q + 1) === 34) {
            out += text.slice(from, q + 1);
            i = q + 2;
            from = i;
            continue;
          }
          out += text.slice(from, q);
          i = q + 1;
          break;
        }
        value = out;
        const next = text.charCodeAt(i);
        if (i < n && next !== 44 && next !== 10 && next !== 13)
          throw new CsvSyntaxError(
            line,
            'a closing quote must be followed by a comma or the end of the line (write a quote inside a quoted field as "").',
          );
      } else {
        let j = i;
        while (j < n) {
          const c = text.charCodeAt(j);
          if (c === 44 || c === 10 || c === 13) break;
          j++;
        }
        value = text.slice(i, j);
        i = j;
      }
      fields.push(value);
      if (i >= n) break;
      const c = text.charCodeAt(i);
      if (c === 44) {
        i++;
        continue;
      }
      // A line break ends the record.
      i += c === 13 && text.charCodeAt(i + 1) === 10 ? 2 : 1;
      line++;
      break;
    }
    records.push({ line: start, fields });
    if (records.length > max) throw new CsvTooManyRecordsError(max);
  }
  return records;
}

function countLineBreaks(text: string, from: number, to: number): number {
  let count = 0;
  for (let k = from; k < to; k++) {
    const c = text.charCodeAt(k);
    if (c === 10) count++;
    else if (c === 13 && text.charCodeAt(k + 1) !== 10) count++;
  }
  return count;
}

const NEEDS_QUOTES = /[",\r\n]|^\uFEFF/;

/** One field as CSV: quoted when it holds a quote, comma or line break. */
export function formatCsvField(value: string): string {
  return NEEDS_QUOTES.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

/** Records as CSV text, CRLF line ends; `parseCsv(formatCsv(rows))` gives the rows back. */
export function formatCsv(rows: readonly (readonly string[])[]): string {
  return rows
    .map((fields) =>
      // A record of one empty field would be an empty line, which parseCsv skips.
      fields.length === 1 && fields[0] === '' ? '""' : fields.map(formatCsvField).join(','),
    )
    .map((line) => `${line}\r\n`)
    .join('');
}
