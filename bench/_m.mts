import { measureFile, rgbPixels } from '../src/main/core/quality/health/read.js';
import { measure } from '../src/main/core/quality/health/metrics.js';
import { jpeg, scene, thumbnail } from '../test/main/core/quality/health/synthetic.js';
const thumbs = await Promise.all(Array.from({ length: 50 }, async (_, i) => thumbnail(await jpeg(scene(i)))));
for (let r = 0; r < 2; r++) {
  let c = process.cpuUsage(); for (const t of thumbs) await rgbPixels(t); let u = process.cpuUsage(c); console.log('decode ms/img', (u.user + u.system) / 1000 / 50);
  const px = await Promise.all(thumbs.map(rgbPixels));
  c = process.cpuUsage(); for (const p of px) measure(p); u = process.cpuUsage(c); console.log('measure ms/img', (u.user + u.system) / 1000 / 50);
}
