/*
 * dsmap: the command table, global options, and the exit path.
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"

const struct cli_command cli_commands[] = {
	{ "init", cmd_init,
	  "create a workspace: mapping repository, store and secret key",
	  "usage: dsmap init [--mappings DIR] [DIR]\n"
	  "\n"
	  "Create a dsmap workspace in DIR (default: the current directory; with\n"
	  "-C, a relative DIR is taken from the -C directory, as git does),\n"
	  "creating DIR when it is missing.  The workspace is a git\n"
	  "repository whose first commit holds the notice mapping under mappings/,\n"
	  "plus .dsmap/store (the LMDB store) and .dsmap/secret.key (the key for\n"
	  "hashing identifiers, mode 0600), which git is told to ignore.\n"
	  "\n"
	  "  --mappings DIR   seed mappings/ from the files below DIR instead of\n"
	  "                   the notice mapping built into dsmap\n"
	  "\n"
	  "DIR must not hold a workspace, a git repository or a mappings/ folder\n"
	  "already.  When init fails half-way it removes what it created.\n" },
	{ "check", cmd_check,
	  "load a mapping and report every problem in it",
	  "usage: dsmap check [--format text|json] [PATH | --rev REV]\n"
	  "\n"
	  "Load a mapping and check it: YAML syntax, the keys of every file,\n"
	  "ids, duplicates, references between files, legal bases, retention,\n"
	  "withdrawal of consent.  Each problem is printed as\n"
	  "FILE:LINE:COLUMN: error|warning: MESSAGE, then how the category names\n"
	  "that section 4 does not define were read, then counts per kind.\n"
	  "\n"
	  "  PATH             a mappings folder (or a folder holding mappings/);\n"
	  "                   default: the workspace's mappings/ work tree\n"
	  "  --rev REV        the mapping at revision REV of the workspace's\n"
	  "                   repository (HEAD, HEAD~1, a branch, a commit id)\n"
	  "  --format FMT     text (default) or json\n"
	  "\n"
	  "Exit status 0 when the mapping has no error (warnings are not errors),\n"
	  "1 when it has errors or cannot be read.\n" },
	{ "demo", cmd_demo,
	  "the main job, end to end, on the shipped notice and made-up systems",
	  "usage: dsmap demo [--subjects N] [--keep DIR] [--quiet]\n"
	  "\n"
	  "Build a workspace from the shipped notice mapping, make up three source\n"
	  "systems for N synthetic subjects (default 10000) that overlap (a SQLite\n"
	  "CRM, a CSV billing export keyed by customer number, a JSON-lines web log\n"
	  "keyed by customer number, IP address and set-top box, and, when PGHOST\n"
	  "names a PostgreSQL server, tickets in its table dsmap_demo.tickets),\n"
	  "declare and scan them, locate one subject by e-mail (found again through its customer\n"
	  "number), commit a second version of the notice, and show its impact and\n"
	  "the history.  The plugins are found as for dsmap scan.\n"
	  "\n"
	  "  --subjects N     how many subjects (100 to 10000000)\n"
	  "  --keep DIR       build in DIR/workspace and keep it; else a temporary\n"
	  "                   directory that is removed at the end\n"
	  "  --quiet          no progress display\n" },
	{ "impact", cmd_impact,
	  "what a change of the notice touches: systems and subjects",
	  "usage: dsmap impact [--format text|json] FROM TO\n"
	  "\n"
	  "Compare the mapping at FROM with the mapping at TO (revisions of the\n"
	  "mapping repository, e.g. HEAD~1 HEAD, or dates YYYY-MM-DD[THH:MM[:SS]]\n"
	  "UTC) in the notice's terms, and for each change say how much it matters\n"
	  "(high: a new recipient outside the EEA, a new category for a purpose not\n"
	  "based on consent, a shorter retention, a changed legal basis, a category\n"
	  "a system holds that no purpose it serves uses any more) and which systems\n"
	  "it reaches: those whose last scan holds a category concerned, with the\n"
	  "number of subjects from the per-(system, category) counters, and those\n"
	  "that declare the purpose.\n"
	  "\n"
	  "  --format FMT     text (default) or json (docs/history.md)\n" },
	{ "history", cmd_history,
	  "the commits that changed the lineage, with their semantic diffs",
	  "usage: dsmap history [--purpose ID | --category ID | --recipient ID |\n"
	  "                      --system ID] [--since REV|DATE] [--rev REV]\n"
	  "                     [--format text|json]\n"
	  "\n"
	  "List the commits of the mapping repository (HEAD's first-parent line,\n"
	  "newest first) that changed the lineage, with author, date and message,\n"
	  "each with its semantic diff, kept to the node given.  The first commit\n"
	  "says what it introduced.\n" },
	{ "blame", cmd_blame,
	  "since when a link of the lineage exists, and who changed it",
	  "usage: dsmap blame [--format text|json] A B\n"
	  "\n"
	  "A and B are the ends of a link: purpose:ID and category:GROUP/ID, or\n"
	  "category:ID when one group has that id (the purpose uses the\n"
	  "category), purpose:ID and recipient:ID (the purpose\n"
	  "shares data with the recipient), system:ID and purpose:ID (the system\n"
	  "serves the purpose), in either order.  Says whether the link exists at\n"
	  "HEAD, which commit introduced it (author, date, message), and every\n"
	  "change to it since: removed and made again, its retention, its\n"
	  "recipient's terms, its purpose's legal basis.\n" },
	{ "locate", cmd_locate,
	  "where a person's data is held, and why (art. 15)",
	  "usage: dsmap locate [--format text|json] [--lang en|fr] [--max-join N] KIND:VALUE...\n"
	  "       dsmap locate --stdin [--max-join N] < QUERIES\n"
	  "\n"
	  "Find every system that holds data of the person with these identifiers\n"
	  "(KIND is email, phone, national-register-number, customer-number,\n"
	  "account-id, imei, ip or device-id, or nrn, customer, account, device),\n"
	  "following identity links: a customer number held next to the e-mail\n"
	  "asked about finds the records keyed by that customer number too.  Only\n"
	  "kinds marked as linking in notice.yaml are followed; shared ones, such\n"
	  "as an IP address, find what they name but lead no further.\n"
	  "\n"
	  "The answer gives, per system, the categories held, record counts, first\n"
	  "and last seen, and where the records are; for each category held, only\n"
	  "the purposes that this system serves, that use the category, that\n"
	  "concern the person's kind (customer, prospect...) and do not exclude\n"
	  "their brand; those purposes' legal basis and retention, their\n"
	  "recipients; the subject kinds; what is held with no declared purpose;\n"
	  "and the rights and how to exercise them.  It never prints an identifier's\n"
	  "value.  The JSON form is described in docs/locate.md.\n"
	  "\n"
	  "  --format FMT     text (default) or json\n"
	  "  --lang LANG      en or fr: the text answer's words and names (default:\n"
	  "                   the notice's language, notice.yaml's `language`)\n"
	  "  --max-join N     an identifier naming more than N subjects of one\n"
	  "                   system (a placeholder, a shared value) is an identity\n"
	  "                   conflict: not followed, reported by kind and count\n"
	  "                   (default 8)\n"
	  "  --stdin          a batch: one query a line on standard input, KIND:VALUE\n"
	  "                   or {\"id\": ..., \"identifiers\": [\"KIND:VALUE\", ...]};\n"
	  "                   one JSON line a query on standard output,\n"
	  "                   {\"line\": N, \"id\": ..., \"answer\": {...}} or \"error\".\n"
	  "                   Identifiers read this way stay out of ps and history.\n"
	  "\n"
	  "Exit status 0 when some system holds data of the person, 3 when none\n"
	  "does (the answer is still printed, empty), 2 for a malformed or invalid\n"
	  "identifier, 1 on other errors.  With --stdin: 0 when every line got an\n"
	  "answer, 1 when some got an error.\n" },
	{ "scan", cmd_scan,
	  "read the source systems into the inventory",
	  "usage: dsmap scan [--jobs N] [--timeout SECONDS] [--rev REV]\n"
	  "                  [--format text|json] [--quiet] [--progress-fd FD]\n"
	  "                  [SYSTEM...]\n"
	  "       dsmap scan --remote SYSTEM... [--nats URLS] [--creds FILE] [--ca FILE]\n"
	  "                  [--timeout SECONDS] [--rev REV] [--format text|json]\n"
	  "\n"
	  "Scan each SYSTEM (default: every system of mappings/systems/ at HEAD)\n"
	  "through its plugin and replace its holdings in the store.  Each\n"
	  "system's plugin runs in a process of its own; a plugin that crashes,\n"
	  "hangs or sends garbage fails its system's scan, which keeps its\n"
	  "previous inventory, and the other systems go on.  A system's new\n"
	  "inventory replaces the old one at once when its scan ends.\n"
	  "\n"
	  "Options of a system definition may name ${VARIABLES}: they are read from\n"
	  "the environment, then from the credentials file (.dsmap/credentials, or\n"
	  "$DSMAP_CREDENTIALS; NAME=VALUE lines, mode 0600).  Relative paths are\n"
	  "relative to the workspace's top directory.\n"
	  "\n"
	  "  --jobs N         systems scanned at once (default: one per CPU)\n"
	  "  --timeout S      kill a plugin silent for S seconds (default: each\n"
	  "                   system's `timeout`, else 300)\n"
	  "  --rev REV        the system definitions of revision REV (default HEAD)\n"
	  "  --format FMT     text (default) or json, for the summary on stdout\n"
	  "  --quiet          no progress display on stderr\n"
	  "  --progress-fd FD also write the progress to descriptor FD as JSON\n"
	  "                   lines: {\"systems\": [{\"system\", \"state\", \"records\",\n"
	  "                   \"seconds\"}]}, on each change and once a second\n"
	  "  --remote SYSTEM  take SYSTEM's next generation from its agent (dsmap\n"
	  "                   agent) through NATS JetStream instead of running its\n"
	  "                   plugin here; repeatable, one system after the other,\n"
	  "                   a summary (a JSON document) each.  The frames pass\n"
	  "                   the same checks and ingest; the generation is\n"
	  "                   committed only when the agent's manifest matches\n"
	  "                   what arrived.  See docs/distributed.md.\n"
	  "  --nats URLS      the NATS servers, comma-separated (default:\n"
	  "                   $DSMAP_NATS_URL)\n"
	  "  --creds FILE     NATS_USER=, NATS_PASSWORD=, NATS_CA= lines; mode 0600\n"
	  "  --ca FILE        the CA certificate of the servers (TLS)\n"
	  "  --publish-snapshot  then publish a snapshot of the store for the read\n"
	  "                   replicas (dsmap snapshot publish), through --nats,\n"
	  "                   --creds and --ca\n"
	  "\n"
	  "On a terminal, stderr shows each system's progress with records/s.\n"
	  "The summary gives per system its records, subjects and categories, and\n"
	  "the records left out and identifiers refused, by reason, with the first\n"
	  "record or line numbers (never a value).  Exit status 0 when every system\n"
	  "was scanned, 1 when one failed, 3 when a SYSTEM is not defined.\n" },
	{ "serve", cmd_serve,
	  "answer DSAR tools and auditors over HTTP (a JSON API)",
	  "usage: dsmap serve [--listen ADDR:PORT] [--threads N] [--timeout S] [--insecure]\n"
	  "                   [--tls-cert FILE --tls-key FILE] [--replica DIR]\n"
	  "\n"
	  "Serve the workspace's answers over HTTP, as JSON under /v1: POST\n"
	  "/v1/locate (the identifiers in the body, never in the URL), lineage,\n"
	  "systems, lists, status, history, blame, impact, /metrics, /healthz and\n"
	  "/v1/openapi.json (docs/http-api.md).  Callers send a token of role\n"
	  "dsar (locate only), auditor (everything but locate) or admin.  Prints\n"
	  "the URL it serves on one line of stdout.  A new scan or sync is seen\n"
	  "without a restart.  SIGTERM (or Ctrl-C) lets the requests being\n"
	  "answered finish, then exits 0; SIGHUP reloads the tokens.\n"
	  "\n"
	  "  --listen ADDR:PORT   where to listen (default 127.0.0.1:8080); port 0\n"
	  "                       picks a free one; [IPV6]:PORT for IPv6\n"
	  "  --threads N          threads answering requests (default: the CPUs)\n"
	  "  --timeout S          close a connection idle (or half sent) for S\n"
	  "                       seconds (default 10)\n"
	  "  --insecure           allow a non-loopback address without TLS\n"
	  "  --tls-cert FILE      serve HTTPS with this PEM certificate (chain)\n"
	  "  --tls-key FILE       and this PEM private key\n"
	  "  --replica DIR        serve a read replica's snapshot (dsmap replica DIR),\n"
	  "                       not a workspace: locate, lineage, systems and\n"
	  "                       lists, each answer with the headers\n"
	  "                       Dsmap-Generation and Dsmap-Revision; a new snapshot\n"
	  "                       is seen without a restart; every other route\n"
	  "                       answers 409\n" },
	{ "status", cmd_status,
	  "show what the workspace holds",
	  "usage: dsmap status [--format text|json]\n"
	  "\n"
	  "Show the workspace: the mapping repository's HEAD, the revision synced\n"
	  "into the store, each system (declared in mappings/systems/ at HEAD, or\n"
	  "known to the store) with its last scan, and the store's size.\n"
	  "\n"
	  "  --format FMT     text (default) or json\n" },
	{ "verify", cmd_verify,
	  "check the whole store for damage",
	  "usage: dsmap verify [--rebuild-index]\n"
	  "\n"
	  "Walk every page of the workspace's store and check its structure, and\n"
	  "the identifier index against every system's inventory.  Opening a\n"
	  "store only does the cheap checks (header, size, schema); verify reads\n"
	  "everything.  Exit status 0 when the store is sound.\n"
	  "  --rebuild-index  first write the identifier index anew from the\n"
	  "                   systems' inventories (in one transaction)\n" },
	{ "agent", cmd_agent,
	  "scan one system where it lives and publish it to NATS JetStream",
	  "usage: dsmap agent --system ID [--nats URLS] [--creds FILE] [--ca FILE]\n"
	  "                   [--timeout SECONDS] [--rev REV] [--format text|json]\n"
	  "\n"
	  "Scan system ID of the workspace's mapping through its plugin, in the same\n"
	  "isolated runner and with the same keyed hashing as dsmap scan, and\n"
	  "publish what the runner sends (identifier hashes, category numbers,\n"
	  "locators, counts; never a raw value) to the JetStream subject\n"
	  "dsmap.scan.ID.GENERATION: a start message, batches of frames each with\n"
	  "a message id, and a manifest with the counts and a BLAKE2b checksum.\n"
	  "The workspace's inventory is left alone.  The workspace's secret key\n"
	  "must be the coordinator's (copy it to .dsmap/secret.key, mode 0600).\n"
	  "See docs/distributed.md.\n"
	  "  --nats URLS     the NATS servers, comma-separated (default:\n"
	  "                  $DSMAP_NATS_URL)\n"
	  "  --creds FILE    NATS_USER=, NATS_PASSWORD=, NATS_CA= lines; mode 0600\n"
	  "  --ca FILE       the CA certificate of the servers (TLS)\n"
	  "  --timeout S     as dsmap scan's\n"
	  "\n"
	  "Exit status 0 when the whole scan and its manifest were published, 3 when\n"
	  "the mapping has no such system, 1 otherwise (a failed scan still\n"
	  "publishes a manifest saying so when it can).\n" },
	{ "snapshot", cmd_snapshot,
	  "publish a compact copy of the store for read replicas",
	  "usage: dsmap snapshot [--nats URLS] [--creds FILE] [--ca FILE]\n"
	  "                      [--format text|json] publish\n"
	  "\n"
	  "Copy the workspace's store with LMDB's compaction and publish it to the\n"
	  "NATS JetStream stream DSMAP_SNAPSHOTS: 128 KiB chunks on\n"
	  "dsmap.snap.chunk.ID, then a meta (JSON: id, generation, revision, size,\n"
	  "chunks, BLAKE2b-256 digest) on dsmap.snap.meta.  The older snapshot is\n"
	  "then purged.  dsmap replica keeps a copy; dsmap scan --remote\n"
	  "--publish-snapshot publishes one after its commit.  See\n"
	  "docs/distributed.md.\n"
	  "  --nats URLS     the NATS servers, comma-separated (default:\n"
	  "                  $DSMAP_NATS_URL)\n"
	  "  --creds FILE    NATS_USER=, NATS_PASSWORD=, NATS_CA= lines; mode 0600\n"
	  "  --ca FILE       the CA certificate of the servers (TLS)\n"
	  "\n"
	  "Exit status 0 when the snapshot and its meta are stored, 1 otherwise.\n" },
	{ "replica", cmd_replica,
	  "keep a read replica's copy of the store from NATS JetStream",
	  "usage: dsmap replica [--nats URLS] [--creds FILE] [--ca FILE] [--once]\n"
	  "                     [--format text|json] DIR\n"
	  "\n"
	  "Take the newest snapshot that dsmap snapshot publish put in NATS when it\n"
	  "is newer than the one DIR holds: download its chunks, check their\n"
	  "number, the size and the BLAKE2b-256 digest against its meta, write\n"
	  "DIR/snapshots/ID/data.mdb (fsync'ed), point the link DIR/current at it\n"
	  "atomically, and remove the older snapshots.  A snapshot that does not\n"
	  "match, or of a lower generation than the one held, is refused, and the\n"
	  "current one stays.  Without --once, waits for the next snapshot, and\n"
	  "again, until SIGTERM; a failure is reported and asked again.\n"
	  "DIR must hold .dsmap/secret.key (the coordinator's, mode 0600) and, for\n"
	  "dsmap serve --replica DIR, .dsmap/tokens.  See docs/distributed.md.\n"
	  "  --once          take the newest snapshot if newer, then exit\n"
	  "  --nats URLS     the NATS servers, comma-separated (default:\n"
	  "                  $DSMAP_NATS_URL)\n"
	  "  --creds FILE    NATS_USER=, NATS_PASSWORD=, NATS_CA= lines; mode 0600\n"
	  "  --ca FILE       the CA certificate of the servers (TLS)\n"
	  "\n"
	  "Exit status (--once) 0 when DIR holds the newest snapshot, 3 when none\n"
	  "was ever published, 1 otherwise.\n" },
	{ "sync", cmd_sync,
	  "store the lineage graph of a revision of the mapping",
	  "usage: dsmap sync [--rev REV]\n"
	  "\n"
	  "Load the mapping at revision REV (default HEAD) of the workspace's\n"
	  "repository, check it, and store its lineage graph in the store:\n"
	  "categories, purposes, recipients, subject kinds and rights, and the\n"
	  "edges between them.  REV becomes the synced revision that lineage and\n"
	  "status use.  Each category gets a number that never changes.  A\n"
	  "mapping with errors is not synced (see dsmap check --rev REV); syncing\n"
	  "a revision again writes nothing.\n" },
	{ "lineage", cmd_lineage,
	  "show what flows from and to a category, purpose, recipient, subject kind or system",
	  "usage: dsmap lineage [--format text|json|dot] [--at REV|DATE] [--lang en|fr] KIND ID\n"
	  "\n"
	  "Answer from the store, at the synced revision, or as of REV (a revision\n"
	  "of the mapping repository) or DATE (YYYY-MM-DD or YYYY-MM-DDTHH:MM[:SS],\n"
	  "UTC: the last commit on HEAD's first-parent line made by then).  The\n"
	  "graph of a revision asked about is stored once and kept; the synced\n"
	  "revision does not move.  --rev is another name for --at.  The text\n"
	  "speaks the notice's language (notice.yaml `language`) unless --lang\n"
	  "says otherwise; the notice's own French texts are quoted as they are.\n"
	  "A bare category ID that several groups have is a usage error naming\n"
	  "them: write GROUP/ID.\n"
	  "  category ID        the purposes that use it, with their legal bases and\n"
	  "                     the retention that applies to it, and the recipients\n"
	  "                     reached through them; ID is GROUP/ID, or an ID\n"
	  "                     that one group has\n"
	  "  purpose ID         its categories, legal bases, retention, recipients\n"
	  "  recipient ID       the purposes and categories that flow to it\n"
	  "  subject-kind ID    the purposes and categories that concern it\n"
	  "  system ID          the purposes it serves (legal bases, the retention of\n"
	  "                     each category it holds under each), the categories\n"
	  "                     its fields hold and its last scan found, with\n"
	  "                     subjects, the recipients reached, its sources'\n"
	  "                     subject kinds, and its findings\n"
	  "\n"
	  "  --format FMT     text (default), json, or dot (Graphviz)\n"
	  "\n"
	  "Exit status 3 when the node is not in the revision.\n" },
	{ "ls", cmd_ls,
	  "list the ids of purposes, categories, recipients, systems, subject kinds",
	  "usage: dsmap ls [--format text|json] [--at REV|DATE] [FILTER...] KIND\n"
	  "\n"
	  "List the ids of KIND (purposes, categories, recipients, systems or\n"
	  "subject-kinds) in the synced revision's graph, or as of --at REV|DATE\n"
	  "(as for lineage), to give them to lineage and the other commands.\n"
	  "Text: one line each, the id first (GROUP/ID for a category), then the\n"
	  "section, the French and the English name (systems: plugin and name).\n"
	  "Purposes, categories and recipients come in section order.\n"
	  "\n"
	  "Filters (every one given must hold):\n"
	  "  --legal-basis 6(1)(x)  purposes resting on it\n"
	  "  --recipient ID         purposes sharing with it; categories flowing to it\n"
	  "  --category ID          purposes using it; recipients reached through\n"
	  "                         them; systems declaring it.  GROUP/ID, or an ID\n"
	  "                         that one group only has\n"
	  "  --section N            purposes, categories in section N or below it\n"
	  "                         (7.2 holds 7.2 and 7.2.1, not 7.21)\n"
	  "  --system ID            purposes it serves; categories it declares\n"
	  "  --subject-kind ID      purposes concerning it\n"
	  "  --purpose ID           its categories, recipients, subject kinds; the\n"
	  "                         systems serving it\n"
	  "  --format FMT           text (default) or json\n"
	  "\n"
	  "Exit status 0, also when nothing matches (stdout is then empty and\n"
	  "stderr says so); 2 when a filter names nothing in the revision, is\n"
	  "ambiguous or does not apply to KIND; 3 when nothing is synced or REV\n"
	  "names nothing.\n" },
	{ "ropa", cmd_ropa,
	  "the record of processing activities (GDPR art. 30(1)), one entry per purpose",
	  "usage: dsmap ropa [--at REV|DATE] [--format text|json|csv|html|xlsx] [--lang en|fr]\n"
	  "\n"
	  "Write the controller's record of processing activities at the synced\n"
	  "revision, or as of --at REV|DATE (as for lineage): one entry per purpose,\n"
	  "in section order, with the controller, joint controllers and DPO, the\n"
	  "categories of data subjects and of personal data, the recipients, the\n"
	  "transfers outside the EEA and their safeguards, the retention of each\n"
	  "category in words, the legal bases and the systems serving the purpose.\n"
	  "\n"
	  "  --at REV|DATE    a revision, or a date YYYY-MM-DD[THH:MM[:SS]] (UTC)\n"
	  "  --format FMT     text (default), json, csv (RFC 4180, UTF-8, CRLF;\n"
	  "                   one value per line inside a cell), html (one\n"
	  "                   printable A4 landscape page set, no network) or\n"
	  "                   xlsx (one sheet, frozen header, filters; to a file)\n"
	  "  --lang en|fr     the language of the words (default: the notice's)\n"
	  "\n"
	  "SOURCE_DATE_EPOCH, when set, is the generation date written in the\n"
	  "register (for reproducible files).  docs/ropa.md describes each column.\n"
	  "\n"
	  "Exit status 2 for a bad option or format; 3 when nothing is synced or\n"
	  "REV|DATE names nothing (an unknown revision, a date before the first\n"
	  "commit); 1 when the mapping at REV has errors.\n" },
	{ "audit", cmd_audit,
	  "the gaps between the notice and what the systems hold and keep",
	  "usage: dsmap audit [--format text|json] [--fail-on high|medium|low]\n"
	  "                   [--stale-days N] [--as-of DATE] [--lang en|fr]\n"
	  "\n"
	  "Compare the synced revision with the inventory of the last scans and\n"
	  "list the findings, most severe first, each with a stable id:\n"
	  "  high    unpurposed-data (a category a system holds for none of its\n"
	  "          declared purposes), retention-overdue (records older than the\n"
	  "          longest retention that applies), scan-failed\n"
	  "  medium  retention-undated (records with no time), scan-stale (never\n"
	  "          scanned, or not for --stale-days), system-no-purpose,\n"
	  "          consent-no-field (a consent-based purpose, no consent field)\n"
	  "  low     retention-unknown (a retention running from an event the\n"
	  "          inventory does not record, or with no period), no-record-times\n"
	  "          (scanned before dsmap kept them), purpose-unserved\n"
	  "\n"
	  "  --format FMT       text (default) or json\n"
	  "  --fail-on SEV      exit with status 4 when a finding of severity SEV or\n"
	  "                     above exists (for the mapping repository's CI)\n"
	  "  --stale-days N     a system not scanned for more than N days is a\n"
	  "                     finding (default 30)\n"
	  "  --as-of DATE       judge ages as of DATE, YYYY-MM-DD[THH:MM[:SS]] (UTC)\n"
	  "  --lang en|fr       the language of the messages and names (default en)\n"
	  "\n"
	  "docs/audit.md says what each finding checks and how to resolve it.\n"
	  "\n"
	  "Exit status 0 (findings or not, without --fail-on); 4 when --fail-on\n"
	  "finds one; 2 for a bad option; 3 when nothing is synced.\n" },
	{ "export", cmd_export,
	  "the notice as JSON-LD in W3C DPV 2.x (one process per purpose)",
	  "usage: dsmap export dpv [--at REV|DATE] [--base IRI]\n"
	  "\n"
	  "Write the notice at the synced revision, or as of --at REV|DATE (as for\n"
	  "lineage), as one JSON-LD document in the W3C Data Privacy Vocabulary 2.x\n"
	  "(dpv:, its GDPR extension eu-gdpr: and personal data extension pd:),\n"
	  "with the @context inline: one dpv:Process per purpose, with its purpose,\n"
	  "personal data, legal bases (eu-gdpr:A6-1-a..f), recipients and their\n"
	  "roles, data subjects, storage durations (ISO 8601 and their trigger),\n"
	  "transfers to third countries with their safeguards, and the controller.\n"
	  "The same revision gives the same bytes.\n"
	  "\n"
	  "  --at REV|DATE    a revision, or a date YYYY-MM-DD[THH:MM[:SS]] (UTC)\n"
	  "  --base IRI       the base IRI of the notice's own concepts (default\n"
	  "                   " DSMAP_DPV_BASE_DEFAULT ")\n"
	  "\n"
	  "docs/dpv.md gives the mapping from the notice to DPV terms.\n"
	  "\n"
	  "Exit status 2 for a bad option, format or base IRI; 3 when nothing is\n"
	  "synced or REV|DATE names nothing; 1 when the mapping at REV has errors.\n" },
	{ "plugins", cmd_plugins,
	  "list the source-system plugins dsmap can load",
	  "usage: dsmap plugins [--format text|json]\n"
	  "\n"
	  "List every plugin found in $DSMAP_PLUGIN_PATH (colon-separated\n"
	  "directories) and then in the directory dsmap was installed with: its\n"
	  "name, version, plugin ABI, file and the options it understands.  A\n"
	  "plugin that is refused (unsafe file mode or owner, another ABI, not a\n"
	  "plugin) is reported on standard error with the reason.\n"
	  "\n"
	  "  --format FMT     text (default) or json\n" },
	{ "token", cmd_token,
	  "make, list and revoke the tokens that call dsmap serve",
	  "usage: dsmap token add --role dsar|auditor|admin --name NAME\n"
	  "       dsmap token list [--format text|json]\n"
	  "       dsmap token revoke NAME\n"
	  "\n"
	  "A token lets a program or a person call dsmap serve with a role:\n"
	  "  dsar     locate a person's data, and nothing else\n"
	  "  auditor  read everything (lineage, history, systems, status) but locate\n"
	  "  admin    everything, including starting a scan\n"
	  "\n"
	  "add prints the new token on stdout, once: the workspace keeps only its\n"
	  "hash, in .dsmap/tokens (mode 0600).  NAME (1 to 64 letters, digits, '.',\n"
	  "'_' or '-') says who uses it.  revoke marks it revoked: a running server\n"
	  "drops it when it loads the tokens again (SIGHUP).  list shows every\n"
	  "token, live and revoked, never the token itself.\n"
	  "\n"
	  "Exit status 3 when revoke names no live token.\n" },
	{ "access-log", cmd_access_log,
	  "show who asked dsmap serve what",
	  "usage: dsmap access-log [--since DATE] [--format text|json]\n"
	  "\n"
	  "Show the requests dsmap serve answered (.dsmap/access.log): when, with\n"
	  "which token, the route and status, for a locate how many identifiers of\n"
	  "which kinds and how many systems answered, the answer's size and time.\n"
	  "Never an identifier's value: the server does not log one.\n"
	  "\n"
	  "  --since DATE     only requests at or after DATE (UTC): YYYY-MM-DD,\n"
	  "                   YYYY-MM-DDTHH:MM or YYYY-MM-DDTHH:MM:SS\n"
	  "  --format FMT     text (default) or json\n"
	  "\n"
	  "A damaged line (one a crash cut short) is reported with its number, on\n"
	  "stderr or under \"damaged\", and the exit status is then 1.\n" },
	{ "help", cmd_help,
	  "show help for dsmap or one of its commands",
	  "usage: dsmap help [COMMAND]\n"
	  "\n"
	  "Show the list of commands, or the help of COMMAND (the same as\n"
	  "'dsmap COMMAND --help').\n" },
	{ NULL, NULL, NULL, NULL }
};

static const char main_usage[] =
	"usage: dsmap [-C DIR | --workspace DIR] COMMAND [ARGS]\n"
	"       dsmap --help | --version\n";

const struct cli_command *cli_command_find(const char *name)
{
	const struct cli_command *c;

	for (c = cli_commands; c->name != NULL; c++)
		if (strcmp(c->name, name) == 0)
			return c;
	return NULL;
}

int cli_help(const struct cli_command *cmd)
{
	fputs(cmd->usage, stdout);
	return CLI_EXIT_OK;
}

int cli_main_help(void)
{
	const struct cli_command *c;

	fputs(main_usage, stdout);
	fputs("\ndsmap maps the personal data an organisation holds per data subject to\n"
	      "the privacy notice's categories, purposes and recipients.\n\n"
	      "Commands:\n", stdout);
	for (c = cli_commands; c->name != NULL; c++)
		printf("  %-10s %s\n", c->name, c->summary);
	fputs("\nGlobal options:\n"
	      "  -C DIR, --workspace DIR   use the workspace that holds DIR (for\n"
	      "                            init: create it there)\n"
	      "  --help                    show this help\n"
	      "  --version                 show the version\n"
	      "\nThe workspace is found from -C, then $DSMAP_DIR, then by walking up\n"
	      "from the current directory.  'dsmap help COMMAND' shows a command's\n"
	      "options; 'man dsmap' has the whole manual.\n", stdout);
	return CLI_EXIT_OK;
}

/* The command running, for an error that names nothing else. */
static const char *running;

