/**
 * Ids of the rows people create (tenants, cameras, users, roles, alert rules): UUID version 7
 * (RFC 9562 §5.7), a 48-bit Unix time in milliseconds followed by random bits, so that ids made
 * later sort after ids made earlier.
 *
 * Why not version 4 (crypto.randomUUID): every table keys its b-trees by id, on the desktop and
 * on the server. Random ids land anywhere in those trees, so a page of 2,000 new rows changes
 * most of an index's leaves; ids in creation order land at the end. A desktop taking in a
 * subtree of half a million cameras (a first sync) spends most of its time there: docs/sync.md
 * has the figures. Ids made before this change stay as they are (any id the record schema
 * accepts is still accepted); only new rows get ordered ids.
 *
 * Ids from one generator increase strictly (RFC 9562 §6.2, method 1: the 12 bits after the time
 * count ids made in the same millisecond, from a random start; when they run out, or when the
 * clock goes back, the time goes on from the last id's). Ids from different desktops interleave
 * by time and stay unique through their 74 random bits.
 */

/** Fills a byte array with random bytes (crypto.getRandomValues in Node and in the browser). */
export type RandomBytes = (bytes: Uint8Array) => void;

const cryptoRandom: RandomBytes = (bytes) => {
  globalThis.crypto.getRandomValues(bytes);
};

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

/** 2^12: values of the counter that follows the time. */
const COUNTER_SPAN = 0x1000;

/** A version-7 UUID text: time `ms`, the 12-bit `counter`, and 62 bits from `random` (8 bytes). */
export function uuidV7(ms: number, counter: number, random: Uint8Array): string {
  if (!Number.isSafeInteger(ms) || ms < 0 || ms >= 2 ** 48)
    throw new RangeError(`uuidV7: time ${ms} is not a 48-bit count of milliseconds`);
  if (!Number.isInteger(counter) || counter < 0 || counter >= COUNTER_SPAN)
    throw new RangeError(`uuidV7: counter ${counter} is not a 12-bit number`);
  if (random.length < 8) throw new RangeError('uuidV7: 8 random bytes needed');
  const b = new Uint8Array(16);
  // 48 bits of time, big-endian (division: bit operators would cut it to 32 bits).
  let t = ms;
  for (let i = 5; i >= 0; i--) {
    b[i] = t % 256;
    t = Math.floor(t / 256);
  }
  b[6] = 0x70 | (counter >> 8); // version 7, then the counter's top 4 bits
  b[7] = counter & 0xff;
  for (let i = 0; i < 8; i++) b[8 + i] = random[i] ?? 0;
  b[8] = 0x80 | ((b[8] ?? 0) & 0x3f); // variant 10 (RFC 9562 §4.1)
  let s = '';
  for (let i = 0; i < 16; i++) {
    if (i === 4 || i === 6 || i === 8 || i === 10) s += '-';
    s += HEX[b[i] ?? 0];
  }
  return s;
}

const V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

/** The time (ms since 1970) a version-7 id was made at; null for any other id. */
export function idTime(id: string): number | null {
  if (!V7.test(id)) return null;
  return parseInt(id.slice(0, 8) + id.slice(9, 13), 16);
}

/** A generator of strictly increasing version-7 ids (see the file's comment). */
export function createIdGenerator(
  now: () => number = Date.now,
  random: RandomBytes = cryptoRandom,
): () => string {
  let lastMs = -1;
  let counter = 0;
  const bytes = new Uint8Array(10);
  return () => {
    random(bytes);
    const ms = Math.floor(now());
    if (ms > lastMs) {
      lastMs = ms;
      // A random start in the lower half leaves room to count up within the millisecond.
      counter = (((bytes[8] ?? 0) << 8) | (bytes[9] ?? 0)) & 0x7ff;
    } else if (++counter >= COUNTER_SPAN) {
      // Out of counter, or the clock went back: go on from the last id's time.
      lastMs += 1;
      counter = 0;
    }
    return uuidV7(lastMs, counter, bytes);
  };
}

/** A new id for a row a person creates: later ids sort after earlier ones. */
export const newId: () => string = createIdGenerator();
