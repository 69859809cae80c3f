const DAYS = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'];
const HOURS = Array.from({ length: 24 }, (_, h) => h);

/** The rule's active week: 7 days × 24 hours; click a cell, a day or an hour to toggle. */
export function ScheduleGrid({
  value,
  onChange,
  error,
}: {
  value: number[];
  onChange: (v: number[]) => void;
  error?: string | undefined;
}) {
  const on = (d: number, h: number) => ((value[d] ?? 0) & (1 << h)) !== 0;
  const set = (cells: Array<[number, number]>, state: boolean) => {
    const next = [...value];
    for (const [d, h] of cells) {
      const bit = 1 << h;
      next[d] = state ? (next[d] ?? 0) | bit : (next[d] ?? 0) & ~bit;
    }
    onChange(next);
  };
  const dayCells = (d: number) => HOURS.map((h): [number, number] => [d, h]);
  const hourCells = (h: number) => DAYS.map((_, d): [number, number] => [d, h]);
  return (
    <div className={`schedule${error ? ' has-error' : ''}`} data-testid="schedule-grid">
      <div className="schedule-row">
        <span className="schedule-day" />
        {HOURS.map((h) => (
          <button
            key={h}
            type="button"
            className="schedule-hour"
            title={`Toggle ${h}:00 on every day`}
            onClick={() => set(hourCells(h), !hourCells(h).every(([d]) => on(d, h)))}
          >
            {h % 3 === 0 ? h : ''}
          </button>
        ))}
      </div>
      {DAYS.map((day, d) => (
        <div className="schedule-row" key={day}>
          <button
            type="button"
            className="schedule-day"
            onClick={() => set(dayCells(d), !dayCells(d).every(([, h]) => on(d, h)))}
          >
            {day}
          </button>
          {HOURS.map((h) => (
            <button
              key={h}
              type="button"
              aria-pressed={on(d, h)}
              aria-label={`${day} ${h}:00`}
              className={`schedule-cell${on(d, h) ? ' on' : ''}`}
              onClick={() => set([[d, h]], !on(d, h))}
            />
          ))}
        </div>
      ))}
      {error && (
        <div className="field-error" role="alert">
          {error}
        </div>
      )}
    </div>
  );
}
