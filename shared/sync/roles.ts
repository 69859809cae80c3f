/**
 * Server accounts: who may do what, and where. An account is bound to one node of the tenant tree
 * and sees and changes only that node's subtree; its role limits the commands it may push.
 */
import { z } from 'zod';
import type { Command } from './commands';

export const accountRoleSchema = z.enum(['administrator', 'installer', 'support', 'customer']);
export type AccountRole = z.infer<typeof accountRoleSchema>;

export const ROLE_LABEL: Record<AccountRole, string> = {
  administrator: 'Administrator',
  installer: 'Installer',
  support: 'Read-only support',
  customer: 'Customer user',
};

/**
 * What a role may push. Installers onboard customers (create, edit, module switches, and the
 * customers' users, roles and cameras) but do not restructure the tree or switch tenants off;
 * support staff and customer users only read.
 */
export function roleAllows(role: AccountRole, c: Command): boolean {
  switch (role) {
    case 'administrator':
      return true;
    case 'installer':
      return (
        (c.command === 'tenants.create' && c.args.kind === 'customer') ||
        c.command === 'tenants.update' ||
        c.command === 'modules.set' ||
        c.command === 'records.put' ||
        c.command === 'records.delete'
      );
    default:
      return false;
  }
}

/** Whether `path` lies in the subtree of `scopePath` (the scope node included). */
export const inSubtree = (path: string, scopePath: string) => path.startsWith(scopePath);
/** Whether `path` lies strictly below `scopePath`. */
export const belowNode = (path: string, scopePath: string) =>
  path.startsWith(scopePath) && path !== scopePath;
