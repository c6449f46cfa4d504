import type {
  ActionsBlock,
  Button,
  ContextBlock,
  DividerBlock,
  HeaderBlock,
  HomeView,
  InputBlock,
  InputBlockElement,
  KnownBlock,
  ModalView,
  MrkdwnElement,
  PlainTextElement,
  PlainTextInput,
  PlainTextOption,
  SectionBlock,
  SectionBlockAccessory,
  StaticSelect,
} from '@slack/types';
import { cleanPlain, sanitize, truncate, truncateMrkdwn } from './mrkdwn.ts';

// Block Kit limits (/work/shared/slack/FACTS.md) and the only constructors src/slack uses to build
// blocks. Each one clamps to its limit, so no builder can produce a payload Slack refuses, whatever the
// input length. Plain-text arguments are raw user text (cleaned here); mrkdwn arguments must already be
// escaped by the caller (see mrkdwn.ts), because they mix our formatting with user text.

export const BLOCK_KIT = {
  messageBlocks: 50,
  viewBlocks: 100,
  sectionText: 3000,
  sectionFields: 10,
  sectionFieldText: 2000,
  headerText: 150,
  contextElements: 10,
  contextText: 3000,
  actionsElements: 25,
  buttonText: 75,
  buttonValue: 2000,
  url: 3000,
  id: 255,
  selectOptions: 100,
  optionText: 75,
  optionValue: 75,
  plainTextInputMaxLength: 3000,
  inputLabel: 2000,
  inputHint: 2000,
  placeholder: 150,
  modalTitle: 24,
  modalButton: 24,
  privateMetadata: 3000,
  callbackId: 255,
  messageText: 4000,
  confirmTitle: 100,
  confirmText: 300,
  confirmButton: 30,
  radioOptions: 10,
} as const;

/** A rendered message: fallback `text` (used in notifications; Slack parses it as mrkdwn) and blocks. */
export interface SlackMessage {
  text: string;
  blocks: KnownBlock[];
}

function checkId(id: string, what: string): string {
  if (id.length === 0 || id.length > BLOCK_KIT.id)
    throw new Error(`${what} must be 1–${BLOCK_KIT.id} characters`);
  return id;
}

const NBSP = '\u00A0';

export function plain(text: string, max: number): PlainTextElement {
  const t = truncate(cleanPlain(text), max);
  return { type: 'plain_text', text: t === '' ? NBSP : t, emoji: true };
}

export function mrkdwn(text: string, max: number = BLOCK_KIT.sectionText): MrkdwnElement {
  const t = truncateMrkdwn(text, max);
  return { type: 'mrkdwn', text: t === '' ? NBSP : t };
}

export function section(
  text: string,
  opts: { blockId?: string; accessory?: SectionBlockAccessory } = {},
): SectionBlock {
  return {
    type: 'section',
    ...(opts.blockId ? { block_id: checkId(opts.blockId, 'block_id') } : {}),
    text: mrkdwn(text, BLOCK_KIT.sectionText),
    ...(opts.accessory ? { accessory: opts.accessory } : {}),
  };
}

/** A two-column section: at most 10 mrkdwn fields of at most 2000 characters; empty ones are dropped. */
export function fields(...texts: Array<string | null | undefined | false>): SectionBlock {
  const kept = texts.filter((t): t is string => typeof t === 'string' && t.trim() !== '');
  return {
    type: 'section',
    fields: (kept.length > 0 ? kept : [NBSP])
      .slice(0, BLOCK_KIT.sectionFields)
      .map((t) => mrkdwn(t, BLOCK_KIT.sectionFieldText)),
  };
}

export function header(text: string): HeaderBlock {
  return { type: 'header', text: plain(text, BLOCK_KIT.headerText) };
}

export function divider(): DividerBlock {
  return { type: 'divider' };
}

/** A context line of mrkdwn elements; past 10, the rest are joined into the tenth. */
export function context(elements: string[]): ContextBlock {
  const kept = elements.filter((e) => e.trim() !== '');
  const head = kept.slice(0, BLOCK_KIT.contextElements - 1);
  const tail = kept.slice(BLOCK_KIT.contextElements - 1);
  const all = tail.length > 0 ? [...head, tail.join('  ·  ')] : head;
  return {
    type: 'context',
    elements: (all.length > 0 ? all : [NBSP]).map((e) => mrkdwn(e, BLOCK_KIT.contextText)),
  };
}

