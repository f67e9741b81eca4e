import { JsonObject, JsonValue } from '../shared/json';

/** Who set an attribute's current value. */
export interface AttributeProvenance {
  readonly kind: 'registration' | 'release' | 'manual' | 'revert';
  /** The release that set it (`release`) or whose changes were reverted (`revert`); else `null`. */
  readonly releaseId: string | null;
  readonly deploymentId: string | null;
  readonly cause: string;
  readonly at: string;
}

/** One attribute change made by a release deployment, kept to revert it later. */
export interface ReleaseAttributeChange {
  readonly releaseId: string;
  readonly deploymentId: string;
  readonly attribute: string;
  readonly from: JsonValue;
  readonly to: JsonValue;
  readonly reverted: boolean;
}

export interface ConfigurationItem {
  readonly ciId: string;
  readonly name: string;
  readonly ciType: string;
  readonly environment: string;
  readonly services: readonly string[];
  /** Current values; an attribute set to `null` is removed. */
  readonly attributes: JsonObject;
  readonly provenance: Readonly<Record<string, AttributeProvenance>>;
  /** Every change made by a release, in order, with whether it has been reverted. */
  readonly releaseChanges: readonly ReleaseAttributeChange[];
  readonly status: 'active' | 'retired';
  readonly registeredAt: string;
  readonly retiredAt: string | null;
}

/** `null` until `CiRegistered`. */
export type CiState = ConfigurationItem | null;

export const initialCiState: CiState = null;
