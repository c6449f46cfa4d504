# syntax=docker/dockerfile:1
#
# Foothold's production image (README → "Production guide").
#
#   docker build -t foothold .
#   docker run -d --name foothold --env-file .env -p 3000:3000 -v foothold-data:/app/data \
#     -v "$PWD/foothold.config.json:/app/foothold.config.json:ro" foothold
#
# The default command is what `npm start` runs: the Slack listeners, the outbox sender and the scheduled jobs
# in one process (the only way to run on a SQLite file). On PostgreSQL (DATABASE_URL=postgres://…) you can
# run the roles apart instead, any number of each:
#
#   docker run … foothold foothold web       # Slack listeners only (HTTP or Socket Mode)
#   docker run … foothold foothold worker    # outbox sender and scheduled jobs only
#   docker run --rm … foothold foothold db migrate   (or any other CLI command: `foothold help`)
#
# The TypeScript is compiled in a build stage (`npm run build`: src/ → dist/, plain ES modules with source maps);
# the image runs the JavaScript with plain Node, without tsx or the compiler.

ARG NODE_IMAGE=node:20-bookworm-slim

# ---- deps: production node_modules only. better-sqlite3 downloads a prebuilt binary when one matches this
# Node and platform, and compiles itself with python3, make and g++ when none does (or the download fails).
FROM ${NODE_IMAGE} AS deps
RUN apt-get update \
  && apt-get install -y --no-install-recommends python3 make g++ \
  && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund \
  && npm cache clean --force

# ---- build: src/ → dist/ (scripts/build.mjs, with TypeScript from the devDependencies). Transpiling needs no
# native module built, so no install scripts run here.
FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json ./
COPY scripts ./scripts
COPY src ./src
RUN npm run build

# ---- runtime: no compiler, the code owned by root and read-only to the process, which runs as `node`.
FROM ${NODE_IMAGE} AS runtime
# pg_dump and pg_restore, which `foothold db backup` / `db restore` use on PostgreSQL. Debian bookworm ships
# version 15: it backs up servers up to 15 (for a newer server, use that server's own pg_dump; see README).
RUN apt-get update \
  && apt-get install -y --no-install-recommends postgresql-client \
  && rm -rf /var/lib/apt/lists/*
ENV NODE_ENV=production \
  NPM_CONFIG_UPDATE_NOTIFIER=false \
  DATABASE_PATH=/app/data/foothold.db \
  FOOTHOLD_CONFIG=/app/foothold.config.json
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json package-lock.json foothold.config.example.json ./
COPY bin ./bin
COPY migrations ./migrations
# `foothold <command>` on the PATH (bin/foothold.js runs dist/cli/main.js). The SQLite data folder is the only
# place the process writes, private to it (0700) like the folder Foothold creates itself; with a read-only root
# filesystem, mount a tmpfs on /tmp for what the libraries may put there.
RUN ln -s /app/bin/foothold.js /usr/local/bin/foothold \
  && mkdir -p /app/data \
  && chown node:node /app/data \
  && chmod 0700 /app/data
USER node
VOLUME ["/app/data"]
# PORT's default: POST /slack/events (HTTP mode), GET /healthz (every mode), the OAuth pages.
EXPOSE 3000
# 200 once ready and while the database answers, else 503 (starting, shutting down, database unreachable or
# not writable). Slim images have no curl: Node's own fetch asks.
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 3000) + '/healthz', { signal: AbortSignal.timeout(4000) }).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# `npm start` without npm and a shell in between: SIGTERM (docker stop) reaches Foothold itself, which finishes
# the requests and deliveries in flight and closes the database. Under `npm start` as PID 1 the signal stops
# at npm's shell and the container is killed at the end of the stop timeout instead. Stack traces name
# dist/'s files, one for each source file; `-e NODE_OPTIONS=--enable-source-maps` maps them to the TypeScript
# (it costs memory once stacks are printed: see README → "Benchmarks", B6).
CMD ["node", "dist/main.js"]
