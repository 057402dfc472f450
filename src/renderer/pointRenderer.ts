// Draws the map's points with WebGL: one buffer of positions, one of colours, one of selection
// flags, and a single draw call per picture; panning and zooming only change uniforms. (20,000
// points cost a GPU next to nothing, but ~25 ms on SwiftShader: see pictureTransform.) Written
// here rather than taken from a library because the WebGL scatter libraries we tried compile their
// draw code with `new Function`, which the app's Content-Security-Policy (no 'unsafe-eval') forbids.
import { pixelsPerUnit, type CanvasFrame, type View } from './mapGeometry.js';

const VERTEX = `
attribute vec2 a_pos;
attribute vec4 a_colour;
attribute float a_selected;
uniform vec2 u_centre;
uniform vec2 u_scale;
uniform float u_size;
uniform vec4 u_accent;
varying vec4 v_colour;
varying float v_size;
void main() {
  gl_Position = vec4((a_pos - u_centre) * u_scale, 0.0, 1.0);
  v_size = u_size + a_selected * 3.0;
  gl_PointSize = v_size;
  v_colour = mix(a_colour, u_accent, a_selected * 0.8);
}`;

const FRAGMENT = `
precision mediump float;
varying vec4 v_colour;
varying float v_size;
void main() {
  // A round dot with a soft one-pixel edge.
  float d = length(gl_PointCoord - 0.5) * v_size;
  float alpha = clamp(v_size * 0.5 - d + 0.5, 0.0, 1.0);
  if (alpha <= 0.0) discard;
  gl_FragColor = vec4(v_colour.rgb, v_colour.a * alpha);
}`;

export function parseColour(hex: string): [number, number, number] {
  const h = hex.trim().replace('#', '');
  const full = h.length === 3 ? [...h].map((c) => c + c).join('') : h.slice(0, 6);
  const v = Number.parseInt(full, 16);
  return Number.isNaN(v) ? [128, 128, 128] : [(v >> 16) & 255, (v >> 8) & 255, v & 255];
}

export class PointRenderer {
  private readonly gl: WebGLRenderingContext;
  private readonly program: WebGLProgram;
  private readonly buffers: { pos: WebGLBuffer; colour: WebGLBuffer; selected: WebGLBuffer };
  private readonly loc: { pos: number; colour: number; selected: number; centre: WebGLUniformLocation; scale: WebGLUniformLocation; size: WebGLUniformLocation; accent: WebGLUniformLocation };
  private count = 0;
  private accent: [number, number, number, number] = [1, 0.66, 0, 1];

  /** Throws when the browser offers no WebGL (the view then says so). */
  constructor(private readonly canvas: HTMLCanvasElement) {
    const gl = canvas.getContext('webgl', { antialias: false, alpha: true, premultipliedAlpha: false, preserveDrawingBuffer: false });
    if (!gl) throw new Error('WebGL is not available');
    this.gl = gl;
    const shader = (type: number, source: string) => {
      const s = gl.createShader(type)!;
      gl.shaderSource(s, source);
      gl.compileShader(s);
      if (!gl.getShaderParameter(s, gl.COMPILE_STATUS)) throw new Error(gl.getShaderInfoLog(s) ?? 'shader');
      return s;
    };
    const program = gl.createProgram()!;
    gl.attachShader(program, shader(gl.VERTEX_SHADER, VERTEX));
    gl.attachShader(program, shader(gl.FRAGMENT_SHADER, FRAGMENT));
    gl.linkProgram(program);
    if (!gl.getProgramParameter(program, gl.LINK_STATUS)) throw new Error(gl.getProgramInfoLog(program) ?? 'program');
    this.program = program;
    this.buffers = { pos: gl.createBuffer()!, colour: gl.createBuffer()!, selected: gl.createBuffer()! };
    this.loc = {
      pos: gl.getAttribLocation(program, 'a_pos'),
      colour: gl.getAttribLocation(program, 'a_colour'),
      selected: gl.getAttribLocation(program, 'a_selected'),
      centre: gl.getUniformLocation(program, 'u_centre')!,
      scale: gl.getUniformLocation(program, 'u_scale')!,
      size: gl.getUniformLocation(program, 'u_size')!,
      accent: gl.getUniformLocation(program, 'u_accent')!,
    };
  }

