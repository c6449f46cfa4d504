/**
 * Block Kit limit checks used by the Slack stand-in. Limits follow /work/shared/slack/FACTS.md
 * ("Block Kit limits"); a few extra structural rules Slack also enforces (required fields, element
 * placement, confirm dialog, overflow/checkbox/radio option counts) are checked too.
 *
 * Every violation carries a JSON pointer, formatted like Slack's own messages:
 * `must be at most 24 characters (got 30) [json-pointer:/view/title/text]`.
 */

export interface LimitViolation {
  /** JSON pointer to the offending value, e.g. `/blocks/3/text/text` or `/view/title/text`. */
  pointer: string;
  /** Human-readable description of the problem. */
  message: string;
}

export type ViewSurface = 'modal' | 'home';

export const BLOCK_KIT_LIMITS = {
  messageBlocks: 50,
  viewBlocks: 100,
  sectionText: 3000,
  sectionFields: 10,
  sectionFieldText: 2000,
  headerText: 150,
  contextElements: 10,
  actionsElements: 25,
  buttonText: 75,
  buttonValue: 2000,
  url: 3000,
  id: 255,
  selectOptions: 100,
  optionGroups: 100,
  optionText: 75,
  optionValue: 75,
  optionDescription: 75,
  optionGroupLabel: 75,
  plainTextInputMaxLength: 3000,
  inputLabel: 2000,
  inputHint: 2000,
  placeholder: 150,
  modalTitle: 24,
  modalButton: 24,
  privateMetadata: 3000,
  callbackId: 255,
  externalId: 255,
  messageText: 4000,
  confirmTitle: 100,
  confirmText: 300,
  confirmButton: 30,
  imageAltText: 2000,
  checkboxOptions: 10,
  radioOptions: 10,
  overflowMinOptions: 2,
  overflowMaxOptions: 5,
} as const;

/** Formats a violation the way Slack words its validation messages. */
export function formatViolation(v: LimitViolation): string {
  return `${v.message} [json-pointer:${v.pointer}]`;
}

/** Character count as Slack is assumed to count it: Unicode code points, not UTF-16 units. */
export function charCount(s: string): number {
  let n = 0;
  for (const _ of s) n++;
  return n;
}

type Obj = Record<string, unknown>;

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

const KNOWN_BLOCKS = new Set([
  'section',
  'divider',
  'header',
  'context',
  'actions',
  'input',
  'image',
  'rich_text',
  'video',
  'file',
  'markdown',
  'table',
  'context_actions',
]);

const SELECTS_WITH_OPTIONS = new Set(['static_select', 'multi_static_select']);
const OTHER_SELECTS = new Set([
  'external_select',
  'multi_external_select',
  'users_select',
  'multi_users_select',
  'conversations_select',
  'multi_conversations_select',
  'channels_select',
  'multi_channels_select',
]);
const INPUT_ONLY = new Set([
  'plain_text_input',
  'number_input',
  'email_text_input',
  'url_text_input',
  'rich_text_input',
  'file_input',
]);
const PICKERS = new Set(['datepicker', 'timepicker', 'datetimepicker']);
const KNOWN_ELEMENTS = new Set([
  'button',
  'overflow',
  'checkboxes',
  'radio_buttons',
  'image',
  'workflow_button',
  ...SELECTS_WITH_OPTIONS,
  ...OTHER_SELECTS,
  ...INPUT_ONLY,
  ...PICKERS,
]);
type ElementPlace = 'actions' | 'input' | 'accessory';
const NOT_ALLOWED_IN: Record<ElementPlace, Set<string>> = {
  actions: new Set(['image', ...INPUT_ONLY]),
  input: new Set(['button', 'overflow', 'image', 'workflow_button']),
  accessory: new Set([...INPUT_ONLY, 'datetimepicker']),
};

class Checker {
  readonly violations: LimitViolation[] = [];

  add(pointer: string, message: string): void {
    this.violations.push({ pointer, message });
  }

  /** Optional string no longer than `max` characters. */
  str(obj: Obj, key: string, base: string, max: number, required = false): void {
    const v = obj[key];
    const p = `${base}/${key}`;
    if (v === undefined || v === null) {
      if (required) this.add(p, `missing required field: ${key}`);
      return;
    }
    if (typeof v !== 'string') {
      this.add(p, 'must be a string');
      return;
    }
    if (required && v.length === 0) this.add(p, 'must be more than 0 characters');
    const n = charCount(v);
    if (n > max) this.add(p, `must be at most ${max} characters (got ${n})`);
  }

