#!/usr/bin/python3
"""metrics-check.py - check an exposition of "ringctl metrics" with the
Prometheus client library's own parser, and its figures against what
"ringctl -j" reported for the same ringd.

usage: metrics-check.py METRICS STATUS.json RINGS.json SCHEMES.json
       metrics-check.py --down METRICS

Run with Debian's /usr/bin/python3 (python3-prometheus-client).  Prints
what differs and exits 1; exits 0 when everything matches.
"""
import json
import sys

from prometheus_client.parser import text_string_to_metric_families

errors = []


def check(cond, what):
    if not cond:
        errors.append(what)


def parse(path):
    """Samples by name: a list of (labels, value) each; and the types."""
    text = open(path, encoding="utf-8").read()
    samples, types = {}, {}
    for fam in text_string_to_metric_families(text):
        check(fam.name not in types, "family %s twice" % fam.name)
        check(fam.type in ("gauge", "counter"),
              "family %s has type %s" % (fam.name, fam.type))
        check(fam.documentation != "", "family %s has no HELP" % fam.name)
        types[fam.name] = fam.type
        for s in fam.samples:
            samples.setdefault(s.name, []).append((s.labels, s.value))
    return samples, types


def one(samples, name, **labels):
    """The value of the one sample of name with those labels."""
    got = [v for (l, v) in samples.get(name, [])
           if all(l.get(k) == str(w) for k, w in labels.items())]
    check(len(got) == 1, "%s%s: %d samples" % (name, labels, len(got)))
    return got[0] if got else None


def peer(p):
    if p is None:
        return ""
    if p.get("pid") is None:
        return p.get("comm") or ""
    return "%d/%s" % (p["pid"], p.get("comm") or "")


def main(argv):
    if len(argv) == 3 and argv[1] == "--down":
        samples, _ = parse(argv[2])
        check(one(samples, "ringd_up") == 0, "ringd_up is not 0")
        check(one(samples, "ringd_ringctl_build_info") == 1, "no ringd_ringctl_build_info")
        check("ringd_build_info" not in samples, "ringd_build_info while down")
        return
    if len(argv) != 5:
        sys.exit(__doc__)
    samples, types = parse(argv[1])
    st = json.load(open(argv[2]))
    rings = json.load(open(argv[3]))
    schemes = json.load(open(argv[4]))

    check(one(samples, "ringd_up") == 1, "ringd_up is not 1")
    check(one(samples, "ringd_ringctl_build_info") == 1, "no ringd_ringctl_build_info")
    check(one(samples, "ringd_build_info", version=st["server"],
              protocol=st["protocol_version"]) == 1, "ringd_build_info")
    check(one(samples, "ringd_schemes") == st["schemes"], "ringd_schemes")
    check(one(samples, "ringd_rings") == st["rings"], "ringd_rings")
    check((one(samples, "ringd_clients") or 0) >= 1, "ringd_clients")
    for z in st["phys"]["zones"]:
        for fig, key in (("size_bytes", "size_bytes"),
                         ("used_bytes", "used_bytes"),
                         ("free_bytes", "free_bytes"),
                         ("largest_free_bytes", "largest_free_bytes"),
                         ("free_ranges", "free_ranges"),
                         ("regions", "regions")):
            name = "ringd_phys_zone_" + fig
            check(one(samples, name, zone=z["zone"]) == z[key],
                  "%s{zone=%s} != %s" % (name, z["zone"], z[key]))
    for s in schemes:
        b = 1 if s["builtin"] else 0
        check(one(samples, "ringd_scheme_rings", scheme=s["name"],
                  builtin=b) == s["rings"], "rings of " + s["name"])
        check(one(samples, "ringd_scheme_rings_opened_total",
                  scheme=s["name"], builtin=b) == s["rings_opened"],
              "rings_opened of " + s["name"])
    check(types.get("ringd_scheme_rings_opened") == "counter",
          "ringd_scheme_rings_opened is not a counter")
    ids = {str(r["id"]) for r in rings}
    check({l["ring"] for (l, _) in samples.get("ringd_ring_info", [])} == ids,
          "ringd_ring_info rings differ from ringctl -j rings")
    for r in rings:
        rid = str(r["id"])
        # a redox_ring has no entry width: no bits label
        bits = {} if r["entry_bits"] is None else {"bits": r["entry_bits"]}
        check(one(samples, "ringd_ring_info", ring=rid, scheme=r["scheme"],
                  kind=r["kind"], consumer=peer(r["consumer"]),
                  producer=peer(r["producer"]), **bits) == 1,
              "info of ring " + rid)
        check(all("bits" not in l for (l, _) in
                  samples.get("ringd_ring_info", []) if l["ring"] == rid)
              or r["entry_bits"] is not None,
              "ring %s: a redox_ring with a bits label" % rid)
        for name, key in (("sq_depth", "sq_depth"),
                          ("cq_backlog", "cq_backlog"),
                          ("submitted_total", "submitted"),
                          ("taken_total", "taken"),
                          ("completed_total", "completed"),
                          ("reaped_total", "reaped"),
                          ("sq_entries", "sq_entries"),
                          ("cq_entries", "cq_entries"),
                          ("pool_bytes", "pool_bytes")):
            check(one(samples, "ringd_ring_" + name, ring=rid,
                      scheme=r["scheme"], kind=r["kind"]) == r[key],
                  "ringd_ring_%s of ring %s != %s" % (name, rid, r[key]))
        states = {l["state"]: v for (l, v) in
                  samples.get("ringd_ring_state", []) if l["ring"] == rid}
        check(states.get(r["state"]) == 1 and sum(states.values()) == 1,
              "ringd_ring_state of ring %s: %s" % (rid, states))
    for fam in ("ringd_ring_submitted", "ringd_ring_taken",
                "ringd_ring_completed", "ringd_ring_reaped"):
        check(types.get(fam) == "counter", fam + " is not a counter")


if __name__ == "__main__":
    main(sys.argv)
    for e in errors:
        print("metrics-check: " + e)
    sys.exit(1 if errors else 0)
