/**
 * v9: `cameras_customer` also holds each camera's `recording`. After every pull that brought
 * changes, the desktop checks whether each camera of the pulled subtree records (its own switch on
 * and its customer not disabled: TenantRepository.recomputeRecording); with `enabled` and
 * `recording` in the index that check reads the index alone and goes to a camera's row only to
 * change it. On a desktop with 500,000 cameras after a first pull it read every camera row:
 * 250 ms → 145 ms with a cold cache, 165 ms → 72 ms warm (bench/sync.bench.ts's desktop). The
 * price: a camera whose `recording` changes rewrites its index entry too. Disabling or enabling
 * an integrator with 100,000 cameras (bench/core.bench.ts, same hour) took 232 / 263 ms before
 * and 332–555 / 427–484 ms after, against a target of 2 s; a pull that brought changes checks
 * far more often than someone disables a whole integrator.
 */
export const migration = {
  version: 9,
  name: 'cameras_recording_index',
  sql: `
DROP INDEX cameras_customer;
CREATE INDEX cameras_customer ON cameras(customer_id, enabled, recording);
`,
};
