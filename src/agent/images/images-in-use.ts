import { join } from 'node:path';
import type { ImageRecord } from './image-types.js';

/**
 * Ids of the images containers use: an image whose unpacked layer stack is exactly a mounted
 * overlay's lowerdir stack (a container built from it, running or exited but not removed; also
 * those a previous agent left), plus `podImageIds` (images named by the node's pods, which may be
 * about to start). An image that only shares a base layer with a mounted stack is not in use; its
 * shared layer stays anyway (pruning keeps mounted layers). Pure.
 *
 * `storeRoot` is the image store's absolute root; `mountedStacks` top layer first, as mountinfo lists them.
 */
export function imageIdsInUse(
  images: readonly ImageRecord[],
  storeRoot: string,
  mountedStacks: readonly string[][],
  podImageIds: Iterable<string> = [],
): Set<string> {
  const mounted = new Set(mountedStacks.map((s) => s.join('\n')));
  const inUse = new Set(podImageIds);
  for (const img of images) {
    const stack = [...img.layers].reverse().map((d) => join(storeRoot, 'layers', 'sha256', d.replace(/^sha256:/, '')));
    if (mounted.has(stack.join('\n'))) inUse.add(img.id);
  }
  return inUse;
}
