import { useEffect, useState } from 'react';
import type { SmtpSettingsView } from '../../../shared/alerts/rules';
import { ApiError, call, errorMessage } from '../api';
import { Dialog, Field, FormError, TextField } from '../components/ui';
import { useApp } from '../store';

/** The app's SMTP server for alert emails; the password is stored encrypted and never shown. */
export function SmtpDialog({ onClose }: { onClose: () => void }) {
  const toast = useApp((s) => s.toast);
  const [current, setCurrent] = useState<SmtpSettingsView | null>(null);
  const [host, setHost] = useState('');
  const [port, setPort] = useState(587);
  const [security, setSecurity] = useState<'none' | 'starttls' | 'tls'>('starttls');
  const [user, setUser] = useState('');
  const [password, setPassword] = useState('');
  const [from, setFrom] = useState('');
  const [error, setError] = useState<ApiError | null>(null);
  useEffect(() => {
    call('smtp.get', {}).then(
      (s) => {
        if (!s) return;
        setCurrent(s);
        setHost(s.host);
        setPort(s.port);
        setSecurity(s.security);
        setUser(s.user);
        setFrom(s.from);
      },
      (e: unknown) => toast('error', errorMessage(e)),
    );
  }, [toast]);
  const field = (f: string) => error?.fieldMessage(f);
  const save = async () => {
    try {
      await call('smtp.set', {
        host,
        port,
        security,
        user,
        from,
        ...(password !== '' ? { password } : {}),
      });
      toast('success', 'SMTP settings saved.');
      onClose();
    } catch (err) {
      setError(
        err instanceof ApiError
          ? err
          : new ApiError({ code: 'INTERNAL', message: errorMessage(err) }),
      );
    }
  };
  return (
    <Dialog
      title="Email server (SMTP)"
      onClose={onClose}
      testId="smtp-dialog"
      footer={
        <>
          <button type="button" className="button" onClick={onClose}>
            Cancel
          </button>
          <button type="button" className="button primary" onClick={save}>
            Save
          </button>
        </>
      }
    >
      <FormError error={error} />
      <TextField label="Host" required error={field('host')} value={host} onChange={setHost} />
      <div className="inline-fields">
        <Field label="Port" required error={field('port')}>
          {(id, d) => (
            <input
              id={id}
              aria-describedby={d}
              type="number"
              value={port}
              onChange={(e) => setPort(Number(e.target.value))}
            />
          )}
        </Field>
        <Field label="Security">
          {(id) => (
            <select
              id={id}
              value={security}
              onChange={(e) => setSecurity(e.target.value as 'none' | 'starttls' | 'tls')}
            >
              <option value="starttls">STARTTLS (587)</option>
              <option value="tls">TLS (465)</option>
              <option value="none">None (LAN relay)</option>
            </select>
          )}
        </Field>
      </div>
      <TextField label="User" error={field('user')} value={user} onChange={setUser} />
      <TextField
        label="Password"
        hint={current?.hasPassword ? 'Stored encrypted; leave empty to keep it.' : undefined}
        error={field('password')}
        type="password"
        value={password}
        onChange={setPassword}
      />
      <TextField
        label="Sender address"
        required
        error={field('from')}
        value={from}
        onChange={setFrom}
      />
    </Dialog>
  );
}
