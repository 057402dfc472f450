// Colour checks for the e2e tests: the text and background colours the browser actually computed,
// and their WCAG contrast ratio, so a theme test asserts readability instead of only taking a picture.
import { expect } from 'vitest';
import type { Page } from 'playwright-core';

export interface TextColours {
  /** What was measured: the selector and the start of the element's text. */
  what: string;
  text: [number, number, number];
  background: [number, number, number];
  /** WCAG 2 contrast ratio, 1 to 21. */
  ratio: number;
  /** Relative luminance of the background, 0 (black) to 1 (white). */
  backgroundLuminance: number;
  /** Large text (≥ 24 px, or ≥ 18.66 px bold) needs 3:1 instead of 4.5:1. */
  large: boolean;
}

/**
 * The colours of every visible element under `scope` that has text of its own (or of the first
 * `limit` of them). Colours are read by painting them on a canvas, so any CSS colour syntax works;
 * a translucent background is composited over the ones beneath it.
 */
export async function textColours(page: Page, scope: string, { limit = 400, self = false } = {}): Promise<TextColours[]> {
  return page.evaluate(
    ({ scope, limit, self }) => {
      const canvas = document.createElement('canvas');
      canvas.width = canvas.height = 1;
      const g = canvas.getContext('2d', { willReadFrequently: true })!;
      const rgba = (css: string): [number, number, number, number] => {
        g.clearRect(0, 0, 1, 1);
        g.fillStyle = '#000';
        g.fillStyle = css;
        g.fillRect(0, 0, 1, 1);
        const [r, gr, b, a] = g.getImageData(0, 0, 1, 1).data;
        return [r!, gr!, b!, a! / 255];
      };
      const over = (top: [number, number, number, number], under: [number, number, number]): [number, number, number] =>
        [0, 1, 2].map((i) => top[i]! * top[3] + under[i]! * (1 - top[3])) as [number, number, number];
      const backgroundOf = (el: Element): [number, number, number] => {
        const layers: [number, number, number, number][] = [];
        for (let e: Element | null = el; e; e = e.parentElement) {
          const c = rgba(getComputedStyle(e).backgroundColor);
          if (c[3] > 0) layers.push(c);
          if (c[3] >= 1) break;
        }
        // Under everything: the canvas colour Chromium paints for the page's colour scheme.
        const dark = getComputedStyle(document.documentElement).colorScheme.includes('dark');
        let colour: [number, number, number] = dark ? [18, 18, 18] : [255, 255, 255];
        for (const layer of layers.reverse()) colour = over(layer, colour);
        return colour;
      };
      const luminance = ([r, g2, b]: number[]) => {
        const lin = (v: number) => {
          const s = v / 255;
          return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
        };
        return 0.2126 * lin(r!) + 0.7152 * lin(g2!) + 0.0722 * lin(b!);
      };
      const root = document.querySelector(scope);
      if (!root) throw new Error(`nothing matches ${scope}`);
      const out: TextColours[] = [];
      for (const el of self ? [root] : [root, ...root.querySelectorAll('*')]) {
        if (out.length >= limit) break;
        const own = [...el.childNodes].filter((n) => n.nodeType === Node.TEXT_NODE).map((n) => n.textContent ?? '').join('').trim();
        if (!own && !self) continue;
        const style = getComputedStyle(el);
        const box = el.getBoundingClientRect();
        if (style.visibility !== 'visible' || Number(style.opacity) === 0 || box.width === 0 || box.height === 0) continue;
        const t = rgba(style.color);
        const background = backgroundOf(el);
        const text = over(t, background);
        const [hi, lo] = [luminance(text), luminance(background)].sort((a, b) => b - a) as [number, number];
        const backgroundLuminance = luminance(background);
        const size = parseFloat(style.fontSize);
        out.push({
          what: `${el.tagName.toLowerCase()}${el.className && typeof el.className === 'string' ? `.${el.className.trim().split(/\s+/).join('.')}` : ''} "${own.slice(0, 30)}"`,
          text,
          background,
          ratio: Math.round(((hi + 0.05) / (lo + 0.05)) * 100) / 100,
          backgroundLuminance,
          large: size >= 24 || (size >= 18.66 && Number(style.fontWeight) >= 700),
        });
      }
      return out;
    },
    { scope, limit, self },
  );
}

/** Texts below WCAG AA: 4.5:1, or 3:1 for large text. */
export function unreadable(colours: TextColours[]): TextColours[] {
  return colours.filter((c) => c.ratio < (c.large ? 3 : 4.5));
}

/**
 * The page is in its dark theme and readable: the body's background is dark, its text light with at
 * least 4.5:1 contrast, and no visible text under `scope` falls below WCAG AA.
 */
export async function expectReadableDarkTheme(page: Page, scope = '#app'): Promise<TextColours[]> {
  const [body] = await textColours(page, 'body', { self: true });
  expect(body!.backgroundLuminance, `the page background ${body!.background} is not dark: is the dark theme applied?`).toBeLessThan(0.05);
  expect(body!.ratio, `body text ${body!.text} on ${body!.background}`).toBeGreaterThanOrEqual(4.5);
  const all = await textColours(page, scope);
  expect(all.length).toBeGreaterThan(0);
  expect(unreadable(all).map((c) => `${c.what}: ${c.ratio}:1 (${c.text} on ${c.background})`)).toEqual([]);
  return all;
}
