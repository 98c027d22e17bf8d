/* quantrac staff map: fills the folium-composed Leaflet map with live data.
 *
 * The page (maps/compose.py) creates the map, one empty feature group per layer, the base layers
 * and the layer control, then calls quantracMap.start(handles, config). Everything here reads
 * only the URLs listed in config.endpoints (absent endpoints are null and never requested), or,
 * in a standalone snapshot, the data inlined in config.data. No request leaves localhost.
 */
(function () {
  "use strict";

  var QT = { version: 1, ready: {}, errors: [] };
  window.quantracMap = QT;

  // ----------------------------------------------------------------------------------- helpers
  function esc(text) {
    return String(text === undefined || text === null ? "" : text)
      .replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;")
      .replace(/"/g, "&quot;").replace(/'/g, "&#39;");
  }
  function fold(text) {
    // Search ignores case and Vietnamese diacritics: "dong tan" finds "Đông Tân".
    return String(text || "").toLowerCase().replace(/đ/g, "d")
      .normalize("NFD").replace(/[\u0300-\u036f]/g, "");
  }
  function el(tag, cls, html) {
    var node = document.createElement(tag);
    if (cls) node.className = cls;
    if (html !== undefined) node.innerHTML = html;
    return node;
  }
  function fill(template, values) {
    return template.replace(/\{(\w+)\}/g, function (_m, key) {
      return values[key] === undefined ? "{" + key + "}" : values[key];
    });
  }

  // --------------------------------------------------------------------------------- the app
  function App(handles, cfg) {
    this.map = handles.map;
    this.control = handles.control;
    this.groups = handles.groups;
    this.bases = handles.bases || {};
    this.cfg = cfg;
    this.ready = QT.ready;
    this.lang = cfg.lang;
    this.snapshot = !!cfg.data;
    this.data = {};
    this.stationMarkers = {};
    this.stationIndex = {};
    this.alerts = {};
    this.rasters = [];
    this.notices = {};
    this.openStation = null;
  }

  App.prototype.t = function (key) {
    var table = this.cfg.strings[this.lang] || {};
    if (table[key] !== undefined) return table[key];
    var vi = this.cfg.strings.vi || {};
    return vi[key] !== undefined ? vi[key] : key;
  };
  App.prototype.label = function (obj, base) {
    // Bilingual fields: label_vi/label_en, title_vi/title_en, message_vi/message_en.
    if (!obj) return "";
    var name = (base || "label") + "_" + this.lang;
    return obj[name] || obj[(base || "label") + "_vi"] || obj[base || "label"] || "";
  };
  App.prototype.locale = function () {
    return this.lang === "vi" ? "vi-VN" : "en-GB";
  };
  App.prototype.time = function (iso, short) {
    if (!iso) return "—";
    var date = typeof iso === "number" ? new Date(iso * 1000) : new Date(iso);
    if (isNaN(date.getTime())) return esc(iso);
    var opts = { timeZone: this.cfg.tz, hour: "2-digit", minute: "2-digit", hour12: false };
    if (!short) {
      opts.day = "2-digit";
      opts.month = "2-digit";
      opts.year = "numeric";
    }
    return new Intl.DateTimeFormat(this.locale(), opts).format(date);
  };
  App.prototype.day = function (ms) {
    return new Intl.DateTimeFormat(this.locale(), { timeZone: this.cfg.tz, day: "2-digit", month: "2-digit" })
      .format(new Date(ms));
  };
  App.prototype.num = function (value, digits) {
    if (value === null || value === undefined || value === "" || isNaN(Number(value))) return "—";
    return Number(value).toLocaleString(this.locale(), {
      maximumFractionDigits: digits === undefined ? 2 : digits,
    });
  };
  App.prototype.url = function (name, values) {
    var template = this.cfg.endpoints[name];
    if (!template) return null;
    return this.cfg.base + fill(template, values || {});
  };
  // A code means different things in different media (NO2 is nitrite in water, nitrogen dioxide
  // in air): laboratory results are named from the lab catalogue for their medium first.
  App.prototype.paramName = function (code, medium) {
    var byMedium = (this.cfg.point_parameters || {})[MEDIUM_ALIASES[medium] || medium] || {};
    var p = byMedium[code] || this.cfg.parameters[code];
    return p ? (this.lang === "vi" ? p.vi : p.en) : code;
  };

  // Fetch JSON; any failure (404, 5xx, network, bad JSON) resolves to null and is shown as a
  // quiet notice, never thrown: one missing layer must not break the page.
  App.prototype.getJSON = function (name, url) {
    var self = this;
    if (!url) return Promise.resolve(null);
    return fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (res) {
        if (!res.ok) throw new Error(String(res.status));
        return res.json();
      })
      .then(function (body) {
        delete self.notices[name];
        self.renderStatus();
        return body;
      })
      .catch(function () {
        self.notices[name] = true;
        self.renderStatus();
        return null;
      });
  };
  App.prototype.load = function (name) {
    if (this.snapshot) return Promise.resolve(this.cfg.data[name] || null);
    return this.getJSON(name, this.url(name));
  };

  // ------------------------------------------------------------------------------ station state
  var FAULT_STATUS = { "01": true, "02": true };

  // The state that colours a station marker. Order matters: no data first, then compliance
  // (exceeding, near limit), then device faults, then compliant / not yet assessed.
  QT.stationState = function (p) {
    if (!p || p.data_status === "offline" || p.data_status === "no_data") return "offline";
    var params = p.parameters || {};
    var codes = Object.keys(params);
    var state = p.compliance_state;
    if (!state && (Number(p.open_exceedances) > 0 ||
        (Array.isArray(p.exceedances) && p.exceedances.length))) state = "exceeding";
    if (!state) {
      var worst = 0;
      codes.forEach(function (c) {
        var r = Number(params[c].ratio);
        if (!isNaN(r) && r > worst) worst = r;
      });
      if (worst > 1) state = "exceeding";
      else if (worst >= 0.8) state = "near_limit";
    }
    if (state === "exceeding" || state === "near_limit") return state;
    var faults = codes.filter(function (c) { return FAULT_STATUS[params[c].status]; });
    if (faults.length) return "fault";
    if (state === "limit_missing") return "limit_missing"; // never green without a limit
    if (state === "compliant") return "compliant";
    return "unassessed";
  };

  // Programme verdicts (stations.programme.evaluate) -> legend classes of the points layer.
  var POINT_STATUS = {
    meets: "compliant", exceeds: "exceeding", near_limit: "near_limit", no_limit: "no_limit",
    no_data: "no_result", compliant: "compliant", exceeding: "exceeding",
  };

  QT.pointResult = function (p) {
    if (!p) return "no_result";
    if (p.status && POINT_STATUS[p.status]) return POINT_STATUS[p.status];
    var results = pointResults(p);
    if (!results.length) return "no_result";
    var worst = 0;
    results.forEach(function (r) {
      var ratio = r.ratio !== undefined ? Number(r.ratio)
        : (r.limit ? Number(r.value) / Number(r.limit) : NaN);
      if (r.exceeds === true || r.exceeded === true) ratio = Math.max(ratio || 0, 1.01);
      if (!isNaN(ratio) && ratio > worst) worst = ratio;
    });
    if (worst > 1) return "exceeding";
    if (worst >= 0.8) return "near_limit";
    return "compliant";
  };

  function pointResults(p) {
    var raw = p.results || p.latest_results || (p.latest_round && p.latest_round.results);
    if (!raw) return [];
    if (Array.isArray(raw)) return raw;
    return Object.keys(raw).map(function (code) {
      var r = raw[code];
      return typeof r === "object" ? Object.assign({ parameter: code }, r) : { parameter: code, value: r };
    });
  }

  App.prototype.swatch = function (table, key) {
    var list = this.cfg.styles[table] || [];
    for (var i = 0; i < list.length; i++) if (String(list[i].key) === String(key)) return list[i];
    return list[list.length - 1];
  };
  App.prototype.aqiSwatch = function (value) {
    if (value === null || value === undefined) return null;
    var v = Math.round(Number(value));
    var list = this.cfg.styles.aqi;
    for (var i = 0; i < list.length; i++) if (v <= list[i].max) return list[i];
    return list[list.length - 1];
  };
  App.prototype.levelSwatch = function (props) {
    var level = props.level !== undefined ? props.level : props.risk_level;
    var list = this.cfg.styles.zone_levels;
    for (var i = 0; i < list.length; i++) if (String(list[i].value) === String(level)) return list[i];
    return null;
  };

  // ---------------------------------------------------------------------------------- stations
  var KIND_KEYS = { air: "kind_air", wastewater: "kind_wastewater", fluegas: "kind_fluegas" };

  App.prototype.stationIcon = function (p) {
    var state = QT.stationState(p);
    var sw = this.swatch("station_states", state);
    var aqi = aqiOf(p);
    var fillColour = sw.colour;
    var text = this.t("glyph_" + (p.kind || "air"));
    var cls = "qt-st qt-st-" + state + " qt-kind-" + esc(p.kind);
    if (p.kind === "air" && aqi && state !== "offline") {
      // Air stations wear the VN_AQI colour; their ring keeps the compliance state.
      var aqiSw = this.aqiSwatch(aqi.value);
      fillColour = aqi.colour || (aqiSw && aqiSw.colour) || fillColour;
      text = String(Math.round(aqi.value));
      cls += " qt-st-aqi";
    }
    if (p.data_status === "delayed") cls += " qt-st-delayed";
    var html = '<div class="' + cls + '" data-id="' + esc(p.id) + '" data-state="' + state +
      '" style="background:' + fillColour + ";border-color:" + sw.colour + '" title="' +
      esc(p.name) + '">' + esc(text) + (state === "exceeding" ? '<b class="qt-bang">!</b>' : "") +
      "</div>";
    return L.divIcon({ className: "qt-st-wrap", html: html, iconSize: [30, 30], iconAnchor: [15, 15] });
  };

  // ``aqi`` is a number with ``aqi_colour``/``aqi_class`` beside it (layers.stations_layer), or
  // an object {value, colour, label_vi, label_en}; both are accepted.
  function aqiOf(p) {
    if (p.aqi === null || p.aqi === undefined) return null;
    if (typeof p.aqi === "object") return p.aqi.value === null || p.aqi.value === undefined ? null : p.aqi;
    return {
      value: Number(p.aqi), colour: p.aqi_colour, category: p.aqi_category,
      label_vi: p.aqi_class, label_en: p.aqi_label_en,
    };
  }

  App.prototype.drawStations = function (fc) {
    var self = this;
    if (!fc || !fc.features) return;
    this.data.stations = fc;
    var seen = {};
    fc.features.forEach(function (f) {
      if (!f.geometry || !f.geometry.coordinates) return;
      var p = f.properties || {};
      p.id = p.id || f.id;
      seen[p.id] = true;
      self.stationIndex[p.id] = p;
      var ll = [f.geometry.coordinates[1], f.geometry.coordinates[0]];
      var marker = self.stationMarkers[p.id];
      if (!marker) {
        marker = L.marker(ll, {
          icon: self.stationIcon(p), zIndexOffset: self.stationZ(p), riseOnHover: true, keyboard: true,
        });
        marker.qtId = p.id;
        marker.bindPopup(function () { return self.stationPopup(self.stationIndex[p.id]); }, {
          maxWidth: 420, minWidth: 280, autoPanPadding: [20, 60], className: "qt-popup",
        });
        marker.on("popupopen", function () {
          self.openStation = p.id;
          self.loadChart(p.id);
        });
        marker.on("popupclose", function () { if (self.openStation === p.id) self.openStation = null; });
        marker.addTo(self.groups.stations);
        self.stationMarkers[p.id] = marker;
      } else {
        marker.setLatLng(ll);
        marker.setIcon(self.stationIcon(p));
        marker.setZIndexOffset(self.stationZ(p));
        if (marker.isPopupOpen()) {
          marker.setPopupContent(self.stationPopup(p));
          self.loadChart(p.id);
        }
      }
    });
    Object.keys(this.stationMarkers).forEach(function (id) {
      if (!seen[id]) {
        self.groups.stations.removeLayer(self.stationMarkers[id]);
        delete self.stationMarkers[id];
      }
    });
    this.regroup();
    this.lastUpdate = new Date();
    this.renderStatus();
  };

  // Below zoom GROUP_BELOW, stations closer than GROUP_PX on screen are drawn as one group
  // marker that wears the worst member's state (maps.styles.STATION_STATE_ORDER), so grouping
  // never hides an exceedance; a click on it zooms to its members. Members are taken worst
  // first, so each group is centred on its worst station.
  var GROUP_BELOW = 8, GROUP_PX = 34;
  App.prototype.regroup = function () {
    var self = this, map = this.map, layer = this.groups.stations;
    (this.stationGroups || []).forEach(function (g) { layer.removeLayer(g); });
    this.stationGroups = [];
    var ids = Object.keys(this.stationMarkers);
    ids.forEach(function (id) {
      var m = self.stationMarkers[id];
      if (!layer.hasLayer(m)) layer.addLayer(m);
    });
    if (map.getZoom() >= GROUP_BELOW) return;
    var order = this.cfg.station_state_order || [];
    var rank = function (id) {
      var i = order.indexOf(QT.stationState(self.stationIndex[id]));
      return i < 0 ? order.length : i;
    };
    var at = function (id) { return map.latLngToLayerPoint(self.stationMarkers[id].getLatLng()); };
    ids.sort(function (a, b) { return rank(a) - rank(b); });
    var taken = {};
    ids.forEach(function (id) {
      if (taken[id]) return;
      var centre = at(id);
      var members = ids.filter(function (o) { return !taken[o] && at(o).distanceTo(centre) < GROUP_PX; });
      if (members.length < 2) return;
      members.forEach(function (o) {
        taken[o] = true;
        layer.removeLayer(self.stationMarkers[o]);
      });
      var worst = self.stationIndex[id];
      var g = L.marker(self.stationMarkers[id].getLatLng(), {
        icon: self.groupIcon(worst, members), zIndexOffset: self.stationZ(worst) + 1, keyboard: true,
      });
      g.on("click", function () {
        var bounds = L.latLngBounds(members.map(function (o) { return self.stationMarkers[o].getLatLng(); }));
        map.fitBounds(bounds.pad(0.5), { maxZoom: GROUP_BELOW + 2 });
      });
      layer.addLayer(g);
      self.stationGroups.push(g);
    });
  };
  App.prototype.groupIcon = function (worst, members) {
    var state = QT.stationState(worst);
    var sw = this.swatch("station_states", state);
    var title = fill(this.t("station_group"), { n: members.length, state: this.label(sw) });
    var html = '<div class="qt-st qt-grp qt-st-' + state + '" data-state="' + state + '" data-ids="' +
      esc(members.join(" ")) + '" style="background:' + sw.colour + ";border-color:" + sw.colour +
      '" title="' + esc(title) + '">' + members.length +
      (state === "exceeding" ? '<b class="qt-bang">!</b>' : "") + "</div>";
    return L.divIcon({ className: "qt-st-wrap", html: html, iconSize: [34, 34], iconAnchor: [17, 17] });
  };

  // Worst state on top where markers overlap (maps.styles.STATION_STATE_ORDER): Leaflet stacks
  // markers by screen y plus this offset, and a step of 1e5 outweighs any y on a screen.
  App.prototype.stationZ = function (p) {
    var order = this.cfg.station_state_order || [];
    var i = order.indexOf(QT.stationState(p));
    var rank = i < 0 ? 1 : 2 * (order.length - 1 - i);
    return rank * 100000;
  };

  // Popups fit the map at any screen size: width and height from the map's size (the content
  // scrolls beyond), auto-pan clear of the top bar and of a panel open on the right, so the
  // title and the close button are always on screen. Leaflet reads these options when it lays
  // out and pans, so they are set again each time a popup opens or its content grows.
  App.prototype.popupFit = function () {
    var size = this.map.getSize();
    var box = this.map.getContainer().getBoundingClientRect();
    var top = 10, right = 10;
    if (this.bar) top = Math.max(top, Math.round(this.bar.getBoundingClientRect().bottom - box.top) + 10);
    [this.alertPanel, this.exportPanel].forEach(function (panel) {
      if (!panel || panel.hidden) return;
      var b = panel.getBoundingClientRect();
      // A panel is kept clear only where the map is wide enough to leave room beside it.
      if (b.width && size.x - b.width > 480) right = Math.max(right, Math.round(box.right - b.left) + 10);
    });
    // maxWidth is the content's: the popup adds ~46 px of margins and border around it.
    var width = Math.max(180, Math.min(420, size.x - right - 10 - 50));
    return {
      maxWidth: width, minWidth: Math.min(280, width), maxHeight: Math.max(120, size.y - top - 80),
      autoPanPaddingTopLeft: L.point(10, top), autoPanPaddingBottomRight: L.point(right, 20),
    };
  };
  App.prototype.fitPopup = function (popup) {
    if (!popup || !popup.isOpen()) return;
    L.setOptions(popup, this.popupFit());
    // Layout and pan again without re-rendering the content (Popup.update would rebuild it).
    popup._updateLayout();
    popup._updatePosition();
    popup._adjustPan();
  };

  App.prototype.refreshStations = function () {
    var self = this;
    if (this.snapshot || this._refreshing) return Promise.resolve();
    this._refreshing = true;
    return this.load("stations").then(function (fc) {
      self._refreshing = false;
      if (fc) self.drawStations(fc);
    });
  };

  App.prototype.limitOf = function (p, code) {
    var param = (p.parameters || {})[code] || {};
    // layers.stations_layer: limit (or limit_low/limit_high for a range such as pH), limit_unit,
    // averaging, low_confidence and ratio = latest hourly mean ÷ limit.
    var out = {
      limit: param.limit, low: param.limit_low, high: param.limit_high, ratio: param.ratio,
      unit: param.limit_unit || param.unit, averaging: param.averaging,
      lowConfidence: param.low_confidence === true,
    };
    if (typeof out.limit === "object" && out.limit !== null) {
      out.unit = out.limit.unit || out.unit;
      out.limit = out.limit.value;
    }
    (p.exceedances || []).forEach(function (e) {
      if (e.parameter === code) {
        if (out.limit === undefined || out.limit === null) out.limit = e.limit;
        if (out.ratio === undefined || out.ratio === null) out.ratio = e.ratio;
        out.unit = e.unit || out.unit;
        out.band = e.band;
      }
    });
    return out;
  };

  // "120 mg/L (1h)", "5.5–9 (1h)" for a range, with a flag when the value is uncertain.
  App.prototype.limitText = function (lim, unit) {
    var has = function (x) { return x !== undefined && x !== null; };
    var text;
    if (has(lim.limit)) text = this.num(lim.limit) + " " + esc(lim.unit || unit || "");
    else if (has(lim.low) || has(lim.high)) {
      text = (has(lim.low) ? this.num(lim.low) : "") + "–" + (has(lim.high) ? this.num(lim.high) : "") +
        (lim.unit && lim.unit !== "-" ? " " + esc(lim.unit) : "");
    } else return "—";
    if (lim.averaging) text += ' <span class="qt-avg">(' + esc(lim.averaging) + ")</span>";
    if (lim.lowConfidence) {
      text += ' <span class="qt-flag qt-lowconf" title="' + esc(this.t("low_confidence")) + '">?</span>';
    }
    return text;
  };

  App.prototype.stationPopup = function (p) {
    var self = this;
    var state = QT.stationState(p);
    var sw = this.swatch("station_states", state);
    var html = '<div class="qt-pop qt-pop-station" data-id="' + esc(p.id) + '">';
    html += "<h3>" + esc(p.name) + "</h3>";
    html += '<div class="qt-sub">' + esc(p.id) + " · " + esc(this.t(KIND_KEYS[p.kind] || p.kind)) +
      (p.facility ? " · " + esc(p.facility) : "") + (p.commune ? " · " + esc(p.commune) : "") + "</div>";
    html += '<div class="qt-state"><span class="qt-dot" style="background:' + sw.colour + '"></span>' +
      esc(this.label(sw)) + ' · <span class="qt-ds qt-ds-' + esc(p.data_status) + '">' +
      esc(this.t("ds_" + p.data_status)) + "</span> · " + esc(this.t("last_data")) + ": " +
      this.time(p.last_observed_at) + "</div>";
    var aqi = aqiOf(p);
    if (aqi) {
      var aqiSw = this.aqiSwatch(aqi.value) || {};
      html += '<div class="qt-aqi"><span class="qt-aqi-val" style="background:' +
        esc(aqi.colour || aqiSw.colour) + '">VN_AQI ' + Math.round(aqi.value) + "</span> " +
        esc(this.label(aqi) || this.label(aqiSw)) + "</div>";
    }
    if (Number(p.open_exceedances) > 0) {
      html += '<div class="qt-exc">' + esc(this.t("open_exceedances")) + ": " + esc(p.open_exceedances) + "</div>";
    }
    var codes = Object.keys(p.parameters || {});
    if (codes.length) {
      html += '<table class="qt-table"><thead><tr><th>' + esc(this.t("parameter")) + "</th><th>" +
        esc(this.t("value")) + "</th><th>" + esc(this.t("limit")) + "</th><th>" +
        esc(this.t("ratio")) + "</th><th>" + esc(this.t("time_local")) + "</th></tr></thead><tbody>";
      codes.forEach(function (code) {
        var v = p.parameters[code];
        var lim = self.limitOf(p, code);
        var ratio = lim.ratio !== undefined && lim.ratio !== null ? Number(lim.ratio) : null;
        var rcls = ratio === null ? "" : ratio > 1 ? " qt-over" : ratio >= 0.8 ? " qt-near" : "";
        var flag = FAULT_STATUS[v.status] ? ' <span class="qt-flag">' +
          esc(self.t("device_" + v.status)) + "</span>" : "";
        html += "<tr class='qt-row" + rcls + "'><td title='" + esc(code) + "'>" +
          esc(self.paramName(code)) + "</td><td>" + self.num(v.value) + " " + esc(v.unit) + flag +
          "</td><td>" + self.limitText(lim, v.unit) +
          "</td><td title='" + esc(self.t("ratio_hint")) + "'>" +
          (ratio === null ? "—" : self.num(ratio, 2) + "×") + "</td><td>" +
          self.time(v.observed_at) + "</td></tr>";
      });
      html += "</tbody></table>";
      // "All parameters": one small chart per parameter (each its own unit and limit line).
      var options = codes.map(function (c) {
        return '<option value="' + esc(c) + '">' + esc(self.paramName(c)) + "</option>";
      }).join("") + (codes.length > 1 ? '<option value="' + ALL + '">' + esc(this.t("chart_all")) +
        "</option>" : "");
      // A live page charts any range from the aggregates; a snapshot holds the last 24 hours.
      var ranges = this.snapshot ? "" : ' <select class="qt-chart-range" aria-label="' +
        esc(this.t("chart_range")) + '">' + Object.keys(CHART_RANGES).map(function (r) {
          return '<option value="' + r + '">' + esc(self.t("range_" + r)) + "</option>";
        }).join("") + "</select>";
      html += '<div class="qt-chart-head">' + esc(this.t(this.snapshot ? "chart_24h" : "chart_title")) +
        ' <select class="qt-chart-param" aria-label="' + esc(this.t("parameter")) + '">' +
        options + "</select>" + ranges + "</div>";
      html += '<div class="qt-chart" data-id="' + esc(p.id) + '">' + esc(this.t("loading")) + "</div>";
    } else {
      html += '<p class="qt-empty">' + esc(this.t("no_values")) + "</p>";
    }
    if (!this.snapshot) {
      var links = [];
      var first = codes[0] || "";
      var readings = this.url("readings", { id: encodeURIComponent(p.id) });
      if (readings) {
        links.push('<a target="_blank" rel="noopener" class="qt-link-readings" href="' + esc(readings +
          "?parameter=" + encodeURIComponent(first) + "&interval=hour") + '">' +
          esc(this.t("link_readings")) + "</a>");
      }
      // This station's readings as a table (page, CSV), not every station's latest values.
      var page = this.url("station_page", { id: encodeURIComponent(p.id) });
      if (page) {
        links.push('<a target="_blank" rel="noopener" class="qt-link-table" href="' + esc(page) + '">' +
          esc(this.t("link_table")) + "</a>");
      }
      if (readings) {
        links.push('<a class="qt-link-export" download href="' + esc(readings +
          "?interval=hour&format=csv") + '">' + esc(this.t("link_export_csv")) + "</a>");
      }
      var exc = this.url("exceedances");
      if (exc) {
        links.push('<a target="_blank" rel="noopener" href="' + esc(exc + "?station=" +
          encodeURIComponent(p.id)) + '">' + esc(this.t("link_exceedances")) + "</a>");
      }
      if (links.length) html += '<div class="qt-links">' + links.join(" · ") + "</div>";
    }
    html += "</div>";
    var node = el("div", "qt-pop-wrap", html);
    var rangeSelect = node.querySelector(".qt-chart-range");
    if (rangeSelect) {
      rangeSelect.value = (this.chartRange || {})[p.id] || "day";
      rangeSelect.addEventListener("change", function () {
        self.chartRange = self.chartRange || {};
        self.chartRange[p.id] = rangeSelect.value;
        self.loadChart(p.id);
      });
    }
    var select = node.querySelector(".qt-chart-param");
    if (select) {
      var chosen = (this.chartParam || {})[p.id];
      if (chosen && (codes.indexOf(chosen) >= 0 || (chosen === ALL && codes.length > 1))) select.value = chosen;
      select.addEventListener("change", function () {
        self.chartParam = self.chartParam || {};
        self.chartParam[p.id] = select.value;
        self.loadChart(p.id);
      });
    }
    return node;
  };

  // ------------------------------------------------------------------------ 24-hour SVG chart
  var ALL = "*";
  App.prototype.loadChart = function (id) {
    var self = this;
    var marker = this.stationMarkers[id];
    var popup = marker && marker.getPopup();
    var root = popup && popup.getElement();
    if (!root) return;
    var box = root.querySelector(".qt-chart");
    var select = root.querySelector(".qt-chart-param");
    if (!box || !select) return;
    var code = select.value;
    var rangeSelect = root.querySelector(".qt-chart-range");
    var range = CHART_RANGES[(rangeSelect && rangeSelect.value) || "day"];
    var p = this.stationIndex[id] || {};
    var codes = code === ALL ? Object.keys(p.parameters || {}) : [code];
    var unitOf = function (c, series) {
      return ((p.parameters || {})[c] || {}).unit || (series && series.unit) || "";
    };
    var done = function (body) {
      var charts = [], count = 0;
      if (body && Array.isArray(body.series)) {
        // GET /api/stations/{id}/readings: {series: [{parameter, unit, points: [{time, mean}]}]}
        codes.forEach(function (c) {
          var series = body.series.filter(function (x) { return x.parameter === c; })[0];
          var points = series ? series.points : [];
          if (!Array.isArray(points) || !points.length) return;
          count += points.length;
          charts.push((codes.length > 1 ? '<div class="qt-chart-name">' + esc(self.paramName(c)) + "</div>" : "") +
            self.chartSVG(points, unitOf(c, series), self.limitOf(p, c).limit, range.hours));
        });
      } else {
        var items = body && (body.items || body.points);
        if (Array.isArray(items) && items.length) {
          count = items.length;
          charts.push(self.chartSVG(items, unitOf(code) || body.unit || "", self.limitOf(p, code).limit, range.hours));
        }
      }
      if (!charts.length) {
        box.textContent = self.t(body ? "chart_empty" : "chart_unavailable");
        return;
      }
      box.innerHTML = charts.join("");
      box.setAttribute("data-points", String(count));
      self.fitPopup(popup);
    };
    if (this.snapshot) {
      done((this.cfg.data.readings || {})[id] || null);
      return;
    }
    var base = this.url("readings", { id: encodeURIComponent(id) });
    if (!base) {
      box.textContent = this.t("chart_unavailable");
      return;
    }
    var end = new Date();
    var start = new Date(end.getTime() - range.hours * 3600 * 1000);
    var q = "?parameter=" + encodeURIComponent(codes.join(",")) + "&interval=" + range.interval + "&start=" +
      encodeURIComponent(start.toISOString()) + "&end=" + encodeURIComponent(end.toISOString());
    this.getJSON("readings", base + q).then(done);
  };

  // Chart ranges: hourly means up to a week, daily means beyond (stations.averaging aggregates).
  var CHART_RANGES = {
    day: { hours: 24, interval: "hour" }, week: { hours: 168, interval: "hour" },
    month: { hours: 720, interval: "day" }, year: { hours: 8760, interval: "day" },
  };

  App.prototype.chartSVG = function (items, unit, limit, hours) {
    var span = (hours || 24) * 3600 * 1000;
    var short = span <= 24 * 3600 * 1000;
    var W = 320, H = 130, L0 = 44, R0 = 8, T0 = 8, B0 = 22;
    var pts = items.map(function (it) {
      var v = it.value !== undefined ? it.value : it.mean !== undefined ? it.mean : it.avg;
      var t = it.t || it.time || it.observed_at || it.hour_start;
      return { t: typeof t === "number" ? t * 1000 : Date.parse(t), v: v === null ? null : Number(v) };
    }).filter(function (d) { return !isNaN(d.t); });
    var vals = pts.filter(function (d) { return d.v !== null && !isNaN(d.v); }).map(function (d) { return d.v; });
    if (!vals.length) return esc(this.t("chart_empty"));
    var t1 = Date.now(), t0 = t1 - span;
    pts.forEach(function (d) { if (d.t < t0) t0 = d.t; if (d.t > t1) t1 = d.t; });
    var lo = Math.min(0, Math.min.apply(null, vals));
    var hi = Math.max.apply(null, vals.concat(limit ? [Number(limit)] : []));
    if (hi <= lo) hi = lo + 1;
    hi = hi * 1.08;
    var x = function (t) { return L0 + (W - L0 - R0) * (t - t0) / (t1 - t0 || 1); };
    var y = function (v) { return T0 + (H - T0 - B0) * (1 - (v - lo) / (hi - lo)); };
    var path = "", pen = false, dots = "";
    var self = this;
    pts.forEach(function (d) {
      if (d.v === null || isNaN(d.v)) { pen = false; return; }
      path += (pen ? "L" : "M") + x(d.t).toFixed(1) + "," + y(d.v).toFixed(1);
      pen = true;
      dots += '<circle cx="' + x(d.t).toFixed(1) + '" cy="' + y(d.v).toFixed(1) + '" r="2"><title>' +
        esc(self.time(new Date(d.t).toISOString()) + " — " + self.num(d.v) + " " + unit) + "</title></circle>";
    });
    var svg = '<svg class="qt-svg" viewBox="0 0 ' + W + " " + H + '" width="100%" role="img" aria-label="' +
      esc(this.t("chart_24h")) + '">';
    svg += '<line class="qt-axis" x1="' + L0 + '" y1="' + (H - B0) + '" x2="' + (W - R0) + '" y2="' + (H - B0) + '"/>';
    svg += '<line class="qt-axis" x1="' + L0 + '" y1="' + T0 + '" x2="' + L0 + '" y2="' + (H - B0) + '"/>';
    svg += '<text x="' + (L0 - 4) + '" y="' + (T0 + 8) + '" text-anchor="end">' + esc(this.num(hi / 1.08, 1)) + "</text>";
    svg += '<text x="' + (L0 - 4) + '" y="' + (H - B0) + '" text-anchor="end">' + esc(this.num(lo, 1)) + "</text>";
    var tick = function (t) { return short ? self.time(new Date(t).toISOString(), true) : self.day(t); };
    svg += '<text x="' + L0 + '" y="' + (H - 6) + '">' + esc(tick(t0)) + "</text>";
    svg += '<text x="' + (W - R0) + '" y="' + (H - 6) + '" text-anchor="end">' + esc(tick(t1)) + "</text>";
    svg += '<text x="' + ((L0 + W) / 2) + '" y="' + (H - 6) + '" text-anchor="middle">' + esc(unit) + "</text>";
    if (limit !== undefined && limit !== null && !isNaN(Number(limit))) {
      svg += '<line class="qt-limit" x1="' + L0 + '" x2="' + (W - R0) + '" y1="' + y(Number(limit)).toFixed(1) +
        '" y2="' + y(Number(limit)).toFixed(1) + '"><title>' + esc(this.t("limit")) + " " +
        esc(this.num(limit)) + "</title></line>";
    }
    svg += '<path class="qt-line" d="' + path + '"/>' + dots + "</svg>";
    return svg;
  };

  // ------------------------------------------------------------------------- monitoring points
  var MEDIUM_ALIASES = { air: "ambient_air" };
  var MEDIUM_KEYS = {
    surface_water: "medium_surface_water", groundwater: "medium_groundwater",
    ambient_air: "medium_ambient_air", air: "medium_ambient_air", noise: "medium_noise",
    soil: "medium_soil", wastewater: "medium_wastewater", sediment: "medium_sediment",
  };

  App.prototype.drawPoints = function (fc) {
    var self = this;
    if (!fc || !fc.features) return;
    this.data.points = fc;
    this.groups.points.clearLayers();
    fc.features.forEach(function (f) {
      if (!f.geometry || f.geometry.type !== "Point") return;
      var p = f.properties || {};
      p.id = p.id || f.id;
      var sw = self.swatch("point_results", QT.pointResult(p));
      var m = L.circleMarker([f.geometry.coordinates[1], f.geometry.coordinates[0]], {
        radius: 5, color: "#333", weight: 1, fillColor: sw.colour, fillOpacity: 0.9,
        className: "qt-pt qt-pt-" + sw.key,
      });
      m.qtProps = p;
      m.bindPopup(function () { return self.pointPopup(p); }, { maxWidth: 380, className: "qt-popup" });
      m.on("popupopen", function () { self.loadPointDetail(m); });
      m.addTo(self.groups.points);
    });
    this.ready.points = fc.features.length;
  };

  // The points layer is slim (no results); the full record arrives when a popup opens.
  App.prototype.loadPointDetail = function (marker) {
    var self = this;
    var p = marker.qtProps;
    if (p.results || this.snapshot) return;
    var url = this.url("point_detail", { id: encodeURIComponent(p.id) });
    if (!url) return;
    this.getJSON("point_detail", url).then(function (f) {
      if (!f || !f.properties) return;
      Object.assign(p, f.properties, { results: f.properties.results || {} });
      if (marker.isPopupOpen()) marker.setPopupContent(self.pointPopup(p));
    });
  };

  App.prototype.pointPopup = function (p) {
    var self = this;
    var sw = this.swatch("point_results", QT.pointResult(p));
    var html = '<div class="qt-pop qt-pop-point"><h3>' + esc(p.name || p.id) + "</h3>";
    html += '<div class="qt-sub">' + esc(p.id) + " · " + esc(this.t(MEDIUM_KEYS[p.medium] || p.medium)) +
      (p.commune ? " · " + esc(p.commune) : "") + (p.water_class ? " · " + esc(this.t("water_class")) +
      " " + esc(p.water_class) : "") + "</div>";
    var results = pointResults(p);
    var roundName = p.round_label || p.round;
    var sampled = p.sampled_at || (results.length ? results[0].sampled_at : null);
    html += '<div class="qt-state"><span class="qt-dot" style="background:' + sw.colour + '"></span>' +
      esc(this.label(sw)) + (roundName ? " · " + esc(this.t("round")) + " " + esc(roundName) : "") +
      (sampled ? " · " + this.time(sampled) : "") + "</div>";
    var regulations = {};
    (p.regulations || []).forEach(function (r) { regulations[r] = true; });
    results.forEach(function (r) { if (r.regulation) regulations[r.regulation] = true; });
    if (Object.keys(regulations).length) {
      html += '<div class="qt-sub">' + esc(this.t("compared_with")) + " " + esc(Object.keys(regulations).join(", ")) + "</div>";
    }
    if (p.wqi !== undefined && p.wqi !== null) {
      var wqi = typeof p.wqi === "object" ? p.wqi
        : { value: p.wqi, colour: p.colour, label_vi: p.wqi_class, label_en: p.wqi_class_en || p.wqi_class };
      html += '<div class="qt-aqi"><span class="qt-aqi-val" style="background:' + esc(wqi.colour || "#ddd") +
        '">VN_WQI ' + esc(this.num(wqi.value, 0)) + "</span> " + esc(this.label(wqi)) + "</div>";
    }
    if (results.length) {
      html += '<table class="qt-table"><thead><tr><th>' + esc(this.t("parameter")) + "</th><th>" +
        esc(this.t("value")) + "</th><th>" + esc(this.t("qcvn_limit")) + "</th><th>" +
        esc(this.t("ratio")) + "</th></tr></thead><tbody>";
      results.forEach(function (r) {
        var ratio = r.ratio !== undefined && r.ratio !== null ? Number(r.ratio)
          : (r.limit ? Number(r.value) / Number(r.limit) : null);
        var rcls = ratio === null || isNaN(ratio) ? "" : ratio > 1 ? " qt-over" : ratio >= 0.8 ? " qt-near" : "";
        if (r.verdict === "exceeds") rcls = " qt-over";
        var limit = r.limit;
        if (limit && typeof limit === "object") limit = limit.value !== undefined ? limit.value
          : (limit.min !== undefined ? limit.min + "–" + limit.max : "");
        html += "<tr class='qt-row" + rcls + "'><td>" + esc(self.paramName(r.parameter, p.medium)) + "</td><td>" +
          (r.qualifier ? esc(r.qualifier) + " " : "") + self.num(r.value, 3) + " " + esc(r.unit || "") + "</td><td>" +
          (limit === undefined || limit === null ? "—" : esc(typeof limit === "number" ? self.num(limit, 3) : limit)) +
          "</td><td>" + (ratio === null || isNaN(ratio) ? "—" : self.num(ratio, 2) + "×") + "</td></tr>";
      });
      html += "</tbody></table>";
    } else if (!p.results && !this.snapshot && this.cfg.endpoints.point_detail && p.round) {
      html += '<p class="qt-empty">' + esc(this.t("loading")) + "</p>";
    } else {
      html += '<p class="qt-empty">' + esc(this.t("no_results")) + "</p>";
    }
    html += "</div>";
    return html;
  };

  // ------------------------------------------------------------------------------------- zones
  App.prototype.drawZones = function (key, fc) {
    var self = this;
    if (!fc || !fc.features) return;
    this.data[key] = fc;
    var group = this.groups[key];
    group.clearLayers();
    L.geoJSON(fc, {
      style: function (f) {
        var sw = self.levelSwatch(f.properties || {});
        return {
          color: sw ? sw.colour : "#666", weight: 1, fillColor: sw ? sw.colour : "#999",
          fillOpacity: 0.45, className: "qt-zone qt-zone-" + key,
        };
      },
      onEachFeature: function (f, layer) {
        layer.bindPopup(function () { return self.zonePopup(key, f.properties || {}); }, { className: "qt-popup" });
      },
    }).eachLayer(function (l) { group.addLayer(l); });
    this.ready[key] = fc.features.length;
  };

  App.prototype.zonePopup = function (key, p) {
    var sw = this.levelSwatch(p);
    var html = '<div class="qt-pop"><h3>' + esc(this.t("layer_" + key)) + "</h3>";
    html += '<div class="qt-state"><span class="qt-dot" style="background:' + (sw ? sw.colour : "#999") +
      '"></span>' + esc(this.t("level")) + " " + esc(p.level !== undefined ? p.level : "?") +
      (sw ? " — " + esc(this.label(sw)) : "") + "</div>";
    var rows = [["name", p.name], ["commune", p.commune], ["area_km2", p.area_km2 !== undefined
      ? this.num(p.area_km2, 2) : p.area_ha !== undefined ? this.num(p.area_ha / 100, 2) : null],
      ["source", p.source || p.source_id]];
    rows.forEach(function (r) {
      if (r[1] !== undefined && r[1] !== null && r[1] !== "") {
        html += '<div class="qt-sub">' + esc(this.t(r[0])) + ": " + esc(r[1]) + "</div>";
      }
    }, this);
    if (p.synthetic) html += '<div class="qt-sub qt-synthetic">' + esc(this.t("synthetic")) + "</div>";
    return html + "</div>";
  };

  App.prototype.drawCommunes = function (fc) {
    var self = this;
    if (!fc || !fc.features) return;
    this.data.communes = fc;
    var style = Object.assign({ className: "qt-commune" }, this.cfg.styles.commune);
    this.groups.communes.clearLayers();
    L.geoJSON(fc, {
      style: function () { return style; },
      onEachFeature: function (f, layer) {
        var p = f.properties || {};
        var name = p.name || p.ten || p.commune || p.id;
        if (name) layer.bindTooltip(esc(name), { sticky: true, className: "qt-tip" });
      },
    }).eachLayer(function (l) { self.groups.communes.addLayer(l); });
    this.ready.communes = fc.features.length;
  };

  // ---------------------------------------------------------------------- rasters (/api/layers)
  App.prototype.addRasters = function (catalogue) {
    var self = this;
    if (!catalogue) return;
    // GET /api/layers: a list of collections and rasters; rasters have kind "raster" and tiles.
    var list = Array.isArray(catalogue) ? catalogue : (catalogue.rasters || catalogue.layers || []);
    var rasters = list.filter(function (l) { return l.kind === "raster" || l.type === "raster"; });
    rasters.forEach(function (r, i) {
      var template = r.tiles || r.tile_url || r.url;
      if (Array.isArray(template)) template = template[0];
      var layer;
      if (self.snapshot) {
        var tiles = ((self.cfg.data.tiles || {})[r.id]) || {};
        layer = new (L.TileLayer.extend({
          getTileUrl: function (c) {
            return tiles[c.z + "/" + c.x + "/" + c.y] || QT.EMPTY_TILE;
          },
        }))("", { opacity: 0.5, maxNativeZoom: tiles._max || 12, bounds: bounds(r) });
      } else {
        if (!template) return;
        var url = /^https?:/.test(template) ? template : self.cfg.base + template;
        layer = L.tileLayer(url, {
          opacity: 0.5, bounds: bounds(r), maxNativeZoom: r.maxzoom || r.max_zoom || 18,
          minZoom: 0, className: "qt-raster",
        });
      }
      layer.qtKey = "raster:" + r.id;
      layer.qtRaster = r;
      self.rasters.push(layer);
      self.control.addOverlay(layer, self.label(r, "title") || r.id);
      if (i === 0 && r.default_visible !== false) layer.addTo(self.map);
    });
    this.renderLegend();
  };
  function bounds(r) {
    var b = r.bounds || r.bbox;
    if (!Array.isArray(b) || b.length !== 4) return undefined;
    return L.latLngBounds([b[1], b[0]], [b[3], b[2]]);
  }
  QT.EMPTY_TILE = "data:image/gif;base64,R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7";

  // ---------------------------------------------------------------------------------- legend
  App.prototype.legendSections = function () {
    var self = this;
    var sections = [];
    var sw = function (list, labelOf) {
      return list.map(function (s) {
        return '<div class="qt-lg-row"><span class="qt-lg-sw" style="background:' + s.colour +
          '"></span>' + esc(labelOf ? labelOf(s) : self.label(s)) + "</div>";
      }).join("");
    };
    sections.push({ layer: this.groups.stations, html: "<h4>" + esc(this.t("layer_stations")) + "</h4>" +
      sw(this.cfg.styles.station_states) + '<div class="qt-lg-note">' + esc(this.t("legend_air_note")) + "</div>" +
      '<div class="qt-lg-aqi">' + this.cfg.styles.aqi.map(function (s) {
        return '<span style="background:' + s.colour + '" title="' + esc(self.label(s)) + '">' +
          esc(self.label(s)) + "</span>";
      }).join("") + "</div>" });
    sections.push({ layer: this.groups.points, html: "<h4>" + esc(this.t("layer_points")) + "</h4>" +
      sw(this.cfg.styles.point_results) });
    ["landslide", "flood"].forEach(function (key) {
      sections.push({ layer: self.groups[key], html: "<h4>" + esc(self.t("layer_" + key)) + "</h4>" +
        sw(self.cfg.styles.zone_levels) });
    });
    sections.push({ layer: this.groups.communes, html: "<h4>" + esc(this.t("layer_communes")) + "</h4>" +
      '<div class="qt-lg-row"><span class="qt-lg-line" style="border-color:' + this.cfg.styles.commune.color +
      '"></span>' + esc(this.t("legend_commune_line")) + "</div>" });
    sections.push({ layer: this.groups.province, html: "<h4>" + esc(this.t("layer_province")) + "</h4>" +
      '<div class="qt-lg-row"><span class="qt-lg-line qt-lg-thick" style="border-color:' +
      this.cfg.styles.province.color + '"></span>' + esc(this.t("legend_province_line")) + "</div>" });
    this.rasters.forEach(function (layer) {
      var r = layer.qtRaster;
      var classes = r.legend || r.classes || [];
      var html = "<h4>" + esc(self.label(r, "title") || r.id) + "</h4>";
      if (classes.length) html += sw(classes.map(function (c) {
        return Object.assign({ colour: c.colour || c.color }, c);
      }));
      if (r.synthetic) html += '<div class="qt-lg-note">' + esc(self.t("synthetic")) + "</div>";
      sections.push({ layer: layer, html: html });
    });
    return sections;
  };

  App.prototype.renderLegend = function () {
    var self = this;
    if (!this.legendBody) return;
    var html = "";
    this.legendSections().forEach(function (s) {
      if (self.map.hasLayer(s.layer)) html += '<section class="qt-lg-sec">' + s.html + "</section>";
    });
    this.legendBody.innerHTML = html || '<p class="qt-empty">' + esc(this.t("legend_none")) + "</p>";
  };

  // ---------------------------------------------------------------------------------- alerts
  App.prototype.loadAlerts = function () {
    var self = this;
    if (this.snapshot) {
      this.setAlerts(this.cfg.data.alerts || []);
      return Promise.resolve();
    }
    var base = this.url("alerts");
    if (!base) return Promise.resolve();
    return this.getJSON("alerts", base + "?state=open").then(function (list) {
      if (list) self.setAlerts(Array.isArray(list) ? list : (list.items || list.alerts || []));
    });
  };
  App.prototype.setAlerts = function (list) {
    var self = this;
    this.alerts = {};
    list.forEach(function (a) { if (OPEN[a.state]) self.alerts[a.id] = a; });
    this.renderAlerts();
  };
  App.prototype.upsertAlert = function (a) {
    if (!a || a.id === undefined) return;
    if (!OPEN[a.state]) delete this.alerts[a.id];
    else this.alerts[a.id] = Object.assign(this.alerts[a.id] || {}, a);
    this.renderAlerts();
  };

  // Suppressed alerts (inside a maintenance window) are not shown; resolved ones leave the panel.
  var OPEN = { firing: true, acknowledged: true };

  App.prototype.renderAlerts = function () {
    var self = this;
    if (!this.alertList) return;
    var list = Object.keys(this.alerts).map(function (k) { return self.alerts[k]; });
    var order = { critical: 0, major: 1, warning: 2, info: 3 };
    list.sort(function (a, b) {
      var s = (a.state === "firing" ? 0 : 1) - (b.state === "firing" ? 0 : 1);
      if (s) return s;
      var o = (order[a.severity] || 2) - (order[b.severity] || 2);
      if (o) return o;
      return String(b.opened_at).localeCompare(String(a.opened_at));
    });
    var firing = list.filter(function (a) { return a.state === "firing"; }).length;
    this.alertBadge.textContent = String(firing);
    this.alertBadge.hidden = firing === 0;
    if (!list.length) {
      this.alertList.innerHTML = '<p class="qt-empty">' + esc(this.t("alerts_none")) + "</p>";
      return;
    }
    this.alertList.innerHTML = "";
    list.forEach(function (a) {
      var station = self.stationIndex[a.station_id] || { name: a.station_name };
      var ackBy = a.acknowledged ? a.acknowledged.by : a.acknowledged_by;
      var item = el("div", "qt-alert qt-alert-" + esc(a.state) + " qt-sev-" + esc(a.severity));
      item.dataset.id = a.id;
      item.dataset.station = a.station_id || "";
      var msg = self.label(a, "message") || a.rule || "";
      if (a.band_label_vi) msg += " — " + self.label(a, "band_label");
      item.innerHTML = '<div class="qt-alert-head"><span class="qt-sev">' + esc(self.t("sev_" + a.severity) ||
        a.severity) + "</span> " + esc(station.name || a.station_id || a.subject || "") + "</div>" +
        '<div class="qt-alert-msg">' + esc(msg) + "</div>" +
        '<div class="qt-alert-meta">' + (a.parameter ? esc(self.paramName(a.parameter)) + " · " : "") +
        self.time(a.opened_at) + " · " + esc(self.t("state_" + a.state)) +
        (ackBy ? " (" + esc(ackBy) + ")" : "") + "</div>";
      if (a.state === "firing" && self.canAck() && self.url("ack", { id: a.id })) {
        var btn = el("button", "qt-btn qt-ack", esc(self.t("ack")));
        btn.type = "button";
        btn.addEventListener("click", function (ev) { ev.stopPropagation(); self.ackForm(item, a); });
        item.appendChild(btn);
      }
      // An alert about a forwarding destination has no station: nothing to focus on the map.
      if (a.station_id) item.addEventListener("click", function () { self.focusStation(a.station_id); });
      self.alertList.appendChild(item);
    });
  };

  App.prototype.canAck = function () {
    return !this.snapshot && (!this.cfg.user || !!this.cfg.user.can_ack);
  };

  App.prototype.ackForm = function (item, alert) {
    var self = this;
    if (item.querySelector("form")) return;
    var form = el("form", "qt-ack-form");
    var who = (this.cfg.user && this.cfg.user.name) || localStorage.getItem("quantrac.ackBy") || "";
    form.innerHTML = '<input name="by" required maxlength="80" placeholder="' + esc(this.t("ack_by")) +
      '" value="' + esc(who) + '"><input name="comment" maxlength="500" placeholder="' +
      esc(this.t("ack_comment")) + '"><button class="qt-btn" type="submit">' + esc(this.t("ack_confirm")) +
      '</button><span class="qt-ack-msg" role="status"></span>';
    form.addEventListener("click", function (ev) { ev.stopPropagation(); });
    form.addEventListener("submit", function (ev) {
      ev.preventDefault();
      var by = form.elements.by.value.trim();
      if (!by) return;
      localStorage.setItem("quantrac.ackBy", by);
      fetch(self.url("ack", { id: encodeURIComponent(alert.id) }), {
        method: "POST", credentials: "same-origin",
        headers: Object.assign({ "Content-Type": "application/json", Accept: "application/json" },
          self.cfg.user && self.cfg.user.csrf ? { "X-CSRF-Token": self.cfg.user.csrf } : {}),
        body: JSON.stringify({ by: by, comment: form.elements.comment.value.trim() }),
      }).then(function (res) {
        if (!res.ok) throw new Error(String(res.status));
        return res.json().catch(function () { return {}; });
      }).then(function (body) {
        self.upsertAlert(Object.assign({}, alert, { state: "acknowledged", acknowledged: { by: by } },
          body && body.id !== undefined ? body : {}));
      }).catch(function () {
        form.querySelector(".qt-ack-msg").textContent = self.t("ack_failed");
      });
    });
    item.appendChild(form);
    form.elements[who ? "comment" : "by"].focus();
  };

  // Live: server-sent events for alerts (each event also refreshes the stations, since an
  // alert usually means a marker changed colour) and polling as the safety net.
  App.prototype.startLive = function () {
    var self = this;
    if (this.snapshot) return;
    var stream = this.url("alerts_stream");
    if (stream && window.EventSource) {
      var source = new EventSource(stream, { withCredentials: true });
      var onEvent = function (ev) {
        try { self.upsertAlert(JSON.parse(ev.data)); } catch (e) { /* keep-alive or bad event */ }
        self.live = "sse";
        self.scheduleRefresh(300);
      };
      source.addEventListener("alert", onEvent);
      source.onmessage = onEvent;
      source.onopen = function () { self.live = "sse"; self.renderStatus(); self.loadAlerts(); };
      source.onerror = function () { self.live = "poll"; self.renderStatus(); };
      this.source = source;
    }
    var every = Math.max(2, Number(this.cfg.poll_seconds) || 15) * 1000;
    this.pollTimer = setInterval(function () {
      self.refreshStations();
      if (self.live !== "sse") self.loadAlerts();
    }, every);
    this.alertTimer = setInterval(function () { self.loadAlerts(); }, Math.max(every, 60000));
  };
  App.prototype.scheduleRefresh = function (delay) {
    var self = this;
    clearTimeout(this._refreshTimer);
    this._refreshTimer = setTimeout(function () { self.refreshStations(); }, delay);
  };

  // ---------------------------------------------------------------------------------- search
  App.prototype.searchEntries = function () {
    var self = this;
    var out = [];
    Object.keys(this.stationMarkers).forEach(function (id) {
      var p = self.stationIndex[id];
      out.push({ type: "station", label: p.name, sub: [p.id, p.facility, p.commune].filter(Boolean).join(" · "),
        key: fold([p.name, p.id, p.facility, p.commune, p.district_former].join(" ")),
        go: function () { self.focusStation(id); } });
    });
    this.groups.points.eachLayer(function (m) {
      var p = m.qtProps || {};
      out.push({ type: "point", label: p.name || p.id, sub: [p.id, p.commune].filter(Boolean).join(" · "),
        key: fold([p.name, p.id, p.commune, p.district_former].join(" ")),
        go: function () {
          if (!self.map.hasLayer(self.groups.points)) self.map.addLayer(self.groups.points);
          self.map.setView(m.getLatLng(), Math.max(self.map.getZoom(), 12));
          m.openPopup();
        } });
    });
    this.groups.communes.eachLayer(function (l) {
      var p = (l.feature && l.feature.properties) || {};
      var name = p.name || p.ten || p.commune;
      if (!name) return;
      out.push({ type: "commune", label: name, sub: self.t("commune"), key: fold(name),
        go: function () {
          if (!self.map.hasLayer(self.groups.communes)) self.map.addLayer(self.groups.communes);
          self.map.fitBounds(l.getBounds(), { maxZoom: 13 });
        } });
    });
    return out;
  };

  App.prototype.search = function (query) {
    var q = fold(query).trim();
    if (!q) return [];
    var words = q.split(/\s+/);
    return this.searchEntries().filter(function (e) {
      return words.every(function (w) { return e.key.indexOf(w) >= 0; });
    }).slice(0, 12);
  };

  // The view on a station, then its popup. Every view change here is synchronous (no
  // animation), so nothing started earlier can land after it. Leaflet ignores a setView, even an
  // unanimated one, while a zoom animation runs (Map._tryAnimatedZoom answers "done" without
  // moving): wait for that zoom to end first.
  App.prototype.viewStation = function (id, then) {
    var self = this, map = this.map, m = this.stationMarkers[id];
    if (!m) return;
    map.stop(); // a pan or flight still running
    if (map._animatingZoom) {
      map.once("zoomend", function () { self.viewStation(id, then); });
      return;
    }
    map.setView(m.getLatLng(), Math.max(map.getZoom(), 11), { animate: false });
    if (then) then(m);
  };

  App.prototype.focusStation = function (id) {
    var m = this.stationMarkers[id];
    if (!m) return;
    if (!this.map.hasLayer(this.groups.stations)) this.map.addLayer(this.groups.stations);
    // On a narrow screen the panels cover the map: close them so the popup has the room.
    if (this.map.getSize().x < 700) {
      [this.alertPanel, this.exportPanel].forEach(function (panel) { if (panel) panel.hidden = true; });
    }
    this.viewStation(id, function (marker) { marker.openPopup(); });
  };

  // ------------------------------------------------------------------------------- interface
  App.prototype.buildUI = function () {
    var self = this;
    var Corner = L.Control.extend({
      options: { position: "topleft" },
      onAdd: function () { return this.options.node; },
    });
    var stop = function (node) {
      L.DomEvent.disableClickPropagation(node);
      L.DomEvent.disableScrollPropagation(node);
      return node;
    };

    // Title, search and the tool buttons.
    var bar = stop(el("div", "qt-bar"));
    bar.innerHTML = '<div class="qt-title"><strong data-i18n="title"></strong>' +
      (this.snapshot ? ' <span class="qt-snap" data-i18n="snapshot"></span> <span class="qt-snap-time">' +
        this.time(this.cfg.generated_at) + "</span>" : "") + "</div>" +
      '<div class="qt-search"><input type="search" class="qt-search-input" data-i18n-ph="search_ph" ' +
      'autocomplete="off"><div class="qt-results" role="listbox" hidden></div></div>' +
      '<div class="qt-tools">' +
      '<button type="button" class="qt-btn qt-btn-alerts" data-i18n-title="alerts"><span data-i18n="alerts"></span>' +
      ' <span class="qt-badge" hidden>0</span></button>' +
      (!this.snapshot && this.cfg.endpoints["export"] ? '<button type="button" class="qt-btn qt-btn-export" ' +
        'data-i18n="export"></button>' : "") +
      '<button type="button" class="qt-btn qt-btn-lang" data-i18n="lang_switch" data-i18n-title="lang_switch_title"></button>' +
      "</div>";
    new Corner({ position: "topleft", node: bar }).addTo(this.map);
    this.bar = bar;
    this.alertBadge = bar.querySelector(".qt-badge");

    var input = bar.querySelector(".qt-search-input");
    var results = bar.querySelector(".qt-results");
    var current = [];
    var showResults = function () {
      current = self.search(input.value);
      results.innerHTML = current.map(function (e, i) {
        return '<div class="qt-result" role="option" data-i="' + i + '"><span class="qt-rtype">' +
          esc(self.t("type_" + e.type)) + "</span> " + esc(e.label) + '<div class="qt-rsub">' + esc(e.sub) +
          "</div></div>";
      }).join("") || (input.value.trim() ? '<div class="qt-empty">' + esc(self.t("search_none")) + "</div>" : "");
      results.hidden = !input.value.trim();
    };
    input.addEventListener("input", showResults);
    input.addEventListener("keydown", function (ev) {
      if (ev.key === "Enter" && current.length) { current[0].go(); results.hidden = true; }
      if (ev.key === "Escape") { input.value = ""; results.hidden = true; }
    });
    results.addEventListener("click", function (ev) {
      var row = ev.target.closest(".qt-result");
      if (!row) return;
      current[Number(row.dataset.i)].go();
      results.hidden = true;
    });

    // Alerts panel.
    var panel = stop(el("div", "qt-panel qt-alerts"));
    panel.innerHTML = '<div class="qt-panel-head"><span data-i18n="alerts_open"></span>' +
      '<button type="button" class="qt-x" data-i18n-title="close">×</button></div><div class="qt-alert-list"></div>';
    new Corner({ position: "topright", node: panel }).addTo(this.map);
    this.alertList = panel.querySelector(".qt-alert-list");
    panel.hidden = window.innerWidth < 700;
    bar.querySelector(".qt-btn-alerts").addEventListener("click", function () {
      panel.hidden = !panel.hidden;
      if (!panel.hidden && self.exportPanel && self.map.getSize().x < 700) self.exportPanel.hidden = true;
    });
    panel.querySelector(".qt-x").addEventListener("click", function () { panel.hidden = true; });
    this.alertPanel = panel;

    // Export panel: one link per layer and format, in the chosen CRS.
    if (!this.snapshot && this.cfg.endpoints["export"]) {
      var ex = stop(el("div", "qt-panel qt-export"));
      ex.hidden = true;
      new Corner({ position: "topright", node: ex }).addTo(this.map);
      bar.querySelector(".qt-btn-export").addEventListener("click", function () {
        ex.hidden = !ex.hidden;
        if (!ex.hidden) self.renderExport();
        if (!ex.hidden && self.map.getSize().x < 700) panel.hidden = true;  // one panel at a time
      });
      this.exportPanel = ex;
    }

    // Legend.
    var legend = stop(el("div", "qt-legend"));
    legend.innerHTML = '<button type="button" class="qt-legend-toggle" aria-expanded="true">' +
      '<span data-i18n="legend"></span></button><div class="qt-legend-body"></div>';
    new Corner({ position: "bottomleft", node: legend }).addTo(this.map);
    this.legendBody = legend.querySelector(".qt-legend-body");
    var toggle = legend.querySelector(".qt-legend-toggle");
    var setLegend = function (open) {
      legend.classList.toggle("qt-collapsed", !open);
      toggle.setAttribute("aria-expanded", String(open));
    };
    setLegend(window.innerWidth >= 700);
    toggle.addEventListener("click", function () { setLegend(legend.classList.contains("qt-collapsed")); });

    // Metric scale only (folium's would add miles).
    L.control.scale({ position: "bottomright", metric: true, imperial: false }).addTo(this.map);

    // Status line.
    this.statusNode = stop(el("div", "qt-status"));
    new Corner({ position: "bottomright", node: this.statusNode }).addTo(this.map);

    bar.querySelector(".qt-btn-lang").addEventListener("click", function () {
      self.setLang(self.lang === "vi" ? "en" : "vi");
    });
    this.map.on("overlayadd overlayremove", function () { self.renderLegend(); });
    this.map.on("zoomend", function () { self.regroup(); });
    this.map.on("popupopen", function (ev) { self.fitPopup(ev.popup); });
    this.map.on("resize", function () {
      self.map.eachLayer(function (layer) { if (layer instanceof L.Popup) self.fitPopup(layer); });
    });
  };

  App.prototype.renderExport = function () {
    var self = this;
    var ex = this.exportPanel;
    if (!ex) return;
    var crs = (ex.querySelector("select") || {}).value || this.cfg.export_crs[0].code;
    var html = '<div class="qt-panel-head"><span data-i18n="export_title">' + esc(this.t("export_title")) +
      '</span><button type="button" class="qt-x" title="' + esc(this.t("close")) + '">×</button></div><label class="qt-crs">' + esc(this.t("export_crs")) + ' <select>' +
      this.cfg.export_crs.map(function (c) {
        return '<option value="' + esc(c.code) + '"' + (c.code === crs ? " selected" : "") + ">" +
          esc(c.code + " — " + self.label(c)) + "</option>";
      }).join("") + "</select></label><table class='qt-table qt-export-table'>";
    // Only the format x CRS pairs the server writes (layers.export.FORMAT_CRS_ONLY): KML is WGS 84.
    var formats = this.cfg.export_formats.filter(function (f) { return !f.crs || f.crs.indexOf(crs) >= 0; });
    var left = this.cfg.export_formats.filter(function (f) { return formats.indexOf(f) < 0; });
    this.cfg.export_layers.forEach(function (layer) {
      html += "<tr><th>" + esc(self.t(layer.label_key)) + "</th><td>" + formats.map(function (f) {
        var href = self.url("export", { collection: layer.collection }) + "?format=" + f.format + "&crs=" +
          encodeURIComponent(crs);
        return '<a class="qt-exp" download href="' + esc(href) + '" data-collection="' + esc(layer.collection) +
          '" data-format="' + esc(f.format) + '">' + esc(f.label) + "</a>";
      }).join(" ") + "</td></tr>";
    });
    html += "</table>";
    left.forEach(function (f) {
      html += '<p class="qt-lg-note qt-export-only">' + esc(fill(self.t("export_only_in"), {
        format: f.label, crs: f.crs.join(", ") })) + "</p>";
    });
    ex.innerHTML = html;
    ex.querySelector("select").addEventListener("change", function () { self.renderExport(); });
    ex.querySelector(".qt-x").addEventListener("click", function () { ex.hidden = true; });
  };

  App.prototype.renderStatus = function () {
    if (!this.statusNode) return;
    var parts = [];
    if (this.snapshot) parts.push(this.t("snapshot") + " " + this.time(this.cfg.generated_at));
    else {
      if (this.lastUpdate) parts.push(this.t("updated") + " " + this.time(this.lastUpdate.toISOString(), true));
      parts.push(this.live === "sse" ? this.t("live_sse") : this.t("live_poll"));
    }
    var missing = Object.keys(this.notices);
    if (missing.length) parts.push(this.t("unavailable") + ": " + missing.map(function (k) {
      return this.t("layer_" + k) !== "layer_" + k ? this.t("layer_" + k) : k;
    }, this).join(", "));
    this.statusNode.textContent = parts.join(" · ");
  };

  App.prototype.setLang = function (lang, initial) {
    var self = this;
    this.lang = lang;
    document.documentElement.lang = lang;
    if (!initial) {
      try { localStorage.setItem("quantrac.lang", lang); } catch (e) { /* private mode */ }
    }
    if (!initial && !this.snapshot && window.history && window.history.replaceState) {
      var u = new URL(window.location.href);
      u.searchParams.set("lang", lang);
      window.history.replaceState(null, "", u.toString());
    }
    document.title = this.t("title");
    document.querySelectorAll("[data-i18n]").forEach(function (n) { n.textContent = self.t(n.dataset.i18n); });
    document.querySelectorAll("[data-i18n-ph]").forEach(function (n) { n.placeholder = self.t(n.dataset.i18nPh); });
    document.querySelectorAll("[data-i18n-title]").forEach(function (n) { n.title = self.t(n.dataset.i18nTitle); });
    // Layer control labels follow the language too.
    (this.control._layers || []).forEach(function (entry) {
      if (entry.layer.qtKey && entry.layer.qtKey.indexOf("raster:") === 0) entry.name = self.label(entry.layer.qtRaster, "title");
      else if (entry.layer.qtKey) entry.name = self.t(entry.layer.qtKey);
    });
    if (this.control._update) this.control._update();
    Object.keys(this.stationMarkers).forEach(function (id) {
      var m = self.stationMarkers[id];
      m.setIcon(self.stationIcon(self.stationIndex[id]));
      if (m.isPopupOpen()) { m.setPopupContent(self.stationPopup(self.stationIndex[id])); self.loadChart(id); }
    });
    this.renderLegend();
    this.renderAlerts();
    this.renderStatus();
    if (this.exportPanel && !this.exportPanel.hidden) this.renderExport();
  };

  // ---------------------------------------------------------------------------------- start
  App.prototype.start = function () {
    var self = this;
    var keys = { stations: "layer_stations", points: "layer_points", landslide: "layer_landslide",
      flood: "layer_flood", communes: "layer_communes", province: "layer_province" };
    Object.keys(keys).forEach(function (k) { if (self.groups[k]) self.groups[k].qtKey = keys[k]; });
    Object.keys(this.bases).forEach(function (k) { self.bases[k].qtKey = "base_" + k; });
    // The one initial view (the province), fitted now and without animation: an animated fit
    // would start on a later frame and could land after the station focus below.
    if (this.cfg.bounds) this.map.fitBounds(this.cfg.bounds, { padding: [10, 10], animate: false });
    this.buildUI();
    this.setLang(this.lang, true);
    // Links in alert e-mails open /map?station=ID on that station.
    var focus = null;
    try { focus = new URL(window.location.href).searchParams.get("station"); } catch (e) { /* file:// */ }
    var stations = this.load("stations").then(function (fc) {
      self.drawStations(fc);
      self.ready.stations = fc ? fc.features.length : 0;
      if (window.performance && performance.mark) performance.mark("qt-stations");
      // The view moves to the station before any other layer is drawn, so raster tiles are
      // asked for at the final view only (a zoom change would abort the ones in flight).
      if (focus && self.stationMarkers[focus]) self.viewStation(focus);
      else focus = null;
    });
    // One layer's bad data must not stop the others: errors are kept in quantracMap.errors
    // (the browser tests assert it stays empty) and the layer is reported as unavailable.
    // Every request starts now, but the other layers are drawn after the stations: the
    // markers are what staff look at first (first meaningful paint, bench/bench_map.py).
    var guarded = function (name, draw) {
      return Promise.all([self.load(name), stations]).then(function (both) {
        var body = both[0];
        try { draw(body); } catch (e) {
          QT.errors.push(name + ": " + e.message);
          self.notices[name] = true;
        }
      });
    };
    var others = [
      guarded("points", function (fc) { self.drawPoints(fc); }),
      guarded("landslide", function (fc) { self.drawZones("landslide", fc); }),
      guarded("flood", function (fc) { self.drawZones("flood", fc); }),
      guarded("communes", function (fc) { self.drawCommunes(fc); }),
      guarded("layers", function (cat) { self.addRasters(cat); }),
    ];
    Promise.all([stations].concat(others)).then(function () {
      return self.loadAlerts();
    }).then(function () {
      self.renderLegend();
      self.renderStatus();
      // The popup opens last, once every layer is drawn: the focus is the last view change.
      if (focus) self.focusStation(focus);
      self.ready.all = true;
      document.body.setAttribute("data-qt-ready", "1");
      if (window.performance && performance.mark) performance.mark("qt-ready");
      self.startLive();
    });
  };

  QT.start = function (handles, cfg) {
    // A language chosen earlier wins over the default, unless the URL names one.
    try {
      var saved = localStorage.getItem("quantrac.lang");
      var asked = new URL(window.location.href).searchParams.get("lang");
      if (!asked && (saved === "vi" || saved === "en")) cfg.lang = saved;
    } catch (e) { /* file:// or private mode */ }
    var app = new App(handles, cfg);
    QT.app = app;
    app.start();
    return app;
  };
})();
