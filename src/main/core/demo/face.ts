// Procedural faces for the demo data set: a person (identity) is a fixed set of traits, each photo of
// them adds a small pose / expression / lighting variation, and the result is an SVG for sharp to render.
// The faces are shaded like a lit portrait (eye sockets, the nose's shadow, lips in two tones, a neck in
// the jaw's shadow) so that a real face detector and face-embedding net take them for faces. Soft shading
// is drawn with radial gradients fading to transparent: SVG blur filters cost 20–40 ms each in librsvg.
import { intBetween, pick, uniform, type Random } from './random.js';

type Rgb = readonly [number, number, number];

const HAIR_STYLES = ['short', 'long', 'bald', 'curly', 'bun', 'side-part', 'buzz'] as const;
type HairStyle = (typeof HAIR_STYLES)[number];
const EXPRESSIONS = ['neutral', 'smile', 'grin', 'open', 'frown', 'surprised'] as const;
type Expression = (typeof EXPRESSIONS)[number];
/** How often each expression appears: as in portraits, mostly a neutral face or a smile. */
const EXPRESSION_SHARE: Record<Expression, number> = { neutral: 0.35, smile: 0.3, grin: 0.1, open: 0.1, frown: 0.075, surprised: 0.075 };

function expressionOf(u: number): Expression {
  let acc = 0;
  for (const e of EXPRESSIONS) {
    acc += EXPRESSION_SHARE[e];
    if (u < acc) return e;
  }
  return 'neutral';
}

export interface Identity {
  skin: Rgb;
  hair: Rgb;
  hairStyle: HairStyle;
  iris: Rgb;
  lips: Rgb;
  background: Rgb;
  background2: Rgb;
  shirt: Rgb;
  headRx: number;
  headRy: number;
  jaw: number; // 0 = round, 1 = square
  eyeSpacing: number;
  eyeSize: number;
  eyeHeight: number;
  eyeTilt: number; // how much higher the outer corner sits than the inner one
  browWeight: number;
  browArch: number;
  noseLength: number;
  noseWidth: number;
  mouthWidth: number;
  lipFullness: number;
  glasses: boolean;
  frames: Rgb;
  beard: boolean;
}

export interface Pose {
  angle: number;
  dx: number;
  dy: number;
  scale: number;
  expression: Expression;
  gazeX: number;
  gazeY: number;
  lightAngle: number;
  lightStrength: number;
  exposure: number; // -1 … 1: darker … brighter
  turn: number; // -1 … 1: the head turned a little to the picture's left … right
}

function hsl(h: number, s: number, l: number): Rgb {
  const a = s * Math.min(l, 1 - l);
  const f = (n: number): number => {
    const k = (n + h / 30) % 12;
    return Math.round(255 * (l - a * Math.max(-1, Math.min(k - 3, 9 - k, 1))));
  };
  return [f(0), f(8), f(4)];
}

function mix(a: Rgb, b: Rgb, t: number): Rgb {
  return [0, 1, 2].map((i) => Math.round((a[i] ?? 0) * (1 - t) + (b[i] ?? 0) * t)) as unknown as Rgb;
}

function hex(c: Rgb): string {
  return `#${c.map((v) => Math.max(0, Math.min(255, Math.round(v))).toString(16).padStart(2, '0')).join('')}`;
}

const BLACK: Rgb = [0, 0, 0];
const WHITE: Rgb = [255, 255, 255];
/** What shadows on skin tend towards: a dark, warm brown rather than grey. */
const SHADOW: Rgb = [45, 18, 12];

/** An SVG snippet with its numbers rounded to 0.01, so the markup stays short and stable. */
function svg(strings: TemplateStringsArray, ...values: (string | number)[]): string {
  let out = strings[0] ?? '';
  values.forEach((value, i) => {
    out += (typeof value === 'number' ? String(Math.round(value * 100) / 100) : value) + (strings[i + 1] ?? '');
  });
  return out;
}

/** Wide variation on purpose: the medium, not the person, must be what separates the classes. */
export function randomIdentity(rand: Random): Identity {
  const skin = hsl(uniform(rand, 14, 34), uniform(rand, 0.3, 0.6), uniform(rand, 0.28, 0.84));
  const hairPalette: Rgb[] = [
    hsl(30, 0.25, 0.1), // black
    hsl(25, 0.45, 0.22), // dark brown
    hsl(30, 0.45, 0.38), // brown
    hsl(45, 0.6, 0.62), // blonde
    hsl(15, 0.65, 0.4), // red
    hsl(0, 0, 0.7), // grey
    hsl(uniform(rand, 0, 360), 0.6, 0.5), // dyed
  ];
  const hair = pick(rand, hairPalette);
  const bgHue = backgroundHue(rand);
  // Not too dark, and no steep light-to-dark gradient: dark corners are the phone's vignette.
  const bgLight = uniform(rand, 0.3, 0.9);
  return {
    skin,
    hair: mix(hair, BLACK, uniform(rand, 0, 0.2)),
    hairStyle: pick(rand, HAIR_STYLES),
    iris: pick(rand, [hsl(28, 0.55, 0.22), hsl(200, 0.5, 0.42), hsl(100, 0.35, 0.35), hsl(30, 0.4, 0.35)]),
    lips: mix(skin, hsl(355, 0.55, 0.45), uniform(rand, 0.35, 0.65)),
    background: hsl(bgHue, uniform(rand, 0, 0.7), bgLight),
    background2: hsl(backgroundHue(rand, bgHue), uniform(rand, 0, 0.7), Math.min(0.9, Math.max(0.3, bgLight + uniform(rand, -0.3, 0.3)))),
    shirt: hsl(uniform(rand, 0, 360), uniform(rand, 0, 0.8), uniform(rand, 0.12, 0.85)),
    headRx: uniform(rand, 45, 58),
    headRy: uniform(rand, 60, 73),
    jaw: rand(),
    eyeSpacing: uniform(rand, 18, 25),
    eyeSize: uniform(rand, 8, 11.5),
    eyeHeight: uniform(rand, -0.1, 0.04),
    browWeight: uniform(rand, 2.5, 5),
    noseLength: uniform(rand, 0.28, 0.44),
    noseWidth: uniform(rand, 5.5, 10.5),
    mouthWidth: uniform(rand, 12, 20),
    glasses: rand() < 0.2,
    beard: rand() < 0.2,
    eyeTilt: uniform(rand, -0.5, 2),
    browArch: uniform(rand, 1.5, 5),
    lipFullness: uniform(rand, 0.75, 1.35),
    frames: pick(rand, [hsl(0, 0, 0.1), hsl(25, 0.45, 0.25), hsl(210, 0.08, 0.55), hsl(30, 0.6, 0.45)]),
  };
}

