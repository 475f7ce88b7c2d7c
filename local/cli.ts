#!/usr/bin/env node
/** The `warden` command line. */
import { Command, CommanderError } from 'commander';
import { registerAudit } from './commands/audit';
import { registerBias } from './commands/bias';
import { registerDrift } from './commands/drift';
import { registerEvents } from './commands/events';
import { registerLocal } from './commands/local-run';
import { registerReport } from './commands/report';
import { registerValidate } from './commands/validate';

const program = new Command('warden')
  .description('Warden: governed, self-healing ML lifecycle on AWS — offline checks and the local runtime.')
  .option('--debug', 'print stack traces of errors')
  // A usage error is one line on stderr like every other input error (CONTRACTS.md); --help shows the usage.
  .configureOutput({
    outputError: (message, write) => write(`warden: ${message.replace(/^error: /, '').trimEnd()} (see --help)\n`),
  })
  .exitOverride();

registerValidate(program);
registerBias(program);
registerDrift(program);
registerAudit(program);
registerEvents(program);
registerLocal(program);
registerReport(program);

program.parseAsync(process.argv).catch((error: unknown) => {
  if (error instanceof CommanderError) {
    process.exitCode = error.exitCode === 0 ? 0 : 2;
    return;
  }
  process.stderr.write(`warden: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 2;
});
