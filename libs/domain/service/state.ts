/**
 * The `service-<id>` stream collects operational signals about one service. It has no creation event:
 * the first signal starts it. The state only remembers ids, to refuse recording a signal twice.
 */
export interface ServiceOperationsState {
  readonly serviceId: string | null;
  readonly callIds: readonly string[];
  readonly downtimeIds: readonly string[];
  readonly incidentIds: readonly string[];
}

export const initialServiceOperationsState: ServiceOperationsState = {
  serviceId: null,
  callIds: [],
  downtimeIds: [],
  incidentIds: [],
};
