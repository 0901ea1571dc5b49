/*
 * dsmap web UI: one script for every page.  It reads the path, asks the
 * /v1 API (with the session cookie) and draws the page with DOM calls:
 * every text from the API goes in as textContent, never as markup.
 * Served by `dsmap serve` from the binary; loads nothing from elsewhere.
 * See docs/web-ui.md.
 */
'use strict';

const params = new URLSearchParams(location.search);
const LANG = params.get('lang') === 'en' ? 'en' : 'fr';
const AT = params.get('at') || '';

const T = {
  fr: {
    skip: 'Aller au contenu', overview: 'Vue d’ensemble', purposes: 'Finalités', graph: 'Graphe',
    history: 'Historique', impact: 'Impact', blame: 'Origine d’un lien', dsar: 'Demande d’accès',
    signin: 'Connexion', signout: 'Se déconnecter', token: 'Jeton d’accès', go: 'Valider',
    at: 'À la date ou révision', now: 'aujourd’hui', lang: 'English', langcode: 'en',
    signedas: 'Connecté·e : ', bad_token: 'Ce jeton est inconnu ou révoqué.',
    revision: 'Révision', commit: 'Commit', date: 'Date', counts: 'Nombre',
    systems: 'Systèmes', categories: 'Catégories', recipients: 'Destinataires',
    subject_kinds: 'Personnes concernées', subjects: 'personnes', records: 'enregistrements',
    subjects_h: 'Personnes', records_h: 'Enregistrements',
    last_scan: 'Dernier scan', failure: 'Échec', never: 'jamais', none: 'aucun',
    section: 'Section', title_fr: 'Titre (FR)', title_en: 'Titre (EN)', legal_basis: 'Base légale',
    all: 'tous', filter: 'Filtrer', reset: 'Effacer', shown: 'finalités affichées',
    retention: 'Conservation', legal_bases: 'Bases légales', transfers: 'Transferts hors EEE',
    no_transfer: 'pas de transfert hors EEE', served_by: 'Systèmes qui la servent',
    notice_text: 'Le texte de la notice', articles: 'articles', law: 'loi',
    after: 'après', all_categories: 'toutes les catégories', who_link: 'qui a fait ce lien ?',
    purpose: 'Finalité', category: 'Catégorie', recipient: 'Destinataire', system: 'Système',
    'subject-kind': 'Personne concernée', not_found: 'Introuvable',
    auditors_only: 'Cette page est réservée aux rôles auditor et admin.',
    dsar_only: 'Cette page est réservée au rôle dsar.',
    identifiers: 'Identifiants (un par ligne, TYPE:VALEUR)', locate: 'Chercher',
    found: 'Données trouvées', not_held: 'Aucune donnée n’est détenue sur cette personne.',
    download: 'Télécharger la réponse (JSON)', answer: 'Réponse (art. 15 RGPD)',
    from: 'De la révision', to: 'À la révision', changes: 'changements', severity: 'Gravité',
    change: 'Changement', reaches: 'Systèmes touchés', node: 'Nœud (TYPE:ID)',
    introduced: 'Introduit par', events: 'Changements depuis', exists: 'Le lien existe',
    gone: 'Le lien n’existe plus', a_end: 'Une extrémité (TYPE:ID)', b_end: 'L’autre extrémité (TYPE:ID)',
    neighbourhood: 'Voisinage de (TYPE:ID)', depth: 'Profondeur', draw: 'Dessiner',
    kind: 'Type', name: 'Nom', objection: 'Opposition', withdrawal: 'Retrait du consentement',
    access: 'Accès', scope: 'Portée', loading: 'Chargement…', error: 'Erreur',
    years: ['an', 'ans'], months: ['mois', 'mois'], weeks: ['semaine', 'semaines'],
    days: ['jour', 'jours'], hours: ['heure', 'heures'], and: 'et', at_least: 'au moins',
    yes: 'oui', no: 'non', time_travel: 'Vue au ', print: 'Imprimer la lettre',
    notice: 'Notice', notice_of: (v, d) => v + (d ? ' du ' + d : ''),
    findings: 'Constats ouverts', finding: 'Constat', message: 'Message', about: 'Concerne',
    sev: { high: 'élevée', medium: 'moyenne', low: 'faible' },
    low_findings: (n) => n + (n === 1 ? ' constat de gravité faible' : ' constats de gravité faible'),
    audit_today: 'Les constats sont ceux de l’inventaire d’aujourd’hui (révision synchronisée et derniers scans), pas de la date choisie.',
    audit_of: 'Audit de la révision ', audit_failed: 'L’audit n’a pas répondu : ',
    older: 'Commits plus anciens',
  },
  en: {
    skip: 'Skip to content', overview: 'Overview', purposes: 'Purposes', graph: 'Graph',
    history: 'History', impact: 'Impact', blame: 'Blame a link', dsar: 'Access request',
    signin: 'Sign in', signout: 'Sign out', token: 'Access token', go: 'Go',
    at: 'As of date or revision', now: 'today', lang: 'Français', langcode: 'fr',
    signedas: 'Signed in: ', bad_token: 'This token is unknown or revoked.',
    revision: 'Revision', commit: 'Commit', date: 'Date', counts: 'Counts',
    systems: 'Systems', categories: 'Categories', recipients: 'Recipients',
    subject_kinds: 'Data subjects', subjects: 'subjects', records: 'records',
    subjects_h: 'Subjects', records_h: 'Records',
    last_scan: 'Last scan', failure: 'Failure', never: 'never', none: 'none',
    section: 'Section', title_fr: 'Title (FR)', title_en: 'Title (EN)', legal_basis: 'Legal basis',
    all: 'all', filter: 'Filter', reset: 'Clear', shown: 'purposes shown',
    retention: 'Retention', legal_bases: 'Legal bases', transfers: 'Transfers outside the EEA',
    no_transfer: 'no transfer outside the EEA', served_by: 'Systems serving it',
    notice_text: 'The notice’s text', articles: 'articles', law: 'law',
    after: 'after', all_categories: 'all categories', who_link: 'who made this link?',
    purpose: 'Purpose', category: 'Category', recipient: 'Recipient', system: 'System',
    'subject-kind': 'Data subject kind', not_found: 'Not found',
    auditors_only: 'This page is for the auditor and admin roles.',
    dsar_only: 'This page is for the dsar role.',
    identifiers: 'Identifiers (one a line, KIND:VALUE)', locate: 'Look up',
    found: 'Data found', not_held: 'No data is held on this person.',
    download: 'Download the answer (JSON)', answer: 'Answer (GDPR art. 15)',
    from: 'From revision', to: 'To revision', changes: 'changes', severity: 'Severity',
    change: 'Change', reaches: 'Systems reached', node: 'Node (KIND:ID)',
    introduced: 'Introduced by', events: 'Changes since', exists: 'The link exists',
    gone: 'The link is gone', a_end: 'One end (KIND:ID)', b_end: 'The other end (KIND:ID)',
    neighbourhood: 'Neighbourhood of (KIND:ID)', depth: 'Depth', draw: 'Draw',
    kind: 'Kind', name: 'Name', objection: 'Objection', withdrawal: 'Withdrawing consent',
    access: 'Access', scope: 'Scope', loading: 'Loading…', error: 'Error',
    years: ['year', 'years'], months: ['month', 'months'], weeks: ['week', 'weeks'],
    days: ['day', 'days'], hours: ['hour', 'hours'], and: 'and', at_least: 'at least',
    yes: 'yes', no: 'no', time_travel: 'As of ', print: 'Print the letter (in French)',
    notice: 'Notice', notice_of: (v, d) => v + (d ? ' of ' + d : ''),
    findings: 'Open findings', finding: 'Finding', message: 'Message', about: 'About',
    sev: { high: 'high', medium: 'medium', low: 'low' },
    low_findings: (n) => n + (n === 1 ? ' low finding' : ' low findings'),
    audit_today: 'The findings are those of today’s inventory (the synced revision and the last scans), not of the date chosen.',
    audit_of: 'Audit of revision ', audit_failed: 'The audit did not answer: ',
    older: 'Older commits',
  },
}[LANG];

