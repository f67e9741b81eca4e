export type ScheduleBlackoutWindow = {
  readonly type: 'ScheduleBlackoutWindow';
  readonly data: {
    readonly blackoutId: string;
    readonly services: readonly string[];
    readonly environments: readonly string[];
    readonly start: string;
    readonly end: string;
    readonly reason: string;
    readonly slaReference?: string;
  };
};

export type CancelBlackoutWindow = {
  readonly type: 'CancelBlackoutWindow';
  readonly data: { readonly blackoutId: string; readonly reason: string };
};

export type BlackoutCommand = ScheduleBlackoutWindow | CancelBlackoutWindow;
export type BlackoutCommandType = BlackoutCommand['type'];
