/**
 * The commands a desktop records in its outbox and the server re-runs: the tenant mutations of the
 * API contract, with the argument schemas of shared/tenancy.ts. A create carries the id the desktop
 * chose (shared/ids.ts), so both sides name the new tenant the same way.
 */
import { z } from 'zod';
import {
  businessSettingsSchema,
  createTenantSchema,
  enableModeSchema,
  moveTenantSchema,
  setModuleSchema,
  updateTenantSchema,
} from '../tenancy';
import { idField } from '../validation';
import { recordDeleteSchema, recordPutSchema, type RecordKind } from './records';

const byId = z.object({ id: idField });

/**
 * An edit carries only the fields that changed. The form schema gives absent text fields a ''
 * default, which here would overwrite (and win, by timestamp) fields nobody touched.
 */
const withoutDefault = <T extends z.ZodType>(s: z.ZodOptional<z.ZodDefault<T>>) =>
  s.unwrap().unwrap().optional();
const u = updateTenantSchema.shape;
const updateArgsSchema = updateTenantSchema.extend({
  contactPerson: withoutDefault(u.contactPerson),
  phone: withoutDefault(u.phone),
  address: withoutDefault(u.address),
  notes: withoutDefault(u.notes),
});

export const commandSchemas = {
  'tenants.create': z.intersection(z.object({ id: idField }), createTenantSchema),
  'tenants.update': updateArgsSchema,
  'tenants.move': moveTenantSchema,
  'tenants.delete': byId,
  'tenants.disable': byId,
  'tenants.enable': z.object({ id: idField, mode: enableModeSchema }),
  'modules.set': setModuleSchema,
  'business.set': z.object({ tenantId: idField, settings: businessSettingsSchema }),
  // Users, roles and cameras (shared/sync/records.ts).
  'records.put': recordPutSchema,
  'records.delete': recordDeleteSchema,
} as const;

export type CommandName = keyof typeof commandSchemas;
export type CommandArgs<C extends CommandName> = z.output<(typeof commandSchemas)[C]>;
export type CommandInput<C extends CommandName> = z.input<(typeof commandSchemas)[C]>;

export const COMMAND_NAMES = Object.keys(commandSchemas) as CommandName[];

export function isCommandName(name: string): name is CommandName {
  return Object.prototype.hasOwnProperty.call(commandSchemas, name);
}

/** A command with its arguments, typed together. */
export type Command = {
  [C in CommandName]: { command: C; args: CommandArgs<C> };
}[CommandName];

/** Commands whose effect reaches the whole subtree of their target (cascades, moves, deletes). */
const SUBTREE_COMMANDS: ReadonlySet<CommandName> = new Set([
  'tenants.move',
  'tenants.delete',
  'tenants.disable',
  'tenants.enable',
]);

/** The tenant a command acts on (for a record command: the record's id). */
export function commandTarget(c: Command): string {
  switch (c.command) {
    case 'modules.set':
    case 'business.set':
      return c.args.tenantId;
    default:
      return c.args.id;
  }
}

/** A row to re-read: a tenant (with its subtree or not), or a record of `kind`. */
export interface RefreshTarget {
  id: string;
  subtree: boolean;
  kind?: RecordKind;
}

/** The rows a client re-reads after the server answered this command (to undo what lost). */
export function commandRefresh(c: Command): RefreshTarget[] {
  if (c.command === 'records.put' || c.command === 'records.delete')
    return [{ id: c.args.id, subtree: false, kind: c.args.kind }];
  const target = { id: commandTarget(c), subtree: SUBTREE_COMMANDS.has(c.command) };
  return c.command === 'tenants.create'
    ? [target, { id: c.args.parentId, subtree: false }]
    : [target];
}

/** Parses a recorded command; null when the name is unknown or the arguments do not fit. */
export function parseCommand(command: string, args: unknown): Command | null {
  if (!isCommandName(command)) return null;
  const parsed = commandSchemas[command].safeParse(args);
  return parsed.success ? ({ command, args: parsed.data } as Command) : null;
}
