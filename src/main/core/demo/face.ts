// Procedural faces for the demo data set: a person (identity) is a fixed set of traits, each photo of
// them adds a small pose / expression / lighting variation, and the result is an SVG for sharp to render.
import { intBetween, pick, uniform, type Random } from './random.js';

type Rgb = readonly [number, number, number];

const HAIR_STYLES = ['short', 'long', 'bald', 'curly', 'bun', 'side-part', 'buzz'] as const;
type HairStyle = (typeof HAIR_STYLES)[number];
const EXPRESSIONS = ['neutral', 'smile', 'grin', 'open', 'frown', 'surprised'] as const;
type Expression = (typeof EXPRESSIONS)[number];

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
  browWeight: number;
  noseLength: number;
  noseWidth: number;
  mouthWidth: number;
  glasses: boolean;
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
    headRx: uniform(rand, 46, 58),
    headRy: uniform(rand, 62, 74),
    jaw: rand(),
    eyeSpacing: uniform(rand, 18, 25),
    eyeSize: uniform(rand, 8, 11),
    eyeHeight: uniform(rand, -0.12, 0.04),
    browWeight: uniform(rand, 2.5, 5.5),
    noseLength: uniform(rand, 0.24, 0.38),
    noseWidth: uniform(rand, 5, 9),
    mouthWidth: uniform(rand, 13, 21),
    glasses: rand() < 0.2,
    beard: rand() < 0.2,
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
    expression: pick(rand, EXPRESSIONS),
    gazeX: uniform(rand, -2, 2),
    gazeY: uniform(rand, -1, 1),
    lightAngle: intBetween(rand, 0, 359),
    lightStrength: uniform(rand, 0.05, 0.2),
    exposure: uniform(rand, -1, 1),
  };
}

