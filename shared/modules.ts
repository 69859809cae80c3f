/**
 * The module catalog: every switchable capability of the platform. A new customer gets each
 * module's `customerDefault`; integrators start with everything on (an integrator restricts its
 * subtree only when someone switches a module off there).
 */
export const MODULES = [
  {
    id: 'admin_portal',
    label: 'Admin portal',
    group: 'Portals',
    description: 'Web administration of the customer account.',
    customerDefault: true,
  },
  {
    id: 'video_portal',
    label: 'Video portal',
    group: 'Portals',
    description: 'Web portal for live and recorded video.',
    customerDefault: true,
  },
  {
    id: 'mobile_app',
    label: 'Mobile app',
    group: 'Portals',
    description: 'iOS and Android apps.',
    customerDefault: true,
  },
  {
    id: 'live_video',
    label: 'Live video',
    group: 'Video',
    description: 'Watch cameras live.',
    customerDefault: true,
  },
  {
    id: 'archive',
    label: 'Archive / playback',
    group: 'Video',
    description: 'Play back recorded video.',
    customerDefault: true,
  },
  {
    id: 'clips',
    label: 'Clips',
    group: 'Video',
    description: 'Save and export clips from the archive.',
    customerDefault: true,
  },
  {
    id: 'camera_sharing',
    label: 'Camera sharing',
    group: 'Video',
    description: 'Share a camera by link with people outside the account.',
    customerDefault: true,
  },
  {
    id: 'video_wall',
    label: 'Video wall',
    group: 'Video',
    description: 'Multi-monitor video wall layouts.',
    customerDefault: true,
  },
  {
    id: 'alarm_station',
    label: 'Alarm station',
    group: 'Monitoring',
    description: 'Alarm monitoring workstation for guards.',
    customerDefault: true,
  },
  {
    id: 'email_alerts',
    label: 'Email alerts',
    group: 'Alerts',
    description: 'Alert rules delivered by email.',
    customerDefault: true,
  },
  {
    id: 'push_notifications',
    label: 'Push notifications',
    group: 'Alerts',
    description: 'Push notifications for server-side analytics.',
    customerDefault: true,
  },
  {
    id: 'object_detection',
    label: 'Object detection',
    group: 'Analytics',
    description: 'Server-side detection of people and vehicles.',
    customerDefault: true,
  },
  {
    id: 'face_recognition',
    label: 'Face recognition',
    group: 'Analytics',
    description: 'Server-side face recognition.',
    customerDefault: true,
  },
  {
    id: 'smart_alarms',
    label: 'Smart alarms',
    group: 'Analytics',
    description: 'Server-side analytics alarms.',
    customerDefault: true,
  },
  {
    id: 'add_onvif_camera',
    label: 'Add ONVIF camera',
    group: 'Cameras',
    description: 'Add cameras found on the LAN with ONVIF, or by address.',
    customerDefault: true,
  },
  {
    id: 'add_rtsp_camera',
    label: 'Add generic RTSP camera',
    group: 'Cameras',
    description: 'Add a camera by its RTSP stream URL.',
    customerDefault: true,
  },
  {
    id: 'add_pnp_camera',
    label: 'Add P&P camera',
    group: 'Cameras',
    description: 'Add a plug-and-play camera by its cloud id and activation code.',
    customerDefault: false,
  },
] as const;

export type ModuleId = (typeof MODULES)[number]['id'];
export type ModuleInfo = (typeof MODULES)[number];

export const MODULE_IDS: readonly ModuleId[] = MODULES.map((m) => m.id);

const byId = new Map<string, ModuleInfo>(MODULES.map((m) => [m.id, m]));

export function isModuleId(id: string): id is ModuleId {
  return byId.has(id);
}

export function moduleInfo(id: ModuleId): ModuleInfo {
  const info = byId.get(id);
  if (!info) throw new Error(`Unknown module ${id}`);
  return info;
}

/** A tenant's own toggles: only the switches that differ from the default are stored. */
export type ModuleOverrides = Partial<Record<ModuleId, boolean>>;

export type TenantKind = 'root' | 'integrator' | 'customer';

export function ownModuleState(
  kind: TenantKind,
  overrides: ModuleOverrides,
  id: ModuleId,
): boolean {
  const set = overrides[id];
  if (set !== undefined) return set;
  return kind === 'customer' ? moduleInfo(id).customerDefault : true;
}
