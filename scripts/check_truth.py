#!/usr/bin/env python3
"""Compares weir's CSV output with a generator's per-flow ground truth.

    scripts/check_truth.py OUT.csv TRUTH.flows.tsv [-d b|u]

TRUTH is either `weir gen --truth` output (columns ip_bytes_c2s/ip_bytes_s2c) or
../shared/bench/flowgen's (frame_bytes_c2s/.., ip_bytes = both directions). weir must
have run with timeouts longer than the trace, so that one truth flow is one weir record
(bidirectional) or one record per direction that carried packets (unidirectional).

Checks, per flow: the record exists exactly once, and its packets and IP bytes (and L2
bytes, per direction, where the truth has them) equal the truth's. Prints a summary;
exit status 0 when everything matches, 1 otherwise.
"""
import argparse
import csv
import ipaddress
import sys


def norm(addr):
    return str(ipaddress.ip_address(addr))


def endpoint_key(proto, vlan, a, pa, b, pb):
    """Direction-free key; ICMP flows are keyed by the echo identifier alone."""
    ea, eb = (norm(a), int(pa)), (norm(b), int(pb))
    return (int(proto), int(vlan), min(ea, eb), max(ea, eb))


def load_truth(path):
    flows = {}
    with open(path, newline="") as f:
        rows = csv.DictReader(f, delimiter="\t")
        flowgen = "frame_bytes_c2s" in rows.fieldnames
        for r in rows:
            proto = int(r["proto"])
            icmp = proto in (1, 58)
            cport = int(r["cport"])
            sport = cport if icmp else int(r["sport"])
            client = (norm(r["client"]), cport)
            server = (norm(r["server"]), sport)
            t = {
                "client": client,
                "pkts": (int(r["pkts_c2s"]), int(r["pkts_s2c"])),
            }
            if flowgen:
                t["l2"] = (int(r["frame_bytes_c2s"]), int(r["frame_bytes_s2c"]))
                t["ip_total"] = int(r["ip_bytes"])
            else:
                t["l2"] = (int(r["l2_bytes_c2s"]), int(r["l2_bytes_s2c"]))
                t["ip"] = (int(r["ip_bytes_c2s"]), int(r["ip_bytes_s2c"]))
            key = (proto, int(r["vlan"]), min(client, server), max(client, server))
            if key in flows:
                sys.exit(f"{path}: flow {key} appears twice; the truth must have unique keys")
            flows[key] = t
    return flows


def load_weir(path):
    """(key, src endpoint) -> list of (packets, ip_bytes, l2_bytes) per direction."""
    recs = {}
    with open(path, newline="") as f:
        for r in csv.DictReader(f):
            proto = int(r["proto"])
            if proto in (1, 58):
                ident = int(r["icmp_id"] or 0)
                src, dst = (norm(r["src_addr"]), ident), (norm(r["dst_addr"]), ident)
            else:
                src = (norm(r["src_addr"]), int(r["src_port"]))
                dst = (norm(r["dst_addr"]), int(r["dst_port"]))
            key = (proto, int(r["vlan_id"]), min(src, dst), max(src, dst))
            fwd = (int(r["fwd_packets"]), int(r["fwd_ip_bytes"]), int(r["fwd_l2_bytes"]))
            bwd = (0, 0, 0)  # unidirectional output has no bwd_ columns
            if "bwd_packets" in r:
                bwd = (int(r["bwd_packets"]), int(r["bwd_ip_bytes"]), int(r["bwd_l2_bytes"]))
            recs.setdefault(key, []).append((src, fwd, bwd))
    return recs


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[1])
    ap.add_argument("csv")
    ap.add_argument("truth")
    ap.add_argument("-d", choices=["b", "u"], default="b")
    a = ap.parse_args()
    try:
        truth = load_truth(a.truth)
        weir = load_weir(a.csv)
    except OSError as e:
        sys.exit(f"check_truth: {e.filename}: {e.strerror}")
    except (KeyError, ValueError, TypeError) as e:
        sys.exit(f"check_truth: unexpected file format ({e!r}): want weir's CSV and a flows.tsv")
    bad = []
    expected_records = 0
    for key, t in truth.items():
        got = weir.pop(key, [])
        # Per-direction observed (packets, ip, l2) keyed by sender endpoint.
        seen = {}
        for src, fwd, bwd in got:
            dst = key[3] if src == key[2] else key[2]
            for ep, v in ((src, fwd), (dst, bwd)):
                if v[0]:
                    p = seen.setdefault(ep, [0, 0, 0])
                    p[0] += v[0]
                    p[1] += v[1]
                    p[2] += v[2]
        server = key[3] if t["client"] == key[2] else key[2]
        want_records = 1 if a.d == "b" else sum(1 for n in t["pkts"] if n)
        expected_records += want_records
        obs = [seen.get(t["client"], [0, 0, 0]), seen.get(server, [0, 0, 0])]
        ok = len(got) == want_records
        ok = ok and all(obs[i][0] == t["pkts"][i] and obs[i][2] == t["l2"][i] for i in (0, 1))
        if "ip" in t:
            ok = ok and all(obs[i][1] == t["ip"][i] for i in (0, 1))
        else:
            ok = ok and obs[0][1] + obs[1][1] == t["ip_total"]
        if not ok:
            bad.append((key, t, got))
    extra = sum(len(v) for v in weir.values())
    print(f"truth flows: {len(truth)}  expected records: {expected_records}  "
          f"mismatched: {len(bad)}  records not in truth: {extra}")
    for key, t, got in bad[:10]:
        print(f"  MISMATCH {key}: truth {t}  weir {got}")
    for key in list(weir)[:10]:
        print(f"  EXTRA {key}: {weir[key]}")
    if bad or extra:
        return 1
    print("exact: every flow's packets and bytes match the ground truth")
    return 0


if __name__ == "__main__":
    sys.exit(main())
