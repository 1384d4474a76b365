#!/usr/bin/env Rscript
# make_diagnostics.R -- reference numbers for irrkit's coder diagnostics (fixtures/r_reference/diagnostics.json):
# Light's kappa (R irr::kappam.light), pairwise Cohen's kappa (irr::kappa2), pairwise Gwet's AC1 and percent
# agreement (irrCAC), pairwise ICC(A,1) (psych::ICC), coder category counts (base R table), and the primary
# statistic without each coder (irrCAC fleiss.kappa.raw for nominal items, psych::ICC for ordinal items).
#
# irrkit's own calling script: it contains no code of the R packages. It loads their source files from folders
# outside this repository (see fixtures/r_reference/README.md); irrCAC's raw functions are loaded as a
# temporary copy in tempdir() with the 5-decimal rounding removed (the same patch as make_fixtures.R).
# CI never runs it; the tests read the JSON it wrote.
#
# Usage (from the repository root):
#   IRRCAC_DIR=/tmp/irrCAC IRR_DIR=/tmp/irr Rscript tools/r_reference/make_diagnostics.R

suppressPackageStartupMessages({
  library(dplyr)
  library(psych)
  library(jsonlite)
})

IRRCAC_DIR <- Sys.getenv("IRRCAC_DIR", "/tmp/irrCAC")
IRR_DIR <- Sys.getenv("IRR_DIR", "/tmp/irr")
OUT <- Sys.getenv("OUT", "fixtures/r_reference/diagnostics.json")
DEMO <- "cli/demo"
SEED <- 20261201L
RNGkind("Mersenne-Twister", "Inversion", "Rejection")
set.seed(SEED)

IRR <- new.env(parent = globalenv())
for (f in c("kappa2.R", "kappam.light.R")) sys.source(file.path(IRR_DIR, "R", f), envir = IRR)
CAC <- new.env(parent = globalenv())
sys.source(file.path(IRRCAC_DIR, "R", "weights.gen.r"), envir = CAC)
raw <- file.path(IRRCAC_DIR, "R", "agree.coeff3.raw.r")
txt <- paste(readLines(raw, warn = FALSE), collapse = "\n")
m <- gregexpr("round\\(([A-Za-z0-9._]+),5\\)", txt, perl = TRUE)[[1]]
if (length(m) != 11) stop("unexpected irrCAC source: rounding patch does not match 11 times")
tmp <- tempfile(fileext = ".R")
writeLines(gsub("round\\(([A-Za-z0-9._]+),5\\)", "\\1", txt, perl = TRUE), tmp)
sys.source(tmp, envir = CAC)

NA_TOKENS <- c("", "NA", "N/A", "-", ".")

# demo coder files -> units x coders matrix of one item (codes as text, NA = missing), units in file order
demo_item <- function(files, item) {
  cols <- lapply(files, function(f) {
    path <- file.path(DEMO, f)
    sep <- if (grepl(";", readLines(path, n = 1))) ";" else ","
    d <- read.csv(path, sep = sep, colClasses = "character", na.strings = NA_TOKENS, check.names = FALSE,
                  strip.white = TRUE)
    setNames(d[[item]], d$unit)
  })
  units <- unique(unlist(lapply(cols, names)))
  x <- sapply(cols, function(v) unname(v[units]))
  colnames(x) <- sub("\\.csv$", "", files)
  rownames(x) <- units
  x
}

pair_entry <- function(x, i, j, level, categ) {
  p <- na.omit(x[, c(i, j)])
  e <- list(coders = colnames(x)[c(i, j)], n_units = nrow(p))
  if (level == "nominal") {
    e$cohen_kappa <- IRR$kappa2(p, weight = "unweighted")$value
    e$gwet_ac1 <- CAC$gwet.ac1.raw(p, categ.labels = categ)$est$coeff.val
    e$percent_agreement <- CAC$pa.coeff.raw(p, categ.labels = categ)$est$coeff.val
  } else {
    v <- matrix(as.numeric(p), ncol = 2)
    e$icc2 <- suppressMessages(psych::ICC(v, lmer = FALSE))$results["Single_random_raters", "ICC"]
    e$mean_abs_diff <- mean(abs(v[, 1] - v[, 2]))
  }
  e
}

loo_entry <- function(x, j, level, categ) {
  s <- x[, -j, drop = FALSE]
  s <- s[rowSums(!is.na(s)) > 0, , drop = FALSE]  # units left without any rating are no units (irrCAC gives NA)
  e <- list(without = colnames(x)[j])
  if (level == "nominal") {
    e$fleiss_kappa <- CAC$fleiss.kappa.raw(s, categ.labels = categ)$est$coeff.val
  } else {
    v <- apply(s, 2, as.numeric)
    v <- v[rowSums(!is.na(v)) > 0, , drop = FALSE]
    lm <- anyNA(v)
    e$icc2 <- suppressMessages(psych::ICC(v, missing = FALSE, lmer = lm))$results["Single_random_raters", "ICC"]
    e$icc2_call <- if (lm) "psych::ICC(x, missing=FALSE, lmer=TRUE)" else "psych::ICC(x, lmer=FALSE)"
  }
  e
}

