"""Generate the video demo (cli/demo/): three synthetic psychotherapy videos coded by three coders with the
crying-episodes codebook: anna and ben in ELAN (.eaf, one file per coder and video, a tier per item), cleo in
one BORIS tabular-events export; plus a gold segmentation (plain CSV) for ``irrkit video --gold``.

Each coder's episodes are a jittered copy of one "true" segmentation (onsets/offsets moved by a few tenths of a
second, now and then an episode missed or given another code), so the statistics come out in a realistic
range. Fixed seed: the files are reproducible. Run: ``python tools/make_video_demo.py``.
"""

from __future__ import annotations

import random
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

OUT = Path(__file__).resolve().parent.parent / "cli" / "demo"
VIDEOS = {"session01": 420.0, "session02": 360.0, "session03": 480.0}
CODES = {"crying": ["protest", "sad", "helpless", "relief", "moved"],
         "intervention": ["exploring_emotions", "contextualizing", "support", "pause"]}


def truth(rnd: random.Random, length: float, codes: list[str], gap: tuple[float, float], dur: tuple[float, float]):
    t, out = 0.0, []
    while True:
        t += rnd.uniform(*gap)
        d = rnd.uniform(*dur)
        if t + d > length - 2:
            return out
        out.append((round(t, 1), round(t + d, 1), rnd.choice(codes)))
        t += d


def jitter(rnd: random.Random, eps, codes: list[str], sd: float, miss: float, recode: float):
    out, prev = [], 0.0
    for s, e, c in eps:
        if rnd.random() < miss:
            continue
        s2 = max(prev, round(s + rnd.gauss(0, sd), 1))
        e2 = round(e + rnd.gauss(0, sd), 1)
        if e2 <= s2 + 0.2:
            continue
        out.append((s2, e2, rnd.choice(codes) if rnd.random() < recode else c))
        prev = e2
    return out


def eaf(video: str, coder: str, tiers: dict[str, list]) -> str:
    slots, anns, n = [], {}, 0
    for item, eps in tiers.items():
        anns[item] = []
        for s, e, c in eps:
            a, b = f"ts{n + 1}", f"ts{n + 2}"
            slots += [(a, int(round(s * 1000))), (b, int(round(e * 1000)))]
            anns[item].append((f"a{n // 2 + 1}", a, b, c))
            n += 2
    lines = ['<?xml version="1.0" encoding="UTF-8"?>',
             '<ANNOTATION_DOCUMENT AUTHOR=' + quoteattr(coder) + ' DATE="2026-11-30T10:00:00+01:00" FORMAT="3.0" '
             'VERSION="3.0">',
             '    <HEADER MEDIA_FILE="" TIME_UNITS="milliseconds">',
             f'        <MEDIA_DESCRIPTOR MEDIA_URL="file:///videos/{video}.mp4" MIME_TYPE="video/mp4"/>',
             '    </HEADER>', '    <TIME_ORDER>']
    lines += [f'        <TIME_SLOT TIME_SLOT_ID="{sid}" TIME_VALUE="{ms}"/>' for sid, ms in slots]
    lines.append('    </TIME_ORDER>')
    for item, rows in anns.items():
        lines.append(f'    <TIER LINGUISTIC_TYPE_REF="default-lt" TIER_ID="{item}" ANNOTATOR={quoteattr(coder)}>')
        for aid, a, b, c in rows:
            lines += ['        <ANNOTATION>',
                      f'            <ALIGNABLE_ANNOTATION ANNOTATION_ID="{aid}" TIME_SLOT_REF1="{a}" '
                      f'TIME_SLOT_REF2="{b}">',
                      f'                <ANNOTATION_VALUE>{escape(c)}</ANNOTATION_VALUE>',
                      '            </ALIGNABLE_ANNOTATION>', '        </ANNOTATION>']
        lines.append('    </TIER>')
    lines += ['    <LINGUISTIC_TYPE GRAPHIC_REFERENCES="false" LINGUISTIC_TYPE_ID="default-lt" TIME_ALIGNABLE="true"/>',
              '</ANNOTATION_DOCUMENT>', '']
    return "\n".join(lines)


def main() -> None:
    rnd = random.Random(20261130)
    true = {v: {"crying": truth(rnd, L, CODES["crying"], (8, 45), (3, 25)),
                "intervention": truth(rnd, L, CODES["intervention"], (5, 30), (2, 12))} for v, L in VIDEOS.items()}
    style = {"anna": (0.4, 0.03, 0.08), "ben": (0.7, 0.06, 0.12), "cleo": (1.0, 0.08, 0.18)}
    boris = ["Observation id,Observation date,Media file name,Total length,FPS,Subject,Behavior,"
             "Behavioral category,Modifiers,Behavior type,Time,Status"]
    gold = ["video,coder,start,end,code"]
    for video, items in true.items():
        for s, e, c in items["crying"]:
            gold.append(f"{video},gold,{s:.1f},{e:.1f},{c}")
        for coder, (sd, miss, recode) in style.items():
            coded = {item: jitter(rnd, eps, CODES[item], sd, miss, recode) for item, eps in items.items()}
            if coder == "cleo":
                rows = []
                for item, eps in coded.items():
                    for s, e, c in eps:
                        for t, status in ((s, "START"), (e, "STOP")):
                            rows.append((t, f"{video}_cleo,2026-11-30 10:00:00,{video}.mp4,{VIDEOS[video]:.3f},"
                                            f"25,patient,{c},{item},,STATE,{t:.3f},{status}"))
                boris += [r for _, r in sorted(rows, key=lambda x: x[0])]
            else:
                (OUT / f"video_{video}_{coder}.eaf").write_text(eaf(video, coder, coded), encoding="utf-8")
    (OUT / "video_boris_cleo.csv").write_text("\n".join(boris) + "\n", encoding="utf-8")
    (OUT / "video_gold.csv").write_text("\n".join(gold) + "\n", encoding="utf-8")
    # two trainees against the gold segmentation (crying only)
    for name, (sd, miss, recode) in {"dana": (0.6, 0.05, 0.1), "emil": (1.5, 0.15, 0.3)}.items():
        lines = ["video,coder,start,end,code"]
        for video, items in true.items():
            for s, e, c in jitter(rnd, items["crying"], CODES["crying"], sd, miss, recode):
                lines.append(f"{video},{name},{s:.1f},{e:.1f},{c}")
        (OUT / f"video_trainee_{name}.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
