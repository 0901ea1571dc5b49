// node webui-offline.mjs: with no network but loopback, sign in to a running
// `dsmap serve` as an auditor and draw the overview, a purpose and the
// lineage graph.  Run by tests/integration/webui.sh inside a network
// namespace of its own (unshare --net), where the server runs too, so that
// any font, script or style fetched from elsewhere fails the page.
// Environment: NODE_MODULES, CHROMIUM, URL, TOK_AUDITOR.
// Prints "ok - ..." / "not ok - ..." per check; exits 1 on any failure.
import { launch } from './browser.mjs';

const env = process.env;
const URL0 = env.URL;
let failed = 0;
function check(cond, what, more) {
  if (cond) console.log('ok - ' + what);
  else { failed++; console.log('not ok - ' + what + (more !== undefined ? ' (' + more + ')' : '')); }
}

const browser = await launch();
const problems = [];
try {
  const page = await browser.newPage();
  await page.setViewport({ width: 1280, height: 800 });
  page.on('console', (m) => { if (m.type() === 'error') problems.push('console: ' + m.text()); });
  page.on('pageerror', (e) => problems.push('page error: ' + e.message));
  page.on('requestfailed', (r) => problems.push('failed request: ' + r.url()));
  page.on('request', (r) => {
    const u = r.url();
    if (!u.startsWith(URL0 + '/') && !u.startsWith('data:') && !u.startsWith('blob:'))
      problems.push('external request: ' + u);
  });
  await page.goto(URL0 + '/signin', { waitUntil: 'domcontentloaded' });
  await page.waitForSelector('#token', { timeout: 10000 });
  await page.type('#token', env.TOK_AUDITOR);
  await Promise.all([page.waitForNavigation({ waitUntil: 'domcontentloaded' }), page.click('#signin button')]);
  await page.waitForSelector('#systems', { timeout: 10000 }).catch(() => {});
  const systems = await page.$eval('#systems', (e) => e.textContent).catch(() => null);
  check(systems !== null && systems.includes('Customer relationship management'), 'offline, the overview draws its systems', systems);
  await page.goto(URL0 + '/purposes/camera-surveillance', { waitUntil: 'domcontentloaded' });
  await page.waitForSelector('#categories', { timeout: 10000 }).catch(() => {});
  const cats = await page.$eval('#categories', (e) => e.textContent).catch(() => null);
  check(cats !== null && cats.length > 0, 'a purpose page draws its categories', cats);
  await page.goto(URL0 + '/graph?node=purpose:camera-surveillance', { waitUntil: 'domcontentloaded' });
  await page.waitForSelector('#graph svg', { timeout: 15000 }).catch(() => {});
  const nodes = await page.$$eval('#graph svg g.node', (n) => n.length).catch(() => 0);
  check(nodes > 0, 'the lineage graph draws (' + nodes + ' nodes)');
  // fonts are the system's: no web font is asked for
  const fonts = await page.evaluate(() => [...document.fonts].map((f) => f.family));
  check(fonts.length === 0, 'no web font is loaded', fonts.join(','));
} catch (e) {
  failed++;
  console.log('not ok - the offline run stopped: ' + (e && e.stack || e));
} finally {
  await browser.close();
}
check(problems.length === 0, 'offline, no page failed a request, logged an error or asked the network',
      problems.join(' | '));
process.exit(failed ? 1 : 0);
