import { loadProgramConfig } from '../../config/program-config.ts';
import { type Command, EXIT } from '../types.ts';

const count = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

export const configCheck: Command = {
  name: 'config check',
  usage: '[file]',
  summary: 'Validate the program config file (default FOOTHOLD_CONFIG)',
  description:
    'Prints a one-line summary when the file is valid; otherwise each problem on its own line, exit 1.',
  positionals: { min: 0, max: 1 },
  async run(args, ctx) {
    const given = args.positionals[0];
    const path = given !== undefined ? ctx.resolvePath(given) : ctx.settings.configPath;
    // ConfigError (one line per problem) is printed by runCli, exit 1.
    const config = loadProgramConfig(path);
    ctx.out(
      `ok: ${given ?? path} is valid: ${count(config.partners.length, 'partner')}, ` +
        `${count(config.routing.length, 'routing rule')}, ${count(config.icp.criteria.length, 'ICP criterion', 'ICP criteria')}, ` +
        `${count(config.baselines.length, 'baseline')}, time zone ${config.timezone}`,
    );
    return EXIT.ok;
  },
};
