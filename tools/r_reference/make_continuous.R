# Independent figures for irrkit's continuous agreement (fixtures/continuous/r_continuous.csv).
# Run: Rscript tools/r_reference/make_continuous.R <src dir with epiR, DescTools, blandr sources> <lib with BlandAltmanLeh> <fixtures/continuous>
args <- commandArgs(TRUE)
src <- args[1]; lib <- args[2]; dir <- args[3]
source(file.path(src, "epiR/R/epi.ccc.R")); source(file.path(src, "epiR/R/epi.occc.R"))
dt <- new.env(); sys.source(file.path(src, "DescTools/R/StatsAndCIs.r"), envir = dt)
source(file.path(src, "blandr/R/blandr.data.preparation.r")); source(file.path(src, "blandr/R/blandr.statistics.r"))
library(BlandAltmanLeh, lib.loc = lib)
rows <- list()
put <- function(data, a, b, package, quantity, value) {
  rows[[length(rows) + 1]] <<- data.frame(data = data, a = a, b = b, package = package, quantity = quantity,
                                          value = format(value, digits = 17))
}
pair <- function(data, a, b, x, y) {
  e <- epi.ccc(x, y, ci = "z-transform")
  put(data, a, b, "epiR", "ccc", e$rho.c$est); put(data, a, b, "epiR", "ccc_ci_low", e$rho.c$lower)
  put(data, a, b, "epiR", "ccc_ci_high", e$rho.c$upper)
  ea <- epi.ccc(x, y, ci = "asymptotic")
  put(data, a, b, "epiR", "ccc_asymptotic_ci_low", ea$rho.c$lower); put(data, a, b, "epiR", "ccc_asymptotic_ci_high", ea$rho.c$upper)
  put(data, a, b, "epiR", "ccc_bias_correction", e$C.b)
  d <- dt$CCC(x, y, ci = "z-transform")
  put(data, a, b, "DescTools", "ccc", d$rho.c$est); put(data, a, b, "DescTools", "ccc_ci_low", d$rho.c$lwr.ci)
  put(data, a, b, "DescTools", "ccc_ci_high", d$rho.c$upr.ci)
  bl <- blandr.statistics(x, y)
  for (q in c("bias", "biasLowerCI", "biasUpperCI", "biasStdDev", "lowerLOA", "lowerLOA_lowerCI", "lowerLOA_upperCI",
              "upperLOA", "upperLOA_lowerCI", "upperLOA_upperCI", "LOA_SEM", "biasSEM"))
    put(data, a, b, "blandr", q, bl[[q]])
  ba <- bland.altman.stats(x, y)
  for (q in names(ba$CI.lines)) put(data, a, b, "BlandAltmanLeh", q, ba$CI.lines[[q]])
  for (q in names(ba$lines)) put(data, a, b, "BlandAltmanLeh", q, ba$lines[[q]])
  fit <- summary(lm(I(x - y) ~ I((x + y) / 2)))$coefficients
  put(data, a, b, "stats::lm", "slope", fit[2, 1]); put(data, a, b, "stats::lm", "slope_se", fit[2, 2])
  put(data, a, b, "stats::lm", "slope_p", fit[2, 4]); put(data, a, b, "stats::lm", "intercept", fit[1, 1])
}
for (f in c("pefr_first_readings", "giavarina_2015", "jones_2011", "borgbjerg_2020_iti")) {
  m <- read.csv(file.path(dir, paste0(f, ".csv")), check.names = FALSE)
  x <- as.matrix(m[, -1]); cod <- colnames(x)
  for (i in seq_along(cod)) for (j in seq_along(cod)) if (i < j && j <= 5) pair(f, cod[i], cod[j], x[, i], x[, j])
  if (ncol(x) > 2) {
    o <- epi.occc(x, pairs = TRUE)
    put(f, "", "", "epiR", "occc", o$occc); put(f, "", "", "epiR", "oprec", o$oprec); put(f, "", "", "epiR", "oaccu", o$oaccu)
    for (i in seq_along(cod)) {  # each coder against the mean of the others
      bl <- blandr.statistics(x[, i], rowMeans(x[, -i, drop = FALSE]))
      for (q in c("bias", "biasLowerCI", "biasUpperCI", "lowerLOA", "lowerLOA_lowerCI", "lowerLOA_upperCI",
                  "upperLOA", "upperLOA_lowerCI", "upperLOA_upperCI"))
        put(f, cod[i], "mean of others", "blandr", q, bl[[q]])
    }
  }
}
out <- do.call(rbind, rows)
write.csv(out, file.path(dir, "r_continuous.csv"), row.names = FALSE, quote = TRUE)
cat(R.version.string, "\n")
