# Monte Carlo power of the RI-CLPM of closeness and language with lavaan: the computation
# that `crosslag power` does, done with lavaan, for comparison of the results and the time.
#
#   Rscript bench/power_lavaan.R [REPS] [N] [SEED] [OUT_JSON] [MODEL] [POPULATION_JSON]
#
#   REPS            replications (default 1000; the environment variable REPS overrides it)
#   N               sample size per replication (default 500)
#   SEED            set.seed() of the whole run (default 20240601)
#   OUT_JSON        output (default target/bench-results/lavaan_power_A.json)
#   MODEL           analysis model, lavaan syntax (default datasets/models/riclpm_close_lang.lav;
#                   bench/power.sh passes the output of
#                   `crosslag syntax --family riclpm --x close --y lang --waves 4`)
#   POPULATION_JSON population values (default tests/fixtures/lavaan/population_A.json)
#
# Environment: RECORDS=path.csv writes every replication's estimates, SEs and p-values.
#
# Population. The RI-CLPM of closeness and language with the values of population_A.json,
# the `ses_low = 0` within process in the observed metric (covariate and classroom effects
# of the simulation that made the CSV files are left out) - the population of
# tests/power.rs and datasets/models/riclpm_close_lang_population.lav. Its mean vector and
# covariance matrix are computed here directly from the definition (not through lavaan or
# crosslag):
#   x[v,t] = mu[v,t] + RI[v] + w[v,t],  Cov(RI) = s Phi s,  Cov(w_1) = s Sigma_stat s,
#   w_t = B_raw w_{t-1} + e_t,  Cov(e_t) = s Psi s,
# and every replication draws N rows with MASS::mvrnorm (one set.seed() for the run).
#
# Analysis. Each replication is fitted as lavaan(model, data, meanstructure = TRUE,
# int.ov.free = TRUE) (case02's call; lavaan's default starting values and optimiser), and
# parameterEstimates() gives est, se, the two-sided z-test p-value and the 95% Wald interval.
#
# Summary per free parameter, over the converged replications (as crosslag's summary): mean
# estimate, bias against the population value, empirical SD, mean SE, coverage of the 95%
# interval, power = share with p < .05, with Monte Carlo SEs; the numbers of converged and
# admissible (lavaan's post.check: no negative variances, PD covariance matrices)
# replications. Timing: elapsed and CPU (user + system of this R process) of the whole
# loop (simulation + fits) and of the lavaan calls alone, per fit and in total. When
# REPS < 1000 the time of 1000 replications is extrapolated linearly
# (time_1000 = time_REPS * 1000 / REPS), and the JSON says so.
suppressPackageStartupMessages({
  library(lavaan)
  library(jsonlite)
  library(MASS)
})

args <- commandArgs(trailingOnly = TRUE)
arg <- function(i, default) if (length(args) >= i && nzchar(args[i])) args[i] else default
reps <- as.integer(arg(1, "1000"))
if (nzchar(Sys.getenv("REPS"))) reps <- as.integer(Sys.getenv("REPS"))
n <- as.integer(arg(2, "500"))
seed <- as.integer(arg(3, "20240601"))
out <- arg(4, "target/bench-results/lavaan_power_A.json")
model_path <- arg(5, "datasets/models/riclpm_close_lang.lav")
pop_path <- arg(6, "tests/fixtures/lavaan/population_A.json")
records_path <- Sys.getenv("RECORDS")
start_mode <- Sys.getenv("START", "both")   # population | default | both
stopifnot(start_mode %in% c("population", "default", "both"))
loadavg_start <- readLines("/proc/loadavg")