export interface ButtonSpec {
  text: string;
  actionId: string;
  value?: string;
  style?: 'primary' | 'danger';
  url?: string;
  confirm?: { title: string; text: string; confirm: string; deny: string };
}

export function button(spec: ButtonSpec): Button {
  if (spec.value !== undefined && spec.value.length > BLOCK_KIT.buttonValue) {
    // A cut value would be corrupt; values are ours (lead refs), so this is a programming error.
    throw new Error(`button value is longer than ${BLOCK_KIT.buttonValue} characters`);
  }
  return {
    type: 'button',
    action_id: checkId(spec.actionId, 'action_id'),
    text: plain(spec.text, BLOCK_KIT.buttonText),
    ...(spec.value !== undefined ? { value: spec.value } : {}),
    ...(spec.style ? { style: spec.style } : {}),
    ...(spec.url && spec.url.length <= BLOCK_KIT.url ? { url: spec.url } : {}),
    ...(spec.confirm
      ? {
          confirm: {
            title: plain(spec.confirm.title, BLOCK_KIT.confirmTitle),
            text: plain(spec.confirm.text, BLOCK_KIT.confirmText),
            confirm: plain(spec.confirm.confirm, BLOCK_KIT.confirmButton),
            deny: plain(spec.confirm.deny, BLOCK_KIT.confirmButton),
          },
        }
      : {}),
  };
}

/** An actions block of at most 25 buttons. */
export function actions(blockId: string, buttons: Button[]): ActionsBlock {
  return {
    type: 'actions',
    block_id: checkId(blockId, 'block_id'),
    elements: buttons.slice(0, BLOCK_KIT.actionsElements),
  };
}

export function option(text: string, value: string): PlainTextOption {
  if (value.length === 0 || value.length > BLOCK_KIT.optionValue) {
    throw new Error(`option value must be 1–${BLOCK_KIT.optionValue} characters`);
  }
  return { text: plain(text, BLOCK_KIT.optionText), value };
}

export function staticSelect(spec: {
  actionId: string;
  options: PlainTextOption[];
  placeholder?: string;
  initialValue?: string | null;
}): StaticSelect {
  const options = spec.options.slice(0, BLOCK_KIT.selectOptions);
  const initial = spec.initialValue == null ? undefined : options.find((o) => o.value === spec.initialValue);
  return {
    type: 'static_select',
    action_id: checkId(spec.actionId, 'action_id'),
    options,
    ...(spec.placeholder ? { placeholder: plain(spec.placeholder, BLOCK_KIT.placeholder) } : {}),
    ...(initial ? { initial_option: initial } : {}),
  };
}

export function plainInput(spec: {
  actionId: string;
  maxLength: number;
  multiline?: boolean;
  placeholder?: string;
  initialValue?: string | null;
}): PlainTextInput {
  const max = Math.max(1, Math.min(spec.maxLength, BLOCK_KIT.plainTextInputMaxLength));
  // The person's own text, to edit: never parsed as mrkdwn, so kept as written (control and bidi
  // characters go) and cut to fit max_length.
  const initial = spec.initialValue ? truncate(sanitize(spec.initialValue), max) : '';
  return {
    type: 'plain_text_input',
    action_id: checkId(spec.actionId, 'action_id'),
    max_length: max,
    ...(spec.multiline ? { multiline: true } : {}),
    ...(spec.placeholder ? { placeholder: plain(spec.placeholder, BLOCK_KIT.placeholder) } : {}),
    ...(initial ? { initial_value: initial } : {}),
  };
}

export function input(spec: {
  blockId: string;
  label: string;
  element: InputBlockElement;
  optional?: boolean;
  hint?: string;
}): InputBlock {
  return {
    type: 'input',
    block_id: checkId(spec.blockId, 'block_id'),
    label: plain(spec.label, BLOCK_KIT.inputLabel),
    element: spec.element,
    ...(spec.optional ? { optional: true } : {}),
    ...(spec.hint ? { hint: plain(spec.hint, BLOCK_KIT.inputHint) } : {}),
  };
}

/**
 * Keeps at most `max` blocks; when some must go, the last kept slot becomes a context line
 * "and N more…" (N = blocks left out, unless `moreText` says otherwise).
 */
