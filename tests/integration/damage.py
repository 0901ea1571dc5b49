#!/usr/bin/env python3
# damage.py DSMAP WORKSPACE STORES SEED: the corruption campaign of
# tests/integration/damage.sh and bench/damage.  WORKSPACE holds a sound,
# scanned store; each of STORES copies of its data file gets 16 random
# bits flipped past LMDB's two meta pages (random.Random(SEED)), and is
# given to verify, status, locate, sync and scan.  Prints one summary line,
# then a "crash: " line per command that died of a signal, hung, tripped a
# sanitizer or exited with a status dsmap does not use, and a "missed: "
# line per store that verify called sound although its answers changed.
# The sound data file is put back at the end.
import os, random, shutil, subprocess, sys

dsmap, ws, stores, seed = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
store = os.path.join(ws, ".dsmap", "store")
pristine = open(os.path.join(store, "data.mdb"), "rb").read()
PAGE = 4096
QUERIES = ["email:person7@example.com", "customer-number:C01498", "email:person1001@example.com"]
USED = {0, 1, 3}      # exit statuses dsmap uses here: fine, error, not found

def run(*args):
    try:
        p = subprocess.run([dsmap, "-C", ws] + list(args), capture_output=True, timeout=120)
    except subprocess.TimeoutExpired:
        return None, b"", b"timed out after 120 s"
    return p.returncode, p.stdout, p.stderr

def answers():
    out = []
    for q in QUERIES:
        rc, o, e = run("locate", "--format", "json", q)
        out.append((rc, o))
    rc, o, e = run("status", "--format", "json")
    # status's store line holds sizes and times, not answers
    import json
    try:
        d = json.loads(o)
        d.pop("store", None)
        d.pop("workspace", None)
        o = json.dumps(d, sort_keys=True).encode()
    except ValueError:
        pass
    out.append((rc, o))
    return out

base = answers()
crashes, faults, detected, missed, harmless = [], 0, 0, [], 0
rnd = random.Random(seed)
for n in range(stores):
    data = bytearray(pristine)
    flips = []
    for _ in range(16):
        at = rnd.randrange(2 * PAGE, len(data))
        data[at] ^= 1 << rnd.randrange(8)
        flips.append(at)
    with open(os.path.join(store, "data.mdb"), "wb") as f:
        f.write(data)
    lock = os.path.join(store, "lock.mdb")
    if os.path.exists(lock):
        os.unlink(lock)
    results = {}
    for cmd in (["verify"], ["status"], ["locate", QUERIES[0]], ["sync"], ["scan", "--quiet"]):
        if cmd[0] == "sync":
            # a write: the answers are compared before it
            results["answers"] = answers()
        rc, o, e = run(*cmd)
        results[cmd[0]] = (rc, e)
        bad = (rc is None or rc < 0 or rc not in USED or b"Sanitizer" in e or
               b"runtime error" in e)
        if b"store faulted" in e:
            faults += 1
        if bad:
            crashes.append("store %d (flips at %s): dsmap %s: %s: %s" % (
                n, flips, " ".join(cmd), "signal %d" % -rc if rc is not None and rc < 0 else
                "exit %s" % rc, e.decode(errors="replace").strip()[-300:]))
    vrc = results["verify"][0]
    if vrc == 1:
        detected += 1
    elif vrc == 0:
        if results["answers"] != base:
            missed.append("store %d (flips at %s): verify said sound, answers changed" % (n, flips))
        else:
            harmless += 1
print("damage: %d stores, %d crashes, %d handled faults, verify found damage in %d, "
      "sound and unchanged %d, missed %d" % (stores, len(crashes), faults, detected, harmless,
                                             len(missed)))
for c in crashes:
    print("crash: " + c)
for m in missed:
    print("missed: " + m)
with open(os.path.join(store, "data.mdb"), "wb") as f:
    f.write(pristine)
