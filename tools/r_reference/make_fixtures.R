#!/usr/bin/env Rscript
# make_fixtures.R -- reference numbers for irrkit's tests, computed with the R
# reference implementations (irrCAC by K. Gwet, irr, psych).
#
# This file is irrkit's own calling script. It does not contain any code of the
# R packages: it loads their source files from directories outside this
# repository (see fixtures/r_reference/README.md), makes temporary patched
# copies of some of them in tempdir() (only to keep full precision, see
# PATCHES below) and writes JSON files. CI never runs this script; tests only
# read the JSON it wrote.
#
# Usage (from the repository root):
#   IRRCAC_DIR=/tmp/irrCAC IRR_DIR=/tmp/irr Rscript tools/r_reference/make_fixtures.R
# IRRCAC_DIR must contain R/*.r and data/*.RData of irrCAC (commit 7fb7509);
# IRR_DIR must contain R/*.R of the irr package (0.84.1).
# Needs: R >= 4.2, packages psych, dplyr, jsonlite (lme4 optional).

suppressPackageStartupMessages({
  library(dplyr)
  library(psych)
  library(jsonlite)
})

IRRCAC_DIR <- Sys.getenv("IRRCAC_DIR", "/tmp/irrCAC")
IRR_DIR <- Sys.getenv("IRR_DIR", "/tmp/irr")
OUT_DIR <- Sys.getenv("OUT_DIR", "fixtures/r_reference")
IRRCAC_COMMIT <- Sys.getenv("IRRCAC_COMMIT", "7fb7509236672b8601c96366ca720f12a0d5bb7b")
IRR_COMMIT <- Sys.getenv("IRR_COMMIT", "3229aa564b28a83db755d7329fd621e523aaf997")
SEED <- 20240611L
HAVE_LME4 <- requireNamespace("lme4", quietly = TRUE)

dir.create(OUT_DIR, recursive = TRUE, showWarnings = FALSE)
irrcac_r <- function(f) file.path(IRRCAC_DIR, "R", f)
irr_r <- function(f) file.path(IRR_DIR, "R", f)

# ---------------------------------------------------------------------------
# Loading (and patching) the reference sources
# ---------------------------------------------------------------------------
# Each patch is a literal (or perl regex) substitution with the number of
# matches it must have; anything else aborts, so a different source version
# cannot be patched silently.
load_patched <- function(path, env, subs = list()) {
  txt <- paste(readLines(path, warn = FALSE), collapse = "\n")
  for (s in subs) {
    rx <- isTRUE(s$regex)
    m <- gregexpr(s$from, txt, fixed = !rx, perl = rx)[[1]]
    n <- if (m[1] == -1) 0L else length(m)
    if (n != s$count) stop(sprintf("patch '%s' on %s: %d matches, expected %d", s$from, path, n, s$count))
    txt <- gsub(s$from, s$to, txt, fixed = !rx, perl = rx)
  }
  f <- tempfile(fileext = ".R")
  writeLines(txt, f)
  sys.source(f, envir = env)
  invisible(env)
}
P <- function(from, to, count, regex = FALSE) list(from = from, to = to, count = count, regex = regex)

# a local variable of the calling function, or NA when it was never assigned
LCB <- 'lcb=if (exists("lcb",inherits=FALSE)) lcb else NA,ucb=if (exists("ucb",inherits=FALSE)) ucb else NA'

# PATCHES
#  raw functions : remove the 5-decimal rounding of coeff.val/coeff.se, and add
#                  the unrounded confidence bounds lcb/ucb to the output.
#  dist functions: dplyr::reframe() (dplyr >= 1.1) -> dplyr::summarise() (the
#                  installed dplyr is 1.0.10; only used for r.min/r.max), and
#                  add lcb/ucb to the output.
#  table functions: add lcb, ucb, numeric p.value, pa, pe to the output.
#  benchmarking   : keep the cumulative probabilities numeric and unrounded.
#  irr kappam.fleiss: keep the per-category table unrounded, return the SEs.
#  irr kappa2     : return the SE.
ORIG <- new.env(parent = globalenv())  # unmodified irrCAC raw functions
MOD <- new.env(parent = globalenv())   # patched copies
IRR <- new.env(parent = globalenv())   # irr functions (patched copies)
IRRO <- new.env(parent = globalenv())  # irr kappam.fleiss unmodified
for (e in list(ORIG, MOD)) sys.source(irrcac_r("weights.gen.r"), envir = e)
sys.source(irrcac_r("agree.coeff3.raw.r"), envir = ORIG)
load_patched(irrcac_r("agree.coeff3.raw.r"), MOD, list(
  P("round\\(([A-Za-z0-9._]+),5\\)", "\\1", 11, regex = TRUE),
  P("df.out <- data.frame(coeff.name,pa,pe,coeff.val,coeff.se,",
    paste0("df.out <- data.frame(coeff.name,pa,pe,coeff.val,coeff.se,", LCB, ","), 6)))
load_patched(irrcac_r("agree.coeff3.dist.r"), ORIG, list(
  P("dplyr::reframe(", "dplyr::summarise(", 10)))
load_patched(irrcac_r("agree.coeff3.dist.r"), MOD, list(
  P("dplyr::reframe(", "dplyr::summarise(", 10),
  P("df.out <- data.frame(coeff.name,coeff,stderr,conf.int,",
    paste0("df.out <- data.frame(coeff.name,coeff,stderr,conf.int,", LCB, ","), 5)))
load_patched(irrcac_r("agree.coeff2.r"), MOD, list(
  P("return(data.frame(coeff.name,coeff.val,coeff.se,coeff.ci,coeff.pval))",
    paste0("return(data.frame(coeff.name,coeff.val,coeff.se,coeff.ci,coeff.pval,", LCB,
           ",p.value.num=p.value,",
           'pa=if (exists("pa",inherits=FALSE)) pa else NA,',
           'pe=if (exists("pe",inherits=FALSE)) pe else NA))'), 7)))
load_patched(irrcac_r("benchmarking.r"), ORIG, list())
load_patched(irrcac_r("benchmarking.r"), MOD, list(
  P('matrix("",', "matrix(NA_real_,", 3),
  P("round\\((cmprob\\[i(,1)?\\]),5\\)", "\\1", 3, regex = TRUE)))
for (d in c("altman", "landis.koch", "fleiss")) load(file.path(IRRCAC_DIR, "data", paste0(d, ".RData")), envir = globalenv())