// Backgrounds fill most of a portrait, so their hue sets its overall cast: keep them out of the
// yellow / olive / green band (36°–140°) that the phone's cast pushes everything towards, so no person's
// own colours look like that medium. Skin, hair and shirt stay free: they are too small to tint a photo.
const CAST_BAND = [36, 140] as const;
function backgroundHue(rand: Random, near?: number): number {
  const span = 360 - (CAST_BAND[1] - CAST_BAND[0]);
  const h = near === undefined ? uniform(rand, 0, span) : toFree(near) + uniform(rand, -40, 40);
  const wrapped = ((h % span) + span) % span;
  return wrapped < CAST_BAND[0] ? wrapped : wrapped + (CAST_BAND[1] - CAST_BAND[0]);
}
/** The inverse of backgroundHue's mapping: a hue outside the band, as a position on the free circle. */
function toFree(hue: number): number {
  return hue < CAST_BAND[0] ? hue : hue - (CAST_BAND[1] - CAST_BAND[0]);
}

export function randomPose(rand: Random): Pose {
  return {
    angle: uniform(rand, -8, 8),
    dx: uniform(rand, -10, 10),
    dy: uniform(rand, -8, 8),
    scale: uniform(rand, 0.9, 1.1),
    expression: expressionOf(rand()),
    gazeX: uniform(rand, -2, 2),
    gazeY: uniform(rand, -1, 1),
    lightAngle: intBetween(rand, 0, 359),
    lightStrength: uniform(rand, 0.05, 0.2),
    exposure: uniform(rand, -1, 1),
    turn: uniform(rand, -1, 1),
  };
}

/** Where the features sit and what colours they are, shared by the parts of the drawing. */
interface Layout {
  p: Identity;
  pose: Pose;
  cx: number; // the head's centre line
  fx: number; // the features' centre line (moves with the head's turn)
  cy: number;
  rx: number;
  ry: number;
  jawX: number;
  eyeY: number;
  eyeRy: number;
  noseY: number;
  mouthY: number;
  /** -1 when the light comes from the picture's left, 1 from its right, 0 from above or below. */
  lightSide: number;
  skin: Rgb;
  shade: Rgb;
}

/** The face, drawn in a 256×256 view box and rendered at `size` pixels. */
export function faceSvg(p: Identity, pose: Pose, size: number): string {
  const cx = 128;
  const cy = 112;
  const { headRx: rx, headRy: ry } = p;
  const e = pose.expression;
  const eyeY = cy + ry * p.eyeHeight;
  const noseY = eyeY + ry * p.noseLength + 4;
  const la = (pose.lightAngle * Math.PI) / 180;
  const l: Layout = {
    p,
    pose,
    cx,
    fx: cx + pose.turn * 4,
    cy,
    rx,
    ry,
    jawX: rx * (0.55 + 0.3 * p.jaw),
    eyeY,
    eyeRy: p.eyeSize * (e === 'surprised' ? 0.62 : e === 'grin' ? 0.4 : e === 'smile' ? 0.46 : 0.52),
    noseY,
    mouthY: noseY + (cy + ry - noseY) * 0.36,
    lightSide: Math.abs(Math.cos(la)) < 0.35 ? 0 : Math.sign(Math.cos(la)),
    skin: p.skin,
    shade: mix(p.skin, SHADOW, 0.5),
  };
  const lx = 0.5 + 0.5 * Math.cos(la);
  const ly = 0.5 + 0.5 * Math.sin(la);
  const exposure =
    pose.exposure >= 0
      ? svg`<rect width="256" height="256" fill="#fff" fill-opacity="${pose.exposure * 0.12}"/>`
      : svg`<rect width="256" height="256" fill="#000" fill-opacity="${-pose.exposure * 0.15}"/>`;
  const hair = hairShapes(l);

  return svg`<svg xmlns="http://www.w3.org/2000/svg" width="${size}" height="${size}" viewBox="0 0 256 256">
  <defs>
    ${gradients(l)}
    <linearGradient id="light" x1="${lx}" y1="${ly}" x2="${1 - lx}" y2="${1 - ly}">
      <stop offset="0" stop-color="#fff" stop-opacity="${pose.lightStrength}"/>
      <stop offset="1" stop-color="#000" stop-opacity="${pose.lightStrength}"/>
    </linearGradient>
    <clipPath id="head"><path d="${headPath(l)}"/></clipPath>
  </defs>
  ${background(l)}
  <g transform="translate(${pose.dx} ${pose.dy}) rotate(${pose.angle} 128 150) translate(128 150) scale(${pose.scale}) translate(-128 -150)">
    ${hair.back}
    ${body(l)}
    ${ears(l)}
    <path d="${headPath(l)}" fill="url(#skin)"/>
    <g clip-path="url(#head)">${skinShading(l, hair.shadowY)}</g>
    ${beard(l)}
    ${hair.front}
    ${eyes(l)}
    ${nose(l)}
    ${mouth(l)}
    ${glasses(l)}
  </g>
  <rect width="256" height="256" fill="url(#light)"/>
  ${exposure}
</svg>`;
}

