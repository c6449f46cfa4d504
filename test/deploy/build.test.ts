import { spawnSync } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSlackRequester, slashCommand } from '../../src/dev/slack-client.ts';
import { type SlackStandIn, startSlackStandIn } from '../../src/dev/slack-stand-in.ts';
import { SIGNING_SECRET } from '../helpers/harness.ts';
import {
  BOT_TOKEN,
  botEnv,
  freePort,
  type SpawnedProcess,
  spawnUntilHealthy,
} from '../reliability/support/bot-process.ts';
import {
  ORGS,
  type Org,
  partnerPerson,
  programStandIn,
  writeProgramConfig,
} from '../reliability/support/program.ts';
import { dockerStages } from './dockerfile.ts';

// `npm run build` (scripts/build.mjs) against what production runs. The build goes into a temporary tree laid
// out as the image's runtime stage lays it out (the files its COPY instructions name, dist/ from the build
// stage), with no src/ and a node_modules holding every package but tsx (what `npm ci --omit=dev` leaves): the
// CLI and the bot run there with plain Node, so nothing in them can lean on tsx or on a TypeScript file.

const ROOT = resolve(import.meta.dirname, '../..');
const SRC = join(ROOT, 'src');
let tree: string;
let dist: string;

function tsFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'))
    .map((f) => join(dir, f));
}

