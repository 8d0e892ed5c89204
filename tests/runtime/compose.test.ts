/**
 * The deployment files hold together (issue 10 §3). There is no container runtime on these
 * machines, so compose.yaml is parsed and checked for what the system needs: every role present,
 * two workers, Redis with AOF and noeviction, PostgreSQL, one shared data volume, commands that
 * run node directly on files that exist, and a Dockerfile that installs without dev dependencies.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

const ROOT = path.resolve(import.meta.dirname, '../..');

interface Service {
  command?: string[];
  environment?: Record<string, string>;
  volumes?: string[];
  deploy?: { replicas?: number };
  depends_on?: Record<string, { condition: string }>;
  image?: string;
}

describe('compose.yaml and Dockerfile', () => {
  const compose = parse(fs.readFileSync(path.join(ROOT, 'compose.yaml'), 'utf8'), { merge: true }) as { services: Record<string, Service>; volumes: Record<string, unknown> };
  const s = compose.services;

  it('runs every role, two workers, Redis and PostgreSQL', () => {
    expect(Object.keys(s).sort()).toEqual(['adapter', 'api', 'postgres', 'redis', 'worker']);
    expect(s.worker!.deploy?.replicas).toBe(2);
  });

  it('starts each role with node directly, on a file that exists', () => {
    for (const role of ['api', 'adapter', 'worker']) {
      const cmd = s[role]!.command!;
      expect(cmd.slice(0, 3)).toEqual(['node', '--import', 'tsx']);
      expect(fs.existsSync(path.join(ROOT, cmd[3]!)), `${role}: ${cmd[3]}`).toBe(true);
    }
  });

  it('gives every role the same database, Redis and data volume, and waits for them', () => {
    for (const role of ['api', 'adapter', 'worker']) {
      const env = s[role]!.environment!;
      expect(env.DATABASE_URL).toMatch(/^postgres:\/\/cxr:.*@postgres:5432\/cxr$/);
      expect(env.REDIS_URL).toBe('redis://redis:6379');
      expect(env.DATA_DIR).toBe('/data');
      expect(s[role]!.volumes).toContain('cxr-data:/data');
      expect(s[role]!.depends_on).toMatchObject({ redis: { condition: 'service_healthy' }, postgres: { condition: 'service_healthy' } });
    }
    expect(s.adapter!.volumes).toContain('./inbox:/inbox');
    expect(Object.keys(compose.volumes)).toEqual(expect.arrayContaining(['cxr-data', 'redis-data', 'pg-data']));
  });

  it('runs Redis with AOF and noeviction (BullMQ loses jobs otherwise)', () => {
    const cmd = s.redis!.command!.join(' ');
    expect(cmd).toContain('--appendonly yes');
    expect(cmd).toContain('--maxmemory-policy noeviction');
  });

  it('builds an image without dev dependencies that starts node directly as a non-root user', () => {
    const docker = fs.readFileSync(path.join(ROOT, 'Dockerfile'), 'utf8');
    expect(docker).toMatch(/npm ci --omit=dev/);
    expect(docker).toMatch(/^USER node$/m);
    // The console needs Vite (a dev dependency): built in a first stage, its dist/ copied over.
    expect(docker).toMatch(/^FROM \S+ AS console$/m);
    expect(docker).toMatch(/npm run build -w services\/console/);
    expect(docker).toMatch(/^COPY --from=console \/app\/services\/console\/dist services\/console\/dist$/m);
    const cmd = JSON.parse(/^CMD (\[.*\])$/m.exec(docker)![1]!) as string[];
    expect(cmd.slice(0, 3)).toEqual(['node', '--import', 'tsx']);
    expect(fs.existsSync(path.join(ROOT, cmd[3]!))).toBe(true);
    // tsx must be a runtime dependency for that command to work after --omit=dev.
    const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
    expect(Object.keys(pkg.dependencies)).toContain('tsx');
  });
});
