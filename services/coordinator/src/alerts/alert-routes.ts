import { readFileSync } from 'node:fs'
import { parse as parseYaml } from 'yaml'
import { z } from 'zod'
import { ValidationError } from '@baton/shared'

/** Where an alert goes. Secrets (webhook URLs, routing keys) live here and are never logged. */
export const ChannelSchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('slack'), url: z.url() }),
  z.strictObject({ type: z.literal('pagerduty'), routingKey: z.string().min(1), url: z.url().default('https://events.pagerduty.com/v2/enqueue'), severity: z.enum(['critical', 'error', 'warning', 'info']).default('error') }),
  z.strictObject({ type: z.literal('webhook'), url: z.url(), headers: z.record(z.string(), z.string()).optional() }),
])
/** A channel. */
export type Channel = z.infer<typeof ChannelSchema>

/** The alert routing file: channels by name, and the channels of each owner (`default` for the rest). */
export const AlertRoutesSchema = z.strictObject({
  channels: z.record(z.string(), ChannelSchema),
  owners: z.record(z.string(), z.array(z.string())),
})
/** Alert routing. */
export type AlertRoutes = z.infer<typeof AlertRoutesSchema>

/** No routing file: alerts are recorded, not sent. */
export const NO_ROUTES: AlertRoutes = { channels: {}, owners: {} }

/** Reads and validates a routing file (YAML or JSON); a mistake names the field. */
export function loadAlertRoutes(path: string | undefined): AlertRoutes {
  if (!path) return NO_ROUTES
  let raw: unknown
  try {
    raw = parseYaml(readFileSync(path, 'utf8'))
  } catch (e) {
    throw new ValidationError([{ path, reason: `cannot read alert routes: ${(e as Error).message.split('\n')[0]}` }], { code: 'ALERT_ROUTES_INVALID' })
  }
  const r = AlertRoutesSchema.safeParse(raw)
  if (!r.success) throw new ValidationError(r.error.issues.map((i) => ({ path: `${path}: ${i.path.join('.')}`, reason: i.message })), { code: 'ALERT_ROUTES_INVALID' })
  for (const [owner, names] of Object.entries(r.data.owners)) {
    for (const n of names) if (!(n in r.data.channels)) throw new ValidationError([{ path: `${path}: owners.${owner}`, reason: `unknown channel '${n}'` }], { code: 'ALERT_ROUTES_INVALID' })
  }
  return r.data
}

/** Channel names for an owner (its own, else `default`). */
export function channelsFor(routes: AlertRoutes, owner: string | null): string[] {
  return (owner && routes.owners[owner]) || routes.owners.default || []
}
