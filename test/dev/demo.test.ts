import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeDb, openDb } from '../../src/db/connection.ts';
import { changedBlocks, DemoError, runDemo } from '../../src/dev/demo.ts';
import { sqlGet } from '../helpers/sql.ts';

// Runs `npm run demo`'s story in-process and reads its transcript as a newcomer would.

interface Section {
  title: string;
  /** The narration line (▶ …) the section appeared under. */
  step: string;
  body: string;
}

/** Splits the transcript into `── title ──` sections, each with the step it belongs to. */
function sections(lines: string[]): Section[] {
  const out: Section[] = [];
  let step = '';
  let current: Section | null = null;
  for (const line of lines) {
    if (line.startsWith('▶ ')) {
      step = line;
      current = null;
    } else if (/^── .* ──$/.test(line)) {
      current = { title: line.slice(3, -3), step, body: '' };
      out.push(current);
    } else if (line.trim() === '') {
      current = null;
    } else if (current) {
      current.body += `${line}\n`;
    }
  }
  return out;
}

let lines: string[] = [];
let all: Section[] = [];
// The story runs once, with --keep, so the kept database can be checked too.
const kept = mkdtempSync(join(tmpdir(), 'foothold-demo-keep-'));

beforeAll(async () => {
  lines = [];
  await runDemo({ out: (line) => lines.push(line), keep: kept });
  all = sections(lines);
}, 60_000);
afterAll(() => rmSync(kept, { recursive: true, force: true }));

describe('npm run demo --keep', () => {
  it('keeps the database and says how to look at it', async () => {
    const path = join(kept, 'foothold.db');
    expect(lines).toContain(`The database is kept at ${path}. Look around with:`);
    const db = openDb(path, { migrate: false });
    try {
      const n = ((await sqlGet(db, 'select count(*) as n from leads')) as { n: number }).n;
      expect(n).toBeGreaterThan(3);
    } finally {
      await closeDb(db);
    }
  });
});

