import { readFile } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { imageSize } from 'image-size';
import { listFiles } from './source-files.ts';

// media/: the images articles and books show, with their sizes read once at load.

export const MEDIA_TYPES: Readonly<Record<string, string>> = {
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.webp': 'image/webp',
  '.avif': 'image/avif',
  '.gif': 'image/gif',
};

export interface MediaFile {
  file: string;
  contentType: string;
  width: number;
  height: number;
}

export async function loadMedia(contentDir: string, problem: (file: string, message: string) => void): Promise<Map<string, MediaFile>> {
  const media = new Map<string, MediaFile>();
  const mediaDir = join(contentDir, 'media');
  const names = (await listFiles(mediaDir, true)) ?? [];
  for (const name of names) {
    const rel = `media/${name}`;
    const contentType = MEDIA_TYPES[extname(name).toLowerCase()];
    if (!contentType) {
      problem(rel, `not a supported image type (use ${Object.keys(MEDIA_TYPES).join(', ')})`);
      continue;
    }
    const file = join(mediaDir, name);
    try {
      const size = imageSize(await readFile(file));
      if (!size.width || !size.height) throw new Error('no width and height in the file');
      // Browsers apply EXIF orientation, so a rotated photo's layout box is the other way round.
      const rotated = (size.orientation ?? 1) >= 5;
      media.set(name, {
        file,
        contentType,
        width: rotated ? size.height : size.width,
        height: rotated ? size.width : size.height,
      });
    } catch {
      problem(rel, `cannot read the image's width and height; the file may be damaged or not really ${extname(name).toLowerCase()}`);
    }
  }
  return media;
}

/** Accepts "cover.svg", "media/cover.svg" or "/media/cover.svg" and returns the name under media/. */
export function mediaName(value: string): string {
  return value.replace(/^\.?\/?media\//, '');
}
