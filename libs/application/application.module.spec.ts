import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ApplicationModule } from './application.module';
import { CLOCK, Clock } from './commands/clock';
import { loadConfig } from './config/app-config';
import { StoresModule } from './stores/stores.module';

describe('ApplicationModule.withClock', () => {
  it('replaces the system clock, so commands are stamped with the given time', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rdm-clock-'));
    const fixed: Clock = { now: () => new Date('2026-01-15T09:30:00.000Z') };
    @Module({ imports: [StoresModule.forRoot(loadConfig({ DATA_DIR: dir, RUN_PROJECTOR_IN_API: 'false' })), ApplicationModule.withClock(fixed)] })
    class WithClock {}
    const app = await NestFactory.createApplicationContext(WithClock, { logger: false });
    expect(app.get<Clock>(CLOCK).now().toISOString()).toBe('2026-01-15T09:30:00.000Z');
    await app.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });
});
