namespace Checkpointctl.Cli.Report;

/// <summary>The report's style sheet, SVG patterns and script: constant, inline, and referring to nothing outside the file.</summary>
internal static class ReportAssets
{
    public const string Css = """
        :root{--fg:#1d2330;--muted:#5f6b7a;--line:#d8dde4;--bg:#fff;--panel:#f5f7fa;--accent:#2f5d9f;
          --add:#e3f6e8;--add-line:#2e8b57;--del:#fde8e8;--del-line:#c0392b;--mod:#fff4d6;--mod-line:#c98a00}
        *{box-sizing:border-box}
        body{margin:0;font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans",sans-serif;color:var(--fg);background:var(--bg)}
        main{max-width:1280px;margin:0 auto;padding:0 20px 40px}
        header.top{background:#1f2a3c;color:#fff;padding:18px 20px 14px}
        header.top h1{margin:0;font-size:22px;font-weight:600}
        header.top p{margin:4px 0 0;color:#c9d3e0;word-break:break-all}
        nav{position:sticky;top:0;z-index:5;background:#fff;border-bottom:1px solid var(--line);padding:6px 20px;font-size:13px}
        nav a{color:var(--accent);text-decoration:none;margin-right:12px;white-space:nowrap}
        nav b{margin-right:8px;white-space:nowrap}
        h2{font-size:20px;margin:28px 0 8px;padding-bottom:4px;border-bottom:2px solid var(--accent)}
        h2.cp{background:#1f2a3c;color:#fff;padding:8px 12px;border:0;margin-top:44px;font-size:22px}
        h3{font-size:16px;margin:22px 0 8px}
        section,[id]{scroll-margin-top:44px}
        code,.mono,td{font-family:ui-monospace,"SFMono-Regular","DejaVu Sans Mono",Menlo,Consolas,monospace;font-size:12.5px}
        code{word-break:break-all}
        .muted{color:var(--muted)}
        .note{color:var(--muted);font-style:italic;font-size:12.5px}
        .grid{display:grid;grid-template-columns:repeat(auto-fill,minmax(300px,1fr));gap:4px 24px;margin:0}
        .grid div{display:flex;gap:8px;border-bottom:1px dotted var(--line);padding:2px 0;min-width:0}
        .grid dt{color:var(--muted);flex:0 0 120px}
        .grid dd{margin:0;word-break:break-all;min-width:0}
        .grid div.wide{grid-column:span 2}
        .cards{display:flex;flex-wrap:wrap;gap:10px;margin:12px 0}
        .card{background:var(--panel);border:1px solid var(--line);border-radius:6px;padding:8px 14px;min-width:140px}
        .card b{display:block;font-size:18px}
        .card span{color:var(--muted);font-size:12px}
        .scroll{overflow-x:auto;max-width:100%}
        table{border-collapse:collapse;margin:4px 0 10px;min-width:50%}
        th,td{border:1px solid var(--line);padding:2px 8px;text-align:left;vertical-align:top;white-space:nowrap}
        td.wrap{white-space:normal;min-width:260px}
        th{background:var(--panel);font-weight:600;cursor:pointer;white-space:nowrap;user-select:none}
        th[aria-sort=ascending]::after{content:" \25B2";font-size:10px}
        th[aria-sort=descending]::after{content:" \25BC";font-size:10px}
        td.num{text-align:right;white-space:nowrap}
        tr:target td{background:#fff3bf}
        tr.added td{background:var(--add)} tr.removed td{background:var(--del)} tr.modified td{background:var(--mod)}
        ul.tree{list-style:none;margin:0;padding-left:18px;border-left:1px dashed var(--line)}
        ul.tree.root{padding-left:0;border-left:0}
        ul.tree li{margin:4px 0}
        details.proc>summary{cursor:pointer;padding:3px 6px;border-radius:4px;background:var(--panel);border:1px solid var(--line)}
        details.proc>.body{padding:4px 0 4px 14px}
        li.added>details>summary{background:var(--add);border-color:var(--add-line)}
        li.removed>details>summary{background:var(--del);border-color:var(--del-line)}
        li.modified>details>summary{background:var(--mod);border-color:var(--mod-line)}
        .pid{font-family:ui-monospace,monospace;color:var(--accent);font-weight:600}
        .badge{display:inline-block;font-size:11px;padding:0 6px;border-radius:9px;border:1px solid var(--line);margin-left:4px;background:#fff}
        .st-Alive{color:#1e7b34}.st-Dead,.st-Zombie{color:#b0302a}.st-Stopped{color:#a66b00}
        .badge.added{border-color:var(--add-line);color:var(--add-line)}
        .badge.removed{border-color:var(--del-line);color:var(--del-line)}
        .badge.modified{border-color:var(--mod-line);color:var(--mod-line)}
        ul.env{list-style:none;padding:0;margin:2px 0;display:grid;grid-template-columns:repeat(auto-fill,minmax(280px,1fr));gap:0 16px}
        ul.tree ul.env li{margin:0}
        details.env{display:inline}
        details.env>summary{cursor:pointer;font-family:ui-monospace,monospace;font-size:12.5px;list-style:none}
        details.env>summary::after{content:"=\2022\2022\2022";color:var(--muted)}
        details.env[open]>summary::after{content:"="}
        details.env>code{background:#fff8e1}
        .mapwrap{display:flex;gap:18px;align-items:flex-start;flex-wrap:wrap}
        .mapwrap svg{flex:0 0 auto}
        .mapwrap .scroll{flex:1 1 320px}
        .mapwrap table{min-width:0}
        svg text{font:11px ui-monospace,"DejaVu Sans Mono",monospace;fill:var(--fg)}
        svg .lbl{font:12px system-ui,sans-serif}
        .k-file{fill:#4e79a7}.k-anon{fill:#f28e2b}.k-heap{fill:#e15759}.k-stack{fill:#76b7b2}.k-shared{fill:#59a14f}
        .k-memfd{fill:#edc948}.k-sysv{fill:#b07aa1}.k-vdso,.k-vvar,.k-vsyscall{fill:#9c755f}.k-aio,.k-socket{fill:#8c8c8c}
        .map .base{fill-opacity:.28}
        .map .gap{stroke:#8a94a3;stroke-dasharray:3 3}
        .map a:hover rect.base{fill-opacity:.5}
        .legend{display:flex;flex-wrap:wrap;gap:4px 14px;font-size:12px;margin:6px 0}
        .legend i{display:inline-block;width:12px;height:12px;margin-right:4px;vertical-align:-2px;border:1px solid #0003}
        .t-freeze{fill:#6c8ebf}.t-frozen{fill:#c9d7ee}.t-memdump{fill:#e07b39}.t-memwrite{fill:#9467bd}
        .edge{fill:none;stroke:var(--accent);stroke-width:1.6}
        .edge.unix{stroke:#59a14f}
        svg.sockets text{font-size:12.5px}
        .diffsum{display:flex;flex-wrap:wrap;gap:10px}
        .diffsum .card b.up{color:var(--add-line)} .diffsum .card b.down{color:var(--del-line)}
        footer{margin-top:36px;color:var(--muted);font-size:12px;border-top:1px solid var(--line);padding-top:8px}
        button.tool{font:12px system-ui,sans-serif;margin:0 6px 6px 0;padding:2px 8px;border:1px solid var(--line);border-radius:4px;background:var(--panel);cursor:pointer}
        @media print{
          nav,button.tool{display:none}
          header.top{background:none;color:#000;border-bottom:2px solid #000}
          header.top p{color:#000}
          body{font-size:11px}
          main{max-width:none;padding:0}
          h2{break-after:avoid}
          h2.cp,h2[id$="-memory"]{break-before:page}
          h3{break-after:avoid}
          tr,svg,details.proc>summary{break-inside:avoid}
          .scroll{overflow:visible}
          th{cursor:auto}
        }
        """;

