// The app's Content-Security-Policy, one policy for both faces: the desktop window (facet-app:// with
// images from facet-media://) and browser mode (http://127.0.0.1 with the API's WebSocket).

export interface CspSources {
  /** Extra image sources beyond 'self' data: blob: (the desktop's facet-media:). */
  images?: string[];
  /** Extra connect sources beyond 'self' (browser mode's WebSocket). */
  connect?: string[];
}

export function contentSecurityPolicy(sources: CspSources = {}): string {
  return [
    "default-src 'self'",
    "script-src 'self'",
    ['img-src', "'self'", 'data:', 'blob:', ...(sources.images ?? [])].join(' '),
    "style-src 'self' 'unsafe-inline'",
    ['connect-src', "'self'", ...(sources.connect ?? [])].join(' '),
    "object-src 'none'",
    "frame-ancestors 'none'",
    "base-uri 'none'",
    "form-action 'none'",
  ].join('; ');
}
