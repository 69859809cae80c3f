import { migration as m0001 } from './0001_tenancy';
import { migration as m0002 } from './0002_people';
import { migration as m0003 } from './0003_cameras';
import { migration as m0004 } from './0004_sync';
import { migration as m0005 } from './0005_list_performance';
import { migration as m0006 } from './0006_alerts';
import { migration as m0007 } from './0007_search_bulk_import';
import { migration as m0008 } from './0008_sync_bulk_snapshot';
import { migration as m0009 } from './0009_cameras_recording_index';
import { migration as m0010 } from './0010_deferred_indexes';

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

/** Every migration, in order. A new one is a new numbered file added here. */
export const MIGRATIONS: readonly Migration[] = [
  m0001,
  m0002,
  m0003,
  m0004,
  m0005,
  m0006,
  m0007,
  m0008,
  m0009,
  m0010,
];
