/**
 * `npm run audit:verify`: verifies the audit trail of the configured store (DATABASE_URL or the
 * SQLite file under DATA_DIR) from the command line, so an auditor does not need the API.
 *
 *   npm run audit:verify                              checks chain, head and checkpoints (server key)
 *   npm run audit:verify -- --public-key FILE         trusts only this public key (keep one off the server)
 *   npm run audit:verify -- --export-public-key FILE  writes the server's public key, to keep elsewhere
 *   npm run audit:verify -- --checkpoint              signs the current head now
 *
 * Exit code 0 when the trail is intact, 1 when it is not (or on error).
 */
import fs from 'node:fs';
import { parseArgs } from 'node:util';
import { loadConfig, storeOptions } from '../core/config.ts';
import { isMain } from '../core/is-main.ts';
import { openStore } from '../store/database.ts';
import { AuditSigner, loadPublicKey, verifyChain, writeCheckpoint } from './audit-service.ts';

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
      out(`public key ${signer.keyId} written to ${values['export-public-key']}`);
    }
    if (values.checkpoint) {
      const c = await writeCheckpoint(store.audit, AuditSigner.load(config.auditKeyFile));
      out(c ? `checkpoint signed at entry ${c.seq} (${c.hash.slice(0, 16)}…)` : 'the head is already signed (or the trail is empty)');
    }
    const publicKey = values['public-key'] ? loadPublicKey(values['public-key']) : AuditSigner.load(config.auditKeyFile).publicKey;
    const t0 = performance.now();
    const r = await verifyChain(store.audit, { publicKey, onProgress: (n) => out(`  … ${n} entries checked`) });
    const ms = Math.round(performance.now() - t0);
    out(`audit trail: ${r.entries} entries, head ${r.head.seq} (${r.head.hash.slice(0, 16)}…), ${r.checkpoints.checked} signed checkpoints (key ${r.checkpoints.keyId?.slice(0, 16)}…), ${ms} ms`);
    if (r.ok) {
      out('OK: every entry matches its hash and links to the one before; the head and every checkpoint match');
      return 0;
    }
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
