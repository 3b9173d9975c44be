"use strict";
// sock's charts, drawn by hand in SVG: no library and no network, so the dashboard and the HTML reports work offline.
// Every chart is a <figure> whose SVG has a text label and whose numbers are also in a table beside it (the
// accessible form, and the one a test or a screen reader reads).
const SockCharts = (() => {
  const NS = "http://www.w3.org/2000/svg";
  // Colour-blind-safe hues (Okabe–Ito) darkened where needed for 3:1 contrast against white and black backgrounds.
  const palette = ["#0072b2", "#d55e00", "#009e73", "#cc79a7", "#e69f00", "#56b4e9", "#8a6d00", "#777777", "#9b59b6", "#2b8c8c"];
  // The drawing's own units, close to the CSS pixels a chart gets in a three-column row at 1280 px, so its 12 px labels
  // stay about 12 px on the screen (a wider drawing would shrink them to unreadable).
  const W = 400, H = 200, L = 70, R = 10, T = 12, B = 32;

  function svg(tag, attrs, text) {
    const e = document.createElementNS(NS, tag);
    for (const k in attrs) e.setAttribute(k, attrs[k]);
    if (text != null) e.textContent = text;
    return e;
  }
  function html(tag, attrs, text) {
    const e = document.createElement(tag);
    for (const k in attrs) e.setAttribute(k, attrs[k]);
    if (text != null) e.textContent = text;
    return e;
  }
  const grouped = n => Math.round(n).toLocaleString("en-US");
  // 1234567 → "1.23 M": three significant figures, SI prefixes (counts, rates).
  function si(n) {
    if (n == null || !isFinite(n)) return "–";
    const a = Math.abs(n);
    for (const [f, p] of [[1e9, " G"], [1e6, " M"], [1e3, " k"]]) if (a >= f) return (n / f).toPrecision(3) + p;
    return a >= 100 || Number.isInteger(n) ? String(Math.round(n)) : n.toPrecision(3);
  }
  // Bytes in binary units, as sock stat and sock bench print them.
  function bytes(n) {
    if (n == null || !isFinite(n)) return "–";
    const a = Math.abs(n);
    for (const [f, p] of [[1 << 30, " GiB"], [1 << 20, " MiB"], [1 << 10, " KiB"]]) if (a >= f) return (n / f).toPrecision(3) + p;
    return Math.round(n) + " B";
  }
  // A round upper bound for an axis: 1, 2 or 5 times a power of ten.
  function niceMax(v) {
    if (!(v > 0)) return 1;
    const p = Math.pow(10, Math.floor(Math.log10(v)));
    for (const m of [1, 2, 5, 10]) if (v <= m * p) return m * p;
    return 10 * p;
  }
  const color = i => palette[i % palette.length];

  // The frame every chart shares: heading, an SVG with role img and a label, a legend, a note, and the table.
  function frame(parent, id, title, label) {
    const fig = html("figure", { class: "chart", id });
    fig.appendChild(html("figcaption", {}, title));
    const chart = svg("svg", { viewBox: `0 0 ${W} ${H}`, role: "img", "aria-label": label, preserveAspectRatio: "xMidYMid meet" });
    const legend = html("ul", { class: "legend" });
    const note = html("p", { class: "note" });
    const details = html("details", { class: "data" });
    details.appendChild(html("summary", {}, "Data table"));
    fig.append(chart, legend, note, details);
    parent.appendChild(fig);
    return { fig, chart, legend, note, details };
  }
  // A series may name its colour (scan states have theirs); otherwise the palette's in order.
  const hue = (ser, i) => ser.color || color(i);
  function legendOf(f, series) {
    f.legend.replaceChildren(...series.map((s, i) => {
      const li = html("li");
      li.append(html("span", { class: "swatch", style: `background:${hue(s, i)}`, "aria-hidden": "true" }), document.createTextNode(s.name));
      return li;
    }));
  }
  // A table with a caption, header cells with scope, and optional data attributes on each row (rows[i].attrs).
  function table(f, caption, headers, rows) {
    const t = html("table", { class: "alt" });
    t.appendChild(html("caption", {}, caption));
    const head = html("tr");
    for (const h of headers) head.appendChild(html("th", { scope: "col" }, h));
    t.appendChild(html("thead")).appendChild(head);
    const body = t.appendChild(html("tbody"));
    for (const r of rows) {
      const tr = html("tr", r.attrs || {});
      r.cells.forEach((c, i) => tr.appendChild(html(i === 0 ? "th" : "td", i === 0 ? { scope: "row" } : {}, c)));
      body.appendChild(tr);
    }
    const old = f.details.querySelector("table");
    if (old) old.replaceWith(t); else f.details.appendChild(t);
    return t;
  }
  function axes(g, yMax, yFormat, xLabels) {
    for (const f of [0, 0.5, 1]) {
      const y = T + (H - T - B) * (1 - f);
      g.appendChild(svg("line", { x1: L, x2: W - R, y1: y, y2: y, class: "grid" }));
      g.appendChild(svg("text", { x: L - 6, y: y + 4, "text-anchor": "end", class: "tick" }, yFormat(yMax * f)));
    }
    // A label may have two lines ("registered\n1024–49151"): a narrow bar has room for neither side by side.
    for (const [x, text, anchor] of xLabels) {
      const label = svg("text", { x, y: H - 18, "text-anchor": anchor, class: "tick" });
      String(text).split("\n").forEach((line, i) => label.appendChild(svg("tspan", { x, dy: i === 0 ? 0 : 14 }, line)));
      g.appendChild(label);
    }
  }

  /**
   * Lines (or stacked areas) over x: xs ascending numbers, series [{name, values}] with one value per x (null: no point).
   * opts: stacked, yFormat, xLabels [[x value, text]], logX.
   */
  function lines(f, xs, series, opts) {
    const g = svg("g");
    const stacked = !!opts.stacked;
    const tx = opts.logX ? v => Math.log10(v) : v => v;
    const x0 = tx(xs[0]), x1 = xs.length > 1 ? tx(xs[xs.length - 1]) : x0 + 1;
    const px = v => L + (W - L - R) * (x1 === x0 ? 0 : (tx(v) - x0) / (x1 - x0));
    const tops = xs.map((_, i) => series.reduce((s, ser) => s + (stacked ? (ser.values[i] || 0) : 0), 0));
    const top = stacked ? Math.max(0, ...tops) : Math.max(0, ...series.flatMap(s => s.values.filter(v => v != null)));
    // Bytes get round binary steps (1, 2, 5 MiB), not 9.54 MiB.
    const unit = opts.binary && top > 0 ? Math.pow(1024, Math.floor(Math.log(top) / Math.log(1024))) : 1;
    const yMax = niceMax(top / unit) * unit;
    const py = v => T + (H - T - B) * (1 - v / yMax);
    axes(g, yMax, opts.yFormat || si, (opts.xLabels || []).map(([v, t], i, all) => [px(v), t, i === 0 && all.length > 1 ? "start" : i === all.length - 1 && all.length > 1 ? "end" : "middle"]));
    const base = xs.map(() => 0);
    series.forEach((ser, si_) => {
      if (stacked) {
        const top = xs.map((_, i) => base[i] + (ser.values[i] || 0));
        const upper = xs.map((x, i) => `${px(x).toFixed(1)},${py(top[i]).toFixed(1)}`);
        const lower = xs.map((x, i) => `${px(x).toFixed(1)},${py(base[i]).toFixed(1)}`).reverse();
        const shape = xs.length === 1 ? svg("rect", { x: L, width: W - L - R, y: py(top[0]), height: Math.max(0, py(base[0]) - py(top[0])), fill: hue(ser, si_), opacity: 0.8 })
          : svg("polygon", { points: upper.concat(lower).join(" "), fill: hue(ser, si_), opacity: 0.8 });
        shape.appendChild(svg("title", {}, ser.name));
        g.appendChild(shape);
        top.forEach((v, i) => base[i] = v);
      } else {
        const pts = xs.map((x, i) => ser.values[i] == null ? null : `${px(x).toFixed(1)},${py(ser.values[i]).toFixed(1)}`).filter(p => p);
        const line = svg("polyline", { points: pts.join(" "), fill: "none", stroke: hue(ser, si_), "stroke-width": 2 });
        line.appendChild(svg("title", {}, ser.name));
        g.appendChild(line);
        if (opts.markers || pts.length === 1)
          for (const p of pts) { const [cx, cy] = p.split(","); g.appendChild(svg("circle", { cx, cy, r: 3.5, fill: hue(ser, si_) })); }
      }
    });
    f.chart.replaceChildren(g);
    legendOf(f, series);
  }

  /** Bars per category, the series stacked: categories [names], series [{name, values}]. */
  function bars(f, categories, series, opts) {
    const g = svg("g");
    const totals = categories.map((_, i) => series.reduce((s, ser) => s + (ser.values[i] || 0), 0));
    const yMax = niceMax(Math.max(0, ...totals));
    const py = v => T + (H - T - B) * (1 - v / yMax);
    // Many narrow bars (a histogram) label every n-th category and leave the count to the bar's tooltip and the table.
    const every = Math.max(1, Math.ceil(categories.length / 5)), dense = categories.length > 12;
    const slot = (W - L - R) / categories.length, bw = Math.min(120, slot * (dense ? 0.9 : 0.6));
    axes(g, yMax, (opts && opts.yFormat) || si, categories.map((c, i) => [L + slot * (i + 0.5), c, "middle"]).filter((_, i) => i % every === 0));
    categories.forEach((c, i) => {
      let base = 0;
      series.forEach((ser, k) => {
        const v = ser.values[i] || 0;
        if (v > 0) {
          const r = svg("rect", { x: L + slot * (i + 0.5) - bw / 2, width: bw, y: py(base + v), height: py(base) - py(base + v), fill: hue(ser, k) });
          r.appendChild(svg("title", {}, `${c}: ${ser.name} ${v}`));
          g.appendChild(r);
        }
        base += v;
      });
      if (!dense) g.appendChild(svg("text", { x: L + slot * (i + 0.5), y: py(totals[i]) - 4, "text-anchor": "middle", class: "value" }, String(totals[i])));
    });
    f.chart.replaceChildren(g);
    legendOf(f, series);
  }

  /** A grid of cells: rows × cols, cell(r, c) gives the state name; states [{name, color}] in legend order. */
  function grid(f, rows, cols, cell, states) {
    const g = svg("g");
    const left = 110, top = 24, cw = Math.max(1, (W - left - R) / Math.max(1, cols.length)), ch = Math.min(28, (H - top - 8) / Math.max(1, rows.length));
    f.chart.setAttribute("viewBox", `0 0 ${W} ${Math.max(60, top + ch * rows.length + 8)}`);
    const every = Math.ceil(cols.length / 12);
    cols.forEach((c, j) => { if (j % every === 0) g.appendChild(svg("text", { x: left + cw * (j + 0.5), y: top - 8, "text-anchor": "middle", class: "tick" }, String(c))); });
    rows.forEach((r, i) => {
      g.appendChild(svg("text", { x: left - 6, y: top + ch * (i + 0.5) + 4, "text-anchor": "end", class: "tick" }, r));
      cols.forEach((c, j) => {
        const name = cell(i, j);
        const st = states.find(s => s.name === name);
        const rect = svg("rect", { x: left + cw * j + 0.5, y: top + ch * i + 0.5, width: Math.max(0.5, cw - 1), height: Math.max(0.5, ch - 1), fill: st ? st.color : "none", class: "cell" });
        rect.appendChild(svg("title", {}, `${r} port ${c}: ${name || "not probed"}`));
        g.appendChild(rect);
      });
    });
    f.chart.replaceChildren(g);
    legendOf(f, states);
  }

  // ---- results: sock scan --json and sock bench --json ----

  /** Which result a parsed --json document is: "scan", "bench" or null. */
  function kindOf(doc) {
    if (doc && Array.isArray(doc.hosts) && typeof doc.protocol === "string") return "scan";
    if (doc && doc.setup && doc.totals && Array.isArray(doc.intervals)) return "bench";
    return null;
  }

  const scanStates = [
    { name: "open", color: "#009e73" }, { name: "closed", color: "#9aa0a6" },
    { name: "filtered", color: "#d55e00" }, { name: "open|filtered", color: "#e69f00" }];

  function renderScan(parent, r, title) {
    const section = html("section", { class: "result scan" });
    if (title) section.appendChild(html("h2", {}, title));
    const open = r.hosts.reduce((s, h) => s + h.counts.open, 0);
    section.appendChild(html("p", { class: "summary" },
      `${r.protocol.toUpperCase()} scan of ${r.hosts.length} host${r.hosts.length === 1 ? "" : "s"} × ${r.portsPerHost} port${r.portsPerHost === 1 ? "" : "s"}: ` +
      `${open} open, in ${r.elapsedSeconds} s (${grouped(r.probes)} probes, timing ${r.timing}).`));
    parent.appendChild(section);
    const box = section.appendChild(html("div", { class: "charts" }));
    const hosts = r.hosts.map(h => h.address + (h.name ? ` (${h.name})` : ""));
    const ports = [...new Set(r.hosts.flatMap(h => h.ports.map(p => p.port)))].sort((a, b) => a - b);
    const f = frame(box, "scan-grid", "Ports by host", `Heat map of ${hosts.length} hosts by ${ports.length} ports: ${open} open`);
    const state = new Map(r.hosts.flatMap((h, i) => h.ports.map(p => [i + "/" + p.port, p.state])));
    grid(f, hosts, ports, (i, j) => state.get(i + "/" + ports[j]), scanStates);
    f.note.textContent = ports.length === 0 ? "No port to show: none was open (sock scan --all lists closed ones too)."
      : r.hosts.some(h => h.counts.closed > h.ports.filter(p => p.state === "closed").length) ? "Closed ports not listed by the scan are left out (sock scan --all lists them)." : "";
    table(f, "Every port the scan listed, by host", ["Host", "Port", "Protocol", "State", "Service", "Reason", "RTT (ms)"],
      r.hosts.flatMap((h, i) => h.ports.map(p => ({
        attrs: { "data-host": h.address, "data-port": String(p.port), "data-state": p.state },
        cells: [hosts[i], String(p.port), p.protocol, p.state, p.service || "", p.reason, p.rttMs == null ? "" : p.rttMs.toFixed(3)],
      }))));
    f.details.open = ports.length <= 40;
    const totals = frame(box, "scan-counts", "Ports by state, per host", `Open, closed and filtered ports of each host`);
    bars(totals, hosts, scanStates.map(s => ({ name: s.name, color: s.color,
      values: r.hosts.map(h => ({ open: h.counts.open, closed: h.counts.closed, filtered: h.counts.filtered, "open|filtered": h.counts.openFiltered })[s.name]) })), {});
    table(totals, "Ports of each host by state", ["Host", "Open", "Closed", "Filtered", "Open|filtered"],
      r.hosts.map((h, i) => ({ attrs: { "data-host": h.address }, cells: [hosts[i], String(h.counts.open), String(h.counts.closed), String(h.counts.filtered), String(h.counts.openFiltered)] })));
    if (r.failures && r.failures.length)
      section.appendChild(html("p", { class: "note" }, "Not scanned: " + r.failures.map(x => `${x.target} (${x.reason})`).join("; ")));
    return section;
  }

  function renderBench(parent, r, title) {
    const s = r.setup, t = r.totals;
    const section = html("section", { class: "result bench" });
    if (title) section.appendChild(html("h2", {}, title));
    section.appendChild(html("p", { class: "summary" }, s.statement));
    parent.appendChild(section);
    const box = section.appendChild(html("div", { class: "charts" }));
    const xs = r.intervals.map(i => i.endSeconds);
    const xLabels = xs.length ? [[xs[0], xs[0].toFixed(1) + " s"], [xs[xs.length - 1], xs[xs.length - 1].toFixed(1) + " s"]] : [];
    const gbps = s.mode === "throughput";
    const f = frame(box, "bench-throughput", gbps ? "Throughput over time (Gbit/s)" : "Rate over time (per second)",
      gbps ? `Throughput per interval; total ${t.senderGbps.toFixed(3)} Gbit/s sent` : `Rate per interval; total ${si(t.messagesPerSecond)} per second`);
    const unit = { connect: "connections/s", http: "requests/s", udp: "datagrams/s" }[s.mode] || "messages/s";
    const series = gbps
      ? [{ name: "sender Gbit/s", values: r.intervals.map(i => i.senderGbps) }].concat(r.intervals.some(i => i.receiverGbps != null) ? [{ name: "receiver Gbit/s", values: r.intervals.map(i => i.receiverGbps) }] : [])
      : [{ name: unit, values: r.intervals.map(i => i.messagesPerSecond) }];
    if (xs.length) lines(f, xs, series, { xLabels, markers: xs.length < 30, yFormat: gbps ? v => v.toFixed(2) : si });
    else f.note.textContent = "No interval was reported (the run was shorter than one interval).";
    table(f, "Each interval of the run", ["Interval (s)"].concat(series.map(x => x.name), ["bytes sent", "bytes received", "errors"]),
      r.intervals.map(i => ({ cells: [`${i.startSeconds.toFixed(2)}–${i.endSeconds.toFixed(2)}`].concat(series.map(x => { const v = x.values[r.intervals.indexOf(i)]; return v == null ? "" : gbps ? v.toFixed(3) : grouped(v); }), [grouped(i.bytesSent), grouped(i.bytesReceived), String(i.errors)]) })));
    const totalsTable = html("table", { class: "totals" });
    totalsTable.appendChild(html("caption", {}, "Totals"));
    const rows = [["measured", t.seconds.toFixed(2) + " s"], [s.mode === "connect" ? "connections" : s.mode === "http" ? "requests" : "messages", grouped(t.messages)],
      ["per second", grouped(t.messagesPerSecond)], ["bytes sent", grouped(t.bytesSent)], ["bytes received", grouped(t.bytesReceived)]];
    if (gbps) rows.push(["sender", t.senderGbps.toFixed(3) + " Gbit/s"], ["receiver", t.receiverGbps == null ? "not reported" : t.receiverGbps.toFixed(3) + " Gbit/s"]);
    else if (s.mode !== "connect") rows.push(["payload", t.mibPerSecond.toFixed(2) + " MiB/s"]);
    rows.push(["errors", grouped(t.errors + (t.mismatches || 0))]);
    for (const [k, v] of rows) { const tr = html("tr"); tr.append(html("th", { scope: "row" }, k), html("td", {}, v)); totalsTable.appendChild(tr); }
    section.appendChild(totalsTable);
    const l = r.latency;
    if (l) {
      const pts = [["p50", 50, l.p50Ms], ["p90", 90, l.p90Ms], ["p99", 99, l.p99Ms], ["p99.9", 99.9, l.p999Ms]];
      // Percentiles on a log scale of 1/(1−p), as HdrHistogram plots them: the tail gets the room. The whole
      // distribution where the result carries it (the last step, 100 %, has no place on that scale), else the four.
      const steps = (l.distribution || []).filter(d => d.percentile < 100);
      const lf = frame(box, "bench-latency", "Latency by percentile (ms)", `Latency percentiles: p50 ${l.p50Ms} ms, p99 ${l.p99Ms} ms, max ${l.maxMs} ms`);
      if (steps.length > 1) {
        const named = [["p50", 50], ["p90", 90], ["p99", 99], ["p99.9", 99.9], ["p99.99", 99.99], ["p99.999", 99.999]].filter(([, p]) => p <= steps[steps.length - 1].percentile);
        lines(lf, steps.map(d => 100 / (100 - d.percentile)), [{ name: "latency ms", values: steps.map(d => d.ms) }],
          { logX: true, yFormat: v => v.toPrecision(3), xLabels: named.map(([k, p]) => [100 / (100 - p), k]) });
      } else
        lines(lf, pts.map(p => 100 / (100 - p[1])), [{ name: "latency ms", values: pts.map(p => p[2]) }],
          { logX: true, markers: true, yFormat: v => v.toPrecision(3), xLabels: pts.map(p => [100 / (100 - p[1]), p[0]]) });
      lf.note.textContent = `${grouped(l.count)} samples, measured from the ${l.measuredFrom}; min ${l.minMs} ms, mean ${l.meanMs} ms, max ${l.maxMs} ms.`;
      table(lf, "Latency percentiles", ["Percentile", "ms"],
        [["min", l.minMs], ["p50", l.p50Ms], ["p90", l.p90Ms], ["p99", l.p99Ms], ["p99.9", l.p999Ms], ["max", l.maxMs]].map(([k, v]) => ({ attrs: { "data-percentile": k }, cells: [k, String(v)] })));
      lf.details.open = true;
      if (l.bins && l.bins.length) {
        const ms = v => v >= 1 ? +v.toPrecision(3) + " ms" : v >= 0.001 ? +(v * 1000).toPrecision(3) + " µs" : +(v * 1e6).toPrecision(3) + " ns";
        const hf = frame(box, "bench-histogram", "Latency histogram (samples per band)", `Latency histogram: ${l.bins.length} bands from ${ms(l.bins[0].fromMs)} to ${ms(l.bins[l.bins.length - 1].toMs)}`);
        bars(hf, l.bins.map(b => ms(b.toMs)), [{ name: "samples", values: l.bins.map(b => b.count) }], {});
        hf.note.textContent = "Each bar holds the samples up to the latency under it, from the bar before; bands end at 1, 1.5, 2, 3, 5 and 7 times a power of ten.";
        table(hf, "Samples in each latency band", ["Band (ms)", "samples", "share"],
          l.bins.map(b => ({ attrs: { "data-to-ms": String(b.toMs) }, cells: [`${b.fromMs}–${b.toMs}`, grouped(b.count), (100 * b.count / l.count).toFixed(2) + " %"] })));
      }
      if (r.intervals.some(i => i.p50Ms != null)) {
        const tf = frame(box, "bench-latency-time", "Latency over time (ms)", "p50 and p99 latency per interval");
        lines(tf, xs, [{ name: "p50 ms", values: r.intervals.map(i => i.p50Ms) }, { name: "p99 ms", values: r.intervals.map(i => i.p99Ms) }], { xLabels, markers: xs.length < 30, yFormat: v => v.toPrecision(3) });
        table(tf, "p50 and p99 latency of each interval", ["Interval (s)", "p50 ms", "p99 ms"],
          r.intervals.map(i => ({ cells: [`${i.startSeconds.toFixed(2)}–${i.endSeconds.toFixed(2)}`, String(i.p50Ms ?? ""), String(i.p99Ms ?? "")] })));
      }
    }
    if (r.udp) section.appendChild(html("p", { class: "note" }, `UDP: ${grouped(r.udp.delivered)} delivered, ${grouped(r.udp.lost)} lost (${r.udp.lossPercent}%), ${r.udp.reordered} reordered, ${r.udp.duplicated} duplicated, jitter ${r.udp.jitterMs} ms.`));
    return section;
  }

  /** Renders a result document (scan or bench --json) into parent under the title; false if it is neither. */
  function renderResult(parent, doc, title) {
    const kind = kindOf(doc);
    if (kind === "scan") { renderScan(parent, doc, title); return true; }
    if (kind === "bench") { renderBench(parent, doc, title); return true; }
    return false;
  }

  return { frame, table, lines, bars, grid, renderResult, kindOf, si, bytes, grouped, color };
})();
