/** Child process for tests: opens (and so migrates) the SQLite store at argv[2], then exits 0, or 1 with the error. */
import { openStore } from '#services/store/database.ts';

const file = process.argv[2]!;
openStore({ sqlitePath: file }).then(
  async (store) => {
    await store.close();
    process.exit(0);
  },
  (err: unknown) => {
    console.error((err as Error).message);
    process.exit(1);
  },
);
