/* quantrac: the warning overlays of the staff map (issue 17). Fills two overlays from
   /api/warnings every minute; the commune overlay switches itself on when any commune is above
   level 0. Kept apart from map.js so both can change independently. */
(function () {
    "use strict";
    function start(map, control, cfg) {
        var s = cfg.strings, shown = false;
        var communes = L.featureGroup(), zones = L.featureGroup();
        control.addOverlay(communes, s.communes);
        control.addOverlay(zones, s.zones);
        function style(f) {
            var p = f.properties, lv = p.issued_level;
            if (p.status === "no_data") {
                return {color: "#666", weight: 1, dashArray: "4 4", fillOpacity: 0.05};
            }
            if (!lv) {
                return {color: "#888", weight: 0.6, fillOpacity: 0,
                        dashArray: p.status === "not_assessed" ? "2 3" : null};
            }
            return {color: "#333", weight: 1, fillColor: p.colour, fillOpacity: 0.55};
        }
        function esc(v) {
            return String(v).replace(/[&<>"]/g, function (c) {
                return {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;"}[c];
            });
        }
        function popup(p) {
            var rows = ["<b>" + esc(p.name) + "</b>" + (p.synthetic ? " (" + s.synthetic + ")" : "")];
            if (p.status === "no_data") { rows.push(s.no_data); }
            else {
                rows.push(s.level + ": " + (p.issued_level === null ? "—" : p.issued_level)
                    + (p.provisional ? " (" + s.provisional + ")" : ""));
                if (p.status === "not_assessed") { rows.push(s.not_assessed); }
                rows.push(s.rain24 + ": " + (p.rain24_mm === null ? "—" : p.rain24_mm + " mm"));
                rows.push(s.prior + ": " + p.prior_rain_days);
                if (p.swi_mm !== null && p.swi_mm !== undefined) { rows.push(s.swi + ": " + p.swi_mm + " mm"); }
                rows.push(s.gauges + ": " + (p.gauges || []).map(function (g) {
                    return esc(g.station) + " (" + g.km + " km)";
                }).join(", "));
            }
            rows.push("<small>" + esc(p.reason || "") + "</small>");
            if (p.at) { rows.push("<small>" + esc(p.at) + "</small>"); }
            return rows.join("<br>");
        }
        function fill(group, features) {
            group.clearLayers();
            L.geoJSON({type: "FeatureCollection", features: features}, {
                style: style,
                onEachFeature: function (f, layer) { layer.bindPopup(popup(f.properties)); }
            }).addTo(group);
        }
        function load() {
            fetch(cfg.url, {credentials: "same-origin"}).then(function (r) {
                return r.ok ? r.json() : null;
            }).then(function (data) {
                if (!data) { return; }
                var c = data.features.filter(function (f) { return f.properties.place_type === "commune"; });
                var z = data.features.filter(function (f) { return f.properties.place_type === "zone"; });
                fill(communes, c);
                fill(zones, z);
                var up = c.some(function (f) { return (f.properties.issued_level || 0) > 0; });
                if (up && !shown) { communes.addTo(map); shown = true; }
                window.quantracWarningState = {communes: c.length, zones: z.length, raised: up,
                                           on: map.hasLayer(communes)};
            }).catch(function () {});
        }
        var legend = L.control({position: "bottomleft"});
        legend.onAdd = function () {
            var div = L.DomUtil.create("div", "qt-warning-legend");
            div.style.background = "white"; div.style.padding = "4px 6px"; div.style.font = "12px sans-serif";
            div.innerHTML = "<b>" + s.legend + "</b><br>" + cfg.levels.map(function (l) {
                return '<span style="display:inline-block;width:12px;height:12px;background:'
                    + l.colour + ';border:1px solid #333"></span> ' + l.value + " " + esc(l.label);
            }).join("<br>");
            return div;
        };
        legend.addTo(map);
        load();
        setInterval(load, 60000);
    }
    window.quantracWarnings = {start: start};
})();
