import type { Command } from './types.ts';

/** The command whose name is the longest prefix of `words`, and how many words its name takes. */
export function findCommand(
  registry: readonly Command[],
  words: readonly string[],
): { command: Command; length: number } | undefined {
  let best: { command: Command; length: number } | undefined;
  for (const command of registry) {
    const name = command.name.split(' ');
    if (name.length <= words.length && name.every((w, i) => words[i] === w)) {
      if (!best || name.length > best.length) best = { command, length: name.length };
    }
  }
  return best;
}

/** Commands whose name starts with `words` (e.g. every `import …` for `import`). */
export function commandsUnder(registry: readonly Command[], words: readonly string[]): Command[] {
  return registry.filter((c) => {
    const name = c.name.split(' ');
    return words.length > 0 && words.length <= name.length && words.every((w, i) => name[i] === w);
  });
}