    /// <summary>Fill patterns for parent (hatched) and lazy (dotted) pages, referenced by the memory maps.</summary>
    public const string SvgPatterns = """
        <svg width="0" height="0" style="position:absolute" aria-hidden="true"><defs>
        <pattern id="pat-parent" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)"><rect width="6" height="6" fill="#fff"/><line x1="0" y1="0" x2="0" y2="6" stroke="#333" stroke-width="2.5"/></pattern>
        <pattern id="pat-lazy" width="5" height="5" patternUnits="userSpaceOnUse"><rect width="5" height="5" fill="#fff"/><circle cx="2.5" cy="2.5" r="1.3" fill="#333"/></pattern>
        </defs></svg>
        """;

    /// <summary>Sorts tables by a clicked column, expands or collapses trees, opens what a link points into, opens sections for printing.</summary>
    public const string Script = """
        (function () {
          'use strict';
          function key(cell) {
            var v = cell.getAttribute('data-v');
            return v !== null ? v : cell.textContent;
          }
          function compare(a, b) {
            var x = Number(a), y = Number(b);
            if (a !== '' && b !== '' && !isNaN(x) && !isNaN(y)) return x - y;
            return a < b ? -1 : a > b ? 1 : 0;
          }
          function sortBy(table, column, th) {
            var body = table.tBodies[0];
            var ascending = th.getAttribute('aria-sort') !== 'ascending';
            var rows = Array.prototype.slice.call(body.rows);
            rows.forEach(function (r, i) { if (!r.hasAttribute('data-i')) r.setAttribute('data-i', String(i)); });
            rows.sort(function (r1, r2) {
              var c = compare(key(r1.cells[column]), key(r2.cells[column]));
              if (!ascending) c = -c;
              return c !== 0 ? c : Number(r1.getAttribute('data-i')) - Number(r2.getAttribute('data-i'));
            });
            Array.prototype.forEach.call(th.parentNode.cells, function (h) { h.removeAttribute('aria-sort'); });
            th.setAttribute('aria-sort', ascending ? 'ascending' : 'descending');
            rows.forEach(function (r) { body.appendChild(r); });
          }
          document.querySelectorAll('table.sortable').forEach(function (table) {
            Array.prototype.forEach.call(table.tHead.rows[0].cells, function (th, i) {
              th.tabIndex = 0;
              th.addEventListener('click', function () { sortBy(table, i, th); });
              th.addEventListener('keydown', function (e) {
                if (e.key === 'Enter' || e.key === ' ') { e.preventDefault(); sortBy(table, i, th); }
              });
            });
          });
          document.querySelectorAll('button[data-expand]').forEach(function (b) {
            b.hidden = false;
            b.addEventListener('click', function () {
              var open = b.getAttribute('data-expand') === 'all';
              document.getElementById(b.getAttribute('data-target')).querySelectorAll('details.proc').forEach(function (d) { d.open = open; });
            });
          });
          // A link to a process, memory map or mapping inside collapsed parts opens them.
          function openTarget() {
            var t = location.hash.length > 1 ? document.getElementById(decodeURIComponent(location.hash.slice(1))) : null;
            for (; t; t = t.parentElement) { if (t.tagName === 'DETAILS') t.open = true; }
          }
          window.addEventListener('hashchange', openTarget);
          openTarget();
          var opened = [];
          window.addEventListener('beforeprint', function () {
            document.querySelectorAll('details:not([open]):not(.env)').forEach(function (d) { d.open = true; opened.push(d); });
          });
          window.addEventListener('afterprint', function () {
            opened.forEach(function (d) { d.open = false; });
            opened = [];
          });
          document.documentElement.setAttribute('data-ready', 'yes');
        })();
        """;
}
