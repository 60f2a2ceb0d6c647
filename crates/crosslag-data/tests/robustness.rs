//! Damaged files never panic: every fixture with bytes flipped, cut or replaced reads as data or
//! gives an error.

mod common;
use common::*;
use crosslag_data::*;

/// A small deterministic pseudo-random sequence (64-bit LCG).
struct Lcg(u64);
impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        self.0 >> 33
    }
}

fn mutate_and_read(name: &str, rounds: usize) {
    let original = std::fs::read(fixture(name)).unwrap();
    let ext = std::path::Path::new(name)
        .extension()
        .unwrap()
        .to_str()
        .unwrap();
    let mut rng = Lcg(name.len() as u64 * 7919);
    for round in 0..rounds {
        let mut bytes = original.clone();
        match round % 3 {
            0 => {
                for _ in 0..1 + rng.next() % 4 {
                    let i = (rng.next() as usize) % bytes.len();
                    bytes[i] = rng.next() as u8;
                }
            }
            1 => bytes.truncate((rng.next() as usize) % bytes.len()),
            _ => {
                let i = (rng.next() as usize) % bytes.len();
                let n = (rng.next() as usize % 16).min(bytes.len() - i);
                for b in &mut bytes[i..i + n] {
                    *b = 0xff;
                }
            }
        }
        let path = temp_file("robust", &format!("m{round}.{ext}"), &bytes);
        let opts = ReadOptions {
            missing_codes: strings(&["-99"]),
            long: None,
        };
        // Ok or Err, but no panic; an Ok frame can also be selected and described.
        if let Ok((df, labels)) = read_frame_with_labels(&path, &opts) {
            let names = column_names(&df);
            let _ = describe_with_labels(&df, None, None, &labels, "m");
            let _ = select(
                &df,
                &Selection {
                    variables: &names,
                    group: names.first().map(String::as_str),
                    cluster: names.last().map(String::as_str),
                },
                "m",
            );
        }
    }
}

#[test]
fn damaged_csv() {
    mutate_and_read("panel.csv", 150);
    mutate_and_read("long.csv", 60);
}

#[test]
fn damaged_parquet() {
    mutate_and_read("panel.parquet", 150);
}

#[test]
fn damaged_stata() {
    mutate_and_read("panel.dta", 300);
}

#[cfg(feature = "spss")]
#[test]
fn damaged_spss() {
    mutate_and_read("panel.sav", 300);
}
