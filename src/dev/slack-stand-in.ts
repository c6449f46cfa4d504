/**
 * A loopback stand-in for Slack's Web API. Point `@slack/web-api` at it with
 * `slackApiUrl: standIn.apiUrl`; it answers like Slack (HTTP 200 JSON `{ ok, ... }`), enforces the
 * Block Kit limits from FACTS.md, tracks trigger ids, view stacks, DMs, pins and reactions, records
 * every call, and can inject faults (429 with Retry-After, 5xx, Slack errors, delays, refused
 * connections) and per-method token-bucket rate limits.
 *
 * Library code: no test-framework imports, so `npm run demo` can reuse it.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import {
  BLOCK_KIT_LIMITS,
  charCount,
  checkMessageBlocks,
  checkView,
  formatViolation,
} from './block-kit-limits.ts';
import { SLACK_DEFAULTS } from './slack-defaults.ts';

// ---------------------------------------------------------------------------------------------
// Public types
// ---------------------------------------------------------------------------------------------

export interface StandInTeam {
  id: string;
  name: string;
  domain: string;
  enterpriseId?: string;
}

export interface StandInBot {
  userId: string;
  botId: string;
  appId: string;
  name: string;
}

/** A token the stand-in accepts, and who it belongs to (defaults: the home team and bot). */
export interface StandInToken {
  token: string;
  teamId?: string;
  teamName?: string;
  teamDomain?: string;
  userId?: string;
  botId?: string;
  enterpriseId?: string;
}

export interface StandInChannel {
  id: string;
  name?: string;
  isPrivate?: boolean;
  /** Slack Connect: shared with another organisation. */
  isExtShared?: boolean;
  isArchived?: boolean;
  /** Whether the bot is a member (default true); false → `not_in_channel` on post. */
  isMember?: boolean;
  /** Team ids of connected organisations (Slack Connect). */
  connectedTeamIds?: string[];
  /** Team that owns the channel (default: home team). */
  contextTeamId?: string;
  /**
   * An invitation to share the channel with another organisation is out (Slack's `is_pending_ext_shared` and
   * `pending_connected_team_ids` in the conversation object: https://api.slack.com/types/conversations).
   */
  isPendingExtShared?: boolean;
  pendingConnectedTeamIds?: string[];
}

export interface StandInUser {
  id: string;
  /** The person's own workspace; external (Slack Connect) users have a different one. */
  teamId?: string;
  name?: string;
  realName?: string;
  displayName?: string;
  email?: string;
  tz?: string;
  tzLabel?: string;
  tzOffset?: number;
  /** Only returned when `include_locale=true` is passed, like Slack. External users may lack it. */
  locale?: string;
  isBot?: boolean;
  deleted?: boolean;
  /** false → `users.info` answers `user_not_visible`. Default true. */
  visible?: boolean;
  /** false → `conversations.open` answers `invalid_user_combination` (no shared channel). Default true. */
  canDm?: boolean;
}

export interface StandInOAuthConfig {
  /** When set, `oauth.v2.access` checks `client_id` (`invalid_client_id`). */
  clientId?: string;
  /** When set, `oauth.v2.access` checks `client_secret` (`bad_client_secret`). */
  clientSecret?: string;
  /** When set, only these codes are accepted (`invalid_code`). Codes are always single-use. */
  validCodes?: string[];
  /** Merged over the default `oauth.v2.access` answer. Its `access_token` becomes a valid token. */
  response?: Record<string, unknown>;
  /** Per code, merged over `response`: one stand-in can play installs by several workspaces. */
  responses?: Record<string, Record<string, unknown>>;
}

export interface StandInOptions {
  /** Accepted tokens (default `['xoxb-test']`). */
  tokens?: (string | StandInToken)[];
  team?: Partial<StandInTeam>;
  bot?: Partial<StandInBot>;
  channels?: StandInChannel[];
  users?: StandInUser[];
  /** Channel ids that do not exist (`channel_not_found`); other C/D/G/U/W ids are accepted. */
  missingChannels?: string[];
  oauth?: StandInOAuthConfig;
  /** Socket Mode: `apps.connections.open` answers this WebSocket URL (see socket-mode-stand-in.ts). */
  socketModeUrl?: () => string;
  /** Clock in ms (default `Date.now`): trigger expiry, rate limiter, `forMs` faults, ts values. */
  now?: () => number;
  /** Trigger lifetime (default 3000 ms, as Slack). */
  triggerTtlMs?: number;
  /** Interface to bind (default 127.0.0.1). */
  host?: string;
  /** Port (default 0 = any free port). */
  port?: number;
}

export type Fault =
  | { kind: 'rate_limited'; retryAfterSeconds: number }
  | { kind: 'http_error'; status: number }
  | { kind: 'slack_error'; error: string }
  | { kind: 'delay'; ms: number }
  | { kind: 'refuse' };

export interface FaultOptions {
  /** Number of calls to fault (default 1 unless `forMs` is given, then unlimited). */
  times?: number;
  /** Fault calls for this long from now (per the stand-in clock). */
  forMs?: number;
}

export interface FaultHandle {
  /** Removes the fault. */
  clear(): void;
  /** How many calls it has faulted so far. */
  readonly hits: number;
}

export interface RateLimitOptions {
  /** Sustained rate (tokens refilled per second). */
  perSecond: number;
  /** Retry-After sent with each 429. */
  retryAfterSeconds: number;
  /** Bucket size (default `perSecond`, minimum 1). */
  burst?: number;
  /** One bucket per `channel` argument (like chat.postMessage's per-channel limit). */
  perChannel?: boolean;
}

export type SlackApiResponse = { ok: boolean; error?: string } & Record<string, unknown>;

export interface RecordedCall {
  seq: number;
  method: string;
  /** Decoded arguments (form values stay strings; JSON fields such as blocks/view are parsed). */
  args: Record<string, unknown>;
  /** Token from the Authorization header or the `token` form field. */
  token: string | undefined;
  /** Stand-in clock time of the request, ms. */
  at: number;
  /** JSON body sent back; null when the connection was refused or the body was not JSON (5xx). */
  response: SlackApiResponse | null;
  /** HTTP status sent back; 0 when the connection was destroyed without an answer. */
  httpStatus: number;
  /** The injected fault, if any, or 'rate_limit' when the rate limiter answered 429. */
  fault?: Fault['kind'] | 'rate_limit';
}

export interface RecordedMessage {
  method: 'chat.postMessage' | 'chat.postEphemeral' | 'chat.update';
  /** Resolved channel id (a user id passed to chat.postMessage becomes the DM's D… id). */
  channel: string;
  /** DM counterpart, when the channel is a DM the stand-in opened. */
  dmUser?: string;
  /** Ephemeral recipient. */
  user?: string;
  ts: string;
  threadTs?: string;
  text?: string;
  blocks?: unknown[];
  call: RecordedCall;
}

