// Small SVG charts for the live views, drawn as strings (a redraw is a few hundred elements):
// line charts on linear or log axes, points in a plane, heatmaps. Numbers are printed by the
// rule of rnnviz.formulas.number, so the browser never says 1.00 for 0.9999 or 0.00 for 0.0004.
var RnnvizDraw = (() => {
  const esc = (text) => String(text).replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c]);

  // Text with sub- and superscripts written as h_{t-1} and σ^{T−t}: escaped, the scripts as SVG
  // tspans (or, html = true, as <sub> and <sup>); plain(text) is the same words for a label.
  function rich(text, html = false) {
    return esc(text).replace(/([_^])\{([^}]*)\}/g, (_, mark, inner) => html
      ? (mark === "_" ? `<sub>${inner}</sub>` : `<sup>${inner}</sup>`)
      : `<tspan baseline-shift="${mark === "_" ? "sub" : "super"}" font-size="75%">${inner}</tspan>`);
  }
  // A chart's title, in HTML above its SVG so that it wraps on a narrow screen.
  const heading = (text) => `<div class="rv-heading">${rich(text, true)}</div>`;
  const plain = (text) => String(text).replace(/([_^])\{([^}]*)\}/g, (_, mark, inner) => (mark === "_" ? "_" : "^") + inner);

  // As formulas.number: `digits` decimals unless that rounds a non-zero value to 0 or one short
  // of ±1 to ±1.
  function number(value, digits = 2) {
    if (!Number.isFinite(value)) return String(value);
    let text = value.toFixed(digits);
    if (value !== 0 && Number(text) === 0) {
      if (Math.abs(value) < 1e-4) return python_g(value, 2);
      return value.toFixed(1 - Math.floor(Math.log10(Math.abs(value))));
    }
    while (Math.abs(value) < 1 && Math.abs(Number(text)) === 1 && digits < 17) text = value.toFixed(++digits);
    return text === "-" + (0).toFixed(digits) ? (0).toFixed(digits) : text;
  }

  // Python's f"{value:.{n}g}" and f"{value:.{n}e}": the page's numbers look the same from either side.
  function python_e(value, n) {
    if (!Number.isFinite(value)) return value > 0 ? "inf" : value < 0 ? "-inf" : "nan";
    const [mantissa, exponent] = value.toExponential(n).split("e");
    const e = Number(exponent);
    return `${mantissa}e${e < 0 ? "-" : "+"}${String(Math.abs(e)).padStart(2, "0")}`;
  }
  function python_g(value, n) {
    if (!Number.isFinite(value)) return value > 0 ? "inf" : value < 0 ? "-inf" : "nan";
    if (value === 0) return "0";
    const e = Math.floor(Math.log10(Math.abs(Number(value.toPrecision(n)))));
    if (e < -4 || e >= n) return python_e(value, n - 1).replace(/\.?0+e/, "e");
    return Number(value.toFixed(Math.max(n - 1 - e, 0))).toString();
  }

  const SUPER = { "-": "⁻", 0: "⁰", 1: "¹", 2: "²", 3: "³", 4: "⁴", 5: "⁵", 6: "⁶", 7: "⁷", 8: "⁸", 9: "⁹" };
  const powerOfTen = (k) => (k === 0 ? "1" : k === 1 ? "10" : "10" + String(k).replace(/./g, (c) => SUPER[c]));

  // Powers of ten at most about eight of them, as figures._log_axis labels a log axis.
  function logTicks(low, high) {
    let lo = Math.floor(Math.log10(low)), hi = Math.ceil(Math.log10(high));
    if (lo === hi) { lo -= 1; hi += 1; }
    const step = [1, 2, 5, 10, 20, 50, 100, 200, 500].find((n) => (hi - lo) / n <= 8);
    const ticks = [];
    for (let k = Math.ceil(lo / step) * step; k <= hi; k += step) ticks.push(k);
    return { lo, hi, ticks };
  }

  function niceTicks(low, high, count = 6) {
    if (!(high > low)) { low -= 1; high += 1; }
    const raw = (high - low) / count, magnitude = 10 ** Math.floor(Math.log10(raw));
    const step = [1, 2, 2.5, 5, 10].map((m) => m * magnitude).find((s) => s >= raw);
    const ticks = [];
    for (let v = Math.ceil(low / step) * step; v <= high + step * 1e-9; v += step) ticks.push(Number(v.toPrecision(12)));
    return ticks;
  }

  const finitePositive = (values) => values.filter((v) => Number.isFinite(v) && v > 0);

  // A line chart. series: [{name, x, y, colour, dash, width, markers}]; refs: [{y, text}];
  // log: a log y axis (zeros and non-finite values are gaps). Returns SVG markup.
  function lineChart(o) {
    const font = o.font || 13, width = Math.max(o.width, 200), height = o.height;
    const left = font * 5.2, right = font * 1.2, top = font, bottom = font * 3.4;
    const legendRows = o.legend ? o.series.length : 0;
    const plotH = height - top - bottom - legendRows * font * 1.6, plotW = width - left - right;
    const xs = o.series.flatMap((s) => s.x);
    const x0 = o.xDomain ? o.xDomain[0] : Math.min(...xs), x1 = o.xDomain ? o.xDomain[1] : Math.max(...xs);
    const X = (x) => left + (x1 === x0 ? plotW / 2 : ((x - x0) / (x1 - x0)) * plotW);
    let Y, yTicks;
    const ys = o.series.flatMap((s) => Array.from(s.y)).concat((o.refs || []).map((r) => r.y));
    if (o.log) {
      const shown = finitePositive(ys);
      const { lo, hi, ticks } = shown.length ? logTicks(Math.min(...shown), Math.max(...shown)) : { lo: -1, hi: 1, ticks: [-1, 0, 1] };
      Y = (y) => top + plotH - ((Math.log10(y) - lo) / (hi - lo)) * plotH;
      yTicks = ticks.map((k) => [10 ** k, powerOfTen(k)]);
    } else {
      const shown = ys.filter(Number.isFinite);
      const lo = o.yDomain ? o.yDomain[0] : Math.min(...shown, 0), hi = o.yDomain ? o.yDomain[1] : Math.max(...shown, 0);
      const ticks = niceTicks(lo, hi);
      const a = Math.min(lo, ticks[0]), b = Math.max(hi, ticks[ticks.length - 1]);
      Y = (y) => top + plotH - ((y - a) / (b - a || 1)) * plotH;
      yTicks = ticks.map((v) => [v, python_g(v, 4)]);
    }
    const out = [o.title ? heading(o.title) : ""];
    out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="${esc(plain(o.label || o.title || ""))}">`);
    out.push(`<g class="rv-grid">`);
    for (const [v] of yTicks) out.push(`<line x1="${left}" x2="${left + plotW}" y1="${Y(v)}" y2="${Y(v)}"/>`);
    out.push(`</g><g class="rv-axis">`);
    for (const [v, text] of yTicks) out.push(`<text x="${left - font * 0.4}" y="${Y(v) + font * 0.35}" text-anchor="end">${esc(text)}</text>`);
    // x is a time step or an iteration on every chart here: whole numbers only
    const xTicks = o.xTicks || niceTicks(x0, x1, Math.min(8, Math.max(2, Math.round(plotW / (font * 6))))).filter(Number.isInteger);
    for (const v of xTicks) {
      if (v < x0 || v > x1) continue;
      out.push(`<line x1="${X(v)}" x2="${X(v)}" y1="${top + plotH}" y2="${top + plotH + 5}"/>`);
      out.push(`<text x="${X(v)}" y="${top + plotH + font * 1.4}" text-anchor="middle">${esc(python_g(v, 6))}</text>`);
    }
    out.push(`<path d="M${left},${top} V${top + plotH} H${left + plotW}" fill="none"/>`);
    out.push(`<text x="${left + plotW / 2}" y="${top + plotH + font * 2.7}" text-anchor="middle">${rich(o.xLabel || "")}</text>`);
    out.push(`<text transform="translate(${font * 1.1},${top + plotH / 2}) rotate(-90)" text-anchor="middle">${rich(o.yLabel || "")}</text>`);
    out.push(`</g>`);
    for (const ref of o.refs || []) {
      out.push(`<line x1="${left}" x2="${left + plotW}" y1="${Y(ref.y)}" y2="${Y(ref.y)}" stroke="#222" stroke-dasharray="6 4"/>`);
      out.push(`<text x="${left + plotW - 4}" y="${Y(ref.y) - 5}" text-anchor="end">${rich(ref.text)}</text>`);
    }
    out.push(`<g clip-path="none">`);
    for (const s of o.series) {
      const points = [];
      let d = "", pen = false;
      for (let k = 0; k < s.y.length; k++) {
        const v = s.y[k];
        const ok = Number.isFinite(v) && (!o.log || v > 0);
        if (!ok) { pen = false; continue; }
        const px = X(s.x[k]).toFixed(1), py = Y(v).toFixed(1);
        d += (pen ? "L" : "M") + px + "," + py;
        pen = true;
        points.push([px, py]);
      }
      const dash = s.dash ? ` stroke-dasharray="${s.dash}"` : "";
      if (s.line !== false) out.push(`<path d="${d}" fill="none" stroke="${s.colour}" stroke-width="${s.width || 3}"${dash} stroke-linejoin="round"/>`);
      if (s.markers || points.length === 1) {
        const r = s.hollow ? font * 0.5 : points.length === 1 ? 5 : 2.5;
        const paint = s.hollow ? `fill="none" stroke="${s.colour}" stroke-width="2.5"` : `fill="${s.colour}"`;
        for (const [px, py] of points) out.push(`<circle cx="${px}" cy="${py}" r="${r}" ${paint}/>`);
      }
    }
    for (const x of o.marks || []) out.push(`<line x1="${X(x)}" x2="${X(x)}" y1="${top}" y2="${top + plotH}" stroke="grey" stroke-dasharray="5 4"/>`);
    out.push(`</g>`);
    if (o.legend) {
      o.series.forEach((s, k) => {
        const y = top + plotH + bottom + k * font * 1.6 - font * 0.2;
        const dash = s.dash ? ` stroke-dasharray="${s.dash}"` : "";
        out.push(s.line === false
          ? `<circle cx="${left + font * 1.2}" cy="${y - font * 0.35}" r="${font * 0.45}" ${s.hollow ? `fill="none" stroke="${s.colour}" stroke-width="2.5"` : `fill="${s.colour}"`}/>`
          : `<line x1="${left}" x2="${left + font * 2.4}" y1="${y - font * 0.35}" y2="${y - font * 0.35}" stroke="${s.colour}" stroke-width="${s.width || 3}"${dash}/>`);
        out.push(`<text x="${left + font * 3}" y="${y}">${rich(s.name)}</text>`);
      });
    }
    out.push(`</svg>`);
    return out.join("");
  }

  // Points in the complex plane with circles: eigenvalues of W_h.
  function plane(o) {
    const font = o.font || 13, size = Math.max(Math.min(o.width, o.height || o.width), 200);
    const pad = font * 3, legendRows = o.legend.length, height = size + legendRows * font * 1.6;
    const extent = o.extent, scale = (size - 2 * pad) / (2 * extent);
    const X = (x) => size / 2 + x * scale, Y = (y) => pad + (extent - y) * scale;
    const out = [heading(o.title), `<svg xmlns="http://www.w3.org/2000/svg" width="${size}" height="${height}" viewBox="0 0 ${size} ${height}" role="img" aria-label="${esc(plain(o.label))}">`];
    out.push(`<g class="rv-axis"><line x1="${X(-extent)}" x2="${X(extent)}" y1="${Y(0)}" y2="${Y(0)}"/><line x1="${X(0)}" x2="${X(0)}" y1="${Y(-extent)}" y2="${Y(extent)}"/>`);
    for (const v of niceTicks(-extent, extent, 4)) {
      if (Math.abs(v) > extent || v === 0) continue;
      out.push(`<text x="${X(v)}" y="${Y(0) + font * 1.3}" text-anchor="middle">${esc(python_g(v, 3))}</text>`);
    }
    out.push(`<text x="${X(extent)}" y="${Y(0) - 6}" text-anchor="end">real</text><text x="${X(0) + 6}" y="${Y(extent) + font}">imaginary</text></g>`);
    for (const c of o.circles) {
      const dash = c.dash ? ` stroke-dasharray="${c.dash}"` : "";
      out.push(`<circle cx="${X(0)}" cy="${Y(0)}" r="${c.radius * scale}" fill="none" stroke="${c.colour}" stroke-width="1.8"${dash}/>`);
    }
    for (const p of o.points) out.push(`<circle cx="${X(p.re).toFixed(1)}" cy="${Y(p.im).toFixed(1)}" r="${font * 0.36}" fill="${p.colour}" stroke="#fff" stroke-width="0.8"/>`);
    o.legend.forEach((item, k) => {
      const y = size + k * font * 1.6;
      const mark = item.circle
        ? `<circle cx="${pad + font * 0.6}" cy="${y - font * 0.35}" r="${font * 0.55}" fill="none" stroke="${item.colour}" stroke-width="1.8"${item.dash ? ` stroke-dasharray="${item.dash}"` : ""}/>`
        : `<circle cx="${pad + font * 0.6}" cy="${y - font * 0.35}" r="${font * 0.36}" fill="${item.colour}"/>`;
      out.push(mark + `<text x="${pad + font * 1.8}" y="${y}">${rich(item.text)}</text>`);
    });
    out.push(`</svg>`);
    return out.join("");
  }

  // Plotly's Viridis, as the engine's figures colour the same quantities.
  const VIRIDIS = ["#440154", "#48186a", "#472d7b", "#424086", "#3b528b", "#33638d", "#2c728e", "#26828e", "#21918c",
                   "#1fa088", "#28ae80", "#3fbc73", "#5ec962", "#84d44b", "#addc30", "#d8e219", "#fde725"];
  function viridis(u) {
    const x = Math.min(Math.max(u, 0), 1) * (VIRIDIS.length - 1), k = Math.min(Math.floor(x), VIRIDIS.length - 2), f = x - k;
    const rgb = (hex) => [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16));
    const [a, b] = [rgb(VIRIDIS[k]), rgb(VIRIDIS[k + 1])];
    return `rgb(${a.map((v, i) => Math.round(v + (b[i] - v) * f)).join(",")})`;
  }

  // A vertical colour bar, `low` to `high` on `colour(u)`, labelled at `ticks` [[value, text]].
  function colourBar(x, y, height, low, high, colour, ticks, title, font) {
    const out = [`<defs><linearGradient id="rv-bar-${x}-${y}" x1="0" x2="0" y1="1" y2="0">`];
    for (let k = 0; k <= 10; k++) out.push(`<stop offset="${k / 10}" stop-color="${colour(k / 10)}"/>`);
    out.push(`</linearGradient></defs><rect x="${x}" y="${y}" width="${font}" height="${height}" fill="url(#rv-bar-${x}-${y})"/>`);
    for (const [value, text] of ticks) {
      const ty = y + height - ((value - low) / (high - low)) * height;
      out.push(`<text x="${x + font * 1.4}" y="${ty + font * 0.35}">${rich(text)}</text>`);
    }
    if (title) out.push(`<text x="${x - font * 0.2}" y="${y - font * 1.3}">${rich(title)}</text>`);
    return out.join("");
  }

  // An SVG drawn wider than the room it has (a phone): in a box that scrolls sideways, a keyboard
  // stop with a name, at its own size; otherwise as it is.
  function scrollable(svg, width, height, room, label) {
    if (width <= room + 1) return svg;
    const sized = svg.replace("<svg ", `<svg style="width:${width}px;height:${height}px" `);
    return `<div class="rv-scroll" tabindex="0" role="region" aria-label="${esc(label)} (scrolls sideways)">${sized}</div>`;
  }

  // A matrix or column vector of numbers, in brackets, as HTML (rows: arrays of numbers).
  function matrix(rows, digits = 2) {
    const columns = rows[0] ? rows[0].length : 1;
    return `<span class="rv-mat" style="grid-template-columns: repeat(${columns}, auto)">` +
      rows.flat().map((v) => `<span>${esc(number(v, digits))}</span>`).join("") + "</span>";
  }
  const column = (values, digits = 2) => matrix(Array.from(values, (v) => [v]), digits);
  const under = (body, label) => `<span class="rv-under">${body}<small>${rich(label, true)}</small></span>`;

  return { esc, rich, heading, plain, scrollable, viridis, colourBar, matrix, column, under, number, python_e, python_g, powerOfTen, logTicks, niceTicks, lineChart, plane };
})();
