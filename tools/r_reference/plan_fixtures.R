#!/usr/bin/env Rscript
# plan_fixtures.R -- reference sample sizes for irrkit's planning tests, computed with the R packages
# kappaSize 1.2 (M. Rotondi) and ICC.Sample.Size 1.1 (Rathbone, Shaw & Kumbhare).
#
# irrkit's own calling script: it contains no code of those packages, it source()s their R files from
# directories outside this repository and writes fixtures/r_reference/planning.json. CI never runs it.
#
# Usage (from the repository root):
#   KAPPASIZE_DIR=/tmp/kappaSize ICCSS_DIR=/tmp/ICC.Sample.Size Rscript tools/r_reference/plan_fixtures.R
# The directories must contain R/*.R of the packages (CRAN mirror on GitHub: cran/kappaSize commit
# 579b0544c993e8a0914745f359af63d42f6a0272, cran/ICC.Sample.Size commit
# 457cace050474f63979bbf0d5e4e370c0bef2a75). Needs jsonlite.

suppressPackageStartupMessages(library(jsonlite))
KS <- Sys.getenv("KAPPASIZE_DIR", "/tmp/kappaSize")
IS <- Sys.getenv("ICCSS_DIR", "/tmp/ICC.Sample.Size")
OUT <- Sys.getenv("OUT_FILE", "fixtures/r_reference/planning.json")
for (f in list.files(file.path(KS, "R"), full.names = TRUE)) source(f)
for (f in list.files(file.path(IS, "R"), full.names = TRUE)) source(f)

ci_cases <- list(
  # the documented example of CIBinary
  list(kappa0 = 0.4, kappaL = 0.3, kappaU = 0.5, props = c(0.3), raters = 2, alpha = 0.05),
  list(kappa0 = 0.6, kappaL = 0.4, kappaU = NA, props = c(0.2), raters = 2, alpha = 0.05),
  list(kappa0 = 0.8, kappaL = 0.6, kappaU = NA, props = c(0.1), raters = 2, alpha = 0.05),
  list(kappa0 = 0.6, kappaL = 0.4, kappaU = 0.8, props = c(0.2, 0.3, 0.5), raters = 2, alpha = 0.05),
  list(kappa0 = 0.7, kappaL = 0.6, kappaU = NA, props = c(0.1, 0.1, 0.8), raters = 2, alpha = 0.05),
  list(kappa0 = 0.6, kappaL = 0.4, kappaU = 0.8, props = c(0.1, 0.2, 0.3, 0.4), raters = 2, alpha = 0.05),
  list(kappa0 = 0.6, kappaL = 0.5, kappaU = 0.7, props = c(0.1, 0.1, 0.2, 0.3, 0.3), raters = 2, alpha = 0.05)
)
for (r in 3:6) {
  ci_cases[[length(ci_cases) + 1]] <- list(kappa0 = 0.6, kappaL = 0.4, kappaU = NA, props = c(0.2), raters = r,
                                           alpha = 0.05)
  ci_cases[[length(ci_cases) + 1]] <- list(kappa0 = 0.6, kappaL = 0.5, kappaU = 0.7, props = c(0.4), raters = r,
                                           alpha = 0.05)
  ci_cases[[length(ci_cases) + 1]] <- list(kappa0 = 0.6, kappaL = 0.4, kappaU = 0.8, props = c(0.2, 0.3, 0.5),
                                           raters = r, alpha = 0.05)
  ci_cases[[length(ci_cases) + 1]] <- list(kappa0 = 0.7, kappaL = 0.6, kappaU = NA, props = c(0.1, 0.1, 0.8),
                                           raters = r, alpha = 0.1)
  ci_cases[[length(ci_cases) + 1]] <- list(kappa0 = 0.6, kappaL = 0.4, kappaU = 0.8, props = c(0.1, 0.2, 0.3, 0.4),
                                           raters = r, alpha = 0.05)
  ci_cases[[length(ci_cases) + 1]] <- list(kappa0 = 0.6, kappaL = 0.5, kappaU = 0.7,
                                           props = c(0.1, 0.1, 0.2, 0.3, 0.3), raters = r, alpha = 0.05)
}
ci_fun <- function(q) switch(as.character(q), "1" = CIBinary, "3" = CI3Cats, "4" = CI4Cats, "5" = CI5Cats)
ci_out <- lapply(ci_cases, function(cs) {
  f <- ci_fun(length(cs$props))
  cs$n <- f(kappa0 = cs$kappa0, kappaL = cs$kappaL, kappaU = cs$kappaU, props = cs$props, raters = cs$raters,
            alpha = cs$alpha)$n
  cs$kappaU <- if (is.na(cs$kappaU)) NULL else cs$kappaU
  cs
})