/* ---- DOM helpers: text only ------------------------------------------- */

function el(tag, attrs, ...kids) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k === 'on') for (const [ev, fn] of Object.entries(v)) e.addEventListener(ev, fn);
    else if (k === 'class') e.className = v;
    else e.setAttribute(k, v === true ? '' : String(v));
  }
  for (const k of kids.flat(Infinity)) {
    if (k === null || k === undefined || k === false) continue;
    e.append(k instanceof Node ? k : document.createTextNode(String(k)));
  }
  return e;
}

/* A URL of the UI keeping the language and the date of the page. */
function href(path, extra) {
  const q = new URLSearchParams();
  if (AT) q.set('at', AT);
  if (LANG !== 'fr') q.set('lang', LANG);
  for (const [k, v] of Object.entries(extra || {})) {
    if (v === null || v === undefined || v === '') q.delete(k); else q.set(k, v);
  }
  const s = q.toString();
  return path + (s ? '?' + s : '');
}

function link(path, text, extra) { return el('a', { href: href(path, extra) }, text); }

const KIND_PATH = {
  purpose: '/purposes/', category: '/categories/', recipient: '/recipients/',
  system: '/systems/', 'subject-kind': '/subject-kinds/',
};
function nodeLink(kind, id, text) { return link(KIND_PATH[kind] + id, text || id); }

function cookie(name) {
  for (const c of document.cookie.split(';')) {
    const [k, ...v] = c.trim().split('=');
    if (k === name) return v.join('=');
  }
  return '';
}

class HttpError extends Error {
  constructor(status, detail) { super(detail); this.status = status; }
}

/* GET /v1/...: the JSON, or an HttpError.  401 goes to the sign-in page. */
async function api(path, q, noAt) {
  const u = new URLSearchParams();
  for (const [k, v] of Object.entries(q || {})) if (v) u.set(k, v);
  if (AT && !noAt) u.set('at', AT);
  const s = u.toString();
  const res = await fetch(path + (s ? '?' + s : ''), { credentials: 'same-origin' });
  if (res.status === 401) {
    location.assign(href('/signin', { next: location.pathname + location.search }));
    throw new HttpError(401, 'signed out');
  }
  const body = await res.json().catch(() => ({}));
  if (!res.ok) throw new HttpError(res.status, body.detail || res.statusText);
  return body;
}

async function post(path, body, csrf) {
  return fetch(path, {
    method: 'POST', credentials: 'same-origin',
    headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': csrf || cookie('dsmap_csrf') },
    body: JSON.stringify(body),
  });
}

/* ---- words ------------------------------------------------------------- */

function plural(n, pair) { return n + ' ' + pair[n === 1 ? 0 : 1]; }

/* An ISO 8601 duration (P1Y6M, P30D, PT24H) in words. */
function durationWords(d) {
  if (!d) return '';
  const m = /^P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?)?$/.exec(d);
  if (!m) return d;
  const parts = [];
  const units = [T.years, T.months, T.weeks, T.days, T.hours];
  for (let i = 0; i < 5; i++) if (m[i + 1]) parts.push(plural(Number(m[i + 1]), units[i]));
  if (parts.length === 0) return d;
  return parts.length === 1 ? parts[0] : parts.slice(0, -1).join(', ') + ' ' + T.and + ' ' + parts.at(-1);
}

