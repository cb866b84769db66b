#!/usr/bin/env python3
"""Time commands in turn, round after round, and report each one's median
ratio to the first (the floor) over the rounds.

    bench/interleave.py OUT.json ROUNDS [--prepare CMD] NAME CMD [NAME CMD ...]

hyperfine runs all of one command's runs before the next command's, so on a
shared machine a slow stretch lands on one column. Here every round runs
each command once (after PREPARE, untimed, as hyperfine's --prepare), in an
order that rotates from round to round, after one warm-up round, and the ratio is taken within the
round: a slow stretch slows both sides of it.

Commands run through /bin/sh, as under hyperfine; the shell's own start
(`sh -c :`, timed once a round, the median of those) is taken off every
time.
"""

import json
import statistics
import subprocess
import sys
import time


def timed(cmd):
    start = time.perf_counter()
    subprocess.run(["/bin/sh", "-c", cmd], check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - start


def main():
    args = sys.argv[1:]
    if len(args) < 4:
        sys.exit(__doc__)
    out, rounds, args = args[0], int(args[1]), args[2:]
    prepare = None
    if args[0] == "--prepare":
        prepare, args = args[1], args[2:]
    if len(args) < 4 or len(args) % 2:
        sys.exit(__doc__)
    names, cmds = args[0::2], args[1::2]

    raw = {name: [] for name in names}
    shell = []
    # Round -1 warms the caches and is not kept.
    for round_ in range(-1, rounds):
        if round_ >= 0:
            shell.append(timed(":"))
        for k in range(len(names)):
            i = (round_ + k) % len(names)
            if prepare:
                subprocess.run(["/bin/sh", "-c", prepare], check=True, stdout=subprocess.DEVNULL)
            elapsed = timed(cmds[i])
            if round_ >= 0:
                raw[names[i]].append(elapsed)
    start = statistics.median(shell)
    # A command is never faster than the shell that starts it; the floor
    # of a microsecond keeps a freak round from dividing by zero.
    times = {name: [max(t - start, 1e-6) for t in ts] for name, ts in raw.items()}

    floor = times[names[0]]
    result = {
        "rounds": rounds,
        "median": {name: statistics.median(t) for name, t in times.items()},
        "ratio": {name: statistics.median(a / b for a, b in zip(t, floor)) for name, t in times.items()},
        "times": times,
    }
    with open(out, "w") as f:
        json.dump(result, f, indent=1)
    for name in names:
        print(f"{name}: median {result['median'][name]:.4f} s, {result['ratio'][name]:.2f}x of {names[0]}", file=sys.stderr)


if __name__ == "__main__":
    main()
