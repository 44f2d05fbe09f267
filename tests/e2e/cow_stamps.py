#!/usr/bin/env python3
# cow_stamps.py COUNTER_FILE PAGE_SIZE REGION_FILE... - is a cow_victim
# snapshot one instant?  Every page of the regions, taken in the order
# given (the writer's order), starts with the generation that was stamped
# in it; the rest of the page is 0xa5.  One instant with counter g holds a
# run of g then a run of g - 1.  Exit 0 if so; else 1 with the first page
# that says otherwise (a fork child's view of a shared region shows later
# generations, of a DONTFORK region nothing, of a WIPEONFORK region zeros).
import struct
import sys


def main():
    counter = struct.unpack("<Q", open(sys.argv[1], "rb").read(8))[0]
    ps = int(sys.argv[2])
    prev = counter
    for path in sys.argv[3:]:
        data = open(path, "rb").read()
        for i in range(len(data) // ps):
            pg = data[i * ps:(i + 1) * ps]
            g = struct.unpack("<Q", pg[:8])[0]
            if pg[8:] != b"\xa5" * (ps - 8):
                print("%s page %d: not the victim's fill (stamp %d)" % (path, i, g))
                return 1
            if g not in (counter, counter - 1) or g > prev:
                print("%s page %d: generation %d after %d, counter %d"
                      % (path, i, g, prev, counter))
                return 1
            prev = g
    print("one instant: counter %d" % counter)
    return 0


sys.exit(main())
