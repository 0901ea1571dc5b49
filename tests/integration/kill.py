#!/usr/bin/env python3
# kill.py DSMAP SRCDIR WORKSPACE KILLS SEED SUBJECTS: the SIGKILL campaign
# of tests/integration/kill.sh and bench/kill.
#
# WORKSPACE is a new, initialised workspace.  It gets SUBJECTS subjects in
# a SQLite CRM, a CSV billing export and a JSON-lines web log
# (bench/gen-sources.py), and a second version of each source (a tenth of
# the subjects gone, a tenth changed, a twentieth more), kept beside the
# workspace.  Full scans of both versions give each system's answer for
# each version: its status entry and its entry in the locate answers of a
# few customer numbers (a customer number reaches each system directly, so
# a system's entry depends on that system alone).
#
# Then KILLS times (random.Random(SEED)), one of:
#   scan      both versions swapped, `dsmap scan` started
#   scan+git  a mapping commit, `dsmap scan` started (it syncs, then scans)
#   sync      a mapping commit, `dsmap sync` started
#   lineage   a mapping commit, `dsmap lineage --at HEAD` started (which
#             stores that revision's graph)
# is SIGKILLed after a random delay between 0 and 1.1 times what the
# command takes (the median of its last five runs to the end, the first
# ones timed at the start), and then:
#   - every process of the killed command is gone within 10 s (runners
#     die with their scan);
#   - `dsmap verify` exits 0;
#   - each system's answer (its status entry with the mapping commit it was
#     scanned at, its locate entries) is exactly its answer before the
#     command or exactly the one the command would give, never another;
#     the synced revision is the old or the new one;
#   - no command hangs (120 s) or fails: a stale lock or reader slot would.
# About every third kill, and after the last, a scan runs to its end and
# must give the new answer everywhere.
#
# Prints a summary, then one line per finding, each starting with its kind
# ("corrupt: ", "mixed: ", "lost: ", "stuck: ", "fail: ") and naming the
# seed, the kill, the command and its delay, so that it can be replayed.
# Exits 0 when the campaign ran (whatever it found), 1 when it could not
# set up.  DSMAP_KILL_VERBOSE=1 prints every kill on stderr.
import json, os, random, shutil, signal, sqlite3, statistics, subprocess, sys, time

dsmap, srcdir, ws = sys.argv[1], sys.argv[2], sys.argv[3]
kills, seed, subjects = int(sys.argv[4]), int(sys.argv[5]), int(sys.argv[6])
verbose = os.environ.get("DSMAP_KILL_VERBOSE", "") not in ("", "0")
SYSTEMS = ["billing", "crm", "weblog"]
FILES = {"billing": "billing.csv", "crm": "crm.sqlite", "weblog": "weblog.jsonl"}
TIMEOUT = 120
# Customer numbers: one kept, one gone and one changed in version B, one
# only in B.
NUMBERS = [42 if subjects >= 42 else 1, 13, 15, subjects + 5]
QUERIES = ["customer-number:C%08d" % n for n in NUMBERS]
# What a status entry holds beyond the system's inventory.
STATUS_TIMES = ("last_scan", "failed_at", "failure", "retired")
variants_dir = os.path.join(os.path.dirname(os.path.abspath(ws)), "kill-variants")
findings = []


def die(msg):
    print("kill.py: " + msg, file=sys.stderr)
    sys.exit(1)


