# syntax=docker/dockerfile:1
# The segment-mixpanel image: one image for every command (run, sandbox, produce, dlq …).
#   docker build -t segment-mixpanel .
#   docker run --rm segment-mixpanel --help
# The base image is pinned by tag (Node 20, Debian bookworm, slim); bump it deliberately.

# ── build: compile TypeScript with the dev dependencies ───────────────────────────────────────
FROM node:20.20.2-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
# No install scripts: nothing we depend on needs one (package.json "allowScripts").
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build

# ── runtime: production dependencies and the compiled JavaScript only ─────────────────────────
FROM node:20.20.2-bookworm-slim AS runtime
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/dist ./dist
# The package's command: without src/ next to it, it runs the compiled dist/cli.js.
COPY bin ./bin
# The image's unprivileged `node` user (uid 1000); nothing is written to disk at run time.
USER node
# /metrics, /healthz and /readyz (metrics.port).
EXPOSE 9464
# Liveness: the process answers. Readiness (/readyz: joined the group, Mixpanel reachable) is for
# orchestrators that route or gate on it; docker-compose.yml uses it for the processor service.
# Slim images have no curl, so Node's own fetch does the probe.
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.SEGMENT_MIXPANEL_METRICS_PORT || 9464) + '/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# Node handles SIGTERM itself (drain, commit, leave the group), so it can run as PID 1.
ENTRYPOINT ["node", "bin/segment-mixpanel.js"]
CMD ["run"]
