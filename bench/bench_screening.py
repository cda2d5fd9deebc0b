"""Benchmark: risk screening time per message.

    /tmp/probe/bin/python bench/bench_screening.py [--repeat 200]

Loads the real patterns (content/screening/*.toml, all four languages, run on every
message) and times Screener.screen() with time.perf_counter:
  - every line of tests/data/screening/tuning.jsonl (realistic phone-chat messages);
  - adversarial 4096-character messages (Telegram's longest), built to provoke
    backtracking: repeated trigger words, one long word, "not " * 1000 + "die", ...
Each message is screened `repeat` times; the figures are the mean over all calls and the
worst message's mean. Then the honest worst case: many *different* 4096-character
messages, each packed with hard negatives from every labelled set (every sentence an
idiom, a negation or another near miss), each timed the first time it is screened, as a
real message would be (RE2 builds its automata as it reads, so a repeated text is
cheaper than a new one). Target: well under 1 ms (1000 µs) per message, worst case
included.
"""

from __future__ import annotations

import argparse
import json
import platform
import random
import resource
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from flows.screening import Screener  # noqa: E402

ADVERSARIAL = {
    '"kill " * 819': "kill " * 819,
    '"a" * 4096': "a" * 4096,
    '"not " * 1000 + "die"': "not " * 1000 + "die",
    '"i " * 2048': "i " * 2048,
    '"my husband " * 372': "my husband " * 372,
    '"i want to " * 409': "i want to " * 409,
    '"im not " * 585': "im not " * 585,
    '"tonight " * 512': "tonight " * 512,
    '"x" * 4000 + " i want to die"': "x" * 4000 + " i want to die",
    '"é" * 4096': "é" * 4096,
    'mixed prose': ("I feel anxious about work and my boss, ich bin müde, je suis fatiguée, "
                    "estoy cansada. ") * 60,
    '"ich bin " * 512': "ich bin " * 512,
    '"me " * 1365': "me " * 1365,
    '"😭" * 2048': "😭" * 2048,
}


def time_one(screener: Screener, text: str, repeat: int) -> float:
    """Mean microseconds per screen() call for this text."""
    start = time.perf_counter()
    for _ in range(repeat):
        screener.screen(text)
    return (time.perf_counter() - start) / repeat * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=200)
    args = parser.parse_args()
    t0 = time.perf_counter()
    screener = Screener.load(ROOT / "content" / "screening")
    load_ms = (time.perf_counter() - t0) * 1e3
    rows = [json.loads(l) for l in (ROOT / "tests/data/screening/tuning.jsonl").read_text(encoding="utf-8").splitlines() if l.strip()]
    texts = [r["text"] for r in rows]
    negatives = [r["text"] for r in rows if not r["kinds"]]
    ADVERSARIAL["varied chat, sentences"] = ". ".join(negatives)[:4096]
    ADVERSARIAL["varied chat, no punctuation"] = " ".join(negatives)[:4096]
    for text in texts[:20]:
        screener.screen(text)  # warm up
    print(f"risk screening, Python {platform.python_version()}, {platform.machine()}; "
          f"load + compile {load_ms:.1f} ms; {args.repeat} repetitions per message")
    per_text = [time_one(screener, t, args.repeat) for t in texts]
    worst = max(range(len(texts)), key=per_text.__getitem__)
    print(f"tuning set ({len(texts)} messages, mean {statistics.mean(len(t) for t in texts):.0f} chars): "
          f"mean {statistics.mean(per_text):.1f} µs, median {statistics.median(per_text):.1f} µs, "
          f"worst {per_text[worst]:.1f} µs ({len(texts[worst])} chars)")
    print("adversarial messages (4096 characters at most):")
    results = []
    for name, text in ADVERSARIAL.items():
        text = text[:4096]
        us = time_one(screener, text, max(10, args.repeat // 4))
        results.append(us)
        print(f"  {name:32s} {len(text):5d} chars  {us:8.1f} µs")
    print(f"adversarial: mean {statistics.mean(results):.1f} µs, worst {max(results):.1f} µs "
          f"(target: under 1000 µs)")
    dense_new_messages(screener)


def dense_new_messages(screener: Screener, warm: int = 20, timed: int = 100) -> None:
    """First-time cost of new 4096-character messages made only of hard negatives."""
    negatives = []
    for path in sorted((ROOT / "tests/data/screening").glob("tuning*")):
        for file in sorted(path.glob("*.jsonl")) if path.is_dir() else [path]:
            negatives += [json.loads(l)["text"] for l in file.read_text(encoding="utf-8").splitlines()
                          if l.strip() and not json.loads(l)["kinds"]]
    rng = random.Random(7)
    texts = []
    for _ in range(warm + timed):
        rng.shuffle(negatives)
        texts.append(". ".join(negatives)[:4096])
    for text in texts[:warm]:
        screener.screen(text)
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    times = []
    for text in texts[warm:]:
        start = time.perf_counter()
        screener.screen(text)
        times.append((time.perf_counter() - start) * 1e6)
    times.sort()
    grown = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - rss) / 1024
    print(f"{timed} new dense messages of {len(negatives)} hard negatives, 4096 chars each, first screening "
          f"(after {warm} others): median {times[timed // 2]:.0f} µs, p90 {times[timed * 9 // 10]:.0f} µs, "
          f"worst {times[-1]:.0f} µs; peak memory grew {grown:.0f} MB")


if __name__ == "__main__":
    main()
