// node bench/webui.mjs: the web UI's page times in headless Chromium, for
// bench/webui, which starts the servers and passes, in the environment:
//   NODE_MODULES, CHROMIUM, RUNS, COMMITS, DEMO_URL and DEMO_TOKEN (a
//   server on the demo workspace and an auditor token), HIST_URL and
//   HIST_TOKEN (a server on the workspace of COMMITS commits), HIST_CACHE
//   (that workspace's history cache folder, deleted for a cold load).
//
// Each load is a fresh browser context (no HTTP cache, no service state)
// holding the session cookie of a sign-in made beforehand, and one
// page.goto().  What is measured, per load:
//   drawn   in the page, from its navigation start (performance.timeOrigin)
//           to the page's marker element (the overview's #systems, the
//           graph's #graph svg, the history's #timeline) being in the
//           DOM: a MutationObserver notes performance.now();
//   painted from the navigation start to the frame after that: a
//           requestAnimationFrame callback then a setTimeout(0), the
//           time the browser has painted the content;
//   api     the slowest API answer the page waited for (/v1/... or
//           /ui/graph.svg), from the Resource Timing entry's startTime
//           to its responseEnd;
//   wall    node's clock around page.goto() and the wait for "painted"
//           (what a user sees, plus the DevTools protocol's round trips);
//   curl    the baseline: every request the load made (the shell, the
//           script and style, /ui/session, the API calls), asked again
//           one after the other by curl with a bearer token, the sum of
//           their time_total; for a cold history load, with the history
//           cache deleted again first.
// Prints each load's figures on stderr and a Markdown table of medians on
// stdout; with BENCH_VERBOSE=1, each load's requests too (path, start and
// end in ms from the navigation start, bytes), where the time goes.
import { rmSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { launch } from '../tests/integration/browser.mjs';

const env = process.env;
const RUNS = Number(env.RUNS || 5);

// The tests' launch (tests/integration/browser.mjs).
const browser = await launch();

// Sign in as the page does (the CSRF cookie of the shell, sent back as a
// header): the cookies of a session.
async function signIn(url, token) {
  const shell = await fetch(url + '/signin');
  const csrf = /dsmap_csrf=([0-9a-f]+)/.exec(shell.headers.getSetCookie().join('\n'))[1];
  const res = await fetch(url + '/ui/session', {
    method: 'POST', body: JSON.stringify({ token }),
    headers: { 'Content-Type': 'application/json', Cookie: 'dsmap_csrf=' + csrf, 'X-CSRF-Token': csrf },
  });
  if (!res.ok) throw new Error('sign-in to ' + url + ': ' + res.status);
  const set = res.headers.getSetCookie().join('\n');
  return ['dsmap_session', 'dsmap_csrf'].map((name) =>
    ({ name, value: new RegExp(name + '=([0-9a-f]+)').exec(set)[1], url }));
}

function curl(urls, token) {
  let total = 0;
  for (const u of urls) {
    const out = execFileSync('curl', ['-sS', '-o', '/dev/null', '-w', '%{http_code} %{time_total}',
                                      '-H', 'Authorization: Bearer ' + token, u], { encoding: 'utf8' });
    const [code, t] = out.split(' ');
    if (code !== '200') throw new Error('curl ' + u + ': ' + code);
    total += Number(t) * 1000;
  }
  return total;
}

async function load(url, path, marker, cookies, token, before) {
  if (before) before();
  const ctx = await browser.createBrowserContext();
  const page = await ctx.newPage();
  await page.setViewport({ width: 1280, height: 800 });
  await page.setCookie(...cookies);
  const problems = [];
  page.on('console', (m) => { if (m.type() === 'error') problems.push(m.text()); });
  page.on('pageerror', (e) => problems.push(e.message));
  await page.evaluateOnNewDocument((sel) => {
    const b = window.__bench = { drawn: null, painted: null };
    const seen = () => {
      if (b.drawn !== null || !document.querySelector(sel)) return false;
      b.drawn = performance.now();
      requestAnimationFrame(() => setTimeout(() => { b.painted = performance.now(); }, 0));
      return true;
    };
    new MutationObserver((_, obs) => { if (seen()) obs.disconnect(); })
      .observe(document, { childList: true, subtree: true });
  }, marker);
  const t0 = performance.now();
  await page.goto(url + path, { waitUntil: 'domcontentloaded' });
  await page.waitForFunction(() => window.__bench && window.__bench.painted !== null,
                             { timeout: 60000, polling: 'raf' });
  const wall = performance.now() - t0;
  const m = await page.evaluate(() => {
    const res = performance.getEntriesByType('resource');
    const api = res.filter((r) => /\/v1\/|\/ui\/graph\.svg/.test(r.name));
    return {
      drawn: window.__bench.drawn, painted: window.__bench.painted,
      api: Math.max(0, ...api.map((r) => r.responseEnd - r.startTime)),
      bytes: api.reduce((n, r) => n + (r.encodedBodySize || 0), 0),
      urls: [location.href, ...res.map((r) => r.name)],
      nodes: document.querySelectorAll('#graph svg g.node').length,
      edges: document.querySelectorAll('#graph svg g.edge').length,
      commits: document.querySelectorAll('#timeline > li').length,
      systems: document.querySelectorAll('#systems tbody tr').length,
      detail: [performance.getEntriesByType('navigation')[0], ...res].map((r) =>
        r.name.replace(location.origin, '') + ' ' + r.startTime.toFixed(0) + '-' + r.responseEnd.toFixed(0) +
        ' ' + (r.encodedBodySize || 0)).join('; ') +
        '; dcl ' + performance.getEntriesByType('navigation')[0].domContentLoadedEventEnd.toFixed(0),
    };
  });
  await ctx.close();
  if (problems.length) throw new Error(path + ': ' + problems.join(' | '));
  if (before) before();
  m.curl = curl(m.urls, token);
  m.wall = wall;
  return m;
}

const median = (xs) => { const s = [...xs].sort((a, b) => a - b); const k = s.length >> 1;
  return s.length % 2 ? s[k] : (s[k - 1] + s[k]) / 2; };
const ms = (x) => x.toFixed(0);

const rows = [];
async function bench(label, url, token, path, marker, target, opts) {
  const cookies = await signIn(url, token);
  const all = [];
  const verbose = env.BENCH_VERBOSE;
  for (let i = 0; i < RUNS; i++) {
    const m = await load(url, path, marker, cookies, token, opts && opts.cold ? opts.cold : null);
    all.push(m);
    const what = m.nodes ? m.nodes + ' nodes, ' + m.edges + ' edges' : m.commits ? m.commits + ' commits'
      : m.systems + ' systems';
    console.error(label + ' run ' + (i + 1) + ': painted ' + ms(m.painted) + ' ms, drawn ' + ms(m.drawn) +
                  ', api ' + ms(m.api) + ', wall ' + ms(m.wall) + ', curl ' + ms(m.curl) + ' (' + what + ', ' +
                  Math.round(m.bytes / 1024) + ' KiB of API answers)');
    if (verbose) console.error('  ' + m.detail);
  }
  const med = (k) => median(all.map((m) => m[k]));
  rows.push('| ' + label + ' | ' + target + ' | ' + ms(med('painted')) + ' | ' + ms(med('drawn')) + ' | ' +
            ms(med('api')) + ' | ' + ms(med('wall')) + ' | ' + ms(med('curl')) + ' | ' +
            all.map((m) => ms(m.painted)).join(', ') + ' |');
}

const cold = () => rmSync(env.HIST_CACHE, { recursive: true, force: true });
let rc = 0;
try {
  await bench('overview `/`, demo workspace, first load', env.DEMO_URL, env.DEMO_TOKEN, '/', '#systems', '300');
  await bench('the whole notice graph `/graph`, demo workspace', env.DEMO_URL, env.DEMO_TOKEN, '/graph',
              '#graph svg', '1000');
  await bench('history `/history`, ' + env.COMMITS + ' commits, cold cache', env.HIST_URL, env.HIST_TOKEN,
              '/history', '#timeline', '300', { cold });
  await bench('history `/history`, ' + env.COMMITS + ' commits, warm cache', env.HIST_URL, env.HIST_TOKEN,
              '/history', '#timeline', '300');
  await bench('history of a purpose, ' + env.COMMITS + ' commits, warm cache', env.HIST_URL, env.HIST_TOKEN,
              '/history?node=purpose:billing-accounting', '#timeline', '300');
  console.log('| page (' + RUNS + ' loads each, medians, ms) | target | painted | drawn | slowest API | wall | curl |' +
              ' painted, each load |');
  console.log('|---|---|---|---|---|---|---|---|');
  for (const r of rows) console.log(r);
} catch (e) {
  console.error('bench/webui: ' + (e && e.stack || e));
  rc = 1;
} finally {
  await browser.close();
}
process.exit(rc);
