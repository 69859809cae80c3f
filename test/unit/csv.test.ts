import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  CsvSyntaxError,
  CsvTooManyRecordsError,
  formatCsv,
  parseCsv,
  type CsvRecord,
} from '../../shared/csv';
import { readImportFile, validateImportRows } from '../../shared/tenant-import';

const fields = (records: CsvRecord[]) => records.map((r) => r.fields);

describe('parseCsv', () => {
  it('reads plain, quoted and empty fields', () => {
    expect(fields(parseCsv('a,b,c\n1,,3\n'))).toEqual([
      ['a', 'b', 'c'],
      ['1', '', '3'],
    ]);
    expect(fields(parseCsv('"a,1","say ""hi""",\n'))).toEqual([['a,1', 'say "hi"', '']]);
    expect(fields(parseCsv('x'))).toEqual([['x']]);
    expect(fields(parseCsv(''))).toEqual([]);
  });

  it('handles CRLF, LF and CR line ends, a BOM, and blank lines', () => {
    expect(fields(parseCsv('\uFEFFname,email\r\nA,a@x.io\r\n\r\nB,b@x.io\rC,c@x.io'))).toEqual([
      ['name', 'email'],
      ['A', 'a@x.io'],
      ['B', 'b@x.io'],
      ['C', 'c@x.io'],
    ]);
  });

  it('keeps line breaks inside quotes and reports the line each record starts on', () => {
    const records = parseCsv('h1,h2\r\n"multi\r\nline\nnote",x\r\n\r\nlast,y\r\n');
    expect(records).toEqual([
      { line: 1, fields: ['h1', 'h2'] },
      { line: 2, fields: ['multi\r\nline\nnote', 'x'] },
      { line: 6, fields: ['last', 'y'] },
    ]);
  });

  it('refuses an unclosed quote and text after a closing quote, naming the line', () => {
    expect(() => parseCsv('a\n"open,b\nc')).toThrow(CsvSyntaxError);
    expect(() => parseCsv('a\n"open,b\nc')).toThrow(/^Line 2: a quoted field is not closed/);
    expect(() => parseCsv('a\nb\n"x"y,z')).toThrow(/^Line 3: a closing quote/);
  });

  it('stops at maxRecords', () => {
    expect(() => parseCsv('a\nb\nc\n', { maxRecords: 2 })).toThrow(CsvTooManyRecordsError);
    expect(parseCsv('a\nb\n', { maxRecords: 2 })).toHaveLength(2);
  });

  it('round-trips: parseCsv(formatCsv(rows)) gives the rows back', () => {
    const char = fc.constantFrom('a', 'Z', ' ', ',', '"', '\r', '\n', 'é', '\uFEFF', '😀', '\t');
    const field = fc.oneof(
      fc.string(),
      fc.string({ unit: char, maxLength: 12 }),
      fc.constantFrom('', '""', '\r\n', ',', 'a"b'),
    );
    const rows = fc.array(fc.array(field, { minLength: 1, maxLength: 6 }), { maxLength: 8 });
    fc.assert(
      fc.property(rows, (rs) => {
        expect(fields(parseCsv(formatCsv(rs)))).toEqual(rs);
        // With a BOM, LF line ends and no final line break too.
        const lf = rs.map((r) => formatCsv([r]).slice(0, -2)).join('\n');
        expect(fields(parseCsv(`\uFEFF${lf}`))).toEqual(rs);
      }),
      { numRuns: 2000 },
    );
  });

  it('never throws anything but its own errors on arbitrary text', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 200 }), (text) => {
        try {
          parseCsv(text);
        } catch (err) {
          expect(err).toBeInstanceOf(CsvSyntaxError);
        }
      }),
      { numRuns: 2000 },
    );
  });
});

describe('readImportFile + validateImportRows', () => {
  it('accepts headers in any case and order, and names line and field in errors', () => {
    const file = readImportFile(
      'Time Zone,NAME,E-mail,notes\r\nEurope/Berlin,Bakery,bakery@example.com,"first, floor"\r\nUTC,Kiosk,not-an-email,\r\n',
    );
    expect(file.errors).toEqual([]);
    expect(file.rows.map((r) => r.line)).toEqual([2, 3]);
    const { customers, errors } = validateImportRows(file.rows);
    expect(customers.map((c) => c.details.notes)).toEqual(['first, floor']);
    expect(errors).toEqual([
      {
        line: 3,
        field: 'email',
        message: 'Line 3, email: Enter an email address like name@example.com.',
      },
    ]);
  });

  it('refuses unknown and missing columns with a clear message', () => {
    expect(readImportFile('name,email,time zone,fax\nA,a@b.io,UTC,1\n').errors[0]?.message).toBe(
      'Line 1: unknown column “fax”. The columns are: name, email, contact person, phone, address, time zone, notes (in any order; only name, email and time zone are required).',
    );
    expect(readImportFile('name,email\nA,a@b.io\n').errors[0]?.message).toMatch(
      /no “time zone” column/,
    );
    expect(readImportFile('').errors[0]?.message).toMatch(/empty/);
    expect(readImportFile('name,email,time zone\n').errors[0]?.message).toMatch(/no customers/);
  });
});