sys.source(irr_r("kappam.fleiss.R"), envir = IRRO)
load_patched(irr_r("kappam.fleiss.R"), IRR, list(
  P("as.table(round(cbind(kappaK, uK, p.valueK), digits=3))", "as.table(cbind(kappaK, uK, p.valueK))", 1),
  P('rval <- c(rval, stat.name = "z", statistic = u, p.value = p.value)',
    'rval <- c(rval, stat.name = "z", statistic = u, p.value = p.value, se0 = SEkappa, se0.category = if (detail) SEkappaK else NA)', 1)))
load_patched(irr_r("kappa2.R"), IRR, list(
  P('stat.name = "z", statistic = u, p.value = p.value),', 'stat.name = "z", statistic = u, p.value = p.value, se0 = SEkappa),', 1)))
sys.source(irr_r("icc.R"), envir = IRR)
sys.source(irr_r("kripp.alpha.R"), envir = IRR)

# ---------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------
nonfinite_name <- function(x) if (is.na(x) && !is.nan(x)) "NA" else if (is.nan(x)) "NaN" else if (x > 0) "Inf" else "-Inf"

# Turn non-finite numeric scalars into NA (-> JSON null) and list them in
# `r_nonfinite` (field -> "NaN" / "NA" / "Inf" / "-Inf").
clean <- function(res) {
  nf <- list()
  for (k in names(res)) {
    v <- res[[k]]
    if (is.numeric(v) && length(v) == 1 && !is.finite(v)) {
      nf[[k]] <- nonfinite_name(v)
      res[k] <- list(NA_real_)
    }
  }
  if (length(nf)) res$r_nonfinite <- nf
  res
}
num <- function(x) as.numeric(unname(x))
mat_out <- function(m) { m <- as.matrix(m); matrix(as.numeric(m), nrow(m), ncol(m)) }
nonfinite_matrix_note <- function(m) if (any(!is.finite(m))) "matrix contains non-finite entries (written as null)" else NULL
# R's printed number equals ours, rounded to 5 decimals or (pa.coeff.raw's value) not rounded at all
same5 <- function(rounded, full) (is.na(rounded) && is.na(full)) ||
  (!is.na(rounded) && !is.na(full) && (identical(rounded, full) || abs(rounded - round(full, 5)) < 1e-12))

# which t degrees of freedom reproduce R's lower confidence bound
infer_df <- function(value, se, lcb, candidates) {
  if (!all(is.finite(c(value, se, lcb))) || se == 0) return(NULL)
  for (nm in names(candidates)) {
    d <- candidates[[nm]]
    if (d >= 1 && abs(value - se * qt(0.975, d) - lcb) < 1e-12) return(list(df = d, rule = nm))
  }
  list(df = NULL, rule = "none of the candidates")
}

WEIGHT_NAMES <- c("identity", "linear", "quadratic", "ordinal", "radical", "ratio", "circular", "bipolar")
r_weight_arg <- function(w) if (w == "identity") "unweighted" else w
RAW_FUNS <- c("pa.coeff.raw", "gwet.ac1.raw", "fleiss.kappa.raw", "krippen.alpha.raw", "conger.kappa.raw", "bp.coeff.raw")
DIST_FUNS <- c("pa.coeff.dist", "gwet.ac1.dist", "fleiss.kappa.dist", "krippen.alpha.dist", "bp.coeff.dist")
TABLE_FUNS <- c("pa2.table", "kappa2.table", "scott2.table", "gwet.ac1.table", "bp2.table", "krippen2.table")

# ---------------------------------------------------------------------------
# Data generation (fixed seed)
# ---------------------------------------------------------------------------
RNGkind("Mersenne-Twister", "Inversion", "Rejection")
set.seed(SEED)

# ordinal ratings: true category + rater bias + noise, rounded and clipped to 1..q
gen_latent <- function(n, r, q, noise, bias_sd = 0.35) {
  truth <- sample.int(q, n, replace = TRUE)
  bias <- rnorm(r, 0, bias_sd)
  m <- matrix(truth, n, r) + matrix(bias, n, r, byrow = TRUE) + matrix(rnorm(n * r, 0, noise), n, r)
  m <- round(m)
  m[m < 1] <- 1
  m[m > q] <- q
  storage.mode(m) <- "integer"
  m
}
# set cells missing with probability p, keeping >= keep ratings in every unit
add_missing <- function(m, p, keep = 1) {
  mask <- matrix(runif(length(m)) < p, nrow(m))
  for (i in seq_len(nrow(m))) {
    while (sum(!mask[i, ]) < keep) mask[i, sample.int(ncol(m), 1)] <- FALSE
  }
  m[mask] <- NA
  m
}
recode <- function(m, codes) { out <- m; out[] <- codes[m]; storage.mode(out) <- "integer"; out }

raw_cases <- list()
add_raw <- function(id, description, ratings, labels, weights = WEIGHT_NAMES, custom = list(), labels_passed = TRUE) {
  stopifnot(all(rowSums(!is.na(ratings)) >= 1))
  raw_cases[[id]] <<- list(id = id, description = description, ratings = ratings, labels = labels,
                           labels_passed = labels_passed, weights = weights, custom = custom)
}

m <- gen_latent(25, 3, 4, 0.7)
add_raw("complete_3raters", "25 units x 3 raters, complete, ordinal codes 1..4", m, 1:4)

m5 <- gen_latent(40, 5, 5, 0.9)
W_custom5 <- matrix(c(1, .8, .3, 0, 0,
                      .8, 1, .6, .2, 0,
                      .3, .6, 1, .6, .3,
                      0, .2, .6, 1, .8,
                      0, 0, .3, .8, 1), 5, 5, byrow = TRUE)
W_asym5 <- outer(1:5, 1:5, function(k, l) ifelse(k >= l, 1 - (k - l)^2 / 16, 1 - abs(k - l) / 4))
add_raw("complete_5raters", "40 units x 5 raters, complete, ordinal codes 1..5", m5, 1:5,
        custom = list(custom_symmetric = W_custom5, custom_asymmetric = W_asym5))

m <- add_missing(gen_latent(40, 4, 5, 0.8), 0.15, keep = 1)
add_raw("missing_15pct", "40 units x 4 raters, about 15% of ratings missing at random (every unit keeps >= 1 rating), codes 1..5",
        m, 1:5, custom = list(custom_symmetric = W_custom5))

