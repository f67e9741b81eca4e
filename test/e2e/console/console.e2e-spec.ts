/**
 * The web console in a real browser (Debian's Chromium driven by playwright-core): the API runs in-process
 * on a temporary data dir filled by `seedDemo`, and each page is checked the way a person would use it.
 * Screenshots of every page go to test/e2e/screenshots/ (ignored by git).
 *
 * Skipped, with the reason printed, when /usr/bin/chromium is missing (`apt-get install chromium`;
 * CI installs it). CHROMIUM_PATH points at another binary.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import type { Role } from '@rdm/application/auth';
import { ApiHarness, startApi } from '../../support/api-harness';
import { seedDemo, SeedDemoResult } from '../../../apps/cli/seed-demo';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const SCREENSHOTS = path.join(__dirname, '..', 'screenshots');
const hasChromium = fs.existsSync(CHROMIUM);
if (!hasChromium) {
  // Printed once, so a skipped run says why.
  console.warn(
    `SKIPPED test/e2e/console: no Chromium at ${CHROMIUM}. Install it with "apt-get install -y chromium" (or set CHROMIUM_PATH) to run the browser tests.`,
  );
}
const describeInBrowser = hasChromium ? describe : describe.skip;

jest.setTimeout(120_000);

describeInBrowser('web console (Chromium)', () => {
  let api: ApiHarness;
  let demo: SeedDemoResult;
  let base: string;
  let browser: Browser;
  let routes: Set<string>;
  let consoleServed = false;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    fs.mkdirSync(SCREENSHOTS, { recursive: true });
    api = await startApi();
    demo = await seedDemo(api.app);
    await api.app.listen(0, '127.0.0.1');
    base = (await api.app.getUrl()).replace('[::1]', '127.0.0.1');
    routes = await openApiRoutes();
    consoleServed = (await api.http.get('/console')).status === 200;
    // The read models are projected asynchronously: wait until the board has every seeded release.
    if (routes.has('GET /v1/dashboard/releases/counts'))
      await until(
        async () => (await apiGet('/v1/dashboard/releases/counts')).total >= demo.releases.length,
        30_000,
        'the release dashboard to catch up with the seeded releases',
      );
    const { chromium } = await import('playwright-core');
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
        '--disable-quic',
      ],
    });
  }, 240_000);

  afterAll(async () => {
    await browser?.close();
    await api?.close();
  });

  afterEach(() => {
    const errors = pageErrors.splice(0);
    expect(errors).toEqual([]);
  });

  // --- helpers -------------------------------------------------------------------------------------------

  async function apiGet(route: string, role: Role = 'admin') {
    const response = await api.http.get(route).set(api.auth(role));
    if (response.status !== 200)
      throw new Error(`GET ${route} answered ${response.status}: ${JSON.stringify(response.body)}`);
    return response.body;
  }

  /** Routes the server publishes (`GET /v1/...` with `{param}` placeholders). */
  async function openApiRoutes(): Promise<Set<string>> {
    const doc = (await api.http.get('/docs/openapi.json')).body as {
      paths: Record<string, Record<string, unknown>>;
    };
    return new Set(
      Object.entries(doc.paths).flatMap(([p, ops]) =>
        Object.keys(ops).map((m) => `${m.toUpperCase()} ${normalize(p)}`),
      ),
    );
  }

  /** Fails with a clear message when this server lacks a route a page needs (being built elsewhere). */
  function requireRoutes(...needed: string[]) {
    if (!consoleServed)
      throw new Error(
        'GET /console is not served: register ConsoleModule (apps/api/console/console.module.ts) in AppModule.',
      );
    const missing = needed.filter((r) => !routes.has(normalize(r)));
    if (missing.length)
      throw new Error(`This page waits on routes the server does not have yet: ${missing.join(', ')}`);
  }

  async function until(check: () => Promise<boolean>, ms: number, what: string) {
    const deadline = Date.now() + ms;
    for (;;) {
      try {
        if (await check()) return;
      } catch {
        /* not yet */
      }
      if (Date.now() > deadline) throw new Error(`Timed out after ${ms} ms waiting for ${what}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  async function openSignedIn(role: Role, hash = ''): Promise<{ context: BrowserContext; page: Page }> {
    const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
    const page = await context.newPage();
    page.on('pageerror', (error) => pageErrors.push(`${role}: ${error.message}`));
    await page.goto(`${base}/console${hash}`);
    await page.getByLabel('API key').fill(api.keys[role]);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.locator('#who').filter({ hasText: role }).waitFor();
    return { context, page };
  }

  const shot = (page: Page, name: string) =>
    page.screenshot({ path: path.join(SCREENSHOTS, `${name}.png`), fullPage: true });

  // --- tests ---------------------------------------------------------------------------------------------

  it('is served under /console (public assets, the key only in sessionStorage) and signs in with an API key', async () => {
    requireRoutes('GET /v1/me');
    const index = await api.http.get('/console');
    expect(index.status).toBe(200);
    expect(index.headers['content-type']).toMatch(/text\/html/);
    expect((await api.http.get('/console/js/app.js')).headers['content-type']).toMatch(/javascript/);
    expect((await api.http.get('/console/..%2f..%2fpackage.json')).status).toBe(404);

    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const page = await context.newPage();
    page.on('pageerror', (error) => pageErrors.push(error.message));
    await page.goto(`${base}/console`);
    await page.getByLabel('API key').fill('rdm_000000000000000000000000_wrong');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByText('This key is unknown or revoked').waitFor();
    await shot(page, '00-sign-in');
    await page.getByLabel('API key').fill(api.keys.admin);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.locator('#who').filter({ hasText: 'admin' }).waitFor();
    expect(await page.evaluate('Object.keys(sessionStorage)')).toContain('rdm.console.apiKey');
    expect(await page.evaluate('Object.keys(localStorage)')).toEqual([]);
    for (const name of ['Release board', 'Calendar', 'CMDB', 'Maturity', 'Live feed'])
      expect(await page.getByRole('navigation').getByRole('link', { name }).isVisible()).toBe(true);
    await context.close();
  });

  it('board: the seeded releases are in the right status columns, and by environment', async () => {
    requireRoutes('GET /v1/dashboard/releases', 'GET /v1/dashboard/releases/counts');
    const { context, page } = await openSignedIn('release-manager', '#/board');
    const h = demo.highlights;
    // Long columns show the newest cards first, the rest behind "Show all".
    await page.locator('.column[data-column="closed"]').waitFor({ timeout: 15_000 });
    await page
      .locator('.column[data-column="closed"]')
      .getByRole('button', { name: /Show all/ })
      .click();
    const expectations: Array<[string, string]> = [
      [h.planned, 'planned'],
      [h.inProgress, 'in-progress'],
      [h.deploying, 'deploying'],
      [h.deployed, 'deployed'],
      [h.released, 'released'],
      [h.rolledBack, 'rolled-back'],
      [h.closed, 'closed'],
      [h.backedOut, 'closed'],
    ];
    for (const [releaseId, status] of expectations)
      await page
        .locator(`.column[data-column="${status}"] [data-release-id="${releaseId}"]`)
        .waitFor({ timeout: 15_000 });
    const expected: Record<string, number> = {};
    for (const r of demo.releases) expected[r.expectedStatus] = (expected[r.expectedStatus] ?? 0) + 1;
    for (const [status, count] of Object.entries(expected))
      expect(await page.locator(`.column[data-column="${status}"] .release-card`).count()).toBe(count);
    await shot(page, '01-board-by-status');

    // By environment: the partly released one sits under "Released to users" with its exposure.
    await page.getByLabel('Environment').check();
    const released = page.locator(`.column[data-column="users"] [data-release-id="${h.released}"]`);
    await released.waitFor();
    expect(await released.textContent()).toContain('50% of users');
    await page.locator(`.column[data-column="production"] [data-release-id="${h.deployed}"]`).waitFor();
    await shot(page, '02-board-by-environment');

    // Filter by service: only that service's releases stay.
    await page
      .getByLabel('Environment')
      .uncheck()
      .catch(() => undefined);
    await page.getByLabel('Status').check();
    await page.getByLabel('Service').selectOption('identity');
    await until(
      async () =>
        (await page.locator('.release-card').count()) ===
        demo.releases.filter((r) => r.services.includes('identity')).length,
      10_000,
      'the service filter',
    );
    await context.close();
  });

  it('timeline: a release lists its events in order, with who, role and when', async () => {
    requireRoutes('GET /v1/releases/{releaseId}/timeline');
    const releaseId = demo.highlights.rolledBack;
    const { context, page } = await openSignedIn('release-manager', `#/releases/${releaseId}`);
    const entries = page.locator('.timeline-entry');
    await entries.first().waitFor({ timeout: 15_000 });
    const rows = await entries.evaluateAll((els) =>
      els.map((el) => ({
        position: (el as unknown as { dataset: Record<string, string | undefined> }).dataset.position ?? '',
        type: (el as unknown as { dataset: Record<string, string | undefined> }).dataset.eventType ?? '',
        at: el.querySelector('time')?.getAttribute('datetime') ?? '',
        who: el.querySelector('.who')?.textContent ?? '',
      })),
    );
    expect(rows.length).toBeGreaterThan(20);
    const positions = rows.map((r) => BigInt(r.position));
    expect(positions).toEqual([...positions].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)));
    expect(rows.every((r) => r.at !== '')).toBe(true);
    const types = rows.map((r) => r.type);
    const first = (type: string) => types.indexOf(type);
    expect(first('ReleasePlanned')).toBeGreaterThanOrEqual(0);
    expect(first('ReleasePlanned')).toBeLessThan(first('DeployedToEnvironment'));
    expect(first('DeployedToEnvironment')).toBeLessThan(first('ReleasedToUsers'));
    expect(first('ReleasedToUsers')).toBeLessThan(first('ReleaseRolledBack'));
    expect(rows.find((r) => r.type === 'ReleaseRolledBack')?.who).toContain('release-manager');
    expect(
      await page.locator('.timeline-entry[data-event-type="ReleaseRolledBack"] .why').textContent(),
    ).toContain('Error rate');
    await shot(page, '03-release-timeline');
    await context.close();
  });

  it('CMDB: moving the slider to an instant before a release shows the old attribute values', async () => {
    requireRoutes('GET /v1/cmdb/cis', 'GET /v1/cmdb/cis/{ciId}/history');
    const c = demo.highlights.cmdb;
    const { context, page } = await openSignedIn(
      'auditor',
      `#/cmdb?service=${c.service}&environment=${c.environment}`,
    );
    const value = page.locator(`tr[data-ci-id="${c.ciId}"] [data-attribute="${c.attribute}"] .value`);
    await value.waitFor({ timeout: 15_000 });
    const slider = page.getByLabel('Instant to show the CMDB at');
    const target = Date.parse(c.changedAt) - 3 * 3_600_000;
    // Click the track near the instant (the thumb jumps there), then fine-tune with the arrow keys (1 h per step).
    const box = (await slider.boundingBox())!;
    const [min, max] = await slider.evaluate((el) => [
      Number((el as unknown as RangeInput).min),
      Number((el as unknown as RangeInput).max),
    ]);
    await page.mouse.click(box.x + box.width * ((target - min) / (max - min)), box.y + box.height / 2);
    const landed = await slider.evaluate((el) => Number((el as unknown as RangeInput).value));
    expect(Math.abs(landed - target)).toBeLessThan(30 * 864e5); // the click moved the thumb close
    const steps = Math.round((landed - target) / 3_600_000);
    for (let i = 0; i < Math.abs(steps); i++)
      await page.keyboard.press(steps > 0 ? 'ArrowLeft' : 'ArrowRight');
    expect(
      Math.abs((await slider.evaluate((el) => Number((el as unknown as RangeInput).value))) - target),
    ).toBeLessThanOrEqual(3_600_000);
    await until(
      async () => (await value.textContent()) === c.before,
      10_000,
      `${c.ciId}.${c.attribute} to show ${c.before}`,
    );
    expect(
      await page
        .locator(`tr[data-ci-id="${c.ciId}"] [data-attribute="${c.attribute}"]`)
        .getAttribute('class'),
    ).toContain('differs');
    await shot(page, '04-cmdb-before-release');
    // A few hours after the deployment: the release's value, naming the release that set it.
    await page.getByLabel('Exact instant').fill(localInput(Date.parse(c.changedAt) + 2 * 3_600_000));
    await page.getByLabel('Exact instant').dispatchEvent('change');
    await until(
      async () => (await value.textContent()) === c.after,
      10_000,
      `${c.ciId}.${c.attribute} to show ${c.after}`,
    );
    // Which release changed what: the CI's history names the release that set the value.
    const name = demo.releases.find((r) => r.releaseId === c.releaseId)!.name;
    await page.locator(`tr[data-ci-id="${c.ciId}"]`).getByRole('button', { name: 'History' }).click();
    await page.getByRole('link', { name }).first().waitFor({ timeout: 10_000 });
    await shot(page, '05-cmdb-after-release');
    await context.close();
  });

  it('maturity: shows the level with its evidence and draws the charts', async () => {
    requireRoutes('GET /v1/metrics/maturity', 'GET /v1/metrics/pom', 'GET /v1/metrics/dora');
    const chartJs = await api.http.get('/console/vendor/chart.umd.js');
    if (chartJs.status !== 200)
      throw new Error(`The charts need Chart.js: ${chartJs.body?.detail ?? chartJs.status}`);
    const { context, page } = await openSignedIn('analyst', '#/maturity');
    const level = page.locator('[data-maturity-level]');
    await level.waitFor({ timeout: 20_000 });
    expect(Number(await level.getAttribute('data-maturity-level'))).toBeGreaterThanOrEqual(2);
    expect(await page.locator('.levels .level').count()).toBeGreaterThanOrEqual(1);
    await until(
      async () => (await page.locator('canvas[data-rendered="true"]').count()) >= 4,
      20_000,
      'the metric charts to be drawn',
    );
    // A drawn chart has pixels on its canvas.
    const painted = await page
      .locator('canvas[data-rendered="true"]')
      .first()
      .evaluate((canvas) => {
        const c = canvas as unknown as Canvas;
        const data = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
        let n = 0;
        for (let i = 3; i < data.length; i += 4) if (data[i] > 0) n++;
        return n;
      });
    expect(painted).toBeGreaterThan(500);
    const download = page.waitForEvent('download');
    await page.getByRole('button', { name: 'Download CSV' }).click();
    expect((await download).suggestedFilename()).toMatch(/\.csv$/);
    await shot(page, '06-maturity');
    await context.close();
  });

  it('calendar: windows, deployments and blackouts on a time axis, conflicts highlighted', async () => {
    requireRoutes('GET /v1/calendar');
    const from = new Date(Date.parse(demo.until) - 45 * 864e5).toISOString();
    const to = new Date(Date.parse(demo.until) + 20 * 864e5).toISOString();
    const { context, page } = await openSignedIn('change-manager', `#/calendar?from=${from}&to=${to}`);
    await page.locator('.gantt .bar').first().waitFor({ timeout: 15_000 });
    expect(await page.locator('.bar-blackout').count()).toBeGreaterThanOrEqual(1);
    expect(await page.locator('.bar-planned').count()).toBeGreaterThanOrEqual(3);
    await shot(page, '07-calendar');
    // The emergency fix deployed through the quarter-end blackout: flagged as a conflict.
    const emergency = await apiGet(`/v1/releases/${demo.highlights.emergency}`);
    const production = (
      emergency.deployments as Array<{ environment: string; window: { start: string } }>
    ).find((d) => d.environment === 'production')!;
    const around = Date.parse(production.window.start);
    await page.goto(
      `${base}/console#/calendar?from=${new Date(around - 10 * 864e5).toISOString()}&to=${new Date(around + 10 * 864e5).toISOString()}`,
    );
    await page.locator('.bar.conflict').first().waitFor({ timeout: 15_000 });
    expect(await page.locator('.conflicts li').first().textContent()).toContain('Overridden');
    await shot(page, '08-calendar-conflict');
    await context.close();
  });

  it('live feed: a command made over the API appears within seconds', async () => {
    requireRoutes('GET /v1/events/stream');
    const { context, page } = await openSignedIn('auditor', '#/live');
    await page.locator('.stream-status.live').waitFor({ timeout: 15_000 });
    await page.locator('.feed-row').first().waitFor({ timeout: 15_000 });
    const reason = `Console e2e freeze ${Date.now()}`;
    const start = new Date(Date.now() + 30 * 864e5).toISOString();
    const end = new Date(Date.now() + 31 * 864e5).toISOString();
    const sent = Date.now();
    const response = await api.http
      .post('/v1/blackouts')
      .set(api.auth('change-manager'))
      .send({ services: ['payments'], environments: ['production'], start, end, reason });
    expect(response.status).toBe(201);
    await page.locator('.feed-row', { hasText: reason }).waitFor({ timeout: 5_000 });
    expect(Date.now() - sent).toBeLessThan(5_000);
    expect(await page.locator('.feed-row').first().textContent()).toContain(reason);
    await shot(page, '09-live-feed');
    await context.close();
  });

  it('an analyst key sees no write controls (and no live feed); a release manager does', async () => {
    requireRoutes('GET /v1/me', 'GET /v1/releases/{releaseId}');
    const releaseId = demo.highlights.released;
    const manager = await openSignedIn('release-manager', `#/releases/${releaseId}`);
    await manager.page.locator('[data-write]').first().waitFor({ timeout: 15_000 });
    expect(await manager.page.locator('[data-write]').count()).toBeGreaterThanOrEqual(3);
    await manager.context.close();

    const { context, page } = await openSignedIn('analyst', `#/releases/${releaseId}`);
    await page.locator('.release-header h1').waitFor({ timeout: 15_000 });
    expect(await page.locator('[data-write]').count()).toBe(0);
    expect(await page.getByRole('heading', { name: 'Actions' }).count()).toBe(0);
    expect(await page.getByRole('navigation').getByRole('link', { name: 'Live feed' }).isVisible()).toBe(
      false,
    );
    await shot(page, '10-analyst-release');
    await page.goto(`${base}/console#/calendar`);
    await page.getByRole('heading', { name: 'Calendar' }).waitFor();
    await page.locator('.gantt, .empty-state, .error-state').first().waitFor({ timeout: 15_000 });
    expect(await page.locator('[data-write]').count()).toBe(0);
    // Hidden is not the only guard: the server refuses the analyst's write anyway.
    const refused = await api.http
      .post(`/v1/releases/${releaseId}/costs`)
      .set(api.auth('analyst'))
      .send({ amount: 1, currency: 'EUR', category: 'other' });
    expect(refused.status).toBe(403);
    await context.close();
  });

  it('empty states tell a new user what to do next', async () => {
    requireRoutes('GET /v1/dashboard/releases/counts');
    const fresh = await startApi();
    try {
      await fresh.app.listen(0, '127.0.0.1');
      const url = (await fresh.app.getUrl()).replace('[::1]', '127.0.0.1');
      const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
      const page = await context.newPage();
      page.on('pageerror', (error) => pageErrors.push(error.message));
      await page.goto(`${url}/console#/board`);
      await page.getByLabel('API key').fill(fresh.keys.admin);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.getByRole('heading', { name: 'No releases yet' }).waitFor({ timeout: 15_000 });
      expect(await page.locator('.empty-state').textContent()).toContain('seed --demo');
      await shot(page, '11-empty-board');
      await context.close();
    } finally {
      await fresh.close();
    }
  });
});

/** The DOM shapes the page evaluations read (this project compiles without the DOM lib). */
type RangeInput = { value: string; min: string; max: string };
type Canvas = {
  width: number;
  height: number;
  getContext(
    kind: '2d',
  ): { getImageData(x: number, y: number, w: number, h: number): { data: ArrayLike<number> } } | null;
};

/** `/v1/releases/{releaseId}/timeline` → `/v1/releases/{}/timeline` (parameter names may differ). */
const normalize = (route: string) => route.replace(/\{[^}]*\}/g, '{}');

/** `<input type="datetime-local">` value in the browser's (= this process's) time zone. */
function localInput(ms: number): string {
  const d = new Date(ms);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}
