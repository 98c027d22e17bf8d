// The public portal: renders /public/data.json; no third-party request, no framework.
"use strict";
(function () {
  const LANG = document.documentElement.lang === "en" ? "en" : "vi";
  const T = {
    vi: {
      noData: "Không có dữ liệu", updated: "cập nhật", minAgo: "phút trước", hAgo: "giờ trước",
      justNow: "vừa xong", daily: "AQI ngày", dominant: "Thông số chính", advice: "Khuyến nghị",
      sensitive: "Nhóm nhạy cảm", param: "Thông số", value: "Giá trị", unit: "Đơn vị",
      chart: "Biểu đồ 7 ngày", chartTitle: "VN_AQI giờ, 7 ngày qua", lastData: "Dữ liệu cuối",
      never: "chưa từng có", dataAt: "Số liệu thay đổi lúc", offline: "Ngoại tuyến: bản lưu lúc",
      source: "Nguồn", licence: "Giấy phép", method: "Phương pháp",
      state: { compliant: "Đạt QCVN", near_limit: "Gần giới hạn", exceeding: "Vượt QCVN" },
      notAssessed: "Chưa đánh giá", fluegas: "Khí thải", wastewater: "Nước thải",
      verdict: { meets: "Đạt QCVN", exceeds: "Vượt QCVN", no_limit: "Không có giới hạn", no_data: "Không có dữ liệu" },
      round: "Đợt", noMatch: "Không tìm thấy xã, phường này", level: "Cấp", rain24: "mưa 24 giờ",
    },
    en: {
      noData: "No data", updated: "updated", minAgo: "min ago", hAgo: "h ago",
      justNow: "just now", daily: "Daily AQI", dominant: "Dominant pollutant", advice: "Advice",
      sensitive: "Sensitive groups", param: "Parameter", value: "Value", unit: "Unit",
      chart: "7-day chart", chartTitle: "Hourly VN_AQI, last 7 days", lastData: "Last data",
      never: "never", dataAt: "Data changed at", offline: "Offline: copy saved at",
      source: "Source", licence: "Licence", method: "Method",
      state: { compliant: "Meets QCVN", near_limit: "Near the limit", exceeding: "Exceeds QCVN" },
      notAssessed: "Not assessed", fluegas: "Flue gas", wastewater: "Wastewater",
      verdict: { meets: "Meets QCVN", exceeds: "Exceeds QCVN", no_limit: "No limit", no_data: "No data" },
      round: "Round", noMatch: "No such commune", level: "Level", rain24: "24-h rain",
    },
  }[LANG];

  // Accent-insensitive: strip combining marks, đ → d, lower case.
  function fold(s) {
    return (s || "").normalize("NFD").replace(/[\u0300-\u036f]/g, "").replace(/đ/g, "d").replace(/Đ/g, "d").toLowerCase().trim();
  }
  function el(tag, attrs, ...kids) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === null || v === undefined) continue;
      if (k === "class") e.className = v; else e.setAttribute(k, v);
    }
    for (const k of kids) if (k !== null && k !== undefined) e.append(k);
    return e;
  }
  function ago(iso) {
    if (!iso) return T.never;
    const min = Math.max(0, Math.round((Date.now() - Date.parse(iso)) / 60000));
    if (min < 1) return `${T.updated} ${T.justNow}`;
    if (min < 120) return `${T.updated} ${min} ${T.minAgo}`;
    return `${T.updated} ${Math.round(min / 60)} ${T.hAgo}`;
  }
  function localTime(iso) {
    return iso ? `${iso.slice(11, 16)} ${iso.slice(8, 10)}/${iso.slice(5, 7)}/${iso.slice(0, 4)}` : "—";
  }
  function fmt(v) {
    return v === null || v === undefined ? "—" : Number(v).toLocaleString(LANG === "en" ? "en-GB" : "vi-VN", { maximumFractionDigits: 1 });
  }

  function aqiBox(h, cats) {
    if (!h) {
      return el("div", { class: "aqi nodata", "data-state": "no-data" }, el("span", { class: "num" }, T.noData));
    }
    const label = LANG === "en" ? h.label_en : h.label_vi;
    return el("div", { class: `aqi c${h.category}`, "data-aqi": String(h.aqi), "data-at": h.at },
      el("span", { class: "num" }, String(h.aqi)),
      el("span", { class: "lab" }, label),
      el("span", null, `${T.dominant}: ${h.dominant || "—"}`));
  }

  function advice(h, cats) {
    if (!h) return null;
    const c = cats[h.category];
    const general = LANG === "en" ? c.general_en : c.general_vi;
    const sens = LANG === "en" ? c.sensitive_en : c.sensitive_vi;
    return el("p", { class: "advice" }, el("strong", null, `${T.advice}: `), general, " ", el("strong", null, `${T.sensitive}: `), sens);
  }

  function concTable(conc) {
    const codes = Object.keys(conc || {});
    if (!codes.length) return null;
    const body = el("tbody");
    for (const code of codes) {
      const v = conc[code];
      body.append(el("tr", null, el("th", { scope: "row" }, code), el("td", null, fmt(v.value)), el("td", null, v.unit || "")));
    }
    return el("table", { class: "conc" },
      el("thead", null, el("tr", null, el("th", { scope: "col" }, T.param), el("th", { scope: "col" }, T.value), el("th", { scope: "col" }, T.unit))),
      body);
  }

  function drawChart(box, rows) {
    const W = 700, H = 120, max = Math.max(100, ...rows.map((r) => r.aqi));
    const ns = "http://www.w3.org/2000/svg";
    const svg = document.createElementNS(ns, "svg");
    svg.setAttribute("viewBox", `0 0 ${W} ${H}`);
    svg.setAttribute("role", "img");
    svg.setAttribute("aria-label", `${T.chartTitle}: ${rows.length}`);
    const t0 = Date.now() - 7 * 86400000;
    const bw = W / (7 * 24);
    for (const r of rows) {
      const x = ((Date.parse(r.at) - t0) / 3600000) * bw;
      const h = (r.aqi / max) * (H - 4);
      const rect = document.createElementNS(ns, "rect");
      rect.setAttribute("x", x.toFixed(1)); rect.setAttribute("width", Math.max(1, bw - 0.5).toFixed(1));
      rect.setAttribute("y", (H - h).toFixed(1)); rect.setAttribute("height", h.toFixed(1));
      rect.setAttribute("fill", r.colour);
      svg.append(rect);
    }
    box.replaceChildren(svg);
  }

  function airCard(s, cats) {
    const card = el("article", { class: "card", id: s.id, "data-commune": fold(s.commune), "aria-labelledby": `t-${s.id}` },
      el("h3", { id: `t-${s.id}` }, s.name),
      el("p", { class: "commune" }, s.commune || ""),
      aqiBox(s.hourly, cats),
      el("p", { class: "fresh" }, s.hourly ? `VN_AQI ${localTime(s.hourly.at)} · ${ago(s.last_observed_at)}` : `${T.lastData}: ${s.last_observed_at ? localTime(s.last_observed_at) : T.never}`),
      advice(s.hourly, cats),
      s.daily ? el("p", { class: "daily" }, `${T.daily} ${s.daily.at.slice(0, 10)}: ${s.daily.aqi} (${LANG === "en" ? s.daily.label_en : s.daily.label_vi})`) : null,
      concTable(s.concentrations));
    const chart = el("div", { class: "chart", id: `chart-${s.id}` });
    const btn = el("button", { type: "button", "aria-controls": `chart-${s.id}` }, T.chart);
    btn.addEventListener("click", () => {
      fetch(`/public/stations/${encodeURIComponent(s.id)}/week.json`).then((r) => r.json()).then((w) => drawChart(chart, w.hours));
    });
    card.append(btn, chart);
    return card;
  }

  function sourceRow(s) {
    const state = s.status === "no_data" ? T.noData : (T.state[s.state] || T.notAssessed);
    const li = el("li", { "data-commune": fold(s.commune) },
      el("strong", null, s.name), ` — ${s.facility || ""} (${T[s.kind] || s.kind}, ${s.commune || ""}) `,
      el("span", { class: "badge" }, state));
    if (s.values) li.append(concTable(s.values));
    return li;
  }

  function pointRow(p) {
    const li = el("li", { "data-commune": fold(p.commune) },
      el("strong", null, p.name), ` — ${p.commune || ""} · ${T.round} ${p.round || "—"} `,
      el("span", { class: "badge" }, T.verdict[p.status] || T.notAssessed));
    const bad = Object.entries(p.results || {}).filter(([, r]) => r.verdict === "exceeds");
    if (bad.length) li.append(el("div", null, bad.map(([c, r]) => `${c} ${fmt(r.value)} ${r.unit || ""}`).join("; ")));
    return li;
  }

  function render(doc, offline) {
    const cats = {};
    for (const c of doc.categories) cats[c.category] = c;
    const stamp = document.getElementById("stamp");
    stamp.textContent = `${offline ? T.offline : T.dataAt} ${localTime(doc.data_changed_at)}`;
    stamp.classList.toggle("offline", !!offline);
    document.getElementById("air").replaceChildren(...doc.air.map((s) => airCard(s, cats)));
    document.getElementById("sources").replaceChildren(...doc.sources.map(sourceRow));
    document.getElementById("sources-section").hidden = !doc.sources.length;
    document.getElementById("points").replaceChildren(...doc.points.map(pointRow));
    document.getElementById("legend").replaceChildren(...doc.categories.map((c) =>
      el("li", null, el("span", { class: `badge c${c.category}` }, `${c.aqi_from}–${c.aqi_to} ${LANG === "en" ? c.label_en : c.label_vi}`), " ", LANG === "en" ? c.health_en : c.health_vi)));
    document.getElementById("commune-list").replaceChildren(...doc.communes.map((n) => el("option", { value: n })));
    drawMap(doc);
    document.getElementById("source").textContent = `${T.source}: ${doc.attribution} · ${T.licence}: ${doc.licence} · ${T.method}: ${doc.method}`;
  }

  // The map: basemap tiles only through our proxy, inside its box and zooms; the commune or
  // province outlines are always drawn, so the map still reads when no tile is available.
  let map = null;
  let markers = null;
  function drawMap(doc) {
    if (!window.L) return;
    if (!map) {
      map = L.map("map", { zoomControl: true, attributionControl: true });
      map.fitBounds([[21.3, 106.1], [22.45, 107.35]]); // the province
      const b = doc.basemap;
      if (b) {
        map.setMinZoom(b.min_zoom); map.setMaxZoom(b.max_zoom);
        L.tileLayer(b.url, { attribution: b.attribution, bounds: b.bounds, minZoom: b.min_zoom, maxZoom: b.max_zoom }).addTo(map);
      }
      fetch("/public/outlines.geojson").then((r) => r.json()).then((fc) => {
        L.geoJSON(fc, { style: { color: "#0b4f6c", weight: 1, fill: false }, interactive: false }).addTo(map);
      }).catch(() => {});
      markers = L.layerGroup().addTo(map);
    }
    markers.clearLayers();
    for (const s of doc.air) {
      const h = s.hourly;
      const colour = h ? h.colour : "#757575";
      const label = h ? `${s.name}: VN_AQI ${h.aqi} (${LANG === "en" ? h.label_en : h.label_vi})` : `${s.name}: ${T.noData}`;
      L.circleMarker([s.lat, s.lon], { radius: 10, color: "#222", weight: 1, fillColor: colour, fillOpacity: 0.9 })
        .bindTooltip(label).addTo(markers);
    }
  }

  function filter() {
    const q = fold(document.getElementById("search").value);
    for (const node of document.querySelectorAll("[data-commune]")) {
      node.classList.toggle("hidden", !!q && !node.getAttribute("data-commune").includes(q));
    }
  }

  // Issue 17's warning layer: shown when GET /api/warnings exists and answers, hidden otherwise.
  function warnings() {
    if (document.body.dataset.warnings !== "1") return;
    fetch("/api/warnings", { headers: { Accept: "application/geo+json" } }).then((r) => (r.ok ? r.json() : null)).then((fc) => {
      if (!fc || !Array.isArray(fc.features) || !fc.features.length) return;
      const list = document.getElementById("warning-list");
      const communes = fc.features.filter((f) => (f.properties || {}).place_type !== "zone");
      if (!communes.length) return;
      list.replaceChildren(...communes.map((f) => {
        const p = f.properties || {};
        const name = p.name || p.commune || p.place_id || "";
        const level = p.issued_level ?? p.level;
        const none = p.status === "no_data" || level === null || level === undefined;
        const rain = p.rain24_mm === null || p.rain24_mm === undefined ? "" : ` · ${T.rain24} ${fmt(p.rain24_mm)} mm`;
        return el("li", { "data-commune": fold(name) }, el("strong", null, name), " ",
          el("span", { class: none ? "badge nodata" : "badge" }, none ? T.noData : `${T.level} ${level}`), rain);
      }));
      document.getElementById("warnings").hidden = false;
    }).catch(() => {});
  }

  function load() {
    fetch("/public/data.json").then((r) => {
      const offline = r.headers.get("X-Offline-Copy") === "1";
      return r.json().then((doc) => render(doc, offline));
    }).then(filter).catch(() => {
      document.getElementById("stamp").textContent = T.noData;
    });
  }

  document.addEventListener("DOMContentLoaded", () => {
    document.getElementById("search").addEventListener("input", filter);
    document.getElementById("search-form").addEventListener("submit", (e) => e.preventDefault());
    load();
    warnings();
    if ("serviceWorker" in navigator) navigator.serviceWorker.register("/public/sw.js", { scope: "/public" }).catch(() => {});
  });
})();