export function capBlocks(
  blocks: KnownBlock[],
  max: number,
  moreText: string | ((hidden: number) => string) = (n) => `and ${n.toLocaleString('en-US')} more…`,
): KnownBlock[] {
  if (blocks.length <= max) return blocks;
  const kept = blocks.slice(0, Math.max(0, max - 1));
  const hidden = blocks.length - kept.length;
  return [...kept, context([typeof moreText === 'string' ? moreText : moreText(hidden)])];
}

/**
 * Lists items (each one or more blocks) within `maxBlocks`, ending with "and N more…" when they do not
 * all fit. N counts items, not blocks.
 */
export function listBlocks(
  items: KnownBlock[][],
  maxBlocks: number,
  moreText: (hidden: number) => string = (n) => `and ${n.toLocaleString('en-US')} more…`,
): KnownBlock[] {
  const total = items.reduce((n, it) => n + it.length, 0);
  if (total <= maxBlocks) return items.flat();
  const out: KnownBlock[] = [];
  let shown = 0;
  for (const it of items) {
    if (out.length + it.length > maxBlocks - 1) break;
    out.push(...it);
    shown++;
  }
  return [...out, context([moreText(items.length - shown)])];
}

/** Packs lines of mrkdwn into as few sections as fit (each ≤ 3000 characters). */
export function lineSections(lines: string[]): SectionBlock[] {
  const out: SectionBlock[] = [];
  let current = '';
  for (const raw of lines) {
    const line = truncateMrkdwn(raw, BLOCK_KIT.sectionText);
    if (current !== '' && current.length + 1 + line.length > BLOCK_KIT.sectionText) {
      out.push(section(current));
      current = '';
    }
    current = current === '' ? line : `${current}\n${line}`;
  }
  if (current !== '') out.push(section(current));
  return out;
}

/**
 * Lines packed into sections, within `maxBlocks`; when they don't all fit, the last block says
 * "and N more…" where N counts lines (items), not blocks.
 */
export function linesWithin(
  lines: string[],
  maxBlocks: number,
  moreText: (hidden: number) => string = (n) => `and ${n.toLocaleString('en-US')} more…`,
): KnownBlock[] {
  const all = lineSections(lines);
  if (all.length <= maxBlocks) return all;
  let shown = lines.length;
  let packed = all;
  while (shown > 0 && packed.length > maxBlocks - 1) {
    shown--;
    packed = lineSections(lines.slice(0, shown));
  }
  return [...packed, context([moreText(lines.length - shown)])];
}

/** A message: fallback text cut to stay under 4000 characters, at most 50 blocks. */
export function message(text: string, blocks: KnownBlock[]): SlackMessage {
  return {
    text: truncateMrkdwn(text.trim(), BLOCK_KIT.messageText - 1) || 'Foothold update',
    blocks: capBlocks(blocks, BLOCK_KIT.messageBlocks),
  };
}

export function modal(spec: {
  title: string;
  submit?: string;
  close?: string;
  callbackId: string;
  privateMetadata?: string;
  blocks: KnownBlock[];
}): ModalView {
  const meta = spec.privateMetadata ?? '';
  if (meta.length > BLOCK_KIT.privateMetadata) {
    // Cutting JSON would corrupt it: the caller must keep the metadata small (ids, not documents).
    throw new Error(
      `private_metadata is ${meta.length} characters; Slack allows ${BLOCK_KIT.privateMetadata}`,
    );
  }
  if (spec.blocks.length > BLOCK_KIT.viewBlocks) {
    throw new Error(`a modal holds at most ${BLOCK_KIT.viewBlocks} blocks (got ${spec.blocks.length})`);
  }
  return {
    type: 'modal',
    callback_id: checkId(spec.callbackId, 'callback_id'),
    title: plain(spec.title, BLOCK_KIT.modalTitle),
    ...(spec.submit ? { submit: plain(spec.submit, BLOCK_KIT.modalButton) } : {}),
    close: plain(spec.close ?? 'Cancel', BLOCK_KIT.modalButton),
    ...(meta ? { private_metadata: meta } : {}),
    blocks: spec.blocks,
  };
}

export function homeView(blocks: KnownBlock[]): HomeView {
  return { type: 'home', blocks: capBlocks(blocks, BLOCK_KIT.viewBlocks) };
}
