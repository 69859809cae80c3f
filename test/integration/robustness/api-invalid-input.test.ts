import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { z } from 'zod';
import { apiContract, METHOD_NAMES, type MethodName } from '../../../shared/contract';
import { openTestCore, customer, integrator, type TestCore } from '../../support/core';
import { databaseChecksum } from '../../support/checksum';

/**
 * Every API method gets generated inputs that its schema refuses: each one must come back as a
 * VALIDATION error, and the database must be byte-for-byte unchanged.
 */
interface JsonSchema {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  oneOf?: JsonSchema[];
  anyOf?: JsonSchema[];
  enum?: unknown[];
  const?: unknown;
}

function propertyNames(schema: JsonSchema): string[] {
  const variants = schema.oneOf ?? schema.anyOf ?? [schema];
  return [...new Set(variants.flatMap((v) => Object.keys(v.properties ?? {})))];
}

/** A value of a type the property does not accept. */
function wrongValue(prop: JsonSchema | undefined): unknown {
  const type = Array.isArray(prop?.type) ? prop?.type[0] : prop?.type;
  switch (type) {
    case 'string':
      return 12345;
    case 'number':
    case 'integer':
      return 'not a number';
    case 'boolean':
      return 'yes';
    case 'array':
      return { not: 'an array' };
    case 'object':
      return 'not an object';
    default:
      return Symbol.for('x').toString() === '' ? null : { unexpected: [1, 2, 3] };
  }
}

let core: TestCore;
let before: string;
beforeAll(async () => {
  core = openTestCore();
  const north = await core.call('tenants.create', integrator('North'));
  const c = await core.call('tenants.create', customer('Home', { parentId: north.id }));
  await core.call('cameras.addManual', {
    customerId: c.id,
    name: 'Door',
    streamUrl: 'rtsp://192.0.2.1/a',
  });
  before = databaseChecksum(core.db);
});
afterAll(() => core?.close());

describe('invalid input to every API method', () => {
  it.each(METHOD_NAMES.map((m) => [m]))(
    '%s refuses wrong shapes and wrong types',
    async (method: MethodName) => {
      const schema = apiContract[method].input as z.ZodType;
      const json = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as JsonSchema;
      const props =
        (json.oneOf ?? json.anyOf)
          ? Object.assign({}, ...(json.oneOf ?? json.anyOf ?? []).map((v) => v.properties))
          : (json.properties ?? {});
      const inputs: unknown[] = [null, 42, 'text', [], [{}], true];
      for (const name of propertyNames(json))
        inputs.push({ [name]: wrongValue((props as Record<string, JsonSchema>)[name]) });
      for (const input of inputs) {
        if (schema.safeParse(input).success) continue; // e.g. an empty-input method ignores unknown keys
        const env = await core.dispatch(method, input);
        expect(env.ok, `${method} accepted ${JSON.stringify(input)}`).toBe(false);
        if (!env.ok) expect(env.error.code).toBe('VALIDATION');
      }
      expect(databaseChecksum(core.db)).toBe(before);
    },
  );

  it('random JSON against random methods: whatever the schema refuses is refused and writes nothing', async () => {
    const keys = [
      ...new Set(
        METHOD_NAMES.flatMap((m) =>
          propertyNames(
            z.toJSONSchema(apiContract[m].input as z.ZodType, {
              io: 'input',
              unrepresentable: 'any',
            }) as JsonSchema,
          ),
        ),
      ),
    ];
    const value = fc.oneof(
      fc.jsonValue({ maxDepth: 3 }),
      fc.string({ maxLength: 300 }),
      fc.constantFrom('', 'root', 'customer', 'integrator', -1, Number.MAX_VALUE),
    );
    const input = fc.oneof(
      fc.jsonValue({ maxDepth: 3 }),
      fc.dictionary(fc.constantFrom(...keys), value, { maxKeys: 6 }),
    );
    let refused = 0;
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...METHOD_NAMES), input, async (method, raw) => {
        if ((apiContract[method].input as z.ZodType).safeParse(raw).success) return true;
        refused++;
        const env = await core.dispatch(method, raw);
        return !env.ok && env.error.code === 'VALIDATION';
      }),
      { numRuns: 3000 },
    );
    expect(refused).toBeGreaterThan(1000);
    expect(databaseChecksum(core.db)).toBe(before);
  });
});
