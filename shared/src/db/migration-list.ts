import type { Migration } from 'kysely'
import * as m0001 from './migrations/0001_initial.js'
import * as m0002 from './migrations/0002_triggers.js'
import * as m0003 from './migrations/0003_alert_delivery.js'
import * as m0004 from './migrations/0004_archived_workflows.js'
import * as m0005 from './migrations/0005_leases_and_dead_letter_counts.js'
import * as m0006 from './migrations/0006_access_control.js'
import * as m0007 from './migrations/0007_operator_actions.js'
import * as m0008 from './migrations/0008_hot_path.js'
import * as m0009 from './migrations/0009_task_slots.js'
import * as m0010 from './migrations/0010_sub_workflows.js'
import * as m0011 from './migrations/0011_map_instances.js'

/** Every migration in order, by name. Append only. */
export const MIGRATIONS: Record<string, Migration> = {
  '0001_initial': m0001,
  '0002_triggers': m0002,
  '0003_alert_delivery': m0003,
  '0004_archived_workflows': m0004,
  '0005_leases_and_dead_letter_counts': m0005,
  '0006_access_control': m0006,
  '0007_operator_actions': m0007,
  '0008_hot_path': m0008,
  '0009_task_slots': m0009,
  '0010_sub_workflows': m0010,
  '0011_map_instances': m0011,
}

/** The names of every migration `migrateToLatest` (migrate.ts) applies, in order. */
export const MIGRATION_NAMES: readonly string[] = Object.freeze(Object.keys(MIGRATIONS))