const TRIGGERS = {
  fr: { 'end-of-contract': 'la fin du contrat', 'end-of-relationship': 'la fin de la relation',
        recording: 'l’enregistrement', collection: 'la collecte', 'last-contact': 'le dernier contact',
        'end-of-campaign': 'la fin de la campagne', 'last-use': 'la dernière utilisation' },
  en: {},
}[LANG];

function ruleWords(r) {
  let s = durationWords(r.duration);
  if (r.duration_min) s = T.at_least + ' ' + durationWords(r.duration_min) + (s ? ', ' + s : '');
  if (r.trigger) s += ' (' + T.after + ' ' + (TRIGGERS[r.trigger] || r.trigger.replace(/-/g, ' ')) + ')';
  return s;
}

function title(o) {
  if (!o) return '';
  return (LANG === 'en' ? o.title_en || o.name_en : o.title_fr || o.name_fr) ||
         o.title_fr || o.name_fr || o.title_en || o.name_en || o.name || o.id;
}

function dateOf(t) {
  if (!t) return T.never;
  const d = typeof t === 'number' ? new Date(t * 1000) : new Date(t);
  return d.toISOString().replace('T', ' ').replace(/\.\d+Z$/, ' UTC');
}

/* ---- the frame: navigation, time travel, language, sign-out ---------- */

let SESSION = { signed_in: false };

function frame(page) {
  document.documentElement.lang = LANG;
  document.querySelector('.skip').textContent = T.skip;
  const nav = document.getElementById('nav');
  nav.setAttribute('aria-label', LANG === 'fr' ? 'Navigation principale' : 'Main navigation');
  const items = [];
  const role = SESSION.role;
  if (role === 'auditor' || role === 'admin') {
    items.push(['/', T.overview], ['/purposes', T.purposes], ['/graph', T.graph],
               ['/history', T.history], ['/impact', T.impact], ['/blame', T.blame]);
  }
  if (role === 'dsar' || role === 'admin') items.push(['/dsar', T.dsar]);
  nav.replaceChildren(el('ul', {}, items.map(([p, t]) =>
    el('li', {}, el('a', { href: href(p), 'aria-current': page === p ? 'page' : null }, t)))));
  const tools = document.getElementById('tools');
  tools.replaceChildren();
  if (SESSION.signed_in && role !== 'dsar') {
    const input = el('input', { id: 'at', name: 'at', value: AT, placeholder: 'YYYY-MM-DD', size: 12 });
    tools.append(el('form', {
      id: 'timetravel', role: 'search',
      on: { submit: (ev) => {
        ev.preventDefault();
        const q = new URLSearchParams(location.search);
        if (input.value.trim()) q.set('at', input.value.trim()); else q.delete('at');
        location.assign(location.pathname + (q.toString() ? '?' + q : ''));
      } },
    }, el('label', { for: 'at' }, T.at), input, el('button', { type: 'submit' }, T.go)));
  }
  const other = new URLSearchParams(location.search);
  if (LANG === 'fr') other.set('lang', 'en'); else other.delete('lang');
  tools.append(el('a', { id: 'lang', href: location.pathname + (other.toString() ? '?' + other : ''),
                         lang: T.langcode, hreflang: T.langcode }, T.lang));
  if (SESSION.signed_in) {
    tools.append(el('span', { class: 'muted' }, T.signedas + SESSION.name + ' (' + role + ')'));
    tools.append(el('button', { type: 'button', id: 'signout', on: { click: async () => {
      await post('/ui/signout', {});
      location.assign(href('/signin'));
    } } }, T.signout));
  }
}

function main(...kids) {
  const m = document.getElementById('main');
  m.replaceChildren(...kids.flat());
  return m;
}

function h1(text) {
  document.title = text + ' · dsmap';
  return el('h1', {}, text, AT ? el('span', { class: 'muted' }, ' · ' + T.time_travel + AT) : null);
}

function table(head, rows, attrs) {
  return el('div', { class: 'table-wrap' }, el('table', attrs || {},
    el('thead', {}, el('tr', {}, head.map((h) => el('th', { scope: 'col' }, h)))),
    el('tbody', {}, rows.length ? rows.map((r) => el('tr', {}, r.map((c) => el('td', {}, c))))
      : el('tr', { class: 'empty' }, el('td', { colspan: head.length, class: 'muted' }, T.none)))));
}

function list(items) { return items.length ? el('ul', {}, items.map((i) => el('li', {}, i))) : el('p', { class: 'muted' }, T.none); }

function showError(e) {
  if (e instanceof HttpError && e.status === 401) return;
  main(h1(e.status === 404 ? T.not_found : T.error), el('p', { class: 'error', role: 'alert' }, e.message));
}

/* ---- pages ------------------------------------------------------------- */

async function pageSignin() {
  const input = el('input', { id: 'token', name: 'token', type: 'password', autocomplete: 'off', required: true, size: 50 });
  const msg = el('p', { role: 'status', 'aria-live': 'polite' });
  main(h1(T.signin), el('form', { id: 'signin', on: { submit: async (ev) => {
    ev.preventDefault();
    const res = await post('/ui/session', { token: input.value.trim() });
    if (!res.ok) { msg.className = 'error'; msg.textContent = T.bad_token; return; }
    const who = await res.json();
    const next = params.get('next');
    location.assign(next && next.startsWith('/') && !next.startsWith('//') ? next
                    : href(who.role === 'dsar' ? '/dsar' : '/', { next: null }));
  } } }, el('p', {}, el('label', { for: 'token' }, T.token)), el('p', {}, input),
  el('p', {}, el('button', { type: 'submit' }, T.signin)), msg));
  input.focus();
}

