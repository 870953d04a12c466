# Production image: Node 24 LTS. The same image runs the API, the workers and the migration job.
FROM node:24-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY package.json package-lock.json ./
COPY scripts ./scripts
COPY prisma ./prisma
COPY prisma.config.ts ./
RUN npm ci --include=dev && npm cache clean --force
COPY . .
USER node
EXPOSE 3000
CMD ["npm", "run", "start:api"]