function gradients(l: Layout): string {
  const { p } = l;
  const hairTop = mix(p.hair, WHITE, 0.2);
  const hairLow = mix(p.hair, BLACK, 0.3);
  // A colour at the centre fading to nothing at the edge, for soft shadows and highlights (see blob).
  // Opacity goes on fills and strokes, never on elements: element opacity costs librsvg a layer each.
  const fade = (id: string, c: Rgb) =>
    svg`<radialGradient id="${id}"><stop offset="0" stop-color="${hex(c)}"/><stop offset="0.45" stop-color="${hex(c)}" stop-opacity="0.6"/><stop offset="1" stop-color="${hex(c)}" stop-opacity="0"/></radialGradient>`;
  const side = l.lightSide;
  return [
    svg`<linearGradient id="bg" x1="0" y1="0" x2="0" y2="1"><stop offset="0" stop-color="${hex(p.background)}"/><stop offset="1" stop-color="${hex(p.background2)}"/></linearGradient>`,
    svg`<radialGradient id="skin" cx="${0.5 + side * 0.08}" cy="0.42" r="0.62">
      <stop offset="0" stop-color="${hex(mix(p.skin, WHITE, 0.14))}"/><stop offset="0.7" stop-color="${hex(p.skin)}"/>
      <stop offset="1" stop-color="${hex(mix(p.skin, SHADOW, 0.32))}"/></radialGradient>`,
    svg`<linearGradient id="neck" x1="0" y1="0" x2="0" y2="1"><stop offset="0" stop-color="${hex(mix(p.skin, SHADOW, 0.45))}"/><stop offset="1" stop-color="${hex(mix(p.skin, SHADOW, 0.15))}"/></linearGradient>`,
    svg`<linearGradient id="shirt" x1="0" y1="0" x2="0" y2="1"><stop offset="0" stop-color="${hex(mix(p.shirt, WHITE, 0.12))}"/><stop offset="1" stop-color="${hex(mix(p.shirt, BLACK, 0.3))}"/></linearGradient>`,
    // In user space, so the cap, a fringe and the hair behind the head share one gradient.
    svg`<linearGradient id="hair" gradientUnits="userSpaceOnUse" x1="0" y1="${l.cy - l.ry * 1.2}" x2="0" y2="${l.cy + l.ry + 30}"><stop offset="0" stop-color="${hex(hairTop)}"/><stop offset="0.55" stop-color="${hex(p.hair)}"/><stop offset="1" stop-color="${hex(hairLow)}"/></linearGradient>`,
    svg`<linearGradient id="key" x1="${side >= 0 ? 1 : 0}" y1="0" x2="${side >= 0 ? 0 : 1}" y2="0">
      <stop offset="0" stop-color="#fff" stop-opacity="${side === 0 ? 0 : 0.14}"/><stop offset="0.5" stop-color="#fff" stop-opacity="0"/>
      <stop offset="1" stop-color="${hex(SHADOW)}" stop-opacity="${side === 0 ? 0.1 : 0.32}"/></linearGradient>`,
    svg`<radialGradient id="iris"><stop offset="0" stop-color="${hex(mix(p.iris, WHITE, 0.2))}"/><stop offset="0.7" stop-color="${hex(p.iris)}"/><stop offset="1" stop-color="${hex(mix(p.iris, BLACK, 0.65))}"/></radialGradient>`,
    fade('shadow', l.shade),
    fade('deep', mix(p.skin, SHADOW, 0.75)),
    fade('glow', mix(p.skin, WHITE, 0.55)),
    fade('blush', mix(p.skin, [200, 60, 60], 0.35)),
    fade('sheen', mix(p.hair, WHITE, 0.5)),
    fade('bg-light', mix(p.background, WHITE, 0.45)),
    fade('bg-dark', mix(p.background2, BLACK, 0.25)),
  ].join('\n');
}

/** An ellipse filled with one of the fading gradients (`shadow`, `glow`…): a soft shadow or highlight. */
function blob(fill: string, x: number, y: number, rx: number, ry: number, opacity: number): string {
  return svg`<ellipse cx="${x}" cy="${y}" rx="${rx}" ry="${ry}" fill="url(#${fill})" fill-opacity="${opacity}"/>`;
}

