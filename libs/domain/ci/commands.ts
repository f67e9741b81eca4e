import { JsonObject } from '../shared/json';

export type RegisterCi = {
  readonly type: 'RegisterCi';
  readonly data: {
    readonly ciId: string;
    readonly name: string;
    readonly ciType: string;
    readonly environment: string;
    readonly services: readonly string[];
    readonly attributes: JsonObject;
  };
};

/** Sent by the process manager when a deployment to `environment` completes, for each manifest entry. */
export type ApplyReleaseChanges = {
  readonly type: 'ApplyReleaseChanges';
  readonly data: {
    readonly ciId: string;
    readonly releaseId: string;
    readonly deploymentId: string;
    readonly environment: string;
    readonly attributes: JsonObject;
  };
};

/** A manual change (or a manual restore), with the reason it was made. */
export type ChangeCiAttributes = {
  readonly type: 'ChangeCiAttributes';
  readonly data: { readonly ciId: string; readonly attributes: JsonObject; readonly cause: string };
};

/** Restores the values from before a release (optionally one of its deployments). */
export type RevertReleaseChanges = {
  readonly type: 'RevertReleaseChanges';
  readonly data: {
    readonly ciId: string;
    readonly releaseId: string;
    readonly deploymentId?: string;
    readonly reason: string;
    /** Overwrite attributes changed after the release too (the conflicts are recorded). */
    readonly force?: boolean;
  };
};

export type RetireCi = {
  readonly type: 'RetireCi';
  readonly data: { readonly ciId: string; readonly reason: string };
};

export type CiCommand =
  RegisterCi | ApplyReleaseChanges | ChangeCiAttributes | RevertReleaseChanges | RetireCi;
export type CiCommandType = CiCommand['type'];
