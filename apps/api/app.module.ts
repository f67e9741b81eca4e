import { DynamicModule, Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { TerminusModule } from '@nestjs/terminus';
import { AppConfig, ApplicationModule, StoresModule } from '@rdm/application';
import { HealthController } from './health/health.controller';
import { AuthGuard } from './http/auth.guard';
import { CommandGateway } from './http/command-gateway';
import { RfcsController } from './rfcs/rfcs.controller';

@Module({})
export class AppModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [StoresModule.forRoot(config), ApplicationModule, TerminusModule.forRoot({ logger: false })],
      controllers: [HealthController, RfcsController],
      providers: [CommandGateway, { provide: APP_GUARD, useClass: AuthGuard }],
    };
  }
}
