/** The panel's chrome: theme, status line, and where the view opens. */
import { useCallback, useEffect, useRef, useState } from 'react';
import { useReactFlow, type FitViewOptions } from '@xyflow/react';
import { BIG_GRAPH } from '../../../shared/diagram/layout.js';
import type { Drawn } from './metrics.js';

/** The toolbar's message: the outcome of the last intent or export, or why the layout failed. */
export type Status = { kind: 'info' | 'error'; text: string } | null;

/** VS Code marks the body with the theme kind (and changes it live): follow it for React Flow's chrome. */
export function useThemeKind(): 'light' | 'dark' {
  const read = () => (/\bvscode-(dark|high-contrast)\b(?!-light)/.test(document.body.className) ? 'dark' : 'light');
  const [kind, setKind] = useState<'light' | 'dark'>(read);
  useEffect(() => {
    const o = new MutationObserver(() => setKind(read()));
    o.observe(document.body, { attributes: true, attributeFilter: ['class'] });
    return () => o.disconnect();
  }, []);
  return kind;
}

/** The first fit's lowest zoom: below ~0.6 a node's text is too small to read. */
const FIRST_FIT_MIN_ZOOM = 0.6;

/**
 * Fit with room on the right for the floating form (when the canvas is wide enough to spare it),
 * so opening the form does not cover the upstream column.
 */
export function fitOptions(): FitViewOptions {
  const w = document.querySelector('.hl-canvas')?.clientWidth ?? 0;
  return { padding: w > 800 ? { top: '5%', bottom: '5%', left: '3%', right: '270px' } : 0.05 };
}

/**
 * Fit once, to the first drawing on screen (the automatic layout, or the columns when ELK
 * failed); later drawings keep the user's viewport. Returns a stable callback for useDrawnRevision.
 */
export function useFirstFit(): (d: Drawn) => void {
  const flow = useReactFlow();
  const fitted = useRef(false);
  return useCallback(
    (d: Drawn) => {
      if (fitted.current) return;
      fitted.current = true;
      // A big topology (no minimap) not below FIRST_FIT_MIN_ZOOM: it opens readable, centred
      // on the lbs (its head columns are centred on the height), and the fit button shows it
      // whole. Smaller ones are fitted whole, however narrow the panel.
      void flow.fitView(d.count > BIG_GRAPH ? { ...fitOptions(), minZoom: FIRST_FIT_MIN_ZOOM } : fitOptions());
    },
    [flow],
  );
}