m <- gen_latent(30, 5, 4, 0.8)
nr_unit <- c(1, 1, 1, 1, sample(2:5, 26, replace = TRUE))
for (i in 1:30) { drop <- sample.int(5, 5 - nr_unit[i]); m[i, drop] <- NA }
add_raw("unequal_raters", "30 units x 5 rater columns; units 1-4 rated by exactly 1 rater, the others by 2..5 raters; codes 1..4",
        m, 1:4, custom = list(custom_symmetric = matrix(c(1, .5, 0, 0, .5, 1, .5, 0, 0, .5, 1, .5, 0, 0, .5, 1), 4, 4)))

m <- recode(gen_latent(30, 4, 5, 0.8), c(1L, 2L, 3L, 4L, 6L))
add_raw("unused_categories", "30 units x 4 raters, category list 1..6 but code 5 is never used", m, 1:6)
add_raw("unused_categories_nolabels", "same ratings as unused_categories, categ.labels=NULL (categories = observed codes 1,2,3,4,6)",
        m, 1:6, labels_passed = FALSE)

m <- recode(gen_latent(30, 3, 4, 0.7), c(0L, 1L, 2L, 5L))
add_raw("noncontiguous_codes", "30 units x 3 raters, numeric codes 0,1,2,5 passed as categ.labels", m, c(0, 1, 2, 5))
add_raw("noncontiguous_codes_nolabels", "same ratings as noncontiguous_codes, categ.labels=NULL (numeric categories: weights use the code values)",
        m, c(0, 1, 2, 5), labels_passed = FALSE)

m <- gen_latent(50, 2, 3, 0.6)
add_raw("two_raters_complete", "50 units x 2 raters, complete, codes 1..3", m, 1:3)
m <- gen_latent(50, 2, 4, 0.7)
idx <- sample.int(50, 15)
m[idx[1:8], 1] <- NA
m[idx[9:15], 2] <- NA
add_raw("two_raters_missing", "50 units x 2 raters; 8 units lack rater 1 and 7 lack rater 2 (15 units with a single rating); codes 1..4", m, 1:4)
m <- gen_latent(60, 2, 5, 0.8)
add_raw("two_raters_5cat", "60 units x 2 raters, complete, codes 1..5", m, 1:5)

add_raw("degenerate_q1", "8 units x 3 raters, every rating is 2, category list = {2} (q = 1)",
        matrix(2L, 8, 3), 2, weights = "identity")
add_raw("degenerate_q3", "8 units x 3 raters, every rating is 2, category list 1..3 (pe = 1 for Fleiss/Krippendorff/Conger)",
        matrix(2L, 8, 3), 1:3, weights = "identity")
add_raw("two_units", "2 units x 3 raters", matrix(c(1L, 1L, 2L, 3L, 3L, 3L), 2, 3, byrow = TRUE), 1:3)
add_raw("one_unit", "1 unit x 4 raters (variance needs n >= 2)", matrix(c(1L, 1L, 2L, 1L), 1, 4), 1:2, weights = "identity")

m <- add_missing(gen_latent(200, 6, 5, 0.9), 0.05, keep = 1)
add_raw("large_200x6", "200 units x 6 raters, about 5% missing, codes 1..5", m, 1:5)

fleiss1971 <- matrix(c(4,4,4,4,4,4, 2,2,2,5,5,5, 2,3,3,3,3,5, 5,5,5,5,5,5, 2,2,2,4,4,4, 1,1,3,3,3,3,
                       3,3,3,3,5,5, 1,1,3,3,3,4, 1,1,4,4,4,4, 5,5,5,5,5,5, 1,4,4,4,4,4, 1,2,4,4,4,4,
                       2,2,2,3,3,3, 1,4,4,4,4,4, 2,2,4,4,4,5, 3,3,3,3,3,5, 1,1,1,4,5,5, 1,1,1,1,1,2,
                       2,2,4,4,4,4, 1,3,3,5,5,5, 5,5,5,5,5,5, 2,4,4,4,4,4, 2,2,4,5,5,5, 1,1,4,4,4,4,
                       1,4,4,4,4,5, 2,2,2,2,2,4, 1,1,1,1,5,5, 2,2,4,4,4,4, 1,3,3,3,3,3, 5,5,5,5,5,5),
                     30, 6, byrow = TRUE)
storage.mode(fleiss1971) <- "integer"
add_raw("fleiss1971", "Fleiss (1971) psychiatric diagnoses, 30 patients x 6 raters, categories 1..5", fleiss1971, 1:5)

# ---------------------------------------------------------------------------
# irrCAC raw-ratings functions
# ---------------------------------------------------------------------------
run_raw_one <- function(fun, df, w, labels) {
  o <- get(fun, ORIG)(df, weights = w, categ.labels = labels)
  mo <- get(fun, MOD)(df, weights = w, categ.labels = labels)
  e <- mo$est
  eo <- o$est
  stopifnot(same5(eo$coeff.val, e$coeff.val), same5(eo$coeff.se, e$coeff.se),
            identical(eo$pa, e$pa), identical(eo$pe, e$pe), identical(eo$p.value, e$p.value))
  n <- nrow(df)
  ri <- rowSums(!is.na(as.matrix(df)))
  res <- list(value = num(e$coeff.val), se = num(e$coeff.se), lcb = num(e$lcb), ucb = num(e$ucb),
              p_value = num(e$p.value), pa = num(e$pa), pe = num(e$pe), tot_obs = num(e$tot.obs),
              coeff_name = as.character(e$coeff.name),
              r_coeff_val_rounded = num(eo$coeff.val), r_coeff_se_rounded = num(eo$coeff.se),
              r_conf_int = as.character(eo$conf.int))
  d <- infer_df(res$value, res$se, res$lcb, list("n_units - 1" = n - 1, "n_units_2plus - 1" = sum(ri >= 2) - 1))
  if (!is.null(d)) { res$t_df <- d$df; res$t_df_rule <- d$rule }
  list(res = clean(res), weights = mo$weights, categories = mo$categories)
}

