/**
 * `npm run eval -- --record-from DIR` puts a saved leave-scanners-out run in its model's card
 * without running it again, and records the same table as `--write-card` would have. It refuses a
 * run made with another model file, other thresholds or rules, another simulated cargo revision, or
 * fewer row groups.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const ROOT = path.resolve(import.meta.dirname, '../..');
const MODEL = 'wildlife-timber-fcn-tube@2.2.0';
let tmp = '';
afterAll(async () => {
  if (tmp) await fs.rm(tmp, { recursive: true, force: true });
});

const evalCli = (args: string[], modelsDir: string) =>
  run(process.execPath, ['--import', 'tsx', path.join(ROOT, 'models/evaluation/eval.ts'), ...args], { cwd: ROOT, env: { ...process.env, MODELS_DIR: modelsDir }, maxBuffer: 1 << 26 });

describe('eval --record-from', () => {
  it('records a saved run like --write-card, and refuses runs of another model file, cargo revision or fewer groups', async () => {
    tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'cxr-record-'));
    const modelsDir = path.join(tmp, 'models');
    const dir = path.join(modelsDir, 'wildlife-timber-fcn-tube', '2.2.0');
    await fs.mkdir(dir, { recursive: true });
    for (const f of ['card.json', 'model.onnx']) await fs.copyFile(path.join(ROOT, 'models/wildlife-timber-fcn-tube/2.2.0', f), path.join(dir, f));
    const cardFile = path.join(dir, 'card.json');
    const lso = path.join(tmp, 'lso');
    await evalCli(['--leave-scanners-out', 'tube', '--per-family', '2', '--profile-only', '--model', MODEL, '--out', lso, '--write-card'], modelsDir);
    const written = JSON.parse(await fs.readFile(cardFile, 'utf8')).evaluation.leaveScannersOut;
    expect(written.rows).toHaveLength(3);

    // a card without the table gets the same one back from the saved run
    const card = JSON.parse(await fs.readFile(cardFile, 'utf8'));
    delete card.evaluation.leaveScannersOut;
    await fs.writeFile(cardFile, JSON.stringify(card));
    await evalCli(['--record-from', lso], modelsDir);
    const recorded = JSON.parse(await fs.readFile(cardFile, 'utf8')).evaluation.leaveScannersOut;
    expect(recorded.table).toBe(written.table);
    expect(recorded.rows).toEqual(written.rows);
    expect(recorded.command).toBe(written.command);
    expect(recorded.calibrations).toEqual(['profile']);
    expect(recorded.recordedFrom).toMatch(/leave-scanners-out\.json$/);

    const saved = JSON.parse(await fs.readFile(path.join(lso, 'leave-scanners-out.json'), 'utf8'));
    const refused = async (change: (j: Record<string, unknown>) => void, why: RegExp) => {
      const j = structuredClone(saved);
      change(j);
      const f = path.join(tmp, 'changed.json');
      await fs.writeFile(f, JSON.stringify(j));
      const err = await evalCli(['--record-from', f], modelsDir).then(() => null, (e: { stderr: string }) => e);
      expect(err, 'refused').not.toBeNull();
      expect(err!.stderr).toMatch(why);
    };
    await refused((j) => (j.sha256 = '0'.repeat(64)), /another .* file/);
    await refused((j) => (j.cargoRevision = 1), /cargo revision 1/);
    await refused((j) => (j.seed = 970000), /seed 970000; a card records the standard draw/);
    await refused((j) => delete j.harnessRevision, /harness revision 1/);
    await refused((j) => (j.rows = (j.rows as unknown[]).slice(1)), /lacks row groups tube-140\/70-fe \(profile\)/);
    await refused((j) => delete j.sha256, /another .* file \(sha256 not saved/);
    await refused((j) => ((j.thresholds as { ivory: { score: number } }).ivory.score += 0.01), /other thresholds/);
    await refused((j) => (j.rules = { timberLoad: { minAreaM2: 0.1, minExtentM: 0.1 } }), /other rules/);
    // a run with both calibrations must hold both for every group
    await refused((j) => (j.profileOnly = false), /lacks row groups tube-140\/70-fe \(nominal\)/);
  }, 240_000);
});
