import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { isBuiltin } from 'node:module';
import type { AddressInfo } from 'node:net';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseEnv as parseDotEnv } from 'node:util';
import ts from 'typescript';
import { afterEach, describe, expect, it } from 'vitest';
import { envSchema, parseEnv } from '../../src/config/env.ts';
import { dockerStages } from './dockerfile.ts';
import { parseYamlSubset, YamlSubsetError, type YamlValue } from './yaml-subset.ts';

// The deployment files (Dockerfile, .dockerignore, compose.yaml, .env.example, deploy/*.service) against the code
// they deploy: the settings the schema knows, the entry points package.json runs, the packages the runtime
// imports, and the health check's behaviour. No Docker daemon or systemd is needed: they are read as text.

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const read = (path: string) => readFileSync(join(ROOT, path), 'utf8');

/** Settings the PostgreSQL work (issue 12) adds; once they are in the schema this list changes nothing. */
const NEW_SETTINGS = ['DATABASE_URL', 'DATABASE_POOL_SIZE', 'DATABASE_STATEMENT_TIMEOUT_MS'];
const SCHEMA_KEYS = Object.keys(envSchema.shape);
const FOOTHOLD_SETTINGS = new Set([...SCHEMA_KEYS, ...NEW_SETTINGS]);

type Obj = { [key: string]: YamlValue };
function obj(value: YamlValue | undefined, what: string): Obj {
  if (value === null || value === undefined || typeof value !== 'object' || Array.isArray(value)) {
    throw new Error(`${what} is not a mapping`);
  }
  return value;
}

// ---------------------------------------------------------------------------------------------------------
// .env.example

interface ExampleLine {
  key: string;
  value: string;
  commented: boolean;
  n: number;
}