async function pageOverview() {
  /* The audit is of the synced revision and the last scans: never of ?at=. */
  const [status, purposes, categories, recipients, kinds, systems, audit] = await Promise.all([
    api('/v1/status', null, true), api('/v1/purposes'), api('/v1/categories'),
    api('/v1/recipients'), api('/v1/subject-kinds'), api('/v1/systems'),
    api('/v1/audit', { lang: LANG }, true).catch((e) => (e.status === 401 ? Promise.reject(e) : e))]);
  const byId = Object.fromEntries(status.systems.map((s) => [s.id, s]));
  /* The revision's own commit, when it changed the lineage: the newest
   * commit of the history that starts there. */
  const hist = await api('/v1/history', { rev: purposes.revision, limit: 1 }, true).catch(() => null);
  const last = hist && hist.commits && hist.commits.find((c) => c.commit === purposes.revision);
  /* notice.yaml states no date: a version's date is its commit's. */
  const notice = purposes.notice || {};
  main(h1(T.overview),
    el('dl', { class: 'facts', id: 'notice' },
      el('dt', {}, T.notice), el('dd', { id: 'notice-version' },
        T.notice_of(notice.version || notice.id || '', last ? dateOf(last.date).slice(0, 10) : '')),
      el('dt', {}, T.revision), el('dd', {}, el('code', {}, purposes.revision)),
      el('dt', {}, T.date), el('dd', {}, last ? dateOf(last.date) + ' — ' + last.message : '')),
    auditSection(audit),
    el('h2', {}, T.counts),
    el('div', { class: 'cards', id: 'counts' }, [
      [T.purposes, purposes.items.length, '/purposes'], [T.categories, categories.items.length, '/categories'],
      [T.recipients, recipients.items.length, '/recipients'], [T.subject_kinds, kinds.items.length, '/subject-kinds'],
      [T.systems, systems.items.length, '/systems']].map(([t, n, p]) =>
      el('div', { class: 'card' }, el('span', { class: 'n' }, n), p ? link(p, t) : t))),
    el('h2', {}, T.systems),
    table([T.system, T.subjects_h, T.records_h, T.last_scan, T.failure], systems.items.map((s) => {
      const st = byId[s.id] || {};
      return [nodeLink('system', s.id, s.name || s.id), st.subjects ?? '', st.records ?? '',
              dateOf(st.last_scan), st.failure ? el('span', { class: 'error' }, st.failure) : ''];
    }), { id: 'systems' }));
}

/* The open findings of GET /v1/audit: counts by severity, the high and
 * medium ones listed, the low ones folded.  Their links drop ?at=: a
 * finding is about today's inventory. */
function auditSection(a) {
  const head = el('h2', { id: 'findings-h' }, T.findings);
  const box = (...kids) => el('section', { id: 'audit', 'aria-labelledby': 'findings-h' }, kids);
  if (a instanceof Error) return box(head, el('p', { class: 'error', role: 'alert' }, T.audit_failed + a.message));
  const today = { at: null };
  const about = (f) => [
    f.system ? link('/systems/' + f.system, f.system, today) : null,
    f.category ? [f.system ? ' · ' : '', link('/categories/' + f.category, f.category, today)] : null,
    f.purpose ? [f.system || f.category ? ' · ' : '', link('/purposes/' + f.purpose, f.purpose, today)] : null];
  const rowsOf = (fs) => fs.map((f) => [el('span', { class: sevClass(f.severity) }, T.sev[f.severity] || f.severity),
    el('code', {}, f.id), f.message, el('span', {}, about(f))]);
  const head4 = [T.severity, T.finding, T.message, T.about];
  const fs = a.findings || [];
  const low = fs.filter((f) => f.severity === 'low');
  const sum = a.summary || {};
  return box(head,
    AT ? el('p', { class: 'muted', id: 'audit-today' }, T.audit_today) : null,
    el('p', { class: 'muted' }, T.audit_of, el('code', {}, (a.revision || '').slice(0, 12)), ' · ', dateOf(a.as_of)),
    el('div', { class: 'cards', id: 'audit-counts' }, ['high', 'medium', 'low'].map((k) =>
      el('div', { class: 'card', 'data-severity': k }, el('span', { class: 'n' }, sum[k] ?? 0),
        el('span', { class: sevClass(k) }, T.sev[k])))),
    table(head4, rowsOf(fs.filter((f) => f.severity === 'high' || f.severity === 'medium')), { id: 'findings' }),
    low.length ? el('details', { id: 'low-findings' }, el('summary', {}, T.low_findings(low.length)),
      table(head4, rowsOf(low))) : null);
}