# ---- population moments -------------------------------------------------------------
pj <- fromJSON(pop_path, simplifyVector = TRUE)
cons <- pj$constructs
ix <- match(c("close", "lang"), cons)
s <- pj$scale_s$values[ix]
S <- diag(s)
B <- pj$B_raw_group_ses0$values[ix, ix]                  # rows: outcome (close, lang)
Psi <- S %*% pj$Psi_group_ses0$values[ix, ix] %*% S      # innovations, observed metric
S1 <- S %*% pj$Sigma_stat_group_ses0$values[ix, ix] %*% S
phi_sd <- sqrt(pj$RI_residual_var$values[ix])
Phi <- S %*% (diag(phi_sd) %*% pj$RI_residual_cor$values[ix, ix] %*% diag(phi_sd)) %*% S
mu <- pj$wave_means_mu$values[ix, ]                      # 2 x 4
waves <- 4L
V <- vector("list", waves)                               # Cov(w_t)
V[[1]] <- S1
for (t in 2:waves) V[[t]] <- B %*% V[[t - 1]] %*% t(B) + Psi
mpow <- function(M, k) { R <- diag(nrow(M)); for (i in seq_len(k)) R <- R %*% M; R }
vars <- c(paste0("close_", 1:waves), paste0("lang_", 1:waves))
Sigma <- matrix(0, 2 * waves, 2 * waves, dimnames = list(vars, vars))
for (t in 1:waves) for (u in 1:t) {
  C <- Phi + mpow(B, t - u) %*% V[[u]]                   # Cov(x_t, x_u), u <= t
  it <- c(t, waves + t); iu <- c(u, waves + u)
  Sigma[it, iu] <- C
  Sigma[iu, it] <- t(C)
}
mean_vec <- setNames(c(mu[1, ], mu[2, ]), vars)

# population value of each parameter of the analysis model, named lhs op rhs
truth <- list()
nm <- c("close", "lang")
for (t in 2:waves) for (a in 1:2) for (b in 1:2)
  truth[[sprintf("w_%s_%d~w_%s_%d", nm[a], t, nm[b], t - 1)]] <- B[a, b]
for (t in 1:waves) {
  M <- if (t == 1) S1 else Psi
  truth[[sprintf("w_close_%d~~w_close_%d", t, t)]] <- M[1, 1]
  truth[[sprintf("w_lang_%d~~w_lang_%d", t, t)]] <- M[2, 2]
  truth[[sprintf("w_close_%d~~w_lang_%d", t, t)]] <- M[1, 2]
  truth[[sprintf("close_%d~1", t)]] <- mu[1, t]
  truth[[sprintf("lang_%d~1", t)]] <- mu[2, t]
}
truth[["RI_close~~RI_close"]] <- Phi[1, 1]
truth[["RI_lang~~RI_lang"]] <- Phi[2, 2]
truth[["RI_close~~RI_lang"]] <- Phi[1, 2]

# ---- replications ----------------------------------------------------------------------
model <- paste(readLines(model_path), collapse = "\n")
RNGkind("Mersenne-Twister", "Inversion", "Rejection")
set.seed(seed)
d0 <- as.data.frame(mvrnorm(n, mean_vec, Sigma))   # only for the parameter table below
# starting values = population values (the pseudo-true values of this correctly specified
# model): the start of crosslag's lean path
pt <- parTable(lavaan(model, data = d0, meanstructure = TRUE, int.ov.free = TRUE, do.fit = FALSE))
key <- paste0(pt$lhs, pt$op, pt$rhs)
for (i in which(pt$free > 0)) {
  if (is.null(truth[[key[i]]])) stop("no population value for ", key[i])
  pt$est[i] <- truth[[key[i]]]
}
# Variant "population": start = population values, baseline = FALSE (crosslag's lean path fits
# no baseline model either; and lavaan 0.6.14 passes the start table on to the baseline model,
# whose estimation then fails with a warning and prints matrices). Variant "default": the
# call as a user writes it (lavaan's default starting values, everything else default).
starts <- list(population = list(start = pt, baseline = FALSE), default = list())
variants <- if (start_mode == "both") names(starts) else start_mode
set.seed(seed)

new_state <- function() list(
  recs = vector("list", reps), fit_el = numeric(reps), fit_cpu = numeric(reps),
  conv = logical(reps), adm = logical(reps), no_se = logical(reps),
  grad_warn = logical(reps), fmin = rep(NA_real_, reps), iters = integer(reps), nwarn = 0L)
