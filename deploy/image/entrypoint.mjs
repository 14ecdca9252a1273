// The image's entry point: runs servers/$PORTCULLIS_SERVER/dist/cli.js in this process (PID 1, so
// SIGTERM reaches the server's graceful shutdown). With no arguments it serves HTTP on 0.0.0.0 and
// the system's port; any arguments (e.g. `--transport stdio`) replace those.
const server = process.env.PORTCULLIS_SERVER;
if (!server || !/^[a-z][a-z-]*$/.test(server)) {
  process.stderr.write('PORTCULLIS_SERVER is not set: this image was not built from deploy/Dockerfile\n');
  process.exit(1);
}
if (process.argv.length <= 2)
  process.argv.push('--transport', 'http', '--host', '0.0.0.0', '--port', process.env.PORTCULLIS_PORT ?? '');
await import(new URL(`./servers/${server}/dist/cli.js`, import.meta.url).href);
