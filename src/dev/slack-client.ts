/**
 * Plays Slack towards the app: signed HTTP requests (slash commands, interactivity, events) sent to
 * the app's Bolt HTTP receiver, plus builders for Slack-shaped payloads with overridable defaults.
 * Signing and content types follow /work/shared/slack/FACTS.md exactly.
 *
 * Library code: no test-framework imports.
 */
import { createHmac, randomBytes } from 'node:crypto';
import { request } from 'node:http';
import { SLACK_DEFAULTS } from './slack-defaults.ts';

// ---------------------------------------------------------------------------------------------
// Signing and transport
// ---------------------------------------------------------------------------------------------

/** `v0=` + hex HMAC-SHA256(secret, `v0:${timestamp}:${body}`). Timestamp in seconds. */
export function signRequest(secret: string, timestamp: number | string, body: string): string {
  return `v0=${createHmac('sha256', secret).update(`v0:${timestamp}:${body}`).digest('hex')}`;
}

export interface SlackRequesterOptions {
  /** The app's origin, e.g. `http://127.0.0.1:3000`. */
  baseUrl: string;
  signingSecret: string;
  /** Default `/slack/events` (Bolt's default). */
  path?: string;
  /** Clock in ms used for `X-Slack-Request-Timestamp` (default `Date.now`). */
  now?: () => number;
}

export interface SlackRequestResult {
  status: number;
  body: string;
  /** Parsed body, or null when it is empty or not JSON. */
  json: unknown | null;
  /** Round-trip time in ms. */
  ms: number;
  headers: Record<string, string | string[] | undefined>;
}

export interface RawRequestOptions {
  /** Sign the request (default true). Headers passed explicitly still win. */
  sign?: boolean;
  /** Request timestamp in seconds (default: the requester clock). */
  timestamp?: number;
  /** Path override for this request. */
  path?: string;
}

export interface EventDeliveryOptions {
  /** `X-Slack-Retry-Num` (Slack retries 1–3). */
  retryNum?: number;
  /** `X-Slack-Retry-Reason`, e.g. `http_timeout`, `http_error`. */
  retryReason?: string;
}

export type SlackPayload = Record<string, unknown>;

export interface SlackRequester {
  /** A slash command as `application/x-www-form-urlencoded` fields. */
  command(fields: Record<string, string>): Promise<SlackRequestResult>;
  /** `block_actions` (or any interactivity payload) as `payload=<JSON>`. */
  action(payload: SlackPayload): Promise<SlackRequestResult>;
  viewSubmission(payload: SlackPayload): Promise<SlackRequestResult>;
  viewClosed(payload: SlackPayload): Promise<SlackRequestResult>;
  /** Message or global shortcut. */
  shortcut(payload: SlackPayload): Promise<SlackRequestResult>;
  /** Events API envelope as JSON, optionally marked as a Slack retry. */
  event(envelope: SlackPayload, options?: EventDeliveryOptions): Promise<SlackRequestResult>;
  /** Any body with any headers; signed unless `sign: false`. Explicit headers override computed ones. */
  raw(
    body: string,
    headers?: Record<string, string>,
    options?: RawRequestOptions,
  ): Promise<SlackRequestResult>;
}

const FORM = 'application/x-www-form-urlencoded';

