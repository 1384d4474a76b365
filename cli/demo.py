"""Bundled demo data: a synthetic training round (46 crying sequences, 3 coders) for both codebooks, and the
interventions of the same episodes as sets of codes (codebook intervention-sets)."""

from __future__ import annotations

from pathlib import Path

DEMO_DIR = Path(__file__).parent / "demo"

# The demo's further stories, run after check and video: modules under irrkit.cli, each with NAME (its key in
# `demo -f json`'s "runs" and the folder under --out) and run(out: Path | None, fmt: Format, report: bool = False)
# -> None, which prints its part in fmt (one JSON document for json) and, with ``report`` (demo --out DIR --report),
# writes its HTML report as out/report.html where it has one. Imported only when the demo runs.
STORIES: tuple[str, ...] = (
    "demo_compare",  # a second training round compared with the first (issue 24)
    "demo_sets",  # a multi-code (set-valued) item (issue 24)
    "demo_model",  # a model's three runs as an alternative annotator (issue 24)
    "demo_continuous",  # a duration item: CCC and Bland-Altman limits (issue 24)
    "demo_checklist",  # the GRRAS reporting checklist of the interventions round (issue 24)
)


def demo_files(codebook: str) -> list[Path]:
    """The coder files of the demo round for a bundled codebook ('crying-forms' or 'interventions')."""
    return sorted(DEMO_DIR.glob(f"{codebook}_coder_*.csv"))


def demo_training(codebook: str = "crying-forms") -> tuple[Path, list[Path]]:
    """Gold file and trainee files of the demo training round."""
    return DEMO_DIR / f"{codebook}_gold.csv", sorted(DEMO_DIR.glob(f"{codebook}_trainee_*.csv"))


def demo_video() -> list[Path]:
    """The time-coded demo: ELAN files of anna and ben (one per video), cleo's BORIS export."""
    return [*sorted(DEMO_DIR.glob("video_session*.eaf")), DEMO_DIR / "video_boris_cleo.csv"]


def demo_video_training() -> tuple[Path, list[Path]]:
    """Gold segmentation and trainee files of the time-coded demo."""
    return DEMO_DIR / "video_gold.csv", sorted(DEMO_DIR.glob("video_trainee_*.csv"))