  setPositions(xs: Float32Array, ys: Float32Array): void {
    const gl = this.gl;
    const n = xs.length;
    const data = new Float32Array(2 * n);
    for (let i = 0; i < n; i++) {
      data[2 * i] = xs[i]!;
      data[2 * i + 1] = ys[i]!;
    }
    gl.bindBuffer(gl.ARRAY_BUFFER, this.buffers.pos);
    gl.bufferData(gl.ARRAY_BUFFER, data, gl.STATIC_DRAW);
    this.count = n;
    this.setSelection([]);
  }

  /** One RGBA per point from its category and the palette (hex colours). */
  setColours(category: Uint16Array, palette: readonly string[]): void {
    const gl = this.gl;
    const rgb = palette.map(parseColour);
    const data = new Uint8Array(4 * category.length);
    for (let i = 0; i < category.length; i++) {
      const c = rgb[category[i]!] ?? [128, 128, 128];
      data[4 * i] = c[0];
      data[4 * i + 1] = c[1];
      data[4 * i + 2] = c[2];
      data[4 * i + 3] = 235;
    }
    gl.bindBuffer(gl.ARRAY_BUFFER, this.buffers.colour);
    gl.bufferData(gl.ARRAY_BUFFER, data, gl.DYNAMIC_DRAW);
  }

  setSelection(indices: readonly number[]): void {
    const gl = this.gl;
    const data = new Float32Array(this.count);
    for (const i of indices) if (i < this.count) data[i] = 1;
    gl.bindBuffer(gl.ARRAY_BUFFER, this.buffers.selected);
    gl.bufferData(gl.ARRAY_BUFFER, data, gl.DYNAMIC_DRAW);
  }

  setAccent(hex: string): void {
    const [r, g, b] = parseColour(hex);
    this.accent = [r / 255, g / 255, b / 255, 1];
  }

  /** The largest canvas side, in device pixels, this context can draw to. */
  maxSide(): number {
    const gl = this.gl;
    const dims = gl.getParameter(gl.MAX_VIEWPORT_DIMS) as Int32Array;
    return Math.min(dims[0]!, dims[1]!, gl.getParameter(gl.MAX_RENDERBUFFER_SIZE) as number);
  }

  /** Draws every point once for this view; the canvas covers `frame` (its box and margins) in CSS pixels. */
  draw(view: View, frame: CanvasFrame, pointSize: number): void {
    const gl = this.gl;
    const cssWidth = frame.width + 2 * frame.marginX;
    const cssHeight = frame.height + 2 * frame.marginY;
    const dpr = this.canvas.width / Math.max(1, cssWidth);
    gl.viewport(0, 0, this.canvas.width, this.canvas.height);
    gl.clearColor(0, 0, 0, 0);
    gl.clear(gl.COLOR_BUFFER_BIT);
    if (this.count === 0) return;
    gl.useProgram(this.program);
    gl.enable(gl.BLEND);
    gl.blendFunc(gl.SRC_ALPHA, gl.ONE_MINUS_SRC_ALPHA);
    const k = pixelsPerUnit(view, frame.width, frame.height);
    gl.uniform2f(this.loc.centre, view.cx, view.cy);
    gl.uniform2f(this.loc.scale, (2 * k) / cssWidth, (2 * k) / cssHeight);
    gl.uniform1f(this.loc.size, pointSize * dpr);
    gl.uniform4fv(this.loc.accent, this.accent);
    const attach = (buffer: WebGLBuffer, location: number, size: number, type: number, normalized: boolean) => {
      gl.bindBuffer(gl.ARRAY_BUFFER, buffer);
      gl.enableVertexAttribArray(location);
      gl.vertexAttribPointer(location, size, type, normalized, 0, 0);
    };
    attach(this.buffers.pos, this.loc.pos, 2, gl.FLOAT, false);
    attach(this.buffers.colour, this.loc.colour, 4, gl.UNSIGNED_BYTE, true);
    attach(this.buffers.selected, this.loc.selected, 1, gl.FLOAT, false);
    gl.drawArrays(gl.POINTS, 0, this.count);
  }

  dispose(): void {
    const gl = this.gl;
    gl.deleteBuffer(this.buffers.pos);
    gl.deleteBuffer(this.buffers.colour);
    gl.deleteBuffer(this.buffers.selected);
    gl.deleteProgram(this.program);
  }
}
