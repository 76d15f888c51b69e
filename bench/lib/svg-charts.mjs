// Small, dependency-free SVG charts for the benchmark report: grouped bars and lines.

const WIDTH = 640;
const HEIGHT = 320;
const MARGIN = { top: 40, right: 20, bottom: 60, left: 70 };
const COLOURS = ['#2f6fb3', '#e07b39', '#3a9a5b', '#8e5ab5', '#c0392b', '#7f8c8d'];

const escape = (text) =>
  String(text).replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]);

function niceMax(value) {
  if (!(value > 0)) return 1;
  const power = 10 ** Math.floor(Math.log10(value));
  for (const step of [1, 2, 2.5, 5, 10]) if (value <= step * power) return step * power;
  return 10 * power;
}

function formatTick(value) {
  if (value >= 1000) return `${Math.round(value / 100) / 10}k`;
  return Number.isInteger(value) ? String(value) : value.toFixed(value < 1 ? 2 : 1);
}

function frame(title, yLabel, yMax, body, legend) {
  const plotHeight = HEIGHT - MARGIN.top - MARGIN.bottom;
  const ticks = [0, 0.25, 0.5, 0.75, 1].map((f) => {
    const y = MARGIN.top + plotHeight * (1 - f);
    return (
      `<line x1="${MARGIN.left}" x2="${WIDTH - MARGIN.right}" y1="${y}" y2="${y}" stroke="#ddd"/>` +
      `<text x="${MARGIN.left - 6}" y="${y + 4}" text-anchor="end" font-size="11">${formatTick(yMax * f)}</text>`
    );
  });
  const legendItems = legend
    .map(
      (name, i) =>
        `<rect x="${MARGIN.left + i * 150}" y="${HEIGHT - 22}" width="12" height="12" fill="${COLOURS[i % COLOURS.length]}"/>` +
        `<text x="${MARGIN.left + i * 150 + 16}" y="${HEIGHT - 12}" font-size="12">${escape(name)}</text>`,
    )
    .join('');
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}" viewBox="0 0 ${WIDTH} ${HEIGHT}" font-family="sans-serif">`,
    `<rect width="100%" height="100%" fill="#fff"/>`,
    `<text x="${WIDTH / 2}" y="20" text-anchor="middle" font-size="14" font-weight="bold">${escape(title)}</text>`,
    `<text transform="translate(16 ${MARGIN.top + plotHeight / 2}) rotate(-90)" text-anchor="middle" font-size="12">${escape(yLabel)}</text>`,
    ...ticks,
    body,
    legendItems,
    '</svg>',
  ].join('\n');
}

/**
 * Grouped bars: `groups` are the x categories (e.g. "1 writer"), `series` each give one value per
 * group (null: no bar).
 */
export function barChart({ title, yLabel, groups, series }) {
  const values = series.flatMap((s) => s.values).filter((v) => v !== null && v !== undefined);
  const yMax = niceMax(Math.max(...values, 0));
  const plotWidth = WIDTH - MARGIN.left - MARGIN.right;
  const plotHeight = HEIGHT - MARGIN.top - MARGIN.bottom;
  const groupWidth = plotWidth / Math.max(1, groups.length);
  const barWidth = (groupWidth * 0.8) / Math.max(1, series.length);
  const bars = [];
  groups.forEach((group, g) => {
    const x0 = MARGIN.left + g * groupWidth + groupWidth * 0.1;
    series.forEach((s, i) => {
      const value = s.values[g];
      if (value === null || value === undefined) return;
      const h = (value / yMax) * plotHeight;
      const x = x0 + i * barWidth;
      const y = MARGIN.top + plotHeight - h;
      bars.push(
        `<rect x="${x.toFixed(1)}" y="${y.toFixed(1)}" width="${(barWidth - 2).toFixed(1)}" height="${h.toFixed(1)}" fill="${COLOURS[i % COLOURS.length]}"><title>${escape(`${s.name}, ${group}: ${value}`)}</title></rect>`,
      );
    });
    bars.push(
      `<text x="${(x0 + (groupWidth * 0.8) / 2).toFixed(1)}" y="${HEIGHT - MARGIN.bottom + 16}" text-anchor="middle" font-size="12">${escape(group)}</text>`,
    );
  });
  return frame(
    title,
    yLabel,
    yMax,
    bars.join('\n'),
    series.map((s) => s.name),
  );
}

/** Lines over numeric x values (drawn on a log scale when `logX`). */
export function lineChart({ title, yLabel, xLabel, logX = false, series }) {
  const points = series.flatMap((s) => s.points);
  const xs = points.map((p) => p.x);
  const yMax = niceMax(Math.max(...points.map((p) => p.y), 0));
  const fx = (x) => (logX ? Math.log10(x) : x);
  const xMin = Math.min(...xs.map(fx));
  const xMax = Math.max(...xs.map(fx));
  const plotWidth = WIDTH - MARGIN.left - MARGIN.right;
  const plotHeight = HEIGHT - MARGIN.top - MARGIN.bottom;
  const px = (x) => MARGIN.left + (xMax === xMin ? plotWidth / 2 : ((fx(x) - xMin) / (xMax - xMin)) * plotWidth);
  const py = (y) => MARGIN.top + plotHeight * (1 - y / yMax);
  const body = [];
  for (const x of [...new Set(xs)]) {
    body.push(
      `<text x="${px(x).toFixed(1)}" y="${HEIGHT - MARGIN.bottom + 16}" text-anchor="middle" font-size="11">${escape(formatTick(x))}</text>`,
    );
  }
  body.push(
    `<text x="${MARGIN.left + plotWidth / 2}" y="${HEIGHT - MARGIN.bottom + 32}" text-anchor="middle" font-size="12">${escape(xLabel)}</text>`,
  );
  series.forEach((s, i) => {
    const colour = COLOURS[i % COLOURS.length];
    const path = s.points.map((p, j) => `${j === 0 ? 'M' : 'L'}${px(p.x).toFixed(1)},${py(p.y).toFixed(1)}`).join(' ');
    body.push(`<path d="${path}" fill="none" stroke="${colour}" stroke-width="2"/>`);
    for (const p of s.points) {
      body.push(
        `<circle cx="${px(p.x).toFixed(1)}" cy="${py(p.y).toFixed(1)}" r="3" fill="${colour}"><title>${escape(`${s.name}: ${p.x} → ${p.y}`)}</title></circle>`,
      );
    }
  });
  return frame(
    title,
    yLabel,
    yMax,
    body.join('\n'),
    series.map((s) => s.name),
  );
}
