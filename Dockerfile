# Herald's production image: `docker build -t herald .` (or `podman build --format docker`, which
# keeps the HEALTHCHECK). The build stage installs every dependency and builds dist/; the runtime
# stage holds the production dependencies, the build, the migrations and the CLI launcher only.
# NODE_IMAGE is any Debian-based image with Node 24 and npm and a `node` user (uid 1000);
# scripts/ci/build-image.sh makes one from Debian packages where no registry is reachable.
ARG NODE_IMAGE=node:24-bookworm-slim

FROM ${NODE_IMAGE} AS build
WORKDIR /app
ENV npm_config_update_notifier=false
# The lockfile first, so that a change to the sources reuses the installed dependencies.
COPY package.json package-lock.json ./
RUN npm install --no-audit --no-fund
COPY . .
RUN npm run build

FROM ${NODE_IMAGE} AS runtime
WORKDIR /app
ENV NODE_ENV=production npm_config_update_notifier=false
COPY package.json package-lock.json ./
RUN npm install --omit=dev --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/dist ./dist
COPY drizzle ./drizzle
COPY scripts/herald.mjs ./scripts/herald.mjs
# The code stays root's and read-only to Herald; only DATA_DIR (the embedded database, the pages
# the public edge keeps, the mail outbox, the backups) is writable. A new volume takes the owner
# of the folder it is mounted on: backups/ is there for compose.yaml's shared backups volume.
RUN mkdir -p /data/backups && chown -R node:node /data
USER node
ENV HOST=0.0.0.0 PORT=4321 DATA_DIR=/data
VOLUME /data
EXPOSE 4321
# /healthz answers while the process runs, database up or down: the public pages are still served.
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
  CMD ["node", "-e", "fetch(`http://127.0.0.1:${process.env.PORT}/healthz`).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# Node is PID 1 and handles SIGTERM itself: requests and jobs in flight get 25 s to finish, so
# give the stop 30 s (`docker stop -t 30`, compose's stop_grace_period).
STOPSIGNAL SIGTERM
CMD ["node", "--max-semi-space-size=8", "dist/herald-server.mjs"]
