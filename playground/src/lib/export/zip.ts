import { strToU8, zipSync } from 'fflate';
import type { ExportedProject } from './exportProject.ts';

/** The project as a .zip holding one folder, named as the project (what unzipping a download gives). */
export function zipProject(project: ExportedProject): Uint8Array {
  const folder: Record<string, Uint8Array> = {};
  for (const [file, text] of Object.entries(project.files)) folder[file] = strToU8(text);
  // Files dated by the export, so an unzipped project's files are not from 1980.
  return zipSync({ [project.name]: folder }, { level: 6, mtime: new Date() });
}