async function pagePurposes() {
  const f = {};
  for (const k of ['legal-basis', 'recipient', 'category', 'subject-kind', 'section']) f[k] = params.get(k) || '';
  const [purposes, categories, recipients, kinds] = await Promise.all([
    api('/v1/purposes', f), api('/v1/categories'), api('/v1/recipients'), api('/v1/subject-kinds')]);
  const select = (name, label, options) => el('div', {},
    el('label', { for: 'f-' + name }, label),
    el('select', { id: 'f-' + name, name },
      el('option', { value: '' }, T.all),
      options.map(([v, t]) => el('option', { value: v, selected: f[name] === v }, t))));
  const bases = ['6(1)(a)', '6(1)(b)', '6(1)(c)', '6(1)(d)', '6(1)(e)', '6(1)(f)'];
  const form = el('form', { class: 'filters', id: 'filters', method: 'get', action: '/purposes' },
    select('legal-basis', T.legal_basis, bases.map((b) => [b, b])),
    select('recipient', T.recipient, recipients.items.map((r) => [r.id, title(r)])),
    select('category', T.category, categories.items.map((c) => [c.ref || c.id, title(c)])),
    select('subject-kind', T['subject-kind'], kinds.items.map((k) => [k.id, title(k)])),
    el('div', {}, el('label', { for: 'f-section' }, T.section),
      el('input', { id: 'f-section', name: 'section', value: f.section, size: 8 })),
    AT ? el('input', { type: 'hidden', name: 'at', value: AT }) : null,
    LANG !== 'fr' ? el('input', { type: 'hidden', name: 'lang', value: LANG }) : null,
    el('div', {}, el('button', { type: 'submit' }, T.filter)),
    el('div', {}, link('/purposes', T.reset)));
  const sort = params.get('sort') || 'section';
  const key = { section: (p) => p.section.split('.').map((n) => n.padStart(4, '0')).join('.'),
                title_fr: (p) => p.title_fr || '', title_en: (p) => p.title_en || '' }[sort] || ((p) => p.section);
  const items = purposes.items.slice().sort((a, b) => key(a).localeCompare(key(b), LANG));
  const sortable = (k, label) => el('a', { href: href('/purposes', Object.assign({}, f, { sort: k })),
                                           'aria-sort': sort === k ? 'ascending' : null }, label);
  main(h1(T.purposes), form,
    el('p', { role: 'status', id: 'count' }, items.length + ' ' + T.shown),
    table([sortable('section', T.section), sortable('title_fr', T.title_fr), sortable('title_en', T.title_en),
           T.legal_bases, T.categories, T.recipients, T.subject_kinds],
      items.map((p) => [p.section, el('span', { lang: 'fr' }, nodeLink('purpose', p.id, p.title_fr || p.id)),
        el('span', { lang: 'en' }, p.title_en || ''), p.legal_bases.map((b) => b.gdpr).join(', '),
        p.categories.join(', '), p.recipients.join(', '), p.subject_kinds.join(', ')]),
      { id: 'purposes' }));
}

function bases(list) {
  return el('ul', { id: 'legal-bases' }, list.map((b) => el('li', {},
    el('strong', {}, (LANG === 'fr' ? 'art. ' : 'Art. ') + b.gdpr + ' RGPD'.replace('RGPD', LANG === 'fr' ? 'RGPD' : 'GDPR')),
    b.articles && b.articles.length ? ' — ' + T.articles + ' ' + b.articles.join(', ') : '',
    b.law ? ' — ' + T.law + ' : ' + b.law : '',
    b.text_fr ? el('blockquote', { lang: 'fr' }, b.text_fr) : null)));
}

function noticeTexts(node) {
  const labels = { objection_fr: T.objection, withdrawal_fr: T.withdrawal, access_fr: T.access,
                   scope_fr: T.scope, recipients_text_fr: T.recipients, automated_decision_fr: 'Décision automatisée' };
  const rows = [];
  for (const [k, v] of Object.entries(node)) {
    if (typeof v === 'string' && k.endsWith('_fr') && k !== 'title_fr' && k !== 'name_fr')
      rows.push(el('dt', {}, labels[k] || k.replace(/_fr$/, '').replace(/_/g, ' ')), el('dd', { lang: 'fr' }, v));
  }
  return rows.length ? el('dl', { class: 'facts', id: 'notice-text' }, rows) : el('p', { class: 'muted' }, T.none);
}

async function pagePurpose(id) {
  const [lin, systems, status] = await Promise.all([
    api('/v1/lineage/purpose/' + encodeURIComponent(id)), api('/v1/systems', { purpose: id }),
    api('/v1/status', null, true)]);
  const p = lin.node;
  const subjects = Object.fromEntries(status.systems.map((s) => [s.id, s.subjects]));
  const rules = (p.retention && p.retention.rules) || [];
  const retentionOf = (ref) => rules.filter((r) => !r.categories || r.categories.includes(ref));
  main(h1(title(p)),
    el('dl', { class: 'facts' },
      el('dt', {}, T.section), el('dd', {}, p.section),
      el('dt', {}, T.title_fr), el('dd', { lang: 'fr' }, p.title_fr || ''),
      el('dt', {}, T.title_en), el('dd', { lang: 'en' }, p.title_en || '')),
    el('h2', {}, T.categories, ' · ', T.retention),
    table([T.category, T.retention], lin.categories.map((c) => [
      nodeLink('category', c.ref, title(c)),
      el('div', {}, retentionOf(c.ref).map((r) => el('div', {}, ruleWords(r),
        r.condition_fr ? el('span', { class: 'muted', lang: 'fr' }, ' — ' + r.condition_fr) : null)),
        ' ', link('/blame', T.who_link, { a: 'purpose:' + id, b: 'category:' + c.ref }))]), { id: 'categories' }),
    p.retention && p.retention.text_fr ? el('blockquote', { lang: 'fr', id: 'retention-text' }, p.retention.text_fr) : null,
    el('h2', {}, T.legal_bases), bases(p.legal_bases || []),
    el('h2', {}, T.recipients),
    table([T.recipient, T.kind, T.transfers], lin.recipients.map((r) => [
      el('span', {}, nodeLink('recipient', r.id, title(r)), ' ',
        link('/blame', T.who_link, { a: 'purpose:' + id, b: 'recipient:' + r.id })),
      r.kind || '', r.transfers_outside_eea && r.transfers_outside_eea.length
        ? r.transfers_outside_eea.map((t) => typeof t === 'string' ? t : JSON.stringify(t)).join(', ')
        : el('span', { class: 'muted' }, T.no_transfer)]), { id: 'recipients' }),
    el('h2', {}, T.subject_kinds),
    list((p.subject_kinds || []).map((k) => nodeLink('subject-kind', k))),
    el('h2', {}, T.served_by),
    table([T.system, T.subjects_h], systems.items.map((s) => [nodeLink('system', s.id, s.name || s.id),
      subjects[s.id] ?? '']), { id: 'served-by' }),
    el('h2', {}, T.notice_text), noticeTexts(p),
    el('p', {}, link('/history', T.history, { node: 'purpose:' + id }), ' · ',
      link('/graph', T.graph, { node: 'purpose:' + id })));
}

