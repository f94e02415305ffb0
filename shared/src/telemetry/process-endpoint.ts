import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { PrometheusExporter } from '@opentelemetry/exporter-prometheus'
import { liveness, readiness } from './health.js'

/**
 * The HTTP endpoint of a coordinator or worker process (the metrics port): `/metrics` for
 * Prometheus, `/healthz` for liveness (the process answers, so its event loop is not stuck, and
 * no liveness check fails) and
 * `/readyz` for readiness (every registered dependency check passes; 503 with the failing
 * checks otherwise). One server, so a pod needs one port for scraping and probes.
 */
export async function serveProcessEndpoint(exporter: PrometheusExporter, host: string, port: number): Promise<Server> {
  const server = createServer((request, response) => {
    route(exporter, request, response).catch(() => {
      if (!response.headersSent) response.writeHead(500)
      response.end()
    })
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, host, () => {
      server.off('error', reject)
      resolve()
    })
  })
  return server
}

async function route(exporter: PrometheusExporter, request: IncomingMessage, response: ServerResponse): Promise<void> {
  const path = (request.url ?? '/').split('?')[0]
  if (request.method !== 'GET' && request.method !== 'HEAD') return send(response, 405, { error: 'only GET' })
  if (path === '/metrics') return exporter.getMetricsRequestHandler(request, response)
  if (path === '/healthz') {
    const report = await liveness()
    return send(response, report.status === 'ready' ? 200 : 503, { status: report.status === 'ready' ? 'ok' : 'failing', checks: report.checks })
  }
  if (path === '/readyz') {
    const report = await readiness()
    return send(response, report.status === 'ready' ? 200 : 503, report)
  }
  send(response, 404, { error: 'not found: this port serves /metrics, /healthz and /readyz' })
}

function send(response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' })
  response.end(JSON.stringify(body))
}

/** Closes the endpoint (open keep-alive connections included). */
export async function closeProcessEndpoint(server: Server): Promise<void> {
  server.closeAllConnections()
  await new Promise<void>((resolve) => server.close(() => resolve()))
}
