// Runs one CLI command in a fresh process and prints {code, requests} as JSON: request counts that a
// process-wide cache cannot distort. argv: CACHE_DIR ('' for none) then the CLI arguments.
import { PassThrough } from 'node:stream';
import { main } from '../../../../src/cli/main.ts';

const [cacheDir, ...argv] = process.argv.slice(2);
const requests: string[] = [];
const sink = () => {
  const s = new PassThrough();
  s.resume();
  return s;
};
const code = await main(
  argv,
  { stdout: sink(), stderr: sink(), stdin: new PassThrough(), env: process.env, interactive: false },
  {
    client: {
      manifestCacheDir: cacheDir ?? '',
      onRequest: (e) => requests.push(`${e.method} ${e.requestClass}`),
    },
  },
);
process.stdout.write(`${JSON.stringify({ code, requests })}\n`);