pow_cases <- list(
  # the documented example of PowerBinary
  list(kappa0 = 0.4, kappa1 = 0.6, props = c(0.3), raters = 2, alpha = 0.05, power = 0.8),
  list(kappa0 = 0.6, kappa1 = 0.8, props = c(0.15), raters = 2, alpha = 0.05, power = 0.9),
  list(kappa0 = 0.4, kappa1 = 0.6, props = c(0.2, 0.3, 0.5), raters = 2, alpha = 0.05, power = 0.8),
  list(kappa0 = 0.4, kappa1 = 0.6, props = c(0.1, 0.2, 0.3, 0.4), raters = 2, alpha = 0.05, power = 0.8),
  list(kappa0 = 0.5, kappa1 = 0.7, props = c(0.1, 0.1, 0.2, 0.3, 0.3), raters = 2, alpha = 0.05, power = 0.8)
)
for (r in 3:6) {
  pow_cases[[length(pow_cases) + 1]] <- list(kappa0 = 0.4, kappa1 = 0.6, props = c(0.3), raters = r, alpha = 0.05,
                                             power = 0.8)
  pow_cases[[length(pow_cases) + 1]] <- list(kappa0 = 0.6, kappa1 = 0.8, props = c(0.15), raters = r, alpha = 0.05,
                                             power = 0.9)
  pow_cases[[length(pow_cases) + 1]] <- list(kappa0 = 0.4, kappa1 = 0.6, props = c(0.2, 0.3, 0.5), raters = r,
                                             alpha = 0.05, power = 0.8)
  pow_cases[[length(pow_cases) + 1]] <- list(kappa0 = 0.4, kappa1 = 0.6, props = c(0.1, 0.2, 0.3, 0.4), raters = r,
                                             alpha = 0.05, power = 0.8)
  pow_cases[[length(pow_cases) + 1]] <- list(kappa0 = 0.5, kappa1 = 0.7, props = c(0.1, 0.1, 0.2, 0.3, 0.3),
                                             raters = r, alpha = 0.05, power = 0.8)
}
pow_fun <- function(q) switch(as.character(q), "1" = PowerBinary, "3" = Power3Cats, "4" = Power4Cats,
                              "5" = Power5Cats)
pow_out <- lapply(pow_cases, function(cs) {
  f <- pow_fun(length(cs$props))
  cs$N <- f(kappa0 = cs$kappa0, kappa1 = cs$kappa1, props = cs$props, raters = cs$raters, alpha = cs$alpha,
            power = cs$power)$N
  cs
})

icc_cases <- list(
  # the documented example of calculateIccSampleSize
  list(p = 0.8, p0 = 0.6, k = 2, alpha = 0.05, tails = 2, power = 0.8),
  list(p = 0.8, p0 = 0.4, k = 3, alpha = 0.05, tails = 1, power = 0.8),
  list(p = 0.9, p0 = 0.75, k = 4, alpha = 0.05, tails = 2, power = 0.9),
  list(p = 0.7, p0 = 0.5, k = 2, alpha = 0.05, tails = 2, power = 0.8),
  list(p = 0.85, p0 = 0.7, k = 3, alpha = 0.01, tails = 2, power = 0.8)
)
icc_out <- lapply(icc_cases, function(cs) {
  cs$N <- calculateIccSampleSize(p = cs$p, p0 = cs$p0, k = cs$k, alpha = cs$alpha, tails = cs$tails,
                                 power = cs$power)[[1]]$N
  cs
})

out <- list(
  provenance = paste("kappaSize 1.2 CIBinary/CI3Cats/CI4Cats/CI5Cats (n) and PowerBinary/Power3Cats/Power4Cats/",
                     "Power5Cats (N, unrounded); ICC.Sample.Size 1.1 calculateIccSampleSize (N);",
                     R.version.string),
  kappasize_ci = ci_out, kappasize_power = pow_out, icc_sample_size = icc_out)
writeLines(toJSON(out, auto_unbox = TRUE, digits = NA, pretty = TRUE), OUT)
cat("wrote", OUT, "\n")
