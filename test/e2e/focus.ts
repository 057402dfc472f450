// What shows a focus ring on the page, as the browser computed it: an outline, or a box-shadow that is
// a ring (no offset, no blur, a spread). Exactly one element should, or none.
import type { Page } from 'playwright-core';

/** One description per element wearing a ring: its data-test (or tag) and its text's start. */
export function focusRings(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const isRing = (shadow: string): boolean =>
      shadow !== 'none' &&
      shadow.split(/,(?![^(]*\))/).some((one) => {
        if (one.includes('inset')) return false;
        const [x, y, blur, spread] = one.replace(/rgba?\([^)]*\)/g, '').trim().split(/\s+/).map(parseFloat);
        return x === 0 && y === 0 && blur === 0 && (spread ?? 0) > 0;
      });
    const visible = (el: Element) => {
      const r = el.getBoundingClientRect();
      return r.width > 0 && r.height > 0;
    };
    return [...document.querySelectorAll('body *')]
      .filter((el) => {
        const cs = getComputedStyle(el);
        return visible(el) && ((cs.outlineStyle !== 'none' && parseFloat(cs.outlineWidth) > 0) || isRing(cs.boxShadow));
      })
      .map((el) => `${el.getAttribute('data-test') ?? el.tagName.toLowerCase()}: ${(el.textContent ?? '').trim().slice(0, 30)}`);
  });
}
