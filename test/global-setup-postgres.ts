import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { TEST_DATABASE_URL_VAR } from './helpers/postgres.ts';

// Vitest global setup: the tests that need PostgreSQL find it in FOOTHOLD_TEST_DATABASE_URL. When that is unset
// and the server binaries are installed, a throwaway cluster (bin/pg-test-cluster) serves this run: started
// here, before the workers, which inherit the variable, and removed at teardown. With neither, the variable
// stays unset and those tests fail saying so (test/helpers/postgres.ts).

const CLUSTER = fileURLToPath(new URL('../bin/pg-test-cluster', import.meta.url));
const PG_ROOT = '/usr/lib/postgresql';

function serverInstalled(): boolean {
  if (!existsSync(PG_ROOT)) return false;
  return readdirSync(PG_ROOT).some((version) => existsSync(`${PG_ROOT}/${version}/bin/initdb`));
}

export default function setup(): (() => void) | undefined {
  if (process.env[TEST_DATABASE_URL_VAR]?.trim() || !serverInstalled()) return undefined;
  // Directly under /tmp: the cluster runs as `nobody` when the tests run as root and must reach its folder.
  const dir = mkdtempSync('/tmp/foothold-pg-');
  const stop = () => {
    try {
      execFileSync(CLUSTER, ['stop', dir], { stdio: 'ignore' });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };
  let url: string;
  try {
    url = execFileSync(CLUSTER, ['start', dir], { encoding: 'utf8' }).trim();
  } catch (err) {
    stop();
    throw err;
  }
  process.env[TEST_DATABASE_URL_VAR] = url;
  return () => {
    delete process.env[TEST_DATABASE_URL_VAR];
    stop();
  };
}