int cli_fail(const char *what)
{
	const dsmap_error *e = dsmap_error_last();
	const char *why = e->message[0] ? e->message : dsmap_strerror(e->code);

	/* A bare "out of memory" (the library's message for DSMAP_ENOMEM where
	 * it adds no context) still says which command ran out. */
	if (what == NULL && strcmp(why, dsmap_strerror(e->code)) == 0)
		what = running;

	if (what != NULL)
		fprintf(stderr, "dsmap: %s: %s\n", what, why);
	else
		fprintf(stderr, "dsmap: %s\n", why);
	return CLI_EXIT_ERROR;
}

int cli_usage_error(const char *cmd, const char *fmt, ...)
{
	va_list ap;

	fputs("dsmap: ", stderr);
	if (cmd != NULL)
		fprintf(stderr, "%s: ", cmd);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	if (cmd != NULL)
		fprintf(stderr, "\nTry 'dsmap help %s'.\n", cmd);
	else
		fputs("\nTry 'dsmap --help'.\n", stderr);
	return CLI_EXIT_USAGE;
}

int cli_parse_format(enum cli_format *out, const char *cmd, const char *arg,
                     unsigned int allowed)
{
	static const char *const names[] = { "text", "json", "dot" };
	unsigned int i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if ((allowed & (1u << i)) && strcmp(arg, names[i]) == 0) {
			*out = (enum cli_format)i;
			return 0;
		}
	return cli_usage_error(cmd, "unknown format '%s'", arg);
}

