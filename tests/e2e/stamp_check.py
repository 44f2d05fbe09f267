#!/usr/bin/env python3
"""stamp_check.py STAMPS COUNTER PAGES STRIDE PAGE_SIZE

Is a page_stamper snapshot one instant?  STAMPS holds the stamped mapping
as captured, COUNTER the 8-byte step counter.  Every page must hold the
largest step s <= C (the counter) that stamps it; the page of step C itself
may still hold the step before (the writer stops between its two stores).
Prints the first few pages that disagree and exits 1 if any does.
"""
import struct
import sys


def main():
    stamps_path, counter_path, pages, stride, ps = sys.argv[1:6]
    pages, stride, ps = int(pages), int(stride), int(ps)
    data = open(stamps_path, "rb").read()
    c = struct.unpack("<Q", open(counter_path, "rb").read(8))[0]
    if len(data) != pages * ps:
        sys.exit("stamps: %d bytes, want %d" % (len(data), pages * ps))
    inv = pow(stride, -1, pages)
    last_page = (c * stride) % pages
    bad = []
    for j in range(pages):
        got = struct.unpack_from("<Q", data, j * ps)[0]
        k = (j * inv) % pages        # steps k, k+N, k+2N, ... stamp page j
        if k == 0:
            k = pages
        want = 0 if c < k else c - (c - k) % pages
        ok = got == want
        if not ok and j == last_page:
            ok = got == (want - pages if want > pages else 0)
        if not ok:
            bad.append((j, got, want))
    print("counter %d, %d pages, %d disagree" % (c, pages, len(bad)))
    for j, got, want in bad[:5]:
        print("  page %d holds step %d, the instant of step %d wants %d"
              % (j, got, c, want))
    sys.exit(1 if bad else 0)


main()
