// Dragging images from the labeller's grid onto a class in the sidebar: the drag carries their ids.
const TYPE = 'application/x-facet-images';

export function startImageDrag(e: DragEvent, ids: number[]): void {
  if (!e.dataTransfer) return;
  e.dataTransfer.setData(TYPE, JSON.stringify(ids));
  e.dataTransfer.setData('text/plain', `${ids.length} image${ids.length === 1 ? '' : 's'}`);
  e.dataTransfer.effectAllowed = 'move';
}

/** Whether a drag over a drop target carries images (their ids can only be read on drop). */
export function carriesImages(e: DragEvent): boolean {
  return e.dataTransfer?.types.includes(TYPE) ?? false;
}

/** The ids a drop carries, or null when it is not a drag of images. */
export function droppedImages(e: DragEvent): number[] | null {
  const raw = e.dataTransfer?.getData(TYPE);
  if (!raw) return null;
  try {
    const ids = JSON.parse(raw) as unknown;
    return Array.isArray(ids) && ids.every((id) => Number.isInteger(id) && id > 0) ? (ids as number[]) : null;
  } catch {
    return null;
  }
}
