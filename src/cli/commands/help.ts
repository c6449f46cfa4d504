import { commandHelp, generalHelp, PROGRAM } from '../help-text.ts';
import { commandsUnder, findCommand } from '../registry-lookup.ts';
import { type Command, EXIT, UsageError } from '../types.ts';

export const help: Command = {
  name: 'help',
  usage: '[command]',
  summary: 'Show this help, or the details of one command',
  positionals: { min: 0, max: 3 },
  async run(args, ctx) {
    if (args.positionals.length === 0) {
      ctx.out(generalHelp(ctx.commands));
      return EXIT.ok;
    }
    const match = findCommand(ctx.commands, args.positionals);
    if (match && match.length === args.positionals.length) {
      ctx.out(commandHelp(match.command));
      return EXIT.ok;
    }
    const group = commandsUnder(ctx.commands, args.positionals);
    if (group.length > 0) {
      ctx.out(group.map(commandHelp).join('\n\n'));
      return EXIT.ok;
    }
    throw new UsageError(
      `no command "${args.positionals.join(' ')}"; run "${PROGRAM} help" to see the commands`,
    );
  },
};
