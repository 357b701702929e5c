using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Precision.Orleans.SiloHost.Dashboard;

/// <summary>
/// The project's run pages beside the Orleans Dashboard, behind the same login: GET /runs is one self-contained page
/// (inline CSS, script and SVG; nothing fetched from elsewhere) that polls /api/runs every <see cref="PollSeconds"/> s
/// for the runs and each run's /api/runs/{id}/metrics for its accuracy, mismatch (k3, |log π/μ|) and tokens/s curves;
/// silos, grain types and call rates are on the Orleans Dashboard at /dashboard. GET / redirects to /runs.
/// </summary>
public static class RunPages
{
    public const int PollSeconds = 2;
    public const string RunsPath = "/runs";

    public static IEndpointRouteBuilder MapRunPages(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet(RunsPath, () => Results.Content(Html, "text/html; charset=utf-8"));
        endpoints.MapGet("/", () => Results.Redirect(RunsPath));
        return endpoints;
    }

    public static string LoginForm(bool refused) => $$"""
        <!DOCTYPE html>
        <html lang="en"><head><meta charset="utf-8"/><title>Precision.Orleans — log in</title>
        <style>body{font-family:sans-serif;margin:48px;color:#222} input{font-size:15px;padding:4px;width:28em}</style></head>
        <body><h1>Precision.Orleans</h1>
        {{(refused ? "<p style=\"color:#b00\">Wrong password.</p>" : "<p>The run pages and the Orleans Dashboard need the silo's web password.</p>")}}
        <form method="post" action="{{WebLoginMiddleware.LoginPath}}">
        <label>Password <input type="password" name="password" autocomplete="current-password" autofocus/></label>
        <button type="submit">Log in</button></form>
        <p>The password is checked once; the browser then holds a session cookie (HttpOnly, SameSite=Strict) derived from it.</p>
        </body></html>
        """;

