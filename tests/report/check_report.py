#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""Independent checks of weir report's files for the report tests (Debian's Python).

  check_report.py schema FILE   the JSON key paths, one per line, sorted (arrays as [])
  check_report.py svg FILE...   each SVG parsed as XML: 'NAME WIDTHxHEIGHT polylines=N rects=N texts=N'
"""
import json
import os
import sys
import xml.etree.ElementTree as ET

NS = "{http://www.w3.org/2000/svg}"


def paths(obj, prefix, out):
    if isinstance(obj, dict):
        for k, v in obj.items():
            out.add(prefix + "." + k)
            paths(v, prefix + "." + k, out)
    elif isinstance(obj, list):
        for v in obj:
            paths(v, prefix + "[]", out)


def main(argv):
    if len(argv) >= 3 and argv[1] == "schema":
        with open(argv[2]) as f:
            doc = json.load(f)
        out = set()
        paths(doc, "", out)
        print("\n".join(sorted(out)))
        return 0
    if len(argv) >= 3 and argv[1] == "svg":
        for name in argv[2:]:
            root = ET.parse(name).getroot()
            if root.tag != NS + "svg":
                print(f"{name}: root is {root.tag}, not svg")
                return 1
            count = lambda tag: len(root.findall(".//" + NS + tag))
            print(f"{os.path.basename(name)} {root.get('width')}x{root.get('height')} "
                  f"polylines={count('polyline')} rects={count('rect')} texts={count('text')}")
        return 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
