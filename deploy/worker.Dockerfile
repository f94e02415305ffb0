# syntax=docker/dockerfile:1
#
# A base for YOUR OWN worker image: TypeScript (or JavaScript) task handlers that live in your
# repository and depend on your own npm packages. Copy this file into your repository as
# `Dockerfile`, next to a package.json that lists @baton/sdk and @baton/cli (the published
# packages: `make pack` in Baton writes them) and a lockfile, then:
#
#   docker build -t registry.example.com/team/extract-worker:1.4.0 .
#   docker run registry.example.com/team/extract-worker:1.4.0 worker --queue extract --handlers handlers/index.ts
#
# Your handlers run through the `baton worker` command (tsx loads TypeScript, no build step) or
# through your own entry point calling `startWorker` from @baton/sdk (`CMD` below). Either way the
# image has the same guarantees as Baton's own: uid 1000, read-only root filesystem (only /tmp
# written), tini as PID 1 so SIGTERM reaches node and the worker drains, /readyz on 9465.

ARG NODE_IMAGE=node:20-bookworm-slim

# deps: production dependencies only, from your lockfile (the slow layer; rebuilt only when
# package.json or the lockfile changes).
FROM ${NODE_IMAGE} AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN --mount=type=cache,target=/root/.npm npm ci --omit=dev --no-audit --no-fund

FROM ${NODE_IMAGE} AS worker
RUN apt-get update \
 && apt-get install -y --no-install-recommends tini ca-certificates \
 && rm -rf /var/lib/apt/lists/*
ENV NODE_ENV=production \
    BATON_METRICS_HOST=0.0.0.0
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
# Your handlers and anything they read (keep tests and secrets out with a .dockerignore).
COPY package.json ./
COPY handlers ./handlers
USER 1000:1000
EXPOSE 9465
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.BATON_METRICS_PORT||9465)+'/readyz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
ENTRYPOINT ["/usr/bin/tini", "--", "node", "node_modules/@baton/cli/bin/baton.js"]
CMD ["worker", "--queue", "default", "--handlers", "handlers/index.ts"]