raw_out <- list()
for (cs in raw_cases) {
  ratings <- cs$ratings
  df <- as.data.frame(ratings)
  colnames(df) <- paste0("rater", seq_len(ncol(df)))
  labels <- if (cs$labels_passed) cs$labels else NULL
  ri <- rowSums(!is.na(ratings))
  wlist <- c(as.list(setNames(cs$weights, cs$weights)), cs$custom)
  results <- list()
  for (wn in names(wlist)) {
    w <- wlist[[wn]]
    warg <- if (is.character(w)) r_weight_arg(w) else w
    coefs <- list()
    wmat <- NULL
    cats <- NULL
    for (fun in RAW_FUNS) {
      r1 <- tryCatch(suppressWarnings(run_raw_one(fun, df, warg, labels)),
                     error = function(e) list(res = list(r_error = conditionMessage(e))))
      coefs[[fun]] <- r1$res
      if (is.null(wmat) && !is.null(r1$weights)) { wmat <- r1$weights; cats <- r1$categories }
    }
    entry <- list(weights_matrix = mat_out(wmat), coefficients = coefs)
    note <- nonfinite_matrix_note(wmat)
    if (!is.null(note)) entry$note <- note
    if (!is.character(w)) entry$custom <- TRUE
    results[[wn]] <- entry
  }
  raw_out[[length(raw_out) + 1]] <- list(
    id = cs$id, description = cs$description,
    n_units = nrow(ratings), n_raters = ncol(ratings),
    n_units_2plus = sum(ri >= 2), n_missing = sum(is.na(ratings)),
    categ_labels = I(cs$labels), categ_labels_passed = cs$labels_passed,
    r_categories = I(cats),
    ratings = ratings, results = results)
}

# ---------------------------------------------------------------------------
# irrCAC counts-input (*.dist) functions
# ---------------------------------------------------------------------------
# count tables carry column names (as irrCAC's own example data frames do): without them
# irrCAC cannot append the zero columns for extra entries of `categ`
counts_from <- function(m, q) {
  ct <- t(apply(m, 1, function(x) tabulate(x[!is.na(x)], nbins = q)))
  colnames(ct) <- paste0("cat", 1:q)
  ct
}
dist_cases <- list(
  list(id = "counts_equal_totals", description = "15 units x 4 categories, 5 ratings per unit",
       counts = counts_from(gen_latent(15, 5, 4, 0.8), 4), categ = NULL),
  list(id = "counts_unused_category", description = "12 units x 5 categories, column 3 is all zero, 6 ratings per unit",
       counts = counts_from(recode(gen_latent(12, 6, 4, 0.8), c(1L, 2L, 4L, 5L)), 5), categ = NULL),
  list(id = "counts_unequal_totals", description = "20 units x 4 categories, 1..5 ratings per unit (units 1-3 have a single rating)",
       counts = {
         mm <- gen_latent(20, 5, 4, 0.8)
         k <- c(1, 1, 1, sample(2:5, 17, replace = TRUE))
         for (i in 1:20) mm[i, sample.int(5, 5 - k[i])] <- NA
         counts_from(mm, 4)
       }, categ = NULL),
  list(id = "counts_numeric_categ", description = "10 units x 4 categories with categ = c(0,1,2,5) (numeric: weights use the values)",
       counts = counts_from(gen_latent(10, 4, 4, 0.8), 4), categ = c(0, 1, 2, 5)),
  list(id = "counts_from_raw_unequal_raters",
       description = "the unequal_raters raw case of irrcac_raw.json as counts (for raw-vs-dist comparisons)",
       counts = counts_from(raw_cases$unequal_raters$ratings, 4), categ = NULL),
  list(id = "counts_from_raw_missing_15pct",
       description = "the missing_15pct raw case of irrcac_raw.json as counts (for raw-vs-dist comparisons)",
       counts = counts_from(raw_cases$missing_15pct$ratings, 5), categ = NULL),
  list(id = "counts_from_raw_fleiss1971",
       description = "the Fleiss (1971) 30x6 diagnoses as counts (units x 5 categories)",
       counts = counts_from(fleiss1971, 5), categ = NULL),
  list(id = "counts_padded_categ", description = "8 units x 3 count columns with categ = 1:4 (irrCAC appends a zero column for category 4)",
       counts = counts_from(gen_latent(8, 4, 3, 0.7), 3), categ = 1:4)
)
dist_out <- list()
for (cs in dist_cases) {
  results <- list()
  for (wn in WEIGHT_NAMES) {
    coefs <- list()
    for (fun in DIST_FUNS) {
      e <- tryCatch(suppressWarnings(get(fun, MOD)(cs$counts, weights = r_weight_arg(wn), categ = cs$categ)),
                    error = function(err) conditionMessage(err))
      if (is.character(e)) { coefs[[fun]] <- list(r_error = e); next }
      eo <- suppressWarnings(get(fun, ORIG)(cs$counts, weights = r_weight_arg(wn), categ = cs$categ))
      stopifnot(identical(eo$coeff, e$coeff), identical(eo$stderr, e$stderr))
      res <- list(value = num(e$coeff), se = num(e$stderr), lcb = num(e$lcb), ucb = num(e$ucb),
                  p_value = num(e$p.value), pa = num(e$pa), pe = num(e$pe), n = num(e$n), q = num(e$q),
                  r_min = num(e$r.min), r_max = num(e$r.max), coeff_name = as.character(e$coeff.name),
                  r_conf_int = as.character(e$conf.int))
      ri <- rowSums(cs$counts)
      d <- infer_df(res$value, res$se, res$lcb, list("n_units - 1" = nrow(cs$counts) - 1, "n_units_2plus - 1" = sum(ri >= 2) - 1))
      if (!is.null(d)) { res$t_df <- d$df; res$t_df_rule <- d$rule }
      coefs[[fun]] <- clean(res)
    }
    q2 <- max(ncol(cs$counts), length(cs$categ))
    cg <- if (is.null(cs$categ)) 1:q2 else cs$categ
    wm <- if (wn == "identity") get("identity.weights", MOD)(cg) else get(paste0(wn, ".weights"), MOD)(cg)
    results[[wn]] <- list(weights_matrix = mat_out(wm), coefficients = coefs)
  }
  dist_out[[length(dist_out) + 1]] <- list(id = cs$id, description = cs$description,
                                           counts = mat_out(cs$counts),
                                           categ = if (is.null(cs$categ)) NULL else I(cs$categ),
                                           results = results)
}

