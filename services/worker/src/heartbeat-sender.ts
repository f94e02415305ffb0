/** Least time between two heartbeats asked for by a handler (`ctx.heartbeat`). */
const MIN_MANUAL_GAP_MS = 1000

/**
 * Heartbeats of one running attempt: automatic ones every `intervalMs` (heartbeatMs / 3, so two
 * may be lost before the coordinator's heartbeat timeout fires) and manual ones from the
 * handler, throttled to one per second. Publishing failures are swallowed: a missed heartbeat
 * is recovered by the next one, and the handler must not fail because NATS blinked.
 */
export interface HeartbeatSender {
  /** Starts the automatic heartbeats. */
  start(): void
  /** Publishes one heartbeat now (unless throttled or stopped); resolves once published or dropped. */
  beat(details?: Record<string, unknown>): Promise<void>
  /** Stops for good; later `beat` calls do nothing. */
  stop(): void
}

/** Creates the heartbeat sender of one attempt. */
export function createHeartbeatSender(options: { intervalMs: number; send: (details?: Record<string, unknown>) => Promise<void> }): HeartbeatSender {
  let timer: NodeJS.Timeout | undefined
  let stopped = false
  let inFlight = false
  let lastManualAt = -Infinity

  const send = async (details?: Record<string, unknown>): Promise<void> => {
    inFlight = true
    try {
      await options.send(details)
    } catch {
      // Logged by the caller's send; the next heartbeat makes up for it.
    } finally {
      inFlight = false
    }
  }

  return {
    start() {
      if (stopped || timer) return
      timer = setInterval(() => {
        // A heartbeat still waiting for its PubAck means NATS is slow: don't pile more on it.
        if (!inFlight) void send()
      }, Math.max(1, Math.floor(options.intervalMs)))
    },
    async beat(details) {
      if (stopped) return
      const now = Date.now()
      if (now - lastManualAt < MIN_MANUAL_GAP_MS) return
      lastManualAt = now
      await send(details)
    },
    stop() {
      stopped = true
      if (timer) clearInterval(timer)
      timer = undefined
    },
  }
}