export function createSlackRequester(opts: SlackRequesterOptions): SlackRequester {
  const now = opts.now ?? Date.now;
  const defaultPath = opts.path ?? '/slack/events';

  function send(body: string, headers: Record<string, string>, path: string): Promise<SlackRequestResult> {
    const url = new URL(path, opts.baseUrl);
    const started = performance.now();
    return new Promise((resolve, reject) => {
      const req = request(
        url,
        { method: 'POST', headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) } },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('error', reject);
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            let json: unknown | null = null;
            if (text.length > 0) {
              try {
                json = JSON.parse(text);
              } catch {
                json = null;
              }
            }
            resolve({
              status: res.statusCode ?? 0,
              body: text,
              json,
              ms: performance.now() - started,
              headers: res.headers,
            });
          });
        },
      );
      req.on('error', reject);
      req.end(body);
    });
  }

  function raw(body: string, headers: Record<string, string> = {}, options: RawRequestOptions = {}) {
    const timestamp = options.timestamp ?? Math.floor(now() / 1000);
    const signed: Record<string, string> =
      options.sign === false
        ? {}
        : {
            'x-slack-request-timestamp': String(timestamp),
            'x-slack-signature': signRequest(opts.signingSecret, timestamp, body),
          };
    const lowered = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
    return send(body, { ...signed, ...lowered }, options.path ?? defaultPath);
  }

  const interactive = (payload: SlackPayload) =>
    raw(new URLSearchParams({ payload: JSON.stringify(payload) }).toString(), { 'content-type': FORM });

  return {
    command: (fields) => raw(new URLSearchParams(fields).toString(), { 'content-type': FORM }),
    action: interactive,
    viewSubmission: interactive,
    viewClosed: interactive,
    shortcut: interactive,
    event: (envelope, options = {}) => {
      const headers: Record<string, string> = { 'content-type': 'application/json' };
      if (options.retryNum !== undefined) headers['x-slack-retry-num'] = String(options.retryNum);
      if (options.retryReason !== undefined) headers['x-slack-retry-reason'] = options.retryReason;
      return raw(JSON.stringify(envelope), headers);
    },
    raw,
  };
}

// ---------------------------------------------------------------------------------------------
// Payload builders
// ---------------------------------------------------------------------------------------------

/** Who performed an interaction. `team_id` is their own workspace (differs in Slack Connect). */
export interface PayloadUser {
  id: string;
  team_id?: string;
  username?: string;
}

let counter = 0;
const seqHex = (): string => `${Date.now().toString(16)}${(++counter).toString(16).padStart(4, '0')}`;

/** A Slack-looking trigger id (not issued by the stand-in: views.open will answer invalid_trigger_id). */
export function fakeTriggerId(): string {
  return `${Math.floor(Date.now() / 1000)}${counter++}.1000000001.${randomBytes(16).toString('hex')}`;
}

function actionTs(): string {
  const ms = Date.now();
  return `${Math.floor(ms / 1000)}.${String((ms % 1000) * 1000 + (++counter % 1000)).padStart(6, '0')}`;
}

function responseUrl(teamId: string, kind: 'commands' | 'actions' = 'actions'): string {
  return `https://hooks.slack.com/${kind}/${teamId}/${1000000000 + ++counter}/${randomBytes(12).toString('hex')}`;
}

function userObject(u: PayloadUser, fallbackTeam: string) {
  const username = u.username ?? u.id.toLowerCase();
  return { id: u.id, username, name: username, team_id: u.team_id ?? fallbackTeam };
}

function teamObject(teamId: string, domain?: string) {
  return {
    id: teamId,
    domain: domain ?? (teamId === SLACK_DEFAULTS.team.id ? SLACK_DEFAULTS.team.domain : teamId.toLowerCase()),
  };
}

export interface SlashCommandInput {
  userId?: string;
  userName?: string;
  teamId?: string;
  teamDomain?: string;
  /** Only sent for Enterprise Grid workspaces (omitted otherwise, like Slack). */
  enterpriseId?: string;
  enterpriseName?: string;
  channelId?: string;
  channelName?: string;
  command?: string;
  text?: string;
  triggerId?: string;
  responseUrl?: string;
  apiAppId?: string;
  token?: string;
  isEnterpriseInstall?: boolean;
}

/** Slash command form fields (all strings, as Slack sends them). */
export function slashCommand(input: SlashCommandInput = {}): Record<string, string> {
  const teamId = input.teamId ?? SLACK_DEFAULTS.team.id;
  const fields: Record<string, string> = {
    token: input.token ?? SLACK_DEFAULTS.verificationToken,
    team_id: teamId,
    team_domain: input.teamDomain ?? teamObject(teamId).domain,
  };
  if (input.enterpriseId !== undefined) {
    fields.enterprise_id = input.enterpriseId;
    fields.enterprise_name = input.enterpriseName ?? input.enterpriseId;
  }
  Object.assign(fields, {
    channel_id: input.channelId ?? SLACK_DEFAULTS.channel.id,
    channel_name:
      input.channelName ?? (input.channelId?.startsWith('D') ? 'directmessage' : SLACK_DEFAULTS.channel.name),
    user_id: input.userId ?? SLACK_DEFAULTS.user.id,
    user_name: input.userName ?? (input.userId ?? SLACK_DEFAULTS.user.name).toLowerCase(),
    command: input.command ?? '/foothold',
    text: input.text ?? '',
    api_app_id: input.apiAppId ?? SLACK_DEFAULTS.bot.appId,
    is_enterprise_install: input.isEnterpriseInstall ? 'true' : 'false',
    response_url: input.responseUrl ?? responseUrl(teamId, 'commands'),
    trigger_id: input.triggerId ?? fakeTriggerId(),
  });
  return fields;
}

