/**
 * `npm run audit:verify`: verifies the audit trail of the configured store (DATABASE_URL or the
 * SQLite file under DATA_DIR) from the command line, so an auditor does not need the API.
 *
 *   npm run audit:verify                              chain, head and checkpoints, with the server's key file
 *   npm run audit:verify -- --public-key FILE         trusts only this public key (keep one off the server)
 *   npm run audit:verify -- --export-public-key FILE  writes the server's public key, to keep elsewhere
 *   npm run audit:verify -- --checkpoint              signs what is due (and the head) now, then verifies
 *
 * Exit code 0 when the trail is intact, 1 when it is not (or on error).
 */
import fs from 'node:fs';
import { parseArgs } from 'node:util';
import { loadConfig, storeOptions } from '../core/config.ts';
import { isMain } from '../core/is-main.ts';
import { openStore } from '../store/database.ts';
import { AuditSigner, CheckpointRefused, keyIdOf, lastSignedFileOf, loadPublicKey, publicKeyOfKeyFile, readLastSigned, verifyChain, writeCheckpoints } from './audit-service.ts';

const short = (hash: string) => `${hash.slice(0, 16)}…`;

export async function runAuditVerify(argv: string[], out: (line: string) => void = (l) => console.log(l)): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: { 'public-key': { type: 'string' }, 'export-public-key': { type: 'string' }, checkpoint: { type: 'boolean' } },
  });
  const config = loadConfig();
  const store = await openStore(storeOptions(config));
  try {
    if (values['export-public-key']) {
      const signer = AuditSigner.load(config.auditKeyFile);
      fs.writeFileSync(values['export-public-key'], signer.publicKeyPem());
      out(`public key ${signer.keyId} written to ${values['export-public-key']}: keep a copy away from this server`);
    }
    let refused = false;
    if (values.checkpoint) {
      try {
        const written = await writeCheckpoints(store.audit, AuditSigner.load(config.auditKeyFile), { every: config.auditCheckpointEvery, headAfterMs: 0 });
        const last = written.at(-1);
        out(last ? `signed ${written.length} checkpoint(s), the newest at entry ${last.seq} (${short(last.hash)})` : 'nothing to sign: the head is already signed (or the trail is empty)');
      } catch (err) {
        if (!(err instanceof CheckpointRefused)) throw err;
        refused = true;
        out(`checkpoint REFUSED: ${err.message}`);
      }
    }

    const publicKey = values['public-key'] ? loadPublicKey(values['public-key']) : publicKeyOfKeyFile(config.auditKeyFile);
    if (!publicKey) {
      out(`no signing key at ${config.auditKeyFile}: pass --public-key FILE to verify the checkpoint signatures`);
      return 1;
    }
    const keySource = values['public-key'] ? values['public-key'] : `the server's key file ${config.auditKeyFile}`;
    const head = await store.audit.head();
    out(`verifying ${head.seq} audit entries with key ${short(keyIdOf(publicKey))} (${keySource})`);
    const t0 = performance.now();
    const r = await verifyChain(store.audit, {
      publicKey,
      checkpointEvery: config.auditCheckpointEvery,
      lastSigned: readLastSigned(lastSignedFileOf(config.auditKeyFile)),
      onProgress: (n, total) => out(`  … ${n} / ${total} entries checked`),
    });
    const s = ((performance.now() - t0) / 1000).toFixed(1);
    out(`entries checked: ${r.entries} (${s} s)`);
    out(`head: entry ${r.head.seq} (${r.head.seq ? short(r.head.hash) : 'empty trail'})`);
    out(
      `checkpoints checked: ${r.checkpoints.checked}` +
        (r.checkpoints.lastSeq ? `, the newest at entry ${r.checkpoints.lastSeq}` : ', none signed yet') +
        (r.checkpoints.unsigned ? `; ${r.checkpoints.unsigned} entries after it not yet signed` : ''),
    );
    if (r.ok && !refused) {
      out('OK: every entry matches its hash and links to the one before; the head and every checkpoint match');
      return 0;
    }
    if (r.ok) return 1;
    out(`BROKEN at entry ${r.firstBroken!.seq}: ${r.firstBroken!.reason}: ${r.firstBroken!.message}`);
    return 1;
  } finally {
    await store.close();
  }
}

if (isMain(import.meta.url)) {
  runAuditVerify(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err: unknown) => {
      console.error(`audit:verify: ${(err as Error).message}`);
      process.exit(1);
    },
  );
}