describe('npm run demo', () => {
  it('prints plain text when writing somewhere other than a terminal', () => {
    expect(lines.join('\n')).not.toContain('\x1b[');
    expect(lines.find((l) => l.startsWith('Done in '))).toMatch(/^Done in \d+\.\d s\.$/);
  });

  it('narrates every step of the story', () => {
    const steps = lines.filter((l) => l.startsWith('▶ '));
    expect(steps[0]).toContain('/eql setup');
    expect(steps.some((s) => s.includes('Pat at Northwind flags acme.com with /eql'))).toBe(true);
    expect(steps.at(-1)).toContain('/eql digest');
    expect(steps.length).toBeGreaterThanOrEqual(12);
  });

  it('pins the card in both shared channels', () => {
    const titles = all.map((s) => s.title);
    expect(titles).toContain('📌 pinned in #shared-northwind');
    expect(titles).toContain('📌 pinned in #shared-contoso');
  });

  it('shows the modal, the confirmation and the routing post with all four gates', () => {
    const acmeStep = all.filter((s) => s.step.includes('flags acme.com'));
    expect(acmeStep.map((s) => s.title)).toEqual(
      expect.arrayContaining([
        'modal opened for Pat Northwind',
        'modal answer (update)',
        '#eql-routing: new post',
      ]),
    );
    const modal = acmeStep.find((s) => s.title === 'modal opened for Pat Northwind')!;
    expect(modal.body).toContain('[ Submit ]');
    const post = acmeStep.find((s) => s.title === '#eql-routing: new post')!;
    for (const gate of ['Overlap', 'Warmth', 'Fit', 'Motion']) expect(post.body).toContain(`✅ *${gate}*`);
    expect(post.body).toContain('[ Claim ]');
    const patDms = acmeStep.filter((s) => s.title.startsWith('DM to Pat Northwind'));
    expect(patDms).toHaveLength(2);
    expect(patDms[0]!.body).toContain('WELCOME TO FOOTHOLD');
    expect(patDms[1]!.body).toContain('Ecosystem Qualified Lead');
  });

  it('tells Pat which gate a cold account failed, and Contoso that its account is a poor fit', () => {
    const cold = all.find((s) => s.step.includes('cold account') && s.title.startsWith('DM to Pat'))!;
    expect(cold.body).toContain('❌ *Warmth*');
    expect(cold.body).toContain('[ Update attestation ]');
    const poor = all.filter((s) => s.step.includes('poor fit') && s.title.startsWith('DM to Chris'));
    expect(poor.at(-1)!.body).toContain('❌ *Fit*');
  });

  it('gives the claim race exactly one owner and tells the other rep who it is', () => {
    const race = all.filter((s) => s.step.includes('click Claim'));
    const updated = race.filter((s) => s.title === '#eql-routing: post updated');
    expect(updated).toHaveLength(1);
    const owner = /@(Riley Rep|Sam Rep)\s/.exec(updated[0]!.body)?.[1];
    expect(owner).toBeDefined();
    const other = owner === 'Riley Rep' ? 'Sam Rep' : 'Riley Rep';
    const told = race.filter((s) => s.title.startsWith('ephemeral to'));
    expect(told.map((s) => s.title)).toEqual([`ephemeral to ${other} in #eql-routing`]);
    expect(told[0]!.body).toContain(`@${owner}`);
  });

  it('updates the routing post in place and keeps Pat posted at every step', () => {
    for (const step of ['Request intro', 'Intro made', 'Meeting held', 'Opportunity', 'Won']) {
      const inStep = all.filter((s) => s.step.includes(step));
      expect(
        inStep.some((s) => s.title === '#eql-routing: post updated'),
        step,
      ).toBe(true);
      expect(
        inStep.filter((s) => s.title === '#eql-routing: new post'),
        step,
      ).toHaveLength(0);
    }
    for (const step of ['Request intro', 'Meeting held', 'Opportunity', 'Won'])
      expect(
        all.some((s) => s.step.includes(step) && s.title.startsWith('DM to Pat Northwind')),
        step,
      ).toBe(true);
    expect(
      all.find((s) => s.step.includes('clicks Won') && s.title.includes('post updated'))!.body,
    ).toContain('WON');
  });

  it('shows the corroboration to reps and credits Northwind without naming Contoso', () => {
    const corroborate = all.filter((s) => s.step.includes('corroborates'));
    const post = corroborate.find((s) => s.title === '#eql-routing: post updated')!;
    expect(post.body).toContain('corroborated by Northwind Consulting');
    const dm = corroborate.find((s) => s.title.startsWith('DM to Pat Northwind'))!;
    expect(dm.body).toMatch(/corroborating partner/);
  });

  it('shows a leader moving the credit, and tells both partners without naming the other', () => {
    const credit = all.filter((s) => s.step.includes('moves the credit'));
    expect(credit.find((s) => s.title.includes('modal'))?.body).toContain('Credit this partner');
    const post = credit.find((s) => s.title === '#eql-routing: post updated')!;
    expect(post.body).toContain('Northwind Consulting · credit changed by a leader');
    expect(post.body).toContain('first registered by Contoso Systems');
    const pat = credit.find((s) => s.title.startsWith('DM to Pat Northwind'))!;
    expect(pat.body).toContain('credited your organisation');
    const chris = credit.find((s) => s.title.startsWith('DM to Chris Contoso'))!;
    expect(chris.body).toContain('no longer counts towards our partnership');
    expect(`${pat.body}${chris.body}`).not.toContain('discovery workshop');
  });

  it('never mentions Contoso in any of Pat’s DMs, and never Northwind in Contoso’s', () => {
    const patDms = all.filter((s) => s.title.startsWith('DM to Pat Northwind'));
    expect(patDms.length).toBeGreaterThanOrEqual(8);
    for (const dm of patDms) expect(dm.body).not.toMatch(/contoso/i);
    const chrisDms = all.filter((s) => s.title.startsWith('DM to Chris Contoso'));
    expect(chrisDms.length).toBeGreaterThanOrEqual(3);
    for (const dm of chrisDms) expect(dm.body).not.toMatch(/northwind/i);
  });

  it('ends with a digest that shows rates, not counts alone', () => {
    const digest = all.find((s) => s.step.includes('/eql digest') && s.title.startsWith('ephemeral to Lee'))!;
    expect(digest.body).toContain('FOOTHOLD DIGEST');
    expect(digest.body).toMatch(/\d+%/);
  });
});

describe('changedBlocks', () => {
  it('keeps the header and the changed blocks, and counts the rest', () => {
    expect(changedBlocks(['HEAD', 'a', 'b', 'c'], ['HEAD', 'a', 'B', 'c'])).toEqual([
      'HEAD',
      'B',
      '(2 unchanged blocks not repeated)',
    ]);
    expect(changedBlocks(['x'], ['x'])).toEqual(['x']);
  });
});

describe('when Slack does not answer as scripted', () => {
  it('stops with a DemoError that says what went wrong, and leaves no temp files behind', async () => {
    const before = new Set(readdirSync(tmpdir()).filter((d) => d.startsWith('foothold-demo-')));
    const lines: string[] = [];
    await expect(
      runDemo({
        out: (line) => lines.push(line),
        prepare: (standIn) => {
          standIn.fail('views.open', { kind: 'slack_error', error: 'expired_trigger_id' }, { times: 5 });
        },
      }),
    ).rejects.toThrow(
      new DemoError('no modal opened for Pat Northwind (views.open answered: expired_trigger_id)'),
    );
    const after = readdirSync(tmpdir()).filter((d) => d.startsWith('foothold-demo-') && !before.has(d));
    expect(after).toEqual([]);
  });
});