const char *cli_bytes(char *buf, size_t size, uint64_t bytes)
{
	static const char *const units[] = { "B", "KiB", "MiB", "GiB", "TiB" };
	double v = (double)bytes;
	unsigned int u = 0;

	while (v >= 1024 && u < 4) {
		v /= 1024;
		u++;
	}
	if (u == 0)
		snprintf(buf, size, "%llu B", (unsigned long long)bytes);
	else
		snprintf(buf, size, "%.1f %s", v, units[u]);
	return buf;
}

const char *cli_time(char *buf, size_t size, int64_t t)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (t == 0 || gmtime_r(&tt, &tm) == NULL)
		snprintf(buf, size, "never");
	else
		strftime(buf, size, "%Y-%m-%d %H:%M:%S UTC", &tm);
	return buf;
}

int cli_print_retired(dsmap_workspace *ws, int64_t since)
{
	dsmap_status *st = NULL;
	size_t i;

	if (dsmap_workspace_status(&st, ws) < 0)
		return cli_fail("list the retired systems");
	for (i = 0; i < st->system_count; i++) {
		const dsmap_system_status *s = &st->systems[i];

		if (s->retired != 0 && s->retired >= since)
			printf("system %s is no longer in the mapping: its inventory of %llu subject%s was "
			       "dropped; it answers no more\n", s->id, (unsigned long long)s->subjects,
			       s->subjects == 1 ? "" : "s");
	}
	dsmap_status_free(st);
	return CLI_EXIT_OK;
}