function background(l: Layout): string {
  // Out-of-focus room: a light patch (a window, a lamp) and a darker one, on either side photo to photo.
  const side = l.pose.lightAngle % 2 === 0 ? 1 : -1;
  return [
    '<rect width="256" height="256" fill="url(#bg)"/>',
    blob('bg-light', 128 - side * 80, 60, 110, 90, 0.55),
    blob('bg-dark', 128 + side * 90, 200, 100, 120, 0.4),
  ].join('\n');
}

/** The head outline: round top, jaw between an oval and a square chin. */
function headPath(l: Layout): string {
  const { cx, cy, rx, ry, jawX } = l;
  return svg`M ${cx - rx} ${cy - 4} C ${cx - rx} ${cy - ry * 1.35} ${cx + rx} ${cy - ry * 1.35} ${cx + rx} ${cy - 4} C ${cx + rx} ${cy + ry * 0.55} ${cx + jawX} ${cy + ry} ${cx} ${cy + ry} C ${cx - jawX} ${cy + ry} ${cx - rx} ${cy + ry * 0.55} ${cx - rx} ${cy - 4} Z`;
}

function body(l: Layout): string {
  const { cx, cy, rx, ry } = l;
  const chin = cy + ry;
  const neckW = rx * 0.44;
  const neckPath = svg`M ${cx - neckW} ${cy + ry * 0.5} L ${cx - neckW * 1.05} ${chin + 34} L ${cx + neckW * 1.05} ${chin + 34} L ${cx + neckW} ${cy + ry * 0.5} Z`;
  // The shirt reaches well past the frame, so no edge of it shows when the sitter leans.
  const shoulders = svg`<path d="M -40 320 L -30 ${chin + 60} C -10 ${chin + 30} 52 ${chin + 20} ${cx - neckW * 1.1} ${chin + 16} Q ${cx} ${chin + 34} ${cx + neckW * 1.1} ${chin + 16} C 204 ${chin + 20} 266 ${chin + 30} 286 ${chin + 60} L 296 320 Z" fill="url(#shirt)"/>`;
  const collar = svg`<path d="M ${cx - neckW * 1.1} ${chin + 16} Q ${cx} ${chin + 34} ${cx + neckW * 1.1} ${chin + 16}" fill="none" stroke="${hex(mix(l.p.shirt, BLACK, 0.35))}" stroke-width="2.5"/>`;
  return svg`<clipPath id="neck"><path d="${neckPath}"/></clipPath><path d="${neckPath}" fill="url(#neck)"/>
    <g clip-path="url(#neck)">${blob('deep', cx, chin + 2, neckW * 1.3, 12, 0.75)}</g>
    ${shoulders}${collar}`;
}

function ears(l: Layout): string {
  const { rx, eyeY, noseY } = l;
  const y = (eyeY + noseY) / 2 + 2;
  return [-1, 1]
    .map((side) => {
      const x = l.cx + side * (rx - 1);
      return [
        svg`<ellipse cx="${x}" cy="${y}" rx="7" ry="${(noseY - eyeY) * 0.5 + 6}" fill="${hex(mix(l.skin, SHADOW, 0.12))}"/>`,
        blob('shadow', x + side * 1.5, y, 3.5, (noseY - eyeY) * 0.35 + 3, 0.8),
      ].join('');
    })
    .join('\n');
}

/** Shadows and highlights on the skin, clipped to the head. */
function skinShading(l: Layout, hairShadowY: number | null): string {
  const { fx, cx, rx, ry, eyeY, noseY, mouthY, p, lightSide } = l;
  const w = p.eyeSize;
  const nw = p.noseWidth;
  const mw = p.mouthWidth;
  const shadowSide = lightSide === 0 ? 1 : -lightSide;
  const parts: string[] = [];
  // The temples, and the hollows under the cheekbones, turn away from the camera.
  for (const side of [-1, 1]) {
    parts.push(blob('shadow', cx + side * rx * 0.95, eyeY - 8, 12, 26, 0.55));
    parts.push(blob('shadow', cx + side * rx * 0.8, mouthY - 4, 12, 22, 0.45));
  }
  // Eye sockets: the brow ridge and the nose shade the eyes.
  for (const side of [-1, 1]) {
    const ex = fx + side * p.eyeSpacing;
    parts.push(blob('deep', ex - side * 2, eyeY - 2, w * 1.8, w * 1.2, 0.6));
    parts.push(blob('deep', ex - side * w * 0.85, eyeY - 1, w * 0.7, w * 0.55, 0.55));
  }
  // The nose: a shadow down its far side, one under its tip, a highlight on the bridge and the tip.
  const noseMid = (eyeY + noseY) / 2 + 2;
  const tipX = fx + l.pose.turn * 2;
  parts.push(blob('shadow', tipX + shadowSide * nw * 0.65, noseMid, 3.2 + nw * 0.15, (noseY - eyeY) * 0.55, 0.8));
  parts.push(blob('deep', tipX, noseY + 4, nw * 1.05, 3.4, 0.7));
  parts.push(blob('glow', tipX - shadowSide * 1, noseMid - 2, 2.4, (noseY - eyeY) * 0.35, 0.45));
  parts.push(blob('glow', tipX - shadowSide * 1, noseY - 3, nw * 0.4, 2.8, 0.5));
  // Cheekbones catch the light; a little colour on the cheeks.
  for (const side of [-1, 1]) {
    parts.push(blob('glow', fx + side * rx * 0.45, eyeY + 15, 11, 7, side === shadowSide ? 0.15 : 0.35));
    parts.push(blob('blush', fx + side * rx * 0.5, eyeY + 20, 11, 8, 0.3));
  }
  // Forehead and chin highlights; shadows under the lower lip and, for a cap of hair, under the fringe.
  parts.push(blob('glow', fx - shadowSide * 4, eyeY - ry * 0.42, rx * 0.42, 11, 0.4));
  parts.push(blob('glow', fx, l.cy + ry - 9, 9, 5, 0.35));
  parts.push(blob('shadow', fx, mouthY + 9 + p.lipFullness * 2, mw * 0.55, 4, 0.6));
  if (hairShadowY !== null) parts.push(blob('shadow', cx, hairShadowY + 2, rx * 0.85, 7, 0.6));
  // The key light: a lit side and a shadowed side.
  parts.push(svg`<rect x="${cx - rx - 2}" y="${l.cy - ry * 1.1}" width="${rx * 2 + 4}" height="${ry * 2.2}" fill="url(#key)"/>`);
  return parts.join('\n');
}

