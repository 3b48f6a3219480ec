// The `difflab` command line: dispatches to one small file per command (src/cli/commands/*).
import { readFileSync } from 'node:fs';
import { helpText, parseCommand, UsageError, type Command } from './command.js';
import { didYouMean } from './suggest.js';
import { classifierCommand } from './commands/classifier.js';
import { demo } from './commands/demo.js';
import { evalCommand } from './commands/eval.js';
import { model } from './commands/model.js';
import { sample } from './commands/sample.js';
import { schedule } from './commands/schedule.js';
import { trainCommand } from './commands/train.js';
import { forwardCommand } from './commands/forward.js';
import { denoiseCommand } from './commands/denoise.js';
import { editCommand } from './commands/edit.js';
import { serveCommand } from './commands/serve.js';

/** Every command, in the order `difflab --help` lists them. */
export const commands: readonly Command[] = [
  demo,
  model,
  trainCommand,
  sample,
  schedule,
  forwardCommand,
  denoiseCommand,
  editCommand,
  classifierCommand,
  evalCommand,
  serveCommand,
];

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as {
    version: string;
  };
  return pkg.version;
}

function mainHelp(): string {
  const width = Math.max(...commands.map((c) => c.name.length));
  return [
    'difflab: diffusion models from scratch on libtorch: train, sample, guide, edit, evaluate.',
    '',
    'usage: difflab COMMAND [options]     (difflab help COMMAND, or difflab COMMAND --help, for its options)',
    '',
    'commands:',
    ...commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    'global: --help, --version',
  ].join('\n');
}

/** Runs the CLI on argv (without node and script); returns the exit code. Errors print as one line. */
export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  try {
    if (name === 'help' && rest.length > 0) {
      // `difflab help CMD` = `difflab CMD --help`
      const command = commands.find((c) => c.name === rest[0]);
      if (!command)
        throw new UsageError(
          `unknown command '${rest[0]}'${didYouMean(
            rest[0]!,
            commands.map((c) => c.name),
          )} (see difflab --help)`,
        );
      console.log(helpText(command));
      return 0;
    }
    if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
      console.log(mainHelp());
      return 0;
    }
    if (name === '--version' || name === '-v') {
      console.log(version());
      return 0;
    }
    const command = commands.find((c) => c.name === name);
    if (!command)
      throw new UsageError(
        `unknown command '${name}'${didYouMean(
          name,
          commands.map((c) => c.name),
        )} (see difflab --help)`,
      );
    const { values, positionals, help } = parseCommand(command, rest);
    if (help) {
      console.log(helpText(command));
      return 0;
    }
    return await command.run(values, positionals);
  } catch (e) {
    const err = e as Error;
    const code = e instanceof UsageError ? 2 : 1;
    console.error(`difflab: error: ${(err.message ?? String(e)).split('\n')[0]}`);
    if (process.env.DIFFLAB_DEBUG) console.error(err.stack);
    return code;
  }
}
