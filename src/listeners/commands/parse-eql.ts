import { normalizeDomain } from '../../core/domain.ts';

export type EqlCommand =
  | { kind: 'open'; website: string | null }
  | { kind: 'status'; website: string }
  | { kind: 'mine' }
  | { kind: 'digest' }
  | { kind: 'setup' }
  | { kind: 'help'; unknown: string | null };

/** `/eql`, `/eql acme.com`, `/eql status acme.com`, `/eql mine`, `/eql digest`, `/eql setup`, `/eql help`. */
export function parseEqlCommand(text: string): EqlCommand {
  const trimmed = text.trim();
  if (trimmed === '') return { kind: 'open', website: null };
  const [first = '', ...rest] = trimmed.split(/\s+/);
  const word = first.toLowerCase();
  const arg = rest.join(' ');
  if (word === 'help' || word === '?') return { kind: 'help', unknown: null };
  if (word === 'mine' && !arg) return { kind: 'mine' };
  if (word === 'digest' && !arg) return { kind: 'digest' };
  if (word === 'setup' && !arg) return { kind: 'setup' };
  if (word === 'status') return arg ? { kind: 'status', website: arg } : { kind: 'help', unknown: trimmed };
  if (rest.length === 0 && normalizeDomain(first).ok) return { kind: 'open', website: first };
  return { kind: 'help', unknown: trimmed };
}
