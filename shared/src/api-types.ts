/**
 * Types of Baton's HTTP API (paths, request and answer bodies), generated from its OpenAPI
 * document by scripts/generate-api-types.ts with openapi-typescript. Do not edit: run
 * `node --conditions=baton-source --import tsx scripts/generate-api-types.ts` after changing a
 * route (test/integration/api-types.test.ts fails while this file is stale).
 */

export interface paths {
    "/alerts": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Alerts with their deliveries per channel, most recent first */
        get: {
            parameters: {
                query?: {
                    limit?: number;
                    /** @description Raised or repeated at or after */
                    since?: string;
                    /** @description firing (open), resolved or expired */
                    status?: "firing" | "resolved" | "expired";
                    workflow?: string;
                };
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            items: components["schemas"]["Alert"][];
                        };
                    };
                };
                /** @description Default Response */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Default Response */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Default Response */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Default Response */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/audit": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The audit log, newest first: every action, every denied or unauthenticated attempt, token changes and admin reads */
        get: {
            parameters: {
                query?: {
                    /** @description e.g. run.retry, token.create */
                    action?: string;
                    /** @description token:<name>, oidc:<subject>, cli:<user> or anonymous */
                    actor?: string;
                    /** @description Only lines older than this id */
                    before?: string;
                    limit?: number;
                    result?: "ok" | "denied" | "failed" | "unauthenticated";
                    /** @description At or after */
                    since?: string;
                    /** @description Before */
                    until?: string;
                };
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            items: components["schemas"]["AuditLine"][];
                            /** @description Pass as `before` for the next page; null on the last */
                            nextCursor: string | null;
                        };
                    };
                };
                /** @description Default Response */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Default Response */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Default Response */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Default Response */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/backfills": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Backfills with their progress, newest first */
        get: {
            parameters: {
                query?: {
                    limit?: number;
                    workflow?: string;
                };
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            items: components["schemas"]["Backfill"][];
                        };
                    };
                };
                /** @description Default Response */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Default Response */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Default Response */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Default Response */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        put?: never;
        /** Start a backfill: one run per partition in [from, to], at most `concurrency` at once */
        post: {
            parameters: {
                query?: {
                    /** @description Seconds to wait for a coordinator to apply the action (0: answer 202 at once) */
                    wait?: number;
                };
                header?: {
                    "idempotency-key"?: string;
                };
                path?: never;
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": {
                        /** @default 4 */
                        concurrency?: number;
                        from: string;
                        params?: {
                            [key: string]: unknown;
                        };
                        /**
                         * @description missing: partitions never run; failed: also those whose latest run failed or was cancelled; all: every partition without an active run
                         * @default missing
                         * @enum {string}
                         */
                        rerun?: "missing" | "failed" | "all";
                        to: string;
                        workflow: string;
                    };
                };
            };
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["BackfillActionResult"];
                    };
                };
                /** @description Default Response */
                202: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["BackfillActionResult"];
                    };
                };
                /** @description Default Response */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Default Response */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Default Response */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Default Response */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Default Response */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/backfills/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** A backfill with its progress (runs by status) */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Backfill"];
                    };
                };
                /** @description Default Response */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Default Response */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Default Response */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Default Response */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/backfills/{id}/cancel": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Cancel a backfill: its queued and running runs are cancelled */
        post: {
            parameters: {
                query?: {
                    /** @description Seconds to wait for a coordinator to apply the action (0: answer 202 at once) */
                    wait?: number;
                };
                header?: {
                    "idempotency-key"?: string;
                };
                path: {
                    id: string;
                };
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": {
                        reason?: string;
                    };
                };
            };
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["BackfillActionResult"];
                    };
                };
                /** @description Default Response */
                202: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["BackfillActionResult"];
                    };
                };
                /** @description Default Response */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Default Response */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Default Response */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Default Response */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Default Response */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/backfills/{id}/rerun": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Rerun a backfill: a new backfill over the same workflow, range, concurrency and params; `rerun` (default failed) picks the partitions */
        post: {
            parameters: {
                query?: {
                    /** @description Seconds to wait for a coordinator to apply the action (0: answer 202 at once) */
                    wait?: number;
                };
                header?: {
                    "idempotency-key"?: string;
                };
                path: {
                    id: string;
                };
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": {
                        /**
                         * @default failed
                         * @enum {string}
                         */
                        rerun?: "missing" | "failed" | "all";
                    };
                };
            };
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["BackfillActionResult"];
                    };
                };
                /** @description Default Response */
                202: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["BackfillActionResult"];
                    };
                };
                /** @description Default Response */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Default Response */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Default Response */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Default Response */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Default Response */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/dead-letters": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Messages the coordinator could not apply, newest first (an unscoped grant only: they belong to no workflow) */
        get: {
            parameters: {
                query?: {
                    limit?: number;
                    since?: string;
                };
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            items: {
                                count: number;
                                id: string;
                                /** Format: date-time */
                                lastAt: string;
                                msgId: string | null;
                                payload: string;
                                reason: string;
                                /** Format: date-time */
                                receivedAt: string;
                                subject: string;
                            }[];
                        };
                    };
                };
                /** @description Default Response */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Default Response */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Default Response */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Default Response */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/events": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Live run, task and alert changes as Server-Sent Events, resumable with Last-Event-ID
         * @description A `text/event-stream`: each event is `event: run|task|alert`, `id:` (its position) and `data:` (JSON: a TransitionEvent or an AlertEvent). Send the last `id:` received as `Last-Event-ID` (EventSource does it on reconnect) or `?lastEventId=` to resume with nothing lost or repeated, on any replica, after a restart. A comment line every 15 s keeps the connection alive; it may carry an `id:` alone, the position past events the filters skipped. A scoped caller receives the events of the workflows it may read. A client that does not keep up is sent `event: reconnect` and dropped.
         */
        get: {
            parameters: {
                query?: {
                    /** @description For clients that cannot set the `Last-Event-ID` header (the header wins when both are sent) */
                    lastEventId?: string;
                    /** @description Only events of this run */
                    run?: string;
                    /** @description Only these kinds (repeatable: `?type=run&type=task`); default all */
                    type?: ("run" | "task" | "alert") | ("run" | "task" | "alert")[];
                    /** @description Only events of this workflow */
                    workflow?: string;
                };
                header?: {
                    /** @description The `id:` of the last event received: the stream resumes right after it */
                    "last-event-id"?: string;
                };
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description text/event-stream */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "text/event-stream": string;
                    };
                };
                /** @description Default Response */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "text/event-stream": components["schemas"]["Error"];
                    };
                };
                /** @description Default Response */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "text/event-stream": components["schemas"]["Error"];
                    };
                };
                /** @description Default Response */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "text/event-stream": components["schemas"]["Error"];
                    };
                };
                /** @description Default Response */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "text/event-stream": components["schemas"]["Error"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/freshness": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Freshness of each active workflow’s data: complete, partial, failed, stale or unknown, and what is missing */
        get: {
            parameters: {
                query?: {
                    owner?: string;
                    state?: "complete" | "partial" | "failed" | "stale" | "unknown";
                    workflow?: string;
                };
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            items: components["schemas"]["Freshness"][];
                        };
                    };
                };
                /** @description Default Response */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Default Response */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Default Response */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Default Response */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/healthz": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The process is up */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @enum {string} */
                            status: "ok";
                        };
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/landings": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Source landings, newest first */
        get: {
            parameters: {
                query?: {
                    cursor?: string;
                    limit?: number;
                    partition?: string;
                    /** @description Received at or after */
                    since?: string;
                    source?: string;
                };
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            items: {
                                eventId: string;
                                id: number;
                                /** Format: date-time */
                                landedAt: string;
                                meta: unknown;
                                partition: string | null;
                                /** Format: date-time */
                                receivedAt: string;
                                source: string;
                                uri: string | null;
                            }[];
                            nextCursor: string | null;
                        };
                    };
                };
                /** @description Default Response */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Default Response */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Default Response */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Default Response */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/me": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Who the caller is: its name, kind, grants, and the permissions it holds on every workflow */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description Permissions held on every workflow (unscoped grants): tokens and audit need admin */
                            allowed: ("read" | "trigger" | "cancel" | "retry" | "clear" | "pause" | "backfill" | "approve" | "mark" | "archive" | "deploy" | "tokens" | "audit" | "pools")[];
                            grants: {
                                owner?: string;
                                role: string;
                                workflows?: string;
                            }[];
                            groups: string[];
                            id: string;
                            /** @enum {string} */
                            kind: "token" | "oidc";
                            name: string;
                        };
                    };
                };
                /** @description Default Response */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Default Response */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Default Response */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Default Response */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/pools": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Every pool with its size, the slots held now and the attempts waiting for it */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            items: components["schemas"]["Pool"][];
                        };
                    };
                };
                /** @description Default Response */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Default Response */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Default Response */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Default Response */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/pools/{name}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        /** Create or resize a pool; refused when a deployed task asks for more slots than the new size. Shrinking takes no slot back: it admits no more until the pool is below its size */
        put: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    name: string;
                };
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": {
                        description?: string;
                        fairShare?: boolean;
                        slots: number;
                        weights?: {
                            [key: string]: number;
                        };
                    };
                };
            };
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Pool"];
                    };
                };
                /** @description Default Response */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Default Response */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Default Response */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Default Response */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        post?: never;
        /** Delete a pool: refused while a deployed task names it or an attempt holds or waits for it */
        delete: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    name: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @enum {boolean} */
                            deleted: true;
                            name: string;
                        };
                    };
                };
                /** @description Default Response */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Default Response */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Default Response */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Default Response */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/readyz": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Postgres and NATS answer and migrations are applied */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            checks: {
                                migrations: {
                                    error?: string;
                                    ok: boolean;
                                    pending: string[];
                                    /** @description Applied by a newer Baton: reported, not a reason to be unready */
                                    unknown: string[];
                                };
                                nats: {
                                    error?: string;
                                    ok: boolean;
                                };
                                postgres: {
                                    error?: string;
                                    ok: boolean;
                                };
                            };
                            /** @enum {string} */
                            status: "ready" | "not_ready";
                        };
                    };
                };
                /** @description Default Response */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            checks: {
                                migrations: {
                                    error?: string;
                                    ok: boolean;
                                    pending: string[];
                                    /** @description Applied by a newer Baton: reported, not a reason to be unready */
                                    unknown: string[];
                                };
                                nats: {
                                    error?: string;
                                    ok: boolean;
                                };
                                postgres: {
                                    error?: string;
                                    ok: boolean;
                                };
                            };
                            /** @enum {string} */
                            status: "ready" | "not_ready";
                        };
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/runs": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Runs the caller may read, newest first (created_at desc, id desc), a page at a time
         * @description Filters combine (AND); `status` may be repeated (`?status=failed&status=cancelled`). Pass `nextCursor` back as `cursor` for the next page: the order is stable, so a page never repeats or skips a run created before the first one was read.
         */
        get: {
            parameters: {
                query?: {
                    /** @description `nextCursor` of the previous page */
                    cursor?: string;
                    limit?: number;
                    /** @description Only runs of workflows with this owner */
                    owner?: string;
                    partition?: string;
                    /** @description Created at or after */
                    since?: string;
                    status?: ("queued" | "running" | "succeeded" | "failed" | "cancelled") | ("queued" | "running" | "succeeded" | "failed" | "cancelled")[];
                    trigger?: "manual" | "api" | "cron" | "readiness" | "late_data" | "backfill";
                    /** @description Created before */
                    until?: string;
                    workflow?: string;
                };
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            items: components["schemas"]["RunSummary"][];
                            /** @description Pass as `cursor` for the next page; null on the last page */
                            nextCursor: string | null;
                        };
                    };
                };
                /** @description Default Response */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Default Response */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Default Response */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Default Response */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        put?: never;
        /** Trigger a run; params are validated against the workflow’s params schema; the idempotency key makes a repeat the same run */
        post: {
            parameters: {
                query?: {
                    /** @description Seconds to wait for a coordinator to apply the action (0: answer 202 at once) */
                    wait?: number;
                };
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": {
                        idempotencyKey?: string;
                        /** @default {} */
                        params?: {
                            [key: string]: unknown;
                        };
                        partition?: string;
                        workflow: string;
                    };
                };
            };
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["TriggerResult"];
                    };
                };
                /** @description Default Response */
                201: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["TriggerResult"];
                    };
                };
                /** @description Default Response */
                202: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["TriggerResult"];
                    };
                };
                /** @description Default Response */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Default Response */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Default Response */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Default Response */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Default Response */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/runs/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** A run with its tasks and their attempts: status, times, queue wait, worker, output, error, check verdict, inputs; the trace id and link */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["RunDetails"];
                    };
                };
                /** @description Default Response */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Default Response */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Default Response */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Default Response */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/runs/{id}/cancel": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Cancel a run: queued and running tasks are cancelled, running attempts told to stop */
        post: {
            parameters: {
                query?: {
                    /** @description Seconds to wait for a coordinator to apply the action (0: answer 202 at once) */
                    wait?: number;
                };
                header?: {
                    "idempotency-key"?: string;
                };
                path: {
                    id: string;
                };
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": {
                        reason?: string;
                    };
                };
            };
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ActionResult"];
                    };
                };
                /** @description Default Response */
                202: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ActionResult"];
                    };
                };
                /** @description Default Response */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Default Response */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Default Response */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Default Response */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Default Response */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/runs/{id}/retry": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Retry a failed or cancelled run from failure: failed, upstream_failed and cancelled tasks (and what they feed) run again as new attempts; succeeded and skipped tasks keep their outputs */
        post: {
            parameters: {
                query?: {
                    /** @description Seconds to wait for a coordinator to apply the action (0: answer 202 at once) */
                    wait?: number;
                };
                header?: {
                    "idempotency-key"?: string;
                };
                path: {
                    id: string;
                };
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": {
                        reason?: string;
                        /** @description Move the run to its workflow's current version first; ignored (409, naming every incompatible task) when a task was added, removed or rewired */
                        toLatest?: boolean;
                    };
                };
            };
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ActionResult"];
                    };
                };
                /** @description Default Response */
                202: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ActionResult"];
                    };
                };
                /** @description Default Response */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Default Response */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Default Response */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Default Response */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Default Response */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/runs/{id}/tasks/{taskId}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** One task of a run with its attempts — or one instance of a mapped task (`load[3]`, URL-encoded `load%5B3%5D`) with its element */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    id: string;
                    taskId: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["TaskView"];
                    };
                };
                /** @description Default Response */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Default Response */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Default Response */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Default Response */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/runs/{id}/tasks/{taskId}/approve": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Approve a waiting approval task: it succeeds and its downstream proceeds */
        post: {
            parameters: {
                query?: {
                    /** @description Seconds to wait for a coordinator to apply the action (0: answer 202 at once) */
                    wait?: number;
                };
                header?: {
                    "idempotency-key"?: string;
                };
                path: {
                    id: string;
                    taskId: string;
                };
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": {
                        reason?: string;
                    };
                };
            };
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ActionResult"];
                    };
                };
                /** @description Default Response */
                202: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ActionResult"];
                    };
                };
                /** @description Default Response */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Default Response */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Default Response */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Default Response */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Default Response */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/runs/{id}/tasks/{taskId}/clear": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Clear a task so it runs again (with its downstream, or its upstream); a running attempt is stopped; a finished run is reopened */
        post: {
            parameters: {
                query?: {
                    /** @description Seconds to wait for a coordinator to apply the action (0: answer 202 at once) */
                    wait?: number;
                };
                header?: {
                    "idempotency-key"?: string;
                };
                path: {
                    id: string;
                    taskId: string;
                };
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": {
                        reason?: string;
                        /**
                         * @default task
                         * @enum {string}
                         */
                        scope?: "task" | "downstream" | "upstream";
                    };
                };
            };
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ActionResult"];
                    };
                };
                /** @description Default Response */
                202: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ActionResult"];
                    };
                };
                /** @description Default Response */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Default Response */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Default Response */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Default Response */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Default Response */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/runs/{id}/tasks/{taskId}/instances": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * A mapped task’s instances (`load[0]`, `load[1]`, …) a page at a time in index order, with the counts of all of them by status
         * @description Pass `nextAfter` back as `after` for the next page. `status` keeps the instances in one status. A task that is not mapped is a 400 (`issues[0].path` `taskId`). Pages hold 100 instances unless `limit` says otherwise (at most 1000).
         */
        get: {
            parameters: {
                query?: {
                    /** @description `nextAfter` of the previous page: only instances with a greater index */
                    after?: number;
                    limit?: number;
                    /** @description Only instances in this status */
                    status?: "pending" | "queued" | "running" | "retrying" | "succeeded" | "failed" | "skipped" | "upstream_failed" | "cancelled";
                };
                header?: never;
                path: {
                    id: string;
                    taskId: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["MapInstancePage"];
                    };
                };
                /** @description Default Response */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Default Response */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Default Response */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Default Response */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/runs/{id}/tasks/{taskId}/logs": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * A page of a task’s captured logs (every attempt, or one), oldest first
         * @description Read from the task log stream. Pass `next` back as `after` for the next page; when `more` is false everything stored so far was returned, and polling with the same `after` returns new lines as they arrive.
         */
        get: {
            parameters: {
                query?: {
                    /** @description Stream sequence cursor: `next` of the previous page */
                    after?: number;
                    attempt?: number;
                    /** @description Lines per page (a page ends at a batch boundary, so it may hold a few more) */
                    limit?: number;
                };
                header?: never;
                path: {
                    id: string;
                    taskId: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            items: {
                                attempt: number;
                                /** @description Structured fields the handler logged with the line */
                                fields: {
                                    [key: string]: unknown;
                                };
                                /** @enum {string} */
                                level: "trace" | "debug" | "info" | "warn" | "error" | "fatal";
                                msg: string;
                                /** @description Stream sequence of the batch the line came in */
                                seq: number;
                                /** @enum {string} */
                                stream: "log" | "stdout" | "stderr";
                                ts: string;
                            }[];
                            /** @description True when more lines were already stored past this page */
                            more: boolean;
                            /** @description Pass as `after` for the next page, or later to poll for new lines */
                            next: number;
                            /** @description Malformed log messages skipped on this page */
                            skipped: number;
                        };
                    };
                };
                /** @description Default Response */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Default Response */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Default Response */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Default Response */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/runs/{id}/tasks/{taskId}/logs/live": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * A task’s logs as they are written (Server-Sent Events), resumable with Last-Event-ID
         * @description Each `event: log` is one stored batch: `data` is `{ seq, attempt, records: [{ ts, level, stream, msg, …fields }] }` and `id:` its stream sequence. `?attempt=` keeps one attempt. A comment line every 15 s keeps the connection open; after 15 min the stream ends with `event: reconnect` (resume with Last-Event-ID, authenticating again).
         */
        get: {
            parameters: {
                query?: {
                    /** @description Stream sequence to start after (default 0: every line stored) */
                    after?: number;
                    attempt?: number;
                };
                header?: {
                    "last-event-id"?: string;
                };
                path: {
                    id: string;
                    taskId: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description text/event-stream */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "text/event-stream": string;
                    };
                };
                /** @description Default Response */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "text/event-stream": components["schemas"]["Error"];
                    };
                };
                /** @description Default Response */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "text/event-stream": components["schemas"]["Error"];
                    };
                };
                /** @description Default Response */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "text/event-stream": components["schemas"]["Error"];
                    };
                };
                /** @description Default Response */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "text/event-stream": components["schemas"]["Error"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/runs/{id}/tasks/{taskId}/mark": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Mark a task succeeded or failed by hand, with a reason; its downstream then proceeds or fails closed */
        post: {
            parameters: {
                query?: {
                    /** @description Seconds to wait for a coordinator to apply the action (0: answer 202 at once) */
                    wait?: number;
                };
                header?: {
                    "idempotency-key"?: string;
                };
                path: {
                    id: string;
                    taskId: string;
                };
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": {
                        reason: string;
                        /** @enum {string} */
                        status: "succeeded" | "failed";
                    };
                };
            };
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ActionResult"];
                    };
                };
                /** @description Default Response */
                202: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ActionResult"];
                    };
                };
                /** @description Default Response */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Default Response */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Default Response */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Default Response */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Default Response */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/runs/{id}/tasks/{taskId}/reject": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Reject a waiting approval task: it fails (not retried) and its downstream fails closed */
        post: {
            parameters: {
                query?: {
                    /** @description Seconds to wait for a coordinator to apply the action (0: answer 202 at once) */
                    wait?: number;
                };
                header?: {
                    "idempotency-key"?: string;
                };
                path: {
                    id: string;
                    taskId: string;
                };
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": {
                        reason?: string;
                    };
                };
            };
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ActionResult"];
                    };
                };
                /** @description Default Response */
                202: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ActionResult"];
                    };
                };
                /** @description Default Response */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Default Response */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Default Response */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Default Response */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Default Response */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/runs/bulk": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Retry from failure, or cancel, every run a filter matches (e.g. every failed run of daily_revenue since Monday); `dryRun: true` only counts and lists them
         * @description Only runs of workflows the caller may retry (resp. cancel) are matched. Runs in a status where the action makes no sense are listed as `skipped` with the reason. Newest first, at most `limit` per request.
         */
        post: {
            parameters: {
                query?: {
                    /** @description Seconds to wait for a coordinator to apply the action (0: answer 202 at once) */
                    wait?: number;
                };
                header?: {
                    "idempotency-key"?: string;
                };
                path?: never;
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": {
                        /** @enum {string} */
                        action: "retry" | "cancel";
                        /** @description Required: true to count and list only */
                        dryRun: boolean;
                        filter: {
                            owner?: string;
                            partition?: string;
                            /** @description Created at or after */
                            since?: string;
                            status?: ("queued" | "running" | "succeeded" | "failed" | "cancelled")[];
                            /** @description Created before */
                            until?: string;
                            workflow?: string;
                        };
                        /** @default 100 */
                        limit?: number;
                        reason?: string;
                    };
                };
            };
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["BulkResult"];
                    };
                };
                /** @description Default Response */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Default Response */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Default Response */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Default Response */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/sources/{source}/landings": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Announce that a source landed for a partition: the data gates waiting for it advance, and complete partitions start their runs */
        post: {
            parameters: {
                query?: {
                    /** @description Seconds to wait for a coordinator to apply the action (0: answer 202 at once) */
                    wait?: number;
                };
                header?: never;
                path: {
                    source: string;
                };
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": {
                        /** @description Event id (default: a new one); derive it from what landed to make a repeat one landing */
                        id?: string;
                        /** Format: date-time */
                        landedAt?: string;
                        meta?: {
                            [key: string]: unknown;
                        };
                        partition?: string;
                        uri?: string;
                    };
                };
            };
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["LandingResult"];
                    };
                };
                /** @description Default Response */
                202: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["LandingResult"];
                    };
                };
                /** @description Default Response */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Default Response */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Default Response */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Default Response */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Default Response */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/tokens": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Every API token, revoked and expired ones too, newest first (never a secret) */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            items: components["schemas"]["ApiToken"][];
                        };
                    };
                };
                /** @description Default Response */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Default Response */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Default Response */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Default Response */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        put?: never;
        /** Create an API token with one role, optionally scoped to workflows by name glob or owner; the answer holds its secret, shown only this once */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": {
                        /**
                         * Format: date-time
                         * @description When it stops working (absent with expiresIn: never)
                         */
                        expiresAt?: string;
                        /** @description How long from now it works, e.g. 30d */
                        expiresIn?: string;
                        /** @description Unique; default `<role>-<random>` */
                        name?: string;
                        /** @description Only workflows with this owner */
                        owner?: string;
                        /** @enum {string} */
                        role: "viewer" | "operator" | "approver" | "admin";
                        /** @description Only workflows whose name matches this glob (`*`, `?`) */
                        workflows?: string;
                    };
                };
            };
            responses: {
                /** @description Default Response */
                201: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description The bearer credential: shown only in this answer, stored only as a hash */
                            secret: string;
                            token: components["schemas"]["ApiToken"];
                        };
                    };
                };
                /** @description Default Response */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Default Response */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Default Response */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Default Response */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/tokens/{idOrName}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        post?: never;
        /** Revoke a token at once (idempotent: a revoked token keeps its first revocation) */
        delete: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    idOrName: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            alreadyRevoked: boolean;
                            token: components["schemas"]["ApiToken"];
                        };
                    };
                };
                /** @description Default Response */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Default Response */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Default Response */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Default Response */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/ui/config": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** How the web UI signs in (OIDC authorization code with PKCE when configured) and links traces; no credential needed */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            oidc: {
                                clientId: string;
                                issuer: string;
                                scopes: string;
                                /** @enum {string} */
                                token: "id_token" | "access_token";
                            } | null;
                            traceUrl: string | null;
                        };
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/workflows": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Deployed workflows the caller may read
         * @description Each with its owner, schedule and next tick in its timezone, data gate, paused/archived state, latest runs, freshness and open alerts. Sorted by name.
         */
        get: {
            parameters: {
                query?: {
                    /** @description A name, or a glob such as finance_* */
                    name?: string;
                    owner?: string;
                    /** @description active, paused or archived */
                    status?: "active" | "paused" | "archived";
                };
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            items: components["schemas"]["WorkflowSummary"][];
                        };
                    };
                };
                /** @description Default Response */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Default Response */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Default Response */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Default Response */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/workflows/{name}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** A workflow: current definition, DAG (tasks with trigger rules and queues), schedule with its next ticks, data gate */
        get: {
            parameters: {
                query?: {
                    /** @description How many upcoming ticks to list */
                    fireTimes?: number;
                };
                header?: never;
                path: {
                    name: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["WorkflowDetails"];
                    };
                };
                /** @description Default Response */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Default Response */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Default Response */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Default Response */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        /** Deploy a workflow definition (JSON, the schema of docs/schemas/workflow.schema.json); the same definition again changes nothing; an archived workflow is restored */
        put: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    name: string;
                };
                cookie?: never;
            };
            /** @description The workflow definition; its `name` must be the one in the path */
            requestBody: {
                content: {
                    "application/json": {
                        [key: string]: unknown;
                    };
                };
            };
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["DefinitionResult"];
                    };
                };
                /** @description Default Response */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Default Response */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Default Response */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Default Response */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/workflows/{name}/archive": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Archive a workflow: its schedule and data gate start no runs; its runs stay readable; restore brings it back */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    name: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["DefinitionResult"];
                    };
                };
                /** @description Default Response */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Default Response */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Default Response */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Default Response */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/workflows/{name}/diff": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** What changed in a workflow's definition between two versions (hashes, prefixes of at least 6 characters, or `current`) */
        get: {
            parameters: {
                query: {
                    from: string;
                    to?: string;
                };
                header?: never;
                path: {
                    name: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["WorkflowDiff"];
                    };
                };
                /** @description Default Response */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Default Response */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Default Response */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Default Response */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/workflows/{name}/grid": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The runs × tasks grid of a workflow, newest run first: each run’s task states in one compact answer */
        get: {
            parameters: {
                query?: {
                    /** @description `nextCursor` of the previous page */
                    before?: string;
                    limit?: number;
                    partition?: string;
                    status?: ("queued" | "running" | "succeeded" | "failed" | "cancelled") | ("queued" | "running" | "succeeded" | "failed" | "cancelled")[];
                };
                header?: never;
                path: {
                    name: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["RunGrid"];
                    };
                };
                /** @description Default Response */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Default Response */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Default Response */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Default Response */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/workflows/{name}/history": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Every deploy of a workflow, newest first: the version it made current, who deployed it and when, and how many runs use it */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    name: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            items: components["schemas"]["WorkflowDeployment"][];
                        };
                    };
                };
                /** @description Default Response */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Default Response */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Default Response */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Default Response */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/workflows/{name}/pause": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Pause a workflow: its cron ticks and landings are recorded but start no run until unpaused (manual runs, backfills and operator actions still work) */
        post: {
            parameters: {
                query?: {
                    /** @description Seconds to wait for a coordinator to apply the action (0: answer 202 at once) */
                    wait?: number;
                };
                header?: {
                    "idempotency-key"?: string;
                };
                path: {
                    name: string;
                };
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": {
                        reason?: string;
                    };
                };
            };
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["PauseResult"];
                    };
                };
                /** @description Default Response */
                202: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["PauseResult"];
                    };
                };
                /** @description Default Response */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Default Response */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Default Response */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Default Response */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/workflows/{name}/readiness": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Why hasn’t this run started? Per partition: sources landed (and when), missing, deadline, status
         * @description The latest partitions (or one) of a workflow that waits for sources; empty for a workflow without `when`.
         */
        get: {
            parameters: {
                query?: {
                    limit?: number;
                    partition?: string;
                };
                header?: never;
                path: {
                    name: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            items: {
                                deadline: string | null;
                                landings: {
                                    /** Format: date-time */
                                    landedAt: string;
                                    source: string;
                                    uri: string | null;
                                }[];
                                missing: string[];
                                partition: string;
                                required: string[];
                                runId: string | null;
                                /** @description waiting (for sources), started (a run exists), missed (deadline passed), or another word the coordinator records */
                                status: string;
                                workflow: string;
                            }[];
                        };
                    };
                };
                /** @description Default Response */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Default Response */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Default Response */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Default Response */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/workflows/{name}/restore": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Restore an archived workflow at its current version: its schedule starts again from the next tick */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    name: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["DefinitionResult"];
                    };
                };
                /** @description Default Response */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Default Response */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Default Response */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Default Response */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Default Response */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/workflows/{name}/unpause": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Unpause a workflow: the ticks and complete partitions held while paused run as its catch-up policy says */
        post: {
            parameters: {
                query?: {
                    /** @description Seconds to wait for a coordinator to apply the action (0: answer 202 at once) */
                    wait?: number;
                };
                header?: {
                    "idempotency-key"?: string;
                };
                path: {
                    name: string;
                };
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": {
                        reason?: string;
                    };
                };
            };
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["PauseResult"];
                    };
                };
                /** @description Default Response */
                202: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["PauseResult"];
                    };
                };
                /** @description Default Response */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Default Response */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Default Response */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Default Response */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/workflows/{name}/versions": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Every stored version of a workflow, newest first */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    name: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            items: {
                                /** Format: date-time */
                                createdAt: string;
                                current: boolean;
                                hash: string;
                            }[];
                        };
                    };
                };
                /** @description Default Response */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Default Response */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Default Response */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Default Response */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/workflows/{name}/versions/{hash}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** One version of a workflow with its definition */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    hash: string;
                    name: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** Format: date-time */
                            createdAt: string;
                            current: boolean;
                            definition: unknown;
                            hash: string;
                            name: string;
                        };
                    };
                };
                /** @description Default Response */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Default Response */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Default Response */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Default Response */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
}
export type webhooks = Record<string, never>;
export interface components {
    schemas: {
        ActionResult: {
            /** @description The event the action was sent as (its `Nats-Msg-Id`); the run history records it under this id */
            eventId: string;
            /**
             * @description applied: a coordinator applied it; pending: not yet (no coordinator applied it within `wait`)
             * @enum {string}
             */
            outcome: "applied" | "pending";
            runId: string;
            /** @description The run status after the action (or as it was, while pending) */
            runStatus: string;
        };
        ActionResultInput: {
            /** @description The event the action was sent as (its `Nats-Msg-Id`); the run history records it under this id */
            eventId: string;
            /**
             * @description applied: a coordinator applied it; pending: not yet (no coordinator applied it within `wait`)
             * @enum {string}
             */
            outcome: "applied" | "pending";
            runId: string;
            /** @description The run status after the action (or as it was, while pending) */
            runStatus: string;
        };
        Alert: {
            count: number;
            /** Format: date-time */
            createdAt: string;
            deliveries: {
                action: string;
                attempts: number;
                channel: string;
                deliveredAt: string | null;
                lastError: string | null;
                nextAttemptAt: string | null;
                /** @enum {string} */
                status: "delivered" | "retrying" | "pending";
            }[];
            details: {
                [key: string]: unknown;
            };
            id: number;
            kind: string;
            /** Format: date-time */
            lastAt: string;
            owner: string | null;
            partition: string | null;
            resolvedAt: string | null;
            runId: string | null;
            /** @description firing, resolved or expired */
            status: string;
            summary: string;
            workflow: string | null;
        };
        AlertEvent: {
            alertId: string;
            /** @description When it resolved, else when it last fired (ISO 8601) */
            at: string;
            count: number;
            kind: string;
            partition: string | null;
            runId: string | null;
            status: ("firing" | "resolved" | "expired") | string;
            summary: string | null;
            workflow: string | null;
        };
        AlertEventInput: {
            alertId: string;
            /** @description When it resolved, else when it last fired (ISO 8601) */
            at: string;
            count: number;
            kind: string;
            partition: string | null;
            runId: string | null;
            status: ("firing" | "resolved" | "expired") | string;
            summary: string | null;
            workflow: string | null;
        };
        AlertInput: {
            count: number;
            /** Format: date-time */
            createdAt: string;
            deliveries: {
                action: string;
                attempts: number;
                channel: string;
                deliveredAt: string | null;
                lastError: string | null;
                nextAttemptAt: string | null;
                /** @enum {string} */
                status: "delivered" | "retrying" | "pending";
            }[];
            details: {
                [key: string]: unknown;
            };
            id: number;
            kind: string;
            /** Format: date-time */
            lastAt: string;
            owner: string | null;
            partition: string | null;
            resolvedAt: string | null;
            runId: string | null;
            /** @description firing, resolved or expired */
            status: string;
            summary: string;
            workflow: string | null;
        };
        ApiToken: {
            /** Format: date-time */
            createdAt: string;
            createdBy: string | null;
            expiresAt: string | null;
            grants: {
                owner?: string;
                role: string;
                workflows?: string;
            }[];
            /** @description Public id: the part of the secret after `baton_` */
            id: string;
            lastUsedAt: string | null;
            name: string;
            revokedAt: string | null;
            revokedBy: string | null;
        };
        ApiTokenInput: {
            /** Format: date-time */
            createdAt: string;
            createdBy: string | null;
            expiresAt: string | null;
            grants: {
                owner?: string;
                role: string;
                workflows?: string;
            }[];
            /** @description Public id: the part of the secret after `baton_` */
            id: string;
            lastUsedAt: string | null;
            name: string;
            revokedAt: string | null;
            revokedBy: string | null;
        };
        AuditLine: {
            action: string;
            actor: string;
            /** Format: date-time */
            at: string;
            clientAddress: string | null;
            /** @description Cursor: pass the last id of a page as `before` for the next one */
            id: string;
            /** @description The request’s parameters, secrets redacted */
            params: unknown;
            reason: string | null;
            resource: string | null;
            /** @enum {string} */
            result: "ok" | "denied" | "failed" | "unauthenticated";
            role: string | null;
            status: number | null;
        };
        AuditLineInput: {
            action: string;
            actor: string;
            /** Format: date-time */
            at: string;
            clientAddress: string | null;
            /** @description Cursor: pass the last id of a page as `before` for the next one */
            id: string;
            /** @description The request’s parameters, secrets redacted */
            params: unknown;
            reason: string | null;
            resource: string | null;
            /** @enum {string} */
            result: "ok" | "denied" | "failed" | "unauthenticated";
            role: string | null;
            status: number | null;
        };
        Backfill: {
            cancelReason: string | null;
            concurrency: number;
            /** Format: date-time */
            createdAt: string;
            from: string;
            id: string;
            partitions: number;
            rerun: string;
            runs: {
                cancelled: number;
                failed: number;
                queued: number;
                running: number;
                succeeded: number;
                total: number;
            };
            skipped: number;
            /** @enum {string} */
            status: "running" | "succeeded" | "failed" | "cancelled";
            to: string;
            workflow: string;
        };
        BackfillActionResult: {
            backfillId: string;
            /** @enum {string} */
            outcome: "applied" | "pending";
            /** @description The backfill status now (null while no coordinator has created it) */
            status: string | null;
        };
        BackfillActionResultInput: {
            backfillId: string;
            /** @enum {string} */
            outcome: "applied" | "pending";
            /** @description The backfill status now (null while no coordinator has created it) */
            status: string | null;
        };
        BackfillInput: {
            cancelReason: string | null;
            concurrency: number;
            /** Format: date-time */
            createdAt: string;
            from: string;
            id: string;
            partitions: number;
            rerun: string;
            runs: {
                cancelled: number;
                failed: number;
                queued: number;
                running: number;
                succeeded: number;
                total: number;
            };
            skipped: number;
            /** @enum {string} */
            status: "running" | "succeeded" | "failed" | "cancelled";
            to: string;
            workflow: string;
        };
        BulkResult: {
            /** @enum {string} */
            action: "retry" | "cancel";
            dryRun: boolean;
            /** @description Runs the filter matched (that the caller may act on), up to `limit` */
            matched: number;
            /** @description More runs match beyond `limit`: send the request again */
            remaining: boolean;
            results: {
                /** @enum {string} */
                outcome: "would_apply" | "skipped" | "applied" | "ignored" | "pending";
                reason: string | null;
                runId: string;
                status: string;
                workflow: string;
            }[];
        };
        BulkResultInput: {
            /** @enum {string} */
            action: "retry" | "cancel";
            dryRun: boolean;
            /** @description Runs the filter matched (that the caller may act on), up to `limit` */
            matched: number;
            /** @description More runs match beyond `limit`: send the request again */
            remaining: boolean;
            results: {
                /** @enum {string} */
                outcome: "would_apply" | "skipped" | "applied" | "ignored" | "pending";
                reason: string | null;
                runId: string;
                status: string;
                workflow: string;
            }[];
        };
        DefinitionResult: {
            archived: boolean;
            /** @description A new version was stored (deploy), or the workflow was archived (archive) */
            changed: boolean;
            /** @description The current version */
            hash: string;
            /** @description An archived workflow was restored */
            restored: boolean;
            workflow: string;
        };
        DefinitionResultInput: {
            archived: boolean;
            /** @description A new version was stored (deploy), or the workflow was archived (archive) */
            changed: boolean;
            /** @description The current version */
            hash: string;
            /** @description An archived workflow was restored */
            restored: boolean;
            workflow: string;
        };
        Error: {
            error: {
                /** @description Stable machine-readable code: VALIDATION_FAILED, UNAUTHENTICATED, FORBIDDEN, NOT_FOUND, CONFLICT, PAYLOAD_TOO_LARGE, RATE_LIMITED, UNAVAILABLE, INTERNAL, … */
                code: string;
                /** @description What the code needs: `issues` (400), `missing` permission (403), `reason` (409), or null. */
                details: unknown;
                message: string;
            };
        };
        ErrorInput: {
            error: {
                /** @description Stable machine-readable code: VALIDATION_FAILED, UNAUTHENTICATED, FORBIDDEN, NOT_FOUND, CONFLICT, PAYLOAD_TOO_LARGE, RATE_LIMITED, UNAVAILABLE, INTERNAL, … */
                code: string;
                /** @description What the code needs: `issues` (400), `missing` permission (403), `reason` (409), or null. */
                details: unknown;
                message: string;
            };
        };
        Freshness: {
            ageSeconds: number | null;
            expectedPartition: string | null;
            lastSuccessPartition: string | null;
            latestPartition: string | null;
            latestStatus: string | null;
            /** @description What keeps the latest partition from being complete (sources awaited, tasks failed or running). */
            missing: string[];
            owner: string | null;
            produces: string[];
            /** @enum {string} */
            state: "complete" | "partial" | "failed" | "stale" | "unknown";
            withinSla: boolean | null;
            workflow: string;
        };
        FreshnessInput: {
            ageSeconds: number | null;
            expectedPartition: string | null;
            lastSuccessPartition: string | null;
            latestPartition: string | null;
            latestStatus: string | null;
            /** @description What keeps the latest partition from being complete (sources awaited, tasks failed or running). */
            missing: string[];
            owner: string | null;
            produces: string[];
            /** @enum {string} */
            state: "complete" | "partial" | "failed" | "stale" | "unknown";
            withinSla: boolean | null;
            workflow: string;
        };
        LandingResult: {
            /** @description The landing event id (its Nats-Msg-Id): the same id again is one landing */
            id: string;
            /**
             * @description applied: a coordinator recorded it (and started what it completes); pending: not yet
             * @enum {string}
             */
            outcome: "applied" | "pending";
        };
        LandingResultInput: {
            /** @description The landing event id (its Nats-Msg-Id): the same id again is one landing */
            id: string;
            /**
             * @description applied: a coordinator recorded it (and started what it completes); pending: not yet
             * @enum {string}
             */
            outcome: "applied" | "pending";
        };
        MapInstancePage: {
            /** @description All its instances by status, not only this page’s */
            counts: {
                [key: string]: number;
            };
            instances: {
                attempts: number;
                /** @description Running time of its latest attempt */
                durationMs: number | null;
                /** @description Its element of the upstream list */
                element: unknown;
                error: unknown;
                finishedAt: string | null;
                /** @description The instance’s task id, e.g. load[3]: its attempts and logs are under it */
                id: string;
                index: number;
                output: unknown;
                queuedAt: string | null;
                startedAt: string | null;
                /** @enum {string} */
                status: "pending" | "queued" | "running" | "retrying" | "succeeded" | "failed" | "skipped" | "upstream_failed" | "cancelled";
                workerId: string | null;
            }[];
            /** @description Pass as `after` for the next page; null on the last page */
            nextAfter: number | null;
            taskId: string;
            /** @description How many instances the task has; null until the list was read */
            total: number | null;
        };
        MapInstancePageInput: {
            /** @description All its instances by status, not only this page’s */
            counts: {
                [key: string]: number;
            };
            instances: {
                attempts: number;
                /** @description Running time of its latest attempt */
                durationMs: number | null;
                /** @description Its element of the upstream list */
                element: unknown;
                error: unknown;
                finishedAt: string | null;
                /** @description The instance’s task id, e.g. load[3]: its attempts and logs are under it */
                id: string;
                index: number;
                output: unknown;
                queuedAt: string | null;
                startedAt: string | null;
                /** @enum {string} */
                status: "pending" | "queued" | "running" | "retrying" | "succeeded" | "failed" | "skipped" | "upstream_failed" | "cancelled";
                workerId: string | null;
            }[];
            /** @description Pass as `after` for the next page; null on the last page */
            nextAfter: number | null;
            taskId: string;
            /** @description How many instances the task has; null until the list was read */
            total: number | null;
        };
        PauseResult: {
            eventId: string;
            /** @enum {string} */
            outcome: "applied" | "pending";
            /** @description The state now (or as it was, while pending) */
            paused: boolean;
            workflow: string;
        };
        PauseResultInput: {
            eventId: string;
            /** @enum {string} */
            outcome: "applied" | "pending";
            /** @description The state now (or as it was, while pending) */
            paused: boolean;
            workflow: string;
        };
        Pool: {
            description: string | null;
            /** @description A full pool is split between owners by weight */
            fairShare: boolean;
            name: string;
            slots: number;
            updatedAt: string;
            updatedBy: string;
            /** @description Slots held now by attempts queued for a worker or running */
            used: number;
            /** @description Attempts waiting for the pool now */
            waiting: number;
            /** @description Owner → weight under fair share (absent owners weigh 1) */
            weights: {
                [key: string]: number;
            };
        };
        PoolInput: {
            description: string | null;
            /** @description A full pool is split between owners by weight */
            fairShare: boolean;
            name: string;
            slots: number;
            updatedAt: string;
            updatedBy: string;
            /** @description Slots held now by attempts queued for a worker or running */
            used: number;
            /** @description Attempts waiting for the pool now */
            waiting: number;
            /** @description Owner → weight under fair share (absent owners weigh 1) */
            weights: {
                [key: string]: number;
            };
        };
        RunDetails: {
            /** @description Permissions the caller holds on this resource (a client shows only these actions; each action is still checked) */
            allowed: ("read" | "trigger" | "cancel" | "retry" | "clear" | "pause" | "backfill" | "approve" | "mark" | "archive" | "deploy" | "tokens" | "audit" | "pools")[];
            cancelReason: string | null;
            /** @description Child runs its sub-workflow tasks started, oldest first */
            children: {
                attempt: number;
                runId: string;
                /** @enum {string} */
                status: "queued" | "running" | "succeeded" | "failed" | "cancelled";
                taskId: string;
                workflow: string;
            }[];
            context: {
                backfillId: string | null;
                completed: boolean;
                landings: {
                    eventId: string;
                    /** Format: date-time */
                    landedAt: string;
                    partition: string | null;
                    producedBy: {
                        runId: string;
                        workflow: string;
                    } | null;
                    source: string;
                    uri: string | null;
                }[];
                scheduledFor: string | null;
                trigger: string;
                upstreamRuns: {
                    runId: string;
                    workflow: string;
                }[];
                versionHash: string;
            };
            /** Format: date-time */
            createdAt: string;
            finishedAt: string | null;
            id: string;
            idempotencyKey: string;
            params: {
                [key: string]: unknown;
            };
            /** @description A child run (sub-workflow): the parent run and task that started it */
            parent: {
                attempt: number;
                runId: string;
                taskId: string;
            } | null;
            partition: string | null;
            startedAt: string | null;
            /** @enum {string} */
            status: "queued" | "running" | "succeeded" | "failed" | "cancelled";
            tasks: {
                attemptDetails: {
                    attempt: number;
                    /** @description Retry backoff before this attempt */
                    backoffMs: number | null;
                    check: {
                        details: unknown;
                        passed: boolean;
                        /** @description A few offending rows, when the check returned them */
                        sample: unknown;
                    } | null;
                    durationMs: number | null;
                    error: unknown;
                    finishedAt: string | null;
                    output: unknown;
                    queuedAt: string | null;
                    /** @description Queued → started: time waiting for a worker */
                    queueWaitMs: number | null;
                    startedAt: string | null;
                    status: string;
                    workerId: string | null;
                }[];
                attempts: number;
                check: {
                    details: unknown;
                    passed: boolean;
                    /** @description A few offending rows, when the check returned them */
                    sample: unknown;
                } | null;
                /** @description An approval task waiting for a decision: when it times out (null without a timeout, and for every other task) */
                deadline: string | null;
                error: unknown;
                finishedAt: string | null;
                id: string;
                /** @description What the task receives: its upstream tasks’ outputs by task id */
                inputs: {
                    [key: string]: unknown;
                };
                /** @enum {string} */
                kind: "task" | "check" | "branch" | "approval";
                /** @description A mapped task: what it maps over and its instances by status (`GET /runs/{id}/tasks/{taskId}/instances` pages through them); else null. Instances are not listed in `tasks`. */
                map: components["schemas"]["TaskMap"] | null;
                output: unknown;
                queue: string;
                queuedAt: string | null;
                startedAt: string | null;
                /** @enum {string} */
                status: "pending" | "queued" | "running" | "retrying" | "succeeded" | "failed" | "skipped" | "upstream_failed" | "cancelled";
                upstream: string[];
                /** @description A queued task not yet sent to a worker: the pool or concurrency slots it waits for, e.g. "pool warehouse full 4/4, 12 waiting, position 3"; else null */
                waitingFor: string | null;
                workerId: string | null;
            }[];
            trace: {
                traceId: string;
                /** @description BATON_TRACE_URL with the trace id, when configured */
                traceUrl: string | null;
            };
            trigger: string;
            versionHash: string;
            workflow: string;
        };
        RunDetailsInput: {
            /** @description Permissions the caller holds on this resource (a client shows only these actions; each action is still checked) */
            allowed: ("read" | "trigger" | "cancel" | "retry" | "clear" | "pause" | "backfill" | "approve" | "mark" | "archive" | "deploy" | "tokens" | "audit" | "pools")[];
            cancelReason: string | null;
            /** @description Child runs its sub-workflow tasks started, oldest first */
            children: {
                attempt: number;
                runId: string;
                /** @enum {string} */
                status: "queued" | "running" | "succeeded" | "failed" | "cancelled";
                taskId: string;
                workflow: string;
            }[];
            context: {
                backfillId: string | null;
                completed: boolean;
                landings: {
                    eventId: string;
                    /** Format: date-time */
                    landedAt: string;
                    partition: string | null;
                    producedBy: {
                        runId: string;
                        workflow: string;
                    } | null;
                    source: string;
                    uri: string | null;
                }[];
                scheduledFor: string | null;
                trigger: string;
                upstreamRuns: {
                    runId: string;
                    workflow: string;
                }[];
                versionHash: string;
            };
            /** Format: date-time */
            createdAt: string;
            finishedAt: string | null;
            id: string;
            idempotencyKey: string;
            params: {
                [key: string]: unknown;
            };
            /** @description A child run (sub-workflow): the parent run and task that started it */
            parent: {
                attempt: number;
                runId: string;
                taskId: string;
            } | null;
            partition: string | null;
            startedAt: string | null;
            /** @enum {string} */
            status: "queued" | "running" | "succeeded" | "failed" | "cancelled";
            tasks: {
                attemptDetails: {
                    attempt: number;
                    /** @description Retry backoff before this attempt */
                    backoffMs: number | null;
                    check: {
                        details: unknown;
                        passed: boolean;
                        /** @description A few offending rows, when the check returned them */
                        sample: unknown;
                    } | null;
                    durationMs: number | null;
                    error: unknown;
                    finishedAt: string | null;
                    output: unknown;
                    queuedAt: string | null;
                    /** @description Queued → started: time waiting for a worker */
                    queueWaitMs: number | null;
                    startedAt: string | null;
                    status: string;
                    workerId: string | null;
                }[];
                attempts: number;
                check: {
                    details: unknown;
                    passed: boolean;
                    /** @description A few offending rows, when the check returned them */
                    sample: unknown;
                } | null;
                /** @description An approval task waiting for a decision: when it times out (null without a timeout, and for every other task) */
                deadline: string | null;
                error: unknown;
                finishedAt: string | null;
                id: string;
                /** @description What the task receives: its upstream tasks’ outputs by task id */
                inputs: {
                    [key: string]: unknown;
                };
                /** @enum {string} */
                kind: "task" | "check" | "branch" | "approval";
                /** @description A mapped task: what it maps over and its instances by status (`GET /runs/{id}/tasks/{taskId}/instances` pages through them); else null. Instances are not listed in `tasks`. */
                map: components["schemas"]["TaskMapInput"] | null;
                output: unknown;
                queue: string;
                queuedAt: string | null;
                startedAt: string | null;
                /** @enum {string} */
                status: "pending" | "queued" | "running" | "retrying" | "succeeded" | "failed" | "skipped" | "upstream_failed" | "cancelled";
                upstream: string[];
                /** @description A queued task not yet sent to a worker: the pool or concurrency slots it waits for, e.g. "pool warehouse full 4/4, 12 waiting, position 3"; else null */
                waitingFor: string | null;
                workerId: string | null;
            }[];
            trace: {
                traceId: string;
                /** @description BATON_TRACE_URL with the trace id, when configured */
                traceUrl: string | null;
            };
            trigger: string;
            versionHash: string;
            workflow: string;
        };
        RunGrid: {
            /** @description Pass as `before` for older runs; null on the last page */
            nextCursor: string | null;
            runs: {
                cells: {
                    attempt: number;
                    durationMs: number | null;
                    /** @enum {string} */
                    status: "pending" | "queued" | "running" | "retrying" | "succeeded" | "failed" | "skipped" | "upstream_failed" | "cancelled";
                    /** @description Index into `tasks` */
                    task: number;
                }[];
                /** Format: date-time */
                createdAt: string;
                finishedAt: string | null;
                id: string;
                partition: string | null;
                /** @enum {string} */
                status: "queued" | "running" | "succeeded" | "failed" | "cancelled";
                trigger: string;
                versionHash: string;
            }[];
            /** @description Row labels: the current version’s tasks in topological order, then tasks only older runs had */
            tasks: string[];
        };
        RunGridInput: {
            /** @description Pass as `before` for older runs; null on the last page */
            nextCursor: string | null;
            runs: {
                cells: {
                    attempt: number;
                    durationMs: number | null;
                    /** @enum {string} */
                    status: "pending" | "queued" | "running" | "retrying" | "succeeded" | "failed" | "skipped" | "upstream_failed" | "cancelled";
                    /** @description Index into `tasks` */
                    task: number;
                }[];
                /** Format: date-time */
                createdAt: string;
                finishedAt: string | null;
                id: string;
                partition: string | null;
                /** @enum {string} */
                status: "queued" | "running" | "succeeded" | "failed" | "cancelled";
                trigger: string;
                versionHash: string;
            }[];
            /** @description Row labels: the current version’s tasks in topological order, then tasks only older runs had */
            tasks: string[];
        };
        RunSummary: {
            /** Format: date-time */
            createdAt: string;
            /** @description For a failed run: the first failed task and its error */
            error: {
                message: string;
                taskId: string;
            } | null;
            finishedAt: string | null;
            id: string;
            partition: string | null;
            /** @enum {string} */
            status: "queued" | "running" | "succeeded" | "failed" | "cancelled";
            tasksTerminal: number;
            tasksTotal: number;
            trigger: string;
            workflow: string;
        };
        RunSummaryInput: {
            /** Format: date-time */
            createdAt: string;
            /** @description For a failed run: the first failed task and its error */
            error: {
                message: string;
                taskId: string;
            } | null;
            finishedAt: string | null;
            id: string;
            partition: string | null;
            /** @enum {string} */
            status: "queued" | "running" | "succeeded" | "failed" | "cancelled";
            tasksTerminal: number;
            tasksTotal: number;
            trigger: string;
            workflow: string;
        };
        TaskMap: {
            /** @description Instances by status; statuses with none are left out */
            counts: {
                [key: string]: number;
            };
            /** @description The upstream task whose output holds the list */
            from: string;
            /** @description The field of that output holding the list; null: the output is the list */
            key: string | null;
            /** @description Downstream tasks receive a summary instead of every output */
            reduce: boolean;
            /** @description How many instances the task has; null until the list was read */
            total: number | null;
        };
        TaskMapInput: {
            /** @description Instances by status; statuses with none are left out */
            counts: {
                [key: string]: number;
            };
            /** @description The upstream task whose output holds the list */
            from: string;
            /** @description The field of that output holding the list; null: the output is the list */
            key: string | null;
            /** @description Downstream tasks receive a summary instead of every output */
            reduce: boolean;
            /** @description How many instances the task has; null until the list was read */
            total: number | null;
        };
        TaskView: {
            attemptDetails: {
                attempt: number;
                /** @description Retry backoff before this attempt */
                backoffMs: number | null;
                check: {
                    details: unknown;
                    passed: boolean;
                    /** @description A few offending rows, when the check returned them */
                    sample: unknown;
                } | null;
                durationMs: number | null;
                error: unknown;
                finishedAt: string | null;
                output: unknown;
                queuedAt: string | null;
                /** @description Queued → started: time waiting for a worker */
                queueWaitMs: number | null;
                startedAt: string | null;
                status: string;
                workerId: string | null;
            }[];
            attempts: number;
            check: {
                details: unknown;
                passed: boolean;
                /** @description A few offending rows, when the check returned them */
                sample: unknown;
            } | null;
            /** @description An approval task waiting for a decision: when it times out (null without a timeout, and for every other task) */
            deadline: string | null;
            error: unknown;
            finishedAt: string | null;
            id: string;
            /** @description What the task receives: its upstream tasks’ outputs by task id */
            inputs: {
                [key: string]: unknown;
            };
            /** @description An instance of a mapped task (`load[3]`): which one; else null */
            instance: {
                /** @description Its element of the upstream list */
                element: unknown;
                index: number;
                /** @description The mapped task */
                of: string;
            } | null;
            /** @enum {string} */
            kind: "task" | "check" | "branch" | "approval";
            /** @description A mapped task: what it maps over and its instances by status (`GET /runs/{id}/tasks/{taskId}/instances` pages through them); else null. Instances are not listed in `tasks`. */
            map: components["schemas"]["TaskMap"] | null;
            output: unknown;
            queue: string;
            queuedAt: string | null;
            startedAt: string | null;
            /** @enum {string} */
            status: "pending" | "queued" | "running" | "retrying" | "succeeded" | "failed" | "skipped" | "upstream_failed" | "cancelled";
            upstream: string[];
            /** @description A queued task not yet sent to a worker: the pool or concurrency slots it waits for, e.g. "pool warehouse full 4/4, 12 waiting, position 3"; else null */
            waitingFor: string | null;
            workerId: string | null;
        };
        TaskViewInput: {
            attemptDetails: {
                attempt: number;
                /** @description Retry backoff before this attempt */
                backoffMs: number | null;
                check: {
                    details: unknown;
                    passed: boolean;
                    /** @description A few offending rows, when the check returned them */
                    sample: unknown;
                } | null;
                durationMs: number | null;
                error: unknown;
                finishedAt: string | null;
                output: unknown;
                queuedAt: string | null;
                /** @description Queued → started: time waiting for a worker */
                queueWaitMs: number | null;
                startedAt: string | null;
                status: string;
                workerId: string | null;
            }[];
            attempts: number;
            check: {
                details: unknown;
                passed: boolean;
                /** @description A few offending rows, when the check returned them */
                sample: unknown;
            } | null;
            /** @description An approval task waiting for a decision: when it times out (null without a timeout, and for every other task) */
            deadline: string | null;
            error: unknown;
            finishedAt: string | null;
            id: string;
            /** @description What the task receives: its upstream tasks’ outputs by task id */
            inputs: {
                [key: string]: unknown;
            };
            /** @description An instance of a mapped task (`load[3]`): which one; else null */
            instance: {
                /** @description Its element of the upstream list */
                element: unknown;
                index: number;
                /** @description The mapped task */
                of: string;
            } | null;
            /** @enum {string} */
            kind: "task" | "check" | "branch" | "approval";
            /** @description A mapped task: what it maps over and its instances by status (`GET /runs/{id}/tasks/{taskId}/instances` pages through them); else null. Instances are not listed in `tasks`. */
            map: components["schemas"]["TaskMapInput"] | null;
            output: unknown;
            queue: string;
            queuedAt: string | null;
            startedAt: string | null;
            /** @enum {string} */
            status: "pending" | "queued" | "running" | "retrying" | "succeeded" | "failed" | "skipped" | "upstream_failed" | "cancelled";
            upstream: string[];
            /** @description A queued task not yet sent to a worker: the pool or concurrency slots it waits for, e.g. "pool warehouse full 4/4, 12 waiting, position 3"; else null */
            waitingFor: string | null;
            workerId: string | null;
        };
        TransitionEvent: {
            /** @description When the coordinator applied the change (ISO 8601) */
            at: string;
            attempt: number | null;
            from: string | null;
            /** @description The history row of the change */
            historyId: string;
            reason: string | null;
            /** Format: uuid */
            runId: string;
            /** @description null for a run event */
            taskId: string | null;
            to: string;
            workflow: string | null;
        };
        TransitionEventInput: {
            /** @description When the coordinator applied the change (ISO 8601) */
            at: string;
            attempt: number | null;
            from: string | null;
            /** @description The history row of the change */
            historyId: string;
            reason: string | null;
            /** Format: uuid */
            runId: string;
            /** @description null for a run event */
            taskId: string | null;
            to: string;
            workflow: string | null;
        };
        TriggerResult: {
            /** @description false when the idempotency key named a run that already existed */
            created: boolean;
            idempotencyKey: string;
            /** @description The run (null while no coordinator has created it: 202) */
            runId: string | null;
        };
        TriggerResultInput: {
            /** @description false when the idempotency key named a run that already existed */
            created: boolean;
            idempotencyKey: string;
            /** @description The run (null while no coordinator has created it: 202) */
            runId: string | null;
        };
        WorkflowDeployment: {
            current: boolean;
            deployedAt: string;
            /** @description cli:<OS user>, token:<name> or oidc:<sub>; null for a version stored before deploys were recorded */
            deployedBy: string | null;
            hash: string;
            /** @description The deploy restored an archived workflow */
            restored: boolean;
            /** @description Runs on this version */
            runs: number;
        };
        WorkflowDeploymentInput: {
            current: boolean;
            deployedAt: string;
            /** @description cli:<OS user>, token:<name> or oidc:<sub>; null for a version stored before deploys were recorded */
            deployedBy: string | null;
            hash: string;
            /** @description The deploy restored an archived workflow */
            restored: boolean;
            /** @description Runs on this version */
            runs: number;
        };
        WorkflowDetails: {
            /** @description Permissions the caller holds on this resource (a client shows only these actions; each action is still checked) */
            allowed: ("read" | "trigger" | "cancel" | "retry" | "clear" | "pause" | "backfill" | "approve" | "mark" | "archive" | "deploy" | "tokens" | "audit" | "pools")[];
            archivedAt: string | null;
            dag: {
                edges: {
                    from: string;
                    to: string;
                }[];
                /** @description Tasks in topological order */
                nodes: {
                    approvers: string[] | null;
                    downstream: string[];
                    handler: string | null;
                    id: string;
                    /** @enum {string} */
                    kind: "task" | "check" | "branch" | "approval";
                    owner: string | null;
                    queue: string;
                    retry: {
                        attempts: number;
                        backoffMs: number;
                        factor: number;
                        maxBackoffMs: number;
                    };
                    runner: ("sh" | "http") | null;
                    timeouts: {
                        executionMs: number | null;
                        heartbeatMs: number;
                        scheduleToStartMs: number | null;
                    };
                    /** @enum {string} */
                    trigger: "all_success" | "all_done" | "all_failed" | "one_success" | "one_failed" | "none_failed" | "none_skipped" | "none_failed_min_one_success" | "always";
                    upstream: string[];
                }[];
                roots: string[];
            };
            /** @description The current version’s normalised definition */
            definition: unknown;
            description: string | null;
            gate: {
                expectBy: string | null;
                partition: string;
                rerunOnLateData: boolean;
                sourcesLanded: string[];
                timezone: string;
            } | null;
            name: string;
            owner: string | null;
            /** @enum {string} */
            partitionKind: "date" | "hour" | "key";
            paused: boolean;
            produces: string[];
            queues: string[];
            schedule: {
                catchup: string;
                cron: string;
                maxActiveRuns: number | null;
                nextFireTimes: {
                    /** Format: date-time */
                    at: string;
                    local: string;
                }[];
                timezone: string;
            } | null;
            /** Format: date-time */
            updatedAt: string;
            version: string;
        };
        WorkflowDetailsInput: {
            /** @description Permissions the caller holds on this resource (a client shows only these actions; each action is still checked) */
            allowed: ("read" | "trigger" | "cancel" | "retry" | "clear" | "pause" | "backfill" | "approve" | "mark" | "archive" | "deploy" | "tokens" | "audit" | "pools")[];
            archivedAt: string | null;
            dag: {
                edges: {
                    from: string;
                    to: string;
                }[];
                /** @description Tasks in topological order */
                nodes: {
                    approvers: string[] | null;
                    downstream: string[];
                    handler: string | null;
                    id: string;
                    /** @enum {string} */
                    kind: "task" | "check" | "branch" | "approval";
                    owner: string | null;
                    queue: string;
                    retry: {
                        attempts: number;
                        backoffMs: number;
                        factor: number;
                        maxBackoffMs: number;
                    };
                    runner: ("sh" | "http") | null;
                    timeouts: {
                        executionMs: number | null;
                        heartbeatMs: number;
                        scheduleToStartMs: number | null;
                    };
                    /** @enum {string} */
                    trigger: "all_success" | "all_done" | "all_failed" | "one_success" | "one_failed" | "none_failed" | "none_skipped" | "none_failed_min_one_success" | "always";
                    upstream: string[];
                }[];
                roots: string[];
            };
            /** @description The current version’s normalised definition */
            definition: unknown;
            description: string | null;
            gate: {
                expectBy: string | null;
                partition: string;
                rerunOnLateData: boolean;
                sourcesLanded: string[];
                timezone: string;
            } | null;
            name: string;
            owner: string | null;
            /** @enum {string} */
            partitionKind: "date" | "hour" | "key";
            paused: boolean;
            produces: string[];
            queues: string[];
            schedule: {
                catchup: string;
                cron: string;
                maxActiveRuns: number | null;
                nextFireTimes: {
                    /** Format: date-time */
                    at: string;
                    local: string;
                }[];
                timezone: string;
            } | null;
            /** Format: date-time */
            updatedAt: string;
            version: string;
        };
        WorkflowDiff: {
            changes: {
                after?: unknown;
                before?: unknown;
                /** @enum {string} */
                kind: "added" | "removed" | "changed";
                path: string;
            }[];
            from: string;
            to: string;
            workflow: string;
        };
        WorkflowDiffInput: {
            changes: {
                after?: unknown;
                before?: unknown;
                /** @enum {string} */
                kind: "added" | "removed" | "changed";
                path: string;
            }[];
            from: string;
            to: string;
            workflow: string;
        };
        WorkflowSummary: {
            archivedAt: string | null;
            description: string | null;
            /** @description Null for archived workflows */
            freshness: components["schemas"]["Freshness"] | null;
            gate: {
                expectBy: string | null;
                partition: string;
                sourcesLanded: string[];
            } | null;
            lastRun: {
                /** Format: date-time */
                createdAt: string;
                id: string;
                partition: string | null;
                /** @enum {string} */
                status: "queued" | "running" | "succeeded" | "failed" | "cancelled";
            } | null;
            name: string;
            openAlerts: number;
            owner: string | null;
            paused: boolean;
            queues: string[];
            recentRuns: {
                /** Format: date-time */
                createdAt: string;
                id: string;
                partition: string | null;
                /** @enum {string} */
                status: "queued" | "running" | "succeeded" | "failed" | "cancelled";
            }[];
            schedule: {
                cron: string;
                nextFireAt: string | null;
                /** @description The next tick in the schedule’s timezone */
                nextFireLocal: string | null;
                timezone: string;
            } | null;
            tasks: number;
            /** Format: date-time */
            updatedAt: string;
            /** @description Current version hash */
            version: string;
        };
        WorkflowSummaryInput: {
            archivedAt: string | null;
            description: string | null;
            /** @description Null for archived workflows */
            freshness: components["schemas"]["FreshnessInput"] | null;
            gate: {
                expectBy: string | null;
                partition: string;
                sourcesLanded: string[];
            } | null;
            lastRun: {
                /** Format: date-time */
                createdAt: string;
                id: string;
                partition: string | null;
                /** @enum {string} */
                status: "queued" | "running" | "succeeded" | "failed" | "cancelled";
            } | null;
            name: string;
            openAlerts: number;
            owner: string | null;
            paused: boolean;
            queues: string[];
            recentRuns: {
                /** Format: date-time */
                createdAt: string;
                id: string;
                partition: string | null;
                /** @enum {string} */
                status: "queued" | "running" | "succeeded" | "failed" | "cancelled";
            }[];
            schedule: {
                cron: string;
                nextFireAt: string | null;
                /** @description The next tick in the schedule’s timezone */
                nextFireLocal: string | null;
                timezone: string;
            } | null;
            tasks: number;
            /** Format: date-time */
            updatedAt: string;
            /** @description Current version hash */
            version: string;
        };
    };
    responses: never;
    parameters: never;
    requestBodies: never;
    headers: never;
    pathItems: never;
}
export type $defs = Record<string, never>;
export type operations = Record<string, never>;
