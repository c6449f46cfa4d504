/**
 * What the page's modal form holds, turned into the `view.state.values` Slack sends with a `view_submission`
 * (block id → action id → a value shaped by element type). Pure. The view's own blocks decide the shape, so
 * the page cannot invent fields: a value for a block the view lacks is ignored, an empty field is sent as
 * Slack sends it (`value: null`, `selected_option: null`, …).
 */

import { stateValue } from '../dev/slack-client.ts';
import { isObj, type Obj, optionsOf } from '../slack/render-text.ts';

/** Block id → the values the form holds for that block's element (one for most, several for checkboxes). */
export type FormValues = Readonly<Record<string, readonly string[]>>;

function labelOf(el: Obj, value: string): string {
  const o = optionsOf(el).find((x) => String(x.value) === value);
  const t = o?.text;
  return isObj(t) && typeof t.text === 'string' ? t.text : value;
}

/** One input element's state entry, or null for an element type the playground does not know. */
export function elementState(el: Obj, given: readonly string[]): Record<string, unknown> | null {
  const first = given[0] !== undefined && given[0] !== '' ? given[0] : null;
  const known = (v: string) => optionsOf(el).some((o) => String(o.value) === v);
  switch (el.type) {
    case 'plain_text_input':
      return stateValue.text(first);
    case 'number_input':
      return stateValue.number(first);
    case 'email_text_input':
      return stateValue.email(first);
    case 'url_text_input':
      return stateValue.url(first);
    case 'static_select':
      return stateValue.select(first && known(first) ? first : null, first ? labelOf(el, first) : '');
    case 'radio_buttons':
      return stateValue.radio(first && known(first) ? first : null, first ? labelOf(el, first) : '');
    case 'multi_static_select':
    case 'checkboxes': {
      const chosen = given.filter(known);
      const entries = chosen.map((v) => ({
        text: { type: 'plain_text', text: labelOf(el, v), emoji: true },
        value: v,
      }));
      return { type: el.type, selected_options: entries };
    }
    case 'users_select':
      return stateValue.user(first);
    case 'datepicker':
      return stateValue.date(first);
    case 'timepicker':
      return stateValue.time(first);
    default:
      return null;
  }
}

/** `view.state.values` for a view's input blocks from what the form holds. */
export function viewStateValues(
  view: unknown,
  form: FormValues,
): Record<string, Record<string, Record<string, unknown>>> {
  const out: Record<string, Record<string, Record<string, unknown>>> = {};
  const blocks = isObj(view) && Array.isArray(view.blocks) ? view.blocks.filter(isObj) : [];
  for (const b of blocks) {
    if (b.type !== 'input' || typeof b.block_id !== 'string' || !isObj(b.element)) continue;
    const actionId = typeof b.element.action_id === 'string' ? b.element.action_id : '';
    const entry = elementState(b.element, form[b.block_id] ?? []);
    if (entry) out[b.block_id] = { [actionId]: entry };
  }
  return out;
}
