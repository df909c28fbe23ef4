# The MCP bridge as one Streamable HTTP service (MCP_TRANSPORT=http), e.g. next to LibreChat in its
# docker compose (docs/docker-compose.override.yml). It serves http://<host>:3030/mcp and
# GET /healthz. Configuration comes from the environment at run time (docs/configuration.md);
# nothing secret is baked in. Because it listens on 0.0.0.0, the bridge refuses to start without
# MCP_HTTP_TOKENS.
#
#   docker build -t twilio-sms-mcp .
#   docker run --rm -p 3030:3030 --env-file bridge.env twilio-sms-mcp
#
# Only npm packages are fetched while building (npm ci, from package-lock.json).

ARG NODE_IMAGE=node:22-slim

# ---- build: every dependency (esbuild, TypeScript sources), then the bundle ------------------
FROM ${NODE_IMAGE} AS build
WORKDIR /app
# The package files alone first, so this layer is reused while only sources change.
# --ignore-scripts: the `prepare` script builds, and the sources are not here yet; esbuild's own
# install script is then run by `npm rebuild esbuild`.
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund && npm rebuild esbuild
COPY . .
# Bundles mcp-bridge/src into mcp-bridge/dist (index.js runs bridge.js, which loads the rest on first use) (and the Functions, emulator, scripts,
# which the image does not keep). `twilio` stays external: it is installed in the final stage.
RUN npm run build

# ---- runtime: production dependencies and the bundle only ------------------------------------
FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production
WORKDIR /app
# `dependencies` only (the bundle requires `twilio` at run time; nothing else from node_modules).
# --ignore-scripts: `prepare` would try to build without esbuild; the build is copied below.
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/mcp-bridge/dist ./mcp-bridge/dist

# Files stay root-owned and read-only to the process; it writes nothing to disk.
USER node

ENV MCP_TRANSPORT=http \
    MCP_HTTP_HOST=0.0.0.0 \
    MCP_HTTP_PORT=3030
EXPOSE 3030

# No curl in slim images: Node's own fetch against /healthz (no credentials needed).
HEALTHCHECK --interval=30s --timeout=5s --start-period=15s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.MCP_HTTP_PORT || 3030) + '/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]

# node is PID 1 and handles SIGTERM itself: calls in flight get 10 s to finish (docker stop
# waits 10 s by default; the compose file gives it 15 s).
CMD ["node", "mcp-bridge/dist/index.js"]
