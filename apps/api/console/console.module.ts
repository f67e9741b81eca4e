import { Module } from '@nestjs/common';
import { ConsoleController } from './console.controller';

/** The web console under /console (static assets; the data comes from the /v1 API with the user's key). */
@Module({ controllers: [ConsoleController] })
export class ConsoleModule {}