make_case <- function(id, description, x, level, categ, source) {
  k <- ncol(x)
  ent <- list(case_id = id, description = description, level = level, categories = categ, source = source,
              coders = colnames(x), units = rownames(x), ratings = unname(x))
  ent$n_rated <- as.list(setNames(colSums(!is.na(x)), colnames(x)))
  ent$distribution <- lapply(seq_len(k), function(j) as.list(table(factor(x[, j], levels = categ))))
  names(ent$distribution) <- colnames(x)
  ent$pairs <- list()
  for (i in 1:(k - 1)) for (j in (i + 1):k) ent$pairs[[length(ent$pairs) + 1]] <- pair_entry(x, i, j, level, categ)
  if (level == "nominal") {
    lk <- IRR$kappam.light(x)
    ent$light_kappa <- list(value = lk$value, subjects = lk$subjects, raters = lk$raters,
                            z = lk$statistic, p_value = lk$p.value, call = "irr::kappam.light(x)")
    ent$fleiss_kappa_all <- CAC$fleiss.kappa.raw(x, categ.labels = categ)$est$coeff.val
  } else {
    v <- apply(x, 2, as.numeric)
    ent$icc2_all <- suppressMessages(psych::ICC(v, missing = FALSE, lmer = anyNA(v)))$results[
      "Single_random_raters", "ICC"]
  }
  if (k >= 3) ent$leave_one_out <- lapply(seq_len(k), function(j) loo_entry(x, j, level, categ))
  ent
}

forms <- c("protest", "sad", "helpless", "relief", "moved", "suppressed")
responses_cb <- NULL
cases <- list()
cf <- c("crying-forms_coder_A.csv", "crying-forms_coder_B.csv", "crying-forms_coder_C.csv")
cases[[1]] <- make_case("demo_form", "bundled demo round, item 'form' (nominal, 6 codes; one missing rating)",
                        demo_item(cf, "form"), "nominal", forms, "cli/demo/crying-forms_coder_{A,B,C}.csv")
cases[[2]] <- make_case("demo_intensity", "bundled demo round, item 'intensity' (ordinal 0-3)",
                        demo_item(cf, "intensity"), "ordinal", c("0", "1", "2", "3"),
                        "cli/demo/crying-forms_coder_{A,B,C}.csv")
iv <- c("interventions_coder_A.csv", "interventions_coder_B.csv", "interventions_coder_C.csv")
resp <- sort(unique(na.omit(as.vector(demo_item(iv, "dominant_response")))))
cases[[3]] <- make_case("demo_dominant_response", "bundled demo, interventions item 'dominant_response' (nominal)",
                        demo_item(iv, "dominant_response"), "nominal", resp,
                        "cli/demo/interventions_coder_{A,B,C}.csv")
cases[[4]] <- make_case("demo_pause", "bundled demo, interventions item 'pause' (ordinal 0-3, missing ratings)",
                        demo_item(iv, "pause"), "ordinal", c("0", "1", "2", "3"),
                        "cli/demo/interventions_coder_{A,B,C}.csv")

# generated: 40 units x 5 coders, codes a-e (e never used), coder 5 guesses at random, ~8% missing
n <- 40
truth <- sample(c("a", "b", "c", "d"), n, replace = TRUE, prob = c(0.4, 0.3, 0.2, 0.1))
g <- sapply(1:5, function(j) {
  keep <- runif(n) < c(0.9, 0.85, 0.8, 0.85, 0.3)[j]
  ifelse(keep, truth, sample(c("a", "b", "c", "d"), n, replace = TRUE))
})
g[matrix(runif(n * 5) < 0.08, n)] <- NA
colnames(g) <- paste0("r", 1:5)
rownames(g) <- sprintf("u%02d", 1:n)
cases[[5]] <- make_case("generated_5coders_missing", "40 units x 5 coders, codes a-e (e unused), r5 mostly guesses, 8% missing",
                        g, "nominal", c("a", "b", "c", "d", "e"), sprintf("set.seed(%d) in this script", SEED))
# generated: 30 units x 4 coders on a 1-5 scale, coder 4 rates one point higher, some missing
s <- sample(1:4, 30, replace = TRUE)
h <- sapply(1:4, function(j) pmin(5, pmax(1, s + sample(-1:1, 30, TRUE, prob = c(.15, .7, .15)) + (j == 4))))
h[matrix(runif(120) < 0.05, 30)] <- NA
h <- matrix(as.character(h), 30)
colnames(h) <- paste0("c", 1:4)
rownames(h) <- sprintf("u%02d", 1:30)
cases[[6]] <- make_case("generated_4coders_scale", "30 units x 4 coders on 1-5, c4 rates one point higher, 5% missing",
                        h, "ordinal", as.character(1:5), sprintf("set.seed(%d) in this script", SEED))

md5 <- function(f) unname(tools::md5sum(f))
meta <- list(generator = "tools/r_reference/make_diagnostics.R", r_version = R.version.string,
             irr_version = "0.84.1", irr_commit = "3229aa564b28a83db755d7329fd621e523aaf997",
             irrCAC_commit = "7fb7509236672b8601c96366ca720f12a0d5bb7b",
             psych_version = as.character(packageVersion("psych")),
             lme4_version = as.character(packageVersion("lme4")),
             jsonlite_version = as.character(packageVersion("jsonlite")),
             source_md5 = list(`irr/R/kappa2.R` = md5(file.path(IRR_DIR, "R", "kappa2.R")),
                               `irr/R/kappam.light.R` = md5(file.path(IRR_DIR, "R", "kappam.light.R")),
                               `irrCAC/R/agree.coeff3.raw.r` = md5(raw)),
             seed = SEED, precision = "15 significant digits; ratings as text, null = NA")
writeLines(toJSON(list(meta = meta, cases = cases), auto_unbox = TRUE, digits = NA, na = "null", pretty = TRUE),
           OUT)
cat("wrote", OUT, "\n")
