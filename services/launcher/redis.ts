/**
 * Makes sure a Redis answers at REDIS_URL. If none does and redis-server is on PATH, starts a
 * private one under DATA_DIR (AOF on, noeviction, loopback only) and returns its handle.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import { Redis } from 'ioredis';

async function ping(url: string): Promise<boolean> {
  const r = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, connectTimeout: 1500 });
  r.on('error', () => {});
  try {
    await r.connect();
    return (await r.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    r.disconnect();
  }
}

export interface RedisHandle {
  url: string;
  private: boolean;
  stop(): Promise<void>;
  /** Last resort before a forced exit: SIGKILL a private Redis (synchronous). */
  kill(): void;
}

export async function ensureRedis(url: string, dataDir: string, log: (m: string) => void): Promise<RedisHandle> {
  if (await ping(url)) return { url, private: false, stop: async () => {}, kill: () => {} };
  const u = new URL(url);
  const local = ['127.0.0.1', 'localhost', '::1', '[::1]'].includes(u.hostname);
  const found = spawnSync('sh', ['-c', 'command -v redis-server'], { encoding: 'utf8' }).stdout.trim();
  if (!local || !found) {
    throw new Error(
      `No Redis answers at ${url}. Install it (Debian/Ubuntu: apt-get install redis-server) so this command can start a private one, ` +
        `or point REDIS_URL at a Redis with maxmemory-policy noeviction.`,
    );
  }
  const dir = path.join(dataDir, 'redis');
  await fs.mkdir(dir, { recursive: true });
  const port = u.port || '6379';
  const child: ChildProcess = spawn(
    found,
    ['--bind', '127.0.0.1', '--port', port, '--dir', dir, '--appendonly', 'yes', '--appendfsync', 'everysec', '--maxmemory-policy', 'noeviction', '--save', ''],
    // Own process group: Ctrl-C reaches the launcher, which closes the workers before Redis.
    { stdio: ['ignore', 'ignore', 'inherit'], detached: true },
  );
  child.unref();
  for (let i = 0; i < 50; i++) {
    if (await ping(url)) {
      log(`started a private Redis on port ${port} (data in ${dir})`);
      return {
        url,
        private: true,
        stop: () =>
          new Promise((resolve) => {
            if (child.exitCode !== null || child.signalCode !== null) return resolve();
            child.once('exit', () => resolve());
            child.kill('SIGTERM');
          }),
        kill: () => {
          if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
        },
      };
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  child.kill('SIGKILL');
  throw new Error(`redis-server did not come up on port ${port}`);
}