/* A category, a recipient, a system or a subject kind. */
async function pageNode(kind, id) {
  const lin = await api(kind === 'system' ? '/v1/systems/' + encodeURIComponent(id)
                        : '/v1/lineage/' + kind + '/' + (kind === 'category' ? id.split('/').map(encodeURIComponent).join('/') : encodeURIComponent(id)));
  const node = lin.node || (lin.categories && lin.categories.find((c) => c.ref === id)) ||
               (lin[kind + 's'] && lin[kind + 's'][0]) || { id };
  const facts = [];
  for (const [k, v] of Object.entries(node)) {
    if (v === null || typeof v === 'object' || k.endsWith('_fr') && k !== 'name_fr' && k !== 'title_fr') continue;
    facts.push(el('dt', {}, k), el('dd', {}, String(v)));
  }
  if (kind === 'system') {
    facts.push(el('dt', {}, T.last_scan), el('dd', {}, dateOf(lin.last_scan)),
               el('dt', {}, T.subjects), el('dd', { id: 'subjects' }, lin.subjects ?? ''));
  }
  const sections = [];
  for (const [k, label] of [['purposes', T.purposes], ['categories', T.categories],
                            ['recipients', T.recipients], ['systems', T.systems]]) {
    const items = lin[k];
    if (!Array.isArray(items) || k === kind + 's') continue;
    const sub = k.slice(0, -1);
    sections.push(el('h2', {}, label), table([label, T.retention, T.legal_bases], items.map((x) => {
      const xid = typeof x === 'string' ? x : x.ref || x.id;
      const ret = x.retention && typeof x.retention === 'object' && !Array.isArray(x.retention)
        ? Object.values(x.retention).flat().filter((r) => r && r.duration).map(ruleWords).join('; ') : '';
      return [nodeLink(sub, xid, typeof x === 'string' ? x : title(x)), ret || x.retention_fr || '',
              (x.legal_bases || []).map((b) => b.gdpr).join(', ')];
    }), { id: k }));
  }
  main(h1(T[kind] + ' · ' + title(node)), el('dl', { class: 'facts' }, facts),
    node && typeof node === 'object' ? noticeTexts(node) : null, sections,
    el('p', {}, link('/history', T.history, { node: kind + ':' + id }), ' · ',
      link('/graph', T.graph, { node: kind + ':' + id })));
}

/* /categories, /recipients, /systems, /subject-kinds: the list. */
async function pageList(kind, label) {
  const l = await api('/v1/' + (kind === 'subject-kind' ? 'subject-kinds' : kind === 'category' ? 'categories' : kind + 's'));
  main(h1(label), table([T.name, T.section, 'id'], l.items.map((x) => {
    const id = x.ref || x.id;
    return [nodeLink(kind, id, title(x)), x.section || '', id];
  }), { id: 'list' }));
}

function sevClass(s) { return s ? 'badge sev-' + s : 'badge'; }
function typeSeverity(t) { return /removed|retention|basis|transfer/.test(t) ? 'high' : /added/.test(t) ? 'medium' : 'low'; }

/* The history page shows this many commits; a link leads to the next ones
 * (the API's `next`, as the page's at=). */
const HISTORY_PAGE = 50;

async function pageHistory() {
  const node = params.get('node') || '';
  const q = { limit: HISTORY_PAGE };
  if (node.includes(':')) q[node.slice(0, node.indexOf(':'))] = node.slice(node.indexOf(':') + 1);
  if (AT) q.rev = AT;
  const h = await api('/v1/history', q, true);
  const input = el('input', { id: 'node', name: 'node', value: node, size: 40 });
  main(h1(T.history),
    el('form', { class: 'filters', method: 'get', action: '/history' },
      el('div', {}, el('label', { for: 'node' }, T.node), input),
      LANG !== 'fr' ? el('input', { type: 'hidden', name: 'lang', value: LANG }) : null,
      el('div', {}, el('button', { type: 'submit' }, T.filter))),
    el('ol', { class: 'timeline', id: 'timeline' }, h.commits.map((c) => el('li', {},
      el('div', {}, el('strong', {}, dateOf(c.date)), ' · ', c.author, ' · ',
        link('/', c.commit.slice(0, 12), { at: c.commit })),
      el('div', {}, c.message),
      el('ul', {}, (c.changes || []).map((ch) => {
        const sev = ch.severity || typeSeverity(ch.type || '');
        return el('li', {}, el('span', { class: sevClass(sev) }, ch.type), ' ', ch.detail || '');
      }))))),
    h.next ? el('p', {}, el('a', { id: 'older', rel: 'next', href: href('/history', { at: h.next, node: node || null }) },
      T.older)) : null);
}

/* The impact page offers this many of the newest commits. */
const IMPACT_CHOICES = 200;

