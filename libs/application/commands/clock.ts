import { Inject } from '@nestjs/common';

/** The only place the application reads the time; deciders receive it as `context.now`. */
export interface Clock {
  now(): Date;
}

export const CLOCK = Symbol('CLOCK');
export const InjectClock = () => Inject(CLOCK);
export const systemClock: Clock = { now: () => new Date() };
