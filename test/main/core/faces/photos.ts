// Real photographs for the face tests and bench: the group photos @vladmandic/face-api ships in its
// demo/ folder, read from node_modules at run time (never copied into the repository), and a small
// class-folder data set of face crops made from them in a temp folder.
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import sharp from 'sharp';
import { createFaceAnalyzer, decodeUpright, type AnalysedFace } from '../../../../src/main/core/faces/analyzer.js';
import { faceCropRect } from '../../../../src/main/core/faces/crop.js';

const require = createRequire(import.meta.url);

export const DEMO_DIR = path.join(path.dirname(require.resolve('@vladmandic/face-api/package.json')), 'demo');

/** Faces per sample photo found by SSD-MobileNet at min score 0.5 (22 in all). */
export const EXPECTED_FACES: Record<string, number> = {
  'sample1.jpg': 3,
  'sample2.jpg': 3,
  'sample3.jpg': 3,
  'sample4.jpg': 4,
  'sample5.jpg': 5,
  'sample6.jpg': 4,
};

export function samplePhotos(): string[] {
  return Object.keys(EXPECTED_FACES).map((f) => path.join(DEMO_DIR, f));
}

export interface PeopleDataset {
  root: string;
  classes: string[];
  perClass: number;
}

/**
 * One class per person (the most confident faces of the sample photos), each with `perClass`
 * variants of that person's crop: margins, mirror, brightness, scale and JPEG quality differ. All
 * variants of a person come from the same photo.
 */
export async function writePeopleDataset(root: string, people = 4, perClass = 8): Promise<PeopleDataset> {
  const analyzer = await createFaceAnalyzer();
  const found: { photo: string; face: AnalysedFace; width: number; height: number }[] = [];
  for (const photo of samplePhotos()) {
    const a = await analyzer.analyse(await decodeUpright(photo));
    // Two people per photo at most, so classes come from different pictures.
    for (const face of a.faces.slice(0, 2)) found.push({ photo, face, width: a.width, height: a.height });
    if (found.length >= people) break;
  }
  const classes: string[] = [];
  for (let p = 0; p < Math.min(people, found.length); p++) {
    const { photo, face, width, height } = found[p]!;
    const name = `person${p + 1}`;
    classes.push(name);
    fs.mkdirSync(path.join(root, name), { recursive: true });
    for (let v = 0; v < perClass; v++) {
      const margin = 0.3 + 0.1 * (v % 5);
      const rect = faceCropRect(face.box, width, height, margin);
      let img = sharp(photo).rotate().extract(rect).resize(96 + 16 * (v % 4), 96 + 16 * (v % 4));
      if (v % 2 === 1) img = img.flop();
      img = img.modulate({ brightness: 0.85 + 0.1 * (v % 3) });
      await img.jpeg({ quality: 70 + 5 * (v % 5) }).toFile(path.join(root, name, `v${String(v).padStart(2, '0')}.jpg`));
    }
  }
  return { root, classes, perClass };
}
