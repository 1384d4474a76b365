"""Generated data the benchmark sections share (run.py, scales.py, users.py import it; it imports none of them)."""

from __future__ import annotations

import numpy as np

Q = 5  # categories of the nominal benchmark data


def nominal_ratings(n: int, r: int, q: int = Q, missing: float = 0.1, agree: float = 0.7, seed: int = 0,
                    chunk: int = 100_000) -> np.ndarray:
    """units x coders codes 1..q (float, NaN = missing): a true category per unit, each coder keeps it with
    probability ``agree`` and otherwise picks a category at random. Generated in chunks of units, so the
    generator itself needs little memory beyond the 8 n r bytes of the result."""
    rng = np.random.default_rng(seed)
    x = np.empty((n, r))
    for s in range(0, n, chunk):
        m = min(chunk, n - s)
        truth = rng.integers(1, q + 1, m)
        block = np.where(rng.random((m, r)) < agree, truth[:, None], rng.integers(1, q + 1, (m, r))).astype(float)
        if missing:
            block[rng.random((m, r)) < missing] = np.nan
        x[s:s + m] = block
    return x


VIDEO_CODES = ("protest", "despair", "whimper")


def true_episodes(rng: np.random.Generator, length: float, gap: float, duration: float
                  ) -> list[tuple[float, float, int]]:
    """The common segmentation of one video of ``length`` seconds that coders copy with jitter: (start, end,
    code index) of episodes separated by 1 to ``gap`` seconds and lasting 2 to ``duration`` seconds."""
    t, truth = 0.0, []
    while True:
        t += rng.uniform(1, gap)
        d = rng.uniform(2, duration)
        if t + d > length:
            return truth
        truth.append((t, t + d, int(rng.integers(3))))
        t += d


def many_coders_episodes(coders: int, videos: int = 5, minutes: int = 10, seed: int = 2
                         ) -> list[tuple[str, str, int, int, int]]:
    """Episodes of ``coders`` coders on ``videos`` videos of ``minutes``: each coder a jittered copy of one
    common segmentation (onsets +- 0.5 s, 10% omissions, 10% other code). Rows (video, coder, start ms, end ms,
    code index into VIDEO_CODES); ~22 episodes per coder and video at 10 min; an onset jittered into the coder's
    previous episode starts at its end."""
    rng = np.random.default_rng(seed)
    rows = []
    for v in range(videos):
        truth = true_episodes(rng, minutes * 60, 30, 20)
        for c in range(coders):
            prev_end = 0
            for s, e, k in truth:
                if rng.random() < 0.1:
                    continue
                s2 = max(prev_end, int(s * 1000 + rng.normal(0, 500)))  # a coder's episodes do not overlap
                code = k if rng.random() < 0.9 else int(rng.integers(3))
                rows.append((f"v{v}", f"c{c:03d}", s2, int(e * 1000), code))
                prev_end = int(e * 1000)
    return rows


def many_coders_files(folder, coders: int, videos: int = 5, minutes: int = 10, seed: int = 2):
    """:func:`many_coders_episodes` as a lab would give them to ``irrkit video``: one CSV (video, coder, start,
    end, code; seconds) and a codebook with the one episode item (step 1 s, tolerance 2 s). Returns both paths."""
    from pathlib import Path

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    data, codebook = folder / "episodes.csv", folder / "codebook.yaml"
    lines = ["video,coder,start,end,code"] + [f"{v},{c},{s / 1000:.3f},{e / 1000:.3f},{VIDEO_CODES[k]}"
                                              for v, c, s, e, k in many_coders_episodes(coders, videos, minutes, seed)]
    data.write_text("\n".join(lines) + "\n", encoding="utf-8")
    cats = "\n".join(f"      - {{code: {k}}}" for k in VIDEO_CODES)
    codebook.write_text(f"id: many-coders\nitems:\n  - id: cry\n    kind: episodes\n    categories:\n{cats}\n"
                        "    overlap: false\n    step: 1\n    tolerance: 2\n    match: onset\n", encoding="utf-8")
    return data, codebook
