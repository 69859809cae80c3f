import { useState } from 'react';
import {
  IMPORT_COLUMNS,
  IMPORT_MAX_BYTES,
  IMPORT_MAX_ROWS,
  importLabel,
  readImportFile,
  tooLargeMessage,
  type ImportProblem,
  type ParsedImport,
} from '../../../shared/tenant-import';
import { call } from '../api';
import { Dialog, Field } from '../components/ui';
import { useApp } from '../store';

const PREVIEW_ROWS = 5;

interface Loaded {
  name: string;
  text: string;
  parsed: ParsedImport;
}

/** Customers → Import CSV…: pick a file, see the first rows and the count, import all or nothing. */
export function ImportDialog(props: {
  parentId: string;
  onClose: () => void;
  onImported: (count: number) => void;
}) {
  const scopes = useApp((s) => s.scopes);
  const toast = useApp((s) => s.toast);
  const parents = scopes.filter((s) => s.status === 'active');
  const [parentId, setParentId] = useState(
    parents.some((p) => p.id === props.parentId) ? props.parentId : (parents[0]?.id ?? 'root'),
  );
  const [file, setFile] = useState<Loaded | null>(null);
  const [problems, setProblems] = useState<ImportProblem[]>([]);
  const [busy, setBusy] = useState(false);

  const pick = async (picked: File | undefined) => {
    setFile(null);
    setProblems([]);
    if (!picked) return;
    if (picked.size > IMPORT_MAX_BYTES) {
      setProblems([{ line: null, field: null, message: tooLargeMessage(picked.size) }]);
      return;
    }
    const text = await picked.text();
    const parsed = readImportFile(text);
    setFile({ name: picked.name, text, parsed });
    setProblems(parsed.errors);
  };

  const runImport = async () => {
    if (!file) return;
    setBusy(true);
    try {
      const result = await call('tenants.import', { csv: file.text, parentId });
      if (result.errors.length) setProblems(result.errors);
      else {
        toast(
          'success',
          `${result.created.toLocaleString()} ${result.created === 1 ? 'customer was' : 'customers were'} imported.`,
        );
        props.onImported(result.created);
      }
    } catch (err) {
      setProblems([
        { line: null, field: null, message: err instanceof Error ? err.message : String(err) },
      ]);
    } finally {
      setBusy(false);
    }
  };

  const rows = file?.parsed.rows ?? [];
  const columns = file?.parsed.columns ?? [];
  const ready = file !== null && file.parsed.errors.length === 0 && rows.length > 0;

  return (
    <Dialog
      title="Import customers from CSV"
      onClose={props.onClose}
      testId="import-dialog"
      wide
      footer={
        <>
          <button type="button" className="button" onClick={props.onClose}>
            Cancel
          </button>
          <button
            type="button"
            className="button primary"
            disabled={!ready || busy || problems.length > 0}
            onClick={() => void runImport()}
            data-testid="import-run"
          >
            {busy
              ? 'Importing…'
              : `Import${ready ? ` ${rows.length.toLocaleString()} ${rows.length === 1 ? 'customer' : 'customers'}` : ''}`}
          </button>
        </>
      }
    >
      <p className="muted">
        A header row, then one customer per line. Columns (any order, any case):{' '}
        {IMPORT_COLUMNS.map((c, i) => (
          <span key={c.field}>
            {i > 0 && ', '}
            {c.required ? <strong>{c.header}</strong> : c.header}
          </span>
        ))}
        ; the ones in bold are required. At most 2 MiB and {IMPORT_MAX_ROWS.toLocaleString()}{' '}
        customers. If any line has a problem, nothing is imported.
      </p>
      {parents.length > 1 && (
        <Field label="Under">
          {(id) => (
            <select
              id={id}
              value={parentId}
              onChange={(e) => {
                setParentId(e.target.value);
                setProblems(file?.parsed.errors ?? []);
              }}
            >
              {parents.map((p) => (
                <option key={p.id} value={p.id}>
                  {p.kind === 'root' ? `${p.name} (partner)` : p.name}
                </option>
              ))}
            </select>
          )}
        </Field>
      )}
      <Field label="CSV file">
        {(id) => (
          <input
            id={id}
            type="file"
            accept=".csv,text/csv"
            data-testid="import-file"
            onChange={(e) => {
              const picked = e.target.files?.[0];
              // Choosing the same (fixed) file again must read it again.
              e.target.value = '';
              void pick(picked);
            }}
          />
        )}
      </Field>

      {ready && (
        <>
          <p data-testid="import-count">
            <strong>{file.name}</strong>: {rows.length.toLocaleString()}{' '}
            {rows.length === 1 ? 'customer' : 'customers'}
            {rows.length > PREVIEW_ROWS ? `; the first ${PREVIEW_ROWS}:` : ':'}
          </p>
          <table className="simple-table" data-testid="import-preview">
            <thead>
              <tr>
                <th scope="col">Line</th>
                {columns.map((c) => (
                  <th key={c} scope="col">
                    {importLabel(c)}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {rows.slice(0, PREVIEW_ROWS).map((r) => (
                <tr key={r.line}>
                  <td className="muted">{r.line}</td>
                  {columns.map((c) => (
                    <td key={c}>{r.values[c]}</td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}

      {problems.length > 0 && (
        <div className="alert alert-error" role="alert" data-testid="import-errors">
          <strong>
            {problems.length === 1 ? 'A problem' : `${problems.length} problems`}; nothing was
            imported. Fix the file and choose it again.
          </strong>
          <ul className="plain-list">
            {problems.map((p, i) => (
              <li key={i}>{p.message}</li>
            ))}
          </ul>
        </div>
      )}
    </Dialog>
  );
}