/** The hair behind the head, in front of it, and where the fringe's shadow falls (if it has one). */
function hairShapes(l: Layout): { back: string; front: string; shadowY: number | null } {
  const { cx, cy, rx, ry, p } = l;
  const fill = 'url(#hair)';
  const hairline = cy - ry * 0.52;
  const cap = svg`M ${cx - rx - 3} ${cy - 2} C ${cx - rx - 6} ${cy - ry * 1.5} ${cx + rx + 6} ${cy - ry * 1.5} ${cx + rx + 3} ${cy - 2}
    C ${cx + rx * 0.95} ${hairline - 2} ${cx + rx * 0.55} ${hairline - 1} ${cx} ${hairline + 2}
    C ${cx - rx * 0.55} ${hairline - 1} ${cx - rx * 0.95} ${hairline - 2} ${cx - rx - 3} ${cy - 2} Z`;
  // A few strands and a sheen, so the hair reads as hair and not as a hat.
  const light = hex(mix(p.hair, WHITE, 0.25));
  const dark = hex(mix(p.hair, BLACK, 0.3));
  const strands = [-0.72, -0.55, -0.28, -0.14, 0.08, 0.3, 0.41, 0.63, 0.78]
    .map((t, i) => svg`<path d="M ${cx + t * rx * 0.9} ${hairline + 1} Q ${cx + t * rx * 1.25} ${cy - ry * 0.95} ${cx + t * rx * 0.6} ${cy - ry * 1.05}" fill="none" stroke="${i % 2 ? dark : light}" stroke-width="${0.8 + (i % 3) * 0.3}" stroke-opacity="0.25"/>`)
    .join('');
  // Tufts along the hairline, so it does not end in one clean edge like a cap's.
  const tufts = svg`<path d="M ${cx - rx - 1} ${cy - 6} C ${cx - rx * 0.9} ${hairline - 2} ${cx - rx * 0.5} ${hairline - 1} ${cx} ${hairline + 1} C ${cx + rx * 0.5} ${hairline - 1} ${cx + rx * 0.9} ${hairline - 2} ${cx + rx + 1} ${cy - 6}" fill="none" stroke="url(#hair)" stroke-width="3" stroke-dasharray="1.5 2.5" stroke-linecap="round" stroke-opacity="0.8"/>`;
  const sheen = svg`<ellipse cx="${cx - 10}" cy="${cy - ry * 0.92}" rx="${rx * 0.45}" ry="7" fill="url(#sheen)" fill-opacity="0.35"/>`;
  const capped = (extra = '') => svg`<path d="${cap}" fill="${fill}"/>${extra}${strands}${sheen}${tufts}`;
  switch (p.hairStyle) {
    case 'short':
      return { back: '', front: capped(), shadowY: hairline };
    case 'long':
      return {
        back: svg`<path d="M ${cx - rx - 10} ${cy - 10} C ${cx - rx - 16} ${cy - ry * 1.5} ${cx + rx + 16} ${cy - ry * 1.5} ${cx + rx + 10} ${cy - 10}
          L ${cx + rx + 16} ${cy + ry + 30} Q ${cx} ${cy + ry + 40} ${cx - rx - 16} ${cy + ry + 30} Z" fill="${fill}"/>
          ${blob('deep', cx, cy + ry * 0.6, rx * 0.8, ry * 0.55, 0.5)}`,
        front: capped(),
        shadowY: hairline,
      };
    case 'bald':
      return {
        back: '',
        front: [-1, 1]
          .map((s) => svg`<path d="M ${cx + s * (rx + 2)} ${cy + 2} Q ${cx + s * (rx + 4)} ${cy - ry * 0.45} ${cx + s * rx * 0.7} ${cy - ry * 0.7} L ${cx + s * rx * 0.75} ${cy - ry * 0.3} Z" fill="${fill}"/>`)
          .join('') + svg`<ellipse cx="${cx - 8}" cy="${cy - ry * 0.8}" rx="${rx * 0.35}" ry="9" fill="url(#glow)" fill-opacity="0.6"/>`,
        shadowY: null,
      };
    case 'curly': {
      const curls: string[] = [];
      for (let i = 0; i <= 12; i++) {
        const a = Math.PI * (0.95 + (1.1 * i) / 12);
        const x = cx + Math.cos(a) * (rx + 6);
        const y = cy - 10 + Math.sin(a) * (ry + 8);
        const r = 14 + (i % 3) * 2;
        curls.push(svg`<circle cx="${x}" cy="${y}" r="${r}" fill="${fill}"/><circle cx="${x - 3}" cy="${y - 4}" r="${r * 0.5}" fill="url(#sheen)" fill-opacity="0.25"/>`);
      }
      return { back: curls.join(''), front: capped(), shadowY: hairline };
    }
    case 'bun':
      return { back: svg`<circle cx="${cx}" cy="${cy - ry - 14}" r="20" fill="${fill}"/>`, front: capped(), shadowY: hairline };
    case 'side-part':
      return {
        back: '',
        front: capped(svg`<path d="M ${cx - rx - 3} ${cy - 2} Q ${cx - rx * 0.6} ${hairline + 20} ${cx + rx * 0.2} ${hairline - 2} L ${cx + rx * 0.1} ${hairline - 14} Q ${cx - rx * 0.9} ${hairline - 14} ${cx - rx - 2} ${cy - 10} Z" fill="${fill}"/>`),
        shadowY: hairline + 6,
      };
    case 'buzz':
      return { back: '', front: svg`<path d="${cap}" fill="${fill}" fill-opacity="0.55"/>`, shadowY: null };
  }
}