  /** A composition text object: `{ type: 'plain_text' | 'mrkdwn', text }`. */
  text(
    obj: Obj,
    key: string,
    base: string,
    opts: { max?: number; plainOnly?: boolean; required?: boolean },
  ): void {
    const v = obj[key];
    const p = `${base}/${key}`;
    if (v === undefined || v === null) {
      if (opts.required) this.add(p, `missing required field: ${key}`);
      return;
    }
    this.textObject(v, p, opts);
  }

  textObject(v: unknown, p: string, opts: { max?: number; plainOnly?: boolean }): void {
    if (!isObj(v)) {
      this.add(p, 'must be a text object');
      return;
    }
    if (v.type !== 'plain_text' && v.type !== 'mrkdwn') {
      this.add(`${p}/type`, 'must be one of plain_text, mrkdwn');
      return;
    }
    if (opts.plainOnly && v.type !== 'plain_text') {
      this.add(`${p}/type`, 'must be plain_text (mrkdwn is not allowed here)');
    }
    if (typeof v.text !== 'string') {
      this.add(`${p}/text`, 'missing required field: text');
      return;
    }
    if (v.text.length === 0) {
      this.add(`${p}/text`, 'must be more than 0 characters');
      return;
    }
    const n = charCount(v.text);
    if (opts.max !== undefined && n > opts.max) {
      this.add(`${p}/text`, `must be at most ${opts.max} characters (got ${n})`);
    }
  }

  array(obj: Obj, key: string, base: string, min: number, max: number, required: boolean): unknown[] | null {
    const v = obj[key];
    const p = `${base}/${key}`;
    if (v === undefined || v === null) {
      if (required) this.add(p, `missing required field: ${key}`);
      return null;
    }
    if (!Array.isArray(v)) {
      this.add(p, 'must be an array');
      return null;
    }
    if (v.length < min) this.add(p, `must have at least ${min} items (got ${v.length})`);
    if (v.length > max) this.add(p, `no more than ${max} items allowed (got ${v.length})`);
    return v;
  }

  confirm(obj: Obj, base: string): void {
    const c = obj.confirm;
    if (c === undefined) return;
    const p = `${base}/confirm`;
    if (!isObj(c)) {
      this.add(p, 'must be a confirmation dialog object');
      return;
    }
    this.text(c, 'title', p, { max: BLOCK_KIT_LIMITS.confirmTitle, plainOnly: true, required: true });
    this.text(c, 'text', p, { max: BLOCK_KIT_LIMITS.confirmText, required: true });
    this.text(c, 'confirm', p, { max: BLOCK_KIT_LIMITS.confirmButton, plainOnly: true, required: true });
    this.text(c, 'deny', p, { max: BLOCK_KIT_LIMITS.confirmButton, plainOnly: true, required: true });
  }

  option(o: unknown, p: string, allowMrkdwn: boolean): void {
    if (!isObj(o)) {
      this.add(p, 'must be an option object');
      return;
    }
    this.text(o, 'text', p, { max: BLOCK_KIT_LIMITS.optionText, plainOnly: !allowMrkdwn, required: true });
    this.str(o, 'value', p, BLOCK_KIT_LIMITS.optionValue, true);
    this.text(o, 'description', p, { max: BLOCK_KIT_LIMITS.optionDescription, plainOnly: !allowMrkdwn });
    this.str(o, 'url', p, BLOCK_KIT_LIMITS.url);
  }

  options(el: Obj, base: string, min: number, max: number, allowMrkdwn: boolean): void {
    const opts = this.array(el, 'options', base, min, max, true);
    opts?.forEach((o, i) => {
      this.option(o, `${base}/options/${i}`, allowMrkdwn);
    });
  }

  placeholder(el: Obj, base: string): void {
    this.text(el, 'placeholder', base, { max: BLOCK_KIT_LIMITS.placeholder, plainOnly: true });
  }