export interface ViewRecord {
  id: string;
  type: 'modal' | 'home';
  userId: string;
  teamId: string;
  hash: string;
  externalId?: string;
  callbackId: string;
  rootViewId: string;
  previousViewId: string | null;
  /** 'closed' once `closeView()` was called or it was popped from its stack. */
  state: 'open' | 'closed';
  /** The view as Slack returns it (id, hash, state, …): pass it into interactivity payloads. */
  payload: Record<string, unknown>;
  /** Every version the app sent, oldest first. */
  history: Record<string, unknown>[];
}

export interface IssueTriggerOptions {
  /** Who interacted (owner of the modal that opens). */
  userId?: string;
  /** The interaction came from inside this view: views.push stacks onto it. */
  viewId?: string;
}

export interface StoredMessage {
  channel: string;
  ts: string;
  text?: string;
  blocks?: unknown[];
  user?: string;
  botId?: string;
  threadTs?: string;
  /** Message metadata (`event_type`, `event_payload`) posted with it. */
  metadata?: Record<string, unknown>;
}

/**
 * A file uploaded through files.getUploadURLExternal → POST to its upload_url → files.completeUploadExternal
 * (https://docs.slack.dev/reference/methods/files.getUploadURLExternal, …/files.completeUploadExternal).
 */
export interface StandInFile {
  id: string;
  filename: string;
  /** The `length` declared when the upload URL was asked for. */
  length: number;
  altText?: string;
  /** The bytes POSTed to the upload URL; null until then. */
  bytes: Buffer | null;
  /** Set by files.completeUploadExternal (which Slack allows once per upload). */
  completed: boolean;
  title?: string;
  /** Where it was shared (resolved channel id), if anywhere. */
  channel?: string;
  initialComment?: string;
  threadTs?: string;
}

export interface SlackStandIn {
  /** `http://127.0.0.1:PORT` */
  readonly url: string;
  /** `http://127.0.0.1:PORT/api/` — give this to WebClient as `slackApiUrl`. */
  readonly apiUrl: string;
  readonly port: number;
  readonly team: StandInTeam;
  readonly bot: StandInBot;
  /** A trigger id usable once by views.open/views.push within the trigger lifetime. */
  issueTriggerId(options?: IssueTriggerOptions): string;
  /** Recorded calls, oldest first, optionally of one method. */
  calls(method?: string): RecordedCall[];
  lastCall(method: string): RecordedCall | undefined;
  /** Accepted posts, ephemerals and updates to a channel, DM channel or user. */
  messagesTo(channelOrUser: string): RecordedMessage[];
  /** All views (modals and Home tabs) created so far. */
  views(): ViewRecord[];
  view(idOrExternalId: string): ViewRecord | undefined;
  /** Open modal stack of a user (root first). */
  viewStack(userId: string): ViewRecord[];
  homeView(userId: string): ViewRecord | undefined;
  /** The user closed this view (and everything stacked above it); use after a submission clears. */
  closeView(viewId: string): void;
  /** Resolves with the first recorded call (past or future) matching the predicate. */
  waitFor(predicate: (call: RecordedCall) => boolean, timeoutMs?: number): Promise<RecordedCall>;
  fail(method: string, fault: Fault, options?: FaultOptions): FaultHandle;
  clearFaults(): void;
  rateLimit(method: string, options: RateLimitOptions): void;
  clearRateLimits(): void;
  addToken(token: string | StandInToken): void;
  /** Adds a channel, or replaces its settings (a channel shared or archived mid-run). */
  addChannel(channel: StandInChannel): void;
  addUser(user: StandInUser): void;
  /** Seeds a message (e.g. a person's message a shortcut acts on); returns its ts. */
  addMessage(message: Omit<StoredMessage, 'ts'> & { ts?: string }): string;
  message(channel: string, ts: string): StoredMessage | undefined;
  /** Stable DM channel id for a user (what conversations.open returns). */
  dmChannelFor(userId: string): string;
  /** Pinned message timestamps in a channel. */
  pins(channel: string): string[];
  /** Files uploaded so far (completed or not), oldest first. */
  files(): StandInFile[];
  /** Forgets calls, messages, views, triggers, faults and rate limits; keeps configuration. */
  reset(): void;
  close(): Promise<void>;
}

// ---------------------------------------------------------------------------------------------
// Implementation
// ---------------------------------------------------------------------------------------------

interface Identity {
  token: string;
  teamId: string;
  teamName: string;
  teamDomain: string;
  userId: string;
  botId: string;
  enterpriseId: string | undefined;
}

interface TriggerState {
  issuedAt: number;
  used: boolean;
  userId: string;
  viewId: string | undefined;
}

interface ActiveFault {
  method: string;
  fault: Fault;
  remaining: number;
  until: number;
  hits: number;
}

interface Bucket {
  options: RateLimitOptions;
  tokens: Map<string, { tokens: number; last: number }>;
}

interface MessageState extends StoredMessage {
  pinned: boolean;
  reactions: Set<string>;
}

type Handler = (args: Record<string, unknown>, who: Identity | undefined) => SlackApiResponse;

const JSON_ARGS = new Set([
  'blocks',
  'attachments',
  'view',
  'metadata',
  'unfurls',
  'user_auth_blocks',
  'files',
]);
const NO_AUTH_METHODS = new Set(['oauth.v2.access', 'oauth.v2.exchange', 'api.test']);

function err(error: string, extra: Record<string, unknown> = {}): SlackApiResponse {
  return { ok: false, error, ...extra };
}

function invalidArguments(messages: string[]): SlackApiResponse {
  return err('invalid_arguments', { response_metadata: { messages: messages.map((m) => `[ERROR] ${m}`) } });
}

function str(v: unknown): string | undefined {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return undefined;
}

function truthy(v: unknown): boolean {
  return v === true || v === 'true' || v === '1' || v === 1;
}

function isStoredMessage(v: MessageState | SlackApiResponse): v is MessageState {
  return v.reactions instanceof Set;
}