# ---------------------------------------------------------------------------
# irrCAC two-rater contingency-table functions
# ---------------------------------------------------------------------------
tab_from <- function(m, q) table(factor(m[, 1], levels = 1:q), factor(m[, 2], levels = 1:q))
table_cases <- list(
  list(id = "table_3x3", description = "3x3 table from 80 generated two-rater units", tab = tab_from(gen_latent(80, 2, 3, 0.6), 3)),
  list(id = "table_4x4", description = "4x4 table from 120 generated two-rater units", tab = tab_from(gen_latent(120, 2, 4, 0.8), 4)),
  list(id = "table_4x4_unused_category", description = "4x4 table whose category 3 is never used by either rater",
       tab = tab_from(recode(gen_latent(60, 2, 3, 0.6), c(1L, 2L, 4L)), 4)),
  list(id = "table_2x2", description = "2x2 table", tab = matrix(c(40, 9, 6, 25), 2, 2, byrow = TRUE))
)
table_out <- list()
for (cs in table_cases) {
  q <- ncol(cs$tab)
  results <- list()
  for (wn in WEIGHT_NAMES) {
    wm <- get(paste0(wn, ".weights"), MOD)(1:q)
    coefs <- list()
    for (fun in TABLE_FUNS) {
      e <- get(fun, MOD)(cs$tab, weights = wm)
      res <- list(value = num(e$coeff.val), se = num(e$coeff.se), lcb = num(e$lcb), ucb = num(e$ucb),
                  p_value = num(e$p.value.num), pa = num(e$pa), pe = num(e$pe),
                  coeff_name = as.character(e$coeff.name), r_conf_int = as.character(e$coeff.ci),
                  r_coeff_pval_string = as.character(e$coeff.pval))
      if (fun == "pa2.table") res$pe <- NULL  # pa2.table has no pe
      d <- infer_df(res$value, res$se, res$lcb, list("n_units - 1" = sum(cs$tab) - 1))
      if (!is.null(d)) { res$t_df <- d$df; res$t_df_rule <- d$rule }
      coefs[[fun]] <- clean(res)
    }
    results[[wn]] <- list(weights_matrix = mat_out(wm), coefficients = coefs)
  }
  e <- get("bangdiwala.table", MOD)(cs$tab)
  bang <- clean(list(value = num(e$coeff.val), se = num(e$coeff.se), lcb = num(e$lcb), ucb = num(e$ucb),
                     p_value = num(e$p.value.num)))
  table_out[[length(table_out) + 1]] <- list(id = cs$id, description = cs$description,
                                             table = mat_out(cs$tab), n = sum(cs$tab),
                                             results = results, bangdiwala_table = bang)
}

# ---------------------------------------------------------------------------
# irrCAC benchmarking
# ---------------------------------------------------------------------------
bench_pairs <- list(c(0.4302445, 0.0541989), c(0.65, 0.08), c(0.12, 0.06), c(-0.05, 0.15), c(0.9, 0.03))
bench_out <- list()
for (p in bench_pairs) {
  one <- list(coeff = p[1], se = p[2])
  for (b in list(list("landis.koch.bf", landis.koch, "lb.LK", "ub.LK"),
                 list("altman.bf", altman, "lb.AL", "ub.AL"),
                 list("fleiss.bf", fleiss, "lb.FL", "ub.FL"))) {
    r <- get(b[[1]], MOD)(p[1], p[2])
    ro <- get(b[[1]], ORIG)(p[1], p[2])
    cp <- as.numeric(r$CumProb)
    stopifnot(all(abs(as.numeric(ro$CumProb) - round(cp, 5)) < 1e-12))
    one[[b[[1]]]] <- list(label = as.character(r[[1]]), lb = b[[2]][[b[[3]]]], ub = b[[2]][[b[[4]]]],
                          cum_prob = cp, r_cum_prob_rounded = as.numeric(ro$CumProb))
  }
  bench_out[[length(bench_out) + 1]] <- one
}

# ---------------------------------------------------------------------------
# irr: kappam.fleiss, kappa2, kripp.alpha, icc
# ---------------------------------------------------------------------------
irr_fleiss <- list()
irr_kripp <- list()
for (cs in raw_cases) {
  if (!cs$labels_passed) next
  x <- cs$ratings
  kf <- get("kappam.fleiss", IRR)(x, detail = TRUE)
  kfo <- get("kappam.fleiss", IRRO)(x, detail = TRUE)
  kfe <- get("kappam.fleiss", IRR)(x, exact = TRUE)
  stopifnot(identical(kf$value, kfo$value), identical(kf$statistic, kfo$statistic))
  det <- kf$detail
  cc <- complete.cases(x)
  entry <- clean(list(value = num(kf$value), se0 = num(kf$se0), z = num(kf$statistic), p_value = num(kf$p.value),
                      exact_value = num(kfe$value)))
  entry <- c(list(case_id = cs$id, description = cs$description, ratings = x,
                  subjects_used = num(kf$subjects), raters = num(kf$raters),
                  listwise_deleted_units = sum(!cc)), entry)
  if (!is.null(det)) {
    pc <- list(categories = I(rownames(det)), kappa = I(num(det[, 1])), z = I(num(det[, 2])),
               p_value = I(num(det[, 3])), se0 = num(kf$se0.category),
               r_detail_rounded = mat_out(kfo$detail))
    if (any(!is.finite(c(det)))) pc$note <- "non-finite per-category entries written as null"
    entry$per_category <- pc
  }
  irr_fleiss[[length(irr_fleiss) + 1]] <- entry

  # irr's kripp.alpha divides the coincidences of a unit by (m_u - 1) only when
  # the data contain an NA; on complete data it divides by 1. Appending one
  # all-NA unit (which adds no pairable value) makes it take the NA branch.
  ka <- list()
  ka_na <- list()
  for (meth in c("nominal", "ordinal", "interval", "ratio")) {
    ka[[meth]] <- num(get("kripp.alpha", IRR)(t(x), method = meth)$value)
    ka_na[[meth]] <- num(get("kripp.alpha", IRR)(cbind(t(x), NA), method = meth)$value)
  }
  kent <- c(list(case_id = cs$id, ratings = x), clean(ka))
  kent$with_all_na_unit <- clean(ka_na)
  if (!anyNA(x) && ncol(x) > 2) {
    kent$note <- paste("complete data with more than 2 raters: irr's as-is value uses divisor 1 instead of m_u - 1",
                       "in the coincidence matrix; with_all_na_unit holds the textbook value")
  }
  irr_kripp[[length(irr_kripp) + 1]] <- kent
}
irr_kappa2 <- list()
for (id in c("two_raters_complete", "two_raters_missing", "two_raters_5cat")) {
  x <- raw_cases[[id]]$ratings
  ent <- list(case_id = id, ratings = x, subjects_used = sum(complete.cases(x)))
  for (wt in c("unweighted", "equal", "squared")) {
    k <- get("kappa2", IRR)(x, weight = wt)
    ent[[wt]] <- clean(list(value = num(k$value), se0 = num(k$se0), z = num(k$statistic), p_value = num(k$p.value)))
  }
  irr_kappa2[[length(irr_kappa2) + 1]] <- ent
}

