# One image for every role of the cargo X-ray inspection system; compose.yaml picks the role by
# its command. Production install (no dev dependencies); runs as the unprivileged `node` user.
FROM node:20-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
COPY . .
RUN mkdir -p /data && chown -R node:node /data
USER node
ENV DATA_DIR=/data HOST=0.0.0.0 PORT=8080
EXPOSE 8080
# Node runs directly (not through npm), so SIGTERM from the container runtime reaches it.
CMD ["node", "--import", "tsx", "services/api/main.ts"]