  element(el: unknown, p: string, place: ElementPlace, actionIds: Set<string>): void {
    if (!isObj(el)) {
      this.add(p, 'must be a block element object');
      return;
    }
    const type = el.type;
    if (typeof type !== 'string' || !KNOWN_ELEMENTS.has(type)) {
      this.add(`${p}/type`, `unsupported element type ${JSON.stringify(type)}`);
      return;
    }
    if (NOT_ALLOWED_IN[place].has(type)) {
      this.add(
        `${p}/type`,
        `element type ${type} is not allowed in ${place === 'accessory' ? 'a section accessory' : `an ${place} block`}`,
      );
    }
    if (type !== 'image') {
      this.str(el, 'action_id', p, BLOCK_KIT_LIMITS.id);
      if (typeof el.action_id === 'string') {
        if (actionIds.has(el.action_id)) {
          this.add(
            `${p}/action_id`,
            `action_id must be unique within the block (duplicate ${JSON.stringify(el.action_id)})`,
          );
        }
        actionIds.add(el.action_id);
      }
    }
    this.confirm(el, p);
    switch (type) {
      case 'button':
      case 'workflow_button':
        this.text(el, 'text', p, { max: BLOCK_KIT_LIMITS.buttonText, plainOnly: true, required: true });
        this.str(el, 'value', p, BLOCK_KIT_LIMITS.buttonValue);
        this.str(el, 'url', p, BLOCK_KIT_LIMITS.url);
        if (el.style !== undefined && el.style !== 'primary' && el.style !== 'danger') {
          this.add(`${p}/style`, 'must be one of primary, danger');
        }
        return;
      case 'static_select':
      case 'multi_static_select': {
        this.placeholder(el, p);
        const hasOptions = el.options !== undefined;
        const hasGroups = el.option_groups !== undefined;
        if (hasOptions === hasGroups) {
          this.add(`${p}/options`, 'must provide exactly one of options, option_groups');
        }
        if (hasOptions) this.options(el, p, 1, BLOCK_KIT_LIMITS.selectOptions, false);
        if (hasGroups) {
          const groups = this.array(el, 'option_groups', p, 1, BLOCK_KIT_LIMITS.optionGroups, true);
          groups?.forEach((g, i) => {
            const gp = `${p}/option_groups/${i}`;
            if (!isObj(g)) {
              this.add(gp, 'must be an option group object');
              return;
            }
            this.text(g, 'label', gp, {
              max: BLOCK_KIT_LIMITS.optionGroupLabel,
              plainOnly: true,
              required: true,
            });
            this.options(g, gp, 1, BLOCK_KIT_LIMITS.selectOptions, false);
          });
        }
        if (el.initial_option !== undefined) this.option(el.initial_option, `${p}/initial_option`, false);
        return;
      }
      case 'overflow':
        this.options(el, p, BLOCK_KIT_LIMITS.overflowMinOptions, BLOCK_KIT_LIMITS.overflowMaxOptions, false);
        return;
      case 'checkboxes':
        this.options(el, p, 1, BLOCK_KIT_LIMITS.checkboxOptions, true);
        return;
      case 'radio_buttons':
        this.options(el, p, 1, BLOCK_KIT_LIMITS.radioOptions, true);
        return;
      case 'plain_text_input': {
        this.placeholder(el, p);
        for (const key of ['max_length', 'min_length'] as const) {
          const v = el[key];
          if (v === undefined) continue;
          const min = key === 'max_length' ? 1 : 0;
          if (typeof v !== 'number' || !Number.isInteger(v)) {
            this.add(`${p}/${key}`, 'must be an integer');
          } else if (v < min || v > BLOCK_KIT_LIMITS.plainTextInputMaxLength) {
            this.add(
              `${p}/${key}`,
              `must be between ${min} and ${BLOCK_KIT_LIMITS.plainTextInputMaxLength} (got ${v})`,
            );
          }
        }
        return;
      }
      case 'image':
        if (el.image_url === undefined && el.slack_file === undefined) {
          this.add(`${p}/image_url`, 'missing required field: image_url');
        }
        this.str(el, 'image_url', p, BLOCK_KIT_LIMITS.url);
        this.str(el, 'alt_text', p, BLOCK_KIT_LIMITS.imageAltText, true);
        return;
      default:
        // other selects, pickers and input elements: only the placeholder is limited here
        this.placeholder(el, p);
    }
  }

