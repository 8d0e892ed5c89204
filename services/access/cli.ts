/**
 * `npm run users -- …`: manage users and API keys from a shell on the server, against the same
 * store as the API (config from the environment), through the same access service, so the CLI
 * is audited like the admin routes (actor: system "cli"). Needed at least once a deployment's
 * life: to reset the admin's password when it is lost.
 *
 *   add <username> --role R [--lanes a,b] [--password-stdin]
 *   passwd <username> [--password-stdin]
 *   disable <username>
 *   list
 *   key-add <label> --lanes a,b
 *   key-revoke <id>
 *
 * Without --password-stdin a random password is generated and printed once.
 */
import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import { ROLES, systemActor, type Role } from '../core/access.ts';
import { loadConfig, storeOptions } from '../core/config.ts';
import { isMain } from '../core/is-main.ts';
import { openStore } from '../store/database.ts';
import type { Store } from '../store/types.ts';
import { AccessError, createAccessService } from './service.ts';

const USAGE = `usage: npm run users -- <command>
  add <username> --role ${ROLES.join('|')} [--lanes a,b] [--password-stdin]
  passwd <username> [--password-stdin]
  disable <username>
  list
  key-add <label> --lanes a,b
  key-revoke <id>`;

export interface CliIo {
  /** Whole standard input (read only with --password-stdin). */
  readStdin(): Promise<string>;
  out(line: string): void;
  err(line: string): void;
}

async function readPassword(io: CliIo, fromStdin: boolean): Promise<{ password: string; generated: boolean }> {
  if (!fromStdin) return { password: randomBytes(18).toString('base64url'), generated: true };
  // The first line; a trailing newline from `echo` or a file is not part of the password.
  const password = (await io.readStdin()).split(/\r?\n/)[0] ?? '';
  return { password, generated: false };
}

function lanesOf(raw: string | undefined): string[] | undefined {
  return raw === undefined ? undefined : raw.split(',').map((l) => l.trim()).filter(Boolean);
}

/** Runs one command against `store`; returns the process exit code. */
export async function runUsersCli(argv: string[], store: Store, io: CliIo): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        role: { type: 'string' },
        lanes: { type: 'string' },
        'password-stdin': { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (err) {
    io.err(`${(err as Error).message}\n${USAGE}`);
    return 2;
  }
  const { values, positionals } = parsed;
  const [command, arg] = positionals;
  if (values.help) {
    io.out(USAGE);
    return 0;
  }
  if (!command) {
    io.err(USAGE);
    return 2;
  }
  const access = createAccessService(store);
  const actor = systemActor('cli');
  const need = (what: string): string => {
    if (!arg) throw new AccessError(400, `${command} needs ${what}\n${USAGE}`);
    return arg;
  };
  const userNamed = async (username: string) => {
    const u = await access.findUserByUsername(username);
    if (!u) throw new AccessError(404, `no user "${username}"`);
    return u;
  };

  try {
    switch (command) {
      case 'add': {
        const username = need('a username');
        const role = values.role as Role | undefined;
        if (!role || !(ROLES as readonly string[]).includes(role)) throw new AccessError(400, `--role must be one of ${ROLES.join(', ')}`);
        const { password, generated } = await readPassword(io, values['password-stdin']);
        const user = await access.createUser(actor, { username, role, lanes: lanesOf(values.lanes) ?? null, password });
        io.out(`created ${user.username} (${user.id}) role ${user.role}${user.lanes ? ` lanes ${user.lanes.join(',')}` : ''}`);
        if (generated) io.out(`password: ${password}`);
        return 0;
      }
      case 'passwd': {
        const user = await userNamed(need('a username'));
        const { password, generated } = await readPassword(io, values['password-stdin']);
        await access.setPassword(actor, user.id, password);
        io.out(`password of ${user.username} changed; its sessions are ended`);
        if (generated) io.out(`password: ${password}`);
        return 0;
      }
      case 'disable': {
        const user = await access.disableUser(actor, (await userNamed(need('a username'))).id);
        io.out(`disabled ${user.username} (${user.id}); its sessions are ended`);
        return 0;
      }
      case 'list': {
        for (const u of await access.listUsers()) {
          io.out([u.id, u.username, u.role, u.lanes ? u.lanes.join(',') : '*', u.disabled ? 'disabled' : 'enabled'].join('\t'));
        }
        return 0;
      }
      case 'key-add': {
        const label = need('a label');
        const { key, token } = await access.createApiKey(actor, { label, lanes: lanesOf(values.lanes) ?? [] });
        io.out(`created API key ${key.id} "${key.label}" (${key.role}) lanes ${key.lanes.join(',')}`);
        io.out(`token (shown only now): ${token}`);
        return 0;
      }
      case 'key-revoke': {
        const key = await access.revokeApiKey(actor, need('a key id'));
        io.out(`revoked ${key.id} "${key.label}" at ${key.revokedAt}`);
        return 0;
      }
      default:
        io.err(`unknown command "${command}"\n${USAGE}`);
        return 2;
    }
  } catch (err) {
    if (err instanceof AccessError) {
      io.err(err.message);
      return 1;
    }
    throw err;
  }
}

async function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  let text = '';
  for await (const chunk of stream) text += typeof chunk === 'string' ? chunk : (chunk as Buffer).toString('utf8');
  return text;
}

if (isMain(import.meta.url)) {
  const store = await openStore(storeOptions(loadConfig()));
  let code = 1;
  try {
    code = await runUsersCli(process.argv.slice(2), store, {
      readStdin: () => readAll(process.stdin),
      out: (l) => console.log(l),
      err: (l) => console.error(l),
    });
  } catch (err) {
    console.error(`users: ${err instanceof Error ? err.message : String(err)}`);
  } finally {
    await store.close();
  }
  process.exit(code);
}
