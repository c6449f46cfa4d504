/**
 * The playground's Slack world, derived from the program config: the vendor workspace with its routing and
 * digest channels, one shared (Slack Connect) channel per partner channel, the internal people named in
 * `roles` and partner managers, and two people per partner from the partner's own workspace. Pure.
 */
import type { ProgramConfig } from '../config/program-config.ts';
import { partnerActor } from '../dev/sample-program.ts';
import type { StandInChannel, StandInOptions, StandInUser } from '../dev/slack-stand-in.ts';

export const VENDOR_TEAM = 'T0VENDOR';
/** The sample program's third person per partner (src/dev/sample-program.ts flags as persons 1 to 3). */
const SAMPLE_ONLY_PERSON = 3;

export type PersonKind = 'partner' | 'rep' | 'leader' | 'admin' | 'manager';

export const KIND_LABEL: Record<PersonKind, string> = {
  partner: 'Partner',
  rep: 'Sales rep',
  leader: 'Sales leader',
  admin: 'Admin',
  manager: 'Partner manager',
};

export interface Person {
  userId: string;
  teamId: string;
  name: string;
  kind: PersonKind;
  /** The partner's slug and name, for partner people. */
  partner?: { slug: string; name: string };
}

export interface Place {
  id: string;
  name: string;
  kind: 'routing' | 'digest' | 'shared';
  /** For shared channels: the partner it is shared with. */
  partnerSlug?: string;
}

export interface World {
  people: Person[];
  channels: Place[];
  standIn: StandInOptions;
}

const FIRST_NAMES: Record<PersonKind, readonly string[]> = {
  rep: ['Riley', 'Sam', 'Jamie', 'Avery', 'Quinn', 'Rowan', 'Drew', 'Casey'],
  leader: ['Lee', 'Dana', 'Robin'],
  admin: ['Ada', 'Grace', 'Alan'],
  manager: ['Parker', 'Blake', 'Emery'],
  partner: ['Pat', 'Chris', 'Jordan', 'Morgan', 'Alex', 'Taylor', 'Sasha', 'Kim', 'Noa', 'Remy'],
};

const SURNAME: Record<Exclude<PersonKind, 'partner'>, string> = {
  rep: 'Rep',
  leader: 'Leader',
  admin: 'Admin',
  manager: 'Partner-Manager',
};

function pick(list: readonly string[], i: number): string {
  const base = list[i % list.length] ?? 'Person';
  return i < list.length ? base : `${base} ${Math.floor(i / list.length) + 1}`;
}

/** The channel names people read (ids come from the config; names are made up from their role). */
function channelsOf(config: ProgramConfig): Place[] {
  const out: Place[] = [];
  const seen = new Set<string>();
  const add = (p: Place) => {
    if (seen.has(p.id)) return;
    seen.add(p.id);
    out.push(p);
  };
  add({ id: config.routingChannel, name: 'eql-routing', kind: 'routing' });
  config.routing.forEach((rule, i) => {
    const country = rule.when.country?.[0];
    add({
      id: rule.channel,
      name: country ? `eql-${country.toLowerCase()}` : `eql-routing-${i + 1}`,
      kind: 'routing',
    });
  });
  if (config.digest.channel) add({ id: config.digest.channel, name: 'partner-leaders', kind: 'digest' });
  for (const p of config.partners) {
    p.channels.forEach((c, i) => {
      add({
        id: c,
        name: `shared-${p.slug}${i > 0 ? `-${i + 1}` : ''}`,
        kind: 'shared',
        partnerSlug: p.slug,
      });
    });
  }
  return out;
}

function peopleOf(config: ProgramConfig): Person[] {
  const out: Person[] = [];
  const seen = new Set<string>();
  const internal = (ids: readonly string[], kind: Exclude<PersonKind, 'partner'>) => {
    ids.forEach((userId, i) => {
      if (seen.has(userId)) return;
      seen.add(userId);
      out.push({ userId, teamId: VENDOR_TEAM, name: `${pick(FIRST_NAMES[kind], i)} ${SURNAME[kind]}`, kind });
    });
  };
  let n = 0;
  for (const p of config.partners) {
    const short = p.name.split(/\s+/)[0] ?? p.slug;
    for (const k of [1, 2]) {
      const actor = partnerActor(p, k);
      if (seen.has(actor.userId)) continue;
      seen.add(actor.userId);
      out.push({
        userId: actor.userId,
        teamId: actor.teamId ?? 'T0SAMPLEEXT',
        name: `${pick(FIRST_NAMES.partner, n++)} ${short}`,
        kind: 'partner',
        partner: { slug: p.slug, name: p.name },
      });
    }
  }
  internal(config.roles.reps, 'rep');
  internal(config.roles.leaders, 'leader');
  internal(config.roles.admins, 'admin');
  internal(
    config.partners.map((p) => p.manager),
    'manager',
  );
  return out;
}

export function worldFromConfig(config: ProgramConfig): World {
  const people = peopleOf(config);
  const channels = channelsOf(config);
  const partnerTeams = new Map(
    config.partners.map((p) => [
      p.slug,
      people.filter((x) => x.partner?.slug === p.slug).map((x) => x.teamId),
    ]),
  );
  const standInChannels: StandInChannel[] = channels.map((c) =>
    c.kind === 'shared'
      ? {
          id: c.id,
          name: c.name,
          isExtShared: true,
          connectedTeamIds: [...new Set(partnerTeams.get(c.partnerSlug ?? '') ?? [])],
        }
      : { id: c.id, name: c.name },
  );
  const users: StandInUser[] = people.map((p) => ({
    id: p.userId,
    teamId: p.teamId,
    realName: p.name,
    tz: config.timezone,
  }));
  // The sample program (`seed --sample`) also flags as a third person per partner: Slack knows them too, so
  // the jobs can DM them, though the picker offers two.
  for (const p of config.partners) {
    const extra = partnerActor(p, SAMPLE_ONLY_PERSON);
    if (users.some((u) => u.id === extra.userId)) continue;
    const short = p.name.split(/\s+/)[0] ?? p.slug;
    users.push({
      id: extra.userId,
      teamId: extra.teamId ?? 'T0SAMPLEEXT',
      realName: `Sam ${short}`,
      tz: config.timezone,
    });
  }
  return {
    people,
    channels,
    standIn: {
      team: { id: VENDOR_TEAM, name: 'Vendor', domain: 'vendor' },
      channels: standInChannels,
      users,
    },
  };
}

/** The channels a person sees: partners only their own shared channels; the vendor team all of them. */
export function channelsFor(world: World, person: Person): Place[] {
  if (person.kind !== 'partner') return world.channels;
  return world.channels.filter((c) => c.kind === 'shared' && c.partnerSlug === person.partner?.slug);
}
