"""The /progress chart: mood over the last days, and questionnaire scores with their bands.

Plain data in, PNG bytes out, drawn by matplotlib on a Figure of its own (no pyplot: no
global state shared between threads, no display). It is slow for an event loop (a tenth of
a second or so), so the adapters call it in a worker thread (`Document.make`). matplotlib is
imported on the first chart, not at start-up: it is 30 MB that a process sending reminders
never needs. Words on the chart are passed in: they live in content/.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from datetime import date


BAND_SHADES = ("#eef6ee", "#f7f3e6", "#f9eadf", "#f6e1dc", "#f2d9d9")


@dataclass(frozen=True)
class Scores:
    """One questionnaire's results: (day, total), its top score and its bands (low, high, name)."""

    name: str
    top: int
    bands: list[tuple[int, int, str]]
    results: list[tuple[date, int]]


@dataclass(frozen=True)
class ChartData:
    start: date
    end: date
    moods: list[tuple[date, int]]  # every mood logged: (their local day, 0-10)
    practice_days: set[date] = field(default_factory=set)
    scores: list[Scores] = field(default_factory=list)
    labels: dict[str, str] = field(default_factory=dict)  # title, mood, daily_mean, practice, score


def draw(data: ChartData) -> bytes:
    from matplotlib.figure import Figure

    rows = 1 + len(data.scores)
    figure = Figure(figsize=(8, 3.2 * rows), dpi=100)
    axes = figure.subplots(rows, 1, squeeze=False)
    _moods(axes[0][0], data)
    for axis, scores in zip((row[0] for row in axes[1:]), data.scores):
        _scores(axis, scores, data)
    figure.tight_layout()
    out = io.BytesIO()
    figure.savefig(out, format="png")
    return out.getvalue()


def _day_month():
    from matplotlib.dates import DateFormatter

    return DateFormatter("%d %b")


def _moods(axis, data: ChartData) -> None:
    labels = data.labels
    days = sorted({day for day, _ in data.moods})
    means = [sum(s for d, s in data.moods if d == day) / sum(1 for d, _ in data.moods if d == day) for day in days]
    axis.scatter([d for d, _ in data.moods], [s for _, s in data.moods], s=18, color="#7a9cc6", label=labels.get("mood"))
    if days:
        axis.plot(days, means, color="#2f5d8a", linewidth=2, label=labels.get("daily_mean"))
    practised = sorted(day for day in data.practice_days if data.start <= day <= data.end)
    if practised:
        axis.scatter(practised, [-0.6] * len(practised), marker="^", s=30, color="#5a9a5a", label=labels.get("practice"))
    axis.set_ylim(-1, 10.5)
    axis.set_xlim(data.start, data.end)
    axis.set_title(labels.get("title", ""))
    axis.xaxis.set_major_formatter(_day_month())
    axis.grid(axis="y", alpha=0.3)
    axis.legend(loc="upper left", fontsize=8, frameon=False)


def _scores(axis, scores: Scores, data: ChartData) -> None:
    for (low, high, name), shade in zip(scores.bands, BAND_SHADES):
        axis.axhspan(low - 0.5, high + 0.5, color=shade, zorder=0)
        axis.text(data.end, (low + high) / 2, f" {name}", va="center", fontsize=7, color="#777777")
    axis.plot([d for d, _ in scores.results], [t for _, t in scores.results], marker="o", color="#8a3f2f")
    axis.set_ylim(-0.5, scores.top + 0.5)
    axis.set_xlim(data.start, data.end)
    axis.set_title(f"{scores.name}{data.labels.get('score', '')}", fontsize=10)
    axis.xaxis.set_major_formatter(_day_month())
