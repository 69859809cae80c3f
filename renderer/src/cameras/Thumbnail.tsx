import { useEffect, useState } from 'react';
import type { Camera } from '../../../shared/cameras';
import { call } from '../api';

/** The camera's stored snapshot, fetched as a data: URL; refetched when a re-check renews it. */
export function Thumbnail({ camera }: { camera: Camera }) {
  const [src, setSrc] = useState<string | null>(null);
  useEffect(() => {
    if (!camera.hasSnapshot) return;
    let live = true;
    call('cameras.snapshot', { id: camera.id }).then(
      (r) => live && setSrc(r.dataUrl),
      () => undefined,
    );
    return () => {
      live = false;
    };
  }, [camera.id, camera.hasSnapshot, camera.snapshotAt]);
  if (!camera.hasSnapshot || !src)
    return (
      <span className="thumb thumb-empty" aria-label="No snapshot" data-testid="no-snapshot">
        ◉
      </span>
    );
  return (
    <img
      className="thumb"
      src={src}
      alt={`Snapshot of ${camera.name}`}
      data-testid="camera-snapshot"
    />
  );
}
