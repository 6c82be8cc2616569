#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
# `import weir` (python/): meter() against the weir binary's CSV on real captures,
# to_pandas() types, the GIL released while metering, and pyflowtools' FlowSet / FlowPDU /
# Flow with each of its bugs (../shared/SEEDS.md section 5) fixed.
# Run by meson (suite fast) with PYTHONPATH=build/python, WEIR_BIN and WEIR_CAPTURES_DEFAULT.
import csv
import os
import struct
import subprocess
import sys
import tempfile
import threading
import time
import unittest

import weir

WEIR_BIN = os.environ.get("WEIR_BIN", "")


def captures_dir():
    d = os.environ.get("WEIR_CAPTURES") or os.environ.get("WEIR_CAPTURES_DEFAULT", "")
    return d if d and os.path.isdir(d) else None


def capture(rel):
    d = captures_dir()
    if d is None:
        raise unittest.SkipTest("captures not found: set WEIR_CAPTURES (or put them in ../shared/captures)")
    p = os.path.join(d, rel)
    if not os.path.exists(p):
        raise unittest.SkipTest(p + " is absent")
    return p


def need_bin():
    if not WEIR_BIN or not os.access(WEIR_BIN, os.X_OK):
        raise unittest.SkipTest("WEIR_BIN not set: the weir binary is needed")
    return WEIR_BIN


def weir_csv(path, *args):
    with tempfile.TemporaryDirectory() as d:
        out = os.path.join(d, "out.csv")
        subprocess.run([need_bin(), "-q", "-r", path, "-o", out, *args], check=True)
        with open(out, newline="") as f:
            return list(csv.DictReader(f))


# Real captures of different shapes: HTTP, many TCP/UDP flows, IPv6, VLAN, ICMP.
CAPTURES = ["tcp/http1.pcap", "mixed/netflix.pcap", "tcp/workshop_2011_browse.pcap",
            "ipv6/", "vlan/", "icmp/"]


def some_captures():
    base = captures_dir()
    if base is None:
        raise unittest.SkipTest("captures not found: set WEIR_CAPTURES (or put them in ../shared/captures)")
    out = []
    for rel in CAPTURES:
        p = os.path.join(base, rel)
        if os.path.isdir(p):
            files = sorted(f for f in os.listdir(p) if f.endswith((".pcap", ".pcapng")))
            out += [os.path.join(p, f) for f in files[:2]]
        elif os.path.exists(p):
            out.append(p)
    return out


def v5_pdu(records, seq=100, uptime=3_600_000, secs=1_700_000_000, nsecs=5_000_000,
           engine=(1, 2), count=None):
    """A NetFlow v5 datagram; each record a dict of v5 fields (missing ones 0)."""
    n = len(records) if count is None else count
    head = struct.pack("!HHIIIIBBH", 5, n, uptime, secs, nsecs, seq, engine[0], engine[1], 0)
    body = b""
    for r in records:
        g = lambda k: r.get(k, 0)
        body += struct.pack("!IIIHHIIIIHHBBBBHHBBH", g("srcaddr"), g("dstaddr"), g("nexthop"),
                            g("input"), g("output"), g("dPkts"), g("dOctets"), g("first_raw"),
                            g("last_raw"), g("srcport"), g("dstport"), 0, g("tcp_flags"),
                            g("prot"), g("tos"), g("src_as"), g("dst_as"), g("src_mask"),
                            g("dst_mask"), 0)
    return head + body


def ip(a, b, c, d):
    return a << 24 | b << 16 | c << 8 | d


SAMPLE = [
    dict(srcaddr=ip(10, 0, 0, 1), dstaddr=ip(192, 168, 1, 9), nexthop=ip(10, 0, 0, 254), input=3,
         output=7, dPkts=12, dOctets=3400, first_raw=3_500_000, last_raw=3_590_000, srcport=40000,
         dstport=443, tcp_flags=0x1B, prot=6, tos=0x10, src_as=64500, dst_as=64501, src_mask=24,
         dst_mask=16),
    # The reply of the first flow: ends and interfaces swapped.
    dict(srcaddr=ip(192, 168, 1, 9), dstaddr=ip(10, 0, 0, 1), input=7, output=3, dPkts=10,
         dOctets=9000, first_raw=3_500_100, last_raw=3_590_100, srcport=443, dstport=40000,
         prot=6),
    dict(srcaddr=ip(172, 16, 0, 5), dstaddr=ip(8, 8, 8, 8), dPkts=1, dOctets=76,
         first_raw=3_599_000, last_raw=3_599_000, srcport=5353, dstport=53, prot=17),
]