export interface BlockActionInput {
  user?: PayloadUser;
  actionId: string;
  value?: string;
  blockId?: string;
  /** Element type (default `button`). */
  actionType?: string;
  /** Extra fields merged into the action, e.g. `{ selected_option: {...} }`. */
  action?: SlackPayload;
  /** Workspace the action happened in (default: the installing workspace). */
  teamId?: string;
  channelId?: string;
  channelName?: string;
  messageTs?: string;
  /** The message the button sits on (default: a bot message with that ts). */
  message?: SlackPayload;
  triggerId?: string;
  /** Set when the button is inside a modal/Home tab: pass the stand-in's `ViewRecord.payload`. */
  view?: SlackPayload;
  container?: SlackPayload;
  /** `state.values` of the surface. */
  stateValues?: Record<string, Record<string, SlackPayload>>;
  apiAppId?: string;
  responseUrl?: string;
}

/** A realistic `block_actions` payload (message container unless `view` is given). */
export function blockAction(input: BlockActionInput): SlackPayload {
  const teamId = input.teamId ?? SLACK_DEFAULTS.team.id;
  const user = userObject(input.user ?? { id: SLACK_DEFAULTS.user.id }, teamId);
  const ts = actionTs();
  const blockId = input.blockId ?? 'block';
  const action: SlackPayload = {
    action_id: input.actionId,
    block_id: blockId,
    ...(input.value !== undefined ? { value: input.value } : {}),
    type: input.actionType ?? 'button',
    action_ts: ts,
    ...((input.actionType ?? 'button') === 'button'
      ? { text: { type: 'plain_text', text: input.actionId, emoji: true } }
      : {}),
    ...input.action,
  };
  const payload: SlackPayload = {
    type: 'block_actions',
    user,
    api_app_id: input.apiAppId ?? SLACK_DEFAULTS.bot.appId,
    token: SLACK_DEFAULTS.verificationToken,
    trigger_id: input.triggerId ?? fakeTriggerId(),
    team: teamObject(teamId),
    enterprise: null,
    is_enterprise_install: false,
  };
  if (input.view) {
    const viewId = typeof input.view.id === 'string' ? input.view.id : 'V0000000000';
    payload.container = input.container ?? { type: 'view', view_id: viewId };
    payload.view = { ...input.view, state: { values: input.stateValues ?? {} } };
  } else {
    const channelId = input.channelId ?? SLACK_DEFAULTS.channel.id;
    const messageTs = input.messageTs ?? `${Math.floor(Date.now() / 1000)}.000100`;
    payload.container = input.container ?? {
      type: 'message',
      message_ts: messageTs,
      channel_id: channelId,
      is_ephemeral: false,
    };
    payload.channel = {
      id: channelId,
      name: input.channelName ?? (channelId.startsWith('D') ? 'directmessage' : SLACK_DEFAULTS.channel.name),
    };
    payload.message = input.message ?? {
      type: 'message',
      user: SLACK_DEFAULTS.bot.userId,
      bot_id: SLACK_DEFAULTS.bot.botId,
      app_id: SLACK_DEFAULTS.bot.appId,
      text: '',
      ts: messageTs,
      team: SLACK_DEFAULTS.team.id,
      blocks: [],
    };
    payload.state = { values: input.stateValues ?? {} };
    payload.response_url = input.responseUrl ?? responseUrl(teamId);
  }
  payload.actions = [action];
  return payload;
}