/** Every assignment in .env.example, live (`KEY=value`) or offered commented out (`# KEY=value`). */
function exampleAssignments(text: string): ExampleLine[] {
  const out: ExampleLine[] = [];
  text.split('\n').forEach((line, i) => {
    const m = /^(#\s*)?([A-Z][A-Z0-9_]*)=(.*)$/.exec(line);
    if (m) out.push({ key: m[2] as string, value: m[3] as string, commented: Boolean(m[1]), n: i + 1 });
  });
  return out;
}

/** `${VAR}`, `${VAR:?message}`, `${VAR:-default}`: the variables Compose interpolates into compose.yaml. */
function composeVariables(text: string): Set<string> {
  return new Set([...text.matchAll(/\$\{([A-Z_][A-Z0-9_]*)/g)].map((m) => m[1] as string));
}

describe('.env.example', () => {
  const text = read('.env.example');
  const lines = exampleAssignments(text);
  const keys = lines.map((l) => l.key);
  const composeOnly = composeVariables(read('compose.yaml'));

  it('lists each variable the settings schema knows, and the new database settings, once', () => {
    const duplicates = keys.filter((k, i) => keys.indexOf(k) !== i);
    expect(duplicates).toEqual([]);
    const foothold = keys.filter((k) => !composeOnly.has(k)).sort();
    expect(foothold).toEqual([...FOOTHOLD_SETTINGS].sort());
  });

  it("lists compose.yaml's own variables, which Foothold never reads", () => {
    expect(composeOnly.size).toBeGreaterThan(0);
    for (const key of composeOnly) {
      expect(keys, `${key} (used in compose.yaml)`).toContain(key);
      expect(FOOTHOLD_SETTINGS.has(key), `${key} is also a Foothold setting`).toBe(false);
    }
  });

  it('has a comment above every variable', () => {
    const all = text.split('\n');
    for (const l of lines) {
      const above = all[l.n - 2] ?? '';
      const described = /^#\s/.test(above) && !/^#\s*[A-Z][A-Z0-9_]*=/.test(above);
      const inGroup = /^#\s*[A-Z][A-Z0-9_]*=/.test(above); // SLACK_CLIENT_ID, _SECRET, _STATE_SECRET share one
      expect(described || inGroup, `${l.key} (line ${l.n}) has no comment above it`).toBe(true);
    }
  });

  it('keeps to lines Docker, systemd and Node all read the same way', () => {
    for (const l of lines) {
      expect(l.value, `${l.key}: no quotes`).not.toMatch(/^["']|["']$/);
      expect(l.value, `${l.key}: no comment after the value`).not.toMatch(/\s#/);
      expect(l.value, `${l.key}: no surrounding white space`).toBe(l.value.trim());
    }
    expect(text).not.toMatch(/^\s*export\s/m);
  });

  it('boots as copied: the live lines pass the settings check', () => {
    const env = parseDotEnv(text);
    expect(Object.keys(env).sort()).toEqual(
      lines
        .filter((l) => !l.commented)
        .map((l) => l.key)
        .sort(),
    );
    expect(() => parseEnv(env)).not.toThrow();
  });

  it('offers only values each variable accepts, once uncommented', () => {
    const shape = envSchema.shape as Record<string, { safeParse(v: unknown): { success: boolean } }>;
    const checked = lines.filter((l) => l.value !== '' && shape[l.key]);
    expect(checked.length).toBeGreaterThan(10);
    for (const l of checked) {
      expect(shape[l.key]?.safeParse(l.value).success, `${l.key}=${l.value}`).toBe(true);
    }
  });

  it('holds placeholders, never anything shaped like a real secret', () => {
    const realLooking = [
      /^xox[abposr]-\d+-/, // Slack tokens carry numeric ids
      /^xapp-\d-/,
      /^pat-[a-z]{2}\d-[0-9a-f]{8}-/, // HubSpot private-app tokens
      /^[A-Za-z0-9+/]{43}=$/, // a 32-byte key as base64
      /^[0-9a-f]{32,}$/i, // a key or secret as hex
      /:\/\/[^:/]+:(?!change-me@)[^@]+@/, // a password in a URL, other than the placeholder
    ];
    for (const l of lines) {
      for (const pattern of realLooking) expect(l.value, `${l.key} looks real`).not.toMatch(pattern);
    }
  });
});

// ---------------------------------------------------------------------------------------------------------
// compose.yaml

describe('compose.yaml', () => {
  const compose = obj(parseYamlSubset(read('compose.yaml')), 'compose.yaml');
  const services = obj(compose.services, 'services');
  const foothold = ['web', 'worker'] as const;

  it('runs postgres:15 on a named volume, with a health check', () => {
    const pg = obj(services.postgres, 'postgres');
    expect(pg.image).toBe('postgres:15');
    const mount = (pg.volumes as string[]).find((v) => v.endsWith(':/var/lib/postgresql/data'));
    const volume = mount?.split(':')[0] as string;
    expect(Object.keys(obj(compose.volumes, 'volumes'))).toContain(volume);
    const test = obj(pg.healthcheck, 'postgres healthcheck').test as string[];
    expect(test[0]).toBe('CMD-SHELL');
    expect(test[1]).toMatch(/^pg_isready\b/);
    const env = obj(pg.environment, 'postgres environment');
    expect(env.POSTGRES_PASSWORD).toMatch(/^\$\{POSTGRES_PASSWORD:\?/); // refuses to start without one
  });

  it.each(foothold)('runs `foothold %s` on that database once it is healthy, with .env', (role) => {
    const s = obj(services[role], role);
    expect(s.build).toBe('.');
    expect(s.command).toEqual(['foothold', role]);
    expect(s.env_file).toBe('.env');
    expect(obj(obj(s.depends_on, 'depends_on').postgres, 'depends_on.postgres').condition).toBe(
      'service_healthy',
    );
    const env = obj(s.environment, `${role} environment`);
    const pg = obj(obj(services.postgres, 'postgres').environment, 'postgres environment');
    const passwordRef = `\${POSTGRES_PASSWORD}`; // Compose's interpolation, not a template placeholder
    const url = new URL(String(env.DATABASE_URL).replace(passwordRef, 'pw'));
    expect(url.protocol).toBe('postgres:');
    expect(url.hostname).toBe('postgres');
    expect(url.username).toBe(pg.POSTGRES_USER);
    expect(url.pathname).toBe(`/${pg.POSTGRES_DB}`);
    expect(String(env.DATABASE_URL)).toContain(`:${passwordRef}@`);
    expect(Object.keys(env).every((k) => FOOTHOLD_SETTINGS.has(k))).toBe(true);
    // Hardened: a read-only root with a tmpfs on /tmp, no capabilities.
    expect(s.read_only).toBe(true);
    expect(s.tmpfs).toContain('/tmp');
    expect(s.cap_drop).toEqual(['ALL']);
  });

  it('publishes one host port for each web replica, onto the port Foothold listens on', () => {
    const web = obj(services.web, 'web');
    const replicas = obj(web.deploy, 'web deploy').replicas;
    expect(replicas).toBe(2);
    const [host, from, to, container] =
      /^(?:([\d.]+):)?(\d+)-(\d+):(\d+)$/.exec(String((web.ports as string[])[0]))?.slice(1) ?? [];
    expect(host).toBe('127.0.0.1');
    expect(Number(to) - Number(from) + 1).toBe(replicas);
    expect(container).toBe(String(obj(web.environment, 'web environment').PORT));
    expect(obj(services.worker, 'worker').ports).toBeUndefined();
  });

  it('mounts the program config read-only where FOOTHOLD_CONFIG points, refusing a missing file', () => {
    for (const role of foothold) {
      const s = obj(services[role], role);
      const mount = obj((s.volumes as YamlValue[])[0], `${role} volume`);
      expect(mount.target).toBe(obj(s.environment, 'environment').FOOTHOLD_CONFIG);
      expect(mount.read_only).toBe(true);
      expect(obj(mount.bind, 'bind').create_host_path).toBe(false);
    }
  });
});

// ---------------------------------------------------------------------------------------------------------
// Dockerfile and .dockerignore

const dockerfile = dockerStages(read('Dockerfile'));
const runtime = dockerfile.at(-1) as (typeof dockerfile)[number];
const ops = (op: string) => runtime.instructions.filter((i) => i.op === op);
const healthcheckScript = (): string => {
  const hc = ops('HEALTHCHECK')[0]?.args ?? '';
  const exec = JSON.parse(hc.slice(hc.indexOf('CMD') + 3).trim()) as string[];
  expect(exec.slice(0, 2)).toEqual(['node', '-e']);
  return exec[2] as string;
};
const packageJson = JSON.parse(read('package.json')) as {
  scripts: Record<string, string>;
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
};

describe('Dockerfile', () => {
  it('builds on node:20-bookworm-slim in stages; only the first has a compiler', () => {
    expect(dockerfile.length).toBeGreaterThanOrEqual(2);
    for (const stage of dockerfile) expect(stage.from).toBe('node:20-bookworm-slim');
    const deps = dockerfile[0] as (typeof dockerfile)[number];
    const run = (s: typeof deps) =>
      s.instructions
        .filter((i) => i.op === 'RUN')
        .map((i) => i.args)
        .join('\n');
    expect(run(deps)).toMatch(/apt-get install .*\bpython3\b.*\bmake\b.*\bg\+\+/);
    expect(run(deps)).toMatch(/npm ci --omit=dev\b/);
    expect(run(runtime)).not.toMatch(/\bg\+\+|\bmake\b|npm (ci|install)\b/);
    expect(ops('COPY').some((c) => c.args.startsWith(`--from=${deps.name} /app/node_modules`))).toBe(true);
  });

  it('runs as a user other than root', () => {
    const users = ops('USER').map((u) => u.args);
    expect(users.length).toBeGreaterThan(0);
    expect(users.at(-1)).not.toMatch(/^(root|0)(:|$)/);
    const cmdIndex = runtime.instructions.findIndex((i) => i.op === 'CMD');
    const lastUser = runtime.instructions.findLastIndex((i) => i.op === 'USER');
    expect(lastUser).toBeLessThan(cmdIndex);
  });

  it("starts what `npm start` starts, in exec form so SIGTERM reaches Foothold's own handler", () => {
    const cmd = JSON.parse(ops('CMD')[0]?.args ?? 'null') as string[];
    const start = packageJson.scripts.start as string; // "node dist/main.js"
    expect(start).toBe('node dist/main.js');
    expect(cmd).toEqual(start.split(' '));
    expect(read('src/main.ts')).toMatch(/process\.on\('SIGTERM'/);
  });

  it('runs the build, compiled in a stage of its own, with plain Node: no tsx in the image', () => {
    const build = dockerfile.find((s) =>
      s.instructions.some((i) => i.op === 'RUN' && /npm run build\b/.test(i.args)),
    );
    expect(build?.name).toBeDefined();
    expect(build).not.toBe(runtime);
    const copies = (build?.instructions ?? []).filter((i) => i.op === 'COPY').map((i) => i.args);
    expect(copies).toEqual(expect.arrayContaining(['scripts ./scripts', 'src ./src']));
    expect(ops('COPY').map((c) => c.args)).toContain(`--from=${build?.name} /app/dist ./dist`);
    expect(packageJson.scripts.build).toBe('node scripts/build.mjs');
    // `npm start` builds first in a checkout; the image and the units run dist/ as it was built.
    expect(packageJson.scripts.prestart).toMatch(/^npm run build\b/);
    expect(Object.keys(packageJson.dependencies)).not.toContain('tsx');
    expect(Object.keys(packageJson.devDependencies)).toEqual(expect.arrayContaining(['tsx', 'typescript']));
    expect(ops('COPY').some((c) => /^src\b/.test(c.args))).toBe(false);
  });

  it('exposes the default PORT and keeps DATABASE_PATH in the volume', () => {
    const port = (envSchema.shape.PORT as { parse(v: unknown): number }).parse(undefined);
    expect(ops('EXPOSE').map((e) => e.args)).toEqual([String(port)]);
    const env = ops('ENV')
      .map((e) => e.args)
      .join(' ');
    const dbPath = /DATABASE_PATH=(\S+)/.exec(env)?.[1] as string;
    const volumes = JSON.parse(ops('VOLUME')[0]?.args ?? '[]') as string[];
    expect(volumes).toContain(dirname(dbPath));
    for (const [key] of env.matchAll(/\b([A-Z][A-Z0-9_]*)=/g)) {
      const name = key.slice(0, -1);
      expect(FOOTHOLD_SETTINGS.has(name) || ['NODE_ENV', 'NPM_CONFIG_UPDATE_NOTIFIER'].includes(name)).toBe(
        true,
      );
    }
  });

  it('has a HEALTHCHECK that asks /healthz on PORT with Node (slim images have no curl)', () => {
    const hc = ops('HEALTHCHECK');
    expect(hc).toHaveLength(1);
    expect(hc[0]?.args).toMatch(/--start-period=\d+s/);
    expect(healthcheckScript()).toContain('/healthz');
  });

  it('copies only what .dockerignore lets into the context, and never a .env or a database', () => {
    const ignore = read('.dockerignore')
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l && !l.startsWith('#'));
    expect(ignore[0]).toBe('*');
    const allowed = new Set(ignore.filter((l) => l.startsWith('!')).map((l) => l.slice(1)));
    const sources = ops('COPY')
      .filter((c) => !c.args.startsWith('--from='))
      .flatMap((c) => c.args.split(/\s+/).slice(0, -1));
    expect(sources.length).toBeGreaterThan(0);
    for (const s of sources) {
      expect(allowed.has(s), `${s} is copied but not let into the context`).toBe(true);
      expect(existsSync(join(ROOT, s)), `${s} does not exist`).toBe(true);
    }
    expect(ignore).toEqual(expect.arrayContaining(['**/.env', '**/*.db']));
  });
});

// ---------------------------------------------------------------------------------------------------------
// What the image must contain for the code it runs

/** Files reachable from the entry points by static and dynamic imports, and the packages they import. */
function runtimeGraph(entries: string[]): { files: Set<string>; packages: Map<string, string> } {
  const files = new Set<string>();
  const packages = new Map<string, string>(); // package → first importer
  const queue = entries.map((e) => join(ROOT, e));
  while (queue.length > 0) {
    const file = queue.pop() as string;
    if (files.has(file)) continue;
    files.add(file);
    if (!/\.[cm]?[jt]s$/.test(file)) continue;
    const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.ES2022, true);
    const specifiers: string[] = [];
    const visit = (node: ts.Node) => {
      if (
        ts.isImportDeclaration(node) &&
        !node.importClause?.isTypeOnly &&
        ts.isStringLiteral(node.moduleSpecifier)
      ) {
        specifiers.push(node.moduleSpecifier.text);
      } else if (
        ts.isExportDeclaration(node) &&
        !node.isTypeOnly &&
        node.moduleSpecifier &&
        ts.isStringLiteral(node.moduleSpecifier)
      ) {
        specifiers.push(node.moduleSpecifier.text);
      } else if (
        ts.isCallExpression(node) &&
        node.expression.kind === ts.SyntaxKind.ImportKeyword &&
        node.arguments[0] &&
        ts.isStringLiteral(node.arguments[0])
      ) {
        specifiers.push(node.arguments[0].text);
      }
      ts.forEachChild(node, visit);
    };
    visit(source);
    for (const spec of specifiers) {
      if (spec.startsWith('.')) queue.push(resolve(dirname(file), spec));
      else if (!isBuiltin(spec)) {
        const name = spec.startsWith('@')
          ? spec.split('/').slice(0, 2).join('/')
          : (spec.split('/')[0] as string);
        if (!packages.has(name)) packages.set(name, relative(ROOT, file));
      }
    }
  }
  return { files, packages };
}

describe('the image holds what the runtime loads', () => {
  // The sources of what the image runs compiled (dist/): `npm start` (its CMD) and the CLI, which
  // bin/foothold.js loads (`foothold web`, `foothold worker`, every command).
  const graph = runtimeGraph(['src/main.ts', 'src/cli/main.ts', 'src/config/dotenv.ts']);

  it('has bin/foothold.js import no package but tsx, its fallback in a checkout without a build', () => {
    const bin = runtimeGraph(['bin/foothold.js']);
    expect([...bin.packages.keys()]).toEqual(['tsx']);
    expect(read('bin/foothold.js')).toMatch(
      /try \{\s*const \{ register \} = await import\('tsx\/esm\/api'\)/,
    );
  });

  it('imports only packages `npm ci --omit=dev` installs', () => {
    expect(graph.packages.size).toBeGreaterThan(5);
    const missing = [...graph.packages]
      .filter(([name]) => !Object.hasOwn(packageJson.dependencies, name))
      .map(
        ([name, by]) =>
          `${name} (imported by ${by}${packageJson.devDependencies[name] ? ', a devDependency' : ''})`,
      );
    expect(missing).toEqual([]);
  });

  it('reaches only files the Dockerfile copies, src/ as dist/ (and the migrations and example config they read)', () => {
    const copied = ops('COPY')
      .filter((c) => !c.args.startsWith('--from='))
      .flatMap((c) => c.args.split(/\s+/).slice(0, -1));
    const compiled = ops('COPY').some((c) => /^--from=\S+ \/app\/dist \.\/dist$/.test(c.args));
    expect(graph.files.size).toBeGreaterThan(100);
    for (const file of graph.files) {
      const rel = relative(ROOT, file);
      const inImage = rel.startsWith(`src${sep}`)
        ? compiled
        : copied.some((c) => rel === c || rel.startsWith(`${c}${sep}`));
      expect(inImage, `${rel} is loaded at runtime but not copied`).toBe(true);
      expect(existsSync(file), `${rel} does not exist`).toBe(true);
    }
    // Read as files rather than imported: src/db/connection.ts (MIGRATIONS_DIR) and the playground's example.
    expect(copied).toEqual(expect.arrayContaining(['migrations', 'foothold.config.example.json']));
  });
});

// ---------------------------------------------------------------------------------------------------------
// The health check, run as Docker runs it

describe('the HEALTHCHECK command', () => {
  const servers: Server[] = [];
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
  });

  async function serve(status: number | 'hang'): Promise<{ port: number; paths: string[] }> {
    const paths: string[] = [];
    const server = createServer((req, res) => {
      paths.push(req.url ?? '');
      if (status === 'hang') return; // never answers
      res.writeHead(status, { 'content-type': 'application/json' }).end('{}');
    });
    servers.push(server);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    return { port: (server.address() as AddressInfo).port, paths };
  }

  function runCheck(port: number): Promise<number> {
    return new Promise((done) => {
      const child = execFile(process.execPath, ['-e', healthcheckScript()], {
        env: { PATH: process.env.PATH, PORT: String(port) },
        timeout: 20_000,
      });
      child.on('exit', (code) => done(code ?? -1));
    });
  }

  it.each([
    [200, 0],
    [503, 1],
  ])('exits %i → %i, asking GET /healthz on PORT', async (status, exitCode) => {
    const { port, paths } = await serve(status);
    expect(await runCheck(port)).toBe(exitCode);
    expect(paths).toEqual(['/healthz']);
  });

  it('exits 1 when nothing listens on PORT', async () => {
    const { port } = await serve(200);
    await new Promise((r) => (servers.pop() as Server).close(r));
    expect(await runCheck(port)).toBe(1);
  });

  it('exits 1, on its own, from an instance that never answers', async () => {
    const { port, paths } = await serve('hang');
    expect(await runCheck(port)).toBe(1);
    expect(paths).toEqual(['/healthz']);
    for (const s of servers) s.closeAllConnections();
  });
});

// ---------------------------------------------------------------------------------------------------------
// systemd units

function unitFile(path: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  let section = '';
  for (const raw of read(path).split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const header = /^\[(\w+)\]$/.exec(line);
    if (header) {
      section = header[1] as string;
      continue;
    }
    const eq = line.indexOf('=');
    const key = `${section}.${line.slice(0, eq)}`;
    out.set(key, [...(out.get(key) ?? []), line.slice(eq + 1)]);
  }
  return out;
}

describe('systemd units', () => {
  const units = {
    'deploy/foothold.service': { exec: `/usr/bin/${packageJson.scripts.start}` }, // node dist/main.js
    'deploy/foothold@.service': { exec: '/usr/bin/node bin/foothold.js %i' },
  };

  it.each(Object.entries(units))('%s is hardened and reads the settings file', (path, { exec }) => {
    const unit = unitFile(path);
    const one = (key: string) => unit.get(`Service.${key}`)?.at(-1);
    expect(one('ExecStart')).toBe(exec);
    expect(one('User')).toBe('foothold');
    expect(one('WorkingDirectory')).toBe('/opt/foothold');
    expect(unit.get('Service.EnvironmentFile')?.[0]).toBe('/etc/foothold/foothold.env');
    expect(one('NoNewPrivileges')).toBe('yes');
    expect(one('ProtectSystem')).toBe('strict');
    expect(one('ReadWritePaths')).toBe(`/var/lib/${one('StateDirectory')}`);
    expect(one('PrivateTmp')).toBe('yes'); // with the rest of the filesystem read-only
    expect(one('CapabilityBoundingSet')).toBe('');
    // V8 writes and runs its compiled code: Node cannot start with it.
    expect(one('MemoryDenyWriteExecute') ?? 'no').toBe('no');
    expect(unit.get('Install.WantedBy')).toEqual(['multi-user.target']);
  });

  it('the role template runs only the roles, with an optional file of its own', () => {
    const unit = unitFile('deploy/foothold@.service');
    expect(unit.get('Service.EnvironmentFile')).toEqual([
      '/etc/foothold/foothold.env',
      '-/etc/foothold/%i.env',
    ]);
  });
});

// ---------------------------------------------------------------------------------------------------------
// The YAML subset reader itself

describe('parseYamlSubset', () => {
  it.each<[string, YamlValue]>([
    ['a: 1\nb: two\nc: "3"\nd: true\ne:\n', { a: 1, b: 'two', c: '3', d: true, e: null }],
    ['list:\n  - x\n  - "y # not a comment"  # a comment\n', { list: ['x', 'y # not a comment'] }],
    ['list:\n- x\n- y\n', { list: ['x', 'y'] }],
    ['t: ["CMD-SHELL", "a, b", \'c\']\n', { t: ['CMD-SHELL', 'a, b', 'c'] }],
    ['m:\n  - k: 1\n    j:\n      z: ok\n  - p:/q\n', { m: [{ k: 1, j: { z: 'ok' } }, 'p:/q'] }],
    ['img: postgres:15\nu: http://h:1/x#frag\n', { img: 'postgres:15', u: 'http://h:1/x#frag' }],
  ])('reads %j', (source, expected) => {
    expect(parseYamlSubset(source)).toEqual(expected);
  });

  it.each([
    ['a: &x 1\n', /outside the subset/],
    ['a: *x\n', /outside the subset/],
    ['a: |\n  text\n', /outside the subset/],
    ['a: {b: 1}\n', /outside the subset/],
    ['a: 1\na: 2\n', /duplicate key a/],
    ['a:\n\tb: 1\n', /tab in indentation/],
    ['a: b: c\n', /": " inside a plain scalar/],
    ['a:\n    b: 1\n  c: 2\n', /line 3: unexpected indentation/],
    ['a: "open\n', /unterminated quote/],
  ])('refuses %j', (source, message) => {
    expect(() => parseYamlSubset(source)).toThrow(YamlSubsetError);
    expect(() => parseYamlSubset(source)).toThrow(message);
  });
});
