#!/usr/bin/env bash
# `make images`: builds the three process images of deploy/Dockerfile and smoke-tests each:
# it starts, runs as uid 1000, and answers `--version` through tini. Needs a Docker engine.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! docker info >/dev/null 2>&1; then
  echo "make images: no Docker engine answers here (\`docker info\` failed): no image was built or tested." >&2
  echo "Run it where Docker runs; \`make deploy-check\` lints the Dockerfiles offline." >&2
  exit 2
fi
TAG="${BATON_IMAGE_TAG:-dev}"
for target in coordinator api worker; do
  docker build -f deploy/Dockerfile --target "$target" -t "baton-$target:$TAG" .
  uid=$(docker run --rm --entrypoint id "baton-$target:$TAG" -u)
  [ "$uid" = 1000 ] || { echo "baton-$target runs as uid $uid, not 1000" >&2; exit 1; }
  docker run --rm --read-only --tmpfs /tmp "baton-$target:$TAG" --version
  echo "baton-$target:$TAG ok (uid 1000, read-only root, tini)"
done
