// Entry point of the `facet` command line.
import { runCli } from './cli/program.js';

const code = await runCli(process.argv.slice(2));
process.exitCode = code;

if (process.env.FACET_DEBUG_HANDLES) {
  setTimeout(() => {
    const handles = (process as unknown as { _getActiveHandles(): unknown[] })._getActiveHandles();
    process.stderr.write(`active handles after the command: ${handles.map((h) => (h as object).constructor.name).join(', ')}\n`);
  }, 1000).unref();
}