# interval data sets (also used for psych::ICC)
gen_interval <- function(n, k, subj_sd, rater_sd, err_sd, mean = 5) {
  x <- mean + matrix(rnorm(n, 0, subj_sd), n, k) + matrix(rnorm(k, 0, rater_sd), n, k, byrow = TRUE) +
    matrix(rnorm(n * k, 0, err_sd), n, k)
  round(x, 2)
}
shrout_fleiss <- matrix(c(9, 2, 5, 8,  6, 1, 3, 2,  8, 4, 6, 8,  7, 1, 2, 6,  10, 5, 6, 9,  6, 2, 4, 7), 6, 4, byrow = TRUE)
interval_sets <- list(
  list(id = "icc_10x3", description = "10 subjects x 3 raters, generated", x = gen_interval(10, 3, 1.5, 0.5, 1)),
  list(id = "icc_30x5", description = "30 subjects x 5 raters, generated", x = gen_interval(30, 5, 1, 0.8, 0.9)),
  list(id = "icc_shrout_fleiss_6x4", description = "Shrout & Fleiss (1979) 6 targets x 4 judges", x = shrout_fleiss),
  list(id = "icc_50x2", description = "50 subjects x 2 raters, generated", x = gen_interval(50, 2, 2, 0.3, 1))
)
irr_icc <- list()
for (ds in interval_sets) {
  rows <- list()
  for (model in c("oneway", "twoway")) for (type in c("consistency", "agreement")) for (unit in c("single", "average")) {
    for (r0 in if (ds$id == "icc_30x5") c(0, 0.2) else 0) {
      ic <- get("icc", IRR)(ds$x, model = model, type = type, unit = unit, r0 = r0)
      rows[[length(rows) + 1]] <- clean(list(model = model, type = type, unit = unit, r0 = r0,
                                             icc_name = ic$icc.name, value = num(ic$value), F = num(ic$Fvalue),
                                             df1 = num(ic$df1), df2 = num(ic$df2), p_value = num(ic$p.value),
                                             lbound = num(ic$lbound), ubound = num(ic$ubound)))
    }
  }
  irr_icc[[length(irr_icc) + 1]] <- list(id = ds$id, description = ds$description, ratings = ds$x, results = rows)
}

# ---------------------------------------------------------------------------
# psych::ICC
# ---------------------------------------------------------------------------
psych_rows <- function(res) {
  out <- list()
  for (i in seq_len(nrow(res))) {
    out[[res$type[i]]] <- clean(list(ICC = num(res$ICC[i]), F = num(res$F[i]), df1 = num(res$df1[i]), df2 = num(res$df2[i]),
                                     p = num(res$p[i]), lower_bound = num(res[["lower bound"]][i]),
                                     upper_bound = num(res[["upper bound"]][i])))
  }
  out
}
psych_stats <- function(ic) {
  s <- ic$stats
  ans <- list()
  for (j in colnames(s)) ans[[j]] <- clean(as.list(setNames(num(s[, j]), rownames(s))))
  ans
}
psych_one <- function(x, missing = TRUE, lmer = FALSE) {
  ic <- suppressMessages(psych::ICC(x, missing = missing, lmer = lmer))
  out <- list(n_obs = num(ic$n.obs), n_judge = num(ic$n.judge), results = psych_rows(ic$results),
              MS = list(MSB = num(ic$stats["MS", 1]), MSJ = num(ic$stats["MS", 2]), MSE = num(ic$stats["MS", 3]),
                        MSW = num(ic$MSW)),
              stats = psych_stats(ic))
  if (!is.null(ic$lme)) {
    out$tolerance_note <- paste("lme4 REML optimizer output: agrees with the ANOVA numbers only to about 1e-6 relative,",
                                "and repeated runs differ at about 1e-11; compare with a relative tolerance of 1e-5")
    out$lme <- list(variance = as.list(setNames(num(ic$lme$variance), rownames(ic$lme))),
                    percent = as.list(setNames(num(ic$lme$Percent), rownames(ic$lme))))
  }
  out
}
psych_out <- list()
for (ds in interval_sets) {
  ent <- list(id = ds$id, description = ds$description, ratings = ds$x,
              call = "psych::ICC(x, lmer=FALSE)", icc = psych_one(ds$x, lmer = FALSE))
  if (HAVE_LME4 && ds$id %in% c("icc_10x3", "icc_shrout_fleiss_6x4")) {
    ent$icc_lmer <- psych_one(ds$x, lmer = TRUE)
    ent$icc_lmer_call <- "psych::ICC(x, lmer=TRUE)"
  }
  psych_out[[length(psych_out) + 1]] <- ent
}
# missing values
xm <- gen_interval(20, 4, 1.2, 0.6, 0.8)
miss_cells <- cbind(c(2, 5, 5, 11, 17), c(1, 3, 4, 2, 4))
xm[miss_cells] <- NA
ent <- list(id = "icc_missing_20x4", description = "20 subjects x 4 raters, 5 missing cells in 4 subjects", ratings = xm)
# (psych prints the na.fail error through try(); capture.output keeps the log clean)
invisible(capture.output(
  err <- tryCatch({ suppressMessages(psych::ICC(xm, lmer = FALSE)); NULL }, error = function(e) conditionMessage(e)),
  type = "message"))
ent$default_lmer_false <- list(call = "psych::ICC(x, lmer=FALSE)", stops_with_error = !is.null(err),
                               note = "psych stops when missing=TRUE and lmer=FALSE and rows are incomplete; it does not drop them itself")