function eyes(l: Layout): string {
  const { fx, eyeY, eyeRy: h, p, pose } = l;
  const e = pose.expression;
  const w = p.eyeSize;
  const lash = '#1b1310';
  return [-1, 1]
    .map((side, i) => {
      // The far eye looks a little narrower when the head turns.
      const ex = fx + side * p.eyeSpacing + pose.turn * 1.5;
      const ew = w * (1 - 0.08 * pose.turn * side);
      const xi = ex - side * ew; // inner corner
      const xo = ex + side * ew; // outer corner
      const yi = eyeY + 0.8;
      const yo = eyeY - p.eyeTilt;
      const at = (t: number) => xi + (xo - xi) * t;
      const upper = svg`M ${xi} ${yi} C ${at(0.3)} ${eyeY - h * 1.45} ${at(0.72)} ${eyeY - h * 1.45} ${xo} ${yo}`;
      const lower = svg`C ${at(0.7)} ${eyeY + h * 1.15} ${at(0.3)} ${eyeY + h * 1.2} ${xi} ${yi}`;
      const irisR = ew * 0.5;
      const ix = ex + pose.gazeX;
      const iy = eyeY + pose.gazeY;
      const white = hex(mix([238, 234, 226], l.skin, 0.18));
      const browColour = hex(mix(p.hair, BLACK, p.hair[0] + p.hair[1] + p.hair[2] > 380 ? 0.5 : 0.3));
      const lift = e === 'surprised' ? 6 : e === 'frown' ? -2 : 0;
      const inner = e === 'frown' ? 3 : 0;
      const by = eyeY - h - 8 - lift;
      const bw = p.browWeight;
      const bi = ex - side * ew * 1.1;
      const bo = ex + side * ew * 1.35;
      const bp = ex + side * ew * 0.35;
      const brow = svg`<path d="M ${bi} ${by + 1 + inner - bw * 0.5} Q ${bp} ${by - p.browArch - bw * 0.6} ${bo} ${by + 3 - bw * 0.15} Q ${bp} ${by - p.browArch + bw * 0.5} ${bi} ${by + 1 + inner + bw * 0.5} Z" fill="${browColour}" fill-opacity="0.92"/>`;
      return svg`<clipPath id="eye${i}"><path d="${upper} ${lower} Z"/></clipPath>
        <path d="${upper} ${lower} Z" fill="${white}"/>
        <g clip-path="url(#eye${i})">
          <circle cx="${ix}" cy="${iy}" r="${irisR}" fill="url(#iris)"/>
          <circle cx="${ix}" cy="${iy}" r="${irisR * 0.42}" fill="#0b0908"/>
          <circle cx="${ix - irisR * 0.35}" cy="${iy - irisR * 0.4}" r="${Math.max(0.8, irisR * 0.2)}" fill="#fff" fill-opacity="0.9"/>
          ${blob('deep', ex, eyeY - h * 1.2, ew * 1.1, h * 0.9, 0.55)}
          ${blob('shadow', xi, yi, ew * 0.35, h, 0.4)}${blob('shadow', xo, yo, ew * 0.35, h, 0.4)}
        </g>
        <path d="${upper}" fill="none" stroke="${lash}" stroke-width="${2 + w * 0.1}" stroke-linecap="round"/>
        <path d="M ${xo - side * 1} ${yo - 0.3} l ${side * 2.5} ${-1.2}" stroke="${lash}" stroke-width="1.2" stroke-linecap="round"/>
        <path d="M ${at(0.08)} ${eyeY - h * 1.05} C ${at(0.3)} ${eyeY - h * 2.1} ${at(0.75)} ${eyeY - h * 2.05} ${at(1.02)} ${yo - h * 0.7}" fill="none" stroke="${hex(l.shade)}" stroke-width="1.1" stroke-opacity="0.55"/>
        <path d="M ${xo} ${yo} ${lower}" fill="none" stroke="${hex(l.shade)}" stroke-width="0.9" stroke-opacity="0.5"/>
        ${brow}`;
    })
    .join('\n');
}

