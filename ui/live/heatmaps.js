// The gates page's heatmaps: one network's gates over time and units on one sequence, under its
// input; the time step t chosen further down (the cell step view) is outlined in every panel as it
// moves. The numbers are the engine's, sent ahead: nothing is computed here.
const HEATMAPS = (() => {
  const { el, decode } = RnnvizView;
  const D = RnnvizDraw;
  const DIVERGING = [[33, 102, 172], [146, 197, 222], [247, 247, 247], [244, 165, 130], [178, 24, 43]];

  function diverging(u) {
    u = Math.min(Math.max(u, 0), 1);
    const k = Math.min(Math.floor(u * 4), 3), f = u * 4 - k;
    return `rgb(${DIVERGING[k].map((v, i) => Math.round(v + (DIVERGING[k + 1][i] - v) * f)).join(",")})`;
  }
  const grey = (u) => { const v = Math.round(255 - Math.min(Math.max(u, 0), 1) * (255 - 34)); return `rgb(${v},${v},${v})`; };

  function layout(state) {
    state.slots = { figure: el("figure", { class: "rv-figure" }, state.root) };
    return {};
  }

  function image(values, rows, columns, colour) {
    const canvas = document.createElement("canvas");
    canvas.width = columns; canvas.height = rows;
    const context = canvas.getContext("2d"), picture = context.createImageData(columns, rows);
    for (let r = 0; r < rows; r++) for (let c = 0; c < columns; c++) {
      const [red, green, blue] = colour(values(r, c)).slice(4, -1).split(",").map(Number), at = (r * columns + c) * 4;
      picture.data[at] = red; picture.data[at + 1] = green; picture.data[at + 2] = blue; picture.data[at + 3] = 255;
    }
    context.putImageData(picture, 0, 0);
    return canvas.toDataURL();
  }

  function draw(state) {
    const data = state.data, font = state.font, T = data.T, H = data.H, t = Math.min(state.settings.t, T);
    const small = data.presenting ? font : font * 0.85;  // in presenter mode no number is smaller than the rest
    if (!state.panels || state.panelsFor !== data.panels) {
      state.panels = Object.fromEntries(Object.entries(data.panels).map(([name, values]) => [name, decode(values)]));
      state.strip = decode(data.strip);
      state.panelsFor = data.panels;
    }
    const names = Object.keys(state.panels), width = Math.max(state.slots.figure.clientWidth || 800, 320);
    const left = font * 5.5, right = font * 5, stripH = font * 1.2 * data.stripRows.length, panelH = font * 3.4;
    const gap = font * 2, top = font * 1.6;
    const plotW = width - left - right, X = (step) => left + ((step - 1) / T) * plotW, cellW = plotW / T;
    let y = top;
    const out = [];
    const blocks = [];
    // the input strip
    out.push(`<text x="${left}" y="${y - font * 0.4}">${D.esc(data.stripLabel)}</text>`);
    out.push(`<image href="${image((r, c) => state.strip[c * data.stripRows.length + r], data.stripRows.length, T, grey)}" x="${left}" y="${y}" width="${plotW}" height="${stripH}" preserveAspectRatio="none" style="image-rendering:pixelated"/>`);
    data.stripRows.forEach((row, r) => out.push(`<text x="${left - font * 0.4}" y="${y + (r + 0.75) * (stripH / data.stripRows.length)}" text-anchor="end" style="font-size:${small}px">${D.esc(row)}</text>`));
    blocks.push([y, stripH]);
    y += stripH + gap;
    for (const name of names) {
      const values = state.panels[name], range = data.ranges[name];
      const colour = range[0] < 0 ? diverging : D.viridis;
      out.push(`<text x="${left}" y="${y - font * 0.4}">${D.rich(data.titles[name])}</text>`);
      out.push(`<image href="${image((r, c) => (values[c * H + r] - range[0]) / (range[1] - range[0]), H, T, colour)}" x="${left}" y="${y}" width="${plotW}" height="${panelH}" preserveAspectRatio="none" style="image-rendering:pixelated"><title>${D.esc(D.plain(data.titles[name]))}</title></image>`);
      out.push(`<text x="${left - font * 0.4}" y="${y + font * 0.9}" text-anchor="end" style="font-size:${small}px">unit 1</text><text x="${left - font * 0.4}" y="${y + panelH}" text-anchor="end" style="font-size:${small}px">unit ${H}</text>`);
      out.push(D.colourBar(width - right + font * 0.8, y, panelH, range[0], range[1], colour,
                           [[range[0], D.python_g(range[0], 2)], [range[1], D.python_g(range[1], 2)]], "", small));
      blocks.push([y, panelH]);
      y += panelH + gap;
    }
    const bottom = y - gap + font * 2.6;
    for (const step of data.marked) out.push(`<line x1="${X(step) + cellW / 2}" x2="${X(step) + cellW / 2}" y1="${top}" y2="${y - gap}" stroke="#D55E00" stroke-width="2" stroke-dasharray="2 3"/>`);
    for (const [y0, h] of blocks) out.push(`<rect x="${X(t)}" y="${y0 - 1}" width="${cellW}" height="${h + 2}" fill="none" stroke="#000" stroke-width="2.5"/>`);
    out.push(`<g class="rv-axis">`);
    const every = Math.ceil((font * 1.9) / cellW), label = every <= 1 ? 1 : every <= 2 ? 2 : every <= 5 ? 5 : 10 * Math.ceil(every / 10);
    for (let step = 1; step <= T; step++) if (step % label === 0 || step === 1) out.push(`<text x="${X(step) + cellW / 2}" y="${y - gap + font * 1.2}" text-anchor="middle" style="font-size:${small}px">${step}</text>`);
    out.push(`<text x="${left + plotW / 2}" y="${bottom - font * 0.2}" text-anchor="middle">time step t (outlined: t = ${t})</text></g>`);
    const finding = data.finding;
    state.slots.figure.innerHTML = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${bottom}" role="img" aria-label="${D.esc(D.plain(`${data.label}. ${finding}`))}">${out.join("")}</svg>` +
      `<figcaption class="rv-finding">${D.rich(finding, true)}</figcaption>`;
  }

  return { layout, draw };
})();

export default function (component) {
  return RnnvizView.mount(component, HEATMAPS);
}
