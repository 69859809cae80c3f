import { useState, type FormEvent } from 'react';
import type { Tenant } from '../../../shared/tenancy';
import {
  ALWAYS,
  SYSTEM_TRIGGERS,
  pushNotAllowedReason,
  type AlertRule,
  type AlertSetup,
  type EventFilter,
  type Trigger,
} from '../../../shared/alerts/rules';
import { normalizeTopic } from '../../../shared/alerts/match';
import { ApiError, call, errorMessage } from '../api';
import { Dialog, Field, TextField } from '../components/ui';
import { useApp } from '../store';
import { ScheduleGrid } from './ScheduleGrid';

type SystemType = (typeof SYSTEM_TRIGGERS)[number]['type'];

function asApiError(err: unknown): ApiError {
  return err instanceof ApiError
    ? err
    : new ApiError({ code: 'INTERNAL', message: errorMessage(err) });
}

function systemTrigger(type: SystemType, n: number): Trigger {
  switch (type) {
    case 'camera_offline':
      return { type, afterMinutes: n };
    case 'clock_skew':
      return { type, overSeconds: n };
    default:
      return { type };
  }
}

/** Creates or edits one rule: trigger, cameras, recipients, channel, schedule, digest, interval. */
export function RuleEditor({
  tenant,
  rule,
  setup,
  onSetup,
  onDone,
}: {
  tenant: Tenant;
  rule: AlertRule | null;
  setup: AlertSetup;
  onSetup: (s: AlertSetup) => void;
  onDone: () => void;
}) {
  const toast = useApp((s) => s.toast);
  const initial = rule?.trigger;
  const [name, setName] = useState(rule?.name ?? '');
  const [kind, setKind] = useState<'sensor' | 'system'>(rule?.kind ?? 'sensor');
  const [topic, setTopic] = useState(initial?.type === 'onvif' ? initial.topic : '');
  const [filters, setFilters] = useState<EventFilter[]>(
    initial?.type === 'onvif' ? initial.filters : [],
  );
  const [systemType, setSystemType] = useState<SystemType>(
    initial && initial.type !== 'onvif' && initial.type !== 'analytics'
      ? initial.type
      : 'camera_offline',
  );
  const [systemN, setSystemN] = useState(
    initial?.type === 'camera_offline'
      ? initial.afterMinutes
      : initial?.type === 'clock_skew'
        ? initial.overSeconds
        : 5,
  );
  const [cameras, setCameras] = useState<'all' | string[]>(rule?.cameras ?? []);
  const [recipientIds, setRecipientIds] = useState<string[]>(rule?.recipientIds ?? []);
  const [channel, setChannel] = useState<'email' | 'push'>(rule?.channel ?? 'email');
  const [schedule, setSchedule] = useState<number[]>(rule?.schedule ?? ALWAYS);
  const [digestMinutes, setDigest] = useState(rule?.digestMinutes ?? 0);
  const [minIntervalSeconds, setMinInterval] = useState(rule?.minIntervalSeconds ?? 60);
  const [enabled, setEnabled] = useState(rule?.enabled ?? true);
  const [error, setError] = useState<ApiError | null>(null);
  const [confirmDelete, setConfirmDelete] = useState(false);
  const [reading, setReading] = useState(false);

  const trigger: Trigger =
    kind === 'sensor' ? { type: 'onvif', topic, filters } : systemTrigger(systemType, systemN);
  const pushReason = pushNotAllowedReason(trigger);
  const chosenTopic = setup.topics.find((t) => normalizeTopic(t.topic) === normalizeTopic(topic));
  const cameraName = (id: string) => setup.cameras.find((c) => c.id === id)?.name ?? id;
  const fieldMsg = (f: string) =>
    error?.fields.find((x) => x.field === f || x.field.startsWith(`${f}.`))?.message;

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const body = {
      name,
      trigger,
      cameras,
      recipientIds,
      channel,
      schedule,
      digestMinutes,
      minIntervalSeconds,
      enabled,
    };
    try {
      if (rule) await call('alerts.update', { id: rule.id, ...body });
      else await call('alerts.create', { customerId: tenant.id, ...body });
      toast('success', `Alert rule ${name.trim()} saved.`);
      onDone();
    } catch (err) {
      setError(asApiError(err));
    }
  };

  const readTopics = async () => {
    setReading(true);
    try {
      onSetup(await call('alerts.readTopics', { customerId: tenant.id }));
    } catch (err) {
      toast('error', errorMessage(err));
    } finally {
      setReading(false);
    }
  };

  const toggle = (list: string[], id: string) =>
    list.includes(id) ? list.filter((x) => x !== id) : [...list, id];

  return (
    <form className="alerts alert-editor" onSubmit={submit} noValidate data-testid="rule-editor">
      <button type="button" className="link back" onClick={onDone}>
        ← All rules
      </button>
      <div className="card">
        <div className="editor-head">
          <h2>{rule ? `Rule ${rule.name}` : 'New alert rule'}</h2>
          <div className="header-actions">
            {rule && (
              <>
                <button
                  type="button"
                  className="button"
                  onClick={() =>
                    call('alerts.test', { id: rule.id }).then(
                      () => toast('success', 'A sample notification was queued.'),
                      (err: unknown) => toast('error', errorMessage(err)),
                    )
                  }
                >
                  Test
                </button>
                <button
                  type="button"
                  className="button danger-outline"
                  onClick={() => setConfirmDelete(true)}
                >
                  Delete…
                </button>
              </>
            )}
            <button type="button" className="button" onClick={onDone}>
              Cancel
            </button>
            <button type="submit" className="button primary">
              {rule ? 'Save rule' : 'Create rule'}
            </button>
          </div>
        </div>
        {error && (
          <div className="alert alert-error" role="alert">
            {error.message}
          </div>
        )}
        <div className="inline-fields">
          <TextField
            label="Rule name"
            required
            error={fieldMsg('name')}
            value={name}
            onChange={setName}
          />
          <label>
            <input
              type="checkbox"
              checked={enabled}
              onChange={(e) => setEnabled(e.target.checked)}
            />{' '}
            Enabled
          </label>
        </div>

        <div className="section">
          <h3>Trigger</h3>
          <div className="check-list">
            <label>
              <input type="radio" checked={kind === 'sensor'} onChange={() => setKind('sensor')} />
              Sensor (camera event)
            </label>
            <label>
              <input type="radio" checked={kind === 'system'} onChange={() => setKind('system')} />
              System
            </label>
          </div>
          {kind === 'sensor' ? (
            <>
              <div className="toolbar">
                <span className="muted small">
                  Topics the cameras offer (ONVIF GetEventProperties).
                </span>
                <button type="button" className="button" onClick={readTopics} disabled={reading}>
                  {reading ? 'Reading…' : 'Read topics from cameras'}
                </button>
              </div>
              <div className="topic-list" data-testid="topic-list">
                {setup.topics.length === 0 && <span className="muted">No topics read yet.</span>}
                {setup.topics.map((t) => (
                  <label
                    key={t.topic}
                    className={`topic-option${t === chosenTopic ? ' chosen' : ''}`}
                  >
                    <input
                      type="radio"
                      checked={t === chosenTopic}
                      onChange={() => {
                        setTopic(t.topic);
                        const [first] = t.dataItems;
                        setFilters(
                          first && /boolean/i.test(first.type)
                            ? [{ item: first.name, value: 'true' }]
                            : [],
                        );
                      }}
                    />
                    <span>{normalizeTopic(t.topic)}</span>
                    <span className="muted small">
                      offered by{' '}
                      {t.cameraIds.length === setup.cameras.length
                        ? 'all cameras'
                        : t.cameraIds.map(cameraName).join(', ')}
                    </span>
                  </label>
                ))}
              </div>
              {fieldMsg('trigger') && <div className="field-error">{fieldMsg('trigger')}</div>}
              {chosenTopic && chosenTopic.dataItems.length > 0 && (
                <div className="inline-fields">
                  {chosenTopic.dataItems.map((item) => {
                    const f = filters.find((x) => x.item === item.name);
                    return (
                      <Field key={item.name} label={`${item.name} (${item.type})`}>
                        {(id) => (
                          <select
                            id={id}
                            value={f?.value ?? ''}
                            onChange={(e) =>
                              setFilters([
                                ...filters.filter((x) => x.item !== item.name),
                                ...(e.target.value
                                  ? [{ item: item.name, value: e.target.value }]
                                  : []),
                              ])
                            }
                          >
                            <option value="">any</option>
                            <option value="true">true</option>
                            <option value="false">false</option>
                          </select>
                        )}
                      </Field>
                    );
                  })}
                </div>
              )}
            </>
          ) : (
            <div className="inline-fields">
              <Field label="System event">
                {(id) => (
                  <select
                    id={id}
                    value={systemType}
                    onChange={(e) => setSystemType(e.target.value as SystemType)}
                  >
                    {SYSTEM_TRIGGERS.map((s) => (
                      <option key={s.type} value={s.type}>
                        {s.label}
                      </option>
                    ))}
                  </select>
                )}
              </Field>
              {(systemType === 'camera_offline' || systemType === 'clock_skew') && (
                <Field label={systemType === 'camera_offline' ? 'No answer for (min)' : 'Over (s)'}>
                  {(id) => (
                    <input
                      id={id}
                      type="number"
                      min={1}
                      value={systemN}
                      onChange={(e) => setSystemN(Number(e.target.value))}
                    />
                  )}
                </Field>
              )}
            </div>
          )}
        </div>

        <div className="section">
          <h3>Cameras</h3>
          <label>
            <input
              type="checkbox"
              checked={cameras === 'all'}
              onChange={(e) => setCameras(e.target.checked ? 'all' : [])}
            />{' '}
            All cameras (including ones added later)
          </label>
          {cameras !== 'all' && (
            <div className="check-list">
              {setup.cameras.map((c) => (
                <label key={c.id}>
                  <input
                    type="checkbox"
                    checked={cameras.includes(c.id)}
                    onChange={() => setCameras(toggle(cameras, c.id))}
                  />
                  {c.name}
                  {kind === 'sensor' && chosenTopic && !chosenTopic.cameraIds.includes(c.id) && (
                    <span className="muted small">(does not offer this topic)</span>
                  )}
                </label>
              ))}
            </div>
          )}
          {fieldMsg('cameras') && <div className="field-error">{fieldMsg('cameras')}</div>}
        </div>

        <div className="section">
          <h3>Recipients</h3>
          <div className="check-list">
            {setup.users.map((u) => (
              <label key={u.id}>
                <input
                  type="checkbox"
                  checked={recipientIds.includes(u.id)}
                  onChange={() => setRecipientIds(toggle(recipientIds, u.id))}
                />
                {u.name} <span className="muted small">{u.login}</span>
              </label>
            ))}
          </div>
          {fieldMsg('recipientIds') && (
            <div className="field-error">{fieldMsg('recipientIds')}</div>
          )}
        </div>

        <div className="section">
          <h3>Channel</h3>
          <div className="check-list">
            <label>
              <input
                type="radio"
                checked={channel === 'email'}
                onChange={() => setChannel('email')}
              />
              Email
            </label>
            <label title={pushReason ?? undefined}>
              <input
                type="radio"
                checked={channel === 'push'}
                disabled={pushReason !== null || !setup.pushAllowed}
                onChange={() => setChannel('push')}
              />
              Push
            </label>
          </div>
          {pushReason && <div className="muted small">{pushReason}</div>}
          {fieldMsg('channel') && <div className="field-error">{fieldMsg('channel')}</div>}
        </div>

        <div className="section">
          <h3>Active schedule ({tenant.timeZone})</h3>
          <ScheduleGrid value={schedule} onChange={setSchedule} error={fieldMsg('schedule')} />
        </div>

        <div className="section inline-fields">
          <Field label="Digest (min, 0 = one email per event)" error={fieldMsg('digestMinutes')}>
            {(id) => (
              <input
                id={id}
                type="number"
                min={0}
                value={digestMinutes}
                onChange={(e) => setDigest(Number(e.target.value))}
              />
            )}
          </Field>
          <Field label="Minimum interval per camera (s)" error={fieldMsg('minIntervalSeconds')}>
            {(id) => (
              <input
                id={id}
                type="number"
                min={0}
                value={minIntervalSeconds}
                onChange={(e) => setMinInterval(Number(e.target.value))}
              />
            )}
          </Field>
        </div>
      </div>
      {confirmDelete && rule && (
        <Dialog
          title={`Delete rule ${rule.name}?`}
          onClose={() => setConfirmDelete(false)}
          footer={
            <>
              <button type="button" className="button" onClick={() => setConfirmDelete(false)}>
                Cancel
              </button>
              <button
                type="button"
                className="button danger"
                onClick={() =>
                  call('alerts.delete', { id: rule.id }).then(onDone, (err: unknown) =>
                    toast('error', errorMessage(err)),
                  )
                }
              >
                Delete
              </button>
            </>
          }
        >
          Its history stays; no more notifications are sent for it.
        </Dialog>
      )}
    </form>
  );
}