  blocks(blocks: unknown[], base: string, maxBlocks: number, surface: 'message' | ViewSurface): boolean {
    if (blocks.length > maxBlocks) {
      this.add(base, `no more than ${maxBlocks} items allowed (got ${blocks.length})`);
    }
    const blockIds = new Set<string>();
    let hasInput = false;
    blocks.forEach((b, i) => {
      const p = `${base}/${i}`;
      if (!isObj(b)) {
        this.add(p, 'must be a block object');
        return;
      }
      const type = b.type;
      if (typeof type !== 'string' || !KNOWN_BLOCKS.has(type)) {
        this.add(`${p}/type`, `unsupported block type ${JSON.stringify(type)}`);
        return;
      }
      this.str(b, 'block_id', p, BLOCK_KIT_LIMITS.id);
      if (typeof b.block_id === 'string') {
        if (blockIds.has(b.block_id)) {
          this.add(
            `${p}/block_id`,
            `block_id must be unique within the ${surface === 'message' ? 'message' : 'view'} (duplicate ${JSON.stringify(b.block_id)})`,
          );
        }
        blockIds.add(b.block_id);
      }
      const actionIds = new Set<string>();
      switch (type) {
        case 'section': {
          if (b.text === undefined && b.fields === undefined) {
            this.add(p, 'must provide at least one of text, fields');
          }
          this.text(b, 'text', p, { max: BLOCK_KIT_LIMITS.sectionText });
          const fields = this.array(b, 'fields', p, 1, BLOCK_KIT_LIMITS.sectionFields, false);
          fields?.forEach((f, j) => {
            this.textObject(f, `${p}/fields/${j}`, { max: BLOCK_KIT_LIMITS.sectionFieldText });
          });
          if (b.accessory !== undefined) this.element(b.accessory, `${p}/accessory`, 'accessory', actionIds);
          return;
        }
        case 'header':
          this.text(b, 'text', p, { max: BLOCK_KIT_LIMITS.headerText, plainOnly: true, required: true });
          return;
        case 'context': {
          const els = this.array(b, 'elements', p, 1, BLOCK_KIT_LIMITS.contextElements, true);
          els?.forEach((e, j) => {
            const ep = `${p}/elements/${j}`;
            if (isObj(e) && e.type === 'image') this.element(e, ep, 'accessory', actionIds);
            else this.textObject(e, ep, {});
          });
          return;
        }
        case 'actions': {
          const els = this.array(b, 'elements', p, 1, BLOCK_KIT_LIMITS.actionsElements, true);
          els?.forEach((e, j) => {
            this.element(e, `${p}/elements/${j}`, 'actions', actionIds);
          });
          return;
        }
        case 'input':
          hasInput = true;
          this.text(b, 'label', p, { max: BLOCK_KIT_LIMITS.inputLabel, plainOnly: true, required: true });
          this.text(b, 'hint', p, { max: BLOCK_KIT_LIMITS.inputHint, plainOnly: true });
          if (b.element === undefined) this.add(`${p}/element`, 'missing required field: element');
          else this.element(b.element, `${p}/element`, 'input', actionIds);
          return;
        case 'image':
          this.element(b, p, 'accessory', actionIds);
          this.text(b, 'title', p, { max: BLOCK_KIT_LIMITS.imageAltText, plainOnly: true });
          return;
        case 'rich_text':
          this.array(b, 'elements', p, 0, Number.POSITIVE_INFINITY, true);
          return;
        case 'markdown':
          if (surface !== 'message') this.add(`${p}/type`, 'markdown blocks are only allowed in messages');
          this.str(b, 'text', p, 12000, true);
          return;
        default:
          return;
      }
    });
    return hasInput;
  }
}

/**
 * Checks a message's `blocks` (already JSON-decoded). Returns `null` when `blocks` is not an array
 * of objects at all (Slack: `invalid_blocks_format`), else the list of violations (empty = valid).
 */
export function checkMessageBlocks(blocks: unknown, pointer = '/blocks'): LimitViolation[] | null {
  if (!Array.isArray(blocks)) return null;
  const c = new Checker();
  c.blocks(blocks, pointer, BLOCK_KIT_LIMITS.messageBlocks, 'message');
  return c.violations;
}

/** Checks a view payload (already JSON-decoded) for the given surface. */
export function checkView(view: unknown, surface: ViewSurface, pointer = '/view'): LimitViolation[] {
  const c = new Checker();
  if (!isObj(view)) {
    c.add(pointer, 'must be a view object');
    return c.violations;
  }
  if (view.type !== surface) {
    c.add(`${pointer}/type`, `must be ${JSON.stringify(surface)} (got ${JSON.stringify(view.type)})`);
  }
  if (surface === 'modal') {
    c.text(view, 'title', pointer, { max: BLOCK_KIT_LIMITS.modalTitle, plainOnly: true, required: true });
    c.text(view, 'submit', pointer, { max: BLOCK_KIT_LIMITS.modalButton, plainOnly: true });
    c.text(view, 'close', pointer, { max: BLOCK_KIT_LIMITS.modalButton, plainOnly: true });
  }
  c.str(view, 'private_metadata', pointer, BLOCK_KIT_LIMITS.privateMetadata);
  c.str(view, 'callback_id', pointer, BLOCK_KIT_LIMITS.callbackId);
  c.str(view, 'external_id', pointer, BLOCK_KIT_LIMITS.externalId);
  const blocks = c.array(view, 'blocks', pointer, 0, Number.POSITIVE_INFINITY, true);
  if (blocks) {
    const hasInput = c.blocks(blocks, `${pointer}/blocks`, BLOCK_KIT_LIMITS.viewBlocks, surface);
    if (surface === 'modal' && hasInput && (view.submit === undefined || view.submit === null)) {
      c.add(`${pointer}/submit`, 'submit is required when a modal contains input blocks');
    }
  }
  return c.violations;
}