def run(*args, timeout=TIMEOUT):
    try:
        p = subprocess.run([dsmap, "-C", ws] + list(args), capture_output=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return None, b"", b"timed out after %d s" % timeout
    return p.returncode, p.stdout, p.stderr


def git(*args):
    subprocess.run(["git", "-C", ws, "-c", "user.name=kill", "-c", "user.email=kill@example.com"]
                   + list(args), check=True, capture_output=True)


def head():
    return subprocess.run(["git", "-C", ws, "rev-parse", "HEAD"], check=True,
                          capture_output=True).stdout.decode().strip()


def answers():
    """(synced revision, {system: answer}) or raises RuntimeError."""
    rc, o, e = run("status", "--format", "json")
    if rc != 0:
        raise RuntimeError("status: exit %s: %s" % (rc, e.decode(errors="replace").strip()))
    st = json.loads(o)
    per = {}
    for s in st["systems"]:
        per[s["id"]] = {"status": {k: v for k, v in s.items() if k not in STATUS_TIMES}}
    for q in QUERIES:
        rc, o, e = run("locate", "--format", "json", q)
        if rc not in (0, 3):
            raise RuntimeError("locate %s: exit %s: %s" % (q, rc,
                               e.decode(errors="replace").strip()))
        d = json.loads(o) if o.strip() else {}
        for sysid, a in per.items():
            a[q] = ([x for x in d.get("systems", []) if x.get("system") == sysid],
                    [x for x in d.get("links", []) if x.get("system") == sysid])
    return st.get("synced"), {k: json.dumps(v, sort_keys=True) for k, v in per.items()}


def without_commit(answer):
    d = json.loads(answer)
    commit = d["status"].pop("commit", None)
    return commit, json.dumps(d, sort_keys=True)


def set_variant(sysid, v):
    dst = os.path.join(ws, "data", FILES[sysid])
    shutil.copyfile(os.path.join(variants_dir, v, FILES[sysid]), dst + ".new")
    os.replace(dst + ".new", dst)


def make_variants():
    a, b = os.path.join(variants_dir, "A"), os.path.join(variants_dir, "B")
    os.makedirs(a)
    os.makedirs(b)
    for f in FILES.values():
        shutil.copyfile(os.path.join(ws, "data", f), os.path.join(a, f))
    extra = max(1, subjects // 20) + 5
    shutil.copyfile(os.path.join(a, "crm.sqlite"), os.path.join(b, "crm.sqlite"))
    db = sqlite3.connect(os.path.join(b, "crm.sqlite"))
    db.execute("DELETE FROM customers WHERE id % 10 = 3")
    db.execute("UPDATE customers SET email = 'moved' || id || '@example.com', "
               "updated_at = '2026-12-01T10:00:00Z' WHERE id % 10 = 5")
    db.executemany("INSERT INTO customers (id, customer_no, email, updated_at) VALUES (?, ?, ?, ?)",
                   [(n, "C%08d" % n, "new%d@example.com" % n, "2026-12-02T10:00:00Z")
                    for n in range(subjects + 1, subjects + extra + 1)])
    db.commit()
    db.close()
    with open(os.path.join(a, "billing.csv")) as fi, open(os.path.join(b, "billing.csv"), "w") as fo:
        fo.write(fi.readline())
        for line in fi:
            n = int(line.split(";")[1][1:])
            if n % 10 == 3:
                continue
            if n % 10 == 5:
                f = line.rstrip("\n").split(";")
                line = ";".join(f[:3] + ["999.99", "2026-12-01"]) + "\n"
            fo.write(line)
        for n in range(subjects + 1, subjects + extra + 1):
            fo.write("F%09d;C%08d;BE00%012d;1.00;2026-12-02\n" % (n, n, n))
    with open(os.path.join(a, "weblog.jsonl")) as fi, open(os.path.join(b, "weblog.jsonl"), "w") as fo:
        for line in fi:
            d = json.loads(line)
            n = int(d["customer"]["no"][1:])
            if n % 10 == 3:
                continue
            if n % 10 == 5:
                d["ts"] += 86400 * 300
            fo.write(json.dumps(d, separators=(",", ":")) + "\n")
        for n in range(subjects + 1, subjects + extra + 1):
            fo.write(json.dumps({"ts": 1796083200 + n, "customer": {"no": "C%08d" % n},
                                 "ip": "10.255.%d.%d" % (n >> 8 & 255, n & 255),
                                 "device": {"id": "stb-new-%x" % n}, "url": "/new"},
                                separators=(",", ":")) + "\n")


retention = ["P7Y"]


def mapping_commit():
    """A commit that changes the lineage (billing's retention) and no
    system's inventory."""
    path = os.path.join(ws, "mappings", "purposes", "billing-accounting.yaml")
    old = retention[0]
    new = "P5Y" if old == "P7Y" else "P7Y"
    text = open(path).read()
    if "duration: " + old not in text:
        die("no 'duration: %s' in %s" % (old, path))
    with open(path, "w") as f:
        f.write(text.replace("duration: " + old, "duration: " + new, 1))
    retention[0] = new
    git("commit", "-q", "-a", "-m", "retention " + new)


def timed(*args):
    t = time.monotonic()
    rc, o, e = run(*args)
    if rc != 0:
        die("%s: exit %s: %s" % (" ".join(args), rc, e.decode(errors="replace").strip()))
    return time.monotonic() - t


def group_alive(pgid):
    """The pids of live (not zombie) processes in process group pgid."""
    alive = []
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % d) as f:
                st = f.read()
        except OSError:
            continue
        fields = st[st.rindex(")") + 2:].split()
        if int(fields[2]) == pgid and fields[0] not in ("Z", "X"):
            alive.append(int(d))
    return alive


# ---- set up -------------------------------------------------------------

if subprocess.run([sys.executable, os.path.join(srcdir, "bench", "gen-sources.py"), ws,
                   str(subjects)]).returncode != 0:
    die("gen-sources.py failed")
make_variants()
git("add", "mappings")
git("commit", "-q", "-m", "systems")
t_scan = [timed("scan", "--quiet")]
try:
    synced, ans_a = answers()
    for s in SYSTEMS:
        set_variant(s, "B")
    t_scan.append(timed("scan", "--quiet"))
    _, ans_b = answers()
    for s in SYSTEMS:
        set_variant(s, "A")
    t_scan.append(timed("scan", "--quiet"))
    synced, again = answers()
except RuntimeError as e:
    die(str(e))
if again != ans_a:
    die("two scans of the same sources answer differently")
ref = {s: {"A": without_commit(ans_a[s])[1], "B": without_commit(ans_b[s])[1]} for s in SYSTEMS}
for s in SYSTEMS:
    if ref[s]["A"] == ref[s]["B"]:
        die("system %s answers the same for both versions of its source" % s)
timed("verify")
mapping_commit()
t_sync = timed("sync")
mapping_commit()
t_lineage = timed("lineage", "--at", "HEAD", "system", "crm")
# What each command takes, the median of its last five runs to the end: a
# shared machine's load changes, and kills timed on a stale figure land
# after the end.  Scans to the end are timed whole; a command that ended
# before its kill is timed to within 5 ms.
took = {"scan": t_scan, "scan+git": t_scan, "sync": [t_sync], "lineage": [t_lineage]}
t_op = {}


def retime(op, t=None):
    if t is not None:
        took[op].append(t)
        del took[op][:-5]
    t_op[op] = statistics.median(took[op])
    if op in ("scan", "scan+git"):   # one list
        t_op["scan"] = t_op["scan+git"] = t_op[op]


for op in took:
    retime(op)
t_start = dict(t_op)
variant = {s: "A" for s in SYSTEMS}
try:
    synced, cur = answers()
except RuntimeError as e:
    die(str(e))

# ---- the campaign -------------------------------------------------------

rnd = random.Random(seed)
OPS = [("scan", 45), ("scan+git", 20), ("sync", 20), ("lineage", 15)]
ops_done = {op: 0 for op, _ in OPS}
landed = {"before": [], "between": [], "after": [], "exited": [], "same": []}
completions = 0
started = time.monotonic()


def note(kind, i, op, delay, what):
    findings.append("%s: seed %d kill %d (%s, SIGKILL after %.3f s of %.3f s): %s" % (
        kind, seed, i, op, delay, t_op[op], what))


def check_answers(i, op, delay, old, new, old_synced, new_synced):
    """Compare the store's answers with old and new; return the answers
    seen and where the kill landed, or None when a finding was noted."""
    try:
        synced, seen = answers()
    except RuntimeError as e:
        note("fail", i, op, delay, str(e))
        return None
    ok = True
    if synced not in (old_synced, new_synced):
        note("mixed", i, op, delay, "synced revision %s, neither %s nor %s" % (
            synced, old_synced, new_synced))
        ok = False
    got = []
    for s in SYSTEMS:
        if s not in seen:
            note("lost", i, op, delay, "system %s is gone from status" % s)
            ok = False
        elif seen[s] == old[s] and seen[s] == new[s]:
            pass
        elif seen[s] == old[s]:
            got.append("old")
        elif seen[s] == new[s]:
            got.append("new")
        else:
            commit, data = without_commit(seen[s])
            whose = [v for v in "AB" if ref[s][v] == data]
            note("mixed", i, op, delay, "system %s answers neither as before nor as after "
                 "(its data %s, scanned at %s)" % (
                     s, "is version " + whose[0] if whose else "matches no version", commit))
            ok = False
    if not ok:
        return None
    # A scan's sync is a commit of its own, before the systems': where a
    # scan's kill landed is told by the systems alone.
    if op in ("sync", "lineage") and synced != old_synced and synced == new_synced:
        got.append("new")
    elif op in ("sync", "lineage") and synced != new_synced:
        got.append("old")
    if not got:
        where = "same"
    elif all(g == "old" for g in got):
        where = "before"
    elif all(g == "new" for g in got):
        where = "after"
    else:
        where = "between"
    return synced, seen, where


def expected(scanned):
    """Each system's answer once the scan ends: the current version of its
    source, scanned at HEAD."""
    h = head()
    out = {}
    for s in SYSTEMS:
        d = json.loads(ref[s][variant[s]])
        d["status"]["commit"] = h
        out[s] = json.dumps(d, sort_keys=True)
    return out if scanned else dict(cur)


# The comparison can fail: the store (version A of every source) compared
# with the answers of version B must be found a mix in every system.
other = {}
for s in SYSTEMS:
    d = json.loads(ref[s]["B"])
    d["status"]["commit"] = without_commit(cur[s])[0]
    other[s] = json.dumps(d, sort_keys=True)
if check_answers(-1, "scan", 0, other, other, synced, synced) is not None or \
        len(findings) != len(SYSTEMS) or not all(f.startswith("mixed: ") for f in findings):
    die("the comparison of answers cannot tell the versions apart: %s" % findings)
del findings[:]

for i in range(kills):
    r, op = rnd.uniform(0, 100), None
    for name, weight in OPS:
        if r < weight:
            op = name
            break
        r -= weight
    op = op or OPS[-1][0]
    ops_done[op] += 1
    if op == "scan":
        for s in SYSTEMS:
            variant[s] = "B" if variant[s] == "A" else "A"
            set_variant(s, variant[s])
    else:
        mapping_commit()
    old, old_synced = dict(cur), synced
    new = expected(op in ("scan", "scan+git"))
    new_synced = head() if op != "lineage" else old_synced
    args = {"scan": ["scan", "--quiet"], "scan+git": ["scan", "--quiet"], "sync": ["sync"],
            "lineage": ["lineage", "--at", "HEAD", "system", "crm"]}[op]
    t_this = t_op[op]
    delay = rnd.uniform(0, 1.1 * t_this)
    errf = open(os.path.join(variants_dir, "stderr"), "w+b")
    t0 = time.monotonic()
    p = subprocess.Popen([dsmap, "-C", ws] + args, stdout=subprocess.DEVNULL, stderr=errf,
                         start_new_session=True)
    exited = False
    while True:
        left = delay - (time.monotonic() - t0)
        if p.poll() is not None:
            exited = True
            retime(op, time.monotonic() - t0)
            break
        if left <= 0:
            break
        time.sleep(min(left, 0.005))
    if not exited:
        os.kill(p.pid, signal.SIGKILL)
    rc = p.wait()
    errf.seek(0)
    err = errf.read().decode(errors="replace").strip()
    errf.close()
    if exited and rc != 0:
        note("fail", i, op, delay, "ended before the kill with exit %d: %s" % (rc, err[-300:]))
    deadline = time.monotonic() + 10
    while group_alive(p.pid) and time.monotonic() < deadline:
        time.sleep(0.02)
    left = group_alive(p.pid)
    if left:
        note("stuck", i, op, delay, "processes %s outlived the killed command" % left)
        for pid in left:
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass
    vrc, o, e = run("verify")
    if vrc is None:
        note("stuck", i, op, delay, "verify: " + e.decode())
    elif vrc != 0:
        note("corrupt", i, op, delay, "verify: exit %s: %s" % (vrc, e.decode(errors="replace")
                                                               .strip()[-300:]))
    got = check_answers(i, op, delay, old, new, old_synced, new_synced)
    if got is None:
        # Start the next kill from what the store says now.
        try:
            synced, cur = answers()
        except RuntimeError:
            pass
        where = None
    else:
        synced, cur, where = got
        landed["exited" if exited else where].append(delay / t_this if t_this else 0)
    if verbose:
        print("kill %d: %s after %.3f s (%.2f of its time): %s" % (
            i, op, delay, delay / t_this if t_this else 0,
            "exited first" if exited else where), file=sys.stderr)
    if i == kills - 1 or rnd.random() < 1 / 3:
        completions += 1
        t0 = time.monotonic()
        crc, o, e = run("scan", "--quiet")
        if crc == 0:
            retime("scan", time.monotonic() - t0)
        if crc is None:
            note("stuck", i, op, delay, "the next scan: " + e.decode())
        elif crc != 0:
            note("fail", i, op, delay, "the next scan: exit %s: %s" % (
                crc, e.decode(errors="replace").strip()[-300:]))
        new = expected(True)
        got = check_answers(i, op, delay, cur, new, synced, head())
        if got is not None:
            synced, cur, _ = got
            if cur != new or synced != head():
                note("fail", i, op, delay, "the next scan did not give the new answer")
        else:
            try:
                synced, cur = answers()
            except RuntimeError:
                pass

elapsed = time.monotonic() - started
count = {k: len(findings_k) for k, findings_k in
         ((k, [f for f in findings if f.startswith(k + ": ")])
          for k in ("corrupt", "mixed", "lost", "stuck", "fail"))}


def spread(xs):
    if not xs:
        return "0"
    return "%d (at %.2f-%.2f of the command's time, median %.2f)" % (
        len(xs), min(xs), max(xs), statistics.median(xs))


print("kill: seed %d, %d kills (%s), %d subjects in %d systems, %.1f s" % (
    seed, kills, ", ".join("%s %d" % (op, ops_done[op]) for op, _ in OPS), subjects,
    len(SYSTEMS), elapsed))
print("kill: the commands took: scan %.3f s, sync %.3f s, lineage --at %.3f s at the start, "
      "%.3f s, %.3f s, %.3f s at the end" % (
          t_start["scan"], t_start["sync"], t_start["lineage"], t_op["scan"], t_op["sync"],
          t_op["lineage"]))
print("kill: landed before the commit %s; between two systems' commits %s; after every "
      "commit %s; after the command ended %s; undecidable %s" % (
          spread(landed["before"]), spread(landed["between"]), spread(landed["after"]),
          spread(landed["exited"]), spread(landed["same"])))
print("kill: %d scans run to the end after a kill; corruptions %d, mixed %d, lost %d, "
      "stuck %d, failed %d" % (completions, count["corrupt"], count["mixed"], count["lost"],
                               count["stuck"], count["fail"]))
for f in findings:
    print(f)
