// Imported first by main.ts: zod compiles object parsers with `new Function` unless told not to,
// and the app's Content-Security-Policy forbids eval (the attempt alone logs a CSP error).
import { z } from 'zod';

z.config({ jitless: true });
