import * as fs from 'node:fs';
import * as path from 'node:path';

export const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
};

/**
 * The folder of the console's static files. They are not compiled, so `npm start` (which runs from
 * `dist/`) reads them from the source tree: walk up from this file until `apps/api/console/public`.
 */
export function consoleAssetsDir(start = __dirname): string {
  const beside = path.join(start, 'public');
  if (fs.existsSync(path.join(beside, 'index.html'))) return beside;
  for (let dir = start; ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, 'apps', 'api', 'console', 'public');
    if (fs.existsSync(path.join(candidate, 'index.html'))) return candidate;
    if (path.dirname(dir) === dir) break;
  }
  throw new Error(`The console's assets (apps/api/console/public) were not found from ${start}.`);
}

/** Chart.js' self-contained UMD build, or `undefined` when the package is not installed. */
export function chartLibraryFile(): string | undefined {
  let entry: string;
  try {
    entry = require.resolve('chart.js');
  } catch {
    return undefined;
  }
  const dist = path.dirname(entry);
  return ['chart.umd.min.js', 'chart.umd.js']
    .map((name) => path.join(dist, name))
    .find((file) => fs.existsSync(file));
}
