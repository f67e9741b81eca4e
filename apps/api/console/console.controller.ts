import { Controller, Get, Param, Res, StreamableFile } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { Problem } from '@rdm/application/problem';
import { Public } from '../http/auth.guard';
import { answerWith, HttpReply } from '../http/exchange';
import { CONTENT_TYPES, chartLibraryFile, consoleAssetsDir } from './console-assets';

/**
 * The web console: static, build-free assets (plain ES modules) served from `apps/api/console/public`.
 * The assets are public; every data call the console makes carries the signed-in API key, and the API
 * enforces each route's permission as usual. Charting: Chart.js' UMD build, served from node_modules.
 */
@ApiExcludeController()
@Public()
@Controller('console')
export class ConsoleController {
  private readonly root = consoleAssetsDir();

  @Get()
  index(@Res({ passthrough: true }) res: HttpReply): Promise<StreamableFile> {
    return this.send(res, path.join(this.root, 'index.html'));
  }

  @Get('vendor/chart.umd.js')
  async chartLibrary(@Res({ passthrough: true }) res: HttpReply): Promise<StreamableFile> {
    const file = chartLibraryFile();
    if (!file)
      throw new Problem(
        404,
        'not-found',
        'Not found',
        'The charting library is not installed: run "npm install chart.js@4" (the console shows tables instead of charts until then).',
      );
    return this.send(res, file, 'public, max-age=3600');
  }

  /**
   * Any asset up to three folders deep (`styles.css`, `js/app.js`, `js/pages/board.js`). Named segments
   * rather than a wildcard, whose syntax Express (`*path`) and Fastify (`*`) do not share.
   */
  @Get([':p1', ':p1/:p2', ':p1/:p2/:p3'])
  async asset(
    @Param() params: Record<string, string | undefined>,
    @Res({ passthrough: true }) res: HttpReply,
  ): Promise<StreamableFile> {
    const relative = [params.p1, params.p2, params.p3].filter((part) => part !== undefined).join('/');
    const file = path.resolve(this.root, relative);
    const extension = path.extname(file);
    // Only known asset types, only inside the assets folder (no "..", no absolute paths).
    if (!file.startsWith(this.root + path.sep) || !(extension in CONTENT_TYPES) || relative.includes('\0'))
      throw notFound(relative);
    return this.send(res, file);
  }

  /** The file as the body (a StreamableFile: both adapters send its bytes as they are). */
  private async send(res: HttpReply, file: string, cacheControl = 'no-cache'): Promise<StreamableFile> {
    let body: Buffer;
    try {
      body = await fs.readFile(file);
    } catch {
      throw notFound(path.relative(this.root, file));
    }
    answerWith(res, {
      headers: {
        'Content-Type': CONTENT_TYPES[path.extname(file)] ?? 'application/octet-stream',
        'Cache-Control': cacheControl,
        'Content-Security-Policy': CONSOLE_CSP,
      },
    });
    return new StreamableFile(body);
  }
}

/** The console needs nothing from elsewhere: scripts, styles and data all come from this origin. */
const CONSOLE_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data: blob:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
  "form-action 'self'",
].join('; ');

const notFound = (relative: string) =>
  new Problem(404, 'not-found', 'Not found', `The console has no file ${relative.slice(0, 120)}.`);
