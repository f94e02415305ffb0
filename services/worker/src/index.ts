/**
 * @baton/worker — the worker runtime: `startWorker` runs TypeScript task handlers for one queue;
 * `startStockWorker` runs JSON/YAML-defined tasks with the built-in sh and http runners.
 */
export { startWorker, type Worker } from './start-worker.js'
export { startStockWorker, type StockWorker, type StockWorkerOptions } from './stock-worker.js'
export type { WorkerOptions } from './worker-options.js'
export type { TaskContext } from './task-context.js'
export type { TaskHandler } from './runners/executor.js'
export { AbortKind, AttemptAbortedError } from './attempt-abort.js'
export { TaskFailure } from './task-failure.js'
