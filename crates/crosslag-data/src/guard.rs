//! Turning a panic inside a third-party file parser into an error.
//!
//! Damaged binary files can make a parser panic (polars' Parquet metadata reader does on some
//! corrupted footers). Such a read runs under [`catch`]: a panic becomes `Err(message)` and the
//! panic message is not printed (a panic hook that stays silent while a guarded read runs on
//! the current thread, and otherwise hands over to the hook that was installed before).

use std::cell::Cell;
use std::panic::{self, AssertUnwindSafe};
use std::sync::Once;

thread_local! {
    static GUARDED: Cell<bool> = const { Cell::new(false) };
}

static INSTALL: Once = Once::new();

fn install_hook() {
    INSTALL.call_once(|| {
        let previous = panic::take_hook();
        panic::set_hook(Box::new(move |info| {
            if !GUARDED.with(Cell::get) {
                previous(info);
            }
        }));
    });
}

/// Run `f`; a panic inside it becomes `Err` with the panic's message.
pub(crate) fn catch<T>(f: impl FnOnce() -> T) -> Result<T, String> {
    install_hook();
    let was = GUARDED.with(|g| g.replace(true));
    let result = panic::catch_unwind(AssertUnwindSafe(f));
    GUARDED.with(|g| g.set(was));
    result.map_err(|payload| {
        payload
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "the reader failed".to_string())
    })
}

#[cfg(test)]
mod tests {
    use super::catch;

    #[test]
    fn panics_become_errors() {
        assert_eq!(catch(|| 3), Ok(3));
        let r: Result<(), String> = catch(|| panic!("bad footer {}", 7));
        assert_eq!(r, Err("bad footer 7".to_string()));
        let r: Result<(), String> = catch(|| panic!("static"));
        assert_eq!(r, Err("static".to_string()));
    }
}
