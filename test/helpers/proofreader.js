// The in-page half of the proofreader (test/helpers/proofread.ts injects it into a page): finds what a
// reader would see as a fault. Plain JavaScript, so that it reaches the page exactly as written.
globalThis.proofread = async function proofread({ viewport, root = "#observablehq-main" } = {}) {
  const faults = [];
  const main = document.querySelector(root) ?? document.body;
  const snippet = (text, at = 0) => text.slice(Math.max(0, at - 40), at + 40).replace(/\s+/g, " ").trim();
  const tag = (e) => `<${e.tagName.toLowerCase()}${e.getAttribute("class") ? ` class="${e.getAttribute("class")}"` : ""}>`;
  const near = (e) => {
    // The heading a fault sits under, so that a reader can find it on a long page.
    const headings = Array.from(main.querySelectorAll("h1, h2, h3"));
    let last = null;
    for (const h of headings) if (h.compareDocumentPosition(e) & Node.DOCUMENT_POSITION_FOLLOWING) last = h;
    return last ? ` (under “${last.textContent.trim().slice(0, 50)}”)` : "";
  };
  const add = (kind, e, detail) => faults.push(`${kind}${e ? `: ${tag(e)}${near(e)}` : ""}: ${detail}`);

  // Lazy tables: scroll each to its end so that every row its data holds is rendered.
  const lazyTables = Array.from(main.querySelectorAll("form")).filter((f) => Array.isArray(f.value) && f.querySelector("table"));
  for (const form of lazyTables) {
    for (let previous = -1, tries = 0; tries < 200; tries++) {
      const rendered = form.querySelectorAll("tbody tr").length;
      if (rendered === previous) break;
      previous = rendered;
      form.scrollTop = form.scrollHeight;
      form.dispatchEvent(new Event("scroll"));
      await new Promise((resolve) => requestAnimationFrame(resolve));
    }
    const rows = form.querySelectorAll("tbody tr").length;
    const data = form.value.length;
    if (rows < data) add("table stops short", form, `renders ${rows} of the ${data} rows its data holds`);
  }

  // Wider than the viewport (on a phone): the outermost elements that stick out of the page.
  if (viewport != null && document.documentElement.scrollWidth > viewport + 1) {
    const sticking = Array.from(main.querySelectorAll("*")).filter((e) => {
      const box = e.getBoundingClientRect();
      if (!(box.right > viewport + 1 && box.width > 0)) return false;
      for (let a = e.parentElement; a; a = a.parentElement) if (["auto", "scroll"].includes(getComputedStyle(a).overflowX)) return false;
      return true;
    });
    const outer = sticking.filter((e) => !sticking.includes(e.parentElement));
    add("wider than the viewport", null, `the document is ${document.documentElement.scrollWidth} px wide at ${viewport} px; sticking out: ${outer.slice(0, 4).map((e) => `${tag(e)} ${Math.round(e.getBoundingClientRect().width)} px “${snippet(e.textContent ?? "")}”`).join("; ")}`);
  }

  // Text a reader should never see: raw Markdown, JavaScript leftovers, a doubled word.
  const patterns = [
    [/\]\(/g, "raw Markdown link"],
    [/\bundefined\b/g, "undefined"],
    [/\bNaN\b/g, "NaN"],
    [/\bInfinity\b/g, "Infinity"],
    [/\[object/g, "[object"],
    [/\b([A-Za-z]{2,})\s+\1\b/gi, "doubled word"],
    [/\b([A-Za-z]{3,} [A-Za-z]{3,})\W+\1\b/gi, "doubled phrase"]
  ];
  const blocks = Array.from(main.querySelectorAll("p, li, h1, h2, h3, h4, figcaption, td, th, label, summary"));
  for (const block of blocks) {
    if (block.closest("pre, code")) continue;
    const text = block.innerText;
    for (const [re, what] of patterns) for (const m of text.matchAll(re)) add(what, block, `“${snippet(text, m.index)}”`);
  }
  // A cell's value shown raw by the inspector (a stray "" or an object), where prose or a chart was meant.
  for (const raw of Array.from(main.querySelectorAll(".observablehq--inspect"))) add("raw value shown", raw, `“${snippet(raw.textContent ?? "")}”`);
  // A sentence that points at a table or chart that is not there.
  for (const block of blocks) {
    const text = block.innerText;
    for (const m of text.matchAll(/\bthe (table|chart|figure|heatmap) (below|above)\b/gi)) {
      // The table or chart meant must be in the same section: no heading between the sentence and it.
      const wanted = m[1].toLowerCase() === "table" ? "table" : "svg, canvas";
      const below = m[2].toLowerCase() === "below";
      const order = Array.from(main.querySelectorAll(`h1, h2, h3, ${wanted}`)).filter((e) => !block.contains(e) && !e.closest("[class*='-swatch']"));
      const side = order.filter((e) => block.compareDocumentPosition(e) & (below ? Node.DOCUMENT_POSITION_FOLLOWING : Node.DOCUMENT_POSITION_PRECEDING));
      const nearest = below ? side[0] : side[side.length - 1];
      if (!nearest || /^H[123]$/.test(nearest.tagName)) add("points at nothing", block, `“${snippet(text, m.index)}”, but there is no ${m[1]} ${m[2]} it in its section`);
    }
  }
  // A caption that promises dashed lines: the chart it captions (the nearest before it) must draw one.
  const charts = Array.from(main.querySelectorAll("svg")).filter((e) => !e.closest("[class*='-swatch']") && e.getBoundingClientRect().height > 40);
  const dashedIn = (svg) => Array.from(svg.querySelectorAll("[stroke-dasharray]")).some((e) => !["none", "0"].includes(e.getAttribute("stroke-dasharray")));
  for (const block of Array.from(main.querySelectorAll("p.caption, figcaption"))) {
    const m = /\bdashed\b/i.exec(block.innerText);
    if (!m) continue;
    const before = charts.filter((c) => block.compareDocumentPosition(c) & Node.DOCUMENT_POSITION_PRECEDING || block.contains(c));
    const chart = before[before.length - 1];
    if (!chart || !dashedIn(chart)) add("dashed lines promised", block, `“${snippet(block.innerText, m.index)}”, but the chart it captions draws no dashed line`);
  }

  // Page text wider than its own box: cut off (overflow hidden), or running under the element beside it
  // (a class name in a too-narrow column, cells of a fixed-layout table on a phone).
  for (const e of Array.from(main.querySelectorAll("span, td, th, label, figcaption, p, li, div, button, a"))) {
    const own = Array.from(e.childNodes).some((n) => n.nodeType === Node.TEXT_NODE && n.textContent.trim());
    if (!own || e.clientWidth === 0 || e.scrollWidth <= e.clientWidth + 1) continue;
    const style = getComputedStyle(e);
    if (["auto", "scroll"].includes(style.overflowX)) continue;
    if (style.overflowX !== "visible") {
      add("text cut", e, `“${snippet(e.textContent ?? "")}” is ${e.scrollWidth} px wide in a ${e.clientWidth} px box`);
      continue;
    }
    const box = e.getBoundingClientRect();
    const next = e.nextElementSibling?.getBoundingClientRect();
    const reach = box.left + e.scrollWidth;
    if (next && next.width > 0 && next.left >= box.right - 1 && next.left < reach - 1 && next.top < box.bottom && box.top < next.bottom) {
      add("text runs under its neighbour", e, `“${snippet(e.textContent ?? "")}” reaches ${Math.round(reach - next.left)} px into the next element`);
    }
  }

  // Tables: the same row twice.
  for (const table of Array.from(main.querySelectorAll("table"))) {
    const seen = new Map();
    for (const tr of Array.from(table.querySelectorAll("tbody tr"))) {
      const text = Array.from(tr.children).map((c) => c.textContent.trim()).join(" | ");
      if (!text.replace(/[|\s]/g, "")) continue;
      seen.set(text, (seen.get(text) ?? 0) + 1);
    }
    for (const [text, n] of seen) if (n > 1) add("duplicate rows", table, `${n} rows read “${text.slice(0, 100)}”`);
  }

  // Axes: a tick label repeated next to itself (rounding that hides the difference).
  // A colour ramp's ticks (Plot draws them as d3 axis ticks, `g.tick`) likewise.
  const axes = [
    ...Array.from(main.querySelectorAll("svg g[aria-label$='tick label']")).map((g) => [g, Array.from(g.querySelectorAll("text"))]),
    ...Array.from(main.querySelectorAll("svg[class*='-ramp']")).map((svg) => [svg, Array.from(svg.querySelectorAll("g.tick text"))])
  ];
  for (const [axis, texts] of axes) {
    const labels = texts.map((t) => t.textContent);
    if (labels.some((label, i) => i > 0 && label && label === labels[i - 1])) add("repeated tick labels", axis, labels.join(" "));
  }

  // Legends: every swatch names a series the chart draws, in a colour the chart uses.
  const probe = document.createElement("span");
  document.body.append(probe);
  const colour = (c) => {
    if (!c || c === "none" || c.startsWith("url(")) return null;
    probe.style.color = "";
    probe.style.color = c;
    return probe.style.color ? getComputedStyle(probe).color : null;
  };
  for (const figure of Array.from(main.querySelectorAll("figure, div")).filter((f) => Array.from(f.children).some((c) => /-swatches\b/.test(c.getAttribute("class") ?? "")))) {
    const charts = Array.from(figure.querySelectorAll("svg")).filter((s) => !s.closest("[class*='-swatch']"));
    const drawn = new Set();
    for (const chart of charts) for (const e of Array.from(chart.querySelectorAll("[fill], [stroke]"))) for (const a of ["fill", "stroke"]) drawn.add(colour(e.getAttribute(a)));
    for (const swatch of Array.from(figure.querySelectorAll("[class*='-swatch']:not([class*='-swatches'])"))) {
      const label = swatch.textContent.trim();
      const svg = swatch.querySelector("svg");
      const c = colour(svg?.getAttribute("fill") ?? svg?.querySelector("[fill]")?.getAttribute("fill")) ?? colour(svg?.getAttribute("stroke") ?? svg?.querySelector("[stroke]")?.getAttribute("stroke"));
      if (label && CSS.supports("color", label) && !/^\d/.test(label)) add("legend entry is not a series", swatch, `“${label}” is a colour name`);
      else if (charts.length && c && !drawn.has(c)) add("legend entry is not a series", swatch, `“${label}” (${c}) is drawn nowhere in its chart`);
    }
  }
  probe.remove();

  // Chart text: inside its chart, and clear of every other label.
  for (const svg of Array.from(main.querySelectorAll("svg"))) {
    const frame = svg.getBoundingClientRect();
    if (frame.width < 40 || frame.height < 20) continue;
    const texts = Array.from(svg.querySelectorAll("text"))
      .filter((t) => t.textContent.trim() && !t.closest("[aria-label='tip']") && getComputedStyle(t).visibility !== "hidden")
      .map((t) => ({ t, box: t.getBoundingClientRect(), rotated: /rotate/.test(t.getAttribute("transform") ?? "") || /rotate/.test(t.parentElement?.getAttribute("transform") ?? "") }))
      .filter((d) => d.box.width > 0 && d.box.height > 0);
    // A chart that lets its text overflow (Plot's do) may spill a few pixels (a ramp legend's end ticks);
    // beyond that, a label sits outside its chart, where the page or a scroll box cuts it or runs into it.
    const visible = getComputedStyle(svg).overflow === "visible";
    // A colour ramp centres its end labels on its end ticks: half a label may hang over each end.
    const ramp = /-ramp\b/.test(svg.getAttribute("class") ?? "");
    for (const { t, box } of texts) {
      const slack = !visible ? 1 : ramp ? box.width / 2 + 2 : 8;
      if (box.left < frame.left - slack || box.right > frame.right + slack || box.top < frame.top - slack || box.bottom > frame.bottom + slack) add("label cut by its chart", t, `“${t.textContent.trim()}” reaches outside its ${Math.round(frame.width)}×${Math.round(frame.height)} chart`);
    }
    const flat = texts.filter((d) => !d.rotated);
    for (let i = 0; i < flat.length; i++) {
      for (let j = i + 1; j < flat.length; j++) {
        const a = flat[i].box;
        const b = flat[j].box;
        // Glyph boxes include line spacing: count an overlap only beyond two pixels each way.
        const w = Math.min(a.right, b.right) - Math.max(a.left, b.left);
        const h = Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top);
        if (w > 2 && h > 2 && !flat[i].t.contains(flat[j].t) && !flat[j].t.contains(flat[i].t)) add("labels overlap", flat[i].t, `“${flat[i].t.textContent.trim()}” runs into “${flat[j].t.textContent.trim()}”`);
      }
    }
  }
  return faults;
};
