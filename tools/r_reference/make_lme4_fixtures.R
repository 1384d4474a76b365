#!/usr/bin/env Rscript
# make_lme4_fixtures.R -- REML variance components of rating ~ 1 + (1|unit) + (1|coder) from lme4, the model
# psych::ICC(x, missing = FALSE, lmer = TRUE) fits, on generated incomplete designs (irrkit's own script; no
# package code). The optimizer runs with tight tolerances and is restarted from its own optimum, so the
# components are converged to ~1e-9 relative, and tests can hold irrkit's Newton REML to 1e-6.
#
# Usage (from the repository root): Rscript tools/r_reference/make_lme4_fixtures.R
# Writes fixtures/r_reference/lme4_reml.json. Needs lme4 and jsonlite.

suppressPackageStartupMessages({
  library(lme4)
  library(jsonlite)
})
OUT_DIR <- Sys.getenv("OUT_DIR", "fixtures/r_reference")
set.seed(20261201L)
RNGkind("Mersenne-Twister", "Inversion", "Rejection")

gen <- function(n, k, su, sc, se, miss) {
  x <- matrix(rnorm(n, 0, su), n, k) + matrix(rnorm(k, 0, sc), n, k, byrow = TRUE) + matrix(rnorm(n * k, 0, se), n, k)
  x[matrix(runif(n * k) < miss, n, k)] <- NA
  x
}
# each unit rated by `per` of k coders chosen at random
gen_pairs <- function(n, k, per, su, sc, se) {
  x <- matrix(NA_real_, n, k)
  cu <- rnorm(k, 0, sc)
  for (i in 1:n) {
    j <- sample.int(k, per)
    x[i, j] <- rnorm(1, 0, su) + cu[j] + rnorm(per, 0, se)
  }
  x
}
# one unit rated by every one of k coders, the others by the first three (irrkit issue 14)
gen_wide_unit <- function(n, k) {
  x <- matrix(NA_real_, n, k)
  u <- rnorm(n)
  cu <- rnorm(k, 0, 0.4)
  x[1, ] <- u[1] + cu + rnorm(k, 0, 0.8)
  for (i in 2:n) x[i, 1:3] <- u[i] + cu[1:3] + rnorm(3, 0, 0.8)
  x
}

fit <- function(x) {
  d <- data.frame(y = as.vector(x), unit = factor(rep(seq_len(nrow(x)), ncol(x))),
                  coder = factor(rep(seq_len(ncol(x)), each = nrow(x))))
  d <- d[!is.na(d$y), ]
  ctl <- lmerControl(optimizer = "bobyqa", optCtrl = list(rhoend = 1e-12, maxfun = 1e5),
                     check.conv.singular = "ignore", calc.derivs = FALSE)
  m <- lmer(y ~ 1 + (1 | unit) + (1 | coder), data = d, REML = TRUE, control = ctl)
  m <- update(m, start = getME(m, "theta"))  # restart from the optimum
  vc <- as.data.frame(VarCorr(m))
  get <- function(g) vc$vcov[vc$grp == g]
  list(unit = get("unit"), coder = get("coder"), error = get("Residual"), reml_criterion = unname(REMLcrit(m)),
       theta = unname(getME(m, "theta")), n_obs = nrow(d))
}

cases <- list(
  list(id = "missing_40x4", description = "40 units x 4 coders, 15% missing", x = gen(40, 4, 1.5, 0.6, 1, 0.15)),
  list(id = "pairs_80x6", description = "80 units, each by 2 of 6 coders", x = gen_pairs(80, 6, 2, 1, 0.5, 0.7)),
  list(id = "coder_zero_30x3", description = "30 units x 3 coders, no coder effect, 20% missing",
       x = gen(30, 3, 1, 0, 1, 0.2)),
  list(id = "unit_small_25x5", description = "25 units x 5 coders, small unit effect, 10% missing",
       x = gen(25, 5, 0.05, 1, 1, 0.1)),
  list(id = "wide_unit_30x10000", description = "unit 1 rated by 10,000 coders, units 2-30 by coders 1-3",
       x = gen_wide_unit(30, 10000))
)
out <- lapply(cases, function(cs) {
  r <- fit(cs$x)
  x <- cs$x
  if (ncol(x) > 50) {  # stored sparsely: (unit, coder, value) triples, 1-based
    w <- which(!is.na(x), arr.ind = TRUE)
    list(id = cs$id, description = cs$description, shape = dim(x),
         triples = cbind(w, x[w]), lme4 = r)
  } else {
    list(id = cs$id, description = cs$description, ratings = x, lme4 = r)
  }
})
meta <- list(generated_by = "tools/r_reference/make_lme4_fixtures.R", R = R.version.string,
             lme4 = as.character(packageVersion("lme4")),
             model = "lmer(y ~ 1 + (1|unit) + (1|coder), REML = TRUE), bobyqa rhoend 1e-12, restarted at its optimum")
path <- file.path(OUT_DIR, "lme4_reml.json")
write_json(list(meta = meta, cases = out), path, auto_unbox = TRUE, digits = NA, na = "null", pretty = TRUE)
cat(sprintf("wrote %s (%d bytes)\n", path, file.size(path)))