int cli_workspace(dsmap_workspace **ws, const struct cli_global *g)
{
	const char *env = getenv("DSMAP_DIR");
	int rc;

	if (g->start_dir != NULL)
		rc = dsmap_workspace_discover(ws, g->start_dir);
	else if (env != NULL && env[0] != '\0')
		rc = dsmap_workspace_open(ws, env);
	else
		rc = dsmap_workspace_discover(ws, NULL);
	return rc < 0 ? cli_fail(NULL) : CLI_EXIT_OK;
}

/* stdout is where results go: failing to write them is an error. */
static int close_stdout(void)
{
	int failed = fflush(stdout) != 0 || ferror(stdout);
	int err = errno;

	if (fclose(stdout) != 0 && !failed) {
		failed = 1;
		err = errno;
	}
	if (failed) {
		fprintf(stderr, "dsmap: write error on standard output: %s\n", strerror(err));
		return CLI_EXIT_ERROR;
	}
	return CLI_EXIT_OK;
}

/*
 * LMDB maps the data file and trusts the pages it reads: a store damaged
 * inside a page can make it read past the end of the file (SIGBUS) or
 * follow a pointer out of the map (SIGSEGV), and its own assertions on a
 * page abort() (SIGABRT, after printing which).  Say so and exit 1, instead
 * of dying without a word or dumping core.  Only write() and _exit() here:
 * a signal handler may call nothing else.  The handler runs on its own
 * stack, so that a fault from a deep recursion is reported too.
 */
