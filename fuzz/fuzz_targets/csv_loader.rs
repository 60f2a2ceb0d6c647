//! Any bytes as a CSV file: read it (layout check, parser, missing values, numeric conversion)
//! and select every column as a model variable. An error or data, never a panic; every error
//! message is one line.
#![no_main]

use crosslag_data::{read_frame, select, ReadOptions, Selection};
use libfuzzer_sys::fuzz_target;
use std::path::PathBuf;

fn scratch() -> PathBuf {
    let dir = if std::path::Path::new("/dev/shm").is_dir() {
        PathBuf::from("/dev/shm")
    } else {
        std::env::temp_dir()
    };
    dir.join(format!("crosslag-fuzz-{}.csv", std::process::id()))
}

fuzz_target!(|data: &[u8]| {
    let path = scratch();
    std::fs::write(&path, data).expect("scratch file");
    let opts = ReadOptions {
        missing_codes: vec!["-99".into()],
        long: None,
    };
    match read_frame(&path, &opts) {
        Err(e) => {
            let m = e.to_string();
            assert!(!m.contains('\n'), "multi-line message: {m}");
        }
        Ok(df) => {
            let names = crosslag_data::column_names(&df);
            let vars: Vec<String> = names.into_iter().take(8).collect();
            let sel = Selection {
                variables: &vars,
                group: None,
                cluster: None,
            };
            if let Err(e) = select(&df, &sel, "fuzz.csv") {
                let m = e.to_string();
                assert!(!m.contains('\n'), "multi-line message: {m}");
            }
        }
    }
});
