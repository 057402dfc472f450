// The labeller's selection over the image list (images.ts): the selected images, the focused one and
// the anchor a shift-click or shift-arrow extends from. A new dataset or new filters clear it; a reload
// keeps what is still listed.
import { defineStore } from 'pinia';
import { computed, ref, shallowRef } from 'vue';
import { useImagesStore } from './images.js';

export const useSelectionStore = defineStore('selection', () => {
  const images = useImagesStore();
  /** The selected image ids. */
  const ids = shallowRef(new Set<number>());
  /** Indices into the list. */
  const focus = ref(0);
  const anchor = ref(0);
  /** The focused image's id before a reload replaced the rows, to find it again after. */
  let focusedBefore: number | undefined;

  const focused = computed(() => images.items[focus.value] ?? null);

  images.follow({
    restart(keepSelection) {
      if (!keepSelection) select([]);
      focus.value = 0;
      anchor.value = 0;
    },
    replacing() {
      focusedBefore = images.items[focus.value]?.id;
    },
    replaced(keepSelection) {
      const present = images.indexById;
      if (!keepSelection) select([...ids.value].filter((sid) => present.has(sid)));
      const at = focusedBefore !== undefined ? images.indexById.get(focusedBefore) : undefined;
      focus.value = at ?? Math.min(focus.value, Math.max(0, images.items.length - 1));
    },
  });

  function select(next: number[]): void {
    ids.value = new Set(next);
  }

  function rangeIds(a: number, b: number): number[] {
    const [lo, hi] = a < b ? [a, b] : [b, a];
    return images.items.slice(lo, hi + 1).map((i) => i.id);
  }

  /** Click: select one; shift: the range from the anchor; ctrl/cmd: toggle one. */
  function click(index: number, mods: { shift: boolean; toggle: boolean }): void {
    const item = images.items[index];
    if (!item) return;
    if (mods.shift) {
      select(mods.toggle ? [...ids.value, ...rangeIds(anchor.value, index)] : rangeIds(anchor.value, index));
    } else if (mods.toggle) {
      const next = new Set(ids.value);
      if (next.has(item.id)) next.delete(item.id);
      else next.add(item.id);
      ids.value = next;
      anchor.value = index;
    } else {
      select([item.id]);
      anchor.value = index;
    }
    focus.value = index;
  }

  /** Arrow keys: move the focus (and the selection with it); with shift, extend from the anchor. */
  function move(delta: number, extend: boolean): void {
    if (images.items.length === 0) return;
    const next = Math.max(0, Math.min(images.items.length - 1, focus.value + delta));
    focus.value = next;
    if (extend) select(rangeIds(anchor.value, next));
    else {
      anchor.value = next;
      select([images.items[next]!.id]);
    }
  }

  function selectAll(): void {
    select(images.items.map((i) => i.id));
  }

  /** The ids an action applies to: the selection, else the focused image. */
  function targets(): number[] {
    if (ids.value.size > 0) return [...ids.value];
    const f = images.items[focus.value];
    return f ? [f.id] : [];
  }

  return { ids, focus, focused, select, click, move, selectAll, targets };
});
