// Workspace commands of the `facet` CLI: serve (browser mode) and workspace (where things live).
import type { Command } from 'commander';
import { defaultRendererDir } from '../core/platform/media/static-files.js';
import { startServer } from '../server/index.js';
import type { CliContext } from './context.js';
import { countFlag } from './flags.js';

export function registerWorkspaceCommands(program: Command, ctx: CliContext): void {
  program
    .command('serve')
    .description('browser mode: serve the app on 127.0.0.1 (prints the URL with its access token)')
    .option('--port <n>', 'port (default: any free port)', countFlag('--port'), 0)
    .action(async (opts: { port: number }) => {
      const { io } = ctx.out();
      const c = ctx.open();
      const server = await startServer({ core: c, port: opts.port, rendererDir: defaultRendererDir() });
      io.stdout.write(`${server.url}\n`);
      io.stderr.write('Open the URL above in a browser. Press Ctrl+C to stop.\n');
      await new Promise<void>((resolve) => {
        process.once('SIGINT', resolve);
        process.once('SIGTERM', resolve);
      });
      await server.close();
    });

  program
    .command('workspace')
    .description('show where the workspace and its database live')
    .action(async () => {
      const o = ctx.out();
      const info = await ctx.open().call('workspace/info', {});
      o.result(info, () => `workspace: ${info.dir}\ndatabase:  ${info.database}\ncache:     ${info.cache}\nschema:    ${info.schemaVersion}`);
    });
}