/** The face, drawn in a 256×256 view box and rendered at `size` pixels. */
export function faceSvg(p: Identity, pose: Pose, size: number): string {
  const cx = 128;
  const cy = 116;
  const { headRx: rx, headRy: ry } = p;
  const skin = hex(p.skin);
  const skinShade = hex(mix(p.skin, BLACK, 0.22));
  const skinLine = hex(mix(p.skin, BLACK, 0.45));
  const skinLight = hex(mix(p.skin, WHITE, 0.18));
  const hair = hex(p.hair);
  const eyeY = cy + ry * p.eyeHeight;
  const noseY = eyeY + ry * p.noseLength + 6;
  const mouthY = noseY + (cy + ry - noseY) * 0.45;

  // The head outline: round top, jaw between an oval and a square chin.
  const jawX = rx * (0.55 + 0.3 * p.jaw);
  const head = [
    `M ${cx - rx} ${cy - 4}`,
    `C ${cx - rx} ${cy - ry * 1.35} ${cx + rx} ${cy - ry * 1.35} ${cx + rx} ${cy - 4}`,
    `C ${cx + rx} ${cy + ry * 0.55} ${cx + jawX} ${cy + ry} ${cx} ${cy + ry}`,
    `C ${cx - jawX} ${cy + ry} ${cx - rx} ${cy + ry * 0.55} ${cx - rx} ${cy - 4} Z`,
  ].join(' ');

  const hairline = cy - ry * 0.5;
  const cap = `M ${cx - rx - 3} ${cy - 2} C ${cx - rx - 6} ${cy - ry * 1.5} ${cx + rx + 6} ${cy - ry * 1.5} ${cx + rx + 3} ${cy - 2}
    C ${cx + rx * 0.9} ${hairline - 4} ${cx + rx * 0.5} ${hairline} ${cx} ${hairline + 2}
    C ${cx - rx * 0.5} ${hairline} ${cx - rx * 0.9} ${hairline - 4} ${cx - rx - 3} ${cy - 2} Z`;
  const back: string[] = [];
  const front: string[] = [];
  switch (p.hairStyle) {
    case 'short':
      front.push(`<path d="${cap}" fill="${hair}"/>`);
      break;
    case 'long':
      back.push(`<path d="M ${cx - rx - 10} ${cy - 10} C ${cx - rx - 16} ${cy - ry * 1.5} ${cx + rx + 16} ${cy - ry * 1.5} ${cx + rx + 10} ${cy - 10}
        L ${cx + rx + 14} ${cy + ry + 30} Q ${cx} ${cy + ry + 40} ${cx - rx - 14} ${cy + ry + 30} Z" fill="${hair}"/>`);
      front.push(`<path d="${cap}" fill="${hair}"/>`);
      break;
    case 'bald':
      front.push(
        `<path d="M ${cx - rx - 2} ${cy + 2} Q ${cx - rx - 4} ${cy - ry * 0.45} ${cx - rx * 0.7} ${cy - ry * 0.7} L ${cx - rx * 0.75} ${cy - ry * 0.3} Z" fill="${hair}"/>`,
        `<path d="M ${cx + rx + 2} ${cy + 2} Q ${cx + rx + 4} ${cy - ry * 0.45} ${cx + rx * 0.7} ${cy - ry * 0.7} L ${cx + rx * 0.75} ${cy - ry * 0.3} Z" fill="${hair}"/>`,
      );
      break;
    case 'curly':
      for (let i = 0; i <= 12; i++) {
        const a = Math.PI * (0.95 + (1.1 * i) / 12);
        back.push(
          `<circle cx="${cx + Math.cos(a) * (rx + 6)}" cy="${cy - 10 + Math.sin(a) * (ry + 8)}" r="${14 + (i % 3) * 2}" fill="${hair}"/>`,
        );
      }
      front.push(`<path d="${cap}" fill="${hair}"/>`);
      break;
    case 'bun':
      back.push(`<circle cx="${cx}" cy="${cy - ry - 14}" r="20" fill="${hair}"/>`);
      front.push(`<path d="${cap}" fill="${hair}"/>`);
      break;
    case 'side-part':
      front.push(
        `<path d="${cap}" fill="${hair}"/>`,
        `<path d="M ${cx - rx - 3} ${cy - 2} Q ${cx - rx * 0.6} ${hairline + 20} ${cx + rx * 0.2} ${hairline - 2} L ${cx - rx * 0.2} ${hairline - 10} Z" fill="${hair}"/>`,
      );
      break;
    case 'buzz':
      front.push(`<path d="${cap}" fill="${hair}" opacity="0.55"/>`);
      break;
  }

  const e = pose.expression;
  const eyeRy = p.eyeSize * (e === 'surprised' ? 0.72 : e === 'grin' ? 0.42 : 0.55);
  const eyes = [-1, 1]
    .map((side, i) => {
      const ex = cx + side * p.eyeSpacing;
      const irisR = Math.min(eyeRy * 1.05, p.eyeSize * 0.55);
      const browY = eyeY - 12 - (e === 'surprised' ? 5 : 0) + (e === 'frown' ? 2 : 0);
      const tilt = e === 'frown' ? -3 * side : 0;
      return `<clipPath id="eye${i}"><ellipse cx="${ex}" cy="${eyeY}" rx="${p.eyeSize}" ry="${eyeRy}"/></clipPath>
        <ellipse cx="${ex}" cy="${eyeY}" rx="${p.eyeSize}" ry="${eyeRy}" fill="#f4f1ea"/>
        <g clip-path="url(#eye${i})">
          <circle cx="${ex + pose.gazeX}" cy="${eyeY + pose.gazeY}" r="${irisR}" fill="${hex(p.iris)}"/>
          <circle cx="${ex + pose.gazeX}" cy="${eyeY + pose.gazeY}" r="${irisR * 0.5}" fill="#111"/>
          <circle cx="${ex + pose.gazeX + 1.5}" cy="${eyeY + pose.gazeY - 1.5}" r="1.2" fill="#fff"/>
        </g>
        <path d="M ${ex - p.eyeSize - 1} ${eyeY} Q ${ex} ${eyeY - eyeRy * 2.1} ${ex + p.eyeSize + 1} ${eyeY}" fill="none" stroke="#2a1c16" stroke-width="1.6"/>
        <path d="M ${ex - 12} ${browY + 2 - tilt} Q ${ex} ${browY - 4} ${ex + 12} ${browY + 2 + tilt}" fill="none" stroke="${hex(mix(p.hair, BLACK, 0.3))}" stroke-width="${p.browWeight}" stroke-linecap="round"/>`;
    })
    .join('\n');

  const nw = p.noseWidth;
  const nose = `<path d="M ${cx - 2} ${eyeY + 6} Q ${cx - nw * 0.6} ${noseY - 6} ${cx - nw} ${noseY} Q ${cx} ${noseY + 5} ${cx + nw} ${noseY}"
      fill="none" stroke="${skinLine}" stroke-width="2" stroke-linecap="round"/>
    <ellipse cx="${cx - nw * 0.45}" cy="${noseY + 0.5}" rx="1.8" ry="1.1" fill="${skinLine}"/>
    <ellipse cx="${cx + nw * 0.45}" cy="${noseY + 0.5}" rx="1.8" ry="1.1" fill="${skinLine}"/>`;

  const mw = p.mouthWidth * (e === 'grin' ? 1.15 : e === 'surprised' ? 0.55 : 1);
  const lips = hex(p.lips);
  let mouth: string;
  switch (e) {
    case 'open':
    case 'surprised':
      mouth = `<ellipse cx="${cx}" cy="${mouthY + 2}" rx="${mw * 0.6}" ry="${e === 'surprised' ? 7 : 5}" fill="#4a1418" stroke="${lips}" stroke-width="3"/>`;
      break;
    case 'grin':
      mouth = `<path d="M ${cx - mw} ${mouthY} Q ${cx} ${mouthY + 16} ${cx + mw} ${mouthY} Z" fill="#fbf7ef" stroke="${lips}" stroke-width="3" stroke-linejoin="round"/>`;
      break;
    default: {
      const curve = e === 'smile' ? 8 : e === 'frown' ? -5 : 1.5;
      mouth = `<path d="M ${cx - mw} ${mouthY} Q ${cx} ${mouthY + curve} ${cx + mw} ${mouthY}" fill="none" stroke="${lips}" stroke-width="4" stroke-linecap="round"/>
        <path d="M ${cx - mw * 0.6} ${mouthY + curve * 0.5 + 3} Q ${cx} ${mouthY + curve * 0.5 + 6} ${cx + mw * 0.6} ${mouthY + curve * 0.5 + 3}" fill="none" stroke="${lips}" stroke-width="2" opacity="0.6" stroke-linecap="round"/>`;
    }
  }

  const beard = p.beard
    ? `<path d="M ${cx - rx + 2} ${cy + 10} C ${cx - rx} ${cy + ry * 0.75} ${cx - jawX * 0.6} ${cy + ry + 6} ${cx} ${cy + ry + 6}
        C ${cx + jawX * 0.6} ${cy + ry + 6} ${cx + rx} ${cy + ry * 0.75} ${cx + rx - 2} ${cy + 10}
        Q ${cx + rx * 0.6} ${mouthY - 8} ${cx} ${mouthY - 9} Q ${cx - rx * 0.6} ${mouthY - 8} ${cx - rx + 2} ${cy + 10} Z"
        fill="${hex(mix(p.hair, p.skin, 0.25))}" opacity="0.85"/>`
    : '';
  const glasses = p.glasses
    ? `<g fill="none" stroke="#1d1d1f" stroke-width="2.2">
        <circle cx="${cx - p.eyeSpacing}" cy="${eyeY}" r="${p.eyeSize + 4}"/>
        <circle cx="${cx + p.eyeSpacing}" cy="${eyeY}" r="${p.eyeSize + 4}"/>
        <path d="M ${cx - p.eyeSpacing + p.eyeSize + 4} ${eyeY} Q ${cx} ${eyeY - 4} ${cx + p.eyeSpacing - p.eyeSize - 4} ${eyeY}"/>
      </g>`
    : '';

  const la = (pose.lightAngle * Math.PI) / 180;
  const lx = 0.5 + 0.5 * Math.cos(la);
  const ly = 0.5 + 0.5 * Math.sin(la);
  const exposure =
    pose.exposure >= 0
      ? `<rect width="256" height="256" fill="#fff" opacity="${(pose.exposure * 0.12).toFixed(3)}"/>`
      : `<rect width="256" height="256" fill="#000" opacity="${(-pose.exposure * 0.15).toFixed(3)}"/>`;

  return `<svg xmlns="http://www.w3.org/2000/svg" width="${size}" height="${size}" viewBox="0 0 256 256">
  <defs>
    <linearGradient id="bg" x1="0" y1="0" x2="0" y2="1">
      <stop offset="0" stop-color="${hex(p.background)}"/><stop offset="1" stop-color="${hex(p.background2)}"/>
    </linearGradient>
    <radialGradient id="skin" cx="0.45" cy="0.4" r="0.65">
      <stop offset="0" stop-color="${skinLight}"/><stop offset="0.75" stop-color="${skin}"/><stop offset="1" stop-color="${skinShade}"/>
    </radialGradient>
    <linearGradient id="light" x1="${lx}" y1="${ly}" x2="${1 - lx}" y2="${1 - ly}">
      <stop offset="0" stop-color="#fff" stop-opacity="${pose.lightStrength.toFixed(3)}"/>
      <stop offset="1" stop-color="#000" stop-opacity="${pose.lightStrength.toFixed(3)}"/>
    </linearGradient>
  </defs>
  <rect width="256" height="256" fill="url(#bg)"/>
  <g transform="translate(${pose.dx.toFixed(2)} ${pose.dy.toFixed(2)}) rotate(${pose.angle.toFixed(2)} 128 150) translate(128 150) scale(${pose.scale.toFixed(3)}) translate(-128 -150)">
    ${back.join('\n')}
    <path d="M ${cx - rx * 0.38} ${cy + ry * 0.6} L ${cx - rx * 0.4} ${cy + ry + 40} L ${cx + rx * 0.4} ${cy + ry + 40} L ${cx + rx * 0.38} ${cy + ry * 0.6} Z" fill="${skinShade}"/>
    <path d="M 10 270 C 14 ${cy + ry + 30} 60 ${cy + ry + 18} ${cx - rx * 0.4} ${cy + ry + 14} Q ${cx} ${cy + ry + 32} ${cx + rx * 0.4} ${cy + ry + 14}
      C 196 ${cy + ry + 18} 242 ${cy + ry + 30} 246 270 Z" fill="${hex(p.shirt)}"/>
    <ellipse cx="${cx - rx + 1}" cy="${eyeY + 8}" rx="7" ry="12" fill="${skinShade}"/>
    <ellipse cx="${cx + rx - 1}" cy="${eyeY + 8}" rx="7" ry="12" fill="${skinShade}"/>
    <path d="${head}" fill="url(#skin)"/>
    ${beard}
    ${front.join('\n')}
    ${eyes}
    ${nose}
    ${mouth}
    ${glasses}
  </g>
  <rect width="256" height="256" fill="url(#light)"/>
  ${exposure}
</svg>`;
}
