import { migration as m0001 } from './0001_tenancy';

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

/** Every migration, in order. A new one is a new numbered file added here. */
export const MIGRATIONS: readonly Migration[] = [m0001];
