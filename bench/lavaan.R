# Time lavaan on the reference cases that benches/fit.rs times for crosslag.
#
#   Rscript bench/lavaan.R [REFERENCE_DIR] [RUNS] [OUT_TSV] [CASES]
#
# For each case, the call is built exactly from the reference JSON: the function named in
# `lavaan_function` (lavaan / sem / cfa) with `model = lavaan_syntax`, `data = <the CSV>` and
# `options_passed`. The CSV is read once, outside the timing. Each variant is run once to warm
# up and then RUNS times (default 25); the median, min and max elapsed seconds are written.
#
# Variants:
#   call  - the lavaan call alone (estimates, standard errors, test statistic)
#   full  - call + parameterEstimates(fit, standardized = TRUE) + fitMeasures(fit): the work
#           one crosslag_sem::fit does (estimates, SEs, standardized solution, fit measures)
#   sem_default - case02/04a/07a only: the same syntax through sem() with only the
#           meanstructure / missing / group options (sem()'s automatic additions apply, so
#           the model differs: the exogenous latent variables get correlated) - lavaan's
#           default path for a user who does not call lavaan().
suppressPackageStartupMessages({
  library(lavaan)
  library(jsonlite)
})

args <- commandArgs(trailingOnly = TRUE)
ref_dir <- if (length(args) >= 1 && nzchar(args[1])) args[1] else "tests/fixtures/lavaan"
runs <- if (length(args) >= 2) as.integer(args[2]) else 25L
out <- if (length(args) >= 3) args[3] else ""
cases <- if (length(args) >= 4) strsplit(args[4], ",")[[1]] else
  c("case02_riclpm_ml", "case14_political_democracy_sem",
    "case04a_riclpm_fiml_ml", "case07a_riclpm_multigroup_configural")

# Elapsed and CPU (user + system of this process) seconds of each run: on a shared machine
# the CPU time is the steadier number.
time_runs <- function(f, runs) {
  f() # warm-up (and a check that it runs)
  el <- cpu <- numeric(runs)
  for (i in seq_len(runs)) {
    t0 <- proc.time()
    f()
    d <- proc.time() - t0
    el[i] <- d[["elapsed"]]
    cpu[i] <- d[["user.self"]] + d[["sys.self"]]
  }
  list(elapsed = el, cpu = cpu)
}

rows <- list()
for (case in cases) {
  js <- fromJSON(file.path(ref_dir, paste0(case, ".json")), simplifyVector = TRUE)
  data <- read.csv(file.path(ref_dir, js$data))
  fun <- js$lavaan_function # by name: sem()/cfa() inspect their own call
  opts <- js$options_passed
  if (length(opts) == 0) opts <- list()
  call_fit <- function() do.call(fun, c(list(model = js$lavaan_syntax, data = data), opts))
  variants <- list(
    call = call_fit,
    full = function() {
      fit <- call_fit()
      pe <- parameterEstimates(fit, standardized = TRUE)
      fm <- fitMeasures(fit)
      invisible(list(pe, fm))
    }
  )
  if (js$lavaan_function == "lavaan") {
    sem_opts <- opts[intersect(names(opts), c("meanstructure", "missing", "group"))]
    variants$sem_default <- function() {
      do.call("sem", c(list(model = js$lavaan_syntax, data = data), sem_opts))
    }
  }
  fit0 <- call_fit()
  iters <- lavInspect(fit0, "iterations")
  for (v in names(variants)) {
    tr <- time_runs(variants[[v]], runs)
    t <- tr$elapsed
    rows[[length(rows) + 1]] <- data.frame(
      case = case, variant = v, runs = runs, median_s = median(t), min_s = min(t),
      max_s = max(t), cpu_median_s = median(tr$cpu), iterations = iters,
      stringsAsFactors = FALSE)
    cat(sprintf("%-38s %-11s median %8.1f ms (min %.1f, max %.1f; CPU median %.1f ms; %d runs; %d iterations)\n",
                case, v, 1000 * median(t), 1000 * min(t), 1000 * max(t),
                1000 * median(tr$cpu), runs, iters))
  }
}
res <- do.call(rbind, rows)
if (nzchar(out)) write.table(res, out, sep = "\t", quote = FALSE, row.names = FALSE)
cat(sprintf("\nR %s, lavaan %s, BLAS %s\n", getRversion(), packageVersion("lavaan"),
            extSoftVersion()[["BLAS"]]))
