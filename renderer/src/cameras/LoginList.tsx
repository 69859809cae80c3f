import type { CameraCredentials } from '../../../shared/cameras';

export const MAX_LOGINS = 5;

/** A short list of camera logins, tried in order on each camera. */
export function LoginList(props: {
  logins: CameraCredentials[];
  onChange: (logins: CameraCredentials[]) => void;
  error?: string | undefined;
  max?: number;
}) {
  const { logins, onChange } = props;
  const max = props.max ?? MAX_LOGINS;
  const set = (i: number, patch: Partial<CameraCredentials>) =>
    onChange(logins.map((l, j) => (j === i ? { ...l, ...patch } : l)));
  return (
    <fieldset className="field plain-fieldset" aria-describedby="login-hint">
      <legend className="field-legend">{max > 1 ? 'Camera logins' : 'Camera login'}</legend>
      {logins.map((l, i) => (
        <div className="login-row" key={i}>
          <input
            aria-label={`User name ${i + 1}`}
            placeholder="User name"
            autoComplete="off"
            value={l.username}
            onChange={(e) => set(i, { username: e.target.value })}
          />
          <input
            aria-label={`Password ${i + 1}`}
            placeholder="Password"
            type="password"
            autoComplete="new-password"
            value={l.password}
            onChange={(e) => set(i, { password: e.target.value })}
          />
          {logins.length > 1 ? (
            <button
              type="button"
              className="icon-button"
              aria-label={`Remove login ${i + 1}`}
              onClick={() => onChange(logins.filter((_, j) => j !== i))}
            >
              ×
            </button>
          ) : (
            <span />
          )}
        </div>
      ))}
      {props.error ? (
        <div className="field-error" role="alert">
          {props.error}
        </div>
      ) : (
        <div className="field-hint" id="login-hint">
          {max > 1
            ? 'Tried in order on each camera; the first that works is stored, encrypted.'
            : 'Stored encrypted; never shown again.'}
        </div>
      )}
      {max > 1 && logins.length < max && (
        <button
          type="button"
          className="link"
          onClick={() => onChange([...logins, { username: 'admin', password: '' }])}
        >
          + Try another login
        </button>
      )}
    </fieldset>
  );
}