/** `node <tree>/bin/foothold.js …` with only PATH and `env`. */
function foothold(args: string[], env: Record<string, string> = {}) {
  const run = spawnSync(process.execPath, [join(tree, 'bin/foothold.js'), ...args], {
    cwd: tree,
    env: { PATH: process.env.PATH ?? '', ...env },
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { code: run.status, out: run.stdout, err: run.stderr };
}

beforeAll(() => {
  tree = mkdtempSync(join(tmpdir(), 'foothold-build-'));
  dist = join(tree, 'dist');
  const built = spawnSync(process.execPath, [join(ROOT, 'scripts/build.mjs'), '--out', tree, '--bench'], {
    encoding: 'utf8',
    timeout: 120_000,
  });
  expect(built.stderr).toBe('');
  expect(built.status).toBe(0);
  // What the runtime stage copies from the build context (its other COPYs come from earlier stages).
  const runtime = dockerStages(readFileSync(join(ROOT, 'Dockerfile'), 'utf8')).at(-1);
  const copied = (runtime?.instructions ?? [])
    .filter((i) => i.op === 'COPY' && !i.args.startsWith('--from='))
    .flatMap((i) => i.args.split(/\s+/).slice(0, -1));
  expect(copied).toEqual(expect.arrayContaining(['package.json', 'bin', 'migrations']));
  for (const path of copied) cpSync(join(ROOT, path), join(tree, path), { recursive: true });
  mkdirSync(join(tree, 'node_modules'));
  for (const name of readdirSync(join(ROOT, 'node_modules'))) {
    if (name === 'tsx' || name.startsWith('.')) continue;
    symlinkSync(join(ROOT, 'node_modules', name), join(tree, 'node_modules', name));
  }
}, 180_000);

afterAll(() => {
  if (tree) rmSync(tree, { recursive: true, force: true });
});

describe('npm run build', () => {
  it('compiles every source file to an ES module with a source map pointing back at it', () => {
    const sources = tsFiles(SRC);
    expect(sources.length).toBeGreaterThan(100);
    for (const source of sources) {
      const js = join(dist, relative(SRC, source)).replace(/\.ts$/, '.js');
      const text = readFileSync(js, 'utf8');
      expect(text.trimEnd().endsWith(`//# sourceMappingURL=${js.split('/').at(-1)}.map`), js).toBe(true);
      const map = JSON.parse(readFileSync(`${js}.map`, 'utf8')) as { sources: string[] };
      expect(map.sources.map((s) => resolve(dirname(js), s))).toEqual([source]);
    }
    expect(JSON.parse(readFileSync(join(dist, '.build.json'), 'utf8')).files).toBe(sources.length);
  });

  it('leaves no TypeScript import: every relative import names a file of the tree', () => {
    const js = ['dist', 'bench/.build'].flatMap((dir) =>
      readdirSync(join(tree, dir), { recursive: true, encoding: 'utf8' })
        .filter((f) => f.endsWith('.js'))
        .map((f) => join(dir, f)),
    );
    let relativeImports = 0;
    for (const file of js) {
      const path = join(tree, file);
      const { importedFiles } = ts.preProcessFile(readFileSync(path, 'utf8'), true, true);
      for (const { fileName } of importedFiles) {
        if (!fileName.startsWith('.')) continue;
        relativeImports++;
        expect(fileName, `${file} imports ${fileName}`).not.toMatch(/\.ts$/);
        expect(existsSync(resolve(dirname(path), fileName)), `${file} imports ${fileName}`).toBe(true);
      }
    }
    expect(relativeImports).toBeGreaterThan(500);
    // The lazily loaded modules (CRM providers, the playground) are among them.
    expect(readFileSync(join(dist, 'crm/provider.js'), 'utf8')).toContain(
      "await import('./hubspot/provider.js')",
    );
    // The benchmark's bot runs the build, not a copy of its own (--bench).
    expect(readFileSync(join(tree, 'bench/.build/serve-foothold.js'), 'utf8')).toContain(
      "import { startFoothold } from '../../dist/main.js';",
    );
  });
});

describe('the compiled CLI, without src/ or tsx', () => {
  it('prints its help', () => {
    expect(existsSync(join(tree, 'src'))).toBe(false);
    expect(existsSync(join(tree, 'node_modules/tsx'))).toBe(false);
    const { code, out, err } = foothold(['help']);
    expect(err).toBe('');
    expect(code).toBe(0);
    expect(out).toMatch(/^usage: foothold <command>/);
    expect(out).toMatch(/\n {2}db migrate /);
  });

  it('creates a SQLite database with every migration of migrations/sqlite, found from dist/', () => {
    const journal = JSON.parse(readFileSync(join(ROOT, 'migrations/sqlite/meta/_journal.json'), 'utf8'));
    const total = (journal.entries as unknown[]).length;
    const data = join(tree, 'data');
    mkdirSync(data, { mode: 0o700 });
    const db = join(data, 'foothold.db');
    const first = foothold(['db', 'migrate'], { DATABASE_PATH: db });
    expect(first.err).toBe('');
    expect(first.out.trim()).toBe(`ok: ${db} created (${total} migrations applied, ${total} in total)`);
    const again = foothold(['db', 'migrate'], { DATABASE_PATH: db });
    expect(again.out.trim()).toBe(`ok: ${db} is up to date (0 migrations applied, ${total} in total)`);
  });

  it('says what to run when there is no build and no tsx to fall back on', () => {
    const stamp = join(dist, '.build.json');
    const saved = readFileSync(stamp);
    rmSync(stamp);
    try {
      const { code, err } = foothold(['help']);
      expect(code).toBe(1);
      expect(err).toBe('foothold: no build in dist/: run `npm run build` first\n');
    } finally {
      writeFileSync(stamp, saved);
    }
  });

  it('in a checkout whose src/ changed after the build, warns and runs the build when tsx is not there', () => {
    const changed = join(tree, 'src/app.ts');
    mkdirSync(dirname(changed), { recursive: true });
    writeFileSync(changed, '// edited after the build\n');
    const later = new Date(Date.now() + 60_000);
    utimesSync(changed, later, later);
    try {
      const { code, out, err } = foothold(['help']);
      expect(err).toBe('foothold: src/ changed after the build in dist/; run `npm run build`\n');
      expect(code).toBe(0);
      expect(out).toMatch(/^usage: foothold <command>/);
    } finally {
      rmSync(join(tree, 'src'), { recursive: true, force: true });
    }
  });
});

describe('the CLI in a development checkout (src/ and tsx beside the build)', () => {
  it('runs a source file edited after the build, through tsx, rather than the stale build', () => {
    cpSync(SRC, join(tree, 'src'), { recursive: true });
    symlinkSync(join(ROOT, 'node_modules/tsx'), join(tree, 'node_modules/tsx'));
    const help = join(tree, 'src/cli/help-text.ts');
    try {
      const before = foothold(['help']);
      expect(before.err).toBe('');
      expect(before.out).toMatch(/^usage: foothold <command> \[options\] +\(from a checkout:/);
      writeFileSync(
        help,
        readFileSync(help, 'utf8').replace('(from a checkout:', '(from an edited checkout:'),
      );
      const later = new Date(Date.now() + 60_000);
      utimesSync(help, later, later);
      const after = foothold(['help']);
      expect(after.err).toBe('');
      expect(after.code).toBe(0);
      expect(after.out).toMatch(/^usage: foothold <command> \[options\] +\(from an edited checkout:/);
    } finally {
      rmSync(join(tree, 'src'), { recursive: true, force: true });
      rmSync(join(tree, 'node_modules/tsx'));
    }
  });
});

describe('the compiled bot (node dist/main.js), without src/ or tsx', () => {
  let standIn: SlackStandIn;
  let bot: SpawnedProcess | null = null;
  afterAll(async () => {
    bot?.child.kill('SIGKILL');
    await bot?.exited;
    await standIn?.close();
  });

  it('starts on a new SQLite file, answers /healthz and opens the /eql modal', async () => {
    standIn = await startSlackStandIn(programStandIn());
    const configDir = mkdtempSync(join(tree, 'config-'));
    const port = await freePort();
    const database = { DATABASE_PATH: join(configDir, 'foothold.db') };
    bot = await spawnUntilHealthy({
      nodeArgs: [],
      args: ['dist/main.js'],
      cwd: tree,
      env: botEnv({ apiUrl: standIn.apiUrl, database, configPath: writeProgramConfig(configDir) }, port),
      port,
      name: 'the compiled bot',
      timeoutMs: 60_000,
      stepMs: 50,
    });
    const slack = createSlackRequester({
      baseUrl: `http://127.0.0.1:${port}`,
      signingSecret: SIGNING_SECRET,
    });
    const person = partnerPerson(ORGS[0] as Org, 1);
    const seen = standIn.calls().at(-1)?.seq ?? 0;
    const res = await slack.command(
      slashCommand({
        command: '/eql',
        userId: person.userId,
        teamId: person.teamId,
        channelId: person.channelId ?? undefined,
        text: '',
        triggerId: standIn.issueTriggerId({ userId: person.userId }),
      }),
    );
    expect(res.status).toBe(200);
    const opened = await standIn.waitFor((c) => c.method === 'views.open' && c.seq > seen, 10_000);
    expect(opened.token).toBe(BOT_TOKEN);
    expect(JSON.stringify(opened.args)).toContain('submit_lead');
  });
});
