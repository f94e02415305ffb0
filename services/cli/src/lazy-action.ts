/**
 * A commander action whose implementation is imported only when its command runs: the command
 * list (and `--help`, `--version`) loads no database, NATS or telemetry code, and each command
 * loads only its own (docs/operations.md, "CLI start-up").
 */
export function lazyAction<A extends unknown[]>(load: () => Promise<(...args: A) => Promise<void>>): (...args: A) => Promise<void> {
  return async (...args: A) => (await load())(...args)
}
