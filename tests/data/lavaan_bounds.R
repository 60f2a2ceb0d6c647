# Oracle for crosslag's `--bounds pos-var`: lavaan 0.6.14 with bounds = "pos.var" on the
# LCM-SR of reference case16a with its lagged paths free per interval (lavaan 0.6.14 ignores
# bounds when a model has equality constraints). Unbounded, that model has three negative
# variances and a singular information matrix.
#   Rscript tests/data/lavaan_bounds.R tests/fixtures/lavaan tests/data/lavaan_bounds_case16a.json
suppressPackageStartupMessages({ library(lavaan); library(jsonlite) })
args <- commandArgs(trailingOnly = TRUE)
ref <- if (length(args) >= 1) args[1] else "tests/fixtures/lavaan"
out <- if (length(args) >= 2) args[2] else "tests/data/lavaan_bounds_case16a.json"
case <- fromJSON(file.path(ref, "case16a_lcmsr.json"), simplifyVector = FALSE)
data <- read.csv(file.path(ref, case$data))
syntax <- gsub("[a-z_]+\\*w_", "w_", case$lavaan_syntax)   # drop the equality labels
fit <- lavaan(syntax, data = data, bounds = "pos.var",
              control = list(iter.max = 20000, eval.max = 20000))
pe <- parameterEstimates(fit, ci = FALSE)
pe <- pe[pe$op != "==", ]
res <- list(
  syntax = syntax,
  data = case$data,
  lavaan_version = as.character(packageVersion("lavaan")),
  converged = lavInspect(fit, "converged"),
  iterations = lavInspect(fit, "iterations"),
  fx = fit@optim$fx,
  gradient = unname(lavInspect(fit, "gradient")),
  chisq = unname(fitMeasures(fit, "chisq")),
  df = unname(fitMeasures(fit, "df")),
  logl = unname(fitMeasures(fit, "logl")),
  parameters = lapply(seq_len(nrow(pe)), function(i) list(
    lhs = pe$lhs[i], op = pe$op[i], rhs = pe$rhs[i], est = pe$est[i], se = pe$se[i]))
)
writeLines(toJSON(res, auto_unbox = TRUE, digits = NA, pretty = TRUE), out)
cat("converged", res$converged, "chisq", res$chisq, "logl", res$logl, "fx", res$fx, "\n")