st <- setNames(lapply(variants, function(v) new_state()), variants)
sim_el <- sim_cpu <- 0
t_start <- proc.time()
for (r in seq_len(reps)) {
  t0 <- proc.time()
  d <- as.data.frame(mvrnorm(n, mean_vec, Sigma))
  dt <- proc.time() - t0
  sim_el <- sim_el + dt[["elapsed"]]
  sim_cpu <- sim_cpu + dt[["user.self"]] + dt[["sys.self"]]
  for (v in variants) {
    S_ <- st[[v]]
    msgs <- character(0)
    t0 <- proc.time()
    fit <- withCallingHandlers(
      do.call("lavaan", c(list(model = model, data = d, meanstructure = TRUE, int.ov.free = TRUE),
                          starts[[v]])),
      warning = function(w) { msgs <<- c(msgs, conditionMessage(w)); invokeRestart("muffleWarning") })
    conv <- lavInspect(fit, "converged")
    pe <- if (conv) parameterEstimates(fit, level = 0.95) else NULL
    dt <- proc.time() - t0
    S_$fit_el[r] <- dt[["elapsed"]]
    S_$fit_cpu[r] <- dt[["user.self"]] + dt[["sys.self"]]
    S_$iters[r] <- lavInspect(fit, "iterations")
    S_$conv[r] <- conv
    S_$nwarn <- S_$nwarn + length(msgs)
    S_$grad_warn[r] <- any(grepl("gradient", msgs))
    if (conv) {
      S_$fmin[r] <- fit@optim$fx
      S_$adm[r] <- isTRUE(suppressWarnings(lavInspect(fit, "post.check")))
      pe <- pe[!is.na(pe$se) & pe$se > 0, ]                # free parameters
      if (nrow(pe) == 0) {
        S_$no_se[r] <- TRUE
      } else {
        S_$recs[[r]] <- data.frame(rep = r, name = paste0(pe$lhs, pe$op, pe$rhs), est = pe$est,
                                   se = pe$se, p = pe$pvalue, lo = pe$ci.lower, hi = pe$ci.upper,
                                   stringsAsFactors = FALSE)
      }
    }
    st[[v]] <- S_
  }
  if (r %% 50 == 0) {
    el <- (proc.time() - t_start)[["elapsed"]]
    message(sprintf("[power_lavaan] %d/%d replications, %.0f s elapsed, load %s", r, reps, el,
                    paste(readLines("/proc/loadavg"), collapse = "")))
  }
}
tt <- proc.time() - t_start
total_el <- tt[["elapsed"]]
total_cpu <- tt[["user.self"]] + tt[["sys.self"]]

