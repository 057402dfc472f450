// Choices remembered on this computer (localStorage), e.g. the labeller's face crops. localStorage may
// be unavailable (privacy settings): a choice then lasts for this page only.
import { ref, watch, type Ref } from 'vue';

export function readSetting(key: string): string | null {
  try {
    return window.localStorage.getItem(key);
  } catch {
    return null;
  }
}

export function writeSetting(key: string, value: string): void {
  try {
    window.localStorage.setItem(key, value);
  } catch {
    // Not remembered; the choice still holds for this page.
  }
}

/** An on/off choice read once and written back whenever it changes. */
function rememberedFlag(key: string, byDefault: boolean): Ref<boolean> {
  const stored = readSetting(key);
  const flag = ref(stored === null ? byDefault : stored === 'on');
  watch(flag, (on) => writeSetting(key, on ? 'on' : 'off'));
  return flag;
}

/**
 * After a class key labels one image, the next image comes up: in the labeller's grid, its preview and
 * the Evaluate gallery alike. On unless turned off; one choice for all three.
 */
export const advanceAfterLabel = rememberedFlag('facet.labelling.advance', true);
