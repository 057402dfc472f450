// One XNNPACK forward convolution with explicit, non-negative pads: the building block of both
// convolution gradients.
import type { TensorInfo } from '@tensorflow/tfjs';
import { allocate, tensorId, type WasmBackend } from './wasm-backend.js';

export interface ConvGeometry {
  padTop: number;
  padBottom: number;
  padLeft: number;
  padRight: number;
  strideHeight: number;
  strideWidth: number;
  dilationHeight: number;
  dilationWidth: number;
}

/** y = conv2d(x [B,H,W,C], filter [FH,FW,C,O]) in NHWC; returns a new tensor the caller owns. */
export function xnnConv2d(
  backend: WasmBackend, x: TensorInfo, filter: TensorInfo, g: ConvGeometry,
): TensorInfo {
  const [batch, inH, inW, inC] = x.shape as [number, number, number, number];
  const [fh, fw, fc, outC] = filter.shape as [number, number, number, number];
  if (fc !== inC) throw new Error(`xnnConv2d: filter depth ${fc} does not match input depth ${inC}.`);
  if (Math.min(g.padTop, g.padBottom, g.padLeft, g.padRight) < 0) {
    throw new Error('xnnConv2d: negative padding must be turned into cropping by the caller.');
  }
  const effH = (fh - 1) * g.dilationHeight + 1;
  const effW = (fw - 1) * g.dilationWidth + 1;
  const outH = Math.floor((inH + g.padTop + g.padBottom - effH) / g.strideHeight) + 1;
  const outW = Math.floor((inW + g.padLeft + g.padRight - effW) / g.strideWidth) + 1;
  const out = allocate(backend, [batch, outH, outW, outC]);
  backend.wasm._Conv2D(
    tensorId(backend, x), batch, inH, inW,
    tensorId(backend, filter), fh, fw,
    g.padTop, g.padRight, g.padBottom, g.padLeft, 0,
    g.dilationHeight, g.dilationWidth, g.strideHeight, g.strideWidth,
    inC, outC, tensorId(backend, out),
  );
  return out;
}