function nose(l: Layout): string {
  const { noseY, p, pose } = l;
  const nw = p.noseWidth;
  const x = l.fx + pose.turn * 2;
  const nostril = hex(mix(p.skin, [25, 8, 6], 0.72));
  const line = hex(mix(p.skin, SHADOW, 0.6));
  return [-1, 1]
    .map(
      (s) =>
        svg`<ellipse cx="${x + s * nw * 0.42}" cy="${noseY + 0.8}" rx="${nw * 0.26}" ry="${nw * 0.13 + 0.5}" transform="rotate(${s * 18} ${x + s * nw * 0.42} ${noseY + 0.8})" fill="${nostril}" fill-opacity="0.9"/>
        <path d="M ${x + s * nw * 0.45} ${noseY - 6} Q ${x + s * nw * 1.1} ${noseY - 4.5} ${x + s * nw * 0.8} ${noseY + 2.5}" fill="none" stroke="${line}" stroke-width="1.2" stroke-opacity="0.55" stroke-linecap="round"/>`,
    )
    .concat(svg`<path d="M ${x - nw * 0.3} ${noseY + 2.6} Q ${x} ${noseY + 4.2} ${x + nw * 0.3} ${noseY + 2.6}" fill="none" stroke="${line}" stroke-width="1" stroke-opacity="0.35"/>`)
    .join('\n');
}

function mouth(l: Layout): string {
  const { fx: x, mouthY: y, p, pose } = l;
  const e = pose.expression;
  const mw = p.mouthWidth * (e === 'grin' ? 1.15 : e === 'surprised' ? 0.6 : e === 'open' ? 0.85 : 1);
  const uh = 3 * p.lipFullness; // upper lip height
  const lh = 4.2 * p.lipFullness; // lower lip height
  const upperLip = hex(mix(p.lips, SHADOW, 0.22));
  const lowerLip = hex(p.lips);
  const inside = '#3a1214';
  const teeth = '#f1ece2';
  const line = hex(mix(p.lips, BLACK, 0.6));
  const parts: string[] = [];
  if (e === 'smile' || e === 'grin') {
    // The folds from the nose's wings to the corners of a smiling mouth.
    for (const s of [-1, 1]) {
      parts.push(svg`<path d="M ${x + s * p.noseWidth * 1.05} ${l.noseY - 1} Q ${x + s * (mw + 6)} ${y - 8} ${x + s * (mw + 3)} ${y + 4}" fill="none" stroke="${hex(l.shade)}" stroke-width="1.6" stroke-opacity="0.4" stroke-linecap="round"/>`);
    }
  }
  switch (e) {
    case 'open':
    case 'surprised': {
      const oh = e === 'surprised' ? 7 : 5;
      parts.push(
        svg`<ellipse cx="${x}" cy="${y + 2}" rx="${mw * 0.7}" ry="${oh + uh * 0.9}" fill="${lowerLip}"/>`,
        svg`<path d="M ${x - mw * 0.7} ${y + 2} C ${x - mw * 0.6} ${y - oh - uh} ${x + mw * 0.6} ${y - oh - uh} ${x + mw * 0.7} ${y + 2} Z" fill="${upperLip}"/>`,
        svg`<clipPath id="mouth"><ellipse cx="${x}" cy="${y + 2}" rx="${mw * 0.55}" ry="${oh}"/></clipPath>`,
        svg`<ellipse cx="${x}" cy="${y + 2}" rx="${mw * 0.55}" ry="${oh}" fill="${inside}"/>`,
        e === 'open' ? svg`<rect x="${x - mw * 0.5}" y="${y + 2 - oh}" width="${mw}" height="${oh * 0.55}" fill="${teeth}" clip-path="url(#mouth)"/>` : '',
        blob('glow', x, y + oh + uh * 0.5, mw * 0.3, 1.6, 0.4),
      );
      break;
    }
    case 'grin': {
      const outer = svg`M ${x - mw} ${y} Q ${x} ${y - 3} ${x + mw} ${y} Q ${x} ${y + 18} ${x - mw} ${y} Z`;
      parts.push(
        svg`<path d="M ${x - mw - 1} ${y} Q ${x} ${y - 3 - uh * 1.6} ${x + mw + 1} ${y} Q ${x} ${y + 18 + lh} ${x - mw - 1} ${y} Z" fill="${lowerLip}"/>`,
        svg`<path d="M ${x - mw - 1} ${y} Q ${x} ${y - 3 - uh * 1.6} ${x + mw + 1} ${y} Q ${x} ${y - 1} ${x - mw - 1} ${y} Z" fill="${upperLip}"/>`,
        svg`<clipPath id="mouth"><path d="${outer}"/></clipPath>`,
        svg`<path d="${outer}" fill="${inside}"/>`,
        svg`<g clip-path="url(#mouth)"><path d="M ${x - mw} ${y - 3} L ${x + mw} ${y - 3} L ${x + mw} ${y + 1} Q ${x} ${y + 9} ${x - mw} ${y + 1} Z" fill="${teeth}"/>
          ${blob('deep', x - mw, y + 1, mw * 0.35, 6, 0.8)}${blob('deep', x + mw, y + 1, mw * 0.35, 6, 0.8)}</g>`,
        blob('glow', x, y + 14 + lh * 0.5, mw * 0.35, 1.6, 0.4),
      );
      break;
    }
    default: {
      const bend = e === 'smile' ? 5 : e === 'frown' ? -3 : 1;
      const lift = e === 'smile' ? 2.5 : e === 'frown' ? -1.5 : 0;
      const L = [x - mw, y - lift] as const;
      const R = [x + mw, y - lift] as const;
      const upper = svg`M ${L[0]} ${L[1]} C ${x - mw * 0.6} ${y - uh * 0.9} ${x - mw * 0.3} ${y - uh * 1.25} ${x} ${y - uh * 0.75} C ${x + mw * 0.3} ${y - uh * 1.25} ${x + mw * 0.6} ${y - uh * 0.9} ${R[0]} ${R[1]} Q ${x} ${y + bend} ${L[0]} ${L[1]} Z`;
      const lower = svg`M ${L[0]} ${L[1]} Q ${x} ${y + bend} ${R[0]} ${R[1]} C ${x + mw * 0.6} ${y + bend * 0.5 + lh * 1.45} ${x - mw * 0.6} ${y + bend * 0.5 + lh * 1.45} ${L[0]} ${L[1]} Z`;
      parts.push(
        svg`<path d="${lower}" fill="${lowerLip}"/>`,
        svg`<path d="${upper}" fill="${upperLip}"/>`,
        svg`<path d="M ${L[0] - 1} ${L[1]} Q ${x} ${y + bend} ${R[0] + 1} ${R[1]}" fill="none" stroke="${line}" stroke-width="1.4" stroke-linecap="round"/>`,
        blob('glow', x, y + bend * 0.5 + lh * 0.6, mw * 0.35, 1.6, 0.45),
      );
    }
  }
  return parts.join('\n');
}