async function pageImpact() {
  const from = params.get('from') || '', to = params.get('to') || '';
  /* The newest commits to choose from, and those of the URL whatever their age. */
  const hist = await api('/v1/history', { limit: IMPACT_CHOICES }, true);
  const opts = (sel) => [
    ...[from, to].filter((r, i, a) => r && a.indexOf(r) === i && !hist.commits.some((c) => c.commit === r))
      .map((r) => el('option', { value: r, selected: sel === r }, r)),
    ...hist.commits.map((c) => el('option', { value: c.commit, selected: sel === c.commit },
      c.commit.slice(0, 12) + ' · ' + c.date.slice(0, 10) + ' · ' + c.message))];
  const parts = [h1(T.impact),
    el('form', { class: 'filters', method: 'get', action: '/impact' },
      el('div', {}, el('label', { for: 'from' }, T.from), el('select', { id: 'from', name: 'from' }, opts(from || (hist.commits[1] || {}).commit))),
      el('div', {}, el('label', { for: 'to' }, T.to), el('select', { id: 'to', name: 'to' }, opts(to || (hist.commits[0] || {}).commit))),
      LANG !== 'fr' ? el('input', { type: 'hidden', name: 'lang', value: LANG }) : null,
      el('div', {}, el('button', { type: 'submit' }, T.go)))];
  if (from && to) {
    const imp = await api('/v1/impact', { from, to }, true);
    parts.push(el('p', { role: 'status' }, imp.summary.changes + ' ' + T.changes + ' (high ' + imp.summary.high +
      ', medium ' + imp.summary.medium + ', low ' + imp.summary.low + ')'),
    table([T.severity, T.change, T.reaches], imp.changes.map((c) => [
      el('span', { class: sevClass(c.severity) }, c.severity), el('div', {}, c.detail, c.why ? el('div', { class: 'muted' }, c.why) : null),
      list((c.systems || []).map((s) => {
        const lo = s.subjects_at_least, hi = s.subjects_at_most;
        const n = lo === undefined ? '' : lo === hi || hi === undefined ? String(lo) : lo + '–' + hi;
        return el('span', {}, nodeLink('system', s.system || s.id, s.system || s.id),
          n ? ' (' + n + ' ' + T.subjects + ')' : '');
      }))]),
      { id: 'impact' }));
  }
  main(parts);
}

async function pageBlame() {
  const a = params.get('a') || '', b = params.get('b') || '';
  const parts = [h1(T.blame), el('form', { class: 'filters', method: 'get', action: '/blame' },
    el('div', {}, el('label', { for: 'a' }, T.a_end), el('input', { id: 'a', name: 'a', value: a, size: 40 })),
    el('div', {}, el('label', { for: 'b' }, T.b_end), el('input', { id: 'b', name: 'b', value: b, size: 40 })),
    LANG !== 'fr' ? el('input', { type: 'hidden', name: 'lang', value: LANG }) : null,
    el('div', {}, el('button', { type: 'submit' }, T.go)))];
  if (a && b) {
    const bl = await api('/v1/blame', { a, b }, true);
    const who = (c) => c ? [dateOf(c.date), ' · ', c.author, ' · ', link('/', c.commit.slice(0, 12), { at: c.commit }), ' · ', c.message] : T.none;
    parts.push(el('p', { id: 'blame-state' }, bl.exists ? T.exists : T.gone),
      el('dl', { class: 'facts', id: 'blame' }, el('dt', {}, T.introduced), el('dd', {}, who(bl.introduced))),
      el('h2', {}, T.events), el('ol', { class: 'timeline' }, (bl.events || []).map((e) => el('li', {}, who(e),
        el('ul', {}, (e.changes || []).map((c) => el('li', {}, c.detail || c.type)))))));
  }
  main(parts);
}

async function pageGraph() {
  const node = params.get('node') || '';
  const depth = params.get('depth') || '1';
  const box = el('div', { id: 'graph' }, T.loading);
  main(h1(T.graph), el('form', { class: 'filters', method: 'get', action: '/graph' },
    el('div', {}, el('label', { for: 'node' }, T.neighbourhood), el('input', { id: 'node', name: 'node', value: node, size: 40 })),
    el('div', {}, el('label', { for: 'depth' }, T.depth), el('input', { id: 'depth', name: 'depth', value: depth, size: 2, inputmode: 'numeric' })),
    AT ? el('input', { type: 'hidden', name: 'at', value: AT }) : null,
    LANG !== 'fr' ? el('input', { type: 'hidden', name: 'lang', value: LANG }) : null,
    el('div', {}, el('button', { type: 'submit' }, T.draw))), box);
  const q = new URLSearchParams();
  if (AT) q.set('at', AT);
  if (node) { q.set('node', node); q.set('depth', depth); }
  if (LANG !== 'fr') q.set('lang', LANG);
  const res = await fetch('/ui/graph.svg?' + q, { credentials: 'same-origin' });
  if (!res.ok) { const b = await res.json().catch(() => ({})); throw new HttpError(res.status, b.detail || res.statusText); }
  const doc = new DOMParser().parseFromString(await res.text(), 'image/svg+xml');
  const svg = document.importNode(doc.documentElement, true);
  svg.setAttribute('role', 'img');
  svg.setAttribute('aria-label', T.graph);
  /* The nodes' links are paths of the UI: keep the page's date and language. */
  for (const a of svg.querySelectorAll('a')) {
    const h = a.getAttribute('href') || a.getAttribute('xlink:href');
    if (h && h.startsWith('/')) { a.setAttribute('href', href(h)); a.removeAttribute('xlink:href'); }
  }
  box.replaceChildren(svg);
}

async function pageDsar() {
  const ta = el('textarea', { id: 'identifiers', name: 'identifiers', rows: 4, cols: 50, required: true,
                              placeholder: 'email:someone@example.com' });
  const out = el('section', { id: 'answer', 'aria-live': 'polite' });
  main(h1(T.dsar), el('form', { id: 'dsar', on: { submit: async (ev) => {
    ev.preventDefault();
    out.replaceChildren(T.loading);
    const ids = ta.value.split('\n').map((s) => s.trim()).filter(Boolean);
    const res = await post('/v1/locate', { identifiers: ids });
    const body = await res.json().catch(() => ({}));
    if (!res.ok) { out.replaceChildren(el('p', { class: 'error', role: 'alert' }, body.detail || res.statusText)); return; }
    const blob = new Blob([JSON.stringify(body, null, 2) + '\n'], { type: 'application/json' });
    const dl = el('a', { href: URL.createObjectURL(blob), download: 'dsar-answer.json', id: 'download' }, T.download);
    out.replaceChildren(el('h2', {}, T.answer),
      el('p', { id: 'found' }, body.found ? T.found : T.not_held), dl,
      body.found ? el('p', {}, el('button', { type: 'button', id: 'print', on: { click: () => window.print() } }, T.print)) : null,
      body.found ? letter(body) : null,
      el('details', {}, el('summary', {}, 'JSON'), el('pre', {}, JSON.stringify(body, null, 2))));
  } } }, el('p', {}, el('label', { for: 'identifiers' }, T.identifiers)), el('p', {}, ta),
  el('p', {}, el('button', { type: 'submit' }, T.locate))), out);
}