ent$na_omit_lmer_false <- c(list(call = "psych::ICC(na.omit(x), lmer=FALSE)"), psych_one(na.omit(xm), lmer = FALSE))
ent$missing_false_lmer_false <- c(list(call = "psych::ICC(x, missing=FALSE, lmer=FALSE)",
                                       note = "aov() drops the missing cells of the long data (unbalanced two-way ANOVA, sequential SS), while n_obs and all ICC df still use all rows"),
                                  psych_one(xm, missing = FALSE, lmer = FALSE))
if (HAVE_LME4) {
  ent$missing_false_lmer_true <- c(list(call = "psych::ICC(x, missing=FALSE, lmer=TRUE)",
                                        note = "MS values are rebuilt from lme4 REML variance components: MSB = k*var_ID + var_resid, MSJ = n*var_Items + var_resid, MSE = var_resid, MSW = var_resid + var_Items"),
                                   psych_one(xm, missing = FALSE, lmer = TRUE))
}
psych_out[[length(psych_out) + 1]] <- ent

# ---------------------------------------------------------------------------
# Hand check: Fleiss (1971) against its published numbers
# ---------------------------------------------------------------------------
fr <- Filter(function(z) z$id == "fleiss1971", raw_out)[[1]]$results$identity$coefficients
fk <- Filter(function(z) z$case_id == "fleiss1971", irr_fleiss)[[1]]
published <- list(
  list("irrCAC fleiss.kappa.raw value", fr$fleiss.kappa.raw$value, 0.4302445, 1e-6),
  list("irrCAC fleiss.kappa.raw se", fr$fleiss.kappa.raw$se, 0.0541989, 1e-6),
  list("irrCAC fleiss.kappa.raw pa", fr$fleiss.kappa.raw$pa, 0.5555556, 1e-6),
  list("irrCAC fleiss.kappa.raw pe", fr$fleiss.kappa.raw$pe, 0.2199383, 1e-6),
  list("irrCAC gwet.ac1.raw value", fr$gwet.ac1.raw$value, 0.4478845, 1e-6),
  list("irrCAC gwet.ac1.raw se", fr$gwet.ac1.raw$se, 0.0556621, 1e-6),
  list("irrCAC krippen.alpha.raw value", fr$krippen.alpha.raw$value, 0.4334098, 1e-6),
  list("irrCAC krippen.alpha.raw se", fr$krippen.alpha.raw$se, 0.0541989, 1e-6),
  list("irrCAC conger.kappa.raw value", fr$conger.kappa.raw$value, 0.4418085, 1e-6),
  list("irrCAC conger.kappa.raw se", fr$conger.kappa.raw$se, 0.0507944, 1e-6),
  list("irrCAC bp.coeff.raw value", fr$bp.coeff.raw$value, 0.4444444, 1e-6),
  list("irrCAC bp.coeff.raw se", fr$bp.coeff.raw$se, 0.0551228, 1e-6),
  list("irrCAC pa.coeff.raw value", fr$pa.coeff.raw$value, 0.5555556, 1e-6),
  list("irrCAC pa.coeff.raw se", fr$pa.coeff.raw$se, 0.0440983, 1e-6),
  list("irrCAC fleiss.kappa.raw lcb (t, 29 df)", fr$fleiss.kappa.raw$lcb, 0.3194, 5e-5),
  list("irrCAC fleiss.kappa.raw ucb (t, 29 df)", fr$fleiss.kappa.raw$ucb, 0.5411, 5e-5),
  list("irr kappam.fleiss value", fk$value, 0.4302445, 1e-6),
  list("irr kappam.fleiss se0", fk$se0, 0.0243739, 1e-6),
  list("irr kappam.fleiss z", fk$z, 17.6518, 5e-4),
  list("irr kappam.fleiss per-category kappa 1", fk$per_category$kappa[1], 0.2447552, 1e-6),
  list("irr kappam.fleiss per-category kappa 2", fk$per_category$kappa[2], 0.2447552, 1e-6),
  list("irr kappam.fleiss per-category kappa 3", fk$per_category$kappa[3], 0.5200000, 1e-6),
  list("irr kappam.fleiss per-category kappa 4", fk$per_category$kappa[4], 0.4711273, 1e-6),
  list("irr kappam.fleiss per-category kappa 5", fk$per_category$kappa[5], 0.5661178, 1e-6),
  list("irr kappam.fleiss per-category se0", fk$per_category$se0, 0.0471405, 1e-6)
)
checks <- lapply(published, function(p) list(quantity = p[[1]], computed = p[[2]], published = p[[3]],
                                             abs_diff = abs(p[[2]] - p[[3]]), tolerance = p[[4]],
                                             ok = abs(p[[2]] - p[[3]]) <= p[[4]]))
all_ok <- all(vapply(checks, function(z) z$ok, logical(1)))
for (z in checks) cat(sprintf("%-45s computed %.9f published %.7f diff %.2e %s\n", z$quantity, z$computed, z$published, z$abs_diff, if (z$ok) "ok" else "FAIL"))
if (!all_ok) stop("Fleiss (1971) check failed")

# Cross-checks between the implementations (recorded, not enforced)
xchecks <- list()
for (k in irr_kripp) {
  rc <- Filter(function(z) z$id == k$case_id, raw_out)[[1]]$results
  a <- rc$identity$coefficients$krippen.alpha.raw$value
  if (!is.null(a) && !is.na(a) && !is.na(k$with_all_na_unit$nominal))
    xchecks[[length(xchecks) + 1]] <- list(what = "irr kripp.alpha nominal (all-NA-unit form) vs irrCAC krippen.alpha.raw identity",
                                           case_id = k$case_id, abs_diff = abs(a - k$with_all_na_unit$nominal))
}
for (id in c("unequal_raters", "missing_15pct", "fleiss1971")) {
  rc <- Filter(function(z) z$id == id, raw_out)[[1]]$results
  dc <- Filter(function(z) z$id == paste0("counts_from_raw_", id), dist_out)[[1]]$results
  for (wn in c("identity", "quadratic")) for (f in c("pa.coeff", "gwet.ac1", "fleiss.kappa", "krippen.alpha", "bp.coeff")) {
    a <- rc[[wn]]$coefficients[[paste0(f, ".raw")]]
    b <- dc[[wn]]$coefficients[[paste0(f, ".dist")]]
    xchecks[[length(xchecks) + 1]] <- list(what = sprintf("%s.raw vs %s.dist (%s)", f, f, wn), case_id = id,
                                           abs_diff_value = abs(a$value - b$value), abs_diff_se = abs(a$se - b$se))
  }
}