function beard(l: Layout): string {
  if (!l.p.beard) return '';
  const { cx, cy, rx, ry, jawX, mouthY, fx, p } = l;
  const colour = hex(mix(p.hair, p.skin, 0.3));
  const mw = p.mouthWidth;
  // Along the jaw from ear to ear and round the mouth, leaving the cheeks bare; it fades in from the
  // sideburns, as stubble does.
  return svg`<linearGradient id="beard" x1="0" y1="0" x2="0" y2="1">
      <stop offset="0" stop-color="${colour}" stop-opacity="0.25"/><stop offset="0.4" stop-color="${colour}" stop-opacity="0.8"/><stop offset="1" stop-color="${colour}" stop-opacity="0.9"/>
    </linearGradient>
    <path d="M ${cx - rx + 1} ${cy + 6} C ${cx - rx} ${cy + ry * 0.75} ${cx - jawX * 0.6} ${cy + ry + 5} ${cx} ${cy + ry + 5}
      C ${cx + jawX * 0.6} ${cy + ry + 5} ${cx + rx} ${cy + ry * 0.75} ${cx + rx - 1} ${cy + 6}
      L ${cx + rx - 7} ${cy + 6} Q ${cx + rx * 0.7} ${mouthY - 4} ${fx + mw + 5} ${mouthY}
      Q ${fx} ${mouthY + 17 + 4 * p.lipFullness} ${fx - mw - 5} ${mouthY} Q ${cx - rx * 0.7} ${mouthY - 4} ${cx - rx + 7} ${cy + 6} Z" fill="url(#beard)"/>
    <path d="M ${fx - mw - 4} ${mouthY + 2} Q ${fx} ${mouthY - 13} ${fx + mw + 4} ${mouthY + 2} Q ${fx} ${mouthY - 5} ${fx - mw - 4} ${mouthY + 2} Z" fill="${colour}" fill-opacity="0.8"/>`;
}

function glasses(l: Layout): string {
  if (!l.p.glasses) return '';
  const { fx, eyeY, p } = l;
  const w = p.eyeSize + 5;
  const h = p.eyeSize * 0.75 + 4;
  const lens = (x: number) =>
    svg`<rect x="${x - w}" y="${eyeY - h}" width="${w * 2}" height="${h * 2}" rx="${h * 0.7}" fill="#fff" fill-opacity="0.06"/>
      <path d="M ${x - w * 0.6} ${eyeY + h * 0.4} L ${x - w * 0.1} ${eyeY - h * 0.7}" stroke="#fff" stroke-width="3" stroke-opacity="0.18"/>`;
  const left = fx - p.eyeSpacing;
  const right = fx + p.eyeSpacing;
  return svg`${lens(left)}${lens(right)}<g fill="none" stroke="${hex(p.frames)}" stroke-width="2">
      <rect x="${left - w}" y="${eyeY - h}" width="${w * 2}" height="${h * 2}" rx="${h * 0.7}"/>
      <rect x="${right - w}" y="${eyeY - h}" width="${w * 2}" height="${h * 2}" rx="${h * 0.7}"/>
      <path d="M ${left + w} ${eyeY - 2} Q ${fx} ${eyeY - 6} ${right - w} ${eyeY - 2}"/>
      <path d="M ${left - w} ${eyeY - 2} L ${l.cx - l.rx} ${eyeY}"/><path d="M ${right + w} ${eyeY - 2} L ${l.cx + l.rx} ${eyeY}"/>
    </g>`;
}
