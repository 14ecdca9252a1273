import type { Express } from 'express';

/** The tool every target serves, so each gets a byte-identical tools/call body. */
export const ECHO_TOOL = 'kit_echo';

/** Listens on 127.0.0.1 (free port) and announces `{"msg":"listening","port":N}` on stdout for the bench. */
export function serve(app: Express, name: string): void {
  const server = app.listen(0, '127.0.0.1', (err?: Error) => {
    if (err) {
      process.stderr.write(`${name}: cannot listen: ${err.message}\n`);
      process.exit(1);
    }
    const addr = server.address();
    process.stdout.write(
      `${JSON.stringify({ msg: 'listening', name, port: typeof addr === 'object' && addr ? addr.port : 0 })}\n`,
    );
  });
  const stop = () => {
    server.close();
    server.closeAllConnections();
    process.exit(0);
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}