/** `state.values` entries, keyed by element type as Slack sends them. */
export const stateValue = {
  text: (value: string | null) => ({ type: 'plain_text_input', value }),
  number: (value: string | null) => ({ type: 'number_input', value }),
  email: (value: string | null) => ({ type: 'email_text_input', value }),
  url: (value: string | null) => ({ type: 'url_text_input', value }),
  select: (value: string | null, text = value ?? '') => ({
    type: 'static_select',
    selected_option: value === null ? null : { text: { type: 'plain_text', text, emoji: true }, value },
  }),
  multiSelect: (values: string[]) => ({
    type: 'multi_static_select',
    selected_options: values.map((v) => ({ text: { type: 'plain_text', text: v, emoji: true }, value: v })),
  }),
  externalSelect: (value: string | null, text = value ?? '') => ({
    type: 'external_select',
    selected_option: value === null ? null : { text: { type: 'plain_text', text, emoji: true }, value },
  }),
  radio: (value: string | null, text = value ?? '') => ({
    type: 'radio_buttons',
    selected_option: value === null ? null : { text: { type: 'plain_text', text, emoji: true }, value },
  }),
  checkboxes: (values: string[]) => ({
    type: 'checkboxes',
    selected_options: values.map((v) => ({ text: { type: 'plain_text', text: v, emoji: true }, value: v })),
  }),
  date: (date: string | null) => ({ type: 'datepicker', selected_date: date }),
  time: (time: string | null) => ({ type: 'timepicker', selected_time: time }),
  user: (id: string | null) => ({ type: 'users_select', selected_user: id }),
  users: (ids: string[]) => ({ type: 'multi_users_select', selected_users: ids }),
  conversation: (id: string | null) => ({ type: 'conversations_select', selected_conversation: id }),
  channel: (id: string | null) => ({ type: 'channels_select', selected_channel: id }),
};

export interface ViewPayloadInput {
  user?: PayloadUser;
  teamId?: string;
  callbackId?: string;
  /** `{ [blockId]: { [actionId]: { type, value | selected_option | selected_date | ... } } }` */
  values?: Record<string, Record<string, SlackPayload>>;
  privateMetadata?: string;
  viewId?: string;
  triggerId?: string;
  /** Base view (e.g. the stand-in's `ViewRecord.payload`); the fields above override it. */
  view?: SlackPayload;
  apiAppId?: string;
}

function viewObject(input: ViewPayloadInput, teamId: string): SlackPayload {
  const base = input.view ?? {};
  const id =
    input.viewId ?? (typeof base.id === 'string' ? base.id : `V${seqHex().slice(-10).toUpperCase()}`);
  return {
    id,
    team_id: teamId,
    type: 'modal',
    blocks: [],
    private_metadata: '',
    callback_id: '',
    hash: `${Math.floor(Date.now() / 1000)}.${randomBytes(4).toString('hex')}`,
    title: { type: 'plain_text', text: 'Foothold', emoji: true },
    clear_on_close: false,
    notify_on_close: false,
    close: null,
    submit: null,
    previous_view_id: null,
    root_view_id: id,
    app_id: input.apiAppId ?? SLACK_DEFAULTS.bot.appId,
    external_id: '',
    app_installed_team_id: SLACK_DEFAULTS.team.id,
    bot_id: SLACK_DEFAULTS.bot.botId,
    ...base,
    ...(input.viewId !== undefined ? { id: input.viewId } : {}),
    ...(input.callbackId !== undefined ? { callback_id: input.callbackId } : {}),
    ...(input.privateMetadata !== undefined ? { private_metadata: input.privateMetadata } : {}),
    state: { values: input.values ?? {} },
  };
}

/** A `view_submission` payload. */
export function viewSubmission(input: ViewPayloadInput): SlackPayload {
  const teamId = input.teamId ?? SLACK_DEFAULTS.team.id;
  return {
    type: 'view_submission',
    team: teamObject(teamId),
    user: userObject(input.user ?? { id: SLACK_DEFAULTS.user.id }, teamId),
    api_app_id: input.apiAppId ?? SLACK_DEFAULTS.bot.appId,
    token: SLACK_DEFAULTS.verificationToken,
    trigger_id: input.triggerId ?? fakeTriggerId(),
    view: viewObject(input, teamId),
    response_urls: [],
    is_enterprise_install: false,
    enterprise: null,
  };
}

