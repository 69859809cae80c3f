import { z } from 'zod';
import { idField, nameField } from './validation';

export const cameraSchema = z.object({
  id: z.string(),
  customerId: z.string(),
  name: z.string(),
  kind: z.enum(['onvif', 'rtsp', 'pnp']),
  address: z.string(),
  model: z.string(),
  /** The camera's own switch, kept apart from its tenants' state. */
  enabled: z.boolean(),
  /** Effective: own switch on and no tenant above it disabled. */
  recording: z.boolean(),
  lastSeenAt: z.string().nullable(),
  createdAt: z.string(),
});
export type Camera = z.infer<typeof cameraSchema>;

const rtspUrl = z
  .string({ error: 'Stream URL is required.' })
  .trim()
  .max(1000, { error: 'Stream URL must be at most 1000 characters.' })
  .refine(
    (v) => {
      try {
        const u = new URL(v);
        return (u.protocol === 'rtsp:' || u.protocol === 'rtsps:') && u.hostname !== '';
      } catch {
        return false;
      }
    },
    { error: 'Enter an RTSP URL like rtsp://192.168.1.20:554/stream1.' },
  );

export const createManualCameraSchema = z.object({
  customerId: idField,
  name: nameField('Camera name'),
  streamUrl: rtspUrl,
});
export type CreateManualCamera = z.output<typeof createManualCameraSchema>;

export const setCameraEnabledSchema = z.object({ id: idField, enabled: z.boolean() });
