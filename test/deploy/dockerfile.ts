// A Dockerfile read as text: its stages and their instructions (no Docker daemon needed).

export interface Instruction {
  op: string;
  args: string;
}

/** Instructions with continuation lines joined and comments dropped, split into stages at each FROM. */
export function dockerStages(text: string): { from: string; name?: string; instructions: Instruction[] }[] {
  const joined = text
    .split('\n')
    .filter((l) => !/^\s*#/.test(l))
    .join('\n')
    .replace(/\\\n/g, ' ');
  const args = new Map<string, string>();
  const stages: { from: string; name?: string; instructions: Instruction[] }[] = [];
  for (const line of joined.split('\n')) {
    const m = /^\s*([A-Z]+)\s+(.*)$/.exec(line);
    if (!m) continue;
    const op = m[1] as string;
    const rest = (m[2] as string).trim();
    if (op === 'ARG' && stages.length === 0) {
      const [k, v] = rest.split('=');
      args.set(k as string, v ?? '');
    } else if (op === 'FROM') {
      const [image, , name] = rest.split(/\s+/);
      const from = (image as string).replace(/\$\{(\w+)\}/g, (_, k: string) => args.get(k) ?? '');
      stages.push({ from, ...(name ? { name } : {}), instructions: [] });
    } else stages.at(-1)?.instructions.push({ op, args: rest });
  }
  return stages;
}
