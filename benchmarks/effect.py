"""The permutation loop of `tracker campaign effect`: 10,000 re-draws of the arms over
5,000 bureaux, in process (the estimate, its p-value and its interval by test inversion).

    python benchmarks/effect.py [--bureaux 5000] [--permutations 10000]

Prints the time of the estimate in ms; benchmarks/run.py times this whole script (with
Python's and numpy's start-up) as the row "campaign effect".
"""

from __future__ import annotations

import argparse
import random
import sys
import time

from tracker.campaign.effect import Unit, estimate


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--bureaux", type=int, default=5000)
    parser.add_argument("--permutations", type=int, default=10000)
    args = parser.parse_args(argv)
    rng = random.Random(1)
    units = []
    for n in range(args.bureaux):
        before = rng.uniform(0.45, 0.8)
        treated = n % 2 == 0
        units.append(Unit(f"{n:05d}_0001", "93", treated, rng.randint(600, 1500), before,
                          before - 0.03 + rng.gauss(0, 0.02) + (0.01 if treated else 0)))
    started = time.perf_counter()
    found = estimate(units, args.permutations, seed=1)
    took = (time.perf_counter() - started) * 1000
    print(f"{args.permutations} re-draws over {args.bureaux} bureaux: {took:.0f} ms "
          f"(effect {found['effect']:+.4f}, p {found['p_value']:.4f})")


if __name__ == "__main__":
    main(sys.argv[1:])