/* The answer as a letter to the person, in French (the notice's
 * language and words), whatever the page's language: what a DPO prints. */
function letter(a) {
  const fr = (o) => o.title_fr || o.name_fr || o.id;
  const trig = (t) => ({ 'end-of-contract': 'la fin du contrat', 'end-of-relationship': 'la fin de la relation',
                         recording: 'l’enregistrement', collection: 'la collecte' }[t] || (t || '').replace(/-/g, ' '));
  const unitsFr = [['an', 'ans'], ['mois', 'mois'], ['semaine', 'semaines'], ['jour', 'jours'], ['heure', 'heures']];
  const words = (d) => {
    const m = /^P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?)?$/.exec(d || '');
    if (!m) return d || '';
    const parts = [];
    for (let i = 0; i < 5; i++) if (m[i + 1]) parts.push(m[i + 1] + ' ' + unitsFr[i][Number(m[i + 1]) === 1 ? 0 : 1]);
    return parts.join(' et ');
  };
  const cats = Object.fromEntries((a.categories || []).map((c) => [c.category, c]));
  const today = new Date().toISOString().slice(0, 10);
  return el('article', { id: 'letter', lang: 'fr' },
    el('p', {}, 'Le ' + today),
    el('p', {}, el('strong', {}, 'Objet : votre demande d’accès (article 15 du RGPD)')),
    el('p', {}, 'Madame, Monsieur,'),
    el('p', {}, 'Vous nous avez demandé quelles données personnelles nous traitons à votre sujet. ' +
      'Voici ce que nous détenons, pourquoi, combien de temps nous le gardons et avec qui nous le partageons.'),
    el('h3', {}, 'Les données que nous détenons'),
    el('ul', {}, (a.categories || []).map((c) => el('li', {}, fr(c) + ' (' + (c.held_in || []).join(', ') + ')'))),
    el('h3', {}, 'Pourquoi nous les traitons'),
    el('ul', {}, (a.purposes || []).map((p) => el('li', {}, el('strong', {}, fr(p)),
      (p.legal_bases || []).map((b) => el('div', {}, b.text_fr || ('article ' + b.gdpr + ' du RGPD'))),
      el('div', {}, 'Durée de conservation : ', Object.entries(p.retention || {}).map(([cat, rules]) =>
        (cats[cat] ? fr(cats[cat]) : cat) + ' : ' + rules.map((r) => words(r.duration) +
          (r.trigger ? ' après ' + trig(r.trigger) : '')).join(', ')).join(' ; ') || p.retention_fr || ''),
      p.objection_fr ? el('div', {}, 'Vous opposer : ' + p.objection_fr) : null,
      p.withdrawal_fr ? el('div', {}, 'Retirer votre consentement : ' + p.withdrawal_fr) : null))),
    el('h3', {}, 'Avec qui nous les partageons'),
    el('ul', {}, (a.recipients || []).map((r) => el('li', {}, fr(r) +
      (r.transfers_outside_eea && r.transfers_outside_eea.length ? ' (transfert hors de l’EEE)' : '')))),
    el('h3', {}, 'Vos droits'),
    el('ul', {}, (a.rights || []).map((r) => el('li', {}, el('strong', {}, fr(r)), ' — ', r.how_fr || ''))),
    el('p', {}, 'Nous vous prions d’agréer, Madame, Monsieur, nos salutations distinguées.'));
}

/* ---- the router ------------------------------------------------------- */

async function route() {
  const path = decodeURIComponent(location.pathname);
  try {
    SESSION = await (await fetch('/ui/session', { credentials: 'same-origin' })).json();
  } catch (e) { SESSION = { signed_in: false }; }
  const page = path === '/' ? '/' : '/' + path.split('/')[1];
  frame(page);
  if (page === '/signin') return pageSignin();
  if (!SESSION.signed_in) {
    location.assign(href('/signin', { next: location.pathname + location.search }));
    return;
  }
  const auditor = SESSION.role === 'auditor' || SESSION.role === 'admin';
  if (page === '/dsar') {
    if (SESSION.role === 'auditor') return main(h1(T.dsar), el('p', { class: 'error', role: 'alert' }, T.dsar_only));
    return pageDsar();
  }
  if (!auditor) {
    if (page === '/') { location.replace(href('/dsar')); return; }
    return main(h1(T.error), el('p', { class: 'error', role: 'alert' }, T.auditors_only));
  }
  const rest = path.split('/').slice(2).join('/');
  main(el('p', {}, T.loading));
  try {
    switch (page) {
    case '/': return await pageOverview();
    case '/purposes': return await (rest ? pagePurpose(rest) : pagePurposes());
    case '/categories': return await (rest ? pageNode('category', rest) : pageList('category', T.categories));
    case '/recipients': return await (rest ? pageNode('recipient', rest) : pageList('recipient', T.recipients));
    case '/systems': return await (rest ? pageNode('system', rest) : pageList('system', T.systems));
    case '/subject-kinds': return await (rest ? pageNode('subject-kind', rest) : pageList('subject-kind', T.subject_kinds));
    case '/history': return await pageHistory();
    case '/impact': return await pageImpact();
    case '/blame': return await pageBlame();
    case '/graph': return await pageGraph();
    default: throw new HttpError(404, location.pathname);
    }
  } catch (e) { showError(e); }
}

route();
