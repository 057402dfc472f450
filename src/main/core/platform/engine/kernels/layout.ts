// Memory layout shuffles the gradient kernels need, as plain loops over Float32Array views.

/**
 * [N,H,W,C] → [C, rows, cols, N] keeping only rows [row0,row0+rows) and cols [col0,col0+cols):
 * the batch becomes the channel dimension (the input of the filter-gradient convolution).
 */
export function nhwcToCropCHWN(
  src: Float32Array, n: number, h: number, w: number, c: number,
  row0: number, rows: number, col0: number, cols: number, dst: Float32Array,
): void {
  const planeStride = rows * cols * n; // one channel in dst
  for (let r = 0; r < rows; r++) {
    for (let q = 0; q < cols; q++) {
      const pixel = ((r * cols + q) * n);
      for (let b = 0; b < n; b++) {
        const s = ((b * h + r + row0) * w + q + col0) * c;
        const d = pixel + b;
        for (let ch = 0; ch < c; ch++) dst[ch * planeStride + d] = src[s + ch]!;
      }
    }
  }
}

/**
 * Filter [KH,KW,I,O] → rotated [KH,KW,O,I] with rot[a,b,o,i] = w[KH-1-a, KW-1-b, i, o]:
 * the filter whose forward convolution is the input gradient.
 */
export function rotateFilter(
  src: Float32Array, kh: number, kw: number, inC: number, outC: number, dst: Float32Array,
): void {
  for (let a = 0; a < kh; a++) {
    for (let b = 0; b < kw; b++) {
      const s0 = ((kh - 1 - a) * kw + (kw - 1 - b)) * inC * outC;
      const d0 = (a * kw + b) * outC * inC;
      for (let i = 0; i < inC; i++) {
        for (let o = 0; o < outC; o++) dst[d0 + o * inC + i] = src[s0 + i * outC + o]!;
      }
    }
  }
}

/**
 * dy [N,OH,OW,C] → [N, rows, cols, C], where full-size row r*sh of the zero-dilated tensor holds dy
 * row r and the rest is zero; only rows [row0,row0+rows) × cols [col0,col0+cols) of the dilated
 * tensor are written (dst must be zero-filled by the caller when strides > 1).
 */
export function dilateCrop(
  src: Float32Array, n: number, oh: number, ow: number, c: number, sh: number, sw: number,
  row0: number, rows: number, col0: number, cols: number, dst: Float32Array,
): void {
  for (let b = 0; b < n; b++) {
    for (let r = 0; r < oh; r++) {
      const dr = r * sh - row0;
      if (dr < 0 || dr >= rows) continue;
      for (let q = 0; q < ow; q++) {
        const dq = q * sw - col0;
        if (dq < 0 || dq >= cols) continue;
        let s = ((b * oh + r) * ow + q) * c;
        let t = ((b * rows + dr) * cols + dq) * c;
        for (let e = 0; e < c; e++) dst[t++] = src[s++]!;
      }
    }
  }
}