function isTrigger(v: TriggerState | SlackApiResponse): v is TriggerState {
  return typeof v.issuedAt === 'number';
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function decodeArgs(contentType: string, body: string, query: URLSearchParams): Record<string, unknown> {
  const args: Record<string, unknown> = {};
  for (const [k, v] of query) args[k] = v;
  const type = contentType.split(';')[0]?.trim().toLowerCase() ?? '';
  if (type === 'application/json') {
    const parsed: unknown = body.length > 0 ? JSON.parse(body) : {};
    if (!isRecord(parsed)) throw new Error('JSON body must be an object');
    Object.assign(args, parsed);
  } else if (body.length > 0) {
    for (const [k, v] of new URLSearchParams(body)) args[k] = v;
  }
  for (const key of JSON_ARGS) {
    const v = args[key];
    if (typeof v === 'string' && /^\s*[[{]/.test(v)) {
      try {
        args[key] = JSON.parse(v);
      } catch {
        // left as a string: the method answers with a format error
      }
    }
  }
  return args;
}

function formatTs(micros: number): string {
  const secs = Math.floor(micros / 1_000_000);
  return `${secs}.${String(micros % 1_000_000).padStart(6, '0')}`;
}

function pad(n: number, width: number): string {
  return n.toString(36).toUpperCase().padStart(width, '0');
}

export async function startSlackStandIn(options: StandInOptions = {}): Promise<SlackStandIn> {
  const now = options.now ?? Date.now;
  const triggerTtlMs = options.triggerTtlMs ?? 3000;
  const team: StandInTeam = { ...SLACK_DEFAULTS.team, ...options.team };
  const bot: StandInBot = { ...SLACK_DEFAULTS.bot, ...options.bot };
  const oauth: StandInOAuthConfig = options.oauth ?? {};

  const tokens = new Map<string, Identity>();
  const channels = new Map<string, StandInChannel>();
  const users = new Map<string, StandInUser>();
  const missing = new Set(options.missingChannels ?? []);

  // mutable state (reset() clears it)
  let calls: RecordedCall[] = [];
  let seq = 0;
  let lastTsMicros = 0;
  let idCounter = 0;
  const messages = new Map<string, MessageState>();
  const dmByUser = new Map<string, string>();
  const userByDm = new Map<string, string>();
  const mpims = new Map<string, string>();
  const triggers = new Map<string, TriggerState>();
  const views = new Map<string, ViewRecord>();
  const stacks = new Map<string, string[]>(); // root view id → stack of view ids
  const homes = new Map<string, string>(); // user id → home view id
  const usedCodes = new Set<string>();
  const uploads = new Map<string, StandInFile>();
  let faults: ActiveFault[] = [];
  const buckets = new Map<string, Bucket>();
  const listeners = new Set<(call: RecordedCall) => void>();

  function addToken(t: string | StandInToken): void {
    const spec: StandInToken = typeof t === 'string' ? { token: t } : t;
    tokens.set(spec.token, {
      token: spec.token,
      teamId: spec.teamId ?? team.id,
      teamName: spec.teamName ?? (spec.teamId && spec.teamId !== team.id ? spec.teamId : team.name),
      teamDomain:
        spec.teamDomain ?? (spec.teamId && spec.teamId !== team.id ? spec.teamId.toLowerCase() : team.domain),
      userId: spec.userId ?? bot.userId,
      botId: spec.botId ?? bot.botId,
      enterpriseId: spec.enterpriseId ?? team.enterpriseId,
    });
  }
  for (const t of options.tokens ?? [SLACK_DEFAULTS.botToken]) addToken(t);
  for (const c of options.channels ?? []) channels.set(c.id, c);
  for (const u of options.users ?? []) users.set(u.id, u);

  const nextId = (prefix: string): string => `${prefix}${pad(++idCounter, 9)}`;

  function nextTs(): string {
    lastTsMicros = Math.max(Math.floor(now()) * 1000, lastTsMicros + 100);
    return formatTs(lastTsMicros);
  }

  function newHash(): string {
    return `${Math.floor(now() / 1000)}.${randomBytes(4).toString('hex')}`;
  }

  function dmChannelFor(userId: string): string {
    let id = dmByUser.get(userId);
    if (!id) {
      id = `D${userId.replace(/^[UW]/, '').padStart(8, '0').slice(-8)}${pad(dmByUser.size, 2)}`;
      dmByUser.set(userId, id);
      userByDm.set(id, userId);
    }
    return id;
  }

  function messageKey(channel: string, ts: string): string {
    return `${channel}:${ts}`;
  }

  type ChannelResolution = { ok: true; id: string } | { ok: false; error: string };

  /** Resolves a `channel` argument the way chat.* methods do. */
  function resolveChannel(raw: unknown, forPosting: boolean): ChannelResolution {
    const given = str(raw);
    if (!given) return { ok: false, error: 'channel_not_found' };
    if (missing.has(given)) return { ok: false, error: 'channel_not_found' };
    let id = given;
    if (/^[UW][A-Z0-9]+$/.test(given)) {
      const user = users.get(given);
      if (user?.canDm === false) return { ok: false, error: 'channel_not_found' };
      id = dmChannelFor(given);
    } else if (!/^[CDG][A-Z0-9]+$/.test(given)) {
      const name = given.replace(/^#/, '');
      const byName = [...channels.values()].find((c) => c.name === name);
      if (!byName) return { ok: false, error: 'channel_not_found' };
      id = byName.id;
    }
    const conf = channels.get(id);
    if (forPosting && conf) {
      if (conf.isArchived) return { ok: false, error: 'is_archived' };
      if (conf.isMember === false) return { ok: false, error: 'not_in_channel' };
    }
    return { ok: true, id };
  }

  function checkMessageContent(
    args: Record<string, unknown>,
    requireContent: boolean,
  ): SlackApiResponse | null {
    const text = args.text;
    const hasBlocks = args.blocks !== undefined && !(Array.isArray(args.blocks) && args.blocks.length === 0);
    const hasText = typeof text === 'string' ? text.length > 0 : text !== undefined;
    const hasAttachments = args.attachments !== undefined;
    if (requireContent && !hasText && !hasBlocks && !hasAttachments) return err('no_text');
    if (typeof text === 'string' && charCount(text) > BLOCK_KIT_LIMITS.messageText)
      return err('msg_too_long');
    if (args.blocks !== undefined) {
      const violations = checkMessageBlocks(args.blocks);
      if (violations === null) return err('invalid_blocks_format');
      if (violations.length > 0) {
        const strings = violations.map(formatViolation);
        return err('invalid_blocks', {
          errors: strings,
          response_metadata: { messages: strings.map((s) => `[ERROR] ${s}`) },
        });
      }
    }
    return null;
  }

  function messageObject(m: MessageState, who: Identity | undefined): Record<string, unknown> {
    return {
      type: 'message',
      ...(m.botId ? { bot_id: m.botId, app_id: bot.appId } : {}),
      user: m.user,
      text: m.text ?? '',
      ...(m.blocks ? { blocks: m.blocks } : {}),
      ts: m.ts,
      ...(m.threadTs ? { thread_ts: m.threadTs } : {}),
      team: who?.teamId ?? team.id,
    };
  }

  /**
   * conversations.history / conversations.replies: newest first, `oldest`/`latest` exclusive unless
   * `inclusive`, cursor pagination, metadata only with `include_all_metadata` (as Slack).
   */
  function listMessages(
    args: Record<string, unknown>,
    who: Identity | undefined,
    filter: (m: MessageState) => boolean,
  ): SlackApiResponse {
    const ch = resolveChannel(args.channel, false);
    if (!ch.ok) return err(ch.error);
    const inclusive = truthy(args.inclusive);
    const oldest = Number(str(args.oldest) ?? '0');
    const latest = str(args.latest) === undefined ? Number.POSITIVE_INFINITY : Number(str(args.latest));
    const limit = Math.min(Math.max(Number(str(args.limit) ?? '100') || 100, 1), 999);
    const offset = Number(str(args.cursor)?.replace(/^next:/, '') ?? '0') || 0;
    const withMeta = truthy(args.include_all_metadata);
    const all = [...messages.values()]
      .filter((m) => m.channel === ch.id && filter(m))
      .filter((m) => {
        const t = Number(m.ts);
        return (inclusive ? t >= oldest : t > oldest) && (inclusive ? t <= latest : t < latest);
      })
      .sort((a, b) => Number(b.ts) - Number(a.ts));
    const page = all.slice(offset, offset + limit);
    const more = offset + limit < all.length;
    return {
      ok: true,
      messages: page.map((m) => ({
        ...messageObject(m, who),
        ...(withMeta && m.metadata ? { metadata: m.metadata } : {}),
      })),
      has_more: more,
      response_metadata: { next_cursor: more ? `next:${offset + limit}` : '' },
    };
  }

  function findMessage(args: Record<string, unknown>, tsKey: string): MessageState | SlackApiResponse {
    const ch = resolveChannel(args.channel, false);
    if (!ch.ok) return err(ch.error);
    const ts = str(args[tsKey]);
    const m = ts ? messages.get(messageKey(ch.id, ts)) : undefined;
    return m ?? err('message_not_found');
  }

  // ---- triggers ----------------------------------------------------------------------------

  function issueTriggerId(opts: IssueTriggerOptions = {}): string {
    const id = `${Date.now() % 1e12}${pad(++idCounter, 3)}.${team.id.replace(/\D/g, '') || '1'}${pad(idCounter, 6)}.${randomBytes(16).toString('hex')}`;
    triggers.set(id, {
      issuedAt: now(),
      used: false,
      userId: opts.userId ?? SLACK_DEFAULTS.user.id,
      viewId: opts.viewId,
    });
    return id;
  }

  function takeTrigger(args: Record<string, unknown>): TriggerState | SlackApiResponse {
    const id = str(args.trigger_id) ?? str(args.interactivity_pointer);
    if (!id) return invalidArguments(['missing required field: trigger_id']);
    const t = triggers.get(id);
    if (!t) return err('invalid_trigger_id');
    if (t.used) return err('exchanged_trigger_id');
    if (now() - t.issuedAt > triggerTtlMs) return err('expired_trigger_id');
    return t;
  }

  // ---- views -------------------------------------------------------------------------------

  function validateViewArg(
    args: Record<string, unknown>,
    surface: 'modal' | 'home',
  ): SlackApiResponse | null {
    const view = args.view;
    if (view === undefined) return invalidArguments(['missing required field: view']);
    if (!isRecord(view)) return invalidArguments(['view must be a JSON object [json-pointer:/view]']);
    const violations = checkView(view, surface);
    return violations.length > 0 ? invalidArguments(violations.map(formatViolation)) : null;
  }

  function buildViewPayload(rec: Omit<ViewRecord, 'payload' | 'history'>, view: Record<string, unknown>) {
    return {
      id: rec.id,
      team_id: rec.teamId,
      type: rec.type,
      blocks: view.blocks ?? [],
      private_metadata: view.private_metadata ?? '',
      callback_id: view.callback_id ?? '',
      state: { values: {} },
      hash: rec.hash,
      title: view.title ?? null,
      clear_on_close: view.clear_on_close ?? false,
      notify_on_close: view.notify_on_close ?? false,
      close: view.close ?? null,
      submit: view.submit ?? null,
      previous_view_id: rec.previousViewId,
      root_view_id: rec.rootViewId,
      app_id: bot.appId,
      external_id: view.external_id ?? '',
      app_installed_team_id: team.id,
      bot_id: bot.botId,
    };
  }

  function createView(
    view: Record<string, unknown>,
    type: 'modal' | 'home',
    userId: string,
    who: Identity | undefined,
    root: { rootViewId: string; previousViewId: string | null } | null,
  ): ViewRecord {
    const id = nextId('V');
    const base = {
      id,
      type,
      userId,
      teamId: who?.teamId ?? team.id,
      hash: newHash(),
      externalId: str(view.external_id),
      callbackId: str(view.callback_id) ?? '',
      rootViewId: root?.rootViewId ?? id,
      previousViewId: root?.previousViewId ?? null,
      state: 'open' as const,
    };
    const rec: ViewRecord = { ...base, payload: buildViewPayload(base, view), history: [view] };
    views.set(id, rec);
    return rec;
  }

  function replaceView(rec: ViewRecord, view: Record<string, unknown>): void {
    rec.hash = newHash();
    rec.externalId = str(view.external_id) ?? rec.externalId;
    rec.callbackId = str(view.callback_id) ?? '';
    rec.history.push(view);
    rec.payload = buildViewPayload(rec, { ...view, external_id: rec.externalId });
  }

  function externalIdTaken(view: Record<string, unknown>): boolean {
    const ext = str(view.external_id);
    return ext !== undefined && ext !== '' && [...views.values()].some((v) => v.externalId === ext);
  }

  function findView(idOrExternal: string): ViewRecord | undefined {
    return views.get(idOrExternal) ?? [...views.values()].find((v) => v.externalId === idOrExternal);
  }

  function stackOf(viewId: string): string[] | undefined {
    const rec = views.get(viewId);
    return rec ? stacks.get(rec.rootViewId) : undefined;
  }

  function closeView(viewId: string): void {
    const stack = stackOf(viewId);
    if (!stack) return;
    const at = stack.indexOf(viewId);
    if (at < 0) return;
    for (const id of stack.splice(at)) {
      const v = views.get(id);
      if (v) v.state = 'closed';
    }
  }

  function openStacksOf(userId: string): string[][] {
    return [...stacks.values()].filter((s) => s.length > 0 && views.get(s[0] ?? '')?.userId === userId);
  }

  // ---- handlers ----------------------------------------------------------------------------

  const handlers: Record<string, Handler> = {
    'api.test': (args) => ({ ok: true, args }),

    // https://docs.slack.dev/reference/methods/apps.connections.open: an app-level token gets a WebSocket URL.
    'apps.connections.open': () =>
      options.socketModeUrl ? { ok: true, url: options.socketModeUrl() } : err('not_allowed_token_type'),

    'auth.test': (_args, who) => ({
      ok: true,
      url: `https://${who?.teamDomain ?? team.domain}.slack.com/`,
      team: who?.teamName ?? team.name,
      user: bot.name,
      team_id: who?.teamId ?? team.id,
      user_id: who?.userId ?? bot.userId,
      bot_id: who?.botId ?? bot.botId,
      is_enterprise_install: false,
      ...(who?.enterpriseId ? { enterprise_id: who.enterpriseId } : {}),
    }),

    'chat.postMessage': (args, who) => {
      const ch = resolveChannel(args.channel, true);
      if (!ch.ok) return err(ch.error);
      const bad = checkMessageContent(args, true);
      if (bad) return bad;
      const ts = nextTs();
      const m: MessageState = {
        channel: ch.id,
        ts,
        text: str(args.text),
        blocks: Array.isArray(args.blocks) ? args.blocks : undefined,
        user: who?.userId ?? bot.userId,
        botId: who?.botId ?? bot.botId,
        threadTs: str(args.thread_ts),
        ...(isRecord(args.metadata) ? { metadata: args.metadata } : {}),
        pinned: false,
        reactions: new Set(),
      };
      messages.set(messageKey(ch.id, ts), m);
      return { ok: true, channel: ch.id, ts, message: messageObject(m, who) };
    },

    'chat.postEphemeral': (args) => {
      const ch = resolveChannel(args.channel, true);
      if (!ch.ok) return err(ch.error);
      const user = str(args.user);
      if (!user) return err('user_not_in_channel');
      const u = users.get(user);
      if (u?.deleted) return err('user_not_in_channel');
      const bad = checkMessageContent(args, true);
      if (bad) return bad;
      return { ok: true, message_ts: nextTs() };
    },

    'chat.update': (args, who) => {
      const found = findMessage(args, 'ts');
      if (!isStoredMessage(found)) return found;
      if (found.botId === undefined || found.user !== (who?.userId ?? bot.userId))
        return err('cant_update_message');
      const bad = checkMessageContent(args, true);
      if (bad) return bad;
      if (args.text !== undefined) found.text = str(args.text);
      if (args.blocks !== undefined) found.blocks = Array.isArray(args.blocks) ? args.blocks : undefined;
      return {
        ok: true,
        channel: found.channel,
        ts: found.ts,
        text: found.text ?? '',
        message: messageObject(found, who),
      };
    },

    'chat.getPermalink': (args, who) => {
      const found = findMessage(args, 'message_ts');
      if (!isStoredMessage(found)) return found;
      return {
        ok: true,
        channel: found.channel,
        permalink: `https://${who?.teamDomain ?? team.domain}.slack.com/archives/${found.channel}/p${found.ts.replace('.', '')}`,
      };
    },

    'conversations.open': (args) => {
      const existing = str(args.channel);
      if (existing) {
        return userByDm.has(existing) || [...mpims.values()].includes(existing)
          ? { ok: true, no_op: true, already_open: true, channel: { id: existing } }
          : err('channel_not_found');
      }
      const raw = args.users;
      const list = (Array.isArray(raw) ? raw.map(String) : (str(raw) ?? '').split(','))
        .map((s) => s.trim())
        .filter((s) => s.length > 0);
      if (list.length === 0) return err('users_list_not_supplied');
      if (list.length > 8) return err('too_many_users');
      for (const id of list) {
        if (!/^[UW][A-Z0-9]+$/.test(id) || users.get(id)?.deleted) return err('user_not_found');
        if (users.get(id)?.canDm === false) return err('invalid_user_combination');
      }
      const first = list[0];
      if (list.length === 1 && first !== undefined) {
        const already = dmByUser.has(first);
        const id = dmChannelFor(first);
        return { ok: true, ...(already ? { no_op: true, already_open: true } : {}), channel: { id } };
      }
      const key = [...list].sort().join(',');
      let id = mpims.get(key);
      const already = id !== undefined;
      if (!id) {
        id = nextId('G');
        mpims.set(key, id);
      }
      return { ok: true, ...(already ? { no_op: true, already_open: true } : {}), channel: { id } };
    },

    'conversations.history': (args, who) =>
      listMessages(args, who, (m) => m.threadTs === undefined || m.threadTs === m.ts),

    'conversations.replies': (args, who) => {
      const parent = str(args.ts);
      if (!parent) return err('thread_not_found');
      const ch = resolveChannel(args.channel, false);
      if (!ch.ok) return err(ch.error);
      if (!messages.has(messageKey(ch.id, parent))) return err('thread_not_found');
      return listMessages(args, who, (m) => m.ts === parent || m.threadTs === parent);
    },

    'conversations.info': (args) => {
      const id = str(args.channel);
      if (!id || missing.has(id)) return err('channel_not_found');
      const dmUser = userByDm.get(id);
      if (dmUser) {
        return {
          ok: true,
          channel: {
            id,
            created: 0,
            is_im: true,
            is_org_shared: false,
            user: dmUser,
            is_user_deleted: false,
            context_team_id: team.id,
          },
        };
      }
      const c = channels.get(id);
      if (!c) return err('channel_not_found');
      const isPrivate = c.isPrivate ?? false;
      return {
        ok: true,
        channel: {
          id: c.id,
          name: c.name ?? c.id.toLowerCase(),
          is_channel: !isPrivate,
          is_group: isPrivate,
          is_im: false,
          is_mpim: false,
          is_private: isPrivate,
          is_archived: c.isArchived ?? false,
          is_general: false,
          is_shared: c.isExtShared ?? false,
          is_ext_shared: c.isExtShared ?? false,
          is_org_shared: false,
          is_pending_ext_shared: c.isPendingExtShared ?? (c.pendingConnectedTeamIds?.length ?? 0) > 0,
          pending_shared: [],
          pending_connected_team_ids: c.pendingConnectedTeamIds ?? [],
          is_member: c.isMember ?? true,
          context_team_id: c.contextTeamId ?? team.id,
          shared_team_ids: [c.contextTeamId ?? team.id, ...(c.connectedTeamIds ?? [])],
          ...(c.connectedTeamIds ? { connected_team_ids: c.connectedTeamIds } : {}),
          created: 1_600_000_000,
        },
      };
    },

    'pins.add': (args) => {
      const found = findMessage(args, 'timestamp');
      if (!isStoredMessage(found)) return found;
      if (found.pinned) return err('already_pinned');
      found.pinned = true;
      return { ok: true };
    },

    'pins.remove': (args) => {
      const found = findMessage(args, 'timestamp');
      if (!isStoredMessage(found)) return found;
      if (!found.pinned) return err('no_pin');
      found.pinned = false;
      return { ok: true };
    },

    'pins.list': (args, who) => {
      const ch = resolveChannel(args.channel, false);
      if (!ch.ok) return err(ch.error);
      const items = [...messages.values()]
        .filter((m) => m.channel === ch.id && m.pinned)
        .map((m) => ({
          type: 'message',
          created: Math.floor(now() / 1000),
          created_by: who?.userId ?? bot.userId,
          channel: m.channel,
          message: messageObject(m, who),
        }));
      return { ok: true, items };
    },

    'reactions.add': (args) => {
      const found = findMessage(args, 'timestamp');
      if (!isStoredMessage(found)) return found;
      const name = str(args.name)?.replace(/^:|:$/g, '');
      if (!name) return err('invalid_name');
      if (found.reactions.has(name)) return err('already_reacted');
      found.reactions.add(name);
      return { ok: true };
    },

    // users.lookupByEmail (https://docs.slack.dev/reference/methods/users.lookupByEmail, scope
    // users:read.email): the same `user` object as users.info; `users_not_found` when no user has the email.
    // Deactivated users are returned with `deleted: true`, as Slack does.
    'users.lookupByEmail': (args, who) => {
      const email = str(args.email)?.trim().toLowerCase();
      if (!email) return err('invalid_arguments');
      const found = [...users.values()].find((u) => u.email?.toLowerCase() === email);
      if (!found) return err('users_not_found');
      return handlers['users.info']!({ ...args, user: found.id }, who);
    },

    'users.info': (args) => {
      const id = str(args.user);
      if (!id) return err('user_not_found');
      if (id === bot.userId) {
        return {
          ok: true,
          user: {
            id,
            team_id: team.id,
            name: bot.name,
            real_name: bot.name,
            is_bot: true,
            deleted: false,
            profile: { bot_id: bot.botId, real_name: bot.name, display_name: bot.name },
          },
        };
      }
      const u = users.get(id);
      if (!u) return err('user_not_found');
      if (u.visible === false) return err('user_not_visible');
      const teamId = u.teamId ?? team.id;
      const name = u.name ?? id.toLowerCase();
      return {
        ok: true,
        user: {
          id,
          team_id: teamId,
          name,
          deleted: u.deleted ?? false,
          real_name: u.realName ?? name,
          tz: u.tz ?? 'America/Los_Angeles',
          tz_label: u.tzLabel ?? 'Pacific Standard Time',
          tz_offset: u.tzOffset ?? -28800,
          ...(truthy(args.include_locale) && u.locale ? { locale: u.locale } : {}),
          is_bot: u.isBot ?? false,
          is_app_user: false,
          is_stranger: false,
          profile: {
            real_name: u.realName ?? name,
            display_name: u.displayName ?? name,
            ...(u.email ? { email: u.email } : {}),
            team: teamId,
          },
        },
      };
    },

    'views.open': (args, who) => {
      const bad = validateViewArg(args, 'modal');
      if (bad) return bad;
      const view = args.view as Record<string, unknown>;
      if (externalIdTaken(view)) return err('duplicate_external_id');
      const t = takeTrigger(args);
      if (!isTrigger(t)) return t;
      t.used = true;
      const rec = createView(view, 'modal', t.userId, who, null);
      stacks.set(rec.id, [rec.id]);
      return { ok: true, view: rec.payload };
    },

    'views.push': (args, who) => {
      const bad = validateViewArg(args, 'modal');
      if (bad) return bad;
      const view = args.view as Record<string, unknown>;
      if (externalIdTaken(view)) return err('duplicate_external_id');
      const t = takeTrigger(args);
      if (!isTrigger(t)) return t;
      const stack = (t.viewId ? stackOf(t.viewId) : undefined) ?? openStacksOf(t.userId).at(-1);
      if (!stack || stack.length === 0) return err('not_found');
      if (stack.length >= 3) return err('push_limit_reached');
      t.used = true;
      const top = stack.at(-1) ?? null;
      const rec = createView(view, 'modal', t.userId, who, {
        rootViewId: stack[0] ?? '',
        previousViewId: top,
      });
      stack.push(rec.id);
      return { ok: true, view: rec.payload };
    },

    'views.update': (args) => {
      const viewId = str(args.view_id);
      const externalId = str(args.external_id);
      if (!viewId && !externalId) return invalidArguments(['missing required field: view_id or external_id']);
      const bad = validateViewArg(args, 'modal');
      if (bad) return bad;
      const rec = viewId ? views.get(viewId) : [...views.values()].find((v) => v.externalId === externalId);
      if (rec?.type !== 'modal' || rec.state === 'closed') return err('not_found');
      const hash = str(args.hash);
      if (hash && hash !== rec.hash) return err('hash_conflict');
      replaceView(rec, args.view as Record<string, unknown>);
      return { ok: true, view: rec.payload };
    },

    'views.publish': (args, who) => {
      const userId = str(args.user_id);
      if (!userId) return invalidArguments(['missing required field: user_id']);
      const bad = validateViewArg(args, 'home');
      if (bad) return bad;
      const view = args.view as Record<string, unknown>;
      const existingId = homes.get(userId);
      const existing = existingId ? views.get(existingId) : undefined;
      const hash = str(args.hash);
      if (existing) {
        if (hash && hash !== existing.hash) return err('hash_conflict');
        replaceView(existing, view);
        return { ok: true, view: existing.payload };
      }
      const rec = createView(view, 'home', userId, who, null);
      homes.set(userId, rec.id);
      return { ok: true, view: rec.payload };
    },

    // Files: the limits below are the ones the method pages document. `length` is required (0 gives
    // missing_argument) and alt_txt is at most 1,000 characters (alt_txt_too_large); an upload can be completed
    // once ("This method can only be called once"). The pages do not name the error for completing an
    // unknown or already-completed upload; the stand-in answers `file_not_found` for it.
    'files.getUploadURLExternal': (args) => {
      const filename = str(args.filename);
      const length = Number(str(args.length) ?? '0');
      if (!filename) return invalidArguments(['missing required field: filename']);
      if (!Number.isInteger(length) || length <= 0) return err('missing_argument');
      const alt = str(args.alt_txt) ?? str(args.alt_text);
      if (alt !== undefined && charCount(alt) > 1000) return err('alt_txt_too_large');
      const id = nextId('F');
      uploads.set(id, {
        id,
        filename,
        length,
        ...(alt !== undefined ? { altText: alt } : {}),
        bytes: null,
        completed: false,
      });
      return { ok: true, upload_url: `${baseUrl}/upload/${id}`, file_id: id };
    },

    'files.completeUploadExternal': (args) => {
      const files = args.files;
      if (
        !Array.isArray(files) ||
        files.length === 0 ||
        !files.every((f) => isRecord(f) && typeof f.id === 'string')
      )
        return invalidArguments(['files must be a non-empty array of {"id": …, "title": …}']);
      const found: StandInFile[] = [];
      for (const f of files as Array<{ id: string; title?: unknown }>) {
        const up = uploads.get(f.id);
        if (!up || up.completed || up.bytes === null) return err('file_not_found');
        found.push(up);
      }
      let channel: string | undefined;
      if (args.channel_id !== undefined) {
        const ch = resolveChannel(args.channel_id, true);
        if (!ch.ok) return err(ch.error);
        channel = ch.id;
      }
      const titles = new Map(
        (files as Array<{ id: string; title?: unknown }>).map((f) => [f.id, str(f.title)]),
      );
      for (const up of found) {
        up.completed = true;
        const title = titles.get(up.id);
        if (title !== undefined) up.title = title;
        if (channel !== undefined) up.channel = channel;
        const comment = str(args.initial_comment);
        if (comment !== undefined) up.initialComment = comment;
        const thread = str(args.thread_ts);
        if (thread !== undefined) up.threadTs = thread;
      }
      return {
        ok: true,
        files: found.map((f) => ({ id: f.id, title: f.title ?? f.filename, name: f.filename })),
      };
    },

    'oauth.v2.access': (args) => {
      const clientId = str(args.client_id);
      const clientSecret = str(args.client_secret);
      if (!clientId) return err('invalid_client_id');
      if (oauth.clientId !== undefined && clientId !== oauth.clientId) return err('invalid_client_id');
      if (oauth.clientSecret !== undefined && clientSecret !== oauth.clientSecret)
        return err('bad_client_secret');
      if (str(args.grant_type) === 'refresh_token') {
        const accessToken = `xoxe.xoxb-refreshed-${pad(++idCounter, 6)}`;
        addToken({ token: accessToken });
        return {
          ok: true,
          app_id: bot.appId,
          access_token: accessToken,
          token_type: 'bot',
          scope: 'chat:write,commands',
          refresh_token: `xoxe-1-refresh-${pad(idCounter, 6)}`,
          expires_in: 43200,
          bot_user_id: bot.userId,
          team: { id: team.id, name: team.name },
          enterprise: null,
          is_enterprise_install: false,
        };
      }
      const code = str(args.code);
      if (!code || usedCodes.has(code)) return err('invalid_code');
      if (oauth.validCodes && !oauth.validCodes.includes(code)) return err('invalid_code');
      usedCodes.add(code);
      const response: SlackApiResponse = {
        ok: true,
        app_id: bot.appId,
        authed_user: { id: SLACK_DEFAULTS.user.id },
        scope: 'chat:write,commands,users:read,channels:read,groups:read,im:write,pins:write,reactions:write',
        token_type: 'bot',
        access_token: `xoxb-installed-${pad(++idCounter, 6)}`,
        bot_user_id: bot.userId,
        team: { id: team.id, name: team.name },
        enterprise: null,
        is_enterprise_install: false,
        ...oauth.response,
        ...oauth.responses?.[code],
      };
      const accessToken = str(response.access_token);
      if (accessToken) {
        const t = isRecord(response.team) ? response.team : {};
        addToken({
          token: accessToken,
          teamId: str(t.id) ?? team.id,
          teamName: str(t.name),
          userId: str(response.bot_user_id) ?? bot.userId,
        });
      }
      return response;
    },
  };

  // ---- faults and rate limits --------------------------------------------------------------

  function takeFault(method: string): Fault | undefined {
    const t = now();
    faults = faults.filter((f) => f.remaining > 0 && t < f.until);
    const f = faults.find((x) => x.method === '*' || x.method === method);
    if (!f) return undefined;
    f.remaining--;
    f.hits++;
    return f.fault;
  }

  function overRateLimit(method: string, args: Record<string, unknown>): RateLimitOptions | undefined {
    const b = buckets.get(method);
    if (!b) return undefined;
    const key = b.options.perChannel ? (str(args.channel) ?? '') : '';
    const capacity = Math.max(1, b.options.burst ?? b.options.perSecond);
    const t = now();
    const state = b.tokens.get(key) ?? { tokens: capacity, last: t };
    state.tokens = Math.min(capacity, state.tokens + ((t - state.last) / 1000) * b.options.perSecond);
    state.last = t;
    b.tokens.set(key, state);
    if (state.tokens >= 1) {
      state.tokens -= 1;
      return undefined;
    }
    return b.options;
  }

  // ---- HTTP --------------------------------------------------------------------------------

  function record(call: Omit<RecordedCall, 'seq'>): RecordedCall {
    const full: RecordedCall = { seq: ++seq, ...call };
    calls.push(full);
    for (const l of [...listeners]) l(full);
    return full;
  }

  const timers = new Set<NodeJS.Timeout>();
  const sockets = new Set<Socket>();

  function send(
    res: ServerResponse,
    status: number,
    body: unknown,
    headers: Record<string, string> = {},
  ): void {
    if (res.destroyed || res.writableEnded) return;
    const text = typeof body === 'string' ? body : JSON.stringify(body);
    res.writeHead(status, {
      'content-type':
        typeof body === 'string' ? 'text/plain; charset=utf-8' : 'application/json; charset=utf-8',
      'content-length': Buffer.byteLength(text),
      ...headers,
    });
    res.end(text);
  }

  function sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        timers.delete(timer);
        resolve();
      }, ms);
      timers.add(timer);
    });
  }

  /** The upload URL: the bytes, raw (Slack also takes multipart); HTTP 200 once stored. */
  async function receiveUpload(req: IncomingMessage, res: ServerResponse, id: string): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const up = uploads.get(id);
    if (req.method !== 'POST' || !up || up.completed) {
      send(res, 404, 'Not Found');
      return;
    }
    up.bytes = Buffer.concat(chunks);
    send(res, 200, `OK - ${up.bytes.length}`);
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://stand-in');
    if (url.pathname.startsWith('/upload/')) {
      await receiveUpload(req, res, decodeURIComponent(url.pathname.slice('/upload/'.length)));
      return;
    }
    if (!url.pathname.startsWith('/api/')) {
      send(res, 404, 'Not Found');
      return;
    }
    const method = decodeURIComponent(url.pathname.slice('/api/'.length));
    const at = now();
    const raw = await readBody(req);
    let args: Record<string, unknown>;
    try {
      args = decodeArgs(String(req.headers['content-type'] ?? ''), raw, url.searchParams);
    } catch {
      const response = err('invalid_json');
      record({ method, args: { raw }, token: undefined, at, response, httpStatus: 200 });
      send(res, 200, response);
      return;
    }
    const auth = req.headers.authorization;
    const bearer = auth?.match(/^Bearer\s+(\S+)$/i)?.[1];
    const token = bearer ?? str(args.token);
    delete args.token;

    const fault = takeFault(method);
    if (fault && fault.kind !== 'delay') {
      switch (fault.kind) {
        case 'rate_limited': {
          const response = err('ratelimited');
          record({ method, args, token, at, response, httpStatus: 429, fault: fault.kind });
          send(res, 429, response, { 'retry-after': String(fault.retryAfterSeconds) });
          return;
        }
        case 'http_error':
          record({ method, args, token, at, response: null, httpStatus: fault.status, fault: fault.kind });
          send(res, fault.status, `stand-in injected HTTP ${fault.status}`);
          return;
        case 'slack_error': {
          const response = err(fault.error);
          record({ method, args, token, at, response, httpStatus: 200, fault: fault.kind });
          send(res, 200, response);
          return;
        }
        case 'refuse':
          record({ method, args, token, at, response: null, httpStatus: 0, fault: fault.kind });
          req.socket.destroy();
          return;
      }
    }

    const handler = handlers[method];
    let response: SlackApiResponse;
    let httpStatus = 200;
    let headers: Record<string, string> = {};
    let rateLimited = false;
    const limit = handler ? overRateLimit(method, args) : undefined;
    if (!handler) {
      response = err('unknown_method', { req_method: method });
    } else if (limit) {
      response = err('ratelimited');
      httpStatus = 429;
      headers = { 'retry-after': String(limit.retryAfterSeconds) };
      rateLimited = true;
    } else if (NO_AUTH_METHODS.has(method)) {
      response = handler(args, token ? tokens.get(token) : undefined);
    } else if (!token) {
      response = err('not_authed');
    } else {
      const who = tokens.get(token);
      response = who ? handler(args, who) : err('invalid_auth');
    }
    const recorded: Omit<RecordedCall, 'seq'> = { method, args, token, at, response, httpStatus };
    if (rateLimited) recorded.fault = 'rate_limit';
    else if (fault) recorded.fault = fault.kind;
    record(recorded);
    if (fault?.kind === 'delay') await sleep(fault.ms);
    send(res, httpStatus, response, headers);
  }

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((e: unknown) => {
      send(res, 500, `stand-in error: ${e instanceof Error ? e.message : String(e)}`);
    });
  });
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const baseUrl = `http://${options.host ?? '127.0.0.1'}:${port}`;

  // ---- public API --------------------------------------------------------------------------

  function messagesTo(target: string): RecordedMessage[] {
    const out: RecordedMessage[] = [];
    for (const call of calls) {
      if (!call.response?.ok) continue;
      if (
        call.method !== 'chat.postMessage' &&
        call.method !== 'chat.postEphemeral' &&
        call.method !== 'chat.update'
      ) {
        continue;
      }
      const r = call.response;
      const channel = str(r.channel) ?? str(call.args.channel) ?? '';
      const resolvedChannel = /^[UW]/.test(channel) ? (dmByUser.get(channel) ?? channel) : channel;
      const dmUser = userByDm.get(resolvedChannel);
      const ephemeralUser = call.method === 'chat.postEphemeral' ? str(call.args.user) : undefined;
      const matches =
        target === resolvedChannel ||
        target === channel ||
        (dmUser !== undefined && target === dmUser) ||
        (ephemeralUser !== undefined && target === ephemeralUser);
      if (!matches) continue;
      const msg: RecordedMessage = {
        method: call.method,
        channel: resolvedChannel,
        ts: str(r.ts) ?? str(r.message_ts) ?? '',
        call,
      };
      if (dmUser !== undefined) msg.dmUser = dmUser;
      if (ephemeralUser !== undefined) msg.user = ephemeralUser;
      const threadTs = str(call.args.thread_ts);
      if (threadTs !== undefined) msg.threadTs = threadTs;
      const text = str(call.args.text);
      if (text !== undefined) msg.text = text;
      if (Array.isArray(call.args.blocks)) msg.blocks = call.args.blocks;
      out.push(msg);
    }
    return out;
  }

  function waitFor(predicate: (call: RecordedCall) => boolean, timeoutMs = 2000): Promise<RecordedCall> {
    const existing = calls.find(predicate);
    if (existing) return Promise.resolve(existing);
    return new Promise((resolve, reject) => {
      const listener = (call: RecordedCall): void => {
        if (!predicate(call)) return;
        clearTimeout(timer);
        listeners.delete(listener);
        resolve(call);
      };
      const timer = setTimeout(() => {
        listeners.delete(listener);
        const recent = calls
          .slice(-10)
          .map((c) => `${c.method}→${c.response?.ok === true ? 'ok' : (c.response?.error ?? c.httpStatus)}`)
          .join(', ');
        reject(
          new Error(
            `waitFor: no matching Slack API call within ${timeoutMs} ms (recent: ${recent || 'none'})`,
          ),
        );
      }, timeoutMs);
      listeners.add(listener);
    });
  }

  return {
    url: baseUrl,
    apiUrl: `${baseUrl}/api/`,
    port,
    team,
    bot,
    issueTriggerId,
    calls: (method) => (method === undefined ? [...calls] : calls.filter((c) => c.method === method)),
    lastCall: (method) => calls.findLast((c) => c.method === method),
    messagesTo,
    views: () => [...views.values()],
    view: findView,
    viewStack: (userId) =>
      (openStacksOf(userId).at(-1) ?? [])
        .map((id) => views.get(id))
        .filter((v): v is ViewRecord => v !== undefined),
    homeView: (userId) => {
      const id = homes.get(userId);
      return id ? views.get(id) : undefined;
    },
    closeView,
    waitFor,
    fail(method, fault, opts = {}) {
      const f: ActiveFault = {
        method,
        fault,
        remaining: opts.times ?? (opts.forMs !== undefined ? Number.POSITIVE_INFINITY : 1),
        until: opts.forMs !== undefined ? now() + opts.forMs : Number.POSITIVE_INFINITY,
        hits: 0,
      };
      faults.push(f);
      return {
        clear: () => {
          faults = faults.filter((x) => x !== f);
        },
        get hits() {
          return f.hits;
        },
      };
    },
    clearFaults: () => {
      faults = [];
    },
    rateLimit(method, opts) {
      buckets.set(method, { options: opts, tokens: new Map() });
    },
    clearRateLimits: () => buckets.clear(),
    addToken,
    addChannel: (c) => {
      channels.set(c.id, c);
      missing.delete(c.id);
    },
    addUser: (u) => {
      users.set(u.id, u);
    },
    addMessage(m) {
      const ts = m.ts ?? nextTs();
      messages.set(messageKey(m.channel, ts), {
        ...m,
        ts,
        user: m.user ?? SLACK_DEFAULTS.user.id,
        pinned: false,
        reactions: new Set(),
      });
      return ts;
    },
    message(channel, ts) {
      const m = messages.get(messageKey(channel, ts));
      if (!m) return undefined;
      const { pinned: _p, reactions: _r, ...rest } = m;
      return rest;
    },
    dmChannelFor,
    files: () => [...uploads.values()],
    pins: (channel) =>
      [...messages.values()].filter((m) => m.channel === channel && m.pinned).map((m) => m.ts),
    reset() {
      calls = [];
      seq = 0;
      messages.clear();
      triggers.clear();
      views.clear();
      stacks.clear();
      homes.clear();
      usedCodes.clear();
      uploads.clear();
      faults = [];
      buckets.clear();
    },
    async close() {
      for (const t of timers) clearTimeout(t);
      timers.clear();
      listeners.clear();
      for (const s of sockets) s.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
