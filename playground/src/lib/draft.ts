import type { ClockMode, Speed } from '../protocol.ts';

/**
 * The editor's autosave (localStorage): the code, the example it started from and the run
 * settings, written on every change, read when the page loads — a reload or a closed tab loses
 * nothing.
 */
const DRAFT_KEY = 'rivulet-playground:draft';

export interface Draft {
  code: string;
  /** The example the code started from ('' for a shared link's or pasted code): Reset goes back to it. */
  exampleId: string;
  mode: ClockMode;
  speed: Speed;
}

export function loadDraft(): Draft | undefined {
  try {
    const raw = localStorage.getItem(DRAFT_KEY);
    const d = raw ? (JSON.parse(raw) as Partial<Draft>) : undefined;
    if (!d || typeof d.code !== 'string') return undefined;
    return {
      code: d.code,
      exampleId: typeof d.exampleId === 'string' ? d.exampleId : '',
      mode: d.mode === 'realtime' ? 'realtime' : 'virtual',
      speed: d.speed === 1 || d.speed === 100 || d.speed === 'max' ? d.speed : 10,
    };
  } catch {
    return undefined;
  }
}

export function saveDraft(draft: Draft): void {
  try {
    localStorage.setItem(DRAFT_KEY, JSON.stringify(draft));
  } catch {
    // Storage full or disabled (a private window may refuse it): the page works without autosave.
  }
}