    public static readonly string Html = $$"""
        <!DOCTYPE html>
        <html lang="en"><head><meta charset="utf-8"/><title>Precision.Orleans — runs</title>
        <style>
        body{font-family:sans-serif;margin:20px;color:#222;max-width:1500px}
        table{border-collapse:collapse;margin:6px 0 14px} th,td{border:1px solid #ccc;padding:3px 8px;text-align:right}
        th{background:#f3f3f3} td.l,th.l{text-align:left} .dead{color:#999} .err{color:#b00}
        .figs{display:flex;flex-wrap:wrap;gap:10px} figure{margin:0} figcaption{font-size:13px;text-align:center}
        #updated{color:#666;font-size:13px}
        </style></head>
        <body>
        <h1>Precision.Orleans runs</h1>
        <p>Silos, grain types and call rates: <a href="/dashboard">the Orleans Dashboard</a>.</p>
        <p id="updated">loading…</p>
        <h2>Runs</h2><table id="runs"></table>
        <div id="curves"></div>
        <script>
        "use strict";
        const POLL_MS = {{PollSeconds * 1000}};
        const esc = s => String(s).replace(/[&<>"']/g, c => ({"&":"&amp;","<":"&lt;",">":"&gt;","\"":"&quot;","'":"&#39;"}[c]));
        const num = (v, d) => (typeof v === "number" && isFinite(v)) ? v.toFixed(d) : String(v);
        const sci = v => (typeof v === "number" && isFinite(v)) ? v.toExponential(2) : String(v);
        function table(el, headers, rows) {
          document.getElementById(el).innerHTML = "<tr>" + headers.map(h => "<th>" + esc(h) + "</th>").join("") + "</tr>" +
            rows.map(r => "<tr" + (r.cls ? " class=\"" + r.cls + "\"" : "") + ">" + r.cells.map((c, i) => "<td" + (i === 0 ? " class=\"l\"" : "") + ">" + c + "</td>").join("") + "</tr>").join("");
        }
        // A small line chart: x = step, one polyline, linear or log10 y.
        function chart(title, xs, ys, log) {
          const W = 380, H = 220, L = 56, R = 10, T = 24, B = 34;
          const pts = xs.map((x, i) => [x, ys[i]]).filter(p => isFinite(p[1]) && (!log || p[1] > 0));
          let svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" + W + "\" height=\"" + H + "\"><rect width=\"100%\" height=\"100%\" fill=\"#fff\"/>" +
            "<text x=\"" + W / 2 + "\" y=\"15\" text-anchor=\"middle\" font-size=\"13\">" + esc(title) + "</text>";
          if (pts.length > 0) {
            const f = v => log ? Math.log10(v) : v;
            let x0 = Math.min(...pts.map(p => p[0])), x1 = Math.max(...pts.map(p => p[0]));
            let y0 = Math.min(...pts.map(p => f(p[1]))), y1 = Math.max(...pts.map(p => f(p[1])));
            if (x1 === x0) { x0 -= 1; x1 += 1; }
            if (y1 === y0) { y0 -= 0.5; y1 += 0.5; }
            const px = x => L + (x - x0) / (x1 - x0) * (W - L - R), py = y => H - B - (f(y) - y0) / (y1 - y0) * (H - T - B);
            svg += "<line x1=\"" + L + "\" y1=\"" + (H - B) + "\" x2=\"" + (W - R) + "\" y2=\"" + (H - B) + "\" stroke=\"#888\"/>" +
              "<line x1=\"" + L + "\" y1=\"" + T + "\" x2=\"" + L + "\" y2=\"" + (H - B) + "\" stroke=\"#888\"/>" +
              "<polyline fill=\"none\" stroke=\"#1f77b4\" stroke-width=\"1.6\" points=\"" + pts.map(p => px(p[0]).toFixed(1) + "," + py(p[1]).toFixed(1)).join(" ") + "\"/>";
            const lab = y => log ? Math.pow(10, y).toExponential(1) : (Math.abs(y) < 1e-3 && y !== 0 ? y.toExponential(1) : Math.abs(y) >= 1000 ? y.toFixed(0) : y.toPrecision(3));
            svg += "<text x=\"" + (L - 4) + "\" y=\"" + (T + 4) + "\" text-anchor=\"end\" font-size=\"10\">" + lab(y1) + "</text>" +
              "<text x=\"" + (L - 4) + "\" y=\"" + (H - B) + "\" text-anchor=\"end\" font-size=\"10\">" + lab(y0) + "</text>" +
              "<text x=\"" + L + "\" y=\"" + (H - B + 14) + "\" font-size=\"10\">" + x0 + "</text>" +
              "<text x=\"" + (W - R) + "\" y=\"" + (H - B + 14) + "\" text-anchor=\"end\" font-size=\"10\">" + x1 + "</text>" +
              "<text x=\"" + ((L + W - R) / 2) + "\" y=\"" + (H - 6) + "\" text-anchor=\"middle\" font-size=\"11\">policy iteration" + (log ? " (log y)" : "") + "</text>";
          } else {
            svg += "<text x=\"" + W / 2 + "\" y=\"" + H / 2 + "\" text-anchor=\"middle\" font-size=\"12\" fill=\"#888\">no steps yet</text>";
          }
          return "<figure>" + svg + "</svg></figure>";
        }
        async function getJson(path) {
          const r = await fetch(path, { credentials: "same-origin", cache: "no-store" });
          if (r.status === 401) { location.href = "/login"; throw new Error("logged out"); }
          if (!r.ok) throw new Error(path + ": " + r.status + " " + (await r.text()));
          return r.json();
        }
        async function refresh() {
          try {
            const runs = await getJson("/api/runs");
            table("runs", ["run", "name", "state", "step", "accuracy", "algorithm", "train/rollout", "weight version", "report"],
              runs.map(r => ({ cells: [esc(r.runId), esc(r.name), esc(r.state) + (r.error ? " <span class=\"err\">" + esc(r.error) + "</span>" : ""),
                r.step + " / " + r.iterations, num(r.lastAccuracy, 3), esc(r.algorithm), esc(r.trainDType + "/" + r.rolloutDType), r.weightVersion,
                "<a href=\"/api/runs/" + encodeURIComponent(r.runId) + "/report\">html</a> <a href=\"/api/runs/" + encodeURIComponent(r.runId) + "/metrics?format=csv\">csv</a>"] })));
            let curves = "";
            for (const r of runs.slice(-6).reverse()) {
              const rows = await getJson("/api/runs/" + encodeURIComponent(r.runId) + "/metrics?from=0");
              const xs = rows.map(m => m.step);
              curves += "<h3>" + esc(r.runId) + "</h3><div class=\"figs\">" +
                chart("accuracy", xs, rows.map(m => m.accuracy), false) +
                chart("mismatch k3 of KL(μ‖π)", xs, rows.map(m => m.k3), true) +
                chart("mean |log π(y)/μ(y)|", xs, rows.map(m => m.meanAbsSeqLogRatio), true) +
                chart("rollout tokens/s", xs, rows.map(m => m.tokensPerSecond), false) + "</div>";
            }
            document.getElementById("curves").innerHTML = curves;
            document.getElementById("updated").textContent = runs.length + " runs at " + new Date().toLocaleTimeString() + " · refreshed every " + (POLL_MS / 1000) + " s";
          } catch (e) {
            document.getElementById("updated").innerHTML = "<span class=\"err\">" + esc(e.message) + "</span>";
          }
        }
        refresh();
        setInterval(refresh, POLL_MS);
        </script>
        </body></html>
        """;
}
