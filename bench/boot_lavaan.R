# lavaan's bootstrap of case10's indirect effect, timed: the computation behind
# `crosslag bootstrap --reps 2000` on the same model and data.
#
#   Rscript bench/boot_lavaan.R [REFERENCE_DIR] [B] [SEED] [OUT_JSON]
#
#   REFERENCE_DIR  tests/fixtures/lavaan (case10_mediation_indirect.json names the syntax, the
#                  lavaan function and the data file)
#   B              bootstrap replications (default 2000)
#   SEED           iseed of the bootstrap (default 1)
#   OUT_JSON       default target/bench-results/lavaan_boot_case10.json
#
# The call is case10's (`sem(model, data)`, no further options) with se = "bootstrap",
# bootstrap = B, iseed = SEED (serial: parallel = "no", lavaan's default). The timed part is
# the sem() call (which fits the model once and then refits it B times) plus
# parameterEstimates(fit, boot.ci.type = "perc") - the work of `crosslag bootstrap
# --no-bca --no-bollen-stine`. The CSV is read before the timing. For reference, the BCa
# variant lavaan offers ("bca.simple": bias correction without acceleration) is written too.
suppressPackageStartupMessages({
  library(lavaan)
  library(jsonlite)
})
args <- commandArgs(trailingOnly = TRUE)
arg <- function(i, default) if (length(args) >= i && nzchar(args[i])) args[i] else default
ref_dir <- arg(1, "tests/fixtures/lavaan")
B <- as.integer(arg(2, "2000"))
seed <- as.integer(arg(3, "1"))
out <- arg(4, "target/bench-results/lavaan_boot_case10.json")

js <- fromJSON(file.path(ref_dir, "case10_mediation_indirect.json"), simplifyVector = TRUE)
data <- read.csv(file.path(ref_dir, js$data))
opts <- js$options_passed
if (length(opts) == 0) opts <- list()
loadavg_start <- readLines("/proc/loadavg")

t0 <- proc.time()
fit <- do.call(js$lavaan_function, c(list(model = js$lavaan_syntax, data = data, se = "bootstrap",
                                         bootstrap = B, iseed = seed), opts))
pe <- parameterEstimates(fit, boot.ci.type = "perc", level = 0.95)
dt <- proc.time() - t0
elapsed <- dt[["elapsed"]]
cpu <- dt[["user.self"]] + dt[["sys.self"]]
pe_bca <- parameterEstimates(fit, boot.ci.type = "bca.simple", level = 0.95)
boot <- lavInspect(fit, "boot")
nboot <- nrow(boot)
nfail <- attr(boot, "nonadmissible")

# delta-method SEs of the same model (for the comparison with crosslag's "se" column)
fit_ml <- do.call(js$lavaan_function, c(list(model = js$lavaan_syntax, data = data), opts))
pe_ml <- parameterEstimates(fit_ml)

row <- function(name) {
  k <- paste0(pe$lhs, pe$op, pe$rhs) == name | pe$label == name
  k2 <- paste0(pe_bca$lhs, pe_bca$op, pe_bca$rhs) == name | pe_bca$label == name
  k3 <- paste0(pe_ml$lhs, pe_ml$op, pe_ml$rhs) == name | pe_ml$label == name
  list(est = pe$est[k], boot_se = pe$se[k], perc_lower = pe$ci.lower[k],
       perc_upper = pe$ci.upper[k], bca_simple_lower = pe_bca$ci.lower[k2],
       bca_simple_upper = pe_bca$ci.upper[k2], delta_se = pe_ml$se[k3])
}
params <- setNames(lapply(c("ind", "total", "a", "b", "c"), row),
                   c("ind", "total", "a", "b", "c"))
res <- list(
  what = "lavaan bootstrap of case10 (ind := a*b, total := c + a*b)",
  call = sprintf("%s(model, data, se = \"bootstrap\", bootstrap = %d, iseed = %d); parameterEstimates(fit, boot.ci.type = \"perc\")",
                 js$lavaan_function, B, seed),
  data = js$data, n = nrow(data), bootstrap = B, iseed = seed,
  successful_draws = nboot, parameters = params,
  timing = list(elapsed_s = elapsed, cpu_s = cpu, per_replication_cpu_s = cpu / B,
                loadavg_start = loadavg_start, loadavg_end = readLines("/proc/loadavg"),
                nproc = parallel::detectCores(), blas_threads = Sys.getenv("OPENBLAS_NUM_THREADS")),
  r_version = as.character(getRversion()),
  lavaan_version = as.character(packageVersion("lavaan")),
  date = format(Sys.time(), "%Y-%m-%dT%H:%M:%SZ", tz = "UTC"))
dir.create(dirname(out), showWarnings = FALSE, recursive = TRUE)
writeLines(toJSON(res, auto_unbox = TRUE, digits = I(10), pretty = TRUE, na = "null"), out)
x <- params$ind
cat(sprintf("lavaan bootstrap case10, B = %d (%d successful): %.2f s elapsed, %.2f s CPU; ind = %.4f, boot SE %.4f (delta %.4f), percentile [%.4f, %.4f]\n",
            B, nboot, elapsed, cpu, x$est, x$boot_se, x$delta_se, x$perc_lower, x$perc_upper))
