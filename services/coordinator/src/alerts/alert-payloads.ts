import { traceIdForRun } from '@baton/shared'
import type { Channel } from './alert-routes.js'

/** An alert as stored, for rendering. */
export interface StoredAlert {
  id: number
  kind: string
  cause_key: string | null
  workflow: string | null
  partition: string | null
  run_id: string | null
  owner: string | null
  count: number
  details: unknown
  created_at: Date | string
}

/** Links shown with an alert. */
export interface AlertLinks {
  runUrl?: string
  traceUrl?: string
}

function links(a: StoredAlert, l: AlertLinks): { run?: string; trace?: string } {
  if (!a.run_id) return {}
  const traceId = traceIdForRun(a.run_id)
  return {
    ...(l.runUrl ? { run: l.runUrl.replace('{runId}', a.run_id) } : {}),
    ...(l.traceUrl ? { trace: l.traceUrl.replace('{traceId}', traceId) } : {}),
  }
}

/** The generic webhook body: the alert as JSON. */
export function webhookBody(a: StoredAlert, action: string, l: AlertLinks): Record<string, unknown> {
  const d = (a.details ?? {}) as Record<string, unknown>
  return {
    action: action === 'resolve' ? 'resolved' : 'firing',
    kind: a.kind,
    cause: a.cause_key,
    owner: a.owner,
    workflow: a.workflow,
    partition: a.partition,
    runId: a.run_id,
    traceId: a.run_id ? traceIdForRun(a.run_id) : null,
    count: a.count,
    summary: d.summary,
    details: d,
    links: links(a, l),
    firstAt: new Date(a.created_at).toISOString(),
  }
}

/** The HTTP request for one delivery on one channel. */
export function renderDelivery(channel: Channel, a: StoredAlert, action: string, l: AlertLinks): { url: string; headers: Record<string, string>; body: unknown } {
  const json = { 'content-type': 'application/json' }
  const d = (a.details ?? {}) as { summary?: string; error?: { message?: string }; lastLines?: string[]; sample?: unknown }
  const lk = links(a, l)
  if (channel.type === 'pagerduty') {
    return {
      url: channel.url,
      headers: json,
      body: {
        routing_key: channel.routingKey,
        event_action: action === 'resolve' ? 'resolve' : 'trigger',
        dedup_key: a.cause_key ?? `alert-${a.id}`,
        ...(action === 'resolve'
          ? {}
          : {
              payload: { summary: (d.summary ?? a.kind).slice(0, 1024), source: `baton/${a.workflow ?? 'baton'}`, severity: channel.severity, component: a.workflow ?? undefined, group: a.owner ?? undefined, class: a.kind, custom_details: webhookBody(a, action, l) },
              links: [...(lk.run ? [{ href: lk.run, text: 'Run' }] : []), ...(lk.trace ? [{ href: lk.trace, text: 'Trace' }] : [])],
            }),
      },
    }
  }
  if (channel.type === 'slack') {
    const lines =
      action === 'resolve'
        ? [`:white_check_mark: resolved: ${d.summary ?? a.kind}`]
        : [
            `:rotating_light: *${a.kind.replace(/_/g, ' ')}* — ${d.summary ?? ''}${a.count > 1 ? ` (×${a.count})` : ''}`,
            `owner: ${a.owner ?? '-'} · workflow: ${a.workflow ?? '-'} · partition: ${a.partition ?? '-'} · run: ${a.run_id ?? '-'}`,
            ...(d.lastLines?.length ? ['```', ...d.lastLines, '```'] : []),
            ...(d.sample ? [`sample: \`${JSON.stringify(d.sample).slice(0, 1500)}\``] : []),
            ...(lk.run ? [`<${lk.run}|run>`] : []),
            ...(lk.trace ? [`<${lk.trace}|trace>`] : []),
          ]
    return { url: channel.url, headers: json, body: { text: lines.join('\n') } }
  }
  return { url: channel.url, headers: { ...json, ...(channel.headers ?? {}) }, body: webhookBody(a, action, l) }
}