/** A `view_closed` payload (sent only when the view had `notify_on_close: true`). */
export function viewClosed(input: ViewPayloadInput & { isCleared?: boolean }): SlackPayload {
  const teamId = input.teamId ?? SLACK_DEFAULTS.team.id;
  return {
    type: 'view_closed',
    team: teamObject(teamId),
    user: userObject(input.user ?? { id: SLACK_DEFAULTS.user.id }, teamId),
    api_app_id: input.apiAppId ?? SLACK_DEFAULTS.bot.appId,
    token: SLACK_DEFAULTS.verificationToken,
    view: viewObject(input, teamId),
    is_cleared: input.isCleared ?? false,
    is_enterprise_install: false,
    enterprise: null,
  };
}

export interface MessageShortcutInput {
  user?: PayloadUser;
  teamId?: string;
  callbackId: string;
  channel?: string | { id: string; name?: string };
  /** The message acted on; needs at least `ts`. */
  message: SlackPayload & { ts: string };
  triggerId?: string;
  responseUrl?: string;
}

/** A `message_action` (message shortcut) payload. */
export function messageShortcut(input: MessageShortcutInput): SlackPayload {
  const teamId = input.teamId ?? SLACK_DEFAULTS.team.id;
  const given = typeof input.channel === 'string' ? { id: input.channel } : input.channel;
  const channel = given ?? { id: SLACK_DEFAULTS.channel.id, name: SLACK_DEFAULTS.channel.name };
  return {
    type: 'message_action',
    token: SLACK_DEFAULTS.verificationToken,
    action_ts: actionTs(),
    team: teamObject(teamId),
    user: userObject(input.user ?? { id: SLACK_DEFAULTS.user.id }, teamId),
    channel: { id: channel.id, name: channel.name ?? channel.id.toLowerCase() },
    is_enterprise_install: false,
    enterprise: null,
    callback_id: input.callbackId,
    trigger_id: input.triggerId ?? fakeTriggerId(),
    response_url: input.responseUrl ?? responseUrl(teamId),
    message_ts: input.message.ts,
    message: { type: 'message', text: '', user: SLACK_DEFAULTS.user.id, ...input.message },
  };
}

/** A global `shortcut` payload. */
export function globalShortcut(input: {
  user?: PayloadUser;
  teamId?: string;
  callbackId: string;
  triggerId?: string;
}): SlackPayload {
  const teamId = input.teamId ?? SLACK_DEFAULTS.team.id;
  return {
    type: 'shortcut',
    token: SLACK_DEFAULTS.verificationToken,
    action_ts: actionTs(),
    team: teamObject(teamId),
    user: userObject(input.user ?? { id: SLACK_DEFAULTS.user.id }, teamId),
    is_enterprise_install: false,
    enterprise: null,
    callback_id: input.callbackId,
    trigger_id: input.triggerId ?? fakeTriggerId(),
  };
}

export interface EventEnvelopeOptions {
  /** Workspace the event is delivered for (default: the installing workspace). */
  teamId?: string;
  eventId?: string;
  /** Seconds (default now). */
  eventTime?: number;
  apiAppId?: string;
  isExtSharedChannel?: boolean;
  /** Default: one bot authorization for `teamId`. */
  authorizations?: SlackPayload[];
  enterpriseId?: string;
}

/** An Events API `event_callback` envelope around `event`. */
export function eventEnvelope(event: SlackPayload, options: EventEnvelopeOptions = {}): SlackPayload {
  const teamId = options.teamId ?? SLACK_DEFAULTS.team.id;
  const eventTime = options.eventTime ?? Math.floor(Date.now() / 1000);
  return {
    token: SLACK_DEFAULTS.verificationToken,
    team_id: teamId,
    ...(options.enterpriseId !== undefined ? { enterprise_id: options.enterpriseId } : {}),
    api_app_id: options.apiAppId ?? SLACK_DEFAULTS.bot.appId,
    event: { event_ts: `${eventTime}.000100`, ...event },
    type: 'event_callback',
    event_id: options.eventId ?? `Ev${seqHex().slice(-10).toUpperCase()}`,
    event_time: eventTime,
    authorizations: options.authorizations ?? [
      {
        enterprise_id: options.enterpriseId ?? null,
        team_id: teamId,
        user_id: SLACK_DEFAULTS.bot.userId,
        is_bot: true,
        is_enterprise_install: false,
      },
    ],
    is_ext_shared_channel: options.isExtSharedChannel ?? false,
    event_context: `4-${randomBytes(24).toString('base64url')}`,
  };
}
