#!/usr/bin/python3
# Convert the ValiMail ARC validation suite (YAML, in ../shared/testdata/arc)
# into a temporary directory a C test can read without a YAML parser:
#   OUT/cases.tsv   scenario-test-name <TAB> expected cv <TAB> file
#   OUT/NNN.eml     each test message, as in the suite
#   OUT/dns.zone    the scenarios' txt_records as a master file
# Usage: suite2dir.py SUITE.yml OUT
import os
import sys

import yaml


def zone_txt(value):

    parts = [value[i:i + 250] for i in range(0, len(value), 250)] or [""]
    return " ".join('"%s"' % p.replace("\\", "\\\\").replace('"', '\\"')
                    for p in parts)


def main():
    src, out = sys.argv[1], sys.argv[2]
    os.makedirs(out, exist_ok=True)
    records = {}
    n = 0
    with open(src, encoding="utf-8") as f, \
            open(os.path.join(out, "cases.tsv"), "w") as cases:
        for doc in yaml.safe_load_all(f):
            if not doc:
                continue
            for name, v in (doc.get("txt-records") or doc.get("txt_records") or {}).items():
                records[name.lower()] = v
            for tname, t in (doc.get("tests") or {}).items():
                n += 1
                fn = "%03d.eml" % n
                with open(os.path.join(out, fn), "w",
                          encoding="utf-8", newline="") as m:
                    m.write(t["message"])
                cv = t.get("cv")
                cv = "" if cv is None or cv == "None" else str(cv)
                cases.write("%s\t%s\t%s\n" % (tname, cv.lower(), fn))
    with open(os.path.join(out, "dns.zone"), "w") as z:
        z.write("$TTL 300\n")
        for name, v in sorted(records.items()):
            z.write("%s. IN TXT %s\n" % (name, zone_txt(str(v).strip())))


main()
