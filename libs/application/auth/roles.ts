/** The roles an API key can carry (DESIGN §5). */
export const ROLES = [
  'change-manager',
  'release-manager',
  'deployment-technician',
  'auditor',
  'analyst',
  'integrator',
  'admin',
] as const;
export type Role = (typeof ROLES)[number];

/**
 * What each action needs. Release managers hold every deployment permission (the seeds: release
 * managers are automatically deployment managers); auditors read everything and write nothing.
 */
export const PERMISSIONS = {
  'rfc.raise': ['change-manager', 'release-manager', 'admin'],
  'rfc.decide': ['change-manager', 'admin'],
  'model.manage': ['release-manager', 'admin'],
  'release.plan': ['release-manager', 'admin'],
  'deployment.task': ['release-manager', 'deployment-technician', 'admin'],
  'ci.manage': ['release-manager', 'admin'],
  'blackout.manage': ['change-manager', 'admin'],
  'signal.record': ['release-manager', 'change-manager', 'integrator', 'admin'],
  'read.resources': [
    'change-manager',
    'release-manager',
    'deployment-technician',
    'auditor',
    'analyst',
    'admin',
  ],
  'read.audit': ['auditor', 'admin'],
  'read.metrics': ['analyst', 'auditor', 'release-manager', 'change-manager', 'admin'],
  'events.subscribe': ['integrator', 'auditor', 'admin'],
  'keys.manage': ['admin'],
  'self.read': ['change-manager', 'release-manager', 'deployment-technician', 'auditor', 'analyst', 'integrator', 'admin'],
} as const satisfies Record<string, readonly Role[]>;

export type Permission = keyof typeof PERMISSIONS;

export const isRole = (value: string): value is Role => (ROLES as readonly string[]).includes(value);

export const allows = (roles: readonly string[], permission: Permission): boolean =>
  roles.some((role) => (PERMISSIONS[permission] as readonly string[]).includes(role));

/** The role recorded in event metadata: the first of the caller's roles that grants the action. */
export const actingRole = (roles: readonly string[], permission: Permission): string =>
  roles.find((role) => (PERMISSIONS[permission] as readonly string[]).includes(role)) ??
  roles[0] ??
  'unknown';