# ---------------------------------------------------------------------------
# Cohen's kappa of two coders: Fleiss-Cohen-Everitt SEs, non-symmetric weights
# ---------------------------------------------------------------------------
# Fixed tables only (no random numbers: the fixtures above stay as they were).
# cohen1968: Cohen (1968), Psychol Bull 70:213-220, the diagnoses of 200 patients by two judges (cell
# proportions x 200, rows = first judge), with his disagreement weights v (symmetric: kw = .348, and the
# non-symmetric set: kw = .353, as psych's cohen.kappa example notes); agreement weights w = 1 - v/max(v).
# sas_freq: the SAS PROC FREQ kappa example (ASE .1380, ASE under H0 .1484, z 3.2626).
cohen_tab <- matrix(c(.44, .07, .09, .05, .20, .05, .01, .03, .06), 3, byrow = TRUE) * 200
v_sym <- matrix(c(0, 1, 3, 1, 0, 6, 3, 6, 0), 3, byrow = TRUE)
v_asym <- matrix(c(0, 1, 4, 1, 0, 6, 2, 2, 0), 3, byrow = TRUE)
fce_cases <- list(
  list(id = "cohen1968", tab = cohen_tab, weights = list(
    identity = diag(3), cohen_symmetric = 1 - v_sym / 6, cohen_asymmetric = 1 - v_asym / 6,
    linear = get("linear.weights", MOD)(1:3), quadratic = get("quadratic.weights", MOD)(1:3))),
  list(id = "sas_freq", tab = matrix(c(0, 4, 1, 0, 8, 0, 0, 1, 5), 3, byrow = TRUE), weights = list(
    identity = diag(3), linear = get("linear.weights", MOD)(1:3), quadratic = get("quadratic.weights", MOD)(1:3))),
  list(id = "table_3x3", tab = table_out[[1]]$table, weights = list(
    identity = diag(3), linear = get("linear.weights", MOD)(1:3), quadratic = get("quadratic.weights", MOD)(1:3)))
)
irr_weight <- c(identity = "unweighted", linear = "equal", quadratic = "squared")
fce_out <- list()
for (cs in fce_cases) {
  tab <- as.matrix(cs$tab)
  q <- ncol(tab)
  # the units as rating pairs (row category, column category), for irr::kappa2
  pairs <- do.call(rbind, lapply(seq_len(q * q), function(i) {
    k <- (i - 1) %% q + 1; l <- (i - 1) %/% q + 1
    matrix(c(k, l), nrow = tab[k, l], ncol = 2, byrow = TRUE)
  }))
  results <- list()
  for (wn in names(cs$weights)) {
    wm <- cs$weights[[wn]]
    e <- get("kappa2.table", MOD)(tab, weights = wm)
    ps <- psych::cohen.kappa(tab, wm)
    one <- list(weights_matrix = mat_out(wm),
                kappa2_table = clean(list(value = num(e$coeff.val), se = num(e$coeff.se), lcb = num(e$lcb),
                                          ucb = num(e$ucb), p_value = num(e$p.value.num))),
                psych_cohen_kappa = list(kappa = num(ps$kappa), weighted_kappa = num(ps$weighted.kappa),
                                         var_kappa = num(ps$var.kappa), var_weighted = num(ps$var.weighted),
                                         confid = unname(as.matrix(ps$confid))))
    if (wn %in% names(irr_weight)) {
      k2 <- get("kappa2", IRR)(pairs, weight = irr_weight[[wn]])
      one$irr_kappa2 <- clean(list(weight = irr_weight[[wn]], value = num(k2$value), se0 = num(k2$se0),
                                   z = num(k2$statistic), p_value = num(k2$p.value)))
    }
    results[[wn]] <- one
  }
  fce_out[[length(fce_out) + 1]] <- list(id = cs$id, table = mat_out(tab), n = sum(tab), results = results)
}

# ---------------------------------------------------------------------------
# Write
# ---------------------------------------------------------------------------
src_files <- c(paste0("irrCAC/R/", c("agree.coeff3.raw.r", "agree.coeff3.dist.r", "agree.coeff2.r", "weights.gen.r", "benchmarking.r")),
               paste0("irr/R/", c("kappam.fleiss.R", "kappa2.R", "icc.R", "kripp.alpha.R")))
src_paths <- c(irrcac_r(sub("^irrCAC/R/", "", src_files[1:5])), irr_r(sub("^irr/R/", "", src_files[6:9])))
SOURCE_MD5 <- as.list(setNames(unname(tools::md5sum(src_paths)), src_files))
meta <- list(
  generator = "tools/r_reference/make_fixtures.R",
  r_version = R.version.string,
  irrCAC_commit = IRRCAC_COMMIT,
  irr_version = "0.84.1", irr_commit = IRR_COMMIT,
  psych_version = as.character(packageVersion("psych")),
  dplyr_version = as.character(packageVersion("dplyr")),
  jsonlite_version = as.character(packageVersion("jsonlite")),
  lme4_version = if (HAVE_LME4) as.character(packageVersion("lme4")) else NULL,
  source_md5 = SOURCE_MD5,
  seed = SEED, rng = paste(RNGkind(), collapse = "/"),
  precision = "numbers are written with 15 significant digits; null = NA/NaN/Inf in R (see r_nonfinite next to it)"
)
write_fixture <- function(name, payload) {
  path <- file.path(OUT_DIR, name)
  write_json(c(list(meta = meta), payload), path, auto_unbox = TRUE, digits = NA, na = "null", null = "null", pretty = TRUE)
  cat(sprintf("wrote %s (%d bytes)\n", path, file.size(path)))
}
write_fixture("irrcac_raw.json", list(functions = RAW_FUNS, cases = raw_out))
write_fixture("irrcac_dist.json", list(functions = DIST_FUNS, cases = dist_out))
write_fixture("irrcac_table.json", list(functions = TABLE_FUNS, cases = table_out))
write_fixture("irrcac_benchmark.json", list(cases = bench_out))
write_fixture("irr.json", list(kappam_fleiss = irr_fleiss, kappa2 = irr_kappa2, kripp_alpha = irr_kripp, icc = irr_icc))
write_fixture("psych_icc.json", list(cases = psych_out))
write_fixture("cohen_fce.json", list(cases = fce_out))
write_fixture("checks.json", list(fleiss1971 = list(all_ok = all_ok, checks = checks), cross_checks = xchecks))