class MeterTest(unittest.TestCase):
    def test_meter_records_match_the_weir_csv_on_real_captures(self):
        caps = some_captures()
        self.assertGreaterEqual(len(caps), 3)
        for cap in caps:
            for bidir in (True, False):
                with self.subTest(capture=cap, bidirectional=bidir):
                    rows = weir_csv(cap, "-d", "b" if bidir else "u")
                    recs = weir.meter(cap, bidirectional=bidir)
                    self.assertEqual(len(recs), len(rows))
                    self.assertEqual(recs.summary["records"], len(rows))
                    dirs = ("fwd", "bwd") if bidir else ("fwd",)
                    for rec, row in zip(recs, rows):
                        self.assertEqual(rec.flow_id, int(row["flow_id"]))
                        self.assertEqual(rec.src_addr, row["src_addr"])
                        self.assertEqual(rec.dst_port, int(row["dst_port"]))
                        self.assertEqual(rec.end_reason, row["end_reason"])
                        for d in dirs:
                            for f in ("packets", "ip_bytes", "l2_bytes"):
                                self.assertEqual(getattr(rec, d + "_" + f), int(row[d + "_" + f]))
                    if not bidir and len(recs):
                        with self.assertRaises(AttributeError):
                            recs[0].bwd_packets

    def test_options_reach_the_engine(self):
        cap = capture("mixed/netflix.pcap")
        rows = weir_csv(cap, "--idle-timeout", "1", "-w", "2", "tcp")
        recs = weir.meter(cap, idle_timeout=1, workers=2, filter="tcp")
        self.assertEqual([r.flow_id for r in recs], [int(r["flow_id"]) for r in rows])
        self.assertTrue(all(r.proto == 6 for r in recs))
        self.assertGreater(recs.summary["filtered"], 0)

    def test_to_pandas_has_typed_columns_and_every_row(self):
        import numpy as np
        cap = capture("mixed/netflix.pcap")
        recs = weir.meter(cap)
        df = recs.to_pandas()
        self.assertEqual(len(df), len(recs))
        self.assertGreater(len(df), 10)
        header = weir_csv(capture("tcp/http1.pcap"))[0].keys()
        for col in header:  # every CSV column is there
            self.assertIn(col, df.columns)
        self.assertEqual(list(df.columns), recs.columns)
        want = {"flow_id": np.uint64, "fwd_packets": np.uint64, "proto": np.uint8,
                "src_port": np.uint16, "ingress_if": np.uint32, "fwd_ip_len_mean_bytes": np.float64,
                "bwd_iat_stddev_ns": np.float64, "fwd_tcp_flags": np.uint8, "src_addr": object,
                "end_reason": object, "duration_ns": np.uint64}
        for col, t in want.items():
            self.assertEqual(df[col].dtype, np.dtype(t), col)
        self.assertEqual(int(df["fwd_packets"].sum() + df["bwd_packets"].sum()),
                         recs.summary["packets_metered"])
        first = recs[0]
        self.assertEqual(df["src_addr"][0], first.src_addr)
        self.assertEqual(df["duration_ns"][0], first.end_ns - first.start_ns)
        self.assertAlmostEqual(df["fwd_ip_len_mean_bytes"][0], first.fwd_ip_len_mean_bytes)

    def test_records_are_independent_objects(self):
        recs = weir.meter(capture("mixed/netflix.pcap"))
        kept = list(recs)
        self.assertEqual(len({r.flow_id for r in kept}), len(kept))
        self.assertEqual(kept[-1].as_dict()["flow_id"], recs[-1].flow_id)

    def test_gil_is_released_while_metering(self):
        bin_ = need_bin()
        with tempfile.TemporaryDirectory() as d:
            cap = os.path.join(d, "gen.pcap")
            subprocess.run([bin_, "gen", "--profile", "mixed", "-n", "300000", "-o", cap],
                           check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            ticks = []
            stop = threading.Event()

            def spin():
                while not stop.is_set():
                    ticks.append(time.monotonic())
                    time.sleep(0.001)

            t = threading.Thread(target=spin)
            t.start()
            time.sleep(0.05)
            t0 = time.monotonic()
            recs = weir.meter(cap, workers=1)
            t1 = time.monotonic()
            stop.set()
            t.join()
            self.assertGreater(len(recs), 0)
            # Ticks well inside the call: with the GIL held there would be none past the
            # first switch interval (5 ms).
            inside = [x for x in ticks if t0 + 0.05 < x < t1 - 0.01]
            self.assertGreater(t1 - t0, 0.1, "capture too small to show anything")
            self.assertGreater(len(inside), 10, "the Python thread did not run during meter()")

    def test_errors_raise_with_weir_messages(self):
        with self.assertRaises(FileNotFoundError) as e:
            weir.meter("/nonexistent/x.pcap")
        self.assertIn("/nonexistent/x.pcap", str(e.exception))
        cap = capture("tcp/http1.pcap")
        with self.assertRaises(ValueError) as e:
            weir.meter(cap, filter="tcp and and")
        self.assertIn("filter", str(e.exception).lower())
        with self.assertRaises(TypeError):
            weir.meter(cap, idle_timout=5)
        with self.assertRaises(ValueError):
            weir.meter(cap, idle_timeout=-1)
        with self.assertRaises(ValueError):
            weir.meter(cap, workers=1000)
        # The CLI's exit 4 (input malformed): a bad header, and a bad record mid-file.
        for bad in ("malformed/pcap-invalid-version-1.pcap", "malformed/tls_DER-incomplete-header.pcap"):
            with self.assertRaises(ValueError) as e:
                weir.meter(capture(bad))
            self.assertIn("byte ", str(e.exception))


class FlowPDUTest(unittest.TestCase):
    def test_fields_of_a_datagram(self):
        pdu = weir.FlowPDU("10.1.2.3", v5_pdu(SAMPLE))
        self.assertEqual((pdu.version, pdu.count, len(pdu)), (5, 3, 3))
        self.assertEqual((pdu.flow_sequence, pdu.engine_type, pdu.engine_id), (100, 1, 2))
        self.assertEqual(pdu.exporter, "10.1.2.3")
        f = list(pdu)[0]
        s = SAMPLE[0]
        for k, v in s.items():  # addresses as numbers are the *_raw attributes
            k = k + "_raw" if k in ("srcaddr", "dstaddr", "nexthop") else k
            self.assertEqual(getattr(f, k), v, k)
        self.assertEqual(f.srcaddr, "10.0.0.1")
        self.assertEqual(f.dstaddr, "192.168.1.9")
        self.assertEqual(f.nexthop, "10.0.0.254")
        self.assertEqual(f.exaddr, "10.1.2.3")
        self.assertEqual((f.unix_secs, f.unix_nsecs, f.sysUpTime), (1_700_000_000, 5_000_000, 3_600_000))
        # first/last: export time - (sysUpTime - First), ms resolution.
        self.assertAlmostEqual(f.first, 1_700_000_000.005 - 100.0, places=3)
        self.assertAlmostEqual(f.last, 1_700_000_000.005 - 10.0, places=3)

    def test_truncated_or_bad_datagrams_raise_value_error(self):
        good = v5_pdu(SAMPLE)
        for bad in (good[:-1], good[:24 + 48], good[:23], b"",
                    v5_pdu(SAMPLE, count=31) + b"\0" * 48 * 28,
                    struct.pack("!H", 9) + good[2:]):
            with self.assertRaises(ValueError):
                weir.FlowPDU("10.1.2.3", bad)
        with self.assertRaises(ValueError):
            weir.FlowPDU("not-an-ip", good)
        with self.assertRaises(TypeError):
            weir.FlowPDU("10.1.2.3", 5)
        # Any buffer is a payload; an exporter may be given as a number.
        self.assertEqual(len(weir.FlowPDU(ip(10, 1, 2, 3), memoryview(bytearray(good)))), 3)

    def test_each_flow_is_its_own_object(self):
        flows = list(weir.FlowPDU("10.1.2.3", v5_pdu(SAMPLE)))
        self.assertEqual([f.srcaddr for f in flows], ["10.0.0.1", "192.168.1.9", "172.16.0.5"])
        self.assertEqual([f.dPkts for f in flows], [12, 10, 1])

    def test_is_next_uses_sequence_numbers_not_time(self):
        a = weir.FlowPDU("10.1.2.3", v5_pdu(SAMPLE, seq=100))
        self.assertTrue(a.is_next(weir.FlowPDU("10.1.2.3", v5_pdu(SAMPLE[:1], seq=103))))
        # Same time, not the next sequence number; another exporter; another engine.
        self.assertFalse(a.is_next(weir.FlowPDU("10.1.2.3", v5_pdu(SAMPLE, seq=104))))
        self.assertFalse(a.is_next(weir.FlowPDU("10.9.9.9", v5_pdu(SAMPLE, seq=103))))
        self.assertFalse(a.is_next(weir.FlowPDU("10.1.2.3", v5_pdu(SAMPLE, seq=103, engine=(1, 3)))))
        self.assertFalse(a.is_next(a))
        wrap = weir.FlowPDU("10.1.2.3", v5_pdu(SAMPLE, seq=0xFFFFFFFF))
        self.assertTrue(wrap.is_next(weir.FlowPDU("10.1.2.3", v5_pdu(SAMPLE, seq=2))))
        self.assertTrue(a == weir.FlowPDU("10.1.2.3", v5_pdu(SAMPLE, seq=100)))


class GetIDTest(unittest.TestCase):
    def test_get_id_is_deterministic_and_bidir_joins_directions(self):
        fwd, rev, other = list(weir.FlowPDU("10.1.2.3", v5_pdu(SAMPLE)))
        again = list(weir.FlowPDU("10.9.9.9", v5_pdu(SAMPLE, seq=7, secs=1)))[0]
        self.assertEqual(fwd.getID(), again.getID())  # key fields only
        self.assertEqual(fwd.getID(True), again.getID(1))
        self.assertNotEqual(fwd.getID(), rev.getID())
        self.assertEqual(fwd.getID(True), rev.getID(True))
        self.assertNotEqual(fwd.getID(True), other.getID(True))
        self.assertEqual(fwd.getID(), "6 10.0.0.1:40000@3 192.168.1.9:443@7")
        # Another process gives the same IDs (no uninitialised bytes, no hash seed).
        code = ("import weir,sys; sys.stdout.write(repr([ (f.getID(), f.getID(True)) for f in "
                "weir.FlowPDU('10.1.2.3', bytes.fromhex(sys.argv[1]))]))")
        outs = {subprocess.run([sys.executable, "-c", code, v5_pdu(SAMPLE).hex()], check=True,
                               capture_output=True, text=True).stdout for _ in range(2)}
        self.assertEqual(len(outs), 1)
        self.assertEqual(outs.pop(), repr([(f.getID(), f.getID(True)) for f in (fwd, rev, other)]))


class FlowSetTest(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.TemporaryDirectory()
        self.addCleanup(self.dir.cleanup)

    def path(self, name):
        return os.path.join(self.dir.name, name)

    def test_write_then_read_keeps_every_field(self):
        pdu = weir.FlowPDU("10.1.2.3", v5_pdu(SAMPLE))
        p = self.path("a.ft")
        with weir.FlowSet(p, "w", comments="test") as fs:
            fs.write(pdu)
        got = list(weir.FlowSet(p))
        self.assertEqual(len(got), 3)
        attrs = ["srcaddr", "dstaddr", "nexthop", "exaddr", "srcport", "dstport", "prot", "tos",
                 "tcp_flags", "dPkts", "dOctets", "first", "last", "first_raw", "last_raw", "input",
                 "output", "src_as", "dst_as", "src_mask", "dst_mask", "engine_type", "engine_id",
                 "unix_secs", "unix_nsecs", "sysUpTime", "srcaddr_raw", "dstaddr_raw"]
        for a, b in zip(pdu, got):
            for k in attrs:
                self.assertEqual(getattr(a, k), getattr(b, k), k)
            self.assertEqual(a.getID(True), b.getID(True))
        h = weir.FlowSet(p).header
        self.assertEqual((h["export_version"], h["flow_count"], h["comments"]), (5, 3, "test"))
        # pyflowtools' spelling of write mode, and single flows / lists of flows.
        fs = weir.FlowSet(self.path("b.ft"), True)
        fs.write(got[0])
        fs.write(got[1:])
        fs.close()
        import pathlib
        self.assertEqual([f.dPkts for f in weir.FlowSet(pathlib.Path(self.path("b.ft")))], [12, 10, 1])

    def test_rewriting_a_longer_file_leaves_only_the_new_records(self):
        p = self.path("t.ft")
        with weir.FlowSet(p, "w") as fs:
            for seq in range(200):
                fs.write(weir.FlowPDU("10.1.2.3", v5_pdu(SAMPLE * 10, seq=seq)))
        self.assertEqual(sum(1 for _ in weir.FlowSet(p)), 6000)
        with weir.FlowSet(p, "w") as fs:
            fs.write(weir.FlowPDU("10.1.2.3", v5_pdu(SAMPLE[2:])))
        self.assertEqual([f.srcaddr for f in weir.FlowSet(p)], ["172.16.0.5"])

    def test_flows_read_from_a_file_are_independent(self):
        p = self.path("i.ft")
        with weir.FlowSet(p, "w") as fs:
            fs.write(weir.FlowPDU("10.1.2.3", v5_pdu(SAMPLE)))
        flows = list(weir.FlowSet(p))
        self.assertEqual([f.srcport for f in flows], [40000, 443, 5353])
        self.assertEqual(len({f.getID() for f in flows}), 3)

    def test_reads_a_file_written_by_weir_cli(self):
        cap = capture("mixed/netflix.pcap")
        bin_ = need_bin()
        p = self.path("cli.ft")
        r = subprocess.run([bin_, "-q", "-r", cap, "-F", "flowtools", "-o", p], capture_output=True,
                           text=True)
        if r.returncode == 2 and "-F" in r.stderr:
            self.skipTest("this weir's -F does not offer flowtools: " + r.stderr.strip())
        self.assertEqual(r.returncode, 0, r.stderr)
        self.check_flowtools_of(cap, list(weir.FlowSet(p)))

    def test_reads_a_file_written_by_weir_collect(self):
        # weir collect receives the datagram and writes it with its flow-tools sink.
        import re
        import socket
        p = self.path("collect.ft")
        proc = subprocess.Popen([need_bin(), "collect", "-l", "udp://127.0.0.1:0", "-F", "flowtools",
                                 "-o", p, "-c", str(len(SAMPLE))], stderr=subprocess.PIPE, text=True)
        try:
            line = proc.stderr.readline()
            m = re.search(r"udp://127\.0\.0\.1:(\d+)", line)
            self.assertIsNotNone(m, line)
            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
                s.sendto(v5_pdu(SAMPLE), ("127.0.0.1", int(m.group(1))))
            self.assertEqual(proc.wait(timeout=30), 0)
        finally:
            if proc.poll() is None:
                proc.kill()
            proc.stderr.close()
        sent = list(weir.FlowPDU("10.1.2.3", v5_pdu(SAMPLE)))
        got = list(weir.FlowSet(p))
        self.assertEqual(len(got), len(sent))
        for a, b in zip(sent, got):
            for k in ("srcaddr", "dstaddr", "srcport", "dstport", "prot", "tcp_flags", "dPkts",
                      "dOctets", "input", "first", "last"):
                self.assertEqual(getattr(a, k), getattr(b, k), k)
            self.assertEqual(b.getID(), a.getID()[:-1] + "0")  # the output interface is not carried

    def test_meter_records_written_as_flowtools(self):
        cap = capture("mixed/netflix.pcap")
        p = self.path("m.ft")
        with weir.FlowSet(p, "w") as fs:
            fs.write(weir.meter(cap))
        self.check_flowtools_of(cap, list(weir.FlowSet(p)))

    def check_flowtools_of(self, cap, flows):
        recs = [r for r in weir.meter(cap) if r.ip_version == 4]
        # One v5 record per direction with packets.
        want = sum((r.fwd_packets > 0) + (r.bwd_packets > 0) for r in recs)
        self.assertEqual(len(flows), want)
        self.assertEqual(sum(f.dPkts for f in flows), sum(r.fwd_packets + r.bwd_packets for r in recs))
        self.assertEqual(sum(f.dOctets for f in flows), sum(r.fwd_ip_bytes + r.bwd_ip_bytes for r in recs))
        r0 = recs[0]
        f0 = flows[0]
        self.assertEqual((f0.srcaddr, f0.dstaddr, f0.prot), (r0.src_addr, r0.dst_addr, r0.proto))
        self.assertAlmostEqual(f0.first, r0.fwd_first_ns // 1_000_000 / 1e3, places=3)

    def test_errors_raise(self):
        with self.assertRaises(FileNotFoundError):
            weir.FlowSet(self.path("missing.ft"))
        junk = self.path("junk.ft")
        with open(junk, "wb") as f:
            f.write(b"\xcf\x10\x01\x03" + b"\xff" * 60)
        with self.assertRaises(ValueError):
            list(weir.FlowSet(junk))
        with self.assertRaises(ValueError):
            weir.FlowSet(junk, "a")
        p = self.path("w.ft")
        fs = weir.FlowSet(p, "w")
        with self.assertRaises(ValueError):
            next(iter(fs))
        fs.close()
        with self.assertRaises(ValueError):
            fs.write(weir.FlowPDU("10.1.2.3", v5_pdu(SAMPLE)))
        with self.assertRaises(OSError):
            weir.FlowSet(self.path("no/such/dir.ft"), "w")


if __name__ == "__main__":
    unittest.main(verbosity=2)
