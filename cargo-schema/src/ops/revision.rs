//! Writing a new revision folder: whole or not at all, and the clock and
//! randomness its id and name come from.

use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};
use std::path::{Path, PathBuf};

use schema_core::migrations::{Generated, Timestamp};

use crate::Failure;

/// Write `generated` into the migrations folder `script_location` and
/// return the new folder: the files are written into a hidden sibling that
/// is then renamed, so a failure leaves nothing half-written.
pub fn write(script_location: &Path, generated: &Generated) -> Result<PathBuf, Failure> {
    let dir = script_location.join(&generated.folder_name);
    let staging = script_location.join(format!(".{}.partial", generated.folder_name));
    let result = (|| {
        std::fs::create_dir(&staging)?;
        for file in &generated.files {
            std::fs::write(staging.join(file.name), &file.contents)?;
        }
        std::fs::rename(&staging, &dir)
    })();
    if let Err(e) = result {
        let _ = std::fs::remove_dir_all(&staging);
        return Err(Failure::Io(std::io::Error::new(
            e.kind(),
            format!("cannot write {}: {e}", dir.display()),
        )));
    }
    Ok(dir)
}

/// The time a new revision is created at (UTC).
pub fn now() -> Timestamp {
    let t = time::OffsetDateTime::now_utc();
    Timestamp {
        year: u16::try_from(t.year()).unwrap_or(9999),
        month: u8::from(t.month()),
        day: t.day(),
        hour: t.hour(),
        minute: t.minute(),
        second: t.second(),
    }
}

/// Randomness for new revision ids: the standard library's per-process
/// random hasher keys, mixed with the clock.
pub fn entropy() -> u64 {
    let mut hasher = RandomState::new().build_hasher();
    hasher.write_u128(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or_default(),
    );
    hasher.finish()
}
