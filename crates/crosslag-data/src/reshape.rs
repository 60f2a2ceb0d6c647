//! Long → wide reshaping of panel data.
//!
//! Long data have one row per (id, wave); every other column `v` becomes one column `v_<wave>`
//! per wave, and there is one row per id:
//!
//! * ids in the order of their first appearance in the file;
//! * waves in numeric order when every wave value is a number (`2` before `10`), otherwise in
//!   text order; a wave is printed without ".0" when integral (`lang_1`, not `lang_1.0`);
//! * columns in file order, each followed through all waves (`x_1, x_2, y_1, y_2`);
//! * an (id, wave) pair absent from the file gives missing values;
//! * a repeated (id, wave) pair, or a row without id or wave, is an error that names its line;
//! * value labels of `v` carry over to every `v_<wave>`.

use crate::columns::Key;
use crate::error::DataError;
use crate::select::near_matches;
use crate::table::{LongSpec, Table};
use std::collections::HashMap;

/// The (id, wave) keys of the long rows: ids numbered in order of first appearance (with the
/// first row of each), the distinct waves sorted (numerically when every wave is a number,
/// else as text), and each row's (id number, wave).
struct LongKeys {
    id_first_row: Vec<usize>,
    wave_keys: Vec<Key>,
    row_keys: Vec<(usize, Key)>,
}

fn long_keys(
    table: &Table,
    spec: &LongSpec,
    id_col: usize,
    wave_col: usize,
) -> Result<LongKeys, DataError> {
    let n = table.height();
    let mut id_index: HashMap<Key, usize> = HashMap::new();
    let mut id_first_row: Vec<usize> = Vec::new();
    let mut wave_keys: Vec<Key> = Vec::new();
    let mut wave_seen: HashMap<Key, ()> = HashMap::new();
    let mut row_keys: Vec<(usize, Key)> = Vec::with_capacity(n);
    let mut first_row: HashMap<(usize, Key), usize> = HashMap::new();
    for i in 0..n {
        let id = table.cols[id_col]
            .key(i)
            .ok_or_else(|| DataError::MissingKey {
                file: table.file.clone(),
                place: table.place(i),
                role: "id",
                column: spec.id.clone(),
            })?;
        let wave = table.cols[wave_col]
            .key(i)
            .ok_or_else(|| DataError::MissingKey {
                file: table.file.clone(),
                place: table.place(i),
                role: "wave",
                column: spec.wave.clone(),
            })?;
        let next = id_index.len();
        let idx = *id_index.entry(id).or_insert_with(|| {
            id_first_row.push(i);
            next
        });
        if wave_seen.insert(wave.clone(), ()).is_none() {
            wave_keys.push(wave.clone());
        }
        if let Some(&first) = first_row.get(&(idx, wave.clone())) {
            return Err(DataError::DuplicateKey {
                file: table.file.clone(),
                id: table.cols[id_col]
                    .key(i)
                    .map(|k| k.label())
                    .unwrap_or_default(),
                wave: wave.label(),
                first: table.place(first),
                second: table.place(i),
            });
        }
        first_row.insert((idx, wave.clone()), i);
        row_keys.push((idx, wave));
    }
    if wave_keys.iter().all(|w| w.as_f64().is_some()) {
        wave_keys.sort_by(|a, b| {
            let (x, y) = (a.as_f64().unwrap_or(0.0), b.as_f64().unwrap_or(0.0));
            x.total_cmp(&y).then_with(|| a.label().cmp(&b.label()))
        });
    } else {
        wave_keys.sort_by_key(Key::label);
    }
    Ok(LongKeys {
        id_first_row,
        wave_keys,
        row_keys,
    })
}

/// A generated name may collide with an existing one (e.g. columns "x" and "x_1").
fn check_unique(file: &str, names: &[String]) -> Result<(), DataError> {
    let mut seen = std::collections::HashSet::new();
    for n in names {
        if !seen.insert(n.as_str()) {
            return Err(DataError::DuplicateColumn {
                file: file.to_string(),
                name: format!("{n} (made by the long-to-wide reshape)"),
            });
        }
    }
    Ok(())
}

pub(crate) fn long_to_wide(table: Table, spec: &LongSpec) -> Result<Table, DataError> {
    let find = |name: &str, role: &'static str| {
        table
            .names
            .iter()
            .position(|n| n == name)
            .ok_or_else(|| DataError::UnknownColumn {
                role,
                file: table.file.clone(),
                name: name.to_string(),
                suggestions: near_matches(name, &table.names),
            })
    };
    let id_col = find(&spec.id, "id")?;
    let wave_col = find(&spec.wave, "wave")?;
    if id_col == wave_col {
        return Err(DataError::SameIdWave {
            file: table.file.clone(),
            column: spec.id.clone(),
        });
    }
    let LongKeys {
        id_first_row,
        wave_keys,
        row_keys,
    } = long_keys(&table, spec, id_col, wave_col)?;
    let wave_pos: HashMap<&Key, usize> =
        wave_keys.iter().enumerate().map(|(p, k)| (k, p)).collect();
    let n_ids = id_first_row.len();
    let n_waves = wave_keys.len();

    // Which long row fills each (id, wave) cell.
    let mut cell: Vec<Option<usize>> = vec![None; n_ids * n_waves];
    for (i, (idx, wave)) in row_keys.iter().enumerate() {
        cell[idx * n_waves + wave_pos[wave]] = Some(i);
    }

    let mut names = vec![spec.id.clone()];
    let mut cols = vec![table.cols[id_col].take(&id_first_row)];
    let mut labels = table.labels.clone();
    for (c, name) in table.names.iter().enumerate() {
        if c == id_col || c == wave_col {
            continue;
        }
        for (w, wave) in wave_keys.iter().enumerate() {
            let mut out = table.cols[c].nulls_like(n_ids);
            for idx in 0..n_ids {
                if let Some(row) = cell[idx * n_waves + w] {
                    table.cols[c].copy_into(row, &mut out, idx);
                }
            }
            let wide = format!("{name}_{}", wave.label());
            labels.copy_column(name, &wide);
            names.push(wide);
            cols.push(out);
        }
        labels.remove_column(name);
    }
    labels.remove_column(&spec.wave);
    check_unique(&table.file, &names)?;
    Ok(Table {
        file: table.file,
        names,
        cols,
        labels,
        lines: None,
    })
}
