/* planning meeting maps: compact canvas layers, popups, labels, search, measuring.
 * Part of the planning toolkit (MIT licence). Needs Leaflet 1.9.
 *
 * Safety: every value that came from data is put into the page with textContent or
 * document.createTextNode, never innerHTML; layer data arrive as JSON in
 * <script type="application/json"> elements.
 */
(function (root) {
  'use strict';
  var L = root.L;
  var ALPHABET = '#$%()*+,-./0123456789:;=?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[]^_abcdefghijklmnopqrstuvwxyz|}~';
  var NCONT = 22;
  var DIGIT = new Int16Array(128);
  var i;
  for (i = 0; i < 128; i++) { DIGIT[i] = -1; }
  for (i = 0; i < ALPHABET.length; i++) { DIGIT[ALPHABET.charCodeAt(i)] = i; }
  var MAX_LAT = 85.0511287798;
  var D2R = Math.PI / 180;

  // ---- decoding ----------------------------------------------------------------------
  function Reader(text) { this.text = text; this.pos = 0; }
  Reader.prototype.next = function () {
    var text = this.text, v = 0, s = 1, d;
    for (;;) {
      d = DIGIT[text.charCodeAt(this.pos++)];
      if (d < 0) { throw new Error('planning map: corrupt geometry text at ' + (this.pos - 1)); }
      if (d < NCONT) { v += d * s; s *= NCONT; } else { return v + (d - NCONT) * s; }
    }
  };
  var BATCH = 100;
  function newPaths() {
    return { area: new Path2D(), line: new Path2D(), dots: new Path2D(), hasArea: false,
             hasLine: false, hasDots: false };
  }
  function unzig(v) { return (v % 2 === 0) ? v / 2 : -(v + 1) / 2; }

  // Web Mercator (Leaflet's EPSG:3857) pixel coordinates at zoom 0.
  function projX(lon) { return 256 * (0.5 + lon / 360); }
  function projY(lat) {
    var y = Math.max(Math.min(lat, MAX_LAT), -MAX_LAT) * D2R;
    return 256 * (0.5 - Math.log(Math.tan(Math.PI / 4 + y / 2)) / (2 * Math.PI));
  }

  /* Decode the geometry stream (see planning/webmap/_compact.py) into typed arrays. */
  function decodeGeometry(g) {
    var c = g.counts, nf = c.features, q = g.q, x0 = g.origin[0], y0 = g.origin[1];
    var kind = new Int8Array(nf), featPart = new Uint32Array(nf + 1);
    var partRing = new Uint32Array(c.parts + 1), ringVert = new Uint32Array(c.rings + 1);
    var xy = new Float64Array(2 * c.vertices), bbox = new Float64Array(4 * nf);
    var r = new Reader(g.text), x = 0, y = 0, p = 0, ri = 0, v = 0, f, k, h, np, nr, n, j;
    function vertex() {
      x += unzig(r.next()); y += unzig(r.next());
      xy[2 * v] = projX(x0 + x * q); xy[2 * v + 1] = projY(y0 + y * q); v++;
    }
    for (f = 0; f < nf; f++) {
      h = r.next();
      kind[f] = h % 3; np = (h - h % 3) / 3;
      if (np === 0) { kind[f] = -1; }
      featPart[f] = p;
      for (k = 0; k < np; k++, p++) {
        partRing[p] = ri;
        if (kind[f] === 0) { ringVert[ri++] = v; vertex(); continue; }
        nr = kind[f] === 2 ? r.next() : 1;
        for (j = 0; j < nr; j++) {
          ringVert[ri++] = v; n = r.next();
          while (n-- > 0) { vertex(); }
        }
      }
    }
    featPart[nf] = p; partRing[c.parts] = ri; ringVert[c.rings] = v;
    for (f = 0; f < nf; f++) {
      var a = ringVert[partRing[featPart[f]]], b = ringVert[partRing[featPart[f + 1]]];
      var minx = Infinity, miny = Infinity, maxx = -Infinity, maxy = -Infinity;
      for (j = a; j < b; j++) {
        var vx = xy[2 * j], vy = xy[2 * j + 1];
        if (vx < minx) { minx = vx; } if (vx > maxx) { maxx = vx; }
        if (vy < miny) { miny = vy; } if (vy > maxy) { maxy = vy; }
      }
      bbox[4 * f] = minx; bbox[4 * f + 1] = miny; bbox[4 * f + 2] = maxx; bbox[4 * f + 3] = maxy;
    }
    return { n: nf, kind: kind, featPart: featPart, partRing: partRing, ringVert: ringVert,
             xy: xy, bbox: bbox };
  }

  function column(data, key, f) {
    var col = data.columns[key];
    if (!col) { return null; }
    if (col.dict) { var ix = col.idx[f]; return ix < 0 ? null : col.dict[ix]; }
    return col[f];
  }

  // ---- the compact canvas layer -----------------------------------------------------
  var instances = [];

  var CompactLayer = L.Canvas.extend({
    options: { padding: 0.1, tolerance: 4 },

    initialize: function (data, options) {
      L.Canvas.prototype.initialize.call(this, options);
      this.data = data;
      this.name = data.name;
      var t0 = performance.now();
      this.geom = decodeGeometry(data.geom);
      var t1 = performance.now();
      this._buildOrder();
      this._buildGrid();
      this.timing = { decodeMs: t1 - t0, indexMs: performance.now() - t1 };
      this._labels = null;
      if (data.labels) { this._labels = this._makeLabels(data.labels); }
      instances.push(this);
    },

    featureCount: function () { return this.geom.n; },

    /* The layer control calls this (autoZIndex) in the order the layers were added, so a
     * layer ticked on again goes back to its place instead of on top of the others. */
    setZIndex: function (z) {
      this.options.zIndex = z;
      if (this._container) { this._container.style.zIndex = z; }
      return this;
    },

    _buildOrder: function () {
      var n = this.geom.n, cls = this.data.cls, ns = this.data.styles.length, f;
      var counts = new Uint32Array(ns + 1), start = new Uint32Array(ns + 1);
      var order = new Uint32Array(n);
      for (f = 0; f < n; f++) { counts[cls ? cls[f] : 0]++; }
      for (f = 1; f <= ns; f++) { start[f] = start[f - 1] + counts[f - 1]; }
      var fill = start.slice();
      for (f = 0; f < n; f++) { order[fill[cls ? cls[f] : 0]++] = f; }
      this._order = order; this._classStart = start;
    },

    _buildGrid: function () {
      var g = this.geom, n = g.n, bb = g.bbox, f;
      var minx = Infinity, miny = Infinity, maxx = -Infinity, maxy = -Infinity;
      for (f = 0; f < n; f++) {
        if (g.kind[f] < 0) { continue; }
        minx = Math.min(minx, bb[4 * f]); miny = Math.min(miny, bb[4 * f + 1]);
        maxx = Math.max(maxx, bb[4 * f + 2]); maxy = Math.max(maxy, bb[4 * f + 3]);
      }
      if (!(maxx >= minx)) { this._grid = null; return; }
      var side = Math.max(1, Math.ceil(Math.sqrt(n / 4)));
      var cw = Math.max((maxx - minx) / side, 1e-12), ch = Math.max((maxy - miny) / side, 1e-12);
      var cells = side * side, count = new Uint32Array(cells + 1), pass, cx, cy;
      var items = null, fill = null;
      for (pass = 0; pass < 2; pass++) {
        for (f = 0; f < n; f++) {
          if (g.kind[f] < 0) { continue; }
          var ax = Math.min(side - 1, Math.floor((bb[4 * f] - minx) / cw));
          var bx = Math.min(side - 1, Math.floor((bb[4 * f + 2] - minx) / cw));
          var ay = Math.min(side - 1, Math.floor((bb[4 * f + 1] - miny) / ch));
          var by = Math.min(side - 1, Math.floor((bb[4 * f + 3] - miny) / ch));
          for (cy = ay; cy <= by; cy++) {
            for (cx = ax; cx <= bx; cx++) {
              if (pass === 0) { count[cy * side + cx + 1]++; } else { items[fill[cy * side + cx]++] = f; }
            }
          }
        }
        if (pass === 0) {
          for (f = 1; f <= cells; f++) { count[f] += count[f - 1]; }
          items = new Uint32Array(count[cells]); fill = count.slice(0, cells);
        }
      }
      this._grid = { minx: minx, miny: miny, cw: cw, ch: ch, side: side, start: count, items: items };
    },

    _initContainer: function () {
      var container = this._container = document.createElement('canvas');
      container.style.pointerEvents = 'none';
      container.className = 'planning-layer';
      container.setAttribute('data-layer', this.data.key || '');
      if (this.options.zIndex !== undefined) { container.style.zIndex = this.options.zIndex; }
      this._ctx = container.getContext('2d');
    },

    _destroyContainer: function () {
      L.Util.cancelAnimFrame(this._redrawRequest);
      delete this._ctx;
      L.DomUtil.remove(this._container);
      delete this._container;
    },

    onAdd: function (map) {
      L.Canvas.prototype.onAdd.call(this, map);
      attach(map);
      if (this._labels) { this._labels.addTo(map); this._updateLabels(); }
      this.fire('pm-add');
    },

    onRemove: function (map) {
      if (this._labels) { map.removeLayer(this._labels); }
      if (map._pmSelected && map._pmSelected.layer === this) { map.closePopup(); }
      L.Canvas.prototype.onRemove.call(this, map);
    },

    getEvents: function () {
      var events = L.Canvas.prototype.getEvents.call(this);
      events.zoomend = this._updateLabels;
      return events;
    },

    _updatePaths: function () {
      if (this._postponeUpdatePaths) { return; }
      this._redrawBounds = null;
      this._redraw();
    },

    _draw: function () {
      var ctx = this._ctx, map = this._map;
      if (!ctx || !map) { return; }
      var t0 = performance.now();
      var z = this._zoom, S = Math.pow(2, z), po = map.getPixelOrigin();
      var b = this._bounds;
      var view = [(b.min.x + po.x) / S, (b.min.y + po.y) / S, (b.max.x + po.x) / S,
                  (b.max.y + po.y) / S];
      var styles = this.data.styles, ns = styles.length, s, k, drawn = 0, batch;
      for (s = 0; s < ns; s++) {
        var a = this._classStart[s], e = this._classStart[s + 1];
        if (a === e) { continue; }
        // Paint in batches: canvas time grows much faster than linearly with the number of
        // subpaths in one path (100,000 tiny polygons: ~90 s in one path, ~0.15 s by 100).
        var paths = newPaths();
        for (k = a, batch = 0; k < e; k++) {
          if (this._trace(this._order[k], paths, S, po, view, styles[s])) { drawn++; batch++; }
          if (batch >= BATCH) { this._paint(ctx, styles[s], paths); paths = newPaths(); batch = 0; }
        }
        this._paint(ctx, styles[s], paths);
      }
      var sel = map._pmSelected;
      if (sel && sel.layer === this) {
        var hp = { area: new Path2D(), line: new Path2D(), dots: new Path2D() };
        this._trace(sel.f, hp, S, po, null, styles[this.data.cls ? this.data.cls[sel.f] : 0]);
        ctx.save(); ctx.globalAlpha = 1; ctx.lineWidth = 4; ctx.strokeStyle = '#00e5ff';
        ctx.setLineDash([]); ctx.lineJoin = 'round';
        ctx.stroke(hp.area); ctx.stroke(hp.line); ctx.fillStyle = '#00e5ff'; ctx.fill(hp.dots);
        ctx.restore();
      }
      this.lastDraw = { ms: performance.now() - t0, features: drawn, zoom: z };
      this.fire('pm-drawn', this.lastDraw);
    },

    _paint: function (ctx, st, paths) {
      ctx.save();
      ctx.lineJoin = 'round'; ctx.lineCap = 'round';
      var dash = st.dash || [];
      if (paths.hasArea) {
        if (st.fill) {
          ctx.globalAlpha = st.fillOpacity === undefined ? 0.6 : st.fillOpacity;
          ctx.fillStyle = st.fill; ctx.fill(paths.area, 'nonzero');
        }
        if (st.color && st.weight > 0) {
          ctx.globalAlpha = st.opacity === undefined ? 1 : st.opacity;
          ctx.strokeStyle = st.color; ctx.lineWidth = st.weight;
          ctx.setLineDash(dash); ctx.stroke(paths.area);
        }
      }
      if (paths.hasLine) {
        ctx.globalAlpha = st.opacity === undefined ? 1 : st.opacity;
        if (st.fill) {
          if (st.color && st.weight > 0) {  // casing in the outline colour
            ctx.strokeStyle = st.color; ctx.lineWidth = st.lineWidth + 2 * st.weight;
            ctx.setLineDash(dash); ctx.stroke(paths.line);
          }
          ctx.strokeStyle = st.fill; ctx.lineWidth = st.lineWidth;
          ctx.setLineDash([]); ctx.stroke(paths.line);
        } else if (st.color) {
          ctx.strokeStyle = st.color; ctx.lineWidth = st.weight;
          ctx.setLineDash(dash); ctx.stroke(paths.line);
        }
      }
      if (paths.hasDots) {
        ctx.globalAlpha = 1; ctx.fillStyle = st.fill || st.color || '#333'; ctx.fill(paths.dots);
      }
      ctx.restore();
    },

    /* Add feature f to the paths (view: [x0, y0, x1, y1] at zoom 0, null for no culling).
     * Returns true when something was traced. */
    _trace: function (f, paths, S, po, view, st) {
      var g = this.geom, kind = g.kind[f], bb = g.bbox;
      if (kind < 0) { return false; }
      var rad = st.radius || 5, r = kind === 0 ? rad / S : 0;
      if (view && (bb[4 * f + 2] + r < view[0] || bb[4 * f] - r > view[2] ||
          bb[4 * f + 3] + r < view[1] || bb[4 * f + 1] - r > view[3])) { return false; }
      var xy = g.xy, p, q, j, a, e;
      var p0 = g.featPart[f], p1 = g.featPart[f + 1];
      if (kind === 0) {
        for (p = p0; p < p1; p++) {
          j = g.ringVert[g.partRing[p]];
          var cx = xy[2 * j] * S - po.x, cy = xy[2 * j + 1] * S - po.y;
          paths.area.moveTo(cx + rad, cy); paths.area.arc(cx, cy, rad, 0, 2 * Math.PI);
        }
        paths.hasArea = true;
        return true;
      }
      var w = (bb[4 * f + 2] - bb[4 * f]) * S, h = (bb[4 * f + 3] - bb[4 * f + 1]) * S;
      if (view && w < 1.5 && h < 1.5) {
        paths.dots.rect(bb[4 * f] * S - po.x, bb[4 * f + 1] * S - po.y, Math.max(w, 1),
                        Math.max(h, 1));
        paths.hasDots = true;
        return true;
      }
      var path = kind === 2 ? paths.area : paths.line;
      for (p = p0; p < p1; p++) {
        for (q = g.partRing[p]; q < g.partRing[p + 1]; q++) {
          a = g.ringVert[q]; e = g.ringVert[q + 1];
          if (e <= a) { continue; }
          var lx = xy[2 * a] * S - po.x, ly = xy[2 * a + 1] * S - po.y, x, y;
          path.moveTo(lx, ly);
          for (j = a + 1; j < e; j++) {
            x = xy[2 * j] * S - po.x; y = xy[2 * j + 1] * S - po.y;
            if (j < e - 1 && Math.abs(x - lx) < 0.7 && Math.abs(y - ly) < 0.7) { continue; }
            path.lineTo(x, y); lx = x; ly = y;
          }
          if (kind === 2) { path.closePath(); }
        }
      }
      if (kind === 2) { paths.hasArea = true; } else { paths.hasLine = true; }
      return true;
    },

    // ---- hit testing (map-level events call this) ------------------------------------
    hit: function (wx, wy, S) {
      var grid = this._grid;
      if (!grid) { return -1; }
      var cx = Math.floor((wx - grid.minx) / grid.cw), cy = Math.floor((wy - grid.miny) / grid.ch);
      var tol = this.options.tolerance / S, best = -1, bestCls = -1, k;
      var cls = this.data.cls;
      var span = Math.max(1, Math.ceil(tol / Math.min(grid.cw, grid.ch)) + 1);
      for (var gy = cy - span; gy <= cy + span; gy++) {
        if (gy < 0 || gy >= grid.side) { continue; }
        for (var gx = cx - span; gx <= cx + span; gx++) {
          if (gx < 0 || gx >= grid.side) { continue; }
          var cell = gy * grid.side + gx;
          for (k = grid.start[cell]; k < grid.start[cell + 1]; k++) {
            var f = grid.items[k], c = cls ? cls[f] : 0;
            if (c < bestCls || (c === bestCls && f < best)) { continue; }
            if (this._contains(f, wx, wy, tol, S)) { best = f; bestCls = c; }
          }
        }
      }
      return best;
    },

    _contains: function (f, wx, wy, tol, S) {
      var g = this.geom, bb = g.bbox, kind = g.kind[f];
      var st = this.data.styles[this.data.cls ? this.data.cls[f] : 0];
      var half = kind === 1 && st.fill ? st.lineWidth / 2 + st.weight : (st.weight || 1) / 2;
      var pad = tol + (kind === 0 ? (st.radius || 5) / S : half / S);
      if (wx < bb[4 * f] - pad || wx > bb[4 * f + 2] + pad || wy < bb[4 * f + 1] - pad ||
          wy > bb[4 * f + 3] + pad) { return false; }
      var xy = g.xy, p, q, j, a, e, inside = false;
      var outlineOnly = kind === 2 && !st.fill;  // an unfilled polygon is hit on its outline
      for (p = g.featPart[f]; p < g.featPart[f + 1]; p++) {
        for (q = g.partRing[p]; q < g.partRing[p + 1]; q++) {
          a = g.ringVert[q]; e = g.ringVert[q + 1];
          if (kind === 0) {
            if (Math.hypot(xy[2 * a] - wx, xy[2 * a + 1] - wy) <= pad) { return true; }
            continue;
          }
          var n = e - a, last = kind === 2 ? n : n - 1;
          for (j = 0; j < last; j++) {
            var i1 = a + j, i2 = a + ((j + 1) % n);
            var x1 = xy[2 * i1], y1 = xy[2 * i1 + 1], x2 = xy[2 * i2], y2 = xy[2 * i2 + 1];
            if (kind === 2 && ((y1 > wy) !== (y2 > wy)) &&
                wx < (x2 - x1) * (wy - y1) / (y2 - y1) + x1) { inside = !inside; }
            if ((kind === 1 || outlineOnly) && segDist(wx, wy, x1, y1, x2, y2) <= pad) {
              return true;
            }
          }
          if (kind === 1 && n === 1 && Math.hypot(xy[2 * a] - wx, xy[2 * a + 1] - wy) <= pad) {
            return true;
          }
        }
      }
      if (outlineOnly) { return false; }
      if (kind === 2 && !inside && (bb[4 * f + 2] - bb[4 * f]) * S < 3) {
        return true;  // a polygon smaller than a few pixels is hit anywhere in its box
      }
      return inside;
    },

    featureBounds: function (f) {
      var bb = this.geom.bbox, crs = L.CRS.EPSG3857;
      var sw = crs.pointToLatLng(L.point(bb[4 * f], bb[4 * f + 3]), 0);
      var ne = crs.pointToLatLng(L.point(bb[4 * f + 2], bb[4 * f + 1]), 0);
      return L.latLngBounds(sw, ne);
    },

    featureAnchor: function (f) {
      var lab = this.data.anchors;
      if (lab) { return L.latLng(lab[f][1], lab[f][0]); }
      return this.featureBounds(f).getCenter();
    },

    // ---- text: popups, tooltips, labels ------------------------------------------------
    popupContent: function (f) {
      var d = this.data, box = document.createElement('div'), i;
      var fold = d.fold || [];
      box.className = 'pm-popup';
      var head = document.createElement('div');
      head.className = 'pm-popup-layer';
      head.textContent = d.popupName || d.name;
      box.appendChild(head);
      if (d.title) {
        var t = document.createElement('div');
        t.className = 'pm-popup-title';
        t.textContent = text(column(d, d.title, f));
        box.appendChild(t);
      }
      var table = document.createElement('table');
      for (i = 0; i < d.fields.length; i++) {
        var value = column(d, d.fields[i][0], f);
        if (value === null || value === undefined || value === '') { continue; }
        var tr = document.createElement('tr'), th = document.createElement('th');
        var td = document.createElement('td');
        th.textContent = d.fields[i][1];
        var shown = d.fields[i][0].charAt(0) === '_' ? zh(text(value)) : text(value);
        if (fold.indexOf(d.fields[i][0]) >= 0) { foldInto(td, shown); } else { td.textContent = shown; }
        tr.appendChild(th); tr.appendChild(td); table.appendChild(tr);
      }
      box.appendChild(table);
      return box;
    },

    tooltipText: function (f) {
      var d = this.data;
      if (!d.tooltip) { return ''; }
      var v = text(column(d, d.tooltip, f));
      return d.tooltip.charAt(0) === '_' ? zh(v) : v;
    },

    _makeLabels: function (spec) {
      var group = L.layerGroup(), f;
      for (f = 0; f < spec.text.length; f++) {
        if (spec.text[f] === null || spec.at[f] === null) { continue; }
        var el = document.createElement('div');
        el.className = 'pm-label ' + (spec.className || '');
        el.textContent = text(spec.text[f]);
        var icon = L.divIcon({ className: 'pm-label-anchor', html: el, iconSize: null });
        group.addLayer(L.marker([spec.at[f][1], spec.at[f][0]],
          { icon: icon, interactive: false, keyboard: false }));
      }
      this._labelMinZoom = spec.minZoom || 0;
      return group;
    },

    _updateLabels: function () {
      if (!this._labels || !this._map) { return; }
      var show = this._map.getZoom() >= this._labelMinZoom;
      var has = this._map.hasLayer(this._labels);
      if (show && !has) { this._labels.addTo(this._map); }
      if (!show && has) { this._map.removeLayer(this._labels); }
      declutterSoon(this._map);
    }
  });

  function text(v) { return v === null || v === undefined ? '' : String(v); }

  // The map's own bilingual display values (冲突 conflict) in Chinese only, in popups and
  // tooltips (planning.webmap.chinese_text does the same in Python for printed legends).
  var CJK = /[\u2e80-\uffff]/, ASCII_WORD = /^[\x21-\x7e]*[A-Za-z][\x21-\x7e]*$/;
  function zh(s) {
    var tokens = s.split(' '), first = -1, i, drop = [];
    for (i = 0; i < tokens.length; i++) { if (first < 0 && CJK.test(tokens[i])) { first = i; } }
    if (first < 0) { return s; }
    for (i = 0; i < tokens.length; i++) { drop.push(i > first && ASCII_WORD.test(tokens[i])); }
    for (i = first + 1; i < tokens.length; i++) {
      if (/^\d+$/.test(tokens[i]) && ((i + 1 < tokens.length && drop[i + 1]) || drop[i - 1])) {
        drop[i] = true;
      }
    }
    return tokens.filter(function (t, k) { return !drop[k]; }).join(' ').trim();
  }

  // A review's lines: conflicts and conditions shown, conforming items folded under a count.
  function foldInto(td, value) {
    var lines = value.split('\n').filter(function (x) { return x; });
    var fine = lines.filter(function (x) { return /^(符合|已列入)/.test(x); });
    var rest = lines.filter(function (x) { return !/^(符合|已列入)/.test(x); });
    if (rest.length) { var p = document.createElement('div'); p.textContent = rest.join('\n'); td.appendChild(p); }
    if (fine.length) {
      var details = document.createElement('details'), summary = document.createElement('summary');
      details.className = 'pm-fold';
      summary.textContent = '符合项 ' + fine.length + ' 项（点击展开）';
      var body = document.createElement('div'); body.textContent = fine.join('\n');
      details.appendChild(summary); details.appendChild(body); td.appendChild(details);
    }
  }

  // Labels never overlap: in the order they were added (townships, then projects, ...)
  // a label that would touch one already shown is hidden until the view makes room.
  function declutter(map) {
    var labels = map.getContainer().querySelectorAll('.pm-label'), kept = [], i, k;
    for (i = 0; i < labels.length; i++) { labels[i].style.visibility = ''; }
    for (i = 0; i < labels.length; i++) {
      var r = labels[i].getBoundingClientRect(), clash = false;
      if (!r.width) { continue; }
      for (k = 0; k < kept.length && !clash; k++) {
        var o = kept[k];
        clash = r.left < o.right + 2 && r.right + 2 > o.left && r.top < o.bottom && r.bottom > o.top;
      }
      if (clash) { labels[i].style.visibility = 'hidden'; } else { kept.push(r); }
    }
    map._pmLabelsShown = kept.length;
  }
  function declutterSoon(map) {
    if (map._pmDeclutter) { return; }
    map._pmDeclutter = L.Util.requestAnimFrame(function () {
      map._pmDeclutter = null; declutter(map);
    });
  }

  function segDist(px, py, x1, y1, x2, y2) {
    var dx = x2 - x1, dy = y2 - y1, l2 = dx * dx + dy * dy, t = 0;
    if (l2 > 0) { t = Math.max(0, Math.min(1, ((px - x1) * dx + (py - y1) * dy) / l2)); }
    return Math.hypot(px - (x1 + t * dx), py - (y1 + t * dy));
  }

  // ---- map-level events: the topmost layer with a feature under the mouse answers ------
  function layersOf(map) {
    var out = [];
    map.eachLayer(function (l) { if (l instanceof CompactLayer && l._container) { out.push(l); } });
    out.sort(function (a, b) {  // topmost first: higher z-index, else later in the document
      var za = a.options.zIndex || 0, zb = b.options.zIndex || 0;
      if (za !== zb) { return zb - za; }
      var pos = a._container.compareDocumentPosition(b._container);
      return (pos & 4) ? 1 : -1;
    });
    return out;
  }

  function hitAt(map, layerPoint) {
    var z = map.getZoom(), S = Math.pow(2, z), po = map.getPixelOrigin();
    var wx = (layerPoint.x + po.x) / S, wy = (layerPoint.y + po.y) / S;
    var layers = layersOf(map), i;
    for (i = 0; i < layers.length; i++) {
      if (layers[i].data.interactive === false) { continue; }
      var f = layers[i].hit(wx, wy, S);
      if (f >= 0) { return { layer: layers[i], f: f }; }
    }
    return null;
  }

  function select(map, h, latlng) {
    var old = map._pmSelected;
    map._pmSelected = h;
    if (old && old.layer._map) { old.layer._redraw(); }
    if (!h) { return; }
    h.layer._redraw();
    var popup = L.popup({ maxWidth: 440, minWidth: 300, className: 'pm-popup-wrap',
                          autoPanPaddingTopLeft: [60, 120], autoPanPaddingBottomRight: [40, 40] })
      .setLatLng(latlng || h.layer.featureAnchor(h.f))
      .setContent(h.layer.popupContent(h.f));
    popup.on('remove', function () {
      if (map._pmSelected === h) { map._pmSelected = null; if (h.layer._map) { h.layer._redraw(); } }
    });
    popup.openOn(map);
  }

  function attach(map) {
    if (map._pmAttached) { return; }
    map._pmAttached = true;
    var tip = L.tooltip({ direction: 'top', offset: [0, -8], className: 'pm-tooltip' });
    var pending = null;
    map.on('click', function (e) {
      if (map._pmMeasuring) { return; }
      var h = hitAt(map, e.layerPoint);
      if (h) { select(map, h, e.latlng); }
    });
    map.on('mousemove', function (e) {
      if (map._pmMeasuring) { return; }
      pending = e;
      L.Util.requestAnimFrame(function () {
        if (!pending) { return; }
        var ev = pending; pending = null;
        var h = hitAt(map, ev.layerPoint);
        map.getContainer().style.cursor = h ? 'pointer' : '';
        var label = h ? h.layer.tooltipText(h.f) : '';
        if (label) {
          var node = document.createElement('span'); node.textContent = label;
          tip.setLatLng(ev.latlng).setContent(node);
          if (!map.hasLayer(tip)) { map.openTooltip(tip); }
        } else if (map.hasLayer(tip)) { map.closeTooltip(tip); }
      });
    });
    map.on('mouseout', function () { if (map.hasLayer(tip)) { map.closeTooltip(tip); } });
  }

  // ---- controls --------------------------------------------------------------------------
  function el(tag, className, parent, content) {
    var node = L.DomUtil.create(tag, className || '', parent);
    if (content !== undefined) { node.textContent = content; }
    return node;
  }

  var SearchControl = L.Control.extend({
    options: { position: 'topleft', placeholder: '搜索项目 Search projects', maxResults: 12 },
    initialize: function (layers, options) { L.setOptions(this, options); this._layers = layers; },
    onAdd: function (map) {
      var box = el('div', 'leaflet-bar pm-search');
      var input = this._input = el('input', 'pm-search-input', box);
      input.type = 'search'; input.placeholder = this.options.placeholder;
      input.setAttribute('aria-label', this.options.placeholder);
      var list = this._list = el('div', 'pm-search-results', box);
      L.DomEvent.disableClickPropagation(box); L.DomEvent.disableScrollPropagation(box);
      var self = this;
      L.DomEvent.on(input, 'input', function () { self._search(input.value); });
      L.DomEvent.on(input, 'keydown', function (e) {
        if (e.key === 'Enter' && self._results.length) { self._go(self._results[0]); }
        if (e.key === 'Escape') { input.value = ''; self._search(''); }
      });
      this._results = [];
      this._map = map;
      return box;
    },
    _search: function (query) {
      var q = query.trim().toLowerCase(), list = this._list, i, f, out = [];
      list.textContent = '';
      this._results = out;
      if (!q) { return; }
      for (i = 0; i < this._layers.length && out.length < this.options.maxResults; i++) {
        var layer = this._layers[i], keys = layer.data.search || [];
        for (f = 0; f < layer.featureCount() && out.length < this.options.maxResults; f++) {
          for (var k = 0; k < keys.length; k++) {
            var v = text(column(layer.data, keys[k], f));
            if (v && v.toLowerCase().indexOf(q) >= 0) {
              out.push({ layer: layer, f: f, label: text(column(layer.data, keys[0], f)) });
              break;
            }
          }
        }
      }
      var self = this;
      out.forEach(function (r) {
        var item = el('a', 'pm-search-item', list, r.label);
        item.href = '#';
        L.DomEvent.on(item, 'click', function (e) { L.DomEvent.stop(e); self._go(r); });
      });
      if (!out.length) { el('div', 'pm-search-none', list, '无结果 No match'); }
    },
    _go: function (r) {
      var map = this._map;
      if (!map.hasLayer(r.layer)) { map.addLayer(r.layer); }
      map.fitBounds(r.layer.featureBounds(r.f), { maxZoom: 16, animate: false });
      select(map, { layer: r.layer, f: r.f }, r.layer.featureAnchor(r.f));
      var list = this._list;
      // clear after this event: a detached target would let the map take the click as its own
      setTimeout(function () { list.textContent = ''; }, 0);
    }
  });

  // Spherical polygon area (m2) on the sphere of Leaflet's CRS.Earth.
  function sphericalArea(latlngs) {
    var R = 6378137, area = 0, n = latlngs.length, k;
    if (n < 3) { return 0; }
    for (k = 0; k < n; k++) {
      var p1 = latlngs[k], p2 = latlngs[(k + 1) % n];
      area += (p2.lng - p1.lng) * D2R * (2 + Math.sin(p1.lat * D2R) + Math.sin(p2.lat * D2R));
    }
    return Math.abs(area * R * R / 2);
  }

  function formatLength(m) {
    return m >= 1000 ? (m / 1000).toFixed(2) + ' km' : m.toFixed(1) + ' m';
  }
  function formatArea(m2) {
    var mu = m2 / (10000 / 15), ha = m2 / 10000;
    return (m2 >= 1e6 ? (m2 / 1e6).toFixed(3) + ' km²' : Math.round(m2) + ' m²') +
      ' = ' + mu.toFixed(2) + ' 亩 mu = ' + ha.toFixed(3) + ' 公顷 ha';
  }

  var MeasureControl = L.Control.extend({
    options: { position: 'topleft' },
    onAdd: function (map) {
      var box = el('div', 'leaflet-bar pm-measure');
      var button = this._button = el('a', 'pm-measure-button', box, '测量');
      button.href = '#'; button.title = '测量距离和面积 Measure distance and area';
      button.setAttribute('role', 'button');
      var panel = this._panel = el('div', 'pm-measure-panel', box);
      this._out = el('div', 'pm-measure-out', panel);
      var done = el('a', 'pm-measure-done', panel, '完成 Finish');
      var clear = el('a', 'pm-measure-clear', panel, '清除 Clear');
      done.href = clear.href = '#';
      panel.style.display = 'none';
      L.DomEvent.disableClickPropagation(box);
      var self = this;
      L.DomEvent.on(button, 'click', function (e) { L.DomEvent.preventDefault(e); self.toggle(); });
      L.DomEvent.on(done, 'click', function (e) { L.DomEvent.preventDefault(e); self.stop(); });
      L.DomEvent.on(clear, 'click', function (e) { L.DomEvent.preventDefault(e); self.clear(); });
      this._map = map;
      this._points = [];
      this._shape = L.layerGroup();
      return box;
    },
    toggle: function () { if (this._map._pmMeasuring) { this.stop(); } else { this.start(); } },
    start: function () {
      var map = this._map;
      map._pmMeasuring = true;
      this._dbl = map.doubleClickZoom.enabled();
      map.doubleClickZoom.disable();
      this._panel.style.display = '';
      L.DomUtil.addClass(map.getContainer(), 'pm-measuring');
      this.clear();
      this._shape.addTo(map);
      map.on('click', this._add, this);
      map.on('dblclick', this.stop, this);
    },
    stop: function () {
      var map = this._map;
      map._pmMeasuring = false;
      if (this._dbl) { map.doubleClickZoom.enable(); }
      L.DomUtil.removeClass(map.getContainer(), 'pm-measuring');
      map.off('click', this._add, this);
      map.off('dblclick', this.stop, this);
    },
    clear: function () {
      this._points = []; this._shape.clearLayers();
      this._out.textContent = '单击地图添加点 Click the map to add points';
    },
    _add: function (e) {
      this._points.push(e.latlng);
      this._shape.clearLayers();
      var pts = this._points, total = 0, k;
      for (k = 1; k < pts.length; k++) { total += pts[k - 1].distanceTo(pts[k]); }
      if (pts.length >= 3) {
        L.polygon(pts, { color: '#d81b60', weight: 2, dashArray: '6 4', fillOpacity: 0.1,
                         interactive: false }).addTo(this._shape);
      } else {
        L.polyline(pts, { color: '#d81b60', weight: 2, dashArray: '6 4', interactive: false })
          .addTo(this._shape);
      }
      pts.forEach(function (p) {
        L.circleMarker(p, { radius: 3, color: '#d81b60', interactive: false }).addTo(this._shape);
      }, this);
      var out = '距离 Distance: ' + formatLength(total);
      if (pts.length >= 3) { out += '\n面积 Area: ' + formatArea(sphericalArea(pts)); }
      this._out.textContent = out;
    }
  });

  // A static HTML element made in Python (escaped there) shown as a map control.
  // The legend follows the layer switches (a layer switched off folds its section, switched
  // on opens it) and folds away as a whole with its button.
  function legendBehaviour(map, box) {
    var toggle = box.querySelector('.pm-legend-toggle');
    if (toggle) {
      L.DomEvent.on(toggle, 'click', function (e) {
        L.DomEvent.stop(e);
        var folded = box.classList.toggle('pm-legend-folded');
        toggle.textContent = folded ? '图例' : '收起';
        toggle.setAttribute('aria-expanded', folded ? 'false' : 'true');
      });
    }
    function sync(e) {
      if (!(e.layer instanceof CompactLayer)) { return; }
      var on = e.type === 'layeradd', sections = box.querySelectorAll('details[data-layer]');
      for (var i = 0; i < sections.length; i++) {
        if (sections[i].getAttribute('data-layer') === e.layer.data.name) {
          sections[i].open = on;
          sections[i].classList.toggle('pm-off', !on);
        }
      }
    }
    map.on('layeradd layerremove', sync);
  }

  var PanelControl = L.Control.extend({
    initialize: function (element, options) { L.setOptions(this, options); this._el = element; },
    onAdd: function (map) {
      L.DomEvent.disableClickPropagation(this._el); L.DomEvent.disableScrollPropagation(this._el);
      this._el.style.display = '';
      if (this._el.classList.contains('pm-legend')) { legendBehaviour(map, this._el); }
      return this._el;
    },
    onRemove: function () {}
  });

  var NorthArrow = L.Control.extend({
    options: { position: 'bottomleft' },
    onAdd: function () {
      var box = L.DomUtil.create('div', 'pm-north');
      box.title = '指北针 north';
      box.setAttribute('aria-label', '指北针 north');
      box.innerHTML = '<svg viewBox="0 0 24 40" width="24" height="40" aria-hidden="true">' +
        '<text x="12" y="10" text-anchor="middle" font-size="10" font-weight="bold">北</text>' +
        '<polygon points="12,13 5,38 12,31" fill="#000"/>' +
        '<polygon points="12,13 19,38 12,31" fill="#fff" stroke="#000" stroke-width="1"/></svg>';
      return box;
    }
  });

  function readData(id) {
    var t0 = performance.now();
    var data = JSON.parse(document.getElementById(id).textContent);
    data.parseMs = performance.now() - t0;
    return data;
  }

  root.PlanningMap = {
    version: '1',
    CompactLayer: CompactLayer,
    compactLayer: function (id) { return new CompactLayer(readData(id)); },
    decodeGeometry: decodeGeometry,
    search: function (map, layers, options) { return new SearchControl(layers, options).addTo(map); },
    measure: function (map, options) { return new MeasureControl(options).addTo(map); },
    panel: function (map, id, position) {
      if (!map._controlCorners[position]) {  // e.g. 'topcenter'
        map._controlCorners[position] = L.DomUtil.create(
          'div', 'leaflet-' + position.replace('center', ' leaflet-center'), map._controlContainer);
      }
      return new PanelControl(document.getElementById(id), { position: position }).addTo(map);
    },
    layers: layersOf,
    instances: instances,
    declutter: declutter,
    sphericalArea: sphericalArea,
    setup: function (map, options) {
      if (map.attributionControl) { map.attributionControl.setPrefix(options.prefix || 'Leaflet'); }
      L.control.scale({ imperial: false, maxWidth: 160 }).addTo(map);
      new NorthArrow().addTo(map);
      map.on('zoomend moveend layeradd', function () { declutterSoon(map); });
      if (options.background) { map.getContainer().style.background = options.background; }
      attach(map);
      root.__planningMaps = root.__planningMaps || [];
      root.__planningMaps.push(map);
    }
  };
}(window));
