# One image for every role of the cargo X-ray inspection system; compose.yaml picks the role by
# its command. Production install (no dev dependencies); runs as the unprivileged `node` user.
# The web console is built in a first stage with its dev dependencies (Vite, Preact) and only its
# static files are copied: `npm ci --omit=dev` alone leaves / answering 503 "not built".
FROM node:20-bookworm-slim AS console
WORKDIR /app
COPY package.json package-lock.json ./
COPY services/console/package.json services/console/
RUN npm ci --no-audit --no-fund --ignore-scripts
COPY services/console services/console
RUN npm run build -w services/console

FROM node:20-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
COPY . .
COPY --from=console /app/services/console/dist services/console/dist
RUN mkdir -p /data && chown -R node:node /data
USER node
ENV DATA_DIR=/data HOST=0.0.0.0 PORT=8080
EXPOSE 8080
# Node runs directly (not through npm), so SIGTERM from the container runtime reaches it.
CMD ["node", "--import", "tsx", "services/api/main.ts"]