static void on_fault(int sig)
{
	static const char head[] = "dsmap: fatal: a read from the store faulted (";
	static const char tail[] =
		"): the store is damaged (or was truncated while in use), or dsmap has a "
		"bug; run 'dsmap verify', and if it finds damage, rebuild the store "
		"(man dsmap: Repairing a store)\n";
	const char *name = sig == SIGBUS ? "SIGBUS" : sig == SIGABRT ? "SIGABRT" : "SIGSEGV";
	ssize_t n;

	n = write(STDERR_FILENO, head, sizeof(head) - 1);
	n = write(STDERR_FILENO, name, strlen(name));
	n = write(STDERR_FILENO, tail, sizeof(tail) - 1);
	(void)n;
	_exit(CLI_EXIT_ERROR);
}

static void catch_faults(void)
{
	static char altstack[64 * 1024];
	struct sigaction sa;
	stack_t ss;

	ss.ss_sp = altstack;
	ss.ss_size = sizeof(altstack);
	ss.ss_flags = 0;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_fault;
	sa.sa_flags = SA_RESETHAND | (sigaltstack(&ss, NULL) == 0 ? SA_ONSTACK : 0);
	sigemptyset(&sa.sa_mask);
	sigaction(SIGBUS, &sa, NULL);
	sigaction(SIGSEGV, &sa, NULL);
	/* LMDB's own checks on a page abort() after printing what failed */
	sigaction(SIGABRT, &sa, NULL);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "workspace", required_argument, NULL, 'C' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	struct cli_global g = { NULL };
	const struct cli_command *cmd;
	int c, rc;

	catch_faults();
	/* Nothing dsmap makes is writable by others, whatever the umask
	 * (init and demo make theirs private: cmd_init.c, cmd_demo.c). */
	umask(umask(0) | 022);

	opterr = 0;
	while ((c = getopt_long(argc, argv, "+C:h", opts, NULL)) != -1) {
		switch (c) {
		case 'C':
			g.start_dir = optarg;
			break;
		case 'h':
			rc = cli_main_help();
			goto out;
		case 'V':
			printf("dsmap %s (libdsmap %s)\n", PACKAGE_VERSION, dsmap_version(NULL, NULL, NULL));
			rc = CLI_EXIT_OK;
			goto out;
		default:
			if (optopt == 'C' || (optopt == 0 && argv[optind - 1][1] == '-' &&
			                      strncmp(argv[optind - 1], "--workspace", 11) == 0))
				return cli_usage_error(NULL, "option %s needs a directory",
				                       argv[optind - 1]);
			return cli_usage_error(NULL, "unknown option '%s'", argv[optind - 1]);
		}
	}
	if (optind >= argc) {
		fputs(main_usage, stderr);
		fputs("Try 'dsmap --help' for the list of commands.\n", stderr);
		return CLI_EXIT_USAGE;
	}
	if ((cmd = cli_command_find(argv[optind])) == NULL)
		return cli_usage_error(NULL, "'%s' is not a dsmap command", argv[optind]);

	argc -= optind;
	argv += optind;
	optind = 0; /* reset getopt for the command's own options */

	/* `dsmap CMD --help` works even outside a workspace. */
	if (argc > 1 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
		rc = cli_help(cmd);
		goto out;
	}
	running = cmd->name;
	rc = cmd->fn(argc, argv, &g);
out:
	if (close_stdout() != CLI_EXIT_OK && rc == CLI_EXIT_OK)
		rc = CLI_EXIT_ERROR;
	return rc;
}
