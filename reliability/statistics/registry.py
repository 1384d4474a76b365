"""The one registry of statistics: every key irrkit computes, what it is called and what it applies to.

Each output (terminal, CSV and Markdown, HTML, figures, manuscript, CI reports, handouts, video tables) names a
statistic through :func:`name` or :func:`symbol`; the codebook, the gate parser and the analysis ask
:func:`applies`, :func:`gateable` and :func:`scale`. Keys stay keys in JSON and in CSV key columns; people read
names. No numpy, nothing heavy imported: ``irrkit --help`` loads this cheaply.

Weights: a statistic that takes weights (``weighted``) is named with them when they are not identity:
"Fleiss' kappa (quadratic weights)". Gwet's coefficient is AC1 without weights (``gwet_ac1``) and AC2 with
them (``gwet_ac2``), two keys: AC1 applies to identity weights only, AC2 to the others only.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from irrkit.statistics.sources import IN_TEXT, REFERENCES, SCALE_SOURCE

LEVELS = ("nominal", "ordinal", "interval", "ratio")
SCALE_LEVELS = ("ordinal", "interval", "ratio")
CONTINUOUS_LEVELS = ("interval", "ratio")  # items whose values are measures: CCC and limits of agreement
EPISODES = "episodes"  # the "level" of a time-coded item
SETS = "sets"  # the "level" of a nominal item whose value is a set of codes (codebook ``multiple: true``)
DEFAULT_WEIGHTS = {"nominal": "identity", "ordinal": "quadratic", "interval": "quadratic", "ratio": "ratio"}
UNWEIGHTED = (None, "", "identity", "none")
WEIGHTS_DE = {"quadratic": "quadratische Gewichte", "linear": "lineare Gewichte", "ordinal": "ordinale Gewichte",
              "radical": "Wurzelgewichte", "ratio": "Verhältnisgewichte", "circular": "zirkuläre Gewichte",
              "bipolar": "bipolare Gewichte", "custom": "eigene Gewichte"}
FAMILIES = ("chance-corrected", "icc", "agreement", "difference", "concordance", "time-coded", "unitizing", "event",
            "comparison")
# the benchmark scale each kind of statistic is read on unless the user chose another
DEFAULT_SCALES = {"kappa": "landis_koch", "icc": "koo_li", "alpha": "krippendorff"}
SCALE_TITLES = {"landis_koch": "Landis & Koch (1977)", "fleiss": "Fleiss (1981)", "altman": "Altman (1991)",
                "koo_li": "Koo & Li (2016)", "cicchetti": "Cicchetti (1994)",
                "krippendorff": "Krippendorff (2004)"}


@dataclass(frozen=True)
class Statistic:
    """One statistic. ``levels``: the item levels it is computed for (``episodes``: time-coded items);
    ``weights``: ``"no"`` (takes none), ``"yes"`` (weighted when the item's weights are not identity),
    ``"identity"`` (only without weights: AC1), ``"required"`` (only with weights: AC2); ``benchmark``: the
    kind of scale it is read on (``kappa``, ``icc``, ``alpha``) or None (no benchmark); ``source``: citation
    key (:mod:`irrkit.statistics.sources`); ``gate``: where a gate may name it (``item``, ``episode``)."""

    key: str
    en: str
    de: str
    symbol: str
    family: str
    levels: tuple[str, ...]
    weights: str = "no"
    se: bool = True
    ci: bool = True
    p: bool = True
    benchmark: str | None = "kappa"
    source: str = ""
    gate: tuple[str, ...] = ()
    symbol_de: str = ""
    time_en: str = ""  # name of the time-unit variant (a time-coded item's statistic of the same key)
    time_de: str = ""
    model: dict[str, str] = field(default_factory=dict)  # ICC: model, type, definition (en, de)


def _icc(key: str, symbol: str, source: str, en: str, de: str) -> Statistic:
    return Statistic(key, symbol, symbol, symbol, "icc", SCALE_LEVELS, se=False, benchmark="icc", source=source,
                     gate=("item",), model={"en": en, "de": de})


_ALL = (*LEVELS, SETS)
_BOTH = ("item", "episode")
STATISTICS: tuple[Statistic, ...] = (
    Statistic("percent_agreement", "Percent agreement", "Prozentuale Übereinstimmung", "percent agreement",
              "agreement", (*_ALL, EPISODES), weights="yes", benchmark=None, gate=_BOTH,
              symbol_de="prozentuale Übereinstimmung", time_en="Time-unit percent agreement",
              time_de="Prozentuale Übereinstimmung (Zeiteinheiten)"),
    Statistic("fleiss_kappa", "Fleiss' kappa", "Fleiss' Kappa", "Fleiss' κ", "chance-corrected",
              (*_ALL, EPISODES), weights="yes", source="fleiss1971", gate=_BOTH,
              time_en="Time-unit Fleiss' kappa", time_de="Fleiss' Kappa (Zeiteinheiten)"),
    Statistic("gwet_ac1", "Gwet's AC1", "Gwets AC1", "AC1", "chance-corrected", (*_ALL, EPISODES),
              weights="identity", source="gwet2008", gate=_BOTH, time_en="Time-unit Gwet's AC1",
              time_de="Gwets AC1 (Zeiteinheiten)"),
    Statistic("gwet_ac2", "Gwet's AC2", "Gwets AC2", "AC2", "chance-corrected", _ALL, weights="required",
              source="gwet2014", gate=("item",)),
    Statistic("krippendorff_alpha", "Krippendorff's alpha", "Krippendorffs Alpha", "Krippendorff's α",
              "chance-corrected", (*_ALL, EPISODES), benchmark="alpha", source="krippendorff2004", gate=_BOTH,
              time_en="Time-unit Krippendorff's alpha", time_de="Krippendorffs Alpha (Zeiteinheiten)"),
    Statistic("conger_kappa", "Conger's kappa", "Congers Kappa", "Conger's κ", "chance-corrected",
              (*_ALL, EPISODES), weights="yes", source="conger1980", gate=("item",),
              time_en="Time-unit Conger's kappa", time_de="Congers Kappa (Zeiteinheiten)"),
    Statistic("brennan_prediger", "Brennan-Prediger", "Brennan-Prediger", "Brennan-Prediger κ", "chance-corrected",
              (*_ALL, EPISODES), weights="yes", source="brennan1981", gate=("item",),
              time_en="Time-unit Brennan-Prediger", time_de="Brennan-Prediger (Zeiteinheiten)"),
    Statistic("cohen_kappa", "Cohen's kappa", "Cohens Kappa", "Cohen's κ", "chance-corrected", (*_ALL, EPISODES),
              weights="yes", source="cohen1960", gate=_BOTH, time_en="Time-unit Cohen's kappa",
              time_de="Cohens Kappa (Zeiteinheiten)"),
    Statistic("scott_pi", "Scott's pi", "Scotts Pi", "Scott's π", "chance-corrected", (*_ALL, EPISODES),
              weights="yes", source="scott1955", gate=("item",), time_en="Time-unit Scott's pi",
              time_de="Scotts Pi (Zeiteinheiten)"),
    Statistic("masi_alpha", "Krippendorff's alpha (MASI distance)", "Krippendorffs Alpha (MASI-Distanz)", "α (MASI)",
              "chance-corrected", (SETS,), benchmark="alpha", source="passonneau2006", gate=("item",)),
    Statistic("jaccard_alpha", "Krippendorff's alpha (Jaccard distance)", "Krippendorffs Alpha (Jaccard-Distanz)",
              "α (Jaccard)", "chance-corrected", (SETS,), benchmark="alpha", source="passonneau2006",
              gate=("item",)),
    _icc("icc1", "ICC(1)", "shrout1979", "one-way random effects, absolute agreement, single rater",
         "einfaktorielles Modell mit zufälligen Effekten, absolute Übereinstimmung, Einzelrater"),
    _icc("icc2", "ICC(A,1)", "mcgraw1996", "two-way random effects, absolute agreement, single rater",
         "zweifaktorielles Modell mit zufälligen Effekten, absolute Übereinstimmung, Einzelrater"),
    _icc("icc3", "ICC(C,1)", "mcgraw1996", "two-way mixed effects, consistency, single rater",
         "zweifaktorielles gemischtes Modell, Konsistenz, Einzelrater"),
    _icc("icc1k", "ICC(k)", "shrout1979", "one-way random effects, absolute agreement, mean of k raters",
         "einfaktorielles Modell mit zufälligen Effekten, absolute Übereinstimmung, Mittel von k Ratern"),
    _icc("icc2k", "ICC(A,k)", "mcgraw1996", "two-way random effects, absolute agreement, mean of k raters",
         "zweifaktorielles Modell mit zufälligen Effekten, absolute Übereinstimmung, Mittel von k Ratern"),
    _icc("icc3k", "ICC(C,k)", "mcgraw1996", "two-way mixed effects, consistency, mean of k raters",
         "zweifaktorielles gemischtes Modell, Konsistenz, Mittel von k Ratern"),
    # coder diagnostics
    Statistic("light_kappa", "Light's kappa", "Lights Kappa", "Light's κ", "chance-corrected", ("nominal",),
              source="light1971"),
    # continuous measures (interval and ratio items)
    Statistic("ccc", "Lin's concordance correlation", "Lins Konkordanzkorrelationskoeffizient", "ρc", "concordance",
              CONTINUOUS_LEVELS, p=False, benchmark=None, source="lin1989", gate=("item",)),
    Statistic("overall_ccc", "Overall concordance correlation", "Gesamt-Konkordanzkorrelationskoeffizient", "ρc°",
              "concordance", CONTINUOUS_LEVELS, p=False, benchmark=None, source="barnhart2002", gate=("item",)),
    Statistic("limits_of_agreement", "Bland-Altman limits of agreement", "Bland-Altman-Übereinstimmungsgrenzen",
              "LoA", "difference", CONTINUOUS_LEVELS, se=False, p=False, benchmark=None, source="bland1999"),
    Statistic("mean_abs_diff", "Mean abs. diff.", "Mittlere absolute Differenz", "MAD", "difference",
              SCALE_LEVELS, p=False, benchmark=None),
    # time-coded items (episodes)
    Statistic("tolerance_kappa", "Time-unit kappa with tolerance", "Kappa der Zeiteinheiten mit Toleranz",
              "κ (tolerance)", "time-coded", (EPISODES,), se=False, p=False, source="bakeman2009",
              gate=("episode",)),
    Statistic("tolerance_percent_agreement", "Time-unit percent agreement with tolerance",
              "Prozentuale Übereinstimmung der Zeiteinheiten mit Toleranz", "percent agreement (tolerance)",
              "time-coded", (EPISODES,), se=False, p=False, benchmark=None, source="bakeman2009"),
    Statistic("event_kappa", "Event-based kappa (with nil)", "Ereignisbasiertes Kappa (mit Nil)", "κ (events)",
              "event", (EPISODES,), source="bakeman2009", gate=("episode",)),
    Statistic("event_percent_agreement", "Event-based percent agreement", "Ereignisbasierte Übereinstimmung",
              "percent agreement (events)", "event", (EPISODES,), benchmark=None, source="bakeman2009"),
    Statistic("matched_kappa", "Kappa of matched events' codes", "Kappa der Codes gepaarter Ereignisse",
              "κ (matched events)", "event", (EPISODES,), source="bakeman2009", gate=("episode",)),
    Statistic("matched_percent_agreement", "Percent agreement of matched events' codes",
              "Übereinstimmung der Codes gepaarter Ereignisse", "percent agreement (matched events)", "event",
              (EPISODES,), benchmark=None, source="bakeman2009"),
    Statistic("u_alpha", "Krippendorff's u-alpha", "Krippendorffs u-Alpha", "uα", "unitizing", (EPISODES,),
              se=False, ci=False, p=False, benchmark="alpha", source="krippendorff2016", gate=("episode",)),
    Statistic("binary_u_alpha", "Krippendorff's |u-alpha (segmentation)", "Krippendorffs |u-Alpha (Segmentierung)",
              "|uα", "unitizing", (EPISODES,), se=False, ci=False, p=False, benchmark="alpha",
              source="krippendorff2016", gate=("episode",)),
    Statistic("cu_alpha", "Krippendorff's cu-alpha (codes)", "Krippendorffs cu-Alpha (Codes)", "cuα", "unitizing",
              (EPISODES,), se=False, ci=False, p=False, benchmark="alpha", source="krippendorff2016",
              gate=("episode",)),
    Statistic("easydiag_kappa", "EasyDIAg/ELAN modified kappa", "Modifiziertes Kappa (EasyDIAg/ELAN)", "κ (ELAN)",
              "event", (EPISODES,), se=False, p=False, source="holle2015", gate=("episode",)),
    Statistic("easydiag_kappa_max", "EasyDIAg/ELAN kappa_max", "Kappa_max (EasyDIAg/ELAN)", "κmax (ELAN)", "event",
              (EPISODES,), se=False, p=False, benchmark=None, source="holle2015"),
    Statistic("gamma", "Mathet et al.'s gamma", "Mathets Gamma", "γ", "unitizing", (EPISODES,), se=False, ci=False,
              p=False, benchmark=None, source="mathet2015", gate=("episode",)),
    Statistic("gamma_cat", "Mathet et al.'s gamma-cat", "Mathets Gamma-cat", "γcat", "unitizing", (EPISODES,),
              se=False, ci=False, p=False, benchmark=None, source="mathet2015"),
    # comparing coefficients (irrkit compare, check --by, the round history): statistics/comparison.py
    Statistic("coefficient_difference", "Difference of two coefficients", "Differenz zweier Koeffizienten", "Δ",
              "comparison", _ALL, benchmark=None, source="vanbelle2008"),
    Statistic("equality_test", "Test of equal coefficients across groups (chi-square)",
              "Test auf gleiche Koeffizienten der Gruppen (Chi-Quadrat)", "χ²", "comparison", _ALL, se=False,
              ci=False, benchmark=None, source="fleiss2003"),
    Statistic("ku_alpha", "Krippendorff's ({code})u-alpha", "Krippendorffs ({code})u-Alpha", "({code})uα",
              "unitizing", (EPISODES,), se=False, ci=False, p=False, benchmark="alpha", source="krippendorff2016"),
)
# a model's codings as an alternative annotator (irrkit.statistics.alt_test)
STATISTICS += (
    Statistic("alt_test_winning_rate", "Alt-test win rate", "Alt-Test-Gewinnrate", "ω", "agreement", LEVELS,
              se=False, ci=False, p=False, benchmark=None, source="calderon2025"),
    Statistic("alt_test_advantage", "Advantage prob.", "Vorteilswahrscheinlichkeit", "ρ",
              "agreement", LEVELS, se=False, ci=False, p=False, benchmark=None, source="calderon2025"),
)  # (computed by the model workflow, not by an analysis of an item)
BY_KEY: dict[str, Statistic] = {s.key: s for s in STATISTICS}
# names of keys that are no statistic of their own (the planner's "icc": the ICC the model chooses)
ALIASES = {"icc": ("ICC", "ICC")}
KEYS = tuple(BY_KEY)
# what the tables show by default, per kind of item (the primary statistic first), and what they report
MAIN = {"nominal": ("percent_agreement", "fleiss_kappa", "gwet_ac1", "krippendorff_alpha", "cohen_kappa"),
        "scale": ("icc2", "icc3", "icc1", "gwet_ac2", "krippendorff_alpha", "percent_agreement", "ccc",
                  "overall_ccc"),
        EPISODES: ("percent_agreement", "cohen_kappa", "fleiss_kappa", "gwet_ac1", "krippendorff_alpha",
                   "tolerance_kappa", "event_kappa", "matched_kappa", "easydiag_kappa", "u_alpha", "binary_u_alpha",
                   "cu_alpha"),
        # a set-valued item: alpha under the set distances, then the exact set match (each distinct set a category)
        SETS: ("masi_alpha", "jaccard_alpha", "percent_agreement", "fleiss_kappa", "cohen_kappa")}
REPORTED = {"nominal": (*MAIN["nominal"], "conger_kappa", "brennan_prediger", "scott_pi"),
            "scale": (*MAIN["scale"], "icc1k", "icc2k", "icc3k"), EPISODES: MAIN[EPISODES],
            SETS: (*MAIN[SETS], "gwet_ac1", "krippendorff_alpha", "conger_kappa", "brennan_prediger", "scott_pi")}
# the coefficients drawn in a forest plot, in order
FOREST = {"nominal": ("fleiss_kappa", "gwet_ac1", "krippendorff_alpha", "cohen_kappa", "conger_kappa",
                      "brennan_prediger", "percent_agreement"),
          "scale": ("icc2", "icc3", "icc1", "icc2k", "gwet_ac2", "krippendorff_alpha", "percent_agreement"),
          SETS: ("masi_alpha", "jaccard_alpha", "fleiss_kappa", "krippendorff_alpha", "cohen_kappa",
                 "percent_agreement")}

# between two coders: what a coder pair (training against the reference, coder x coder matrices) is given
PAIRWISE = {"nominal": ("percent_agreement", "cohen_kappa", "gwet_ac1"), "scale": ("icc2", "mean_abs_diff")}
MATRIX = {"nominal": ("cohen_kappa", "gwet_ac1", "percent_agreement"), "scale": ("icc2", "mean_abs_diff")}


def get(key: str) -> Statistic | None:
    return BY_KEY.get(key)


def kind(level: str | None) -> str:
    """``nominal``, ``scale`` (ordinal, interval, ratio), ``episodes`` or ``sets``: how the tables group levels."""
    if level in ("nominal", SETS):
        return level
    if level is not None and level.startswith(EPISODES):
        return EPISODES
    return "scale"


def weighted(weights: str | None) -> bool:
    """Weights that make a weighted statistic (not identity, none, or a time-coded item's tolerance)."""
    return weights not in UNWEIGHTED and not str(weights).startswith("none")


def weights_text(weights: str, lang: str = "en") -> str:
    """'quadratic weights' / 'quadratische Gewichte'."""
    if lang == "de":
        return WEIGHTS_DE.get(weights, f"Gewichte: {weights}")
    return f"{weights} weights"


SET_DISTANCE_KEYS = ("masi_alpha", "jaccard_alpha")  # a set-valued item's own statistics; the rest: exact match


def name(key: str, weights: str | None = None, lang: str = "en", *, time: bool = False, code: str = "k",
         sets: bool = False) -> str:
    """The display name of a statistic: 'Fleiss' kappa'; with weights (not identity) of a statistic that takes
    them 'Fleiss' kappa (quadratic weights)'; ``time``: the time-unit variant of a time-coded item ('Time-unit
    Cohen's kappa'); ``code``: the code of a per-code statistic (``ku_alpha``). A key not in the registry is
    returned as it is (never raised on: outputs must not fail on a name). ``sets``: a statistic of a set-valued
    item other than the set alphas, computed on the exact set match ('Fleiss' kappa (exact set match)')."""
    s = BY_KEY.get(key)
    if s is None:
        return ALIASES[key][lang == "de"] if key in ALIASES else key
    if sets and key not in SET_DISTANCE_KEYS:
        exact = " (exakte Übereinstimmung der Mengen)" if lang == "de" else " (exact set match)"
        return name(key, weights, lang, time=time, code=code) + exact
    base = (s.time_de or s.de) if lang == "de" and time else (s.time_en or s.en) if time else (
        s.de if lang == "de" else s.en)
    base = base.replace("{code}", code)
    if s.weights in ("yes", "required") and weighted(weights) and not time:
        return f"{base} ({weights_text(str(weights), lang)})"
    return base


def symbol(key: str, weights: str | None = None, lang: str = "en") -> str:
    """The short symbol for manuscripts (κ, AC1, α, ICC(A,1)), with its weights when weighted."""
    s = BY_KEY.get(key)
    if s is None:
        return key
    base = (s.symbol_de or s.symbol) if lang == "de" else s.symbol
    if s.weights in ("yes", "required") and weighted(weights):
        return f"{base} ({weights_text(str(weights), lang)})"
    return base


def model(key: str, lang: str = "en") -> str:
    """An ICC's model, type and definition (Koo & Li 2016), '' for other statistics."""
    s = BY_KEY.get(key)
    return s.model.get(lang, "") if s else ""


def source(key: str) -> str:
    """The citation key of a statistic or a benchmark scale ('' when none)."""
    s = BY_KEY.get(key)
    return s.source if s else SCALE_SOURCE.get(key, "")


def in_text(cite: str) -> str:
    return IN_TEXT.get(cite, cite)


def reference(cite: str) -> str:
    return REFERENCES[cite]


def applies(key: str, level: str, weights: str | None = None) -> bool:
    """Whether an item of ``level`` (with ``weights``; default: the level's) has this statistic computed.
    Cohen's kappa and Scott's pi need exactly two coders: that is not known here."""
    s = BY_KEY.get(key)
    if s is None or level not in s.levels:
        return False
    if level == EPISODES:
        return True
    w = DEFAULT_WEIGHTS.get(level, "identity") if weights is None else weights
    if level == "nominal" and weights is None:
        w = "identity"
    if s.weights == "identity":
        return not weighted(w)
    if s.weights == "required":
        return weighted(w)
    return True


def keys_for(level: str, weights: str | None = None) -> tuple[str, ...]:
    """Every statistic an item of ``level`` (``episodes``: a time-coded item) can have, in registry order."""
    return tuple(s.key for s in STATISTICS if applies(s.key, level, weights))


def gateable(level: str | None = None, weights: str | None = None) -> tuple[str, ...]:
    """The statistics a gate may name: for an item of ``level`` (with ``weights``), for ``episodes`` items, or
    (``level`` None) for any item."""
    if level is not None and level.startswith(EPISODES):
        return tuple(k for k in MAIN[EPISODES] if "episode" in BY_KEY[k].gate)
    if level is None:
        return tuple(s.key for s in STATISTICS if "item" in s.gate)
    return tuple(s.key for s in STATISTICS if "item" in s.gate and applies(s.key, level, weights))


def instead(key: str, level: str, weights: str | None = None) -> str | None:
    """The statistic an item of ``level`` computes in place of ``key`` (AC2 for AC1 on a weighted item and the
    reverse), or None."""
    alt = {"gwet_ac1": "gwet_ac2", "gwet_ac2": "gwet_ac1"}.get(key)
    return alt if alt and applies(alt, level, weights) else None


def benchmarked(key: str) -> bool:
    """Whether the statistic is read on a benchmark scale (percent agreement and differences are not)."""
    s = BY_KEY.get(key)
    return s is not None and s.benchmark is not None


def scale(key: str, kappa_scale: str = "landis_koch", icc_scale: str = "koo_li",
          alpha_scale: str = "krippendorff") -> str | None:
    """The benchmark scale a statistic is read on (the chosen scale of its kind), None when it has none."""
    s = BY_KEY.get(key)
    b = s.benchmark if s else "icc" if key.startswith("icc") else "kappa"
    if b is None:
        return None
    return {"kappa": kappa_scale, "icc": icc_scale, "alpha": alpha_scale}[b]


def scale_title(scale_key: str | None) -> str:
    return SCALE_TITLES.get(scale_key or "", "")
