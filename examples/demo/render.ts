// Renders a Vega-Lite spec to SVG (vega + vega-lite, headless) and, when @resvg/resvg-js loads,
// to PNG. vega 6 is ESM-only with top-level await, which tsx cannot turn into the CommonJS this
// package compiles to, so it is loaded with import() instead of a static import.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TopLevelSpec } from 'vega-lite';

type Resvg = typeof import('@resvg/resvg-js').Resvg;
let resvg: Resvg | null | undefined; // undefined: not tried yet; null: not installed here

async function loadResvg(): Promise<Resvg | null> {
  if (resvg === undefined) {
    try {
      resvg = (await import('@resvg/resvg-js')).Resvg;
    } catch {
      resvg = null; // an optional prebuilt binary: without it the demo writes SVG only
    }
  }
  return resvg;
}

/** Writes `<name>.svg` (and `<name>.png` if resvg is available) into `dir`; returns the paths. */
export async function render(spec: TopLevelSpec, dir: string, name: string): Promise<string[]> {
  const vega = await import('vega');
  const vl = await import('vega-lite');
  // White background: the PNGs are shown on GitHub, where a transparent one vanishes in dark mode.
  const full = { background: 'white', config: { font: 'DejaVu Sans' }, ...spec } as TopLevelSpec;
  const view = new vega.View(vega.parse(vl.compile(full).spec), { renderer: 'none' });
  const svg = await view.toSVG();
  view.finalize();
  const files = [join(dir, `${name}.svg`)];
  writeFileSync(files[0]!, svg);
  const R = await loadResvg();
  if (R) {
    // Scale 2 so the labels stay sharp when the README shows the picture at full width.
    const png = new R(svg, { fitTo: { mode: 'zoom', value: 2 }, font: { loadSystemFonts: true, defaultFontFamily: 'DejaVu Sans' } }).render().asPng();
    files.push(join(dir, `${name}.png`));
    writeFileSync(files[1]!, png);
  }
  return files;
}
