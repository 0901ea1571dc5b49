// The headless Chromium of the web UI's tests and bench/webui, launched
// one way for all: Debian's chromium through puppeteer-core (pinned by
// tests/npm/package-lock.json), from the environment's NODE_MODULES and
// CHROMIUM.  Imported by webui.mjs, webui-offline.mjs and bench/webui.mjs.
import { pathToFileURL } from 'node:url';
import { join } from 'node:path';

const { default: puppeteer } = await import(
  pathToFileURL(join(process.env.NODE_MODULES, 'puppeteer-core/lib/esm/puppeteer/puppeteer-core.js')).href);

export function launch() {
  return puppeteer.launch({
    executablePath: process.env.CHROMIUM, headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-extensions',
           '--disable-background-networking', '--disable-component-update'],
  });
}
