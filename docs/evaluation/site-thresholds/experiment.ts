/**
 * Experiment behind docs/evaluation/site-thresholds/README.md: wildlife thresholds fitted on a
 * site's own benign scans of a held-out scanner family (the same scanner units as the
 * leave-scanners-out test scans of that family, other scans), against the card's thresholds.
 * Writes per-scan maxima; analyse.py makes the table.
 *   npx tsx docs/evaluation/site-thresholds/experiment.ts linac-6/4-cu 1 200 150
 *   npx tsx docs/evaluation/site-thresholds/experiment.ts linac-9/6-cu 2 200 150
 *   python3 docs/evaluation/site-thresholds/analyse.py docs/evaluation/site-thresholds/linac-*.json
 */
import { loadModelDir } from '#services/model-registry/registry.ts';
import { simulatedScans } from '#models/evaluation/labelled-scans.ts';
import { analyseLabelled, type AnalysedScan } from '#models/evaluation/run-analysis.ts';
import fs from 'node:fs';
const [family, kStr, nBenign, nTest] = [process.argv[2]!, process.argv[3] ?? '1', Number(process.argv[4] ?? 200), Number(process.argv[5] ?? 150)];
const k = Number(kStr);
const model = await loadModelDir('models/wildlife-timber-fcn/2.2.0');
const seed = 950_000;
// the LSO pool of this family (same units as npm run eval --leave-scanners-out)
const scanners = { families: [family], count: 3, seed: seed + 500 + k, nominalFraction: 0 };
const test = await analyseLabelled(simulatedScans({ source: 'linac', seed: seed + k * 1000, count: nTest, scenario: 'mixed', scanners } as any), model, { progressLabel: 'test', expected: nTest });
const benign = await analyseLabelled(simulatedScans({ source: 'linac', seed: 777_000 + k, count: nBenign, scenario: 'benign', scanners } as any), model, { progressLabel: 'benign', expected: nBenign });
const slim = (a: AnalysedScan[]) => a.map((s) => ({ serial: s.metadata.scanner?.serial, max: s.maxScore, truth: [...new Set(s.truth.objects.map((o: any) => o.class))] }));
fs.writeFileSync(`docs/evaluation/site-thresholds/${family.replace(/\//g, '_')}.json`, JSON.stringify({ family, test: slim(test), benign: slim(benign) }));
console.log('wrote');
