// The `facet` command line: global options, error reporting and exit codes, and the command groups,
// one line each. Names, flags, exit codes and --json fields are a contract with outside scripts
// (DESIGN.md, "The command line"); add to them, never rename them.
import { Command, CommanderError } from 'commander';
import { formatError, toErrorPayload } from '../../shared/errors.js';
import { Core } from '../core/index.js';
import { resolveWorkspaceDir, Workspace } from '../core/platform/workspace.js';
import { EXIT, type CliContext } from './context.js';
import { Output, type Io } from './output.js';
import { registerDemoCommands } from './demo-commands.js';
import { registerDatasetCommands } from './dataset-commands.js';
import { registerTrainingCommands } from './training-commands.js';
import { registerExportCommands } from './export-commands.js';
import { registerFacesCommands } from './faces-commands.js';
import { registerAuditCommands } from './audit-commands.js';
import { registerWorkspaceCommands } from './workspace-commands.js';
import { registerLabellingCommands } from './labelling-commands.js';
import { registerClusterCommands } from './cluster-commands.js';

const EXIT_HELP = `
Exit codes:
  0  success
  1  failed (the message says why and what to do)
  2  invalid command line or arguments
  3  finished, but some files were skipped or left out (listed with their reasons)
  130  training cancelled (Ctrl+C) or interrupted

Every command takes --workspace DIR (else $FACET_WORKSPACE, else the per-user data folder)
and --json (one JSON document on stdout; progress and logs on stderr).`;

interface GlobalOptions {
  workspace?: string;
  json?: boolean;
}

/** The command groups, in the order `facet --help` lists them. */
function registerCommands(program: Command, ctx: CliContext): void {
  registerDemoCommands(program, ctx);
  registerDatasetCommands(program, ctx);
  registerTrainingCommands(program, ctx);
  registerExportCommands(program, ctx);
  registerFacesCommands(program, ctx);
  registerAuditCommands(program, ctx);
  registerLabellingCommands(program, ctx);
  registerWorkspaceCommands(program, ctx);
  registerClusterCommands(program, ctx);
}

export async function runCli(argv: string[], io: Io = { stdout: process.stdout, stderr: process.stderr }, env: NodeJS.ProcessEnv = process.env): Promise<number> {
  let exitCode: number = EXIT.ok;
  let core: Core | null = null;
  const program = new Command('facet');
  const globals = (): GlobalOptions => program.opts<GlobalOptions>();
  const ctx: CliContext = {
    out: () => new Output(io, Boolean(globals().json)),
    // The workspace opens on first use: `facet --help` and `predict --model` never create one.
    open: () => (core ??= new Core(Workspace.open(resolveWorkspaceDir(globals().workspace, env)))),
    setExit: (code) => (exitCode = code),
  };

  program
    .description('Facet Studio: label face images and train image classifiers on your own machine.')
    .option('--workspace <dir>', 'workspace folder (default: $FACET_WORKSPACE or the per-user data folder)')
    .option('--json', 'print one JSON document on stdout')
    .addHelpText('after', EXIT_HELP)
    .configureOutput({ writeOut: (s) => io.stdout.write(s), writeErr: (s) => io.stderr.write(s) })
    .exitOverride()
    .showHelpAfterError('(run facet --help for usage)');
  registerCommands(program, ctx);

  try {
    await program.parseAsync(argv, { from: 'user' });
  } catch (error) {
    exitCode = reportError(error, io, Boolean(globals().json), env);
  } finally {
    await (core as Core | null)?.close();
  }
  return exitCode;
}

function reportError(error: unknown, io: Io, json: boolean, env: NodeJS.ProcessEnv): number {
  if (error instanceof CommanderError) {
    // Commander already printed its message (or the help / version text).
    if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version' || error.code === 'commander.help') return EXIT.ok;
    return EXIT.usage;
  }
  const payload = toErrorPayload(error);
  if (json) io.stdout.write(`${JSON.stringify({ error: payload }, null, 2)}\n`);
  io.stderr.write(`facet: ${formatError(payload)}\n`);
  if (payload.code === 'internal' && error instanceof Error && env.FACET_DEBUG) io.stderr.write(`${error.stack}\n`);
  return payload.code === 'invalid-argument' ? EXIT.usage : EXIT.failed;
}