# ---- summary ---------------------------------------------------------------------------
summarise <- function(all) {
  summ <- list()
  for (name in unique(all$name)) {
    x <- all[all$name == name, ]
    R <- nrow(x)
    tv <- truth[[name]]
    m <- mean(x$est)
    sdv <- sd(x$est)
    cov_ <- mean(x$lo <= tv & tv <= x$hi)
    pw <- mean(x$p < 0.05)
    summ[[name]] <- list(
      true = tv, used = R, mean = m, bias = m - tv, emp_sd = sdv, mean_se = mean(x$se),
      coverage = cov_, power = pw,
      mcse = list(mean = sdv / sqrt(R), coverage = sqrt(cov_ * (1 - cov_) / R),
                  power = sqrt(pw * (1 - pw) / R)))
  }
  summ
}
scale_1000 <- 1000 / reps
out_variant <- function(v) {
  S_ <- st[[v]]
  all <- do.call(rbind, S_$recs)
  if (nzchar(records_path)) write.csv(all, sub("(\\.csv)?$", paste0("_", v, ".csv"), records_path), row.names = FALSE)
  el <- sim_el + sum(S_$fit_el)
  cpu <- sim_cpu + sum(S_$fit_cpu)
  list(
    start = if (v == "population") "population values of every free parameter (start = parameter table; baseline = FALSE), as crosslag's lean path starts from the pseudo-true values" else "lavaan's default starting values (the call as a user writes it)",
    reps = reps, converged = sum(S_$conv), admissible = sum(S_$conv & S_$adm),
    converged_without_se = sum(S_$no_se), used = length(unique(all$rep)),
    gradient_warnings = sum(S_$grad_warn), warnings = S_$nwarn,
    iterations = list(mean = mean(S_$iters), median = median(S_$iters), max = max(S_$iters)),
    parameters = summarise(all),
    timing = list(
      elapsed_s = el, cpu_s = cpu,
      fits_elapsed_s = sum(S_$fit_el), fits_cpu_s = sum(S_$fit_cpu),
      per_fit_elapsed_s = list(mean = mean(S_$fit_el), median = median(S_$fit_el)),
      per_fit_cpu_s = list(mean = mean(S_$fit_cpu), median = median(S_$fit_cpu)),
      elapsed_1000_s = el * scale_1000, cpu_1000_s = cpu * scale_1000),
    fmin = S_$fmin)
}
res_v <- setNames(lapply(variants, out_variant), variants)
# the same data sets fitted from both starts: how often lavaan's default start ends elsewhere
if (all(c("population", "default") %in% variants)) {
  a <- res_v$population$fmin; b <- res_v$default$fmin
  both <- !is.na(a) & !is.na(b)
  res_compare <- list(both_converged = sum(both),
                      default_fmin_higher_1e6 = sum(b[both] > a[both] + 1e-6),
                      default_fmin_lower_1e6 = sum(b[both] < a[both] - 1e-6))
} else res_compare <- NULL
for (v in variants) res_v[[v]]$fmin <- NULL
group <- function(a, b) sprintf("w_%s_%d~w_%s_%d", a, 2:waves, b, 1:(waves - 1))
res <- list(
  what = "Monte Carlo power of the RI-CLPM (close, lang; 4 waves) with lavaan",
  population = basename(pop_path),
  population_note = "ses_low = 0 within process in the observed metric; covariate and classroom effects left out (as tests/power.rs); moments computed from the definition",
  model = basename(model_path),
  call = "lavaan(model, data, meanstructure = TRUE, int.ov.free = TRUE[, start = <population values>, baseline = FALSE]); parameterEstimates(fit, level = 0.95)",
  simulation = "RNGkind('Mersenne-Twister', 'Inversion', 'Rejection'); set.seed(seed); per replication MASS::mvrnorm(N, mu, Sigma); every variant fits the same data sets",
  summary_over = "replications that converged (lavaan's flag) and have standard errors",
  n = n, reps = reps, seed = seed, alpha = 0.05, level = 0.95,
  of_interest = list(close_to_lang = group("lang", "close"), lang_to_close = group("close", "lang"),
                     ar_close = group("close", "close"), ar_lang = group("lang", "lang")),
  variants = res_v,
  same_data_fmin_comparison = res_compare,
  timing = list(
    loop_elapsed_s = total_el, loop_cpu_s = total_cpu,
    simulation_elapsed_s = sim_el, simulation_cpu_s = sim_cpu,
    extrapolated = reps != 1000,
    extrapolation = if (reps != 1000) sprintf("linear: time of %d replications x 1000/%d", reps, reps) else "none: 1000 replications run",
    loadavg_start = loadavg_start, loadavg_end = readLines("/proc/loadavg"),
    nproc = parallel::detectCores(),
    blas_threads = Sys.getenv("OPENBLAS_NUM_THREADS")),
  r_version = as.character(getRversion()),
  lavaan_version = as.character(packageVersion("lavaan")),
  date = format(Sys.time(), "%Y-%m-%dT%H:%M:%SZ", tz = "UTC"))
dir.create(dirname(out), showWarnings = FALSE, recursive = TRUE)
writeLines(toJSON(res, auto_unbox = TRUE, digits = I(10), pretty = TRUE, na = "null"), out)

for (v in variants) {
  x <- res_v[[v]]
  cat(sprintf("lavaan power (%s start): N = %d, %d replications (%d converged, %d with SEs, %d admissible, %d gradient warnings), %.1f s elapsed, %.1f s CPU (%.3f s CPU per fit, %.0f iterations)\n",
              v, n, reps, x$converged, x$used, x$admissible, x$gradient_warnings,
              x$timing$elapsed_s, x$timing$cpu_s, x$timing$per_fit_cpu_s$mean, x$iterations$mean))
  for (g in names(res$of_interest)) for (p in res$of_interest[[g]]) {
    y <- x$parameters[[p]]
    cat(sprintf("  %-22s true %9.5f mean %9.5f sd %.5f se %.5f coverage %.3f power %.3f\n",
                p, y$true, y$mean, y$emp_sd, y$mean_se, y$coverage, y$power))
  }
}
if (!is.null(res_compare)) cat(sprintf("same data, both converged: %d; default start ends at a higher minimum in %d\n",
                                       res_compare$both_converged, res_compare$default_fmin_higher_1e6))
